package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"regexp"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/domain"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	const n = 2000
	seen := make(map[string]bool, n)
	ones := 0
	for range n {
		tok := NewToken()
		if len(tok) != 43 {
			t.Fatalf("len(NewToken()) = %d, want 43", len(tok))
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(tok)
		if err != nil {
			t.Fatalf("NewToken() = %q is not unpadded base64url: %v", tok, err)
		}
		if len(b) != 32 {
			t.Fatalf("NewToken() decodes to %d bytes, want 32", len(b))
		}
		if seen[tok] {
			t.Fatalf("NewToken() repeated %q", tok)
		}
		seen[tok] = true
		for _, c := range b {
			ones += bits.OnesCount8(c)
		}
	}
	// Half the bits are set; ±1% is about 10 standard deviations.
	total := n * 256
	if lo, hi := total*49/100, total*51/100; ones < lo || ones > hi {
		t.Errorf("%d of %d bits set, want between %d and %d", ones, total, lo, hi)
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		token string
		want  string
	}{
		{name: "FIPS 180-2 abc", token: "abc", want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{name: "empty", token: "", want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := HashToken(tc.token); got != tc.want {
				t.Errorf("HashToken(%q) = %s, want %s", tc.token, got, tc.want)
			}
		})
	}
	tok := NewToken()
	first, second := HashToken(tok), HashToken(tok)
	if first != second || first == HashToken(NewToken()) {
		t.Error("HashToken is not a function of the token alone")
	}
}

func TestNewCode(t *testing.T) {
	t.Parallel()
	const draws = 10_000
	re := regexp.MustCompile(`^[0-9]{6}$`)
	var count [CodeDigits][10]int
	for range draws {
		c := NewCode()
		if !re.MatchString(c) {
			t.Fatalf("NewCode() = %q, want 6 digits", c)
		}
		for i, d := range c {
			count[i][d-'0']++
		}
	}
	// Each digit is expected 1000 times in each place (σ = 30). The loose
	// bound catches a broken distribution, such as missing leading zeros.
	for place, digits := range count {
		for d, n := range digits {
			if n < 800 || n > 1200 {
				t.Errorf("digit %d appeared %d times in place %d of %d codes, want about 1000", d, n, place, draws)
			}
		}
	}
}

// macOf computes the documented MAC format independently: HMAC-SHA256 over
// each part as an 8-byte big-endian length and its bytes, in hex.
func macOf(tb testing.TB, key []byte, parts ...string) string {
	tb.Helper()
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		_, _ = h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(p))))
		_, _ = h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestMACer(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	m := NewMACer(key)
	other := NewMACer([]byte("fedcba9876543210fedcba9876543210"))
	mac := m.MAC("ana@example.com", "123456")

	if want := macOf(t, key, "ana@example.com", "123456"); mac != want {
		t.Errorf("MAC = %s, want %s", mac, want)
	}
	key[0] ^= 1 // NewMACer keeps its own copy
	if again := m.MAC("ana@example.com", "123456"); again != mac {
		t.Error("changing the caller's key slice changed the MAC")
	}

	cases := []struct {
		name  string
		m     *MACer
		mac   string
		parts []string
		want  bool
	}{
		{name: "same parts", m: m, mac: mac, parts: []string{"ana@example.com", "123456"}, want: true},
		{name: "other code", m: m, mac: mac, parts: []string{"ana@example.com", "123457"}, want: false},
		{name: "other e-mail", m: m, mac: mac, parts: []string{"bob@example.com", "123456"}, want: false},
		{name: "parts moved", m: m, mac: mac, parts: []string{"ana@example.com1", "23456"}, want: false},
		{name: "parts joined", m: m, mac: mac, parts: []string{"ana@example.com123456"}, want: false},
		{name: "other key", m: other, mac: mac, parts: []string{"ana@example.com", "123456"}, want: false},
		{name: "upper-case hex", m: m, mac: upperHex(mac), parts: []string{"ana@example.com", "123456"}, want: mac == upperHex(mac)},
		{name: "truncated", m: m, mac: mac[:32], parts: []string{"ana@example.com", "123456"}, want: false},
		{name: "empty mac", m: m, mac: "", parts: []string{"ana@example.com", "123456"}, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Equal(tc.mac, tc.parts...); got != tc.want {
				t.Errorf("Equal(%s, %q) = %v, want %v", tc.mac, tc.parts, got, tc.want)
			}
		})
	}

	t.Run("unambiguous", func(t *testing.T) {
		distinct := map[string][]string{}
		for _, parts := range [][]string{{}, {""}, {"", ""}, {"ab", "c"}, {"a", "bc"}, {"abc"}} {
			got := m.MAC(parts...)
			if prev, dup := distinct[got]; dup {
				t.Errorf("MAC(%q) = MAC(%q)", parts, prev)
			}
			distinct[got] = parts
		}
	})
}

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestEqualSecret(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "equal", a: "wg_live_k3y", b: "wg_live_k3y", want: true},
		{name: "both empty", a: "", b: "", want: true},
		{name: "one byte differs", a: "wg_live_k3y", b: "wg_live_k3z", want: false},
		{name: "prefix", a: "wg_live_k3y", b: "wg_live", want: false},
		{name: "empty and not", a: "", b: "x", want: false},
		{name: "case differs", a: "abc", b: "ABC", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := EqualSecret(tc.a, tc.b); got != tc.want {
				t.Errorf("EqualSecret(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestKeyedToken(t *testing.T) {
	sid := domain.NewID()
	token, hash := NewKeyedToken(sid)
	id, got, ok := SplitKeyedToken(token)
	if !ok || id != sid || got != hash || !strings.HasPrefix(token, sid+".") {
		t.Fatalf("split %q = %q %q %v; hash %q", token, id, got, ok, hash)
	}
	// The ID reaches a document path: only an ID NewID makes passes, so
	// none names another document ("%2F" in a path, or a crafted token).
	for _, bad := range []string{
		"", "abc", ".secret", sid + ".", "abc.secret",
		sid + "/devices/" + sid + ".secret", sid[:16] + "/" + sid[17:] + ".secret", "../" + sid + ".secret",
		strings.ToUpper(sid) + ".secret", sid + strings.Repeat("x", 300) + ".s", sid + "." + strings.Repeat("s", 300),
	} {
		if _, _, ok := SplitKeyedToken(bad); ok {
			t.Errorf("SplitKeyedToken(%q) accepted", bad)
		}
	}
}

// TestMACerRotation: after a rotation a MACer makes MACs with the new key
// and still accepts those of the previous one, so a code sent before the
// rotation works for its few minutes; without the previous key it fails.
func TestMACerRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before := NewMACer(oldKey).MAC("login-code", "ana@example.com", "123456")
	rotated := NewMACer(newKey, oldKey)
	if !rotated.Equal(before, "login-code", "ana@example.com", "123456") {
		t.Error("a MAC of the previous key is refused during the rotation")
	}
	if rotated.Equal(before, "login-code", "ana@example.com", "123457") {
		t.Error("the previous key's MAC accepted other parts")
	}
	if got, want := rotated.MAC("x"), NewMACer(newKey).MAC("x"); got != want {
		t.Errorf("MAC during a rotation = %s, want the new key's %s", got, want)
	}
	if !rotated.Equal(rotated.MAC("x"), "x") {
		t.Error("the current key's MAC is refused")
	}
	if NewMACer(newKey).Equal(before, "login-code", "ana@example.com", "123456") {
		t.Error("a MACer without the previous key accepted its MAC")
	}
	if same := NewMACer(oldKey, oldKey); len(same.keys) != 1 {
		t.Errorf("a previous key equal to the current one is kept %d times", len(same.keys))
	}
}

func TestRecoveryKey(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		k := NewRecoveryKey()
		if !regexp.MustCompile(`^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$`).MatchString(k) {
			t.Fatalf("key %q has not the form XXXXX-XXXXX-XXXXX-XXXXX", k)
		}
		if seen[k] {
			t.Fatalf("key %q made twice", k)
		}
		seen[k] = true
	}
	k := NewRecoveryKey()
	typed := strings.ToLower(strings.ReplaceAll(k, "-", " "))
	if NormalizeRecoveryKey(typed) != NormalizeRecoveryKey(k) {
		t.Fatalf("%q and %q normalise differently", typed, k)
	}
	if got := NormalizeRecoveryKey(k); len(got) != 20 || strings.Contains(got, "-") {
		t.Fatalf("normalised %q", got)
	}
}

package auth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func sealKey(fill byte) []byte { return bytes.Repeat([]byte{fill}, SealKeyBytes) }

func newTestSealer(tb testing.TB, fill byte, previous ...byte) *Sealer {
	tb.Helper()
	var prev [][]byte
	for _, p := range previous {
		prev = append(prev, sealKey(p))
	}
	s, err := NewSealer(sealKey(fill), prev...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// body returns the base64url part of a sealed value, after its key ID.
func body(tb testing.TB, sealed string) string {
	tb.Helper()
	kid, b, ok := strings.Cut(sealed, ".")
	if !ok || kid == "" {
		tb.Fatalf("sealed value %q has no key ID", sealed)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	s := newTestSealer(t, 1)
	cases := []struct {
		name      string
		plaintext string
	}{
		{name: "empty", plaintext: ""},
		{name: "link token", plaintext: NewToken()},
		{name: "unicode", plaintext: "초대 링크 🔗"},
		{name: "long", plaintext: strings.Repeat("x", 10_000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sealed := s.Seal(tc.plaintext)
			if _, err := base64.RawURLEncoding.Strict().DecodeString(body(t, sealed)); err != nil {
				t.Errorf("Seal = %q is not a key ID and unpadded base64url: %v", sealed, err)
			}
			if len(tc.plaintext) > 3 && strings.Contains(sealed, tc.plaintext) {
				t.Error("sealed value holds the plaintext")
			}
			got, err := s.Open(sealed)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got != tc.plaintext {
				t.Errorf("Open = %q, want %q", got, tc.plaintext)
			}
			if again := s.Seal(tc.plaintext); again == sealed {
				t.Error("sealing twice gave the same value: the nonce is not fresh")
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	s := newTestSealer(t, 1)
	const secret = "the-secret-link-token"
	sealed := s.Seal(secret)
	kid := strings.Split(sealed, ".")[0]
	raw, err := base64.RawURLEncoding.DecodeString(body(t, sealed))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(b []byte) string { return kid + "." + base64.RawURLEncoding.EncodeToString(b) }
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return enc(b)
	}
	otherKID := strings.Split(newTestSealer(t, 2).Seal(secret), ".")[0]

	cases := []struct {
		name   string
		sealer *Sealer
		sealed string
	}{
		{name: "wrong key", sealer: newTestSealer(t, 2), sealed: sealed},
		{name: "key ID of another key", sealer: newTestSealer(t, 2, 1), sealed: otherKID + "." + body(t, sealed)},
		{name: "key ID dropped", sealer: s, sealed: body(t, sealed)},
		{name: "key ID changed", sealer: s, sealed: "x" + sealed},
		{name: "two key IDs", sealer: s, sealed: kid + "." + sealed},
		{name: "nonce changed", sealer: s, sealed: flip(0)},
		{name: "ciphertext changed", sealer: s, sealed: flip(12)},
		{name: "tag changed", sealer: s, sealed: flip(len(raw) - 1)},
		{name: "truncated", sealer: s, sealed: enc(raw[:len(raw)-1])},
		{name: "byte appended", sealer: s, sealed: enc(append(bytes.Clone(raw), 0))},
		{name: "shorter than nonce and tag", sealer: s, sealed: enc(raw[:20])},
		{name: "empty", sealer: s, sealed: ""},
		{name: "padded", sealer: s, sealed: sealed + "="},
		{name: "std alphabet", sealer: s, sealed: kid + "." + strings.NewReplacer("-", "+", "_", "/").Replace(body(t, sealed)) + "+/"},
		{name: "not base64", sealer: s, sealed: "not sealed at all!"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.sealed)
			if err == nil {
				t.Fatalf("Open = %q, want an error", got)
			}
			if got != "" || strings.Contains(err.Error(), secret) {
				t.Errorf("Open leaked the plaintext: %q, %v", got, err)
			}
		})
	}

	t.Run("every byte is authenticated", func(t *testing.T) {
		for i := range raw {
			if _, err := s.Open(flip(i)); err == nil {
				t.Errorf("a flipped bit at byte %d went unnoticed", i)
			}
		}
	})
}

func TestNewSealerKeySize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    int
		ok   bool
	}{
		{name: "nil", n: 0},
		{name: "AES-128 size", n: 16},
		{name: "AES-192 size", n: 24},
		{name: "31 bytes", n: 31},
		{name: "32 bytes", n: 32, ok: true},
		{name: "33 bytes", n: 33},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSealer(make([]byte, tc.n))
			if (err == nil) != tc.ok {
				t.Errorf("NewSealer(%d bytes) error = %v, want ok %v", tc.n, err, tc.ok)
			}
		})
	}
}

// TestSealRotation: during a rotation a Sealer seals with the new key and
// opens what the previous one sealed, named by its key ID; values sealed
// before key IDs existed open with either key; a value of a key the
// Sealer lacks is ErrUnknownSealKey, which the mailer retries.
func TestSealRotation(t *testing.T) {
	t.Parallel()
	old, rotated, next := newTestSealer(t, 1), newTestSealer(t, 2, 1), newTestSealer(t, 2)
	const secret = "the-secret-link-token"
	before := old.Seal(secret)
	if got, err := rotated.Open(before); err != nil || got != secret {
		t.Errorf("Open(sealed by the previous key) = %q, %v", got, err)
	}
	after := rotated.Seal(secret)
	if strings.Split(after, ".")[0] != strings.Split(next.Seal(secret), ".")[0] {
		t.Errorf("a rotated Sealer seals %q, not with the new key", after)
	}
	if strings.Split(after, ".")[0] == strings.Split(before, ".")[0] {
		t.Error("two keys have the same key ID")
	}
	if got, err := next.Open(after); err != nil || got != secret {
		t.Errorf("Open(sealed by the new key) by a Sealer with only it = %q, %v", got, err)
	}
	if _, err := next.Open(before); !errors.Is(err, ErrUnknownSealKey) {
		t.Errorf("Open(sealed by a dropped key) = %v, want ErrUnknownSealKey", err)
	}
	if _, err := old.Open(after); !errors.Is(err, ErrUnknownSealKey) {
		t.Errorf("Open(sealed by a key not deployed yet) = %v, want ErrUnknownSealKey", err)
	}
	// Garbage with a dot is malformed, not a newer key: the mailer drops it
	// instead of retrying it.
	for _, junk := range []string{"http://x.example/verify-email/abc", "." + after, "a." + strings.Split(after, ".")[1]} {
		if _, err := next.Open(junk); err == nil || errors.Is(err, ErrUnknownSealKey) {
			t.Errorf("Open(%q) = %v, want a malformed value", junk, err)
		}
	}

	// Values sealed before key IDs: nonce || ciphertext || tag, no
	// additional data.
	legacy := func(key []byte) string {
		t.Helper()
		block, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(aead.Seal(nil, nil, []byte(secret), nil))
	}
	for _, fill := range []byte{1, 2} {
		if got, err := rotated.Open(legacy(sealKey(fill))); err != nil || got != secret {
			t.Errorf("Open(unnamed value of key %d) = %q, %v", fill, got, err)
		}
	}
	if _, err := next.Open(legacy(sealKey(1))); err == nil {
		t.Error("an unnamed value opened without its key")
	}
	if same := newTestSealer(t, 1, 1); len(same.all) != 1 {
		t.Errorf("a previous key equal to the current one is kept %d times", len(same.all))
	}
}

package auth

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func newTestSealer(tb testing.TB, fill byte) *Sealer {
	tb.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{fill}, SealKeyBytes))
	if err != nil {
		tb.Fatal(err)
	}
	return s
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
			if _, err := base64.RawURLEncoding.Strict().DecodeString(sealed); err != nil {
				t.Errorf("Seal = %q is not unpadded base64url: %v", sealed, err)
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
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return enc(b)
	}

	cases := []struct {
		name   string
		sealer *Sealer
		sealed string
	}{
		{name: "wrong key", sealer: newTestSealer(t, 2), sealed: sealed},
		{name: "nonce changed", sealer: s, sealed: flip(0)},
		{name: "ciphertext changed", sealer: s, sealed: flip(12)},
		{name: "tag changed", sealer: s, sealed: flip(len(raw) - 1)},
		{name: "truncated", sealer: s, sealed: enc(raw[:len(raw)-1])},
		{name: "byte appended", sealer: s, sealed: enc(append(bytes.Clone(raw), 0))},
		{name: "shorter than nonce and tag", sealer: s, sealed: enc(raw[:20])},
		{name: "empty", sealer: s, sealed: ""},
		{name: "padded", sealer: s, sealed: sealed + "="},
		{name: "std alphabet", sealer: s, sealed: strings.NewReplacer("-", "+", "_", "/").Replace(sealed) + "+/"},
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

package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts secrets that must travel inside events, such as a link
// token on its way to the mailer, so that the outbox and Pub/Sub never
// hold them in clear. It uses AES-256-GCM with a random 96-bit nonce per
// message, which is safe for far more messages than one key will ever
// seal. A Sealer is safe for concurrent use.
//
// A sealed value names the key that sealed it, so that a Sealer given the
// previous key during a rotation still opens what was sealed before.
type Sealer struct {
	kid  string                 // the current key's
	keys map[string]cipher.AEAD // by key ID: current and previous
	// all is every key, current first, for values sealed before sealed
	// values carried a key ID.
	all []cipher.AEAD
}

// NewSealer returns a Sealer that seals with key and opens what key or any
// of previous sealed. Each key must be 32 bytes (see ParseSealKey and
// DevSealKey).
func NewSealer(key []byte, previous ...[]byte) (*Sealer, error) {
	s := &Sealer{keys: make(map[string]cipher.AEAD, 1+len(previous))}
	for i, k := range append([][]byte{key}, previous...) {
		if len(k) != SealKeyBytes {
			return nil, fmt.Errorf("auth.NewSealer: key must be %d bytes, not %d", SealKeyBytes, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("auth.NewSealer: %w", err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("auth.NewSealer: %w", err)
		}
		kid := sealKeyID(k)
		if i == 0 {
			s.kid = kid
		}
		if _, dup := s.keys[kid]; dup {
			continue // the previous key is still the current one: no rotation
		}
		s.keys[kid] = aead
		s.all = append(s.all, aead)
	}
	return s, nil
}

// sealKeyIDLen is the length of a key ID: 6 bytes in base64url.
const sealKeyIDLen = 8

// sealKeyID names a seal key in the values it seals: 48 bits of a hash of
// the key, enough to tell two keys apart, and saying nothing of the key.
func sealKeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("workgate seal key id\x00"), key...))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

// Seal encrypts plaintext and returns "<key ID>.<base64url(nonce ||
// ciphertext || tag)>", unpadded; the key ID is authenticated too.
// Sealing the same plaintext twice gives different results.
func (s *Sealer) Seal(plaintext string) string {
	// The AEAD is cipher.NewGCMWithRandomNonce: it draws the nonce itself.
	sealed := s.keys[s.kid].Seal(nil, nil, []byte(plaintext), []byte(s.kid)) //nolint:gosec // G407: see above
	return s.kid + "." + base64.RawURLEncoding.EncodeToString(sealed)
}

// errUnseal says nothing about why opening failed: to the caller a
// malformed value and a forged one are the same.
var errUnseal = errors.New("sealed value is malformed, tampered with, or sealed with another key")

// ErrUnknownSealKey is the error of Open for a value sealed with a key the
// Sealer does not have: during a rotation, an instance that has not the
// new key yet. Unlike a forged value, it can open later elsewhere.
var ErrUnknownSealKey = errors.New("sealed with a key this Sealer does not have")

// Open decrypts a value made by Seal with the current or a previous key. A
// value that was changed in any way, or sealed with another key, is an
// error; one whose key ID names no key of the Sealer is ErrUnknownSealKey.
//
// A value without a key ID was sealed before values carried one: it is
// tried with each key (GCM's tag tells the right one). Sealed values live
// only in the outbox and in Pub/Sub messages, for minutes to days, so
// those disappear soon after the change that added key IDs.
func (s *Sealer) Open(sealed string) (string, error) {
	kid, body, hasKID := strings.Cut(sealed, ".")
	if !hasKID {
		return openWith(s.all, sealed, nil)
	}
	aead, ok := s.keys[kid]
	if !ok {
		if _, err := base64.RawURLEncoding.Strict().DecodeString(kid); err != nil || len(kid) != sealKeyIDLen {
			return "", fmt.Errorf("auth.Sealer.Open: %w", errUnseal) // not a key ID: garbage, not a newer key
		}
		return "", fmt.Errorf("auth.Sealer.Open: %w", ErrUnknownSealKey)
	}
	return openWith([]cipher.AEAD{aead}, body, []byte(kid))
}

// openWith decrypts body with the first of keys that authenticates it.
func openWith(keys []cipher.AEAD, body string, kid []byte) (string, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	// Strict still skips line breaks: a value has only Seal's spelling.
	if err != nil || strings.ContainsAny(body, "\r\n") {
		return "", fmt.Errorf("auth.Sealer.Open: %w", errUnseal)
	}
	for _, aead := range keys {
		if len(b) < aead.Overhead() {
			break
		}
		if plain, err := aead.Open(nil, nil, b, kid); err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("auth.Sealer.Open: %w", errUnseal)
}

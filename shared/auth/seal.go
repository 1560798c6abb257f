package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sealer encrypts secrets that must travel inside events, such as a link
// token on its way to the mailer, so that the outbox and Pub/Sub never
// hold them in clear. It uses AES-256-GCM with a random 96-bit nonce per
// message, which is safe for far more messages than one key will ever
// seal. A Sealer is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer with key, which must be 32 bytes (see
// ParseSealKey and DevSealKey).
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != SealKeyBytes {
		return nil, fmt.Errorf("auth.NewSealer: key must be %d bytes, not %d", SealKeyBytes, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth.NewSealer: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("auth.NewSealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext and returns base64url(nonce || ciphertext || tag),
// unpadded. Sealing the same plaintext twice gives different results.
func (s *Sealer) Seal(plaintext string) string {
	// The AEAD is cipher.NewGCMWithRandomNonce: it draws the nonce itself.
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nil, nil, []byte(plaintext), nil)) //nolint:gosec // G407: see above
}

// errUnseal says nothing about why opening failed: to the caller a
// malformed value and a forged one are the same.
var errUnseal = errors.New("sealed value is malformed, tampered with, or sealed with another key")

// Open decrypts a value made by Seal with the same key. A value that was
// changed in any way, or sealed with another key, is an error.
func (s *Sealer) Open(sealed string) (string, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(sealed)
	if err != nil || len(b) < s.aead.Overhead() {
		return "", fmt.Errorf("auth.Sealer.Open: %w", errUnseal)
	}
	plain, err := s.aead.Open(nil, nil, b, nil)
	if err != nil {
		return "", fmt.Errorf("auth.Sealer.Open: %w", errUnseal)
	}
	return string(plain), nil
}

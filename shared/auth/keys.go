package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Names of the key files that the Dev* functions keep in their folder.
const (
	DevSigningKeyFile = "jwt-ed25519.pem"
	DevSealKeyFile    = "seal.key"
	DevMACKeyFile     = "mac.key"
	DevIDKeyFile      = "id.key"
)

// ParseSigningKey parses an Ed25519 signing key given in configuration
// (an environment value or a secret): either the 32-byte seed in base64
// (standard or URL alphabet, padded or not) or a PKCS#8 PEM block
// ("-----BEGIN PRIVATE KEY-----", as `openssl genpkey -algorithm ed25519`
// writes). A PEM whose line breaks were flattened to literal "\n" is
// accepted too, as some secret stores do that. Errors never quote value.
func ParseSigningKey(value string) (ed25519.PrivateKey, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, errors.New("auth.ParseSigningKey: empty key")
	}
	if strings.Contains(v, "-----BEGIN") {
		v = strings.ReplaceAll(v, `\n`, "\n")
		block, _ := pem.Decode([]byte(v))
		if block == nil || block.Type != "PRIVATE KEY" {
			return nil, errors.New("auth.ParseSigningKey: want a PKCS#8 PEM block of type PRIVATE KEY")
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("auth.ParseSigningKey: malformed PKCS#8 key")
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("auth.ParseSigningKey: want an Ed25519 key, got %T", k)
		}
		return ek, nil
	}
	seed, err := decodeBase64(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("auth.ParseSigningKey: want a PKCS#8 PEM or the base64 of a %d-byte seed", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// DevSigningKey returns the signing key kept in dir/jwt-ed25519.pem (PKCS#8
// PEM) for local development, generating it on first use. dir should be
// git-ignored; see loadOrCreate for how a race between processes ends.
func DevSigningKey(dir string) (ed25519.PrivateKey, error) {
	b, err := loadOrCreate(dir, DevSigningKeyFile, func() ([]byte, error) {
		_, k, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth.DevSigningKey: %w", err)
	}
	k, err := ParseSigningKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("auth.DevSigningKey: %s: %w", filepath.Join(dir, DevSigningKeyFile), err)
	}
	return k, nil
}

// SealKeyBytes is the size of a Sealer key (AES-256).
const SealKeyBytes = 32

// ParseSealKey parses a Sealer key given in configuration: the base64
// (standard or URL alphabet, padded or not) of exactly 32 bytes.
func ParseSealKey(value string) ([]byte, error) {
	k, err := decodeBase64(strings.TrimSpace(value))
	if err != nil || len(k) != SealKeyBytes {
		return nil, fmt.Errorf("auth.ParseSealKey: want the base64 of %d bytes", SealKeyBytes)
	}
	return k, nil
}

// DevSealKey returns the Sealer key kept in dir/seal.key (base64) for local
// development, generating it on first use like DevSigningKey.
func DevSealKey(dir string) ([]byte, error) {
	b, err := loadOrCreate(dir, DevSealKeyFile, randomKeyFile(SealKeyBytes))
	if err != nil {
		return nil, fmt.Errorf("auth.DevSealKey: %w", err)
	}
	k, err := ParseSealKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("auth.DevSealKey: %s: %w", filepath.Join(dir, DevSealKeyFile), err)
	}
	return k, nil
}

// MinMACKeyBytes is the least size of a MACer key.
const MinMACKeyBytes = 32

// ParseMACKey parses a MACer key given in configuration: the base64
// (standard or URL alphabet, padded or not) of at least 32 bytes. Use a key
// of its own, not the seal key.
func ParseMACKey(value string) ([]byte, error) {
	k, err := decodeBase64(strings.TrimSpace(value))
	if err != nil || len(k) < MinMACKeyBytes {
		return nil, fmt.Errorf("auth.ParseMACKey: want the base64 of at least %d bytes", MinMACKeyBytes)
	}
	return k, nil
}

// DevMACKey returns the MACer key kept in dir/mac.key (base64) for local
// development, generating it on first use like DevSigningKey.
func DevMACKey(dir string) ([]byte, error) {
	b, err := loadOrCreate(dir, DevMACKeyFile, randomKeyFile(MinMACKeyBytes))
	if err != nil {
		return nil, fmt.Errorf("auth.DevMACKey: %w", err)
	}
	k, err := ParseMACKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("auth.DevMACKey: %s: %w", filepath.Join(dir, DevMACKeyFile), err)
	}
	return k, nil
}

// ParseIDKey parses the ID key given in configuration, which derives the
// IDs of self rooms, direct rooms and messages (see config.IDKey): like a
// MAC key, the base64 of at least 32 bytes.
func ParseIDKey(value string) ([]byte, error) {
	k, err := ParseMACKey(value)
	if err != nil {
		return nil, errors.New("auth.ParseIDKey: want the base64 of at least 32 bytes")
	}
	return k, nil
}

// DevIDKey returns the ID key kept in dir/id.key (base64) for local
// development, generating it on first use like DevSigningKey. A folder
// made before the ID key existed derived room IDs with its mac.key: the
// first use copies that key, so the rooms of a local database keep their
// IDs.
func DevIDKey(dir string) ([]byte, error) {
	b, err := loadOrCreate(dir, DevIDKeyFile, func() ([]byte, error) {
		mac, err := os.ReadFile(filepath.Join(dir, DevMACKeyFile)) //nolint:gosec // the configured dev key folder
		if err == nil {
			return mac, nil
		}
		return randomKeyFile(MinMACKeyBytes)()
	})
	if err != nil {
		return nil, fmt.Errorf("auth.DevIDKey: %w", err)
	}
	k, err := ParseIDKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("auth.DevIDKey: %s: %w", filepath.Join(dir, DevIDKeyFile), err)
	}
	return k, nil
}

// randomKeyFile returns a generator of a file holding n random bytes in
// standard base64.
func randomKeyFile(n int) func() ([]byte, error) {
	return func() ([]byte, error) {
		k := make([]byte, n)
		_, _ = rand.Read(k)
		return []byte(base64.StdEncoding.EncodeToString(k) + "\n"), nil
	}
}

// decodeBase64 decodes s in any of the four common base64 forms. A string
// valid in two of them decodes to the same bytes in both.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		var b []byte
		if b, err = enc.Strict().DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// loadOrCreate returns the contents of dir/name, creating dir (0700) and
// the file (0600) with generate's output if the file does not exist.
//
// Two processes may start at once on a fresh checkout (say the functions
// server and a test run). Each writes its candidate to a temporary file and
// hard-links it into place, which fails if the file already exists, so the
// first one wins, no reader sees a half-written file, and both then read
// and use the winner's key. Where hard links are not supported it falls
// back to a rename, where the last writer wins.
func loadOrCreate(dir, name string, generate func() ([]byte, error)) ([]byte, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path) //nolint:gosec // the configured dev key folder
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	content, err := generate()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp") // mode 0600
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // best effort; already gone after a rename
	if _, err := tmp.Write(content); err != nil {
		_ = tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, err
		}
	}
	return os.ReadFile(path) //nolint:gosec // the configured dev key folder
}

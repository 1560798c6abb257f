package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"
	"unicode"

	"github.com/workgate/workgate/shared/domain"
)

// TokenBytes is the number of random bytes in a token made by NewToken.
const TokenBytes = 32

// NewToken returns a fresh random token for a link: 256 bits from
// crypto/rand, unpadded base64url (43 characters), safe in a URL path.
func NewToken() string {
	b := make([]byte, TokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of token, the form in which a token is
// stored (as its document ID). A plain hash is enough because a token has
// at least 128 bits of entropy, so the hash cannot be reversed by guessing;
// low-entropy codes use a MACer instead.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewKeyedToken returns a token that names the document it belongs to,
// "<id>.<secret>" (refresh and device tokens), and the hash of its secret,
// the form in which the document keeps it.
func NewKeyedToken(id string) (token, secretHash string) {
	secret := NewToken()
	return id + "." + secret, HashToken(secret)
}

// maxKeyedToken bounds what SplitKeyedToken accepts.
const maxKeyedToken = 256

// SplitKeyedToken splits a token made by NewKeyedToken into the ID it
// names and the hash of its secret; ok is false if it has not that form.
// The ID must be one that domain.NewID makes, as every keyed token's is:
// it becomes part of a document path, where "a/b" would name another
// document.
func SplitKeyedToken(token string) (id, secretHash string, ok bool) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || !domain.IsID(id) || secret == "" || len(token) > maxKeyedToken {
		return "", "", false
	}
	return id, HashToken(secret), true
}

// CodeDigits is the length of a code made by NewCode.
const CodeDigits = 6

// NewCode returns a uniformly random 6-digit code ("000000" to "999999")
// from crypto/rand. Values of a 32-bit draw beyond the largest multiple of
// 10^6 are redrawn, so there is no modulo bias.
func NewCode() string {
	const n = 1_000_000
	const limit = (1 << 32) / n * n
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return fmt.Sprintf("%06d", v%n)
		}
	}
}

// MACer computes keyed HMAC-SHA256s of low-entropy secrets such as 6-digit
// codes. Unlike a plain hash, a MAC cannot be brute-forced offline from a
// leaked database without the key. A MACer is safe for concurrent use.
//
// During a key rotation a MACer also holds the previous keys: MAC uses the
// current key, Equal accepts a MAC made with any of them, so a code sent
// before the rotation still works for its few minutes.
type MACer struct {
	keys [][]byte // current first
}

// NewMACer returns a MACer keyed with key, which should be at least 32
// random bytes (see ParseMACKey and DevMACKey), that also accepts MACs made
// with any of previous. NewMACer keeps copies.
func NewMACer(key []byte, previous ...[]byte) *MACer {
	m := &MACer{}
	for _, k := range append([][]byte{key}, previous...) {
		if !slices.ContainsFunc(m.keys, func(have []byte) bool { return bytes.Equal(have, k) }) {
			m.keys = append(m.keys, bytes.Clone(k))
		}
	}
	return m
}

// MAC returns the hex HMAC-SHA256 of parts under the current key. Each
// part is length-prefixed, so ("ab","c") and ("a","bc") differ. Binding the
// secret to its context (MAC(email, code)) keeps a MAC from being replayed
// for another record.
func (m *MACer) MAC(parts ...string) string {
	return hex.EncodeToString(sum(m.keys[0], parts))
}

// Equal reports whether mac is the hex MAC of parts under the current or a
// previous key, comparing each in constant time.
func (m *MACer) Equal(mac string, parts ...string) bool {
	ok := false
	for _, k := range m.keys {
		want := []byte(hex.EncodeToString(sum(k, parts)))
		ok = hmac.Equal(want, []byte(mac)) || ok
	}
	return ok
}

func sum(key []byte, parts []string) []byte {
	h := hmac.New(sha256.New, key)
	writeParts(h, parts)
	return h.Sum(nil)
}

// writeParts writes each part as an 8-byte big-endian length then its bytes.
func writeParts(h hash.Hash, parts []string) {
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		_, _ = h.Write(n[:]) // a hash.Hash never returns an error
		_, _ = h.Write([]byte(p))
	}
}

// EqualSecret reports whether a and b are equal in time that depends on
// neither their contents nor their lengths: it compares their SHA-256
// digests in constant time. Use it for API keys and similar secrets.
func EqualSecret(a, b string) bool {
	da := sha256.Sum256([]byte(a))
	db := sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// recoveryAlphabet is RFC 4648 base32: no 0/O or 1/I/L to confuse.
const recoveryAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewRecoveryKey returns a workspace recovery key (F9): 20 base32
// characters (100 bits from crypto/rand) in four groups of five, to be
// written down.
func NewRecoveryKey() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(recoveryAlphabet[c&31])
	}
	return out.String()
}

// NormalizeRecoveryKey returns a typed recovery key in the form its MAC is
// taken of: upper case, without spaces or dashes.
func NormalizeRecoveryKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return unicode.ToUpper(r)
	}, k)
}

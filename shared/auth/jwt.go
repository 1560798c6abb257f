package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/errs"
)

// Leeway is the clock skew Verify tolerates on exp, nbf and iat.
const Leeway = 30 * time.Second

// Signer signs JWTs with an Ed25519 key (alg EdDSA) and verifies JWTs
// signed by that key or by one of the previous keys it was given, so that
// tokens issued before a key rotation stay valid until they expire. Each
// key is named by its kid, the RFC 7638 thumbprint of its public key.
//
// A Signer issues tokens as one issuer (iss) for one audience (aud), and
// Verify requires both: a token made by another deployment, or for another
// use, does not pass here even if it were signed with the same key.
// A Signer is safe for concurrent use.
type Signer struct {
	issuer   string
	audience string
	key      ed25519.PrivateKey
	kid      string
	keys     map[string]ed25519.PublicKey // by kid: current and previous
	jwks     []JWK                        // current first
	now      func() time.Time
}

// NewSigner returns a Signer for tokens of issuer and audience that signs
// with key and verifies tokens signed by key or any of previous. Its Verify
// uses the system clock; see WithNow. NewSigner panics if issuer or
// audience is empty, or if a key does not have the size of an Ed25519 key,
// as only a programming error can cause that (ParseSigningKey and
// DevSigningKey return valid keys).
func NewSigner(issuer, audience string, key ed25519.PrivateKey, previous ...ed25519.PublicKey) *Signer {
	if issuer == "" || audience == "" {
		panic("auth.NewSigner: issuer and audience are required")
	}
	if len(key) != ed25519.PrivateKeySize {
		panic("auth.NewSigner: signing key is not an Ed25519 private key")
	}
	pub := key.Public().(ed25519.PublicKey)
	s := &Signer{
		issuer:   issuer,
		audience: audience,
		key:      key,
		kid:      thumbprint(pub),
		keys:     make(map[string]ed25519.PublicKey, 1+len(previous)),
		now:      time.Now,
	}
	for _, k := range append([]ed25519.PublicKey{pub}, previous...) {
		if len(k) != ed25519.PublicKeySize {
			panic("auth.NewSigner: previous key is not an Ed25519 public key")
		}
		kid := thumbprint(k)
		if _, dup := s.keys[kid]; dup {
			continue
		}
		s.keys[kid] = k
		s.jwks = append(s.jwks, JWK{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   base64.RawURLEncoding.EncodeToString(k),
			Kid: kid,
			Alg: "EdDSA",
			Use: "sig",
		})
	}
	return s
}

// WithNow returns a copy of s whose Verify reads the time from now, so a
// settable development clock applies to token expiry. s is unchanged.
func (s *Signer) WithNow(now func() time.Time) *Signer {
	c := *s
	c.now = now
	return &c
}

// KeyID returns the kid of the current signing key.
func (s *Signer) KeyID() string { return s.kid }

// Issuer returns the iss of the Signer's tokens.
func (s *Signer) Issuer() string { return s.issuer }

// Audience returns the aud of the Signer's tokens.
func (s *Signer) Audience() string { return s.audience }

// errClaims is a programming error: Sign refuses to make a token that its
// own Verify would refuse.
var errClaims = errors.New("claims lack the Signer's iss or aud")

// Sign returns claims as a compact JWT signed with the current key, with
// header {"alg":"EdDSA","kid":…,"typ":"JWT"}. Setting the claims is the
// caller's job: iss must be Issuer() and aud must hold Audience(), and
// Verify requires exp.
func (s *Signer) Sign(claims jwt.Claims) (string, error) {
	iss, _ := claims.GetIssuer()
	aud, _ := claims.GetAudience()
	if iss != s.issuer || !slices.Contains(aud, s.audience) {
		return "", fmt.Errorf("auth.Signer.Sign: %w", errClaims)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("auth.Signer.Sign: %w", err)
	}
	return signed, nil
}

// errInvalidToken is the kind and message of every Verify failure: the
// caller learns no more than that the token is not acceptable.
var errInvalidToken = errs.E(errs.Unauthenticated, "The access token is invalid or has expired.")

// Verify checks token and decodes its claims into claims. It accepts only
// alg EdDSA (so neither "none" nor an HS256 token MACed with the public
// key passes), a kid that names the current or a previous key, and a typ,
// if present, of "JWT". It requires iss to be the Signer's issuer, aud to
// hold its audience, and exp; it checks exp, nbf and iat against
// the Signer's clock with a Leeway of 30 seconds. Every failure is of kind
// errs.Unauthenticated and also wraps the jwt error (jwt.ErrTokenExpired,
// jwt.ErrTokenSignatureInvalid, …) for callers that need the reason.
//
// The token must also be spelled as Sign spells it: jwt's decoder takes
// line breaks anywhere in a part and a last character whose unused bits
// are set, so a token would have other spellings that verify.
func (s *Signer) Verify(token string, claims jwt.Claims) error {
	if !canonicalJWS(token) {
		return fmt.Errorf("auth.Signer.Verify: %w: %w", errInvalidToken, jwt.ErrTokenMalformed)
	}
	_, err := jwt.ParseWithClaims(token, claims, s.keyFunc,
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(s.now),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience),
	)
	if err != nil {
		return fmt.Errorf("auth.Signer.Verify: %w: %w", errInvalidToken, err)
	}
	return nil
}

// canonicalJWS reports whether token is three parts of unpadded
// base64url, each spelled as the encoder spells it.
func canonicalJWS(token string) bool {
	parts := strings.Split(token, ".")
	return len(parts) == 3 && canonicalBase64URL(parts[0]) && canonicalBase64URL(parts[1]) && canonicalBase64URL(parts[2])
}

// canonicalBase64URL reports whether s is unpadded base64url exactly as
// it encodes what it decodes to: Go's decoder skips line breaks, and
// without Strict ignores the unused bits of the last character.
func canonicalBase64URL(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && base64.RawURLEncoding.EncodeToString(b) == s
}

var (
	errUnknownKey = errors.New("unknown kid")
	errWrongType  = errors.New("typ is not JWT")
)

func (s *Signer) keyFunc(t *jwt.Token) (any, error) {
	if typ, ok := t.Header["typ"]; ok && typ != "JWT" {
		return nil, errWrongType
	}
	kid, _ := t.Header["kid"].(string)
	k, ok := s.keys[kid]
	if !ok {
		return nil, errUnknownKey
	}
	return k, nil
}

// JWKS is a JSON Web Key Set (RFC 7517), as served at
// /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is an Ed25519 public key as a JSON Web Key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"` // "OKP"
	Crv string `json:"crv"` // "Ed25519"
	X   string `json:"x"`   // the public key, unpadded base64url
	Kid string `json:"kid"` // RFC 7638 thumbprint
	Alg string `json:"alg"` // "EdDSA"
	Use string `json:"use"` // "sig"
}

// JWKS returns the public keys that Verify accepts, the current one first.
func (s *Signer) JWKS() JWKS {
	return JWKS{Keys: append([]JWK(nil), s.jwks...)}
}

// PublicKey decodes k into an Ed25519 public key.
func (k JWK) PublicKey() (ed25519.PublicKey, error) {
	if k.Kty != "OKP" || k.Crv != "Ed25519" {
		return nil, errors.New("auth.JWK.PublicKey: not an Ed25519 key")
	}
	b, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("auth.JWK.PublicKey: malformed x")
	}
	return ed25519.PublicKey(b), nil
}

// thumbprint returns the RFC 7638 JWK thumbprint of pub: the unpadded
// base64url SHA-256 of its required members in lexical order, no spaces.
func thumbprint(pub ed25519.PublicKey) string {
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

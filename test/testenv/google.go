package testenv

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GoogleCertsURL is where Google publishes the keys of its ID tokens.
const GoogleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// Google stands in for Google's token service offline: it signs ID tokens
// like those Pub/Sub push sends, and its Client serves its public keys at
// GoogleCertsURL (and nothing else: tests use no network).
type Google struct {
	kid string
	key *rsa.PrivateKey
}

// NewGoogle returns a Google with a fresh RSA key, published under kid.
func NewGoogle(tb testing.TB, kid string) *Google {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return &Google{kid: kid, key: key}
}

// Key returns g's signing key and its key ID.
func (g *Google) Key() (*rsa.PrivateKey, string) { return g.key, g.kid }

// Claims returns the claims of a valid push token: Google's issuer, the
// audience, the service account's verified e-mail, an hour to live.
func (g *Google) Claims(audience, account string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": "https://accounts.google.com", "aud": audience, "sub": "1234567890",
		"email": account, "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// Sign returns claims as an RS256 JWT signed with g's key.
func (g *Google) Sign(tb testing.TB, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = g.kid
	s, err := t.SignedString(g.key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Client returns an HTTP client that answers GoogleCertsURL with g's
// public key as a JWKS, and refuses every other URL.
func (g *Google) Client() *http.Client {
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": g.kid,
		"n": b64(g.key.N.Bytes()), "e": b64(big.NewInt(int64(g.key.E)).Bytes()),
	}}})
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		res := &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{}, Body: http.NoBody, Request: r}
		if r.Method == http.MethodGet && r.URL.String() == GoogleCertsURL {
			res.StatusCode = http.StatusOK
			res.Header.Set("Content-Type", "application/json")
			res.Header.Set("Cache-Control", "public, max-age=3600")
			res.Body = io.NopCloser(bytes.NewReader(jwks))
		}
		return res, nil
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/errs"
)

// testClaims look like the access token's claims.
type testClaims struct {
	jwt.RegisteredClaims
	WorkspaceID string `json:"ws,omitempty"`
}

// testNow is the clock of every signer in these tests, far from the real
// time so that a Verify that ignored WithNow would fail.
var testNow = time.Date(2031, 5, 4, 3, 2, 1, 0, time.UTC)

func newKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// The issuer and audience of every signer in these tests.
const (
	testIssuer   = "https://workgate.example"
	testAudience = "https://workgate.example/v1"
)

func newTestSigner(tb testing.TB, key ed25519.PrivateKey, previous ...ed25519.PublicKey) *Signer {
	tb.Helper()
	return NewSigner(testIssuer, testAudience, key, previous...).WithNow(func() time.Time { return testNow })
}

func validClaims() testClaims {
	return testClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testIssuer,
			Audience:  jwt.ClaimStrings{testAudience},
			Subject:   "acc_1",
			ID:        "ses_1",
			IssuedAt:  jwt.NewNumericDate(testNow),
			ExpiresAt: jwt.NewNumericDate(testNow.Add(15 * time.Minute)),
		},
		WorkspaceID: "acme",
	}
}

func mustSign(tb testing.TB, s *Signer, c jwt.Claims) string {
	tb.Helper()
	tok, err := s.Sign(c)
	if err != nil {
		tb.Fatalf("Sign: %v", err)
	}
	return tok
}

// segment decodes part i (0 header, 1 payload) of a compact JWT.
func segment(tb testing.TB, token string, i int) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// unsigned returns header.payload of a JWT built by hand.
func unsigned(tb testing.TB, header map[string]any, claims any) string {
	tb.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
}

// rfc7638 computes a JWK thumbprint independently of thumbprint: a map
// marshals with sorted keys and no spaces, which is the canonical form.
func rfc7638(tb testing.TB, pub ed25519.PublicKey) string {
	tb.Helper()
	b, err := json.Marshal(map[string]string{
		"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub),
	})
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	s := newTestSigner(t, key)
	want := validClaims()
	tok := mustSign(t, s, want)

	wantHeader := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": s.KeyID()}
	if diff := cmp.Diff(wantHeader, segment(t, tok, 0)); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}

	var got testClaims
	if err := s.Verify(tok, &got); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestVerifyTimes(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, newKey(t))
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(testNow.Add(d)) }
	cases := []struct {
		name   string
		change func(*testClaims)
		want   error // nil: accepted
	}{
		{name: "valid", change: func(*testClaims) {}},
		{name: "expired within leeway", change: func(c *testClaims) { c.ExpiresAt = at(-29 * time.Second) }},
		{name: "expired", change: func(c *testClaims) { c.ExpiresAt = at(-31 * time.Second) }, want: jwt.ErrTokenExpired},
		{name: "long expired", change: func(c *testClaims) { c.IssuedAt, c.ExpiresAt = at(-2*time.Hour), at(-time.Hour) }, want: jwt.ErrTokenExpired},
		{name: "no exp", change: func(c *testClaims) { c.ExpiresAt = nil }, want: jwt.ErrTokenRequiredClaimMissing},
		{name: "nbf within leeway", change: func(c *testClaims) { c.NotBefore = at(29 * time.Second) }},
		{name: "nbf ahead", change: func(c *testClaims) { c.NotBefore = at(31 * time.Second) }, want: jwt.ErrTokenNotValidYet},
		{name: "iat within leeway", change: func(c *testClaims) { c.IssuedAt = at(29 * time.Second) }},
		{name: "iat ahead", change: func(c *testClaims) { c.IssuedAt = at(31 * time.Second) }, want: jwt.ErrTokenUsedBeforeIssued},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validClaims()
			tc.change(&c)
			err := s.Verify(mustSign(t, s, c), &testClaims{})
			if tc.want == nil {
				if err != nil {
					t.Errorf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify: %v, want %v", err, tc.want)
			}
			if k := errs.KindOf(err); k != errs.Unauthenticated {
				t.Errorf("kind = %s, want %s", k, errs.Unauthenticated)
			}
		})
	}
}

// TestVerifyIssuerAudience: a token must name the Signer's issuer and
// audience; one without them, or made for another deployment or use, is
// refused even when our key signed it.
func TestVerifyIssuerAudience(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	s := newTestSigner(t, key)
	// Signed by hand: Sign refuses to make these.
	signed := func(c testClaims) string {
		t.Helper()
		body := unsigned(t, map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": s.KeyID()}, c)
		return body + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(body)))
	}
	cases := []struct {
		name   string
		change func(*testClaims)
		want   error // nil: accepted
	}{
		{name: "valid", change: func(*testClaims) {}},
		{name: "our audience among others", change: func(c *testClaims) { c.Audience = jwt.ClaimStrings{"other", testAudience} }},
		{name: "no iss", change: func(c *testClaims) { c.Issuer = "" }, want: jwt.ErrTokenRequiredClaimMissing},
		{name: "other iss", change: func(c *testClaims) { c.Issuer = "https://staging.workgate.example" }, want: jwt.ErrTokenInvalidIssuer},
		{name: "the old constant iss", change: func(c *testClaims) { c.Issuer = "workgate" }, want: jwt.ErrTokenInvalidIssuer},
		{name: "no aud", change: func(c *testClaims) { c.Audience = nil }, want: jwt.ErrTokenRequiredClaimMissing},
		{name: "empty aud", change: func(c *testClaims) { c.Audience = jwt.ClaimStrings{""} }, want: jwt.ErrTokenRequiredClaimMissing},
		{name: "other aud", change: func(c *testClaims) { c.Audience = jwt.ClaimStrings{"https://workgate.example/pages"} }, want: jwt.ErrTokenInvalidAudience},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validClaims()
			tc.change(&c)
			err := s.Verify(signed(c), &testClaims{})
			if tc.want == nil {
				if err != nil {
					t.Errorf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify: %v, want %v", err, tc.want)
			}
			if k := errs.KindOf(err); k != errs.Unauthenticated {
				t.Errorf("kind = %s, want %s", k, errs.Unauthenticated)
			}
		})
	}
}

// TestSignRequiresIssuerAudience: Sign makes no token its Verify refuses.
func TestSignRequiresIssuerAudience(t *testing.T) {
	t.Parallel()
	s := newTestSigner(t, newKey(t))
	if s.Issuer() != testIssuer || s.Audience() != testAudience {
		t.Fatalf("Issuer, Audience = %q, %q", s.Issuer(), s.Audience())
	}
	for name, change := range map[string]func(*testClaims){
		"no iss":    func(c *testClaims) { c.Issuer = "" },
		"other iss": func(c *testClaims) { c.Issuer = "workgate" },
		"no aud":    func(c *testClaims) { c.Audience = nil },
		"other aud": func(c *testClaims) { c.Audience = jwt.ClaimStrings{"workgate"} },
	} {
		c := validClaims()
		change(&c)
		if tok, err := s.Sign(c); err == nil {
			t.Errorf("%s: Sign = %s, want an error", name, tok)
		}
	}
}

func TestWithNow(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	base := NewSigner(testIssuer, testAudience, key)
	s := base.WithNow(func() time.Time { return testNow })
	tok := mustSign(t, s, validClaims())
	if err := s.Verify(tok, &testClaims{}); err != nil {
		t.Errorf("Verify with the token's clock: %v", err)
	}
	later := s.WithNow(func() time.Time { return testNow.Add(time.Hour) })
	if err := later.Verify(tok, &testClaims{}); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("Verify an hour later: %v, want expired", err)
	}
	// base still uses the real clock, 2031 is ahead of it: iat is in the future.
	if err := base.Verify(tok, &testClaims{}); !errors.Is(err, jwt.ErrTokenUsedBeforeIssued) {
		t.Errorf("Verify by the original Signer: %v, want used before issued", err)
	}
}

func TestVerifyForgeries(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	s := newTestSigner(t, key)
	kid := s.KeyID()
	attacker := newKey(t)
	good := mustSign(t, s, validClaims())

	// hs256 signs with the public key as the HMAC secret, the classic
	// algorithm-confusion forgery.
	hs256 := func(secret []byte, header map[string]any) string {
		t.Helper()
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, validClaims())
		for k, v := range header {
			tok.Header[k] = v
		}
		signed, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	edSigned := func(k ed25519.PrivateKey, header map[string]any, claims any) string {
		t.Helper()
		body := unsigned(t, header, claims)
		return body + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k, []byte(body)))
	}
	edHeader := func(kid any) map[string]any {
		h := map[string]any{"alg": "EdDSA", "typ": "JWT"}
		if kid != nil {
			h["kid"] = kid
		}
		return h
	}
	tampered := func() string {
		parts := strings.Split(good, ".")
		c := validClaims()
		c.Subject = "acc_admin"
		body := unsigned(t, edHeader(kid), c)
		return strings.Split(body, ".")[0] + "." + strings.Split(body, ".")[1] + "." + parts[2]
	}

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{name: "alg none, no signature", token: unsigned(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, validClaims()) + ".", want: jwt.ErrTokenSignatureInvalid},
		{name: "alg none, kept signature", token: unsigned(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, validClaims()) + "." + strings.Split(good, ".")[2], want: jwt.ErrTokenSignatureInvalid},
		{name: "HS256 keyed with the public key", token: hs256(pub, map[string]any{"kid": kid}), want: jwt.ErrTokenSignatureInvalid},
		{name: "HS256 keyed with the JWK x", token: hs256([]byte(base64.RawURLEncoding.EncodeToString(pub)), map[string]any{"kid": kid}), want: jwt.ErrTokenSignatureInvalid},
		{name: "other key, our kid", token: edSigned(attacker, edHeader(kid), validClaims()), want: jwt.ErrTokenSignatureInvalid},
		{name: "other key, its own kid", token: mustSign(t, newTestSigner(t, attacker), validClaims()), want: errUnknownKey},
		{name: "our key, unknown kid", token: edSigned(key, edHeader("not-a-kid"), validClaims()), want: errUnknownKey},
		{name: "our key, no kid", token: edSigned(key, edHeader(nil), validClaims()), want: errUnknownKey},
		{name: "our key, kid not a string", token: edSigned(key, edHeader(42), validClaims()), want: errUnknownKey},
		{name: "our key, other typ", token: edSigned(key, map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": kid}, validClaims()), want: errWrongType},
		{name: "payload changed", token: tampered(), want: jwt.ErrTokenSignatureInvalid},
		{name: "signature dropped", token: good[:strings.LastIndex(good, ".")+1], want: jwt.ErrTokenSignatureInvalid},
		{name: "not a JWT", token: "not-a-jwt", want: jwt.ErrTokenMalformed},
		{name: "empty", token: "", want: jwt.ErrTokenMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Verify(tc.token, &testClaims{})
			if err == nil {
				t.Fatal("Verify accepted a forged token")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify: %v, want %v", err, tc.want)
			}
			if k := errs.KindOf(err); k != errs.Unauthenticated {
				t.Errorf("kind = %s, want %s (%v)", k, errs.Unauthenticated, err)
			}
		})
	}
	// The same key with a proper header passes, so the cases above fail
	// for the reason they name.
	if err := s.Verify(edSigned(key, edHeader(kid), validClaims()), &testClaims{}); err != nil {
		t.Errorf("hand-built genuine token: %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, nextKey := newKey(t), newKey(t)
	oldPub := oldKey.Public().(ed25519.PublicKey)
	old := newTestSigner(t, oldKey)
	oldTok := mustSign(t, old, validClaims())

	rotated := newTestSigner(t, nextKey, oldPub)
	if err := rotated.Verify(oldTok, &testClaims{}); err != nil {
		t.Errorf("token of the previous key: %v", err)
	}
	newTok := mustSign(t, rotated, validClaims())
	if got, want := segment(t, newTok, 0)["kid"], rotated.KeyID(); got != want {
		t.Errorf("new token's kid = %v, want the current key's %s", got, want)
	}
	if rotated.KeyID() == old.KeyID() {
		t.Error("two keys have the same kid")
	}
	if err := rotated.Verify(newTok, &testClaims{}); err != nil {
		t.Errorf("token of the current key: %v", err)
	}
	if err := newTestSigner(t, nextKey).Verify(oldTok, &testClaims{}); err == nil {
		t.Error("a Signer without the previous key accepted its token")
	}
	if err := old.Verify(newTok, &testClaims{}); err == nil {
		t.Error("the old Signer accepted a token of the new key")
	}
}

func TestKeyIDIsThumbprint(t *testing.T) {
	t.Parallel()
	// RFC 8037 appendix A.1 and A.3: the Ed25519 example key and its
	// RFC 7638 thumbprint.
	seed, err := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	if err != nil {
		t.Fatal(err)
	}
	rfcKey := ed25519.NewKeyFromSeed(seed)
	random := newKey(t)
	cases := []struct {
		name  string
		key   ed25519.PrivateKey
		wantX string
		want  string
	}{
		{
			name:  "RFC 8037 example",
			key:   rfcKey,
			wantX: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
			want:  "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
		},
		{
			name:  "random key",
			key:   random,
			wantX: base64.RawURLEncoding.EncodeToString(random.Public().(ed25519.PublicKey)),
			want:  rfc7638(t, random.Public().(ed25519.PublicKey)),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSigner(testIssuer, testAudience, tc.key)
			if got := s.KeyID(); got != tc.want {
				t.Errorf("KeyID() = %s, want %s", got, tc.want)
			}
			if got := s.JWKS().Keys[0].X; got != tc.wantX {
				t.Errorf("x = %s, want %s", got, tc.wantX)
			}
		})
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	cur, prev := newKey(t), newKey(t)
	curPub, prevPub := cur.Public().(ed25519.PublicKey), prev.Public().(ed25519.PublicKey)
	// The current key repeated among the previous ones is listed once.
	s := newTestSigner(t, cur, prevPub, curPub)

	jwk := func(pub ed25519.PublicKey) map[string]any {
		return map[string]any{
			"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
			"x": base64.RawURLEncoding.EncodeToString(pub), "kid": rfc7638(t, pub),
		}
	}
	want := map[string]any{"keys": []any{jwk(curPub), jwk(prevPub)}}
	b, err := json.Marshal(s.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JWKS JSON (-want +got):\n%s", diff)
	}

	t.Run("a published key verifies a token", func(t *testing.T) {
		for _, signer := range []*Signer{s, newTestSigner(t, prev)} {
			tok := mustSign(t, signer, validClaims())
			var set JWKS
			if err := json.Unmarshal(b, &set); err != nil {
				t.Fatal(err)
			}
			kid := segment(t, tok, 0)["kid"]
			var pub ed25519.PublicKey
			for _, k := range set.Keys {
				if k.Kid == kid {
					x, err := base64.RawURLEncoding.DecodeString(k.X)
					if err != nil {
						t.Fatal(err)
					}
					pub = ed25519.PublicKey(x)
					if viaMethod, err := k.PublicKey(); err != nil || !viaMethod.Equal(pub) {
						t.Errorf("JWK.PublicKey() = %x, %v; want %x", viaMethod, err, pub)
					}
				}
			}
			if pub == nil {
				t.Fatalf("no key in the JWKS has kid %v", kid)
			}
			// Verified with the library alone, as a third party would.
			_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil },
				jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(func() time.Time { return testNow }))
			if err != nil {
				t.Errorf("token does not verify with its JWKS key: %v", err)
			}
		}
	})

	t.Run("returns a copy", func(t *testing.T) {
		set := s.JWKS()
		set.Keys[0].Kid = "changed"
		if s.JWKS().Keys[0].Kid == "changed" {
			t.Error("changing the returned JWKS changed the Signer's")
		}
	})
}

func TestJWKPublicKeyMalformed(t *testing.T) {
	t.Parallel()
	good := NewSigner(testIssuer, testAudience, newKey(t)).JWKS().Keys[0]
	cases := []struct {
		name   string
		change func(*JWK)
	}{
		{name: "wrong kty", change: func(k *JWK) { k.Kty = "EC" }},
		{name: "wrong crv", change: func(k *JWK) { k.Crv = "X25519" }},
		{name: "x not base64url", change: func(k *JWK) { k.X = "***" }},
		{name: "x too short", change: func(k *JWK) { k.X = k.X[:20] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := good
			tc.change(&k)
			if _, err := k.PublicKey(); err == nil {
				t.Error("PublicKey() accepted a malformed JWK")
			}
		})
	}
}

func TestNewSignerPanicsOnBadKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		issuer, audience string
		key              ed25519.PrivateKey
		previous         []ed25519.PublicKey
	}{
		{name: "nil key", key: nil},
		{name: "seed instead of key", key: ed25519.PrivateKey(make([]byte, ed25519.SeedSize))},
		{name: "short previous key", key: newKey(t), previous: []ed25519.PublicKey{make([]byte, 31)}},
		{name: "no issuer", issuer: "-", key: newKey(t)},
		{name: "no audience", audience: "-", key: newKey(t)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("NewSigner did not panic")
				}
			}()
			iss, aud := testIssuer, testAudience
			if tc.issuer == "-" {
				iss = ""
			}
			if tc.audience == "-" {
				aud = ""
			}
			NewSigner(iss, aud, tc.key, tc.previous...)
		})
	}
}

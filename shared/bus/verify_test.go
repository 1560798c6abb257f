package bus

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/test/testenv"
)

const (
	audience = "https://workgate.example/_push/mailer"
	invoker  = "wg-invoker@workgate-test.iam.gserviceaccount.com"
)

// TestVerifier: only a Google-signed, unexpired token for the audience,
// minted for the invoker's verified e-mail, passes; whatever else a
// caller sends is refused.
func TestVerifier(t *testing.T) {
	t.Parallel()
	google := testenv.NewGoogle(t, "key-1")
	v, err := NewVerifier(context.Background(), audience, invoker, google.Client())
	if err != nil {
		t.Fatal(err)
	}
	impostor := testenv.NewGoogle(t, "key-1") // same key ID, another key
	stranger := testenv.NewGoogle(t, "key-2") // a key Google does not publish
	token := func(edit func(jwt.MapClaims)) string {
		c := google.Claims(audience, invoker)
		if edit != nil {
			edit(c)
		}
		return google.Sign(t, c)
	}
	valid := token(nil)
	header, _, _ := strings.Cut(valid, ".")
	_, rest, _ := strings.Cut(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	cases := []struct {
		name          string
		authorization string
		ok            bool
	}{
		{"valid", "Bearer " + valid, true},
		{"valid, lower-case scheme", "bearer " + valid, true},
		{"valid, issuer without scheme", "Bearer " + token(func(c jwt.MapClaims) { c["iss"] = "accounts.google.com" }), true},
		{"no header", "", false},
		{"no token", "Bearer ", false},
		{"basic auth", "Basic " + b64([]byte("invoker:secret")), false},
		{"not a JWT", "Bearer not-a-jwt", false},
		{"signed by another key under Google's key ID", "Bearer " + impostor.Sign(t, google.Claims(audience, invoker)), false},
		{"signed by a key Google does not publish", "Bearer " + stranger.Sign(t, google.Claims(audience, invoker)), false},
		{"payload changed after signing", "Bearer " + header + "." + b64([]byte(`{"iss":"https://accounts.google.com","aud":"`+audience+`","email":"`+invoker+`","email_verified":true,"exp":9999999999}`)) + "." + strings.SplitN(rest, ".", 2)[1], false},
		{"unsigned", "Bearer " + b64([]byte(`{"alg":"none","kid":"key-1"}`)) + "." + strings.SplitN(rest, ".", 2)[0] + ".", false},
		{"ES256 with a short signature", "Bearer " + b64([]byte(`{"alg":"ES256","kid":"key-1"}`)) + "." + strings.SplitN(rest, ".", 2)[0] + "." + b64([]byte("x")), false},
		{"expired", "Bearer " + token(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), false},
		{"another audience", "Bearer " + token(func(c jwt.MapClaims) { c["aud"] = "https://workgate.example/_push/fanout" }), false},
		{"another issuer", "Bearer " + token(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), false},
		{"another service account", "Bearer " + token(func(c jwt.MapClaims) { c["email"] = "someone@workgate-test.iam.gserviceaccount.com" }), false},
		{"the invoker's e-mail in another case", "Bearer " + token(func(c jwt.MapClaims) { c["email"] = strings.ToUpper(invoker) }), false},
		{"no e-mail", "Bearer " + token(func(c jwt.MapClaims) { delete(c, "email") }), false},
		{"unverified e-mail", "Bearer " + token(func(c jwt.MapClaims) { c["email_verified"] = false }), false},
		{"e-mail verified as a string", "Bearer " + token(func(c jwt.MapClaims) { c["email_verified"] = "true" }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/_push/mailer", nil)
			if tc.authorization != "" {
				r.Header.Set("Authorization", tc.authorization)
			}
			err := v.Verify(r)
			if tc.ok && err != nil {
				t.Fatalf("Verify = %v, want the token taken", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("Verify took the token, want it refused")
			}
			if _, tok, _ := strings.Cut(tc.authorization, " "); err != nil && len(tok) > 8 && strings.Contains(err.Error(), tok) {
				t.Errorf("the error %q shows the token", err)
			}
		})
	}
}

// TestNewVerifierNeedsBoth: a Verifier without an audience or an account
// would take any Google token.
func TestNewVerifierNeedsBoth(t *testing.T) {
	t.Parallel()
	for _, args := range [][2]string{{"", invoker}, {audience, ""}} {
		if _, err := NewVerifier(context.Background(), args[0], args[1], nil); err == nil {
			t.Errorf("NewVerifier(%q, %q) succeeded", args[0], args[1])
		}
	}
}

package e2e

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/openapi"
)

func TestServiceEndpoints(t *testing.T) {
	t.Parallel()
	e := start(t)

	if r := e.call("GET", "/healthz", nil); r.Status != 200 || string(bytes.TrimSpace(r.Body)) != `{"status":"ok"}` {
		t.Fatalf("healthz = %d %s", r.Status, r.Body)
	}

	r := e.call("GET", "/openapi.yaml", nil)
	if r.Status != 200 || !bytes.Equal(r.Body, openapi.Spec) {
		t.Fatalf("openapi.yaml = %d (%d bytes)", r.Status, len(r.Body))
	}

	// The JWKS verifies a token the functions sign.
	r = e.call("GET", "/.well-known/jwks.json", nil)
	var jwks auth.JWKS
	r.JSON(t, &jwks)
	if r.Status != 200 || len(jwks.Keys) == 0 {
		t.Fatalf("jwks = %d %s", r.Status, r.Body)
	}
	k := jwks.Keys[0]
	if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Kid == "" || k.Alg != "EdDSA" {
		t.Fatalf("jwks key = %+v", k)
	}
	pub, err := k.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := e.s.Deps.Signer.Sign(jwt.RegisteredClaims{Subject: "acc", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(signed, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != k.Kid {
			t.Errorf("token kid %v, JWKS kid %s", tok.Header["kid"], k.Kid)
		}
		return ed25519.PublicKey(pub), nil
	}, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("the JWKS does not verify a signed token: %v", err)
	}

	cases := []struct {
		method, path string
		status       int
		code         string
	}{
		{"POST", "/v1/super-admin-delegations/accept", 501, "not_implemented"}, // documented, not built yet
		{"POST", "/v1/login/org", 501, "not_implemented"},                      // likewise, behind the login function
		{"DELETE", "/healthz", 405, "method_not_allowed"},                      // documented path, other method
		{"GET", "/v1/workspaces", 405, "method_not_allowed"},                   // owned by signup, POST only
		{"GET", "/v1/email-verifications", 405, "method_not_allowed"},
		{"GET", "/nowhere", 404, "not_found"},
	}
	for _, tc := range cases {
		r := e.call(tc.method, tc.path, nil)
		if r.Status != tc.status || r.Code(t) != tc.code {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, r.Status, r.Body, tc.status, tc.code)
		}
	}
}

// TestDevClock: the dev clock moves forward for every function.
func TestDevClock(t *testing.T) {
	t.Parallel()
	e := start(t)
	var before, after struct {
		Now time.Time `json:"now"`
	}
	e.call("GET", "/_dev/clock", nil).JSON(t, &before)
	r := e.call("POST", "/_dev/clock", map[string]int{"advanceSeconds": 3600})
	if r.Status != 200 {
		t.Fatalf("advance = %d %s", r.Status, r.Body)
	}
	r.JSON(t, &after)
	if d := after.Now.Sub(before.Now); d < time.Hour || d > time.Hour+time.Minute {
		t.Fatalf("clock moved %v, want 1h", d)
	}
	if got := e.s.Deps.Clock.Now(); got.Before(after.Now) {
		t.Fatalf("the functions' clock %v is behind the dev clock %v", got, after.Now)
	}
	// The offset is shared through Firestore: a second stack on the same
	// project sees it.
	off := e.doc("_dev/clock")["offsetNanos"].(int64)
	if time.Duration(off) != time.Hour {
		t.Fatalf("stored offset %v", time.Duration(off))
	}
	for _, body := range []string{`{"advanceSeconds":-1}`, `{}`, `{"advanceSeconds":"soon"}`, `{"advanceSeconds":1.5}`} {
		if r := e.call("POST", "/_dev/clock", body); r.Status != 400 {
			t.Errorf("advance %s = %d, want 400", body, r.Status)
		}
	}
}

// TestDevClockSharedAcrossProcesses: two stacks on one project (two
// processes in production terms) see each other's clock moves.
func TestDevClockSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	a := start(t)
	b := start(t, func(o *stackOptions) { o.Project = a.s.Deps.Config.Project })
	a.advance(7200)
	deadline := time.Now().Add(10 * time.Second)
	for time.Until(b.s.Deps.Clock.Now()) < 2*time.Hour-time.Minute {
		if time.Now().After(deadline) {
			t.Fatal("the second process never saw the clock move")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

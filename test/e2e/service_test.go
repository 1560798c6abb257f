package e2e

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/openapi/contract"
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
	signer := e.s.Deps.Signer
	signed, err := signer.Sign(jwt.RegisteredClaims{
		Issuer: signer.Issuer(), Audience: jwt.ClaimStrings{signer.Audience()},
		Subject: "acc", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute)),
	})
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
		{"DELETE", "/healthz", 405, "method_not_allowed"},    // documented path, other method
		{"GET", "/v1/workspaces", 405, "method_not_allowed"}, // owned by signup, POST only
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

// TestEveryOperationServed: every operation the OpenAPI document describes
// is served by a function. The service function answers 501 for a
// documented operation nobody serves; none is left. Each is called with
// placeholder path parameters, an empty JSON object and no credentials,
// which every operation refuses without writing anything.
func TestEveryOperationServed(t *testing.T) {
	t.Parallel()
	e := start(t)
	doc, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x0")
		for method := range item.Operations() {
			req, err := http.NewRequest(method, e.s.URL+concrete, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusNotImplemented || res.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d %s: documented but not served", method, concrete, res.StatusCode, body)
			}
			n++
		}
	}
	if n < 80 {
		t.Fatalf("checked only %d operations", n)
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

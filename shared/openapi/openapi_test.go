package openapi

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
)

// TestOperationsTable checks that the generated table (routes_gen.go) is
// the document's: every path template with the methods of its operations.
// When it fails, run go generate ./shared/openapi.
func TestOperationsTable(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var want []string
	for template, item := range doc.Paths.Map() {
		var methods []string
		for m := range item.Operations() {
			methods = append(methods, strings.ToUpper(m))
		}
		slices.Sort(methods)
		want = append(want, template+" "+strings.Join(methods, ","))
	}
	slices.Sort(want)
	var got []string
	for _, op := range operations {
		got = append(got, op.template+" "+strings.Join(op.methods, ","))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes_gen.go is not the document's (-document +table): run go generate ./shared/openapi\n%s", diff)
	}
}

func TestDocumented(t *testing.T) {
	t.Parallel()
	r := NewRouter()
	cases := []struct {
		name       string
		method     string
		path       string
		wantOp     bool
		wantExists bool
	}{
		{name: "create workspace", method: "POST", path: "/v1/workspaces", wantOp: true, wantExists: true},
		{name: "wrong method", method: "DELETE", path: "/v1/workspaces", wantExists: true},
		{name: "template", method: "GET", path: "/v1/rooms/abc/messages", wantOp: true, wantExists: true},
		{name: "unknown", method: "GET", path: "/nope"},
		{name: "html page", method: "GET", path: "/verify-email/tok123", wantOp: true, wantExists: true},
		{name: "html form", method: "POST", path: "/verify-email/tok123", wantOp: true, wantExists: true},
		{name: "result page before the token page", method: "GET", path: "/verify-email/done", wantOp: true, wantExists: true},
		{name: "form of a token like a result page", method: "POST", path: "/verify-email/done", wantOp: true, wantExists: true},
		{name: "lower-case method", method: "get", path: "/healthz", wantOp: true, wantExists: true},
		{name: "query ignored", method: "GET", path: "/v1/rooms/r1/messages?afterSeq=3", wantOp: true, wantExists: true},
		{name: "literal before template", method: "GET", path: "/v1/rooms/self", wantOp: true, wantExists: true},
		{name: "self room has GET only", method: "POST", path: "/v1/rooms/self", wantExists: true},
		{name: "empty parameter", method: "GET", path: "/verify-email/"},
		{name: "trailing slash", method: "POST", path: "/v1/workspaces/"},
		{name: "extra segment", method: "GET", path: "/v1/rooms/abc/messages/1"},
		{name: "escaped slash stays in parameter", method: "GET", path: "/v1/invites/a%2Fb", wantOp: true, wantExists: true},
		{name: "dots in literal", method: "GET", path: "/v1/profile-links/tok/qr.png", wantOp: true, wantExists: true},
		{name: "well-known", method: "GET", path: "/.well-known/jwks.json", wantOp: true, wantExists: true},
		{name: "dev clock", method: "POST", path: "/_dev/clock", wantOp: true, wantExists: true},
		{name: "dev clock wrong method", method: "PUT", path: "/_dev/clock", wantExists: true},
		{name: "operator", method: "POST", path: "/v1/operator/org-links/acme/approve", wantOp: true, wantExists: true},
		{name: "mail sink is another server", method: "POST", path: "/v3/mail/send"},
		{name: "HEAD not implied", method: "HEAD", path: "/healthz", wantExists: true},
		{name: "live events", method: "GET", path: "/v1/me/events?lastEventId=m-1", wantOp: true, wantExists: true},
		{name: "live events take GET only", method: "POST", path: "/v1/me/events", wantExists: true},
		{name: "nothing below live events", method: "GET", path: "/v1/me/events/1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, exists := r.Documented(tc.method, tc.path)
			if op != tc.wantOp || exists != tc.wantExists {
				t.Errorf("Documented(%q, %q) = (%v, %v), want (%v, %v)", tc.method, tc.path, op, exists, tc.wantOp, tc.wantExists)
			}
		})
	}
}

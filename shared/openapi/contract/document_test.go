package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// Who may call an operation, as API.md's "who" column says.
const (
	anyone   = "anyone"   // no credentials (anyone, link, ticket or poll-token holders, browsers)
	member   = "member"   // bearerAuth: a member's access token
	operator = "operator" // operatorKey
)

// apiMD is the surface of API.md, transcribed by hand: every "METHOD path"
// and who may call it. The mail sink (a different server) is not part of it.
var apiMD = map[string]string{
	// Service
	"GET /healthz":               anyone,
	"GET /.well-known/jwks.json": anyone,
	"GET /openapi.yaml":          anyone,

	// Web app
	"GET /app/": anyone,

	// Workspaces, sign-up, verification
	"POST /v1/workspaces":                             anyone,
	"POST /v1/email-verifications":                    anyone,
	"GET /verify-email/{token}":                       anyone,
	"POST /verify-email/{token}":                      anyone,
	"GET /verify-email/done":                          anyone,
	"GET /v1/workspaces/{ws}":                         member,
	"PATCH /v1/workspaces/{ws}":                       member,
	"PUT /v1/workspaces/{ws}/profile-fields":          member,
	"POST /v1/workspaces/{ws}/invite-links":           member,
	"GET /v1/workspaces/{ws}/invite-links":            member,
	"DELETE /v1/workspaces/{ws}/invite-links/{id}":    member,
	"GET /v1/invites/{token}":                         anyone,
	"GET /v1/invites/{token}/qr.png":                  anyone,
	"POST /v1/invites/{token}/accept":                 anyone,
	"GET /invite/{token}":                             anyone,
	"POST /invite/{token}":                            anyone,
	"GET /invite/sent":                                anyone,
	"POST /v1/workspaces/{ws}/members":                member,
	"POST /v1/password-setups":                        anyone,
	"GET /set-password/{token}":                       anyone,
	"POST /set-password/{token}":                      anyone,
	"GET /set-password/done":                          anyone,
	"GET /v1/workspaces/{ws}/members":                 member,
	"DELETE /v1/workspaces/{ws}/members/{memberId}":   member,
	"PUT /v1/workspaces/{ws}/members/{memberId}/role": member,

	// Login, sessions, devices
	"POST /v1/login/email-code":              anyone,
	"POST /v1/login/email-code/verify":       anyone,
	"POST /v1/login/password":                anyone,
	"GET /v1/orgs/{orgId}":                   anyone,
	"POST /v1/login/org":                     anyone,
	"POST /v1/login/recovery":                anyone,
	"POST /v1/token/refresh":                 anyone,
	"POST /v1/logout":                        member,
	"POST /v1/me/presence":                   member,
	"GET /v1/device-approvals/{id}":          anyone,
	"GET /v1/device-approvals":               member,
	"POST /v1/device-approvals/{id}/approve": member,
	"POST /v1/device-approvals/{id}/deny":    member,
	"POST /v1/device-approvals/{id}/nudge":   anyone,
	"GET /v1/me/devices":                     member,
	"DELETE /v1/me/devices/{deviceId}":       member,
	"POST /v1/workspaces/{ws}/recovery-key":  member,

	// Password reset
	"POST /v1/password-resets":         anyone,
	"POST /v1/password-resets/confirm": anyone,
	"GET /reset-password/{token}":      anyone,
	"POST /reset-password/{token}":     anyone,
	"GET /reset-password/done":         anyone,

	// Profile, sharing, external members, blocking
	"GET /v1/me":                                member,
	"GET /v1/me/profile":                        member,
	"PATCH /v1/me/profile":                      member,
	"GET /v1/members/{memberId}/profile":        member,
	"POST /v1/me/profile-links":                 member,
	"GET /v1/me/profile-links":                  member,
	"DELETE /v1/me/profile-links/{linkId}":      member,
	"GET /v1/profile-links/{token}":             member,
	"GET /v1/profile-links/{token}/qr.png":      anyone,
	"GET /p/{token}":                            anyone,
	"POST /v1/me/external-members":              member,
	"GET /v1/me/external-members":               member,
	"DELETE /v1/me/external-members/{memberId}": member,
	"POST /v1/me/blocks":                        member,
	"GET /v1/me/blocks":                         member,
	"DELETE /v1/me/blocks/{memberId}":           member,

	// Rooms, messages, notifications
	"GET /v1/rooms/self":                          member,
	"POST /v1/rooms":                              member,
	"GET /v1/rooms":                               member,
	"POST /v1/rooms/{roomId}/messages":            member,
	"GET /v1/rooms/{roomId}/messages":             member,
	"POST /v1/rooms/{roomId}/read":                member,
	"GET /v1/members/{memberId}/shared-rooms":     member,
	"PUT /v1/me/notification-mute":                member,
	"GET /v1/me/notification-mute":                member,
	"GET /v1/me/notifications":                    member,
	"PUT /v1/me/devices/{deviceId}/push-token":    member,
	"DELETE /v1/me/devices/{deviceId}/push-token": member,

	// Live events
	"GET /v1/me/events": member,

	// Super admin, organisation link, withdrawal
	"POST /v1/workspaces/{ws}/super-admin-delegations": member,
	"POST /v1/super-admin-delegations/accept":          anyone,
	"GET /delegation/{token}":                          anyone,
	"POST /delegation/{token}":                         anyone,
	"GET /delegation/done":                             anyone,
	"POST /v1/workspaces/{ws}/org-link":                member,
	"GET /v1/workspaces/{ws}/org-link":                 member,
	"PATCH /v1/workspaces/{ws}/org-link":               member,
	"POST /v1/workspaces/{ws}/withdrawal":              member,

	// Operator
	"PUT /v1/operator/workspaces/{ws}/plan":       operator,
	"POST /v1/operator/org-links/{orgId}/approve": operator,
	"POST /v1/operator/org-links/{orgId}/reject":  operator,

	// Local development surface (WORKGATE_DEV=1)
	"POST /_dev/clock": anyone,
	"GET /_dev/clock":  anyone,
}

// problemCodes are the error codes of API.md plus the three the server uses
// on its own (unknown method, documented but not built, internal).
var problemCodes = []string{
	"invalid_request", "invalid_code", "immutable", "cannot_block_workspace_member",
	"same_workspace", "unauthenticated", "invalid_credentials", "forbidden",
	"plan_required", "external_chat_disabled", "blocked", "not_found", "conflict",
	"gone", "payload_too_large", "locked", "rate_limited", "unavailable",
	"not_implemented", "method_not_allowed", "internal",
}

const problemRef = "#/components/schemas/Problem"

func TestLoad(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := doc.OpenAPI, "3.0.3"; got != want {
		t.Errorf("openapi = %q, want %q", got, want)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "http://127.0.0.1:8080" {
		t.Errorf("servers = %v, want one http://127.0.0.1:8080", doc.Servers)
	}
}

// operation is one operation of the document with its "METHOD path" key.
type operation struct {
	key    string
	path   string
	method string
	item   *openapi3.PathItem
	op     *openapi3.Operation
}

func operations(tb testing.TB) []operation {
	tb.Helper()
	doc, err := Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{key: method + " " + path, path: path, method: method, item: item, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key < ops[j].key })
	return ops
}

func TestSurfaceMatchesAPIMD(t *testing.T) {
	t.Parallel()
	var want, got []string
	for k := range apiMD {
		want = append(want, k)
	}
	sort.Strings(want)
	for _, o := range operations(t) {
		got = append(got, o.key)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations differ from API.md (-API.md +document):\n%s", diff)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	ids := map[string]string{}
	for _, o := range operations(t) {
		t.Run(o.key, func(t *testing.T) {
			op := o.op
			if op.OperationID == "" {
				t.Error("no operationId")
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q also used by %s", op.OperationID, other)
			}
			ids[op.OperationID] = o.key
			if op.Summary == "" {
				t.Error("no summary")
			}
			if len(op.Tags) == 0 {
				t.Error("no tags")
			}
			html := isHTMLPage(o.path)
			if html && (len(op.Tags) != 1 || op.Tags[0] != "pages") {
				t.Errorf("tags = %v, want [pages]", op.Tags)
			}
			if strings.HasPrefix(o.path, "/_dev/") && (len(op.Tags) != 1 || op.Tags[0] != "dev") {
				t.Errorf("tags = %v, want [dev]", op.Tags)
			}

			if html {
				// A page answers 200 with HTML; a page's form may instead
				// answer 303 to its result page (Post/Redirect/Get).
				ok, seeOther := op.Responses.Value("200"), op.Responses.Value("303")
				switch {
				case o.method == http.MethodPost && seeOther != nil:
					if h := seeOther.Value.Headers["Location"]; h == nil || !h.Value.Required {
						t.Error("303 without a required Location header")
					}
				case ok == nil || ok.Value.Content.Get("text/html") == nil:
					t.Error("page without a 200 text/html response")
				}
				if o.method == http.MethodPost && (op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded") == nil) {
					t.Error("page form without an application/x-www-form-urlencoded body")
				}
			}

			auth := who(t, op)
			if want := apiMD[o.key]; want != "" && auth != want {
				t.Errorf("security = %s, API.md says %s", auth, want)
			}

			has := func(status string) bool { return op.Responses.Value(status) != nil }
			if auth != anyone && !has("401") {
				t.Error("authenticated operation without 401")
			}
			if op.RequestBody != nil && !has("413") {
				t.Error("operation with a body without 413")
			}
			if refusable(op, o.item) && !has("400") && !html {
				t.Error("operation with input without 400")
			}
			if op.Responses.Default() == nil {
				t.Error("no default response")
			}

			success := 0
			for status, ref := range op.Responses.Map() {
				if strings.HasPrefix(status, "2") || html && status == "303" {
					success++
					continue
				}
				checkError(t, status, ref.Value, html)
			}
			if success == 0 {
				t.Error("no 2xx response")
			}
		})
	}
}

// refusable reports whether an operation takes input it can refuse with
// 400: a body, or a parameter that is required or constrained. Optional
// free strings cannot be wrong (GET /v1/me/events answers an unknown
// Last-Event-ID with a reset event).
func refusable(op *openapi3.Operation, item *openapi3.PathItem) bool {
	if op.RequestBody != nil {
		return true
	}
	for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
		v := p.Value
		if v.Required || v.Schema == nil {
			return true
		}
		sch := v.Schema.Value
		free := sch.Type.Is(openapi3.TypeString) && sch.Pattern == "" && sch.Format == "" && len(sch.Enum) == 0 &&
			sch.MinLength == 0 && sch.MaxLength == nil
		if !free {
			return true
		}
	}
	return false
}

// isHTMLPage reports whether path is one of the server-rendered pages.
func isHTMLPage(path string) bool {
	for _, prefix := range []string{"/verify-email/", "/invite/", "/set-password/", "/reset-password/", "/delegation/", "/p/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// who reads an operation's security requirement.
func who(tb testing.TB, op *openapi3.Operation) string {
	tb.Helper()
	if op.Security == nil {
		tb.Error("security not declared (use security: [] for anonymous calls)")
		return ""
	}
	reqs := *op.Security
	switch {
	case len(reqs) == 0:
		return anyone
	case len(reqs) == 1 && len(reqs[0]) == 1 && reqs[0]["bearerAuth"] != nil:
		return member
	case len(reqs) == 1 && len(reqs[0]) == 1 && reqs[0]["operatorKey"] != nil:
		return operator
	}
	var names []string
	for _, req := range reqs {
		for name := range req {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return fmt.Sprintf("unexpected %v", names)
}

// checkError checks one non-2xx response: problem+json with the Problem
// schema, or an HTML page for the pages; 423 and 429 set Retry-After.
func checkError(tb testing.TB, status string, resp *openapi3.Response, html bool) {
	tb.Helper()
	var types []string
	for ct := range resp.Content {
		types = append(types, ct)
	}
	sort.Strings(types)
	switch {
	case html && cmp.Equal(types, []string{"text/html"}):
	case cmp.Equal(types, []string{"application/problem+json"}):
		if ref := resp.Content["application/problem+json"].Schema.Ref; ref != problemRef {
			tb.Errorf("%s: schema %q, want %q", status, ref, problemRef)
		}
	default:
		tb.Errorf("%s: content types %v, want only application/problem+json", status, types)
	}
	if status == "423" || status == "429" {
		if h := resp.Headers["Retry-After"]; h == nil || !h.Value.Required {
			tb.Errorf("%s: no required Retry-After header", status)
		}
	}
}

func TestProblemCodes(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	problem := doc.Components.Schemas["Problem"].Value
	var got []string
	for _, v := range problem.Properties["code"].Value.Enum {
		got = append(got, v.(string))
	}
	want := append([]string(nil), problemCodes...)
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Problem.code enum (-want +got):\n%s", diff)
	}
	wantFields := []string{"code", "detail", "lockedUntil", "remainingAttempts", "retryAfterSeconds", "status", "title", "type"}
	var fields []string
	for name := range problem.Properties {
		fields = append(fields, name)
	}
	sort.Strings(fields)
	if diff := cmp.Diff(wantFields, fields); diff != "" {
		t.Errorf("Problem fields (-want +got):\n%s", diff)
	}
}

func newTestRouter(tb testing.TB) *Checker {
	tb.Helper()
	c, err := New()
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

func TestFindRoute(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t)
	cases := []struct {
		name       string
		method     string
		target     string
		wantPath   string
		wantParams map[string]string
		wantErr    error
	}{
		{name: "params", method: "DELETE", target: "/v1/workspaces/acme/members/m1", wantPath: "/v1/workspaces/{ws}/members/{memberId}", wantParams: map[string]string{"ws": "acme", "memberId": "m1"}},
		{name: "host ignored", method: "GET", target: "https://example.com/healthz", wantPath: "/healthz", wantParams: map[string]string{}},
		{name: "unescaped parameter", method: "GET", target: "/p/a%2Fb", wantPath: "/p/{token}", wantParams: map[string]string{"token": "a/b"}},
		{name: "literal result page", method: "GET", target: "/reset-password/done", wantPath: "/reset-password/done", wantParams: map[string]string{}},
		{name: "form beside a literal", method: "POST", target: "/reset-password/done", wantPath: "/reset-password/{token}", wantParams: map[string]string{"token": "done"}},
		{name: "405", method: "PUT", target: "/v1/rooms", wantErr: routers.ErrMethodNotAllowed},
		{name: "404", method: "GET", target: "/v2/rooms", wantErr: routers.ErrPathNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tc.method, tc.target, nil)
			route, params, err := r.FindRoute(req)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("FindRoute: err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if route.Path != tc.wantPath || route.Method != tc.method || route.Operation == nil {
				t.Errorf("route = %s %s, want %s %s", route.Method, route.Path, tc.method, tc.wantPath)
			}
			if diff := cmp.Diff(tc.wantParams, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

// The live event stream is a string to the validator, like the HTML pages
// to test/e2e: its decoder is registered once, before any test reads the
// registry.
func init() {
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
}

// validationOptions skip the security check: the document only says which
// scheme applies; verifying tokens is the server's job.
var validationOptions = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}

func requestInput(tb testing.TB, r *Checker, method, target, contentType, body string) *openapi3filter.RequestValidationInput {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer test")
	route, params, err := r.FindRoute(req)
	if err != nil {
		tb.Fatalf("FindRoute(%s %s): %v", method, target, err)
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: validationOptions}
}

func TestValidateRequest(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t)
	const (
		jsonCT = "application/json"
		formCT = "application/x-www-form-urlencoded"
	)
	cases := []struct {
		name    string
		method  string
		target  string
		ct      string
		body    string
		wantErr bool
	}{
		{name: "workspace", method: "POST", target: "/v1/workspaces", ct: jsonCT,
			body: `{"workspaceId":"acme","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse"}}`},
		{name: "workspace short password", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true,
			body: `{"workspaceId":"acme","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"1234567"}}`},
		{name: "workspace long password", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true,
			body: `{"workspaceId":"acme","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"` + strings.Repeat("p", 129) + `"}}`},
		{name: "workspace bad ID", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true,
			body: `{"workspaceId":"Acme!","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse"}}`},
		{name: "workspace short ID", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true,
			body: `{"workspaceId":"ac","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse"}}`},
		{name: "workspace without owner", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true,
			body: `{"workspaceId":"acme","name":"Acme"}`},
		{name: "workspace without body", method: "POST", target: "/v1/workspaces", ct: jsonCT, wantErr: true},
		{name: "invite link defaults", method: "POST", target: "/v1/workspaces/acme/invite-links", ct: jsonCT, body: `{}`},
		{name: "invite link bounds", method: "POST", target: "/v1/workspaces/acme/invite-links", ct: jsonCT, body: `{"expiresInHours":720,"maxUses":10000}`},
		{name: "invite link too long", method: "POST", target: "/v1/workspaces/acme/invite-links", ct: jsonCT, wantErr: true, body: `{"expiresInHours":721}`},
		{name: "invite link zero uses", method: "POST", target: "/v1/workspaces/acme/invite-links", ct: jsonCT, wantErr: true, body: `{"maxUses":0}`},
		{name: "bad ws in path", method: "GET", target: "/v1/workspaces/A_B", wantErr: true},
		{name: "password login", method: "POST", target: "/v1/login/password", ct: jsonCT,
			body: `{"loginTicket":"t","workspaceId":"acme","email":"kim@example.com","password":"x","device":{"name":"Kim's Mac","platform":"mac"}}`},
		{name: "password login bad platform", method: "POST", target: "/v1/login/password", ct: jsonCT, wantErr: true,
			body: `{"loginTicket":"t","workspaceId":"acme","email":"kim@example.com","password":"x","device":{"name":"Kim's Mac","platform":"beos"}}`},
		{name: "message", method: "POST", target: "/v1/rooms/r1/messages", ct: jsonCT, body: `{"text":"hi","clientMessageId":"c1"}`},
		{name: "empty message", method: "POST", target: "/v1/rooms/r1/messages", ct: jsonCT, wantErr: true, body: `{"text":"","clientMessageId":"c1"}`},
		{name: "long message", method: "POST", target: "/v1/rooms/r1/messages", ct: jsonCT, wantErr: true,
			body: `{"text":"` + strings.Repeat("a", 10001) + `","clientMessageId":"c1"}`},
		{name: "history", method: "GET", target: "/v1/rooms/r1/messages?afterSeq=5&limit=100"},
		{name: "history limit", method: "GET", target: "/v1/rooms/r1/messages?limit=101", wantErr: true},
		{name: "mute", method: "PUT", target: "/v1/me/notification-mute", ct: jsonCT, body: `{"minutes":30}`},
		{name: "mute odd minutes", method: "PUT", target: "/v1/me/notification-mute", ct: jsonCT, wantErr: true, body: `{"minutes":45}`},
		{name: "role", method: "PUT", target: "/v1/workspaces/acme/members/m1/role", ct: jsonCT, body: `{"role":"admin","permissions":["admin_access"]}`},
		{name: "role super_admin", method: "PUT", target: "/v1/workspaces/acme/members/m1/role", ct: jsonCT, wantErr: true, body: `{"role":"super_admin","permissions":[]}`},
		{name: "external by link", method: "POST", target: "/v1/me/external-members", ct: jsonCT, body: `{"profileLinkToken":"t"}`},
		{name: "external by member", method: "POST", target: "/v1/me/external-members", ct: jsonCT, body: `{"memberId":"m1"}`},
		{name: "external by both", method: "POST", target: "/v1/me/external-members", ct: jsonCT, wantErr: true, body: `{"profileLinkToken":"t","memberId":"m1"}`},
		{name: "profile fields", method: "PUT", target: "/v1/workspaces/acme/profile-fields", ct: jsonCT,
			body: `{"nickname":true,"title":true,"position":false,"mobile":false,"landline":false,"email":true,"workLocation":false,"birthday":false,"nameDisplay":"name_nickname"}`},
		{name: "profile fields bad display", method: "PUT", target: "/v1/workspaces/acme/profile-fields", ct: jsonCT, wantErr: true,
			body: `{"nickname":true,"title":true,"position":false,"mobile":false,"landline":false,"email":true,"workLocation":false,"birthday":false,"nameDisplay":"full"}`},
		{name: "plan", method: "PUT", target: "/v1/operator/workspaces/acme/plan", ct: jsonCT, body: `{"plan":"standard"}`},
		{name: "unknown plan", method: "PUT", target: "/v1/operator/workspaces/acme/plan", ct: jsonCT, wantErr: true, body: `{"plan":"gold"}`},
		{name: "org link", method: "POST", target: "/v1/workspaces/acme/org-link", ct: jsonCT, body: `{"orgName":"Acme","orgId":"acme-corp","businessNumber":"1234567890"}`},
		{name: "org link bad number", method: "POST", target: "/v1/workspaces/acme/org-link", ct: jsonCT, wantErr: true, body: `{"orgName":"Acme","orgId":"acme-corp","businessNumber":"12345"}`},
		{name: "poll without token", method: "GET", target: "/v1/device-approvals/a1", wantErr: true},
		{name: "poll", method: "GET", target: "/v1/device-approvals/a1?pollToken=p"},
		{name: "sign-up form", method: "POST", target: "/invite/tok", ct: formCT, body: "name=Kim&email=kim%40example.com&password=correct+horse"},
		{name: "sign-up form short password", method: "POST", target: "/invite/tok", ct: formCT, wantErr: true, body: "name=Kim&email=kim%40example.com&password=short"},
		{name: "verify form", method: "POST", target: "/verify-email/tok", ct: formCT, body: ""},
		{name: "dev clock", method: "POST", target: "/_dev/clock", ct: jsonCT, body: `{"advanceSeconds":3600}`},
		{name: "live events", method: "GET", target: "/v1/me/events"},
		{name: "live events resumed", method: "GET", target: "/v1/me/events?lastEventId=whatever"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := requestInput(t, r, tc.method, tc.target, tc.ct, tc.body)
			err := openapi3filter.ValidateRequest(context.Background(), in)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("ValidateRequest: err = %v, want error: %v", err, tc.wantErr)
			} else if err != nil {
				t.Logf("ValidateRequest: %v", err) // shows why a bad example was refused
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t)
	const (
		jsonCT    = "application/json"
		problemCT = "application/problem+json"
	)
	session := `{"accessToken":"a","refreshToken":"r","tokenType":"Bearer","expiresIn":900,"accountId":"ac1","workspaceId":"acme","sessionId":"s1","deviceId":"d1"}`
	room := `{"roomId":"r1","type":"direct","name":null,"memberIds":["a","b"],"isSelf":false,"unreadCount":0,"lastMessage":null}`
	cases := []struct {
		name    string
		method  string
		target  string
		status  int
		ct      string
		header  http.Header
		body    string
		wantErr bool
	}{
		{name: "workspace pending", method: "POST", target: "/v1/workspaces", status: 202, ct: jsonCT, body: `{"workspaceId":"acme","status":"pending"}`},
		{name: "workspace other status", method: "POST", target: "/v1/workspaces", status: 202, ct: jsonCT, wantErr: true, body: `{"workspaceId":"acme","status":"active"}`},
		{name: "workspace ID taken", method: "POST", target: "/v1/workspaces", status: 409, ct: problemCT,
			body: `{"type":"about:blank","title":"Conflict","status":409,"code":"conflict","detail":"workspace ID taken"}`},
		{name: "problem with unknown code", method: "POST", target: "/v1/workspaces", status: 409, ct: problemCT, wantErr: true,
			body: `{"type":"about:blank","title":"Conflict","status":409,"code":"taken","detail":"workspace ID taken"}`},
		{name: "problem as plain JSON", method: "POST", target: "/v1/workspaces", status: 409, ct: jsonCT, wantErr: true,
			body: `{"type":"about:blank","title":"Conflict","status":409,"code":"conflict","detail":"workspace ID taken"}`},
		{name: "internal via default", method: "POST", target: "/v1/workspaces", status: 500, ct: problemCT,
			body: `{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal","detail":"internal error"}`},
		{name: "session", method: "POST", target: "/v1/login/password", status: 200, ct: jsonCT, body: session},
		{name: "session without token type", method: "POST", target: "/v1/login/password", status: 200, ct: jsonCT, wantErr: true,
			body: strings.Replace(session, `"tokenType":"Bearer",`, "", 1)},
		{name: "approval", method: "POST", target: "/v1/login/password", status: 202, ct: jsonCT,
			body: `{"status":"device_approval_required","approvalId":"ap1","pollToken":"p","matchCode":"042137","expiresAt":"2025-01-02T03:04:05Z"}`},
		{name: "approval bad match code", method: "POST", target: "/v1/login/password", status: 202, ct: jsonCT, wantErr: true,
			body: `{"status":"device_approval_required","approvalId":"ap1","pollToken":"p","matchCode":"42","expiresAt":"2025-01-02T03:04:05Z"}`},
		{name: "locked", method: "POST", target: "/v1/login/password", status: 423, ct: problemCT, header: http.Header{"Retry-After": {"3600"}},
			body: `{"type":"about:blank","title":"Locked","status":423,"code":"locked","detail":"too many wrong passwords","lockedUntil":"2025-01-02T04:04:05Z"}`},
		{name: "locked without Retry-After", method: "POST", target: "/v1/login/password", status: 423, ct: problemCT, wantErr: true,
			body: `{"type":"about:blank","title":"Locked","status":423,"code":"locked","detail":"too many wrong passwords","lockedUntil":"2025-01-02T04:04:05Z"}`},
		{name: "rate limited", method: "POST", target: "/v1/login/email-code", status: 429, ct: problemCT, header: http.Header{"Retry-After": {"60"}},
			body: `{"type":"about:blank","title":"Too Many Requests","status":429,"code":"rate_limited","detail":"slow down","retryAfterSeconds":60}`},
		{name: "wrong code", method: "POST", target: "/v1/login/email-code/verify", status: 400, ct: problemCT,
			body: `{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_code","detail":"wrong code","remainingAttempts":4}`},
		{name: "recovery session needs device token", method: "POST", target: "/v1/login/recovery", status: 200, ct: jsonCT, wantErr: true, body: session},
		{name: "recovery session", method: "POST", target: "/v1/login/recovery", status: 200, ct: jsonCT,
			body: strings.Replace(session, `}`, `,"deviceToken":"dt"}`, 1)},
		{name: "new room", method: "POST", target: "/v1/rooms", status: 201, ct: jsonCT, body: room},
		{name: "existing room", method: "POST", target: "/v1/rooms", status: 200, ct: jsonCT, body: room},
		{name: "self room", method: "GET", target: "/v1/rooms/self", status: 200, ct: jsonCT,
			body: `{"roomId":"r0","type":"self","name":null,"memberIds":["a"],"isSelf":true,"unreadCount":0,"lastMessage":null}`},
		{name: "self room that is not", method: "GET", target: "/v1/rooms/self", status: 200, ct: jsonCT, wantErr: true, body: room},
		{name: "message", method: "POST", target: "/v1/rooms/r1/messages", status: 201, ct: jsonCT,
			body: `{"messageId":"m1","seq":9007199254740991,"senderId":"a","text":"hi","createdAt":"2025-01-02T03:04:05Z"}`},
		{name: "message seq too big", method: "POST", target: "/v1/rooms/r1/messages", status: 201, ct: jsonCT, wantErr: true,
			body: `{"messageId":"m1","seq":9007199254740992,"senderId":"a","text":"hi","createdAt":"2025-01-02T03:04:05Z"}`},
		{name: "message bad time", method: "POST", target: "/v1/rooms/r1/messages", status: 201, ct: jsonCT, wantErr: true,
			body: `{"messageId":"m1","seq":1,"senderId":"a","text":"hi","createdAt":"yesterday"}`},
		{name: "workspace", method: "GET", target: "/v1/workspaces/acme", status: 200, ct: jsonCT,
			body: `{"workspaceId":"acme","name":"Acme","logoUrl":null,"color":"#1A2B3C","colorTone":"dark","plan":"free","status":"active","externalChatAllowed":true,"superAdminId":"ac1",` +
				`"profileFields":{"nickname":true,"title":true,"position":false,"mobile":false,"landline":false,"email":true,"workLocation":false,"birthday":false,"nameDisplay":"name"}}`},
		{name: "invite link without maxUses", method: "POST", target: "/v1/workspaces/acme/invite-links", status: 201, ct: jsonCT,
			body: `{"id":"il1","url":"http://127.0.0.1:8080/invite/t","token":"t","expiresAt":"2025-01-09T03:04:05Z","maxUses":null,"uses":0,"revoked":false}`},
		{name: "qr link", method: "POST", target: "/v1/me/profile-links", status: 201, ct: jsonCT,
			body: `{"linkId":"l1","type":"qr","url":"http://127.0.0.1:8080/p/t","token":"t","expiresAt":null}`},
		{name: "approval poll with session", method: "GET", target: "/v1/device-approvals/a1?pollToken=p", status: 200, ct: jsonCT,
			body: `{"status":"approved","session":` + strings.Replace(session, `}`, `,"deviceToken":"dt"}`, 1) + `}`},
		{name: "unmuted", method: "PUT", target: "/v1/me/notification-mute", status: 200, ct: jsonCT, body: `{"mutedUntil":null}`},
		{name: "muted", method: "PUT", target: "/v1/me/notification-mute", status: 200, ct: jsonCT, body: `{"mutedUntil":"2025-01-02T03:04:05Z"}`},
		{name: "muted until no time", method: "PUT", target: "/v1/me/notification-mute", status: 200, ct: jsonCT, wantErr: true, body: `{"mutedUntil":"soon"}`},
		{name: "room with its last message", method: "POST", target: "/v1/rooms", status: 200, ct: jsonCT,
			body: strings.Replace(room, `"lastMessage":null`, `"lastMessage":{"messageId":"m1","seq":1,"senderId":"a","text":"hi","createdAt":"2025-01-02T03:04:05Z"}`, 1)},
		{name: "room with a last message that is none", method: "POST", target: "/v1/rooms", status: 200, ct: jsonCT, wantErr: true,
			body: strings.Replace(room, `"lastMessage":null`, `"lastMessage":"hi"`, 1)},
		{name: "link expiry not a time", method: "POST", target: "/v1/me/profile-links", status: 201, ct: jsonCT, wantErr: true,
			body: `{"linkId":"l1","type":"one_time","url":"http://127.0.0.1:8080/p/t","token":"t","expiresAt":"tomorrow"}`},
		{name: "workspace without colour", method: "GET", target: "/v1/workspaces/acme", status: 200, ct: jsonCT,
			body: `{"workspaceId":"acme","name":"Acme","logoUrl":null,"color":null,"colorTone":null,"plan":"free","status":"active","externalChatAllowed":true,"superAdminId":"ac1",` +
				`"profileFields":{"nickname":true,"title":true,"position":false,"mobile":false,"landline":false,"email":true,"workLocation":false,"birthday":false,"nameDisplay":"name"}}`},
		{name: "health", method: "GET", target: "/healthz", status: 200, ct: jsonCT, body: `{"status":"ok"}`},
		{name: "dev clock", method: "GET", target: "/_dev/clock", status: 200, ct: jsonCT, body: `{"now":"2025-01-02T03:04:05Z"}`},
		{name: "live events", method: "GET", target: "/v1/me/events", status: 200, ct: "text/event-stream",
			body: ": keepalive\n\nid: m-1\nevent: message\ndata: {}\n\n"},
		{name: "live events as JSON", method: "GET", target: "/v1/me/events", status: 200, ct: jsonCT, wantErr: true, body: `{}`},
		{name: "live events unauthenticated", method: "GET", target: "/v1/me/events", status: 401, ct: problemCT,
			body: `{"type":"about:blank","title":"Unauthorized","status":401,"code":"unauthenticated","detail":"sign in"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := requestInput(t, r, tc.method, tc.target, "", "")
			header := http.Header{}
			for k, v := range tc.header {
				header[k] = v
			}
			header.Set("Content-Type", tc.ct)
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in,
				Status:                 tc.status,
				Header:                 header,
				Body:                   io.NopCloser(strings.NewReader(tc.body)),
				Options:                validationOptions,
			}
			err := openapi3filter.ValidateResponse(context.Background(), out)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("ValidateResponse: err = %v, want error: %v", err, tc.wantErr)
			} else if err != nil {
				t.Logf("ValidateResponse: %v", err) // shows why a bad example was refused
			}
		})
	}
}

// TestLiveEvents: the stream's media type names the schema of each event's
// data, for exactly the events API.md lists; the data the domain writes to
// the feed, and the literal data of reset and session_revoked, match them;
// a notification event is the notification as the list shows it.
func TestLiveEvents(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/v1/me/events").Get
	params := map[string]string{}
	for _, p := range op.Parameters {
		if p.Value.Required {
			t.Errorf("parameter %s is required", p.Value.Name)
		}
		params[p.Value.Name] = p.Value.In
	}
	if diff := cmp.Diff(map[string]string{"Last-Event-ID": "header", "lastEventId": "query"}, params); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	mt := op.Responses.Value("200").Value.Content.Get("text/event-stream")
	if mt == nil || mt.Schema == nil || !mt.Schema.Value.Type.Is(openapi3.TypeString) {
		t.Fatal("200 is not a text/event-stream string")
	}
	raw, ok := mt.Extensions["x-events"].(map[string]any)
	if !ok {
		t.Fatalf("x-events = %#v, want a map of event names to schema references", mt.Extensions["x-events"])
	}
	schemas := map[string]*openapi3.Schema{}
	for name, v := range raw {
		ref, _ := v.(map[string]any)["$ref"].(string)
		sref, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !strings.HasPrefix(ref, "#/components/schemas/") || !ok {
			t.Errorf("x-events %s: %q names no schema", name, ref)
			continue
		}
		schemas[name] = sref.Value
	}
	wantNames := []string{domain.FeedMessage, domain.FeedNotification, domain.FeedRead, domain.FeedReset, domain.FeedRevoked, domain.FeedRoom}
	sort.Strings(wantNames)
	var names []string
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Fatalf("x-events names (-want +got):\n%s", diff)
	}
	if got := schemas[domain.FeedNotification].AllOf; len(got) != 1 || got[0].Ref != "#/components/schemas/Notification" ||
		doc.Components.Schemas["NotificationList"].Value.Properties["notifications"].Value.Items.Ref != "#/components/schemas/Notification" {
		t.Error("a notification event is not the notification of GET /v1/me/notifications")
	}

	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name, kind, data string
		wantErr          bool
	}{
		{"message", domain.FeedMessage, domain.MessageEvent(domain.MessageData{RoomID: "r1", MessageID: "m1", Seq: 17, SenderID: "a2", Text: "hi", CreatedAt: now}, "acme", now).Data, false},
		{"read", domain.FeedRead, domain.ReadEvent("r1", 17, now).Data, false},
		{"room created", domain.FeedRoom, domain.RoomCreatedEvent("r1", now).Data, false},
		{"room changed", domain.FeedRoom, domain.RoomChangedEvent("r1", "name", now).Data, false},
		{"notification", domain.FeedNotification, domain.NotificationEvent(&domain.Notification{ID: "n1", Kind: domain.NotifyMessage, CreatedAt: now,
			Message: &domain.MessageNote{RoomID: "r1", MessageID: "m1", Seq: 17, SenderID: "a2", SenderName: "Kim", Text: "hi"}}).Data, false},
		{"reset", domain.FeedReset, "{}", false},
		{"session revoked", domain.FeedRevoked, "{}", false},
		{"message without seq", domain.FeedMessage, `{"roomId":"r1","messageId":"m1","senderId":"a2","text":"hi","createdAt":"2025-01-02T03:04:05Z"}`, true},
		{"read without room", domain.FeedRead, `{"seq":1}`, true},
		{"notification of no kind", domain.FeedNotification, `{"notificationId":"n1","kind":"gossip","createdAt":"2025-01-02T03:04:05Z"}`, true},
		{"reset with data", domain.FeedReset, `{"roomId":"r1"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if strings.ContainsAny(tc.data, "\r\n") {
				t.Fatalf("data %q is not one line", tc.data)
			}
			var v any
			if err := json.Unmarshal([]byte(tc.data), &v); err != nil {
				t.Fatalf("data %q: %v", tc.data, err)
			}
			err := schemas[tc.kind].VisitJSON(v)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("%s data %s: err = %v, want error: %v", tc.kind, tc.data, err, tc.wantErr)
			}
		})
	}
}

package e2e

import (
	"net/http"
	"testing"
)

// TestLoginFirstDevice is F5 end to end: code mail → ticket with the
// account's workspaces → password → a session on the account's first
// device, which becomes trusted; GET /v1/me answers for it.
func TestLoginFirstDevice(t *testing.T) {
	t.Parallel()
	e := start(t)
	s := e.ownerSession("acme", "kim@example.com")
	if s.DeviceToken == "" || s.TokenType != "Bearer" || s.ExpiresIn != 900 || s.WorkspaceID != "acme" {
		t.Fatalf("session = %+v", s)
	}
	r := e.call("GET", "/v1/me", nil, s.bearer()...)
	requireStatus(t, r, http.StatusOK)
	t.Logf("%s", r.Body)
}

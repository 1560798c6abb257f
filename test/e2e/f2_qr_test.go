package e2e

import (
	"net/http"
	"testing"

	"github.com/workgate/workgate/shared/auth"
)

// TestInviteQR: GET /v1/invites/{token}/qr.png, for anyone, draws a
// usable invite link's URL (the one its creation answered) as a PNG QR
// code, and refuses a revoked, expired, used-up or unknown link as
// GET /v1/invites/{token} does, with no image.
func TestInviteQR(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	usable := e.newInviteLink(owner, "acme", map[string]any{"expiresInHours": 48})
	revoked := e.newInviteLink(owner, "acme", map[string]any{})
	expiring := e.newInviteLink(owner, "acme", map[string]any{"expiresInHours": 1})
	once := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 1})
	requireStatus(t, e.accept(once.Token, "First", "first@example.com"), http.StatusAccepted)
	requireStatus(t, e.call("DELETE", "/v1/workspaces/acme/invite-links/"+revoked.ID, nil, owner.bearer()...), http.StatusNoContent)
	e.advance(3600)

	qr := func(token string) response { return e.call("GET", "/v1/invites/"+token+"/qr.png", nil) }
	t.Run("usable", func(t *testing.T) {
		r := qr(usable.Token)
		requireStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "image/png" {
			t.Fatalf("Content-Type = %q, want image/png", ct)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control = %q, want no-store (the image holds a secret link)", cc)
		}
		if got := decodeQR(t, r.Body); got != usable.URL {
			t.Fatalf("QR code holds %q, want the link's URL %q", got, usable.URL)
		}
	})
	cases := []struct {
		name, token string
		status      int
		code        string
	}{
		{"revoked", revoked.Token, http.StatusGone, "gone"},
		{"expired", expiring.Token, http.StatusGone, "gone"},
		{"used up", once.Token, http.StatusGone, "gone"},
		{"unknown", auth.NewToken(), http.StatusNotFound, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, qr(tc.token), tc.status, tc.code)
		})
	}
}

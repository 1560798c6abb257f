package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"testing"

	"cloud.google.com/go/firestore"
	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/auth"
)

func (e *env) refresh(token string) response {
	e.t.Helper()
	return e.call("POST", "/v1/token/refresh", map[string]string{"refreshToken": token})
}

// TestRefreshRotation is F10: a refresh token works once and rotates; its
// reuse revokes the whole session, so the newest tokens stop working too.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	e := start(t)
	s := e.ownerSession("acme", "kim@example.com")

	r := e.refresh(s.RefreshToken)
	requireStatus(t, r, http.StatusOK)
	var next session
	r.JSON(t, &next)
	if next.RefreshToken == s.RefreshToken || next.AccessToken == s.AccessToken || next.SessionID != s.SessionID || next.DeviceToken != "" {
		t.Fatalf("rotated session = %+v", next)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, next.bearer()...), http.StatusOK)

	// The old token again: 401, and the session is over for everyone.
	requireStatus(t, e.refresh(s.RefreshToken), http.StatusUnauthorized)
	requireStatus(t, e.refresh(next.RefreshToken), http.StatusUnauthorized)
	requireStatus(t, e.call("GET", "/v1/me", nil, next.bearer()...), http.StatusUnauthorized)
	if doc := e.doc("sessions/" + s.SessionID); doc["revokedWhy"] != "refresh_reuse" {
		t.Fatalf("session = %v", doc)
	}
	// Forged refresh tokens are 401 and revoke nothing.
	other := e.login("acme", "kim@example.com", s.DeviceToken)
	for _, bad := range []string{"x", other.SessionID + ".forged", other.SessionID + "."} {
		requireStatus(t, e.refresh(bad), http.StatusUnauthorized)
	}
	requireStatus(t, e.refresh(other.RefreshToken), http.StatusOK)
}

// TestAccessToken: access tokens are EdDSA JWTs verifiable with the JWKS,
// carrying account, workspace, session and device; they expire after 15
// minutes (the refresh token still works); every call checks the session
// state, so logout, member deletion and a workspace leaving `active` take
// effect at once.
func TestAccessToken(t *testing.T) {
	t.Parallel()
	e := start(t)
	s := e.ownerSession("acme", "kim@example.com")

	// Verify with the published key, like any client or service would.
	var set auth.JWKS
	e.call("GET", "/.well-known/jwks.json", nil).JSON(t, &set)
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(s.AccessToken, &claims, func(tok *jwt.Token) (any, error) {
		for _, k := range set.Keys {
			if k.Kid == tok.Header["kid"] {
				pub, err := k.PublicKey()
				return ed25519.PublicKey(pub), err
			}
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil || !tok.Valid {
		t.Fatalf("access token does not verify with the JWKS: %v", err)
	}
	if claims["sub"] != s.AccountID || claims["ws"] != "acme" || claims["sid"] != s.SessionID || claims["did"] != s.DeviceID {
		t.Fatalf("claims = %v", claims)
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if exp.Sub(iat.Time).Minutes() != 15 {
		t.Fatalf("access token lives %v", exp.Sub(iat.Time))
	}

	for _, h := range [][]string{nil, {"Authorization", "Bearer"}, {"Authorization", "Bearer x.y.z"}, {"Authorization", "Basic " + s.AccessToken}, {"Authorization", "Bearer " + s.AccessToken + "x"}} {
		r := e.call("GET", "/v1/me", nil, h...)
		if r.Status != http.StatusUnauthorized || r.Code(t) != "unauthenticated" {
			t.Fatalf("GET /v1/me with %v = %d %s", h, r.Status, r.Body)
		}
	}

	// Expiry: after 15 minutes the access token is refused; the refresh
	// token gives a new one.
	e.advance(15*60 + 31)
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized)
	r := e.refresh(s.RefreshToken)
	requireStatus(t, r, http.StatusOK)
	r.JSON(t, &s)
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusOK)

	// Logout ends the session at once: its access and refresh tokens stop.
	requireStatus(t, e.call("POST", "/v1/logout", nil, s.bearer()...), http.StatusNoContent)
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized)
	requireStatus(t, e.refresh(s.RefreshToken), http.StatusUnauthorized)
	requireStatus(t, e.call("POST", "/v1/logout", nil, s.bearer()...), http.StatusUnauthorized)

	// A member deleted, or a workspace withdrawn, stops the token at once.
	ctx := context.Background()
	for _, change := range []struct{ path, field, value string }{
		{"workspaces/acme/members/" + s.AccountID, "status", "deleted"},
		{"workspaces/acme", "status", "deleting"},
	} {
		s := e.login("acme", "kim@example.com", s.DeviceToken)
		requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusOK)
		if _, err := e.fs().Doc(change.path).Update(ctx, []firestore.Update{{Path: change.field, Value: change.value}}); err != nil {
			t.Fatal(err)
		}
		requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized)
		requireStatus(t, e.refresh(s.RefreshToken), http.StatusUnauthorized)
		if _, err := e.fs().Doc(change.path).Update(ctx, []firestore.Update{{Path: change.field, Value: "active"}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMePermissions: GET /v1/me reports the role and the permissions held,
// the super admin's implicit ones included.
func TestMePermissions(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@example.com")
	_ = owner
	// A second account becomes an admin of acme (roles are F15's; written
	// directly here).
	leeID := e.owned("lee", "lee@example.com")
	ctx := context.Background()
	cases := []struct {
		role  string
		perms []string
	}{
		{"admin", []string{"member_management"}},
		{"admin", []string{"admin_access", "member_management"}},
		{"member", []string{}},
	}
	if _, err := e.fs().Doc("workspaces/acme/members/"+leeID).Set(ctx, map[string]any{
		"accountId": leeID, "workspaceId": "acme", "name": "Lee", "email": "lee@example.com", "role": "member",
		"permissions": []string{}, "status": "active",
	}); err != nil {
		t.Fatal(err)
	}
	lee := e.login("acme", "lee@example.com", "")
	for _, tc := range cases {
		if _, err := e.fs().Doc("workspaces/acme/members/"+leeID).Update(ctx, []firestore.Update{{Path: "role", Value: tc.role}, {Path: "permissions", Value: tc.perms}}); err != nil {
			t.Fatal(err)
		}
		r := e.call("GET", "/v1/me", nil, lee.bearer()...)
		requireStatus(t, r, http.StatusOK)
		var me struct {
			Role        string   `json:"role"`
			Permissions []string `json:"permissions"`
		}
		r.JSON(t, &me)
		got, _ := json.Marshal(me)
		want, _ := json.Marshal(struct {
			Role        string   `json:"role"`
			Permissions []string `json:"permissions"`
		}{tc.role, tc.perms})
		if string(got) != string(want) {
			t.Fatalf("me = %s, want %s", got, want)
		}
	}
}

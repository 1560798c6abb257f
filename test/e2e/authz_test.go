package e2e

import (
	"context"
	"net/http"
	"testing"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/shared/domain"
)

// TestProfileAndSettingsAuthorization is the authorisation table of the
// profile, sharing, contact, workspace, room and super admin endpoints
// (F11–F18): every
// endpoint × every kind of caller → the status. Acme's plain member is the
// one whose profile, links and membership the rows aim at; the blocked
// external member is a member of another workspace who added them and whom
// they blocked.
func TestProfileAndSettingsAuthorization(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	ext := e.ownerSession("ext", "ext@example.com")
	for _, ws := range []string{"acme", "ext"} {
		if _, err := e.fs().Doc("workspaces/"+ws).Update(context.Background(), []firestore.Update{{Path: "externalChatAllowed", Value: true}}); err != nil {
			t.Fatal(err)
		}
	}
	member := c.member
	qr := e.azLink(member, domain.LinkQR)
	requireStatus(t, e.call("POST", "/v1/me/external-members", map[string]any{"profileLinkToken": qr}, ext.bearer()...), http.StatusCreated)
	requireStatus(t, e.call("POST", "/v1/me/blocks", map[string]any{"memberId": ext.AccountID}, member.bearer()...), http.StatusCreated)

	// The callers, in the order of each row's statuses. Which admin lacks
	// the permission and which holds it depends on the endpoint.
	const (
		anonymous = iota
		plain
		without
		with
		superAdmin
		outsider
		blocked
	)
	names := []string{"anonymous", "plain member", "admin without the permission", "admin with it", "super admin", "member of another workspace", "blocked external member"}
	admins := map[string][2]session{
		domain.PermAdminAccess:      {c.memberManagement, c.adminAccess},
		domain.PermMemberManagement: {c.adminAccess, c.memberManagement},
		"":                          {c.adminAccess, c.memberManagement}, // super admin only, or none needed
	}
	headers := func(perm string, who int) []string {
		switch who {
		case anonymous:
			return nil
		case plain:
			return member.bearer()
		case without:
			return admins[perm][0].bearer()
		case with:
			return admins[perm][1].bearer()
		case superAdmin:
			return c.owner.bearer()
		case outsider:
			return c.other.bearer()
		}
		return ext.bearer()
	}
	fields := map[string]any{"nickname": true, "title": true, "position": true, "mobile": false, "landline": true, "email": true, "workLocation": true, "birthday": false, "nameDisplay": "name"}
	// Rows that change something get a fresh target per caller.
	victims := make([]string, blocked+1)
	for i := range victims {
		victims[i] = e.joinByInvite(c.owner, "acme", "Victim", "victim"+string(rune('a'+i))+"@example.com")
	}
	roleTarget := e.joinByInvite(c.owner, "acme", "Role Target", "role@example.com")
	azRoom, noRoom := e.mustCreateRoom(member, groupRoom, "", c.owner.AccountID), domain.NewID()
	const (
		ok       = http.StatusOK
		created  = http.StatusCreated
		done     = http.StatusNoContent
		bad      = http.StatusBadRequest
		unauth   = http.StatusUnauthorized
		denied   = http.StatusForbidden
		notFound = http.StatusNotFound
	)
	rows := []struct {
		method string
		path   func(who int) string
		body   any
		perm   string
		want   [7]int
	}{
		// F15: the workspace and its members.
		{"GET", fixed("/v1/workspaces/acme"), nil, "", [7]int{unauth, ok, ok, ok, ok, denied, denied}},
		{"PATCH", fixed("/v1/workspaces/acme"), map[string]any{"name": "Acme"}, domain.PermAdminAccess, [7]int{unauth, denied, denied, ok, ok, denied, denied}},
		{"PUT", fixed("/v1/workspaces/acme/profile-fields"), fields, domain.PermAdminAccess, [7]int{unauth, denied, denied, ok, ok, denied, denied}},
		{"GET", fixed("/v1/workspaces/acme/members"), nil, "", [7]int{unauth, ok, ok, ok, ok, denied, denied}},
		{"DELETE", func(who int) string { return "/v1/workspaces/acme/members/" + victims[who] }, nil, domain.PermMemberManagement, [7]int{unauth, denied, denied, done, done, denied, denied}},
		{"PUT", fixed("/v1/workspaces/acme/members/" + roleTarget + "/role"), map[string]any{"role": "admin", "permissions": []string{}}, "", [7]int{unauth, denied, denied, denied, ok, denied, denied}},
		// F16–F18: the super admin's own endpoints. The super admin's call
		// is refused after authorisation (a malformed member ID, no
		// organisation link yet, a name that is not the workspace's), so
		// nothing changes. Operators' endpoints take the operator key, not
		// a member's token.
		{"POST", fixed("/v1/workspaces/acme/super-admin-delegations"), map[string]any{"toMemberId": "not an id!", "password": "x"}, "", [7]int{unauth, denied, denied, denied, bad, denied, denied}},
		{"GET", fixed("/v1/workspaces/acme/org-link"), nil, "", [7]int{unauth, denied, denied, denied, notFound, denied, denied}},
		{"PATCH", fixed("/v1/workspaces/acme/org-link"), map[string]any{"loginMethodName": "Acme SSO"}, "", [7]int{unauth, denied, denied, denied, notFound, denied, denied}},
		{"POST", fixed("/v1/workspaces/acme/withdrawal"), map[string]any{"password": "x", "confirmName": "not the name"}, "", [7]int{unauth, denied, denied, denied, bad, denied, denied}},
		{"PUT", fixed("/v1/operator/workspaces/acme/plan"), map[string]any{"plan": "standard"}, "", [7]int{unauth, unauth, unauth, unauth, unauth, unauth, unauth}},
		{"POST", fixed("/v1/operator/org-links/acme-org/approve"), nil, "", [7]int{unauth, unauth, unauth, unauth, unauth, unauth, unauth}},
		// F11: profiles.
		{"GET", fixed("/v1/me/profile"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"PATCH", fixed("/v1/me/profile"), map[string]any{"statusMessage": "hi"}, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"GET", fixed("/v1/members/" + member.AccountID + "/profile"), nil, "", [7]int{unauth, ok, ok, ok, ok, notFound, notFound}},
		// F12: profile links, as the plain member's.
		{"POST", fixed("/v1/me/profile-links"), map[string]any{"type": "one_time"}, "", [7]int{unauth, created, created, created, created, created, created}},
		{"GET", fixed("/v1/me/profile-links"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"DELETE", func(int) string { return "/v1/me/profile-links/" + e.azLinkID(member) }, nil, "", [7]int{unauth, done, notFound, notFound, notFound, notFound, notFound}},
		{"GET", fixed("/v1/profile-links/" + qr), nil, "", [7]int{unauth, ok, ok, ok, ok, http.StatusForbidden, notFound}},
		{"GET", fixed("/v1/profile-links/" + qr + "/qr.png"), nil, "", [7]int{ok, ok, ok, ok, ok, ok, ok}},
		{"GET", fixed("/p/" + qr), nil, "", [7]int{ok, ok, ok, ok, ok, ok, ok}},
		// F14: rooms (before the rows below unmake the blocked external
		// member's addition: here they are still a contact of the plain
		// member, so a room with them is refused as blocked). The plain
		// member and the super admin are the members of azRoom; the plain
		// member's own ID is dropped from a room with only them.
		{"GET", fixed("/v1/rooms/self"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"POST", fixed("/v1/rooms"), map[string]any{"type": "group", "memberIds": []string{member.AccountID}}, "", [7]int{unauth, bad, created, created, created, notFound, denied}},
		{"GET", fixed("/v1/rooms"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"POST", fixed("/v1/rooms/" + azRoom.RoomID + "/messages"), map[string]any{"text": "hi", "clientMessageId": "az"}, "", [7]int{unauth, created, denied, denied, created, denied, denied}},
		{"GET", fixed("/v1/rooms/" + azRoom.RoomID + "/messages"), nil, "", [7]int{unauth, ok, denied, denied, ok, denied, denied}},
		{"POST", fixed("/v1/rooms/" + azRoom.RoomID + "/read"), map[string]any{"seq": 0}, "", [7]int{unauth, done, denied, denied, done, denied, denied}},
		{"POST", fixed("/v1/rooms/" + noRoom + "/messages"), map[string]any{"text": "hi", "clientMessageId": "az"}, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, notFound}},
		{"GET", fixed("/v1/rooms/" + noRoom + "/messages"), nil, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, notFound}},
		{"POST", fixed("/v1/rooms/" + noRoom + "/read"), map[string]any{"seq": 0}, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, notFound}},
		{"GET", fixed("/v1/rooms/not-a-room/messages"), nil, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, notFound}},
		{"GET", fixed("/v1/members/" + member.AccountID + "/shared-rooms"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"PUT", fixed("/v1/me/notification-mute"), map[string]any{"minutes": 0}, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"GET", fixed("/v1/me/notification-mute"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		// F12: external members; F13: blocks (the blocked external member
		// may block back, and then unblock).
		{"POST", fixed("/v1/me/external-members"), map[string]any{"profileLinkToken": qr}, "", [7]int{unauth, bad, bad, bad, bad, http.StatusForbidden, notFound}},
		{"GET", fixed("/v1/me/external-members"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		{"POST", fixed("/v1/me/blocks"), map[string]any{"memberId": member.AccountID}, "", [7]int{unauth, bad, bad, bad, bad, notFound, created}},
		{"GET", fixed("/v1/me/blocks"), nil, "", [7]int{unauth, ok, ok, ok, ok, ok, ok}},
		// Blocking removed the blocked external member's own entry too.
		{"DELETE", fixed("/v1/me/external-members/" + member.AccountID), nil, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, notFound}},
		{"DELETE", fixed("/v1/me/blocks/" + member.AccountID), nil, "", [7]int{unauth, notFound, notFound, notFound, notFound, notFound, done}},
	}
	for _, row := range rows {
		for who, want := range row.want {
			path := row.path(who)
			t.Run(row.method+" "+path+" as "+names[who], func(t *testing.T) {
				r := e.call(row.method, path, row.body, headers(row.perm, who)...)
				if r.Status != want {
					t.Fatalf("= %d %s, want %d", r.Status, r.Body, want)
				}
			})
		}
	}
	// Only the two allowed deletions happened.
	for who, id := range victims {
		deleted := e.doc("workspaces/acme/members/" + id)["status"] == domain.MemberDeleted
		if deleted != (who == with || who == superAdmin) {
			t.Errorf("victim of %s: deleted = %v", names[who], deleted)
		}
	}
}

// fixed is a row path that is the same for every caller.
func fixed(path string) func(int) string { return func(int) string { return path } }

// azLink creates a profile link of s's and returns its token.
func (e *env) azLink(s session, linkType string) string {
	e.t.Helper()
	r := e.call("POST", "/v1/me/profile-links", map[string]any{"type": linkType}, s.bearer()...)
	requireStatus(e.t, r, http.StatusCreated)
	var l struct {
		Token string `json:"token"`
	}
	r.JSON(e.t, &l)
	return l.Token
}

// azLinkID creates a one-time profile link of s's and returns its ID.
func (e *env) azLinkID(s session) string {
	e.t.Helper()
	r := e.call("POST", "/v1/me/profile-links", map[string]any{"type": domain.LinkOneTime}, s.bearer()...)
	requireStatus(e.t, r, http.StatusCreated)
	var l struct {
		LinkID string `json:"linkId"`
	}
	r.JSON(e.t, &l)
	return l.LinkID
}

package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/workgate/workgate/shared/domain"
)

// TestMemberRoleTakesEffect: the super admin grants and removes the admin
// role and its permissions; the member's next call, on the session they
// already have, is judged by the new role.
func TestMemberRoleTakesEffect(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	id := c.member.AccountID
	rename := map[string]any{"name": "Renamed by Lee"}
	refused(t, e.patchWorkspace(c.member, "acme", rename), http.StatusForbidden, "forbidden")

	r := e.setRole(c.owner, "acme", id, map[string]any{"role": "admin", "permissions": []string{"admin_access"}})
	requireStatus(t, r, http.StatusOK)
	if want := fmt.Sprintf(`{"memberId":%q,"role":"admin","permissions":["admin_access"]}`+"\n", id); string(r.Body) != want {
		t.Fatalf("answer = %s, want %s", r.Body, want)
	}
	requireStatus(t, e.patchWorkspace(c.member, "acme", rename), http.StatusOK)
	me := e.call("GET", "/v1/me", nil, c.member.bearer()...)
	if !strings.Contains(string(me.Body), `"role":"admin","permissions":["admin_access"]`) {
		t.Fatalf("/v1/me after the grant = %s", me.Body)
	}
	if p := e.memberPage(c.member, "acme", nil); p.Members[0].Email != nil {
		t.Fatalf("admin_access shows e-mail addresses: %+v", p.Members[0])
	}

	// Permissions in any order come back, and are stored, in one order.
	r = e.setRole(c.owner, "acme", id, map[string]any{"role": "admin", "permissions": []string{"member_management", "admin_access"}})
	requireStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"permissions":["admin_access","member_management"]`) {
		t.Fatalf("answer = %s", r.Body)
	}
	if p := e.memberPage(c.member, "acme", nil); p.Members[0].Email == nil {
		t.Fatalf("member_management shows no e-mail addresses: %+v", p.Members[0])
	}

	// member_management alone: no settings.
	requireStatus(t, e.setRole(c.owner, "acme", id, map[string]any{"role": "admin", "permissions": []string{"member_management"}}), http.StatusOK)
	refused(t, e.patchWorkspace(c.member, "acme", rename), http.StatusForbidden, "forbidden")

	// An admin without permissions, then a member again.
	requireStatus(t, e.setRole(c.owner, "acme", id, map[string]any{"role": "admin", "permissions": []string{}}), http.StatusOK)
	refused(t, e.call("GET", "/v1/workspaces/acme/invite-links", nil, c.member.bearer()...), http.StatusForbidden, "forbidden")
	r = e.setRole(c.owner, "acme", id, map[string]any{"role": "member", "permissions": []string{}})
	requireStatus(t, r, http.StatusOK)
	if want := fmt.Sprintf(`{"memberId":%q,"role":"member","permissions":[]}`+"\n", id); string(r.Body) != want {
		t.Fatalf("answer = %s, want %s", r.Body, want)
	}
	refused(t, e.patchWorkspace(c.member, "acme", rename), http.StatusForbidden, "forbidden")
	m := e.doc("workspaces/acme/members/" + id)
	if m["role"] != domain.RoleMember || fmt.Sprint(m["permissions"]) != "[]" || m["status"] != domain.MemberActive {
		t.Fatalf("stored member = %v", m)
	}

	// An invited member may be given a role before they set their password.
	invited := e.registered(c.owner, "acme", "Choi Invited", "invited@example.com")
	requireStatus(t, e.setRole(c.owner, "acme", invited, map[string]any{"role": "admin", "permissions": []string{"admin_access"}}), http.StatusOK)
	if m := e.doc("workspaces/acme/members/" + invited); m["role"] != domain.RoleAdmin || m["status"] != domain.MemberInvited {
		t.Fatalf("invited member = %v", m)
	}
}

// TestMemberRoleRefusals: bad roles and permissions are 400, a member not
// in the workspace (or deleted) 404, the super admin's own role and any
// caller but the super admin 403; none writes anything.
func TestMemberRoleRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	e.grant("acme", c.adminAccess.AccountID, domain.PermAdminAccess, domain.PermMemberManagement)
	gone := e.registered(c.owner, "acme", "Gone", "gone@example.com")
	requireStatus(t, e.deleteMember(c.owner, "acme", gone), http.StatusNoContent)
	target := c.member.AccountID
	before := e.f15Snapshot()
	cases := []struct {
		name     string
		as       session
		memberID string
		body     any
		status   int
		code     string
	}{
		{"role super_admin", c.owner, target, `{"role":"super_admin","permissions":[]}`, 400, "invalid_request"},
		{"role capitalised", c.owner, target, `{"role":"Admin","permissions":[]}`, 400, "invalid_request"},
		{"role empty", c.owner, target, `{"role":"","permissions":[]}`, 400, "invalid_request"},
		{"role missing", c.owner, target, `{"permissions":[]}`, 400, "invalid_request"},
		{"permissions missing", c.owner, target, `{"role":"member"}`, 400, "invalid_request"},
		{"permissions null", c.owner, target, `{"role":"admin","permissions":null}`, 400, "invalid_request"},
		{"unknown permission", c.owner, target, `{"role":"admin","permissions":["delete_everything"]}`, 400, "invalid_request"},
		{"repeated permission", c.owner, target, `{"role":"admin","permissions":["admin_access","admin_access"]}`, 400, "invalid_request"},
		{"member with a permission", c.owner, target, `{"role":"member","permissions":["member_management"]}`, 400, "invalid_request"},
		{"permissions not a list", c.owner, target, `{"role":"admin","permissions":"admin_access"}`, 400, "invalid_request"},
		{"unknown field", c.owner, target, `{"role":"admin","permissions":[],"status":"active"}`, 400, "invalid_request"},
		{"unknown member", c.owner, domain.NewID(), `{"role":"admin","permissions":[]}`, 404, "not_found"},
		{"malformed member ID", c.owner, "not-an-id", `{"role":"admin","permissions":[]}`, 404, "not_found"},
		{"deleted member", c.owner, gone, `{"role":"admin","permissions":[]}`, 404, "not_found"},
		{"member of another workspace", c.owner, c.other.AccountID, `{"role":"admin","permissions":[]}`, 404, "not_found"},
		{"the super admin's own role", c.owner, c.owner.AccountID, `{"role":"admin","permissions":["admin_access"]}`, 403, "forbidden"},
		{"an admin with every permission", c.adminAccess, target, `{"role":"admin","permissions":[]}`, 403, "forbidden"},
		{"an admin on the super admin", c.adminAccess, c.owner.AccountID, `{"role":"member","permissions":[]}`, 403, "forbidden"},
		{"an admin on themselves", c.memberManagement, c.memberManagement.AccountID, `{"role":"admin","permissions":["admin_access","member_management"]}`, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.setRole(tc.as, "acme", tc.memberID, tc.body), tc.status, tc.code)
		})
	}
	if diff := cmp.Diff(before, e.f15Snapshot()); diff != "" {
		t.Fatalf("refused role changes wrote (-before +after):\n%s", diff)
	}
}

// TestMemberDeleteEndsSessions: an admin with member_management deletes a
// member: the membership is kept, marked deleted by whom and when; every
// session of the member in that workspace ends at once (access token and
// refresh token), the member is offline and no longer listed; their
// session in another workspace goes on.
func TestMemberDeleteEndsSessions(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	const email = "member@example.com"
	id := c.member.AccountID
	second := e.login("acme", email, c.member.DeviceToken)
	e.joinByInvite(c.other, "other", "Lee in Other", email)
	inOther := e.login("other", email, c.member.DeviceToken)
	if !e.exists("workspaces/acme/presence/" + id) {
		t.Fatal("the member was never online")
	}

	before := time.Now().UTC()
	r := e.deleteMember(c.memberManagement, "acme", id)
	requireStatus(t, r, http.StatusNoContent)
	if len(r.Body) != 0 {
		t.Fatalf("204 with a body: %s", r.Body)
	}
	for _, s := range []session{c.member, second} {
		refused(t, e.call("GET", "/v1/workspaces/acme", nil, s.bearer()...), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.refresh(s.RefreshToken), http.StatusUnauthorized, "unauthenticated")
		doc := e.doc("sessions/" + s.SessionID)
		if at, ok := doc["revokedAt"].(time.Time); !ok || at.Before(before.Add(-time.Minute)) || doc["revokedWhy"] != domain.RevokedMember {
			t.Fatalf("session after deletion = %v", doc)
		}
	}
	m := e.doc("workspaces/acme/members/" + id)
	if at, ok := m["deletedAt"].(time.Time); m["status"] != domain.MemberDeleted || !ok || at.IsZero() ||
		m["deletedBy"] != c.memberManagement.AccountID || m["email"] != email || m["name"] != "Lee member" {
		t.Fatalf("deleted member = %v", m)
	}
	if e.exists("workspaces/acme/presence/" + id) {
		t.Fatal("the deleted member is still online")
	}
	for _, l := range e.memberPage(c.owner, "acme", nil).Members {
		if l.MemberID == id {
			t.Fatalf("the deleted member is listed: %+v", l)
		}
	}
	// Their membership of another workspace is untouched.
	requireStatus(t, e.call("GET", "/v1/workspaces/other", nil, inOther.bearer()...), http.StatusOK)
	if doc := e.doc("sessions/" + inOther.SessionID); doc["revokedWhy"] != "" {
		t.Fatalf("the session in the other workspace = %v", doc)
	}
	// Logging in to acme again is refused; deleting again finds no one.
	refused(t, e.passwordLogin(e.ticket(email), "acme", email, testPassword, c.member.DeviceToken), http.StatusForbidden, "forbidden")
	refused(t, e.deleteMember(c.owner, "acme", id), http.StatusNotFound, "not_found")
}

// TestMemberDeleteThenJoinAgain: a deleted member can be registered again
// (F3) or invited again (F2) and log in; the sessions they had before the
// deletion stay ended.
func TestMemberDeleteThenJoinAgain(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	for _, old := range []session{c.member, c.adminAccess} {
		requireStatus(t, e.deleteMember(c.owner, "acme", old.AccountID), http.StatusNoContent)
	}

	// Registered again by an admin: a fresh, invited membership.
	r := e.register(c.memberManagement, "acme", map[string]string{"email": "member@example.com", "name": "Lee Again", "department": "R&D"})
	requireStatus(t, r, http.StatusCreated)
	m := e.doc("workspaces/acme/members/" + c.member.AccountID)
	if m["status"] != domain.MemberInvited || m["name"] != "Lee Again" || m["role"] != domain.RoleMember || m["deletedAt"] != nil || m["deletedBy"] != nil {
		t.Fatalf("registered again = %v", m)
	}
	requireStatus(t, e.setPassword(e.setupToken("member@example.com", 1), testPassword), http.StatusOK)
	again := e.login("acme", "member@example.com", c.member.DeviceToken)
	requireStatus(t, e.call("GET", "/v1/workspaces/acme", nil, again.bearer()...), http.StatusOK)

	// Invited again through a link: an active member once more, as a
	// plain member (the admin role it had is not restored).
	e.joinByInvite(c.owner, "acme", "Lee Back", "admin-access@example.com")
	back := e.login("acme", "admin-access@example.com", c.adminAccess.DeviceToken)
	requireStatus(t, e.call("GET", "/v1/workspaces/acme", nil, back.bearer()...), http.StatusOK)
	refused(t, e.patchWorkspace(back, "acme", map[string]any{"name": "Back"}), http.StatusForbidden, "forbidden")

	// The sessions from before the deletion did not come back with the
	// membership.
	for _, old := range []session{c.member, c.adminAccess} {
		refused(t, e.call("GET", "/v1/workspaces/acme", nil, old.bearer()...), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.refresh(old.RefreshToken), http.StatusUnauthorized, "unauthenticated")
	}
}

// TestMemberDeleteRefusals: the super admin cannot be deleted, nobody
// deletes themselves, a member not in the workspace is 404; none writes.
func TestMemberDeleteRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	before := e.f15Snapshot()
	cases := []struct {
		name     string
		as       session
		memberID string
		status   int
		code     string
	}{
		{"the super admin", c.memberManagement, c.owner.AccountID, 403, "forbidden"},
		{"the super admin themselves", c.owner, c.owner.AccountID, 403, "forbidden"},
		{"an admin themselves", c.memberManagement, c.memberManagement.AccountID, 403, "forbidden"},
		{"unknown member", c.owner, domain.NewID(), 404, "not_found"},
		{"malformed member ID", c.owner, "..x", 404, "not_found"},
		{"member of another workspace", c.owner, c.other.AccountID, 404, "not_found"},
		{"without member_management", c.adminAccess, c.member.AccountID, 403, "forbidden"},
		{"a plain member", c.member, c.adminAccess.AccountID, 403, "forbidden"},
		{"a plain member themselves", c.member, c.member.AccountID, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.deleteMember(tc.as, "acme", tc.memberID), tc.status, tc.code)
		})
	}
	if diff := cmp.Diff(before, e.f15Snapshot()); diff != "" {
		t.Fatalf("refused deletions wrote (-before +after):\n%s", diff)
	}
	for _, s := range []session{c.owner, c.memberManagement, c.member} {
		requireStatus(t, e.call("GET", "/v1/workspaces/acme", nil, s.bearer()...), http.StatusOK)
	}
}

// TestMemberListEmails: any member lists the active and invited members by
// name (never the deleted); e-mail addresses only for the super admin and
// admins with member_management.
func TestMemberListEmails(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	r := e.register(c.owner, "acme", map[string]string{"email": "choi@example.com", "name": "Choi Invited", "department": "Sales"})
	requireStatus(t, r, http.StatusCreated)
	var choi struct {
		MemberID string `json:"memberId"`
	}
	r.JSON(t, &choi)
	gone := e.registered(c.owner, "acme", "Aaron Gone", "gone@example.com")
	requireStatus(t, e.deleteMember(c.owner, "acme", gone), http.StatusNoContent)

	want := []listedMember{
		{MemberID: choi.MemberID, Name: "Choi Invited", Department: "Sales", Role: "member", Status: "invited"},
		{MemberID: c.owner.AccountID, Name: "Kim Workgate", Role: "super_admin", Status: "active"},
		{MemberID: c.adminAccess.AccountID, Name: "Lee admin-access", Role: "admin", Status: "active"},
		{MemberID: c.member.AccountID, Name: "Lee member", Role: "member", Status: "active"},
		{MemberID: c.memberManagement.AccountID, Name: "Lee member-mgmt", Role: "admin", Status: "active"},
	}
	emails := []string{"choi@example.com", "owner@example.com", "admin-access@example.com", "member@example.com", "member-mgmt@example.com"}
	cases := []struct {
		name   string
		as     session
		emails bool
	}{
		{"plain member", c.member, false},
		{"admin with admin_access", c.adminAccess, false},
		{"admin with member_management", c.memberManagement, true},
		{"super admin", c.owner, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.listMembers(tc.as, "acme", nil)
			requireStatus(t, r, http.StatusOK)
			if shown := bytes.Contains(r.Body, []byte(`"email"`)); shown != tc.emails {
				t.Fatalf("e-mail addresses shown: %v, want %v: %s", shown, tc.emails, r.Body)
			}
			var p memberPage
			r.JSON(t, &p)
			if p.NextPageToken != nil {
				t.Fatalf("one page, yet a next page token %q", *p.NextPageToken)
			}
			exp := slices.Clone(want)
			for i := range exp {
				if tc.emails {
					exp[i].Email = &emails[i]
				}
			}
			if diff := cmp.Diff(exp, p.Members); diff != "" {
				t.Fatalf("members (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMemberListSearch: a plain member finds members by any part of their
// name, whatever its case and spacing, but not by their e-mail address; a
// caller who sees addresses also finds members by how their address
// starts. A search pages like the whole list.
func TestMemberListSearch(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	for _, m := range [][2]string{
		{"Park Minsu", "zeta.park@example.com"},
		{"Minsu Kang", "kang@example.com"},
		{"김민수", "kms@example.com"},
		{"Jung Hana", "minsu.fan@example.com"},
	} {
		e.registered(c.owner, "acme", m[0], m[1])
	}
	search := func(s session, q string) []string {
		t.Helper()
		return memberNames(e.memberPage(s, "acme", url.Values{"q": {q}}).Members)
	}
	cases := []struct {
		q           string
		plain, mgmt []string
	}{
		{"minsu", []string{"Minsu Kang", "Park Minsu"}, []string{"Jung Hana", "Minsu Kang", "Park Minsu"}},
		{"  MIN  ", []string{"Lee admin-access", "Minsu Kang", "Park Minsu"}, []string{"Jung Hana", "Lee admin-access", "Minsu Kang", "Park Minsu"}},
		{"park  minsu", []string{"Park Minsu"}, []string{"Park Minsu"}},
		{"민수", []string{"김민수"}, []string{"김민수"}},
		{"zeta", nil, []string{"Park Minsu"}},
		{"zeta.park@", nil, []string{"Park Minsu"}},
		{"kms@example.com", nil, []string{"김민수"}},
		{"example.com", nil, nil}, // addresses match by how they start only
		{"lee", []string{"Lee admin-access", "Lee member", "Lee member-mgmt"}, []string{"Lee admin-access", "Lee member", "Lee member-mgmt"}},
		{"nobody", nil, nil},
		{"", nil, nil}, // the whole list, below
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			if tc.q == "" {
				if n := len(search(c.member, "")); n != 8 {
					t.Fatalf("no search lists %d members, want 8", n)
				}
				return
			}
			for _, who := range []struct {
				s    session
				want []string
			}{{c.member, tc.plain}, {c.memberManagement, tc.mgmt}, {c.owner, tc.mgmt}} {
				got := search(who.s, tc.q)
				if diff := cmp.Diff(who.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("as %s (-want +got):\n%s", who.s.AccountID, diff)
				}
			}
		})
	}
	got, pages := e.allMembers(c.memberManagement, "acme", "minsu", 1)
	if diff := cmp.Diff([]string{"Jung Hana", "Minsu Kang", "Park Minsu"}, memberNames(got)); diff != "" || pages != 3 {
		t.Fatalf("search paged by 1 in %d pages (-want +got):\n%s", pages, diff)
	}
}

// TestMemberListRefusals: a bad page size, page token or search text is
// 400.
func TestMemberListRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, query string
	}{
		{"page size 0", "pageSize=0"},
		{"negative page size", "pageSize=-5"},
		{"page size not a number", "pageSize=ten"},
		{"fractional page size", "pageSize=1.5"},
		{"page size with exponent", "pageSize=1e2"},
		{"token not base64", "pageToken=" + url.QueryEscape("not base64!")},
		{"token of text", "pageToken=" + b64("hello")},
		{"token of an object", "pageToken=" + b64(`{"sortKey":"a","id":"b"}`)},
		{"token of one part", "pageToken=" + b64(`["kim"]`)},
		{"token of three parts", "pageToken=" + b64(`["kim","`+domain.NewID()+`","x"]`)},
		{"token with a bad ID", "pageToken=" + b64(`["kim","../../accounts/x"]`)},
		{"token too long", "pageToken=" + b64(`["`+strings.Repeat("k", 2000)+`","`+domain.NewID()+`"]`)},
		{"search not UTF-8", "q=%FF%FE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("GET", "/v1/workspaces/acme/members?"+tc.query, nil, owner.bearer()...)
			refused(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
	// A well-formed token resumes after the position it names.
	tok := b64(`["kim workgate","` + strings.Repeat("f", 32) + `"]`)
	if p := e.memberPage(owner, "acme", url.Values{"pageToken": {tok}}); len(p.Members) != 0 || p.NextPageToken != nil {
		t.Fatalf("after the last member = %+v", p)
	}
}

// TestMemberListPaging1000: a workspace of 1,000 members (and some
// deleted) pages through whole, in sort-key order then ID, each member
// exactly once, by 100 and by 37; a page size above 100 is 100, none is
// 50; a search pages the same way.
func TestMemberListPaging1000(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("big", "owner@big.example")
	families := []string{"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "김", "이", "박"}
	givens := []string{"Minsu", "Jiwoo", "Seoyeon", "Hana", "Jisoo", "Minjun", "서연", "민준", "지우"}
	now := e.s.Deps.Clock.Now()
	var seeded []*domain.Member
	for i := range 999 + 20 {
		name := families[i%len(families)] + " " + givens[(i/len(families))%len(givens)]
		if i%7 == 0 {
			name = strings.ToUpper(name) // the same sort key: ties broken by ID
		}
		m := &domain.Member{
			AccountID: domain.NewID(), WorkspaceID: "big", Name: name, Email: fmt.Sprintf("m%04d@big.example", i),
			Department: fmt.Sprintf("Team %d", i%5), Role: domain.RoleMember, Permissions: []string{},
			Status: domain.MemberActive, JoinedAt: now,
		}
		switch {
		case i >= 999:
			m.Status, m.DeletedAt, m.DeletedBy = domain.MemberDeleted, now, owner.AccountID
		case i%10 == 3:
			m.Status = domain.MemberInvited
		}
		seeded = append(seeded, m)
	}
	e.seedMembers(seeded)

	// What the list must be: the owner and every member not deleted, by
	// sort key, then ID.
	ownerDoc := e.doc("workspaces/big/members/" + owner.AccountID)
	type entry struct{ key, id, name string }
	all := []entry{{ownerDoc["sortKey"].(string), owner.AccountID, "Kim Workgate"}}
	for _, m := range seeded {
		if m.Status != domain.MemberDeleted {
			all = append(all, entry{m.SortKey, m.AccountID, m.Name})
		}
	}
	slices.SortFunc(all, func(a, b entry) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	if len(all) != 1000 {
		t.Fatalf("%d members to list, want 1000", len(all))
	}
	wantIDs := make([]string, len(all))
	for i, m := range all {
		wantIDs[i] = m.id
	}

	for _, size := range []int{100, 37} {
		got, pages := e.allMembers(owner, "big", "", size)
		ids := make([]string, len(got))
		seen := map[string]bool{}
		for i, m := range got {
			ids[i] = m.MemberID
			if seen[m.MemberID] {
				t.Errorf("by %d: %s listed twice", size, m.MemberID)
			}
			seen[m.MemberID] = true
			if m.Email == nil || m.Status == domain.MemberDeleted {
				t.Errorf("by %d: %+v", size, m)
			}
		}
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Fatalf("by %d: order (-want +got):\n%s", size, diff)
		}
		if want := (1000 + size - 1) / size; pages != want {
			t.Errorf("by %d: %d pages, want %d", size, pages, want)
		}
	}
	if p := e.memberPage(owner, "big", url.Values{"pageSize": {"500"}}); len(p.Members) != 100 || p.NextPageToken == nil {
		t.Fatalf("page size 500: %d members, next %v", len(p.Members), p.NextPageToken)
	}
	if p := e.memberPage(owner, "big", nil); len(p.Members) != 50 || p.NextPageToken == nil {
		t.Fatalf("default page: %d members, next %v", len(p.Members), p.NextPageToken)
	}

	// A search: every member whose name holds "minsu" (case aside), in
	// order, by 7.
	var wantFound []string
	for _, m := range all {
		if strings.Contains(m.key, "minsu") {
			wantFound = append(wantFound, m.id)
		}
	}
	found, _ := e.allMembers(owner, "big", "MinSu", 7)
	ids := make([]string, len(found))
	for i, m := range found {
		ids[i] = m.MemberID
	}
	if diff := cmp.Diff(wantFound, ids); diff != "" || len(wantFound) < 50 {
		t.Fatalf("search for minsu: %d wanted (-want +got):\n%s", len(wantFound), diff)
	}
}

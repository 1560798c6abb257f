package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
)

// TestF16DelegationFlow is F16 from end to end: the super admin offers the
// role to a member; the mailed link opens a page naming the workspace and
// the offerer (opening it consumes nothing); a wrong password shows the
// form again; the right one hands the role over in one commit. The new
// super admin can do super-admin-only things at once, the former keeps
// both admin permissions, the old recovery key is void and both are mailed.
func TestF16DelegationFlow(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	lee := e.colleague(owner, "lee")
	const leeMail = "lee@acme.example"
	oldKey := e.f9NewKey(owner, "acme")
	refused(t, e.f9CreateKey(lee, "acme", testPassword), http.StatusForbidden, "forbidden")

	r := e.f16Offer(owner, "acme", lee.AccountID, testPassword)
	requireStatus(t, r, http.StatusAccepted)
	var sent f16Sent
	r.JSON(t, &sent)
	token := e.f16Token(leeMail, 1)
	mailText := e.f16OfferMails(leeMail)[0].Text
	if !strings.Contains(mailText, "Kim Workgate") || !strings.Contains(mailText, "Acme acme") {
		t.Fatalf("delegation mail names neither the offerer nor the workspace:\n%s", mailText)
	}

	// The stored delegation: the token only as its hash, 24 hours.
	d := e.doc(f16Doc(token))
	created, _ := d["createdAt"].(time.Time)
	expires, _ := d["expiresAt"].(time.Time)
	purge, _ := d["purgeAt"].(time.Time)
	want := map[string]any{
		"tokenHash": auth.HashToken(token), "workspaceId": "acme", "fromAccountId": owner.AccountID, "fromName": "Kim Workgate",
		"toAccountId": lee.AccountID, "createdAt": created, "expiresAt": expires, "usedAt": time.Time{}, "purgeAt": purge,
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Fatalf("stored delegation (-want +got):\n%s", diff)
	}
	if expires.Sub(created) != 24*time.Hour || purge.Sub(expires) != 24*time.Hour || !sent.ExpiresAt.Equal(expires) || sent.Status != "sent" {
		t.Fatalf("delegation created %v expires %v purged %v; answered %+v", created, expires, purge, sent)
	}
	if got := e.doc("workspaces/acme")["delegation"]; got != auth.HashToken(token) {
		t.Fatalf("workspace delegation = %v", got)
	}
	for path, data := range e.contents() {
		if strings.Contains(fmt.Sprint(data), token) {
			t.Fatalf("document %s holds the token", path)
		}
	}

	// The page, Korean by default and English on request, consumes nothing.
	page := e.call("GET", "/delegation/"+token, nil)
	requireHTML(t, page, http.StatusOK)
	for _, want := range []string{"슈퍼 관리자 위임", "Kim Workgate", "Acme acme", `<form method="post" action="/delegation/` + token + `"`, `name="password" type="password" autocomplete="current-password" required`} {
		if !strings.Contains(string(page.Body), want) {
			t.Fatalf("page lacks %q:\n%s", want, page.Body)
		}
	}
	page = e.call("GET", "/delegation/"+token, nil, "Accept-Language", "en")
	if !strings.Contains(string(page.Body), "Become super admin") || !strings.Contains(string(page.Body), "Kim Workgate offers you the super admin role") {
		t.Fatalf("English page:\n%s", page.Body)
	}
	if got := e.doc(f16Doc(token)); !cmp.Equal(got, d) {
		t.Fatalf("opening the page changed the delegation: %v", got)
	}

	// A wrong password: the form again, nothing handed over.
	r = e.call("POST", "/delegation/"+token, url.Values{"password": {"wrong password!"}}, "Accept-Language", "en")
	requireHTML(t, r, http.StatusUnauthorized)
	if !strings.Contains(string(r.Body), "The password is not right") || !strings.Contains(string(r.Body), `action="/delegation/`+token+`"`) {
		t.Fatalf("wrong password page:\n%s", r.Body)
	}
	if got := e.doc("workspaces/acme")["superAdminId"]; got != owner.AccountID {
		t.Fatalf("superAdminId %v after a wrong password", got)
	}

	r = e.resultPage(t, e.call("POST", "/delegation/"+token, url.Values{"password": {testPassword}}, "Accept-Language", "en"), "/delegation/done", "Accept-Language", "en")
	if !strings.Contains(string(r.Body), "You are now the super admin") {
		t.Fatalf("success page:\n%s", r.Body)
	}
	// The used link says the offer was accepted, not to ask the super admin.
	for _, method := range []string{"GET", "POST"} {
		r := e.call(method, "/delegation/"+token, url.Values{"password": {testPassword}}, "Accept-Language", "en")
		requireHTML(t, r, http.StatusGone)
		if body := string(r.Body); !strings.Contains(body, "already accepted") || strings.Contains(body, "Ask the super admin") {
			t.Fatalf("%s of the used link:\n%s", method, body)
		}
	}

	// One commit changed all of it.
	ws := e.doc("workspaces/acme")
	if _, has := ws["delegation"]; has || ws["superAdminId"] != lee.AccountID {
		t.Fatalf("workspace after acceptance = %v", ws)
	}
	if used, _ := e.doc(f16Doc(token))["usedAt"].(time.Time); used.IsZero() {
		t.Fatal("the delegation is not marked used")
	}
	wantRoles := map[string]string{lee.AccountID: "super_admin[]", owner.AccountID: "admin[admin_access,member_management]"}
	if diff := cmp.Diff(wantRoles, e.f16Roles("acme", lee.AccountID, owner.AccountID)); diff != "" {
		t.Fatalf("roles (-want +got):\n%s", diff)
	}
	if e.exists("recoveryKeys/acme") {
		t.Fatal("the recovery key outlived the delegation")
	}
	requireHTML(t, e.call("GET", "/delegation/"+token, nil), http.StatusGone)
	refused(t, e.f16Accept(token, testPassword), http.StatusGone, "gone")

	// The old recovery key no longer logs the new super admin in, nor the
	// former, who is no super admin at all.
	refused(t, e.f9Recover("acme", leeMail, testPassword, oldKey), http.StatusUnauthorized, "invalid_credentials")
	refused(t, e.f9Recover("acme", kim, testPassword, oldKey), http.StatusUnauthorized, "invalid_credentials")

	// The sessions they hold act in their new roles at once.
	e.f9NewKey(lee, "acme")
	refused(t, e.f9CreateKey(owner, "acme", testPassword), http.StatusForbidden, "forbidden")
	refused(t, e.f16Offer(owner, "acme", lee.AccountID, testPassword), http.StatusForbidden, "forbidden")
	e.newInviteLink(owner, "acme", map[string]any{})
	if p := e.memberPage(owner, "acme", nil); len(p.Members) != 2 || p.Members[0].Email == nil {
		t.Fatalf("member list of the former super admin = %+v", p.Members)
	}
	if got := workspaceJSON(t, e.call("GET", "/v1/workspaces/acme", nil, owner.bearer()...))["superAdminId"]; got != lee.AccountID {
		t.Fatalf("GET workspace superAdminId = %v", got)
	}

	// Each is told once; the member got one delegation mail.
	e.settle()
	for _, to := range []string{kim, leeMail} {
		ms := e.f16ChangedMails(to)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "Kim Workgate") || !strings.Contains(ms[0].Text, "Lee lee") {
			t.Fatalf("%d role-changed mails to %s: %+v", len(ms), to, ms)
		}
	}
	if n := len(e.f16OfferMails(leeMail)); n != 1 {
		t.Fatalf("%d delegation mails, want 1", n)
	}
}

// TestF16DelegationOfferRefusals: only the super admin offers, to an
// active member of the workspace other than themselves, with their
// password; every refusal writes nothing and mails no one.
func TestF16DelegationOfferRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	e.grant("acme", c.adminAccess.AccountID, domain.PermAdminAccess, domain.PermMemberManagement)
	invited := e.registered(c.owner, "acme", "Choi Invited", "invited@example.com")
	gone := e.joinByInvite(c.owner, "acme", "Jung Deleted", "deleted@example.com")
	requireStatus(t, e.deleteMember(c.owner, "acme", gone), http.StatusNoContent)
	to := c.member.AccountID
	offer := func(s session, ws, id, password string) func() response {
		return func() response { return e.f16Offer(s, ws, id, password) }
	}
	e.refusals(t, []refusal{
		{name: "anonymous", call: func() response {
			return e.call("POST", "/v1/workspaces/acme/super-admin-delegations", map[string]string{"toMemberId": to, "password": testPassword})
		}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "plain member", call: offer(c.member, "acme", c.adminAccess.AccountID, testPassword), status: http.StatusForbidden, code: "forbidden"},
		{name: "admin with every permission", call: offer(c.adminAccess, "acme", to, testPassword), status: http.StatusForbidden, code: "forbidden"},
		{name: "member_management admin", call: offer(c.memberManagement, "acme", to, testPassword), status: http.StatusForbidden, code: "forbidden"},
		{name: "other workspace's super admin", call: offer(c.other, "acme", to, testPassword), status: http.StatusForbidden, code: "forbidden"},
		{name: "self", call: offer(c.owner, "acme", c.owner.AccountID, testPassword), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "not an ID", call: offer(c.owner, "acme", "Lee member", testPassword), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "no member ID", call: offer(c.owner, "acme", "", testPassword), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "unknown member", call: offer(c.owner, "acme", domain.NewID(), testPassword), status: http.StatusNotFound, code: "not_found"},
		{name: "invited member", call: offer(c.owner, "acme", invited, testPassword), status: http.StatusNotFound, code: "not_found"},
		{name: "deleted member", call: offer(c.owner, "acme", gone, testPassword), status: http.StatusNotFound, code: "not_found"},
		{name: "member of another workspace", call: offer(c.owner, "acme", c.other.AccountID, testPassword), status: http.StatusNotFound, code: "not_found"},
		{name: "no password", call: offer(c.owner, "acme", to, ""), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "unknown field", call: func() response {
			return e.call("POST", "/v1/workspaces/acme/super-admin-delegations", map[string]string{"toMemberId": to, "password": testPassword, "role": "x"}, c.owner.bearer()...)
		}, status: http.StatusBadRequest, code: "invalid_request"},
	})

	// A wrong password counts an attempt (F7) and does nothing else.
	before := e.contents()
	p := refused(t, e.f16Offer(c.owner, "acme", to, "wrong password!"), http.StatusUnauthorized, "invalid_credentials")
	if p.Remaining == nil || *p.Remaining != 9 {
		t.Fatalf("remainingAttempts %v, want 9", p.Remaining)
	}
	e.f16WroteOnlyCounters(before)
	e.settle()
	for _, addr := range []string{"member@example.com", "invited@example.com", "deleted@example.com", "other@example.com", "owner@example.com"} {
		if n := len(e.f16OfferMails(addr)); n != 0 {
			t.Fatalf("%d delegation mails to %s after refusals", n, addr)
		}
	}
	if _, has := e.doc("workspaces/acme")["delegation"]; has || len(e.docIDs("superAdminDelegations")) != 0 {
		t.Fatal("a refused offer stored a delegation")
	}

	// The right password (which resets the count) to an active member.
	e.f16MustOffer(c.owner, "acme", to, "member@example.com")
	if n := len(e.docIDs("superAdminDelegations")); n != 1 {
		t.Fatalf("%d delegations stored, want 1", n)
	}
}

// TestF16DelegationAcceptRefusals: a link is refused (410, nothing
// written) when unknown, used, superseded by a newer offer, expired, when
// its offerer is no longer the super admin, its member no longer active or
// the workspace not active; the member's own password is judged under
// their lockout; of concurrent acceptances exactly one succeeds.
func TestF16DelegationAcceptRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim, leeMail, parkMail = "kim@example.com", "lee@acme.example", "park@acme.example"
	owner := e.ownerSession("acme", kim)
	lee := e.colleague(owner, "lee")
	park := e.colleague(owner, "park")

	e.step(t, "unknown or malformed token", func(t *testing.T) {
		e.settle()
		before := e.contents()
		refused(t, e.f16Accept(auth.NewToken(), testPassword), http.StatusGone, "gone")
		refused(t, e.f16Accept(strings.Repeat("x", 200), testPassword), http.StatusGone, "gone")
		refused(t, e.f16Accept("", testPassword), http.StatusBadRequest, "invalid_request")
		requireHTML(t, e.call("GET", "/delegation/"+auth.NewToken(), nil), http.StatusGone)
		requireHTML(t, e.call("POST", "/delegation/"+auth.NewToken(), url.Values{"password": {testPassword}}), http.StatusGone)
		e.wroteNothing(before)
	})

	// Wrong passwords of the member count toward their lockout (F7),
	// shared with their login; the link stays as it was.
	tPark := e.f16MustOffer(owner, "acme", park.AccountID, parkMail)
	e.step(t, "lockout", func(t *testing.T) {
		for i := range 10 {
			p := refused(t, e.f16Accept(tPark, "wrong password!"), http.StatusUnauthorized, "invalid_credentials")
			if p.Remaining == nil || *p.Remaining != 9-i {
				t.Fatalf("wrong password %d: remainingAttempts %v, want %d", i+1, p.Remaining, 9-i)
			}
		}
		refused(t, e.f16Accept(tPark, testPassword), http.StatusLocked, "locked")
		requireHTML(t, e.call("POST", "/delegation/"+tPark, url.Values{"password": {testPassword}}), http.StatusLocked)
		refused(t, e.passwordLogin(e.ticket(parkMail), "acme", parkMail, testPassword, park.DeviceToken), http.StatusLocked, "locked")
		if used, _ := e.doc(f16Doc(tPark))["usedAt"].(time.Time); !used.IsZero() || e.doc("workspaces/acme")["superAdminId"] != owner.AccountID {
			t.Fatal("a refused acceptance handed the role over")
		}
		e.settle()
		if n := e.lockMails(parkMail); n != 1 {
			t.Fatalf("%d lock mails, want 1", n)
		}
	})

	// A newer offer voids the older links, the locked one included; the
	// newer works, once, however many tabs accept it at once.
	t1 := e.f16MustOffer(owner, "acme", lee.AccountID, leeMail)
	t2 := e.f16MustOffer(owner, "acme", lee.AccountID, leeMail)
	e.step(t, "superseded", func(t *testing.T) {
		e.settle()
		before := e.contents()
		refused(t, e.f16Accept(t1, testPassword), http.StatusGone, "gone")
		refused(t, e.f16Accept(tPark, testPassword), http.StatusGone, "gone")
		requireHTML(t, e.call("GET", "/delegation/"+t1, nil), http.StatusGone)
		e.wroteNothing(before)
		requireHTML(t, e.call("GET", "/delegation/"+t2, nil), http.StatusOK)
	})
	e.step(t, "concurrent acceptances", func(t *testing.T) {
		statuses, count := race(4, func(int) int { return e.f16Accept(t2, testPassword).Status })
		if count[http.StatusOK] != 1 || count[http.StatusGone] != 3 {
			t.Fatalf("4 concurrent acceptances answered %v, want one 200 and 410s", statuses)
		}
		wantRoles := map[string]string{lee.AccountID: "super_admin[]", owner.AccountID: "admin[admin_access,member_management]", park.AccountID: "member[]"}
		if diff := cmp.Diff(wantRoles, e.f16Roles("acme", lee.AccountID, owner.AccountID, park.AccountID)); diff != "" {
			t.Fatalf("roles (-want +got):\n%s", diff)
		}
		if got := e.doc("workspaces/acme")["superAdminId"]; got != lee.AccountID {
			t.Fatalf("superAdminId = %v", got)
		}
		e.settle()
		for _, to := range []string{kim, leeMail} {
			if n := len(e.f16ChangedMails(to)); n != 1 {
				t.Fatalf("%d role-changed mails to %s, want 1", n, to)
			}
		}
	})
	e.step(t, "used", func(t *testing.T) {
		e.settle()
		before := e.contents()
		refused(t, e.f16Accept(t2, testPassword), http.StatusGone, "gone")
		requireHTML(t, e.call("GET", "/delegation/"+t2, nil), http.StatusGone)
		requireHTML(t, e.call("POST", "/delegation/"+t2, url.Values{"password": {testPassword}}), http.StatusGone)
		e.wroteNothing(before)
	})

	// The new super admin offers the role to a member who is then deleted.
	tGone := e.f16MustOffer(lee, "acme", park.AccountID, parkMail)
	e.step(t, "member no longer active", func(t *testing.T) {
		requireStatus(t, e.deleteMember(lee, "acme", park.AccountID), http.StatusNoContent)
		refused(t, e.f16Accept(tGone, testPassword), http.StatusGone, "gone")
	})

	// The offerer no longer the super admin, or the workspace not active
	// (written directly: no API path leaves a delegation standing then);
	// restored, the link works again, until it expires.
	t3 := e.f16MustOffer(lee, "acme", owner.AccountID, kim)
	e.step(t, "offerer no longer super admin", func(t *testing.T) {
		e.updateDoc("workspaces/acme", firestore.Update{Path: "superAdminId", Value: owner.AccountID})
		refused(t, e.f16Accept(t3, testPassword), http.StatusGone, "gone")
		requireHTML(t, e.call("GET", "/delegation/"+t3, nil), http.StatusGone)
		e.updateDoc("workspaces/acme", firestore.Update{Path: "superAdminId", Value: lee.AccountID})
		requireHTML(t, e.call("GET", "/delegation/"+t3, nil), http.StatusOK)
	})
	e.step(t, "workspace not active", func(t *testing.T) {
		e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceDeleting})
		refused(t, e.f16Accept(t3, testPassword), http.StatusGone, "gone")
		e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceActive})
		requireHTML(t, e.call("GET", "/delegation/"+t3, nil), http.StatusOK)
	})
	e.step(t, "expired", func(t *testing.T) {
		e.advance(24*3600 + 1)
		e.settle()
		before := e.contents()
		refused(t, e.f16Accept(t3, testPassword), http.StatusGone, "gone")
		requireHTML(t, e.call("GET", "/delegation/"+t3, nil), http.StatusGone)
		e.wroteNothing(before)
		if got := e.doc("workspaces/acme")["superAdminId"]; got != lee.AccountID {
			t.Fatalf("superAdminId = %v", got)
		}
	})
}

package e2e

import (
	"net/http"
	"testing"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/shared/domain"
)

// orgMember registers a member of the owner's workspace with a mobile
// number and sets their password through the mailed link; they never ask
// for a login code. It returns their account ID.
func (e *env) orgMember(owner session, name, email, mobile string) string {
	e.t.Helper()
	r := e.register(owner, owner.WorkspaceID, map[string]string{"email": email, "name": name, "mobile": mobile})
	requireStatus(e.t, r, http.StatusCreated)
	var out struct {
		MemberID string `json:"memberId"`
	}
	r.JSON(e.t, &out)
	requireStatus(e.t, e.setPassword(e.setupToken(email, 1), testPassword), http.StatusOK)
	return out.MemberID
}

// orgSession requires a session answer to an organisation login, of an
// account in a workspace, and returns it.
func orgSession(t testing.TB, r response, accountID, ws string) session {
	t.Helper()
	requireStatus(t, r, http.StatusOK)
	var s session
	r.JSON(t, &s)
	if s.AccountID != accountID || s.WorkspaceID != ws || s.AccessToken == "" {
		t.Fatalf("session %s, want account %s in %s", r.Body, accountID, ws)
	}
	return s
}

// TestF6OrgLogin is F6: a member logs in on the organisation login screen
// with their e-mail address or mobile number (in any form) and password,
// without an e-mail code; a new device needs approval; an unknown login
// ID answers as a wrong password; a member of another workspace is 403.
func TestF6OrgLogin(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.linkedOrg(owner, "Acme Corporation", "acme-corp")
	e.owned("other", "other@example.com")
	park := e.orgMember(owner, "Park", "park@example.com", "010-1234-5678")

	// The first login, by phone number, trusts its device.
	first := orgSession(t, e.orgLogin("acme-corp", "010-1234-5678", testPassword, "", nil), park, "acme")
	if first.DeviceToken == "" {
		t.Fatal("the first device is not trusted")
	}
	// The number in other forms, and the e-mail address, on that device.
	for _, id := range []string{"+82 10 1234 5678", "01012345678", "+82-10-1234-5678", "park@example.com", " Park@Example.com "} {
		s := orgSession(t, e.orgLogin("acme-corp", id, testPassword, first.DeviceToken, nil), park, "acme")
		r := e.call("GET", "/v1/me", nil, s.bearer()...)
		requireStatus(t, r, http.StatusOK)
		var me map[string]any
		r.JSON(t, &me)
		if me["accountId"] != park || me["workspaceId"] != "acme" || me["email"] != "park@example.com" {
			t.Fatalf("me = %s", r.Body)
		}
	}
	// Another device: a pending approval.
	r := e.orgLogin("acme-corp", "010-1234-5678", testPassword, "", phone)
	requireStatus(t, r, http.StatusAccepted)
	var a approvalResponse
	r.JSON(t, &a)
	if a.Status != "device_approval_required" || a.ApprovalID == "" || a.PollToken == "" || len(a.MatchCode) != 6 {
		t.Fatalf("approval %s", r.Body)
	}
	if ap := e.doc("deviceApprovals/" + a.ApprovalID); ap["accountId"] != park || ap["workspaceId"] != "acme" {
		t.Fatalf("approval request %v", ap)
	}
	// The owner, by e-mail, on their device.
	orgSession(t, e.orgLogin("acme-corp", "owner@example.com", testPassword, owner.DeviceToken, nil), owner.AccountID, "acme")

	// A wrong password and an unknown e-mail or number answer alike.
	for _, id := range []string{"park@example.com", "nobody@example.com", "010-9876-5432", "+1 415 555 0100"} {
		p := refused(t, e.orgLogin("acme-corp", id, "wrong password!", first.DeviceToken, nil), http.StatusUnauthorized, "invalid_credentials")
		if p.Remaining == nil || *p.Remaining != 9 {
			t.Fatalf("%s: remainingAttempts %v, want 9", id, p.Remaining)
		}
	}
	// A login number two active members share (as an admin registered
	// them) names no one.
	e.updateDoc("workspaces/acme/members/"+owner.AccountID, firestore.Update{Path: "loginPhone", Value: "+821012345678"})
	refused(t, e.orgLogin("acme-corp", "010-1234-5678", testPassword, first.DeviceToken, nil), http.StatusUnauthorized, "invalid_credentials")
	e.updateDoc("workspaces/acme/members/"+owner.AccountID, firestore.Update{Path: "loginPhone", Value: ""})
	orgSession(t, e.orgLogin("acme-corp", "010-1234-5678", testPassword, first.DeviceToken, nil), park, "acme")

	// The right password of a member of another workspace: 403.
	refused(t, e.orgLogin("acme-corp", "other@example.com", testPassword, "", nil), http.StatusForbidden, "forbidden")

	t.Run("refusals", func(t *testing.T) {
		login := func(orgID, loginID, password string, device map[string]string) func() response {
			return func() response { return e.orgLogin(orgID, loginID, password, first.DeviceToken, device) }
		}
		e.refusals(t, []refusal{
			{name: "login ID neither e-mail nor phone", call: login("acme-corp", "park", testPassword, nil), status: 400, code: "invalid_request"},
			{name: "login ID a bad e-mail", call: login("acme-corp", "park@", testPassword, nil), status: 400, code: "invalid_request"},
			{name: "login ID a short number", call: login("acme-corp", "1234", testPassword, nil), status: 400, code: "invalid_request"},
			{name: "login ID empty", call: login("acme-corp", "", testPassword, nil), status: 400, code: "invalid_request"},
			{name: "org ID upper case", call: login("Acme-Corp", "park@example.com", testPassword, nil), status: 400, code: "invalid_request"},
			{name: "no password", call: login("acme-corp", "park@example.com", "", nil), status: 400, code: "invalid_request"},
			{name: "bad device", call: login("acme-corp", "park@example.com", testPassword, map[string]string{"name": "x", "platform": "amiga"}), status: 400, code: "invalid_request"},
			{name: "unknown organisation", call: login("no-such-org", "park@example.com", testPassword, nil), status: 404, code: "not_found"},
			{name: "lookup of an unknown organisation", call: func() response { return e.call("GET", "/v1/orgs/no-such-org", nil) }, status: 404, code: "not_found"},
			{name: "lookup of a malformed ID", call: func() response { return e.call("GET", "/v1/orgs/Acme-Corp", nil) }, status: 404, code: "not_found"},
			{name: "workspace being withdrawn",
				before: func() {
					e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceDeleting})
				},
				after: func() {
					e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceActive})
				},
				call: login("acme-corp", "park@example.com", testPassword, nil), status: 404, code: "not_found"},
		})
	})

	// No login code was ever mailed.
	e.settle()
	for _, email := range []string{"park@example.com", "nobody@example.com"} {
		if n := len(e.codeMails(email)); n != 0 {
			t.Fatalf("%d login-code mails to %s", n, email)
		}
	}
}

// TestF6OrgLoginLockout: wrong passwords by phone number, by e-mail on the
// organisation screen and on the e-mail-code path count on one counter:
// the 10th locks every path, with one mail; an hour later the right
// password works again.
func TestF6OrgLoginLockout(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.linkedOrg(owner, "Acme", "acme-corp")
	const email = "lee@example.com"
	lee := e.orgMember(owner, "Lee", email, "010-5555-0000")
	first := orgSession(t, e.orgLogin("acme-corp", "010-5555-0000", testPassword, "", nil), lee, "acme")
	ticket := e.ticket(email)

	const wrong = "wrong password!"
	attempts := []func() response{}
	for range 4 {
		attempts = append(attempts, func() response { return e.orgLogin("acme-corp", "010-5555-0000", wrong, first.DeviceToken, nil) })
	}
	for range 3 {
		attempts = append(attempts, func() response { return e.orgLogin("acme-corp", email, wrong, first.DeviceToken, nil) })
	}
	for range 2 {
		attempts = append(attempts, func() response { return e.passwordLogin(ticket, "acme", email, wrong, first.DeviceToken) })
	}
	attempts = append(attempts, func() response { return e.orgLogin("acme-corp", "+82 10 5555 0000", wrong, first.DeviceToken, nil) })
	for i, attempt := range attempts {
		p := refused(t, attempt(), http.StatusUnauthorized, "invalid_credentials")
		if p.Remaining == nil || *p.Remaining != 9-i {
			t.Fatalf("attempt %d: remainingAttempts %v, want %d", i+1, p.Remaining, 9-i)
		}
	}
	for _, r := range []response{
		e.orgLogin("acme-corp", email, testPassword, first.DeviceToken, nil),
		e.orgLogin("acme-corp", "01055550000", testPassword, first.DeviceToken, nil),
		e.passwordLogin(ticket, "acme", email, testPassword, first.DeviceToken),
	} {
		refused(t, r, http.StatusLocked, "locked")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("locked without Retry-After: %s", r.Body)
		}
	}
	e.settle()
	if n := e.lockMails(email); n != 1 {
		t.Fatalf("%d lock mails, want 1", n)
	}
	e.advance(3600 + 1)
	orgSession(t, e.orgLogin("acme-corp", "010-5555-0000", testPassword, first.DeviceToken, nil), lee, "acme")
}

package e2e

import (
	"net/http"
	"testing"
)

// TestApproveOwnTrustedDevice: the account's own trusted device is asked,
// approves with the match code, and the new device collects its session
// and device token on its first poll only; the approval is mailed.
func TestApproveOwnTrustedDevice(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	a := e.newDeviceLogin("acme", "kim@acme.example")
	if a.Status != "device_approval_required" || len(a.MatchCode) != 6 {
		t.Fatalf("approval response %+v", a)
	}
	if p := e.poll(a); p.Status != "pending" || p.Session != nil {
		t.Fatalf("poll before the decision = %+v", p)
	}
	got := e.asked(owner, a.ApprovalID)
	if got.Account.AccountID != owner.AccountID || got.Device["name"] != phone["name"] {
		t.Fatalf("listed %+v", got)
	}
	r := e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...)
	requireStatus(t, r, http.StatusOK)
	p := e.poll(a)
	if p.Status != "approved" || p.Session == nil || p.Session.DeviceToken == "" {
		t.Fatalf("first poll after approval = %+v", p)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, p.Session.bearer()...), http.StatusOK)
	if again := e.poll(a); again.Status != "approved" || again.Session != nil {
		t.Fatalf("second poll = %+v", again)
	}
	// The new device is trusted now: its token logs in without approval.
	s := e.login("acme", "kim@acme.example", p.Session.DeviceToken)
	if s.DeviceID != p.Session.DeviceID {
		t.Fatalf("device %s, want %s", s.DeviceID, p.Session.DeviceID)
	}
	if n := len(e.mailsMatching("kim@acme.example", deviceApprovedSubjects...)); n != 1 {
		t.Fatalf("%d approval mails, want 1", n)
	}
}

// TestApproveFromAnotherWorkspace: the account's trusted device decides its
// own request from a session in another workspace it belongs to; a member
// of that other workspace cannot.
func TestApproveFromAnotherWorkspace(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@acme.example")
	lee := e.ownerSession("beta", "lee@beta.example")
	e.joinByInvite(lee, "beta", "Kim", "kim@acme.example")
	kimInBeta := e.login("beta", "kim@acme.example", kim.DeviceToken)
	requireStatus(t, e.call("POST", "/v1/logout", nil, kim.bearer()...), http.StatusNoContent)

	a := e.newDeviceLogin("acme", "kim@acme.example")
	got := e.asked(kimInBeta, a.ApprovalID)
	if got.Account.AccountID != kim.AccountID {
		t.Fatalf("listed %+v", got)
	}
	if n := len(e.approvals(lee)); n != 0 {
		t.Fatalf("beta's owner lists %d requests of acme", n)
	}
	r := e.approve(a.ApprovalID, a.MatchCode, lee.bearer()...)
	requireStatus(t, r, http.StatusForbidden)
	r = e.approve(a.ApprovalID, a.MatchCode, kimInBeta.bearer()...)
	requireStatus(t, r, http.StatusOK)
	if p := e.poll(a); p.Session == nil || p.Session.WorkspaceID != "acme" {
		t.Fatalf("poll = %+v", p)
	}
}

package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Tests of deciding a new-device approval request (F9): who is asked, who
// may approve or deny, the match code, expiry, and the new device
// collecting its session once.

// decideNote is one entry of GET /v1/me/notifications.
type decideNote struct {
	NotificationID string    `json:"notificationId"`
	Kind           string    `json:"kind"`
	CreatedAt      time.Time `json:"createdAt"`
	ApprovalID     string    `json:"approvalId"`
	Account        *struct {
		AccountID string `json:"accountId"`
		Name      string `json:"name"`
	} `json:"account"`
	Device    map[string]string `json:"device"`
	ExpiresAt *time.Time        `json:"expiresAt"`
}

// decideSameTime compares two times of one instant as the API shows them:
// the login's answer carries nanoseconds, stored times microseconds.
func decideSameTime(x, y time.Time) bool { return x.Sub(y).Abs() < time.Millisecond }

// decideNotes returns a member's notifications, newest first.
func (e *env) decideNotes(s session) []decideNote {
	e.t.Helper()
	r := e.call("GET", "/v1/me/notifications", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Notifications []decideNote `json:"notifications"`
	}
	r.JSON(e.t, &out)
	return out.Notifications
}

// decideNotePath is where the notification that asks a member to decide a
// request is stored.
func decideNotePath(ws, accountID, approvalID string) string {
	return "workspaces/" + ws + "/members/" + accountID + "/notifications/device_approval-" + approvalID
}

// decideApprovedMails waits until an address has an approval mail, then
// until the stack is quiet, and returns how many approval mails it has.
func (e *env) decideApprovedMails(email string) int {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for len(e.mailsMatching(email, deviceApprovedSubjects...)) == 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("no approval mail to %s after 45s", email)
		}
		sleep()
	}
	e.settle()
	return len(e.mailsMatching(email, deviceApprovedSubjects...))
}

// TestF9DecideApproveByOtherMember: a member who is online (another
// account) is asked, sees the request in their notifications and list,
// and approves it with the match code; the new device collects a working
// session on its first poll only, and the account gets one approval mail.
func TestF9DecideApproveByOtherMember(t *testing.T) {
	t.Parallel()
	e := start(t)
	const ownerEmail, leeEmail = "kim@acme.example", "lee@acme.example"
	owner := e.ownerSession("acme", ownerEmail)
	e.joinByInvite(owner, "acme", "Lee Member", leeEmail)
	lee := e.login("acme", leeEmail, "")

	a := e.newDeviceLogin("acme", ownerEmail)
	got := e.asked(lee, a.ApprovalID)
	if got.Account.AccountID != owner.AccountID || got.Account.Name != "Kim Workgate" ||
		!cmp.Equal(got.Device, phone) || !decideSameTime(got.ExpiresAt, a.ExpiresAt) {
		t.Fatalf("listed for lee: %+v", got)
	}

	// The notification says what the list says.
	notes := e.decideNotes(lee)
	i := slices.IndexFunc(notes, func(n decideNote) bool { return n.ApprovalID == a.ApprovalID })
	if i < 0 {
		t.Fatalf("no notification for %s in %+v", a.ApprovalID, notes)
	}
	n := notes[i]
	if n.Kind != "device_approval" || n.NotificationID == "" || n.Account == nil || n.Account.AccountID != owner.AccountID ||
		n.Account.Name != "Kim Workgate" || !cmp.Equal(n.Device, phone) || n.ExpiresAt == nil || !decideSameTime(*n.ExpiresAt, a.ExpiresAt) {
		t.Fatalf("notification %+v", n)
	}
	if !e.exists(decideNotePath("acme", lee.AccountID, a.ApprovalID)) {
		t.Fatalf("no notification document for lee")
	}

	r := e.approve(a.ApprovalID, a.MatchCode, lee.bearer()...)
	requireStatus(t, r, http.StatusOK)
	var d map[string]any
	r.JSON(t, &d)
	if d["status"] != "approved" {
		t.Fatalf("approve answered %s", r.Body)
	}
	if doc := e.doc("deviceApprovals/" + a.ApprovalID); doc["status"] != "approved" || doc["decidedBy"] != lee.AccountID {
		t.Fatalf("approval document %v", doc)
	}
	if listed(e.approvals(lee), a.ApprovalID) || listed(e.approvals(owner), a.ApprovalID) {
		t.Fatal("a decided request is still listed")
	}

	p := e.poll(a)
	if p.Status != "approved" || p.Session == nil || p.Session.DeviceToken == "" ||
		p.Session.AccountID != owner.AccountID || p.Session.WorkspaceID != "acme" || p.Session.DeviceID == owner.DeviceID {
		t.Fatalf("first poll after approval = %+v", p)
	}
	me := e.call("GET", "/v1/me", nil, p.Session.bearer()...)
	requireStatus(t, me, http.StatusOK)
	var who map[string]any
	me.JSON(t, &who)
	if who["accountId"] != owner.AccountID {
		t.Fatalf("/v1/me as the new device = %s", me.Body)
	}
	if again := e.poll(a); again.Status != "approved" || again.Session != nil {
		t.Fatalf("second poll = %+v", again)
	}
	if n := e.decideApprovedMails(ownerEmail); n != 1 {
		t.Fatalf("%d approval mails to the account, want 1", n)
	}
	if n := len(e.mailsMatching(leeEmail, deviceApprovedSubjects...)); n != 0 {
		t.Fatalf("%d approval mails to the approver, want 0", n)
	}
}

// TestF9DecideDeny: a denied request gives the new device no session, and
// cannot be decided again; nobody is mailed an approval.
func TestF9DecideDeny(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)

	r := e.deny(a.ApprovalID, owner.bearer()...)
	requireStatus(t, r, http.StatusOK)
	var d map[string]any
	r.JSON(t, &d)
	if d["status"] != "denied" {
		t.Fatalf("deny answered %s", r.Body)
	}
	if p := e.poll(a); p.Status != "denied" || p.Session != nil {
		t.Fatalf("poll after denial = %+v", p)
	}
	refused(t, e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...), http.StatusConflict, "conflict")
	refused(t, e.deny(a.ApprovalID, owner.bearer()...), http.StatusConflict, "conflict")
	if p := e.poll(a); p.Status != "denied" || p.Session != nil {
		t.Fatalf("poll after approving a denied request = %+v", p)
	}
	if doc := e.doc("deviceApprovals/" + a.ApprovalID); doc["status"] != "denied" || doc["decidedBy"] != owner.AccountID || doc["sessionIssued"] == true {
		t.Fatalf("approval document %v", doc)
	}
	if listed(e.approvals(owner), a.ApprovalID) {
		t.Fatal("a denied request is still listed")
	}
	e.settle()
	if n := len(e.mailsMatching(email, deviceApprovedSubjects...)); n != 0 {
		t.Fatalf("%d approval mails after a denial, want 0", n)
	}
}

// TestF9DecideExpiry: 10 minutes after the login the request can no longer
// be decided (410), the new device's poll says expired, and it leaves the
// approvers' lists.
func TestF9DecideExpiry(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)

	e.advance(601)
	refused(t, e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...), http.StatusGone, "gone")
	refused(t, e.deny(a.ApprovalID, owner.bearer()...), http.StatusGone, "gone")
	if p := e.poll(a); p.Status != "expired" || p.Session != nil {
		t.Fatalf("poll after expiry = %+v", p)
	}
	if listed(e.approvals(owner), a.ApprovalID) {
		t.Fatal("an expired request is still listed")
	}
	if doc := e.doc("deviceApprovals/" + a.ApprovalID); doc["status"] != "pending" || doc["decidedBy"] != "" {
		t.Fatalf("refused decisions changed the request: %v", doc)
	}
	e.settle()
	if n := len(e.mailsMatching(email, deviceApprovedSubjects...)); n != 0 {
		t.Fatalf("%d approval mails after expiry, want 0", n)
	}
}

// TestF9DecideWrongMatchCode: wrong match codes count down; the third
// denies the request, after which even the right code is 409. Concurrent
// wrong codes get no extra tries.
func TestF9DecideWrongMatchCode(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)

	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)
	for want := 2; want >= 0; want-- {
		p := refused(t, e.approve(a.ApprovalID, wrongCode(a.MatchCode), owner.bearer()...), http.StatusBadRequest, "invalid_code")
		if p.Remaining == nil || *p.Remaining != want {
			t.Fatalf("remainingAttempts %v, want %d", p.Remaining, want)
		}
	}
	if doc := e.doc("deviceApprovals/" + a.ApprovalID); doc["status"] != "denied" || doc["wrongCodes"] != int64(3) {
		t.Fatalf("after 3 wrong codes: %v", doc)
	}
	refused(t, e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...), http.StatusConflict, "conflict")
	if p := e.poll(a); p.Status != "denied" || p.Session != nil {
		t.Fatalf("poll after 3 wrong codes = %+v", p)
	}

	// Ten wrong codes at once: three are judged, the rest find the request
	// denied.
	b := e.newDeviceLogin("acme", email)
	e.asked(owner, b.ApprovalID)
	bodies := make([]response, 10)
	_, count := race(10, func(i int) int {
		bodies[i] = e.approve(b.ApprovalID, wrongCode(b.MatchCode), owner.bearer()...)
		return bodies[i].Status
	})
	if count[http.StatusBadRequest] != 3 || count[http.StatusConflict] != 7 {
		t.Fatalf("10 concurrent wrong codes: %v, want 3×400 and 7×409", count)
	}
	left := map[int]int{}
	for _, r := range bodies {
		want := map[int]string{http.StatusBadRequest: "invalid_code", http.StatusConflict: "conflict"}[r.Status]
		p := refused(t, r, r.Status, want)
		if r.Status == http.StatusBadRequest {
			if p.Remaining == nil {
				t.Fatalf("invalid_code without remainingAttempts: %s", r.Body)
			}
			left[*p.Remaining]++
		}
	}
	if diff := cmp.Diff(map[int]int{2: 1, 1: 1, 0: 1}, left); diff != "" {
		t.Fatalf("remainingAttempts of the judged codes (-want +got):\n%s", diff)
	}
	if doc := e.doc("deviceApprovals/" + b.ApprovalID); doc["status"] != "denied" || doc["wrongCodes"] != int64(3) {
		t.Fatalf("after 10 concurrent wrong codes: %v", doc)
	}
	refused(t, e.approve(b.ApprovalID, b.MatchCode, owner.bearer()...), http.StatusConflict, "conflict")
}

// TestF9DecideRefusals: malformed or misdirected calls are refused and
// change nothing.
func TestF9DecideRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)
	b := e.newDeviceLogin("acme", email)
	const unknown = "0123456789abcdef0123456789abcdef"
	path := "/v1/device-approvals/" + a.ApprovalID
	before := e.doc("deviceApprovals/" + a.ApprovalID)

	cases := []struct {
		name         string
		method, path string
		body         any
		headers      []string
		status       int
		code         string
	}{
		{"approve without matchCode", "POST", path + "/approve", map[string]string{}, owner.bearer(), 400, "invalid_request"},
		{"approve with empty matchCode", "POST", path + "/approve", map[string]string{"matchCode": ""}, owner.bearer(), 400, "invalid_request"},
		{"approve, not JSON", "POST", path + "/approve", "{", owner.bearer(), 400, "invalid_request"},
		{"approve unknown request", "POST", "/v1/device-approvals/" + unknown + "/approve", map[string]string{"matchCode": a.MatchCode}, owner.bearer(), 404, "not_found"},
		{"deny unknown request", "POST", "/v1/device-approvals/" + unknown + "/deny", nil, owner.bearer(), 404, "not_found"},
		{"poll with a wrong token", "GET", path + "?pollToken=wrong", nil, nil, 404, "not_found"},
		{"poll without a token", "GET", path, nil, nil, 404, "not_found"},
		{"poll an unknown request", "GET", "/v1/device-approvals/" + unknown + "?pollToken=" + a.PollToken, nil, nil, 404, "not_found"},
		{"poll with another request's token", "GET", path + "?pollToken=" + b.PollToken, nil, nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.call(tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.code)
		})
	}
	if diff := cmp.Diff(before, e.doc("deviceApprovals/"+a.ApprovalID)); diff != "" {
		t.Fatalf("refused calls changed the request (-before +after):\n%s", diff)
	}
	if p := e.poll(a); p.Status != "pending" {
		t.Fatalf("poll after refusals = %+v", p)
	}
}

// TestF9DecideOutsiders: only those asked may decide. A member of another
// workspace and a member of the same workspace who was not online when
// the job ran are 403, a call without a session is 401, and none of them
// changes the request (not even a wrong code counts).
func TestF9DecideOutsiders(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	e.joinByInvite(owner, "acme", "Lee Idle", "lee@acme.example")
	idle := e.login("acme", "lee@acme.example", "")
	other := e.ownerSession("other", "park@other.example")
	e.advance(6 * 60) // lee is idle now; sessions last 15 minutes

	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID) // the account's trusted device is asked
	e.settle()
	if e.exists(decideNotePath("acme", idle.AccountID, a.ApprovalID)) {
		t.Fatal("the idle member was asked")
	}
	before := e.doc("deviceApprovals/" + a.ApprovalID)

	cases := []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"member of another workspace", other.bearer(), http.StatusForbidden, "forbidden"},
		{"idle member, not asked", idle.bearer(), http.StatusForbidden, "forbidden"},
		{"no session", nil, http.StatusUnauthorized, "unauthenticated"},
		{"forged token", []string{"Authorization", "Bearer forged"}, http.StatusUnauthorized, "unauthenticated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.approve(a.ApprovalID, wrongCode(a.MatchCode), tc.headers...), tc.status, tc.code)
			refused(t, e.approve(a.ApprovalID, a.MatchCode, tc.headers...), tc.status, tc.code)
			refused(t, e.deny(a.ApprovalID, tc.headers...), tc.status, tc.code)
		})
	}
	for _, s := range []session{other, idle} {
		if listed(e.approvals(s), a.ApprovalID) {
			t.Fatalf("%s lists a request they were not asked", s.AccountID)
		}
	}
	if diff := cmp.Diff(before, e.doc("deviceApprovals/"+a.ApprovalID)); diff != "" {
		t.Fatalf("refused decisions changed the request (-before +after):\n%s", diff)
	}
	if p := e.poll(a); p.Status != "pending" || p.Session != nil {
		t.Fatalf("poll after refused decisions = %+v", p)
	}
	// The one asked still can.
	requireStatus(t, e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...), http.StatusOK)
}

// TestF9DecidePresence: the job asks the members seen in the last 5
// minutes (a login, a heartbeat or any call), on the dev clock: a member
// idle 6 minutes is not asked, one idle 4 minutes is, as is one who sent a
// heartbeat; the account itself is asked for its trusted device, however
// idle.
func TestF9DecidePresence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		idle  int // seconds since lee's login
		asked bool
	}{
		{"idle 6 minutes", 6 * 60, false},
		{"idle 4 minutes", 4 * 60, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			const email = "kim@acme.example"
			owner := e.ownerSession("acme", email)
			e.joinByInvite(owner, "acme", "Lee Member", "lee@acme.example")
			e.joinByInvite(owner, "acme", "Cho Member", "cho@acme.example")
			lee := e.login("acme", "lee@acme.example", "")
			cho := e.login("acme", "cho@acme.example", "")
			e.advance(tc.idle)
			requireStatus(t, e.call("POST", "/v1/me/presence", nil, cho.bearer()...), http.StatusNoContent)

			a := e.newDeviceLogin("acme", email)
			e.asked(cho, a.ApprovalID)
			e.settle() // the job has run: whoever it did not ask now, it never will
			if !e.exists(decideNotePath("acme", owner.AccountID, a.ApprovalID)) {
				t.Fatal("the account's own trusted device was not asked")
			}
			if got := e.exists(decideNotePath("acme", lee.AccountID, a.ApprovalID)); got != tc.asked {
				t.Fatalf("lee asked = %v, want %v", got, tc.asked)
			}
			// Lee's calls mark lee online now, but the job ran already.
			if got := listed(e.approvals(lee), a.ApprovalID); got != tc.asked {
				t.Fatalf("lee lists the request = %v, want %v", got, tc.asked)
			}
			r := e.approve(a.ApprovalID, a.MatchCode, lee.bearer()...)
			if !tc.asked {
				refused(t, r, http.StatusForbidden, "forbidden")
				if doc := e.doc("deviceApprovals/" + a.ApprovalID); doc["status"] != "pending" {
					t.Fatalf("a refused approval changed the request: %v", doc)
				}
				requireStatus(t, e.approve(a.ApprovalID, a.MatchCode, cho.bearer()...), http.StatusOK)
			} else {
				requireStatus(t, r, http.StatusOK)
			}
			if p := e.poll(a); p.Status != "approved" || p.Session == nil {
				t.Fatalf("poll after approval = %+v", p)
			}
		})
	}
}

// TestF9DecideConcurrentPolls: of five polls at once after the approval,
// exactly one collects the session; the new device is trusted once, with
// one session.
func TestF9DecideConcurrentPolls(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)
	requireStatus(t, e.approve(a.ApprovalID, a.MatchCode, owner.bearer()...), http.StatusOK)

	polls := make([]response, 5)
	_, count := race(5, func(i int) int {
		polls[i] = e.call("GET", "/v1/device-approvals/"+a.ApprovalID+"?pollToken="+a.PollToken, nil)
		return polls[i].Status
	})
	if count[http.StatusOK] != 5 {
		t.Fatalf("5 concurrent polls answered %v, want 5×200", count)
	}
	var sessions []session
	for _, r := range polls {
		var p pollResult
		r.JSON(t, &p)
		if p.Status != "approved" {
			t.Fatalf("poll = %s", r.Body)
		}
		if p.Session != nil {
			sessions = append(sessions, *p.Session)
		}
	}
	if len(sessions) != 1 {
		t.Fatalf("%d polls carried a session, want 1", len(sessions))
	}
	got := sessions[0]
	if got.DeviceToken == "" {
		t.Fatalf("session without device token: %+v", got)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, got.bearer()...), http.StatusOK)

	ctx := context.Background()
	devices, err := e.fs().Collection("accounts/"+owner.AccountID+"/devices").Where("revokedAt", "==", time.Time{}).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 2 {
		t.Fatalf("%d trusted devices, want 2 (the first and the approved one)", len(devices))
	}
	onDevice, err := e.fs().Collection("sessions").Where("deviceId", "==", got.DeviceID).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(onDevice) != 1 {
		t.Fatalf("%d sessions on the new device, want 1", len(onDevice))
	}
	if n := e.decideApprovedMails(email); n != 1 {
		t.Fatalf("%d approval mails, want 1", n)
	}
}

// TestF9DecideConcurrentDecisions: approvals and denials at once by two
// approvers: one decision wins, the others are 409, the request keeps the
// winner's decision, and the account is mailed only if it was an approval.
func TestF9DecideConcurrentDecisions(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@acme.example"
	owner := e.ownerSession("acme", email)
	e.joinByInvite(owner, "acme", "Lee Member", "lee@acme.example")
	lee := e.login("acme", "lee@acme.example", "")
	a := e.newDeviceLogin("acme", email)
	e.asked(owner, a.ApprovalID)
	e.asked(lee, a.ApprovalID)

	who := []session{owner, lee}
	statuses, count := race(10, func(i int) int {
		s := who[i%2]
		if i < 5 {
			return e.approve(a.ApprovalID, a.MatchCode, s.bearer()...).Status
		}
		return e.deny(a.ApprovalID, s.bearer()...).Status
	})
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != 9 {
		t.Fatalf("10 concurrent decisions: %v, want 1×200 and 9×409", count)
	}
	winner := slices.Index(statuses, http.StatusOK)
	want := map[bool]string{true: "approved", false: "denied"}[winner < 5]
	doc := e.doc("deviceApprovals/" + a.ApprovalID)
	if doc["status"] != want || doc["decidedBy"] != who[winner%2].AccountID {
		t.Fatalf("after %s by call %d: %v", want, winner, doc)
	}
	if p := e.poll(a); p.Status != want || (p.Session != nil) != (want == "approved") {
		t.Fatalf("poll after %s = %+v", want, p)
	}
	wantMails := 0
	if want == "approved" {
		wantMails = 1
		e.decideApprovedMails(email)
	}
	e.settle()
	if n := len(e.mailsMatching(email, deviceApprovedSubjects...)); n != wantMails {
		t.Fatalf("%d approval mails after %s, want %d", n, want, wantMails)
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
)

// The tests here are F9's ways round a missing approver: the new device
// nudges a named member by e-mail, the super admin logs in with the
// workspace's recovery key, and members list and revoke their trusted
// devices.

// f9Nudge asks one member, by the new device's poll token, to approve.
func (e *env) f9Nudge(a approvalResponse, memberID string) response {
	e.t.Helper()
	return e.call("POST", "/v1/device-approvals/"+a.ApprovalID+"/nudge", map[string]string{"pollToken": a.PollToken, "memberId": memberID})
}

// f9KeyForm is a recovery key as it is shown: 20 base32 characters in
// four groups of five.
var f9KeyForm = regexp.MustCompile(`^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$`)

// f9CreateKey asks for a workspace's recovery key as s, with a password.
func (e *env) f9CreateKey(s session, ws, password string) response {
	e.t.Helper()
	return e.call("POST", "/v1/workspaces/"+ws+"/recovery-key", map[string]string{"password": password}, s.bearer()...)
}

// f9NewKey makes a new recovery key for ws as its super admin.
func (e *env) f9NewKey(s session, ws string) string {
	e.t.Helper()
	r := e.f9CreateKey(s, ws, testPassword)
	requireStatus(e.t, r, http.StatusCreated)
	var out struct {
		RecoveryKey string `json:"recoveryKey"`
	}
	r.JSON(e.t, &out)
	if !f9KeyForm.MatchString(out.RecoveryKey) {
		e.t.Fatalf("recovery key %q is not 4 groups of 5 base32 characters", out.RecoveryKey)
	}
	return out.RecoveryKey
}

// f9RecoveryDevice is the device a recovery login trusts.
var f9RecoveryDevice = map[string]string{"name": "Spare laptop", "platform": "linux"}

// f9Recover logs in with a recovery key.
func (e *env) f9Recover(ws, email, password, key string) response {
	e.t.Helper()
	return e.call("POST", "/v1/login/recovery", map[string]any{
		"workspaceId": ws, "email": email, "password": password, "recoveryKey": key, "device": f9RecoveryDevice,
	})
}

// f9Device is one entry of GET /v1/me/devices.
type f9Device struct {
	DeviceID   string    `json:"deviceId"`
	Name       string    `json:"name"`
	Platform   string    `json:"platform"`
	TrustedAt  time.Time `json:"trustedAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	Current    bool      `json:"current"`
}

// f9Devices lists the caller's trusted devices.
func (e *env) f9Devices(s session) []f9Device {
	e.t.Helper()
	r := e.call("GET", "/v1/me/devices", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Devices []f9Device `json:"devices"`
	}
	r.JSON(e.t, &out)
	return out.Devices
}

// f9Snapshot returns every document's data by path, to show that a call
// wrote nothing.
func (e *env) f9Snapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, p := range e.documents() {
		out[p] = fmt.Sprint(e.doc(p))
	}
	return out
}

// f9Approved has a new device of email approved by one of its trusted
// sessions and returns the new device's session.
func (e *env) f9Approved(trusted session, ws, email string) session {
	e.t.Helper()
	a := e.newDeviceLogin(ws, email)
	e.asked(trusted, a.ApprovalID)
	r := e.approve(a.ApprovalID, a.MatchCode, trusted.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	p := e.poll(a)
	if p.Status != "approved" || p.Session == nil || p.Session.DeviceToken == "" {
		e.t.Fatalf("poll after approval = %+v", p)
	}
	return *p.Session
}

// TestF9NudgeAsksOfflineMember: a member who is not online is not asked by
// the approval job; nudged by the new device, they get one mail (however
// often nudged), see the request, and approve it with the match code; the
// new device then collects its session.
func TestF9NudgeAsksOfflineMember(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim, park = "kim@example.com", "park@example.com"
	owner := e.ownerSession("acme", kim)
	parkID := e.joinByInvite(owner, "acme", "Park Jiwoo", park)
	sPark := e.login("acme", park, "")
	e.advance(6 * 60) // Park is no longer online

	a := e.newDeviceLogin("acme", kim)
	e.asked(owner, a.ApprovalID) // the job ran: Kim's laptop is asked
	e.settle()
	if listed(e.approvals(sPark), a.ApprovalID) {
		t.Fatal("a member offline for 6 minutes was asked by the approval job")
	}

	requireStatus(t, e.f9Nudge(a, parkID), http.StatusAccepted)
	requireStatus(t, e.f9Nudge(a, parkID), http.StatusAccepted)
	e.settle()
	ms := e.mailsMatching(park, nudgeSubjects...)
	if len(ms) != 1 {
		t.Fatalf("%d nudge mails to the member nudged twice, want 1", len(ms))
	}
	if !strings.Contains(ms[0].Text, "Kim Workgate") {
		t.Fatalf("the nudge mail does not name who asks:\n%s", ms[0].Text)
	}
	if n := len(e.mailsMatching(kim, nudgeSubjects...)); n != 0 {
		t.Fatalf("%d nudge mails to the requester", n)
	}

	got := e.asked(sPark, a.ApprovalID)
	if got.Account.AccountID != owner.AccountID || got.Device["name"] != phone["name"] {
		t.Fatalf("nudged member sees %+v", got)
	}
	r := e.approve(a.ApprovalID, a.MatchCode, sPark.bearer()...)
	requireStatus(t, r, http.StatusOK)
	p := e.poll(a)
	if p.Status != "approved" || p.Session == nil || p.Session.DeviceToken == "" || p.Session.AccountID != owner.AccountID {
		t.Fatalf("poll after the nudged member approved = %+v", p)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, p.Session.bearer()...), http.StatusOK)
	// Decided: nudging is over.
	refused(t, e.f9Nudge(a, parkID), http.StatusConflict, "conflict")
}

// TestF9NudgeRefusals: the nudge needs the request's poll token and an
// active member of its workspace other than the requester; a decided
// request is 409, an expired one 410; at most 5 distinct members are
// nudged per request. Refused nudges mail nobody and use up nothing.
func TestF9NudgeRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	var members []string
	for i := range 6 {
		members = append(members, e.joinByInvite(owner, "acme", fmt.Sprintf("Member %d", i), fmt.Sprintf("m%d@example.com", i)))
	}
	stranger := e.owned("other", "lee@other.example")
	invited := e.registered(owner, "acme", "Invited Choi", "choi@example.com")

	a := e.newDeviceLogin("acme", kim)
	wrongToken, unknownID := a, a
	wrongToken.PollToken = auth.NewToken()
	unknownID.ApprovalID = domain.NewID()
	cases := []struct {
		name     string
		a        approvalResponse
		memberID string
		status   int
		code     string
	}{
		{"wrong poll token", wrongToken, members[0], http.StatusNotFound, "not_found"},
		{"unknown request", unknownID, members[0], http.StatusNotFound, "not_found"},
		{"unknown member", a, domain.NewID(), http.StatusNotFound, "not_found"},
		{"member of another workspace", a, stranger, http.StatusNotFound, "not_found"},
		{"member not active yet", a, invited, http.StatusNotFound, "not_found"},
		{"the requester", a, owner.AccountID, http.StatusBadRequest, "invalid_request"},
		{"no member", a, "", http.StatusBadRequest, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.f9Nudge(tc.a, tc.memberID), tc.status, tc.code)
		})
	}

	// The refusals used up none of the 5: five members can be nudged,
	// the sixth not.
	for i, m := range members[:5] {
		if r := e.f9Nudge(a, m); r.Status != http.StatusAccepted {
			t.Fatalf("nudge of member %d = %d %s", i, r.Status, r.Body)
		}
	}
	r := e.f9Nudge(a, members[5])
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After: %v", r.Header)
	}
	// A member already nudged is not a sixth one.
	if r := e.f9Nudge(a, members[0]); r.Status != http.StatusAccepted {
		t.Errorf("nudging again one of the 5 members nudged = %d %s, want 202 (no new member, no new mail)", r.Status, r.Body)
	}
	e.settle()
	for i := range 6 {
		want := 1
		if i == 5 {
			want = 0
		}
		if n := len(e.mailsMatching(fmt.Sprintf("m%d@example.com", i), nudgeSubjects...)); n != want {
			t.Errorf("%d nudge mails to member %d, want %d", n, i, want)
		}
	}
	for _, addr := range []string{"lee@other.example", "choi@example.com", kim} {
		if n := len(e.mailsMatching(addr, nudgeSubjects...)); n != 0 {
			t.Errorf("%d nudge mails to %s, want 0", n, addr)
		}
	}

	// Denied: 409, for a new member as for one nudged before.
	e.asked(owner, a.ApprovalID)
	requireStatus(t, e.deny(a.ApprovalID, owner.bearer()...), http.StatusOK)
	refused(t, e.f9Nudge(a, members[5]), http.StatusConflict, "conflict")
	refused(t, e.f9Nudge(a, members[1]), http.StatusConflict, "conflict")

	// Expired: 410.
	b := e.newDeviceLogin("acme", kim)
	e.advance(601)
	refused(t, e.f9Nudge(b, members[0]), http.StatusGone, "gone")
	e.settle()
	if n := len(e.mailsMatching("m5@example.com", nudgeSubjects...)); n != 0 {
		t.Errorf("%d nudge mails to member 5 after the refusals, want 0", n)
	}
	if n := len(e.mailsMatching("m0@example.com", nudgeSubjects...)); n != 1 {
		t.Errorf("%d nudge mails to member 0 after an expired nudge, want 1", n)
	}
}

// TestF9RecoveryKeyCreate: only the workspace's own super admin makes a
// recovery key, re-entering the password; the key is 20 base32
// characters, not cached, and only its MAC is stored; a new key replaces
// the MAC.
func TestF9RecoveryKeyCreate(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	// adminAccess holds every permission there is.
	e.grant("acme", c.adminAccess.AccountID, domain.PermAdminAccess, domain.PermMemberManagement)
	body := map[string]string{"password": testPassword}
	cases := []struct {
		name    string
		headers []string
		body    any
		status  int
		code    string
	}{
		{"anonymous", nil, body, http.StatusUnauthorized, "unauthenticated"},
		{"forged token", []string{"Authorization", "Bearer x.y.z"}, body, http.StatusUnauthorized, "unauthenticated"},
		{"plain member", c.member.bearer(), body, http.StatusForbidden, "forbidden"},
		{"admin with every permission", c.adminAccess.bearer(), body, http.StatusForbidden, "forbidden"},
		{"member_management admin", c.memberManagement.bearer(), body, http.StatusForbidden, "forbidden"},
		{"super admin of another workspace", c.other.bearer(), body, http.StatusForbidden, "forbidden"},
		{"wrong password", c.owner.bearer(), map[string]string{"password": "wrong password!"}, http.StatusUnauthorized, "invalid_credentials"},
		{"no password", c.owner.bearer(), map[string]string{}, http.StatusBadRequest, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.call("POST", "/v1/workspaces/acme/recovery-key", tc.body, tc.headers...), tc.status, tc.code)
		})
	}
	if e.exists("recoveryKeys/acme") {
		t.Fatalf("a refused call stored a recovery key: %v", e.doc("recoveryKeys/acme"))
	}

	r := e.f9CreateKey(c.owner, "acme", testPassword)
	requireStatus(t, r, http.StatusCreated)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("Cache-Control %q, want no-store", cc)
	}
	var got struct {
		RecoveryKey string `json:"recoveryKey"`
	}
	r.JSON(t, &got)
	key := got.RecoveryKey
	if !f9KeyForm.MatchString(key) {
		t.Fatalf("recovery key %q is not 4 groups of 5 base32 characters (100 bits)", key)
	}
	stored := e.doc("recoveryKeys/acme")
	mac, _ := stored["keyMac"].(string)
	if mac == "" || stored["createdBy"] != c.owner.AccountID {
		t.Fatalf("recoveryKeys/acme = %v", stored)
	}
	// The key itself, in any form, is in no document.
	bare := strings.ReplaceAll(key, "-", "")
	for _, p := range e.documents() {
		data := fmt.Sprint(e.doc(p))
		for _, form := range []string{key, bare, strings.ToLower(bare)} {
			if strings.Contains(data, form) {
				t.Fatalf("document %s holds the recovery key: %s", p, data)
			}
		}
	}

	next := e.f9NewKey(c.owner, "acme")
	if next == key {
		t.Fatal("a new recovery key equals the old one")
	}
	if m := e.doc("recoveryKeys/acme")["keyMac"]; m == mac || m == "" {
		t.Fatalf("keyMac after a new key = %v (old %s)", m, mac)
	}
	if e.exists("recoveryKeys/other") {
		t.Fatal("another workspace got a recovery key")
	}
}

// TestF9RecoveryKeyLockout: wrong passwords to the recovery key count
// toward the password lockout (F7): the 10th locks password login, the
// recovery login included.
func TestF9RecoveryKeyLockout(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	key := e.f9NewKey(owner, "acme")
	mac := e.doc("recoveryKeys/acme")["keyMac"]
	for i := range 10 {
		r := e.f9CreateKey(owner, "acme", "wrong password!")
		if r.Status != http.StatusUnauthorized || r.Code(t) != "invalid_credentials" {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	refused(t, e.f9CreateKey(owner, "acme", testPassword), http.StatusLocked, "locked")
	refused(t, e.passwordLogin(e.ticket(kim), "acme", kim, testPassword, owner.DeviceToken), http.StatusLocked, "locked")
	// The lock holds on the recovery login too, and leaves the key as it was.
	refused(t, e.f9Recover("acme", kim, testPassword, key), http.StatusLocked, "locked")
	e.settle()
	if n := e.lockMails(kim); n != 1 {
		t.Fatalf("%d lock mails, want 1", n)
	}
	if got := e.doc("recoveryKeys/acme")["keyMac"]; got != mac {
		t.Fatalf("keyMac %v after the lock, want %v unchanged", got, mac)
	}
}

// TestF9RecoveryLogin: the super admin logs in with the key and their
// password, without code or approval: the device is trusted (its token
// then logs in directly), the login is mailed, and the key is used up.
// A wrong key or password is 401 and does not use the key.
func TestF9RecoveryLogin(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	key := e.f9NewKey(owner, "acme")

	refused(t, e.f9Recover("acme", kim, testPassword, auth.NewRecoveryKey()), http.StatusUnauthorized, "invalid_credentials")
	refused(t, e.f9Recover("acme", kim, "wrong password!", key), http.StatusUnauthorized, "invalid_credentials")
	refused(t, e.f9Recover("acme", "nobody@example.com", testPassword, key), http.StatusUnauthorized, "invalid_credentials")

	r := e.f9Recover("acme", kim, testPassword, key)
	requireStatus(t, r, http.StatusOK)
	var s session
	r.JSON(t, &s)
	if s.DeviceToken == "" || s.AccountID != owner.AccountID || s.WorkspaceID != "acme" || s.TokenType != "Bearer" || s.DeviceID == owner.DeviceID {
		t.Fatalf("recovery session = %+v", s)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusOK)
	ds := e.f9Devices(s)
	i := slices.IndexFunc(ds, func(d f9Device) bool { return d.DeviceID == s.DeviceID })
	if len(ds) != 2 || i < 0 || !ds[i].Current || ds[i].Name != f9RecoveryDevice["name"] || ds[i].Platform != f9RecoveryDevice["platform"] {
		t.Fatalf("devices after the recovery login = %+v", ds)
	}
	if stored := e.doc("recoveryKeys/acme"); stored["keyMac"] != "" {
		t.Fatalf("recoveryKeys/acme after use = %v, want the MAC cleared", stored)
	}

	// Used up.
	refused(t, e.f9Recover("acme", kim, testPassword, key), http.StatusUnauthorized, "invalid_credentials")

	// The recovered device is trusted: a password login needs no approval.
	again := e.login("acme", kim, s.DeviceToken)
	if again.DeviceID != s.DeviceID || again.DeviceToken != "" {
		t.Fatalf("login with the recovered device's token = %+v", again)
	}
	e.settle()
	if n := len(e.mailsMatching(kim, recoveryLoginSubjects...)); n != 1 {
		t.Fatalf("%d recovery-login mails, want 1", n)
	}
}

// TestF9RecoveryKeyRules: a new key voids the old, and a key opens only its
// own workspace; the key works only for the super admin (a member or an
// admin with the right password and a valid key gets the one 401 answer,
// and the key stays usable); case, dashes and spaces do not matter.
func TestF9RecoveryKeyRules(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	e.joinByInvite(owner, "acme", "Park Jiwoo", "park@example.com")
	adminID := e.joinByInvite(owner, "acme", "Lee Admin", "lee@example.com")
	e.grant("acme", adminID, domain.PermAdminAccess, domain.PermMemberManagement)

	old := e.f9NewKey(owner, "acme")
	key := e.f9NewKey(owner, "acme")
	refused(t, e.f9Recover("acme", kim, testPassword, old), http.StatusUnauthorized, "invalid_credentials")
	// Kim's key of another workspace does not open this one.
	e.owned("beta", kim)
	betaKey := e.f9NewKey(e.login("beta", kim, owner.DeviceToken), "beta")
	refused(t, e.f9Recover("acme", kim, testPassword, betaKey), http.StatusUnauthorized, "invalid_credentials")

	for _, email := range []string{"park@example.com", "lee@example.com"} {
		t.Run(email, func(t *testing.T) {
			refused(t, e.f9Recover("acme", email, testPassword, key), http.StatusUnauthorized, "invalid_credentials")
		})
	}
	requireStatus(t, e.f9Recover("acme", kim, testPassword, key), http.StatusOK)

	// Typed in lower case, with spaces or nothing between the groups.
	for _, typed := range []func(string) string{
		func(k string) string { return strings.ToLower(strings.ReplaceAll(k, "-", " ")) },
		func(k string) string { return " " + strings.ReplaceAll(k, "-", "") + " " },
		func(k string) string { return strings.ToLower(k[:7]) + k[7:] },
	} {
		k := e.f9NewKey(owner, "acme")
		if r := e.f9Recover("acme", kim, testPassword, typed(k)); r.Status != http.StatusOK {
			t.Errorf("key %q typed as %q = %d %s", k, typed(k), r.Status, r.Body)
		}
	}
	e.settle()
	if n := len(e.mailsMatching(kim, recoveryLoginSubjects...)); n != 4 {
		t.Fatalf("%d recovery-login mails, want 4", n)
	}
	for _, email := range []string{"park@example.com", "lee@example.com"} {
		if n := len(e.mailsMatching(email, recoveryLoginSubjects...)); n != 0 {
			t.Fatalf("%d recovery-login mails to %s, want 0", n, email)
		}
	}
}

// TestF9RecoveryConcurrent: five recovery logins with one key at once:
// one succeeds, the others are 401; one device is trusted, one mail sent.
func TestF9RecoveryConcurrent(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	key := e.f9NewKey(owner, "acme")
	_, got := race(5, func(int) int { return e.f9Recover("acme", kim, testPassword, key).Status })
	if got[http.StatusOK] != 1 || got[http.StatusUnauthorized] != 4 {
		t.Fatalf("5 concurrent uses of one key: %v, want one 200 and four 401", got)
	}
	if ds := e.f9Devices(owner); len(ds) != 2 {
		t.Fatalf("%d trusted devices after the race, want 2: %+v", len(ds), ds)
	}
	e.settle()
	if n := len(e.mailsMatching(kim, recoveryLoginSubjects...)); n != 1 {
		t.Fatalf("%d recovery-login mails, want 1", n)
	}
}

// TestF9RecoveryBadInput: malformed recovery logins are 400 and write
// nothing (no attempt counted, key not used); the key still works after.
func TestF9RecoveryBadInput(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	key := e.f9NewKey(owner, "acme")
	valid := func() map[string]any {
		return map[string]any{"workspaceId": "acme", "email": kim, "password": testPassword, "recoveryKey": key, "device": f9RecoveryDevice}
	}
	cases := []struct {
		name   string
		change func(map[string]any)
	}{
		{"no workspace", func(b map[string]any) { delete(b, "workspaceId") }},
		{"no email", func(b map[string]any) { delete(b, "email") }},
		{"bad email", func(b map[string]any) { b["email"] = "kim" }},
		{"no password", func(b map[string]any) { delete(b, "password") }},
		{"no key", func(b map[string]any) { delete(b, "recoveryKey") }},
		{"key of dashes", func(b map[string]any) { b["recoveryKey"] = "- - -" }},
		{"no device", func(b map[string]any) { delete(b, "device") }},
		{"bad platform", func(b map[string]any) { b["device"] = map[string]string{"name": "Amiga", "platform": "amigaos"} }},
		{"blank device name", func(b map[string]any) { b["device"] = map[string]string{"name": "  ", "platform": "linux"} }},
	}
	e.settle()
	before := e.f9Snapshot()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := valid()
			tc.change(b)
			refused(t, e.call("POST", "/v1/login/recovery", b), http.StatusBadRequest, "invalid_request")
		})
	}
	refused(t, e.call("POST", "/v1/login/recovery", "{not json"), http.StatusBadRequest, "invalid_request")
	e.settle()
	if diff := cmp.Diff(before, e.f9Snapshot()); diff != "" {
		t.Fatalf("bad recovery logins wrote (-before +after):\n%s", diff)
	}
	requireStatus(t, e.call("POST", "/v1/login/recovery", valid()), http.StatusOK)
}

// TestF9DevicesRevoke: a member lists their trusted devices (the caller's
// marked current) and revokes another: every session on it is 401 at once
// (access and refresh, in every workspace), the caller's session goes on, the device is no
// longer listed and its token needs an approval again. Revoking it again,
// an unknown device or someone else's device is 404.
func TestF9DevicesRevoke(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	laptopS := e.ownerSession("acme", kim)
	parkID := e.joinByInvite(laptopS, "acme", "Park Jiwoo", "park@example.com")
	park := e.login("acme", "park@example.com", "")
	e.owned("beta", kim)
	phoneS := e.f9Approved(laptopS, "acme", kim)
	phoneS2 := e.login("beta", kim, phoneS.DeviceToken) // a second session on the phone, in another workspace
	if phoneS2.DeviceID != phoneS.DeviceID {
		t.Fatalf("second phone session on device %s, want %s", phoneS2.DeviceID, phoneS.DeviceID)
	}

	ds := e.f9Devices(laptopS)
	byID := map[string]f9Device{}
	for _, d := range ds {
		byID[d.DeviceID] = d
	}
	l, p := byID[laptopS.DeviceID], byID[phoneS.DeviceID]
	if len(ds) != 2 || !l.Current || p.Current || l.Name != laptop["name"] || l.Platform != laptop["platform"] ||
		p.Name != phone["name"] || p.Platform != phone["platform"] || l.TrustedAt.IsZero() || p.LastSeenAt.IsZero() {
		t.Fatalf("devices seen from the laptop = %+v", ds)
	}
	if ds := e.f9Devices(phoneS); len(ds) != 2 || slices.IndexFunc(ds, func(d f9Device) bool { return d.Current && d.DeviceID == phoneS.DeviceID }) < 0 {
		t.Fatalf("devices seen from the phone = %+v", ds)
	}

	requireStatus(t, e.call("DELETE", "/v1/me/devices/"+phoneS.DeviceID, nil, laptopS.bearer()...), http.StatusNoContent)
	for i, s := range []session{phoneS, phoneS2} {
		refused(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized, "unauthenticated")
		requireStatus(t, e.refresh(s.RefreshToken), http.StatusUnauthorized)
		if doc := e.doc("sessions/" + s.SessionID); doc["revokedWhy"] != domain.RevokedDevice {
			t.Fatalf("phone session %d = %v", i, doc)
		}
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, laptopS.bearer()...), http.StatusOK)
	requireStatus(t, e.refresh(laptopS.RefreshToken), http.StatusOK)
	if ds := e.f9Devices(laptopS); len(ds) != 1 || ds[0].DeviceID != laptopS.DeviceID {
		t.Fatalf("devices after revoking the phone = %+v", ds)
	}

	// The phone's token no longer skips the approval.
	r := e.passwordLogin(e.ticket(kim), "acme", kim, testPassword, phoneS.DeviceToken)
	requireStatus(t, r, http.StatusAccepted)
	var a approvalResponse
	r.JSON(t, &a)
	if a.Status != "device_approval_required" || a.ApprovalID == "" {
		t.Fatalf("login with the revoked device's token = %s", r.Body)
	}

	for _, tc := range []struct{ name, id string }{
		{"revoked already", phoneS.DeviceID},
		{"unknown", domain.NewID()},
		{"someone else's", park.DeviceID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, e.call("DELETE", "/v1/me/devices/"+tc.id, nil, laptopS.bearer()...), http.StatusNotFound, "not_found")
		})
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, park.bearer()...), http.StatusOK)
	if ds := e.f9Devices(park); len(ds) != 1 || ds[0].DeviceID != park.DeviceID || park.AccountID != parkID {
		t.Fatalf("Park's devices after Kim tried to revoke one = %+v", ds)
	}
	requireStatus(t, e.call("DELETE", "/v1/me/devices/"+laptopS.DeviceID, nil), http.StatusUnauthorized)
}

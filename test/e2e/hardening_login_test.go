package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
)

// The tests here replay the attacks on login of issue 15 (items 1, 6 and
// 7): the recovery-key login as a password oracle and lockout weapon, a
// login ticket making unlimited approval requests, a member's profile
// number taking over or breaking a colleague's phone login, and code
// mails arriving out of order.

// hlRecover is a recovery login.
func (e *env) hlRecover(ws, email, password, key string) response {
	e.t.Helper()
	return e.call("POST", "/v1/login/recovery", map[string]any{
		"workspaceId": ws, "email": email, "password": password, "recoveryKey": key, "device": f9RecoveryDevice,
	})
}

// hlRemaining logs in with a wrong password through the e-mail code and
// returns the remaining attempts the answer states.
func (e *env) hlRemaining(ws, email string) int {
	e.t.Helper()
	p := refused(e.t, e.passwordLogin(e.ticket(email), ws, email, "wrong password!", ""), http.StatusUnauthorized, "invalid_credentials")
	if p.Remaining == nil {
		e.t.Fatalf("no remainingAttempts in a wrong password login of %s", email)
	}
	return *p.Remaining
}

// TestHardeningRecoveryNoOracle: a recovery login with anything wrong —
// the key, the workspace, the account, its role — answers one and the
// same 401, byte for byte, whether the password is right or not; it hashes
// once (as a login does) and writes nothing: no attempt counted, no lock,
// no mail, so after more wrong passwords than the lockout allows the
// owner's login still has every attempt. Only the right key of the
// workspace's super admin has the password judged: a wrong one then gets
// the same answer and counts toward the lockout; a locked account's lock
// is told only to the key's holder.
func TestHardeningRecoveryNoOracle(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim, park, lee, nobody = "kim@example.com", "park@example.com", "lee@example.com", "nobody@example.com"
	owner := e.ownerSession("acme", kim)
	key := e.f9NewKey(owner, "acme")
	e.joinByInvite(owner, "acme", "Park Jiwoo", park)
	betaKey := e.f9NewKey(e.ownerSession("beta", lee), "beta")
	e.owned("gamma", kim) // Kim's workspace without a key

	cases := []struct{ name, ws, email, key string }{
		{"super admin, wrong key", "acme", kim, auth.NewRecoveryKey()},
		{"super admin, key of another workspace", "acme", kim, betaKey},
		{"super admin, own key on another workspace", "beta", kim, key},
		{"super admin, workspace without a key", "gamma", kim, key},
		{"super admin, no such workspace", "no-such-ws", kim, key},
		{"plain member, right key", "acme", park, key},
		{"plain member, key of another workspace", "beta", park, betaKey},
		{"super admin of another workspace, right key", "acme", lee, key},
		{"unknown account, right key", "acme", nobody, key},
	}
	e.settle()
	before := e.f9Snapshot()
	hashes := e.s.Hashes()
	calls := 0
	var first response
	same := func(t *testing.T, r response) {
		t.Helper()
		refused(t, r, http.StatusUnauthorized, "invalid_credentials")
		calls++
		if first.Body == nil {
			first = r
			if bytes.Contains(r.Body, []byte("remainingAttempts")) {
				t.Fatalf("the answer tells the remaining attempts: %s", r.Body)
			}
			return
		}
		if !bytes.Equal(r.Body, first.Body) || r.Header.Get("Content-Type") != first.Header.Get("Content-Type") || r.Header.Get("Retry-After") != "" {
			t.Fatalf("answer %s, want the same as %s", r.Body, first.Body)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			same(t, e.hlRecover(tc.ws, tc.email, testPassword, tc.key))
			same(t, e.hlRecover(tc.ws, tc.email, "wrong password!", tc.key))
		})
	}
	// More wrong passwords than the lockout allows, for the super admin
	// and a member: none counts.
	for range 11 {
		same(t, e.hlRecover("acme", kim, "wrong password!", auth.NewRecoveryKey()))
		same(t, e.hlRecover("acme", park, "wrong password!", key))
	}
	if n := e.s.Hashes() - hashes; n != int64(calls) {
		t.Fatalf("%d refused recovery logins hashed %d times, want once each (as a login)", calls, n)
	}
	e.settle()
	if diff := cmp.Diff(before, e.f9Snapshot()); diff != "" {
		t.Fatalf("refused recovery logins wrote (-before +after):\n%s", diff)
	}
	// The owners' own logins have every attempt, and nobody was mailed.
	for _, email := range []string{kim, park} {
		if got := e.hlRemaining("acme", email); got != 9 {
			t.Fatalf("%s: remainingAttempts %d after the recovery calls, want 9 (none counted)", email, got)
		}
	}
	e.settle()
	for _, email := range []string{kim, park, lee, nobody} {
		if n := e.lockMails(email); n != 0 {
			t.Fatalf("%d lock mails to %s", n, email)
		}
	}

	// The right key with a wrong password: the same answer, and it counts
	// (the caller holds the key, and must not get unlimited guesses).
	same(t, e.hlRecover("acme", kim, "wrong password!", key))
	if got := e.hlRemaining("acme", kim); got != 7 {
		t.Fatalf("remainingAttempts %d after a wrong password with the right key, want 7", got)
	}

	// Locked (by wrong passwords on the login meant for them): a wrong key
	// does not tell, the right one does; the key stays unused.
	ticket := e.ticket(kim)
	for range 10 {
		e.passwordLogin(ticket, "acme", kim, "wrong password!", owner.DeviceToken)
	}
	refused(t, e.passwordLogin(ticket, "acme", kim, testPassword, owner.DeviceToken), http.StatusLocked, "locked")
	same(t, e.hlRecover("acme", kim, testPassword, auth.NewRecoveryKey()))
	refused(t, e.hlRecover("acme", kim, testPassword, key), http.StatusLocked, "locked")
	e.advance(3600 + 1)
	requireStatus(t, e.hlRecover("acme", kim, testPassword, key), http.StatusOK)
	e.settle()
	if n := e.lockMails(kim); n != 1 {
		t.Fatalf("%d lock mails to kim, want 1 (the real lock)", n)
	}
}

// TestHardeningCodesOutOfOrder: a code stays valid for its own 10 minutes
// when a newer one is sent (push delivers mails in any order, so the mail
// read last may hold the older code); a right code consumes them all;
// wrong attempts count across codes and the 5th voids every code; codes
// are still sent at most 5 an hour.
func TestHardeningCodesOutOfOrder(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	e.owned("acme", kim)

	// The first code works after a second was sent; the second is then
	// used up with it.
	c1 := e.loginCode(kim)
	c2 := e.loginCode(kim)
	requireStatus(t, e.verifyCode(kim, c1), http.StatusOK)
	refused(t, e.verifyCode(kim, c2), http.StatusGone, "gone")

	// Each code lives until its own expiry: the first is gone at its 10
	// minutes, the second still works. (The try of the used-up code above
	// counted: every attempt does.)
	c3 := e.loginCode(kim)
	e.advance(6 * 60)
	c4 := e.loginCode(kim)
	e.advance(5 * 60)
	if c3 != c4 {
		p := refused(t, e.verifyCode(kim, c3), http.StatusBadRequest, "invalid_code")
		if p.Remaining == nil || *p.Remaining != 3 {
			t.Fatalf("remainingAttempts %s, want 3", hlCount(p.Remaining))
		}
	}
	requireStatus(t, e.verifyCode(kim, c4), http.StatusOK)

	// Still 5 codes an hour.
	e.loginCode(kim)
	r := e.call("POST", "/v1/login/email-code", map[string]string{"email": kim})
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	e.advance(3600)

	// Wrong codes count across the live codes; the 5th voids both.
	c6, c7 := e.loginCode(kim), e.loginCode(kim)
	wrong := "000000"
	for wrong == c6 || wrong == c7 {
		n, _ := strconv.Atoi(wrong)
		wrong = fmt.Sprintf("%06d", n+1)
	}
	for want := 4; want >= 0; want-- {
		p := refused(t, e.verifyCode(kim, wrong), http.StatusBadRequest, "invalid_code")
		if p.Remaining == nil || *p.Remaining != want {
			t.Fatalf("remainingAttempts %s, want %d", hlCount(p.Remaining), want)
		}
	}
	for _, c := range []string{c6, c7} {
		refused(t, e.verifyCode(kim, c), http.StatusLocked, "locked")
	}
}

// hlPending returns the IDs of an account's pending approval requests.
func (e *env) hlPending(accountID string) []string {
	e.t.Helper()
	snaps, err := e.fs().Collection("deviceApprovals").Where("accountId", "==", accountID).Where("status", "==", "pending").
		Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, s := range snaps {
		ids = append(ids, s.Ref.ID)
	}
	return ids
}

// hlCapped requires a refusal of the approval cap, with a Retry-After of
// at most the request lifetime.
func hlCapped(t testing.TB, r response) {
	t.Helper()
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 600 {
		t.Fatalf("Retry-After %q, want 1 to 600 seconds", r.Header.Get("Retry-After"))
	}
}

// TestHardeningApprovalCap: one login ticket and the password make at
// most 3 pending approval requests from one device and 10 for the
// account; beyond, 429 with Retry-After and nothing written. A decided
// request no longer counts, and expired ones free their place.
func TestHardeningApprovalCap(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	ticket := e.ticket(kim)
	login := func(device map[string]string) response {
		return e.call("POST", "/v1/login/password", map[string]any{
			"loginTicket": ticket, "workspaceId": "acme", "email": kim, "password": testPassword, "device": device,
		})
	}
	var first approvalResponse
	for i := range 3 {
		r := login(phone)
		requireStatus(t, r, http.StatusAccepted)
		if i == 0 {
			r.JSON(t, &first)
		}
	}
	e.settle()
	before := e.f9Snapshot()
	hlCapped(t, login(phone))
	// The same device in other letters is the same device.
	hlCapped(t, login(map[string]string{"name": "KIM'S PHONE", "platform": "ios"}))
	e.settle()
	if diff := cmp.Diff(before, e.f9Snapshot()); diff != "" {
		t.Fatalf("refused logins wrote (-before +after):\n%s", diff)
	}
	for i := range 7 {
		requireStatus(t, login(map[string]string{"name": fmt.Sprint("Tablet ", i), "platform": "android"}), http.StatusAccepted)
	}
	hlCapped(t, login(map[string]string{"name": "Yet another", "platform": "web"}))
	if n := len(e.hlPending(owner.AccountID)); n != 10 {
		t.Fatalf("%d pending requests, want 10", n)
	}

	// A decided request no longer counts.
	e.asked(owner, first.ApprovalID)
	requireStatus(t, e.deny(first.ApprovalID, owner.bearer()...), http.StatusOK)
	requireStatus(t, login(phone), http.StatusAccepted)
	hlCapped(t, login(phone))

	// Ten minutes on, they have expired (and so has the ticket).
	e.advance(10*60 + 1)
	ticket = e.ticket(kim)
	requireStatus(t, login(phone), http.StatusAccepted)
}

// TestHardeningApprovalCapRace: eight logins from one new device at once
// make at most 3 requests; the others are 429. (Eight: more than 10
// concurrent password attempts would lock the account, F7.)
func TestHardeningApprovalCapRace(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	ticket := e.ticket(kim)
	_, got := race(8, func(int) int {
		return e.call("POST", "/v1/login/password", map[string]any{
			"loginTicket": ticket, "workspaceId": "acme", "email": kim, "password": testPassword, "device": phone,
		}).Status
	})
	if got[http.StatusAccepted] < 1 || got[http.StatusAccepted] > 3 || got[http.StatusAccepted]+got[http.StatusTooManyRequests] != 8 {
		t.Fatalf("8 concurrent logins from one device: %v, want 1 to 3 202 and the rest 429", got)
	}
	if n := len(e.hlPending(owner.AccountID)); n != got[http.StatusAccepted] {
		t.Fatalf("%d pending requests after %d accepted", n, got[http.StatusAccepted])
	}
}

// TestHardeningPhoneLogin: the organisation login by phone matches only
// the number an admin registered. A member who types a colleague's number
// into their profile breaks nothing (the colleague still logs in with it),
// a number typed into one's own profile never logs in, and changing one's
// profile number leaves one's login number as the admin registered it.
func TestHardeningPhoneLogin(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.linkedOrg(owner, "Acme", "acme-corp")
	park := e.orgMember(owner, "Park", "park@example.com", "010-1234-5678")
	const mal = "mal@example.com"
	malID := e.joinByInvite(owner, "acme", "Mal", mal)
	malSession := e.login("acme", mal, "")

	// Mal puts Park's number, then a number of no one's, in his profile.
	e.patchedProfile(malSession, map[string]any{"mobile": "010-1234-5678"})
	parkSession := orgSession(t, e.orgLogin("acme-corp", "010-1234-5678", testPassword, "", nil), park, "acme")
	e.patchedProfile(malSession, map[string]any{"mobile": "010-7777-8888"})
	refused(t, e.orgLogin("acme-corp", "010-7777-8888", testPassword, malSession.DeviceToken, nil), http.StatusUnauthorized, "invalid_credentials")
	if got := e.doc(profilePath("acme", malID))["loginPhone"]; got != "" {
		t.Fatalf("Mal's login phone %v, want none", got)
	}

	// Park changes his profile number: he still logs in with the
	// registered one, not with the new one.
	if p := e.patchedProfile(parkSession, map[string]any{"mobile": "010-5555-6666"}); p["mobile"] != "+821055556666" {
		t.Fatalf("profile mobile %v", p["mobile"])
	}
	orgSession(t, e.orgLogin("acme-corp", "010-1234-5678", testPassword, parkSession.DeviceToken, nil), park, "acme")
	refused(t, e.orgLogin("acme-corp", "010-5555-6666", testPassword, parkSession.DeviceToken, nil), http.StatusUnauthorized, "invalid_credentials")
	if got := e.doc(profilePath("acme", park))["loginPhone"]; got != "+821012345678" {
		t.Fatalf("Park's login phone %v, want +821012345678", got)
	}
}

// hlCount shows a remaining-attempts count, or its absence.
func hlCount(n *int) string {
	if n == nil {
		return "none"
	}
	return strconv.Itoa(*n)
}

// TestHardeningCodeRequestsPerClient: one client can request login codes
// for at most 30 addresses an hour, whatever it claims in
// X-Forwarded-For before the balancer's entry; a refused request stores
// no code and sends nothing; another client is unaffected, and the limit
// lifts with the window.
func TestHardeningCodeRequestsPerClient(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *stackOptions) {
		configure := o.Configure
		o.Configure = func(c *configT) {
			if configure != nil {
				configure(c)
			}
			c.TrustedProxyHops = 1
		}
	})
	request := func(email, forwardedFor string) response {
		return e.call("POST", "/v1/login/email-code", map[string]string{"email": email}, "X-Forwarded-For", forwardedFor)
	}
	for i := range 30 {
		// The client makes up a new address to the left each time; only
		// the balancer's entry (the last) counts.
		r := request(fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("10.9.9.%d, 203.0.113.7", i))
		requireStatus(t, r, http.StatusAccepted)
	}
	codes := e.count("loginCodes")
	r := request("victim@example.com", "198.51.100.1, 203.0.113.7")
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs <= 0 || secs > 3600 {
		t.Fatalf("Retry-After %q, want within the hour", r.Header.Get("Retry-After"))
	}
	if got := e.count("loginCodes"); got != codes {
		t.Fatalf("a refused request stored a code: %d login-code documents, want %d", got, codes)
	}
	requireStatus(t, request("victim@example.com", "203.0.113.8"), http.StatusAccepted)
	e.advance(3600)
	requireStatus(t, request("user0@example.com", "203.0.113.7"), http.StatusAccepted)
}

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/ratelimit"
)

// The tests here replay the attacks of issue 15 on joining workgate: a
// sign-up form that sets the password of someone else's account (item 2),
// and unauthenticated mail senders with no limit (item 3: sign-ups,
// password-reset requests, nudges, and workspace IDs squatted by pending
// creations).

// behindProxy runs the stack as behind the load balancer, which appends
// one X-Forwarded-For entry: a test then acts as different clients by
// sending that entry (and, as a client would, entries of its own before
// it).
func behindProxy(o *stackOptions) {
	o.Configure = func(c *configT) { c.TrustedProxyHops = 1 }
}

// from is the header the load balancer sends for a client at ip, after
// what the client itself put in X-Forwarded-For (spoofed, if any).
func from(ip string, spoofed ...string) []string {
	return []string{"X-Forwarded-For", strings.Join(append(spoofed, ip), ", ")}
}

// startOfWindow moves the dev clock to one minute into the next window of
// length w, so that a test's uses of a rule all fall in one window.
func (e *env) startOfWindow(w time.Duration) {
	e.t.Helper()
	now := e.devNow()
	e.advance(int(now.Truncate(w).Add(w+time.Minute).Sub(now)/time.Second) + 1)
}

// hashes is how many argon2 hashes the stack has computed.
func (e *env) hashes() int64 { return e.s.Hashes() }

// signUp is sign-up i for an address from a client: a workspace creation
// (workspace ws-i) for even i, an invite acceptance through link for odd i.
func (e *env) signUp(i int, link, email string, headers ...string) response {
	e.t.Helper()
	if i%2 == 0 {
		return e.call("POST", "/v1/workspaces", newWorkspace(fmt.Sprintf("ws-%d", i), email), headers...)
	}
	return e.call("POST", "/v1/invites/"+link+"/accept", map[string]string{"name": "Anyone", "email": email, "password": testPassword}, headers...)
}

// requireRateLimited requires a 429 rate_limited whose Retry-After is
// within the rule's window.
func requireRateLimited(t testing.TB, r response, w time.Duration) {
	t.Helper()
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	requireRetryAfter(t, r, w)
}

func requireRetryAfter(t testing.TB, r response, w time.Duration) {
	t.Helper()
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs <= 0 || time.Duration(secs)*time.Second > w {
		t.Fatalf("Retry-After %q, want 1 to %v seconds", r.Header.Get("Retry-After"), w.Seconds())
	}
}

// verifyTokenFor waits for the verification mail to an address that names
// a workspace ID, and returns its token.
func (e *env) verifyTokenFor(email, workspaceID string) string {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		for _, m := range e.mails(email) {
			if tok, ok := m.LinkPath("/verify-email/"); ok && strings.Contains(m.Text, "ID: "+workspaceID+")") {
				return tok
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no verification mail for %s to %s after 45s", workspaceID, email)
		}
		sleep()
	}
}

// TestHardeningSignUpNeverSetsPassword replays item 2: someone who knows an
// address (and holds an invite link, or creates a workspace) signs it up
// with a password of their choosing; its owner follows the genuine
// verification mail. Whatever the address had (an invitation by an admin
// without a password yet, an account with a password, or an invitation
// that arrived between the sign-up and the confirmation), the attacker's
// password never logs in, the account keeps what it had, and its owner's
// own ways in (the set-password link, their password) still work. The
// invite cases fail on the code before the fix (the attacker's password
// was set); the creation cases guard F1, which ignored it already.
func TestHardeningSignUpNeverSetsPassword(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	acmeLink := e.newInviteLink(owner, "acme", map[string]any{}).Token
	evil := e.ownerSession("evil", "attacker@example.com") // the attacker's own workspace
	evilLink := e.newInviteLink(evil, "evil", map[string]any{}).Token

	const attackerPassword = "attacker knows this one"
	const victimPassword = "the victim's own choice"
	cases := []struct {
		name string
		// had is what the address has when the attacker signs it up:
		// "invited" (registered in acme by its admin, no password),
		// "password" (an account with testPassword), or "nothing".
		had string
		// form is the attacker's sign-up: "acme" or "evil" (an invite
		// link of that workspace), or "create" (a workspace of their own).
		form string
		// registeredBetween: acme's admin registers the address after the
		// sign-up and before its owner confirms it.
		registeredBetween bool
	}{
		{name: "invite link of the workspace that invited the member", had: "invited", form: "acme"},
		{name: "invite link of another workspace", had: "invited", form: "evil"},
		{name: "invited between sign-up and confirmation", had: "nothing", form: "acme", registeredBetween: true},
		{name: "account with a password", had: "password", form: "evil"},
		{name: "workspace creation, invited member", had: "invited", form: "create"},
		{name: "workspace creation, invited between sign-up and confirmation", had: "nothing", form: "create", registeredBetween: true},
	}
	for i, tc := range cases {
		e.step(t, tc.name, func(t *testing.T) {
			email := fmt.Sprintf("victim%d@example.com", i)
			setup := ""
			register := func() {
				e.registered(owner, "acme", "Registered Name", email)
				setup = e.setupToken(email, 1)
			}
			switch tc.had {
			case "invited":
				register()
			case "password":
				e.owned(fmt.Sprintf("own-%d", i), email)
			}

			// The attack: a sign-up with the victim's address.
			ws := tc.form
			switch tc.form {
			case "create":
				ws = fmt.Sprintf("evil-%d", i)
				b := newWorkspace(ws, email)
				b.Owner.Password = attackerPassword
				requireStatus(t, e.call("POST", "/v1/workspaces", b), http.StatusAccepted)
			default:
				link := map[string]string{"acme": acmeLink, "evil": evilLink}[tc.form]
				r := e.call("POST", "/v1/invites/"+link+"/accept", map[string]string{"name": "Victim", "email": email, "password": attackerPassword})
				requireStatus(t, r, http.StatusAccepted)
			}
			token := e.verifyTokenFor(email, ws)
			if tc.registeredBetween {
				register()
			}
			// The victim follows the genuine mail.
			v := e.verify(token)
			if v.WorkspaceID != ws {
				t.Fatalf("verified into %s, want %s", v.WorkspaceID, ws)
			}

			r := e.passwordLogin(e.ticket(email), ws, email, attackerPassword, "")
			refused(t, r, http.StatusUnauthorized, "invalid_credentials")
			acc := e.doc("accounts/" + v.AccountID)
			switch tc.had {
			case "password":
				if !e.resetPasswordIs(v.AccountID, testPassword) {
					t.Fatal("the account's password changed")
				}
				e.login(ws, email, "")
				return
			}
			if h, _ := acc["passwordHash"].(string); h != "" {
				t.Fatal("a sign-up form gave the invited member's account a password")
			}
			if tc.form == "acme" {
				// Joined acme: the invitation is now an active membership,
				// with what the admin filled in.
				m := e.doc("workspaces/acme/members/" + v.AccountID)
				if m["status"] != "active" || m["name"] != "Registered Name" {
					t.Fatalf("acme membership = %v", m)
				}
			}
			// The member's own link still sets the password.
			requireStatus(t, e.setPassword(setup, victimPassword), http.StatusOK)
			r = e.passwordLogin(e.ticket(email), ws, email, victimPassword, "")
			requireStatus(t, r, http.StatusOK)
			if ws != "acme" { // and the membership the link was for
				var s session
				r.JSON(t, &s)
				requireStatus(t, e.passwordLogin(e.ticket(email), "acme", email, victimPassword, s.DeviceToken), http.StatusOK)
			}
			e.settle()
			if n := len(e.mailsMatching(email, passwordChangedSubjects...)); n != 0 {
				t.Fatalf("%d password-changed mails: the set-password link found a password to replace", n)
			}
		})
	}
}

// TestHardeningSignUpAddressLimit replays item 3 against one inbox: 20
// sign-ups for one address, workspace creations and invite acceptances
// alternately, each from another client. At most the address's limit of
// them are answered 202, hashed and mailed; the others are 429 with
// Retry-After, and hash, write and mail nothing. The next window lets the
// address sign up again.
func TestHardeningSignUpAddressLimit(t *testing.T) {
	t.Parallel()
	e := start(t, behindProxy)
	rule := ratelimit.SignupAddress
	e.startOfWindow(rule.Window)
	owner := e.ownerSession("acme", "owner@example.com")
	link := e.newInviteLink(owner, "acme", map[string]any{}).Token
	const victim = "victim@example.com"

	var statuses []int
	var before []string
	for i := range 20 {
		if i == rule.Limit {
			e.settle()
			before = e.documents()
		}
		hashes := e.hashes()
		r := e.signUp(i, link, victim, from(fmt.Sprintf("203.0.113.%d", i+1))...)
		statuses = append(statuses, r.Status)
		switch {
		case i < rule.Limit:
			requireStatus(t, r, http.StatusAccepted)
			if got := e.hashes() - hashes; got != 1 {
				t.Fatalf("sign-up %d hashed %d times, want 1", i, got)
			}
		default:
			requireRateLimited(t, r, rule.Window)
			if got := e.hashes() - hashes; got != 0 {
				t.Fatalf("refused sign-up %d hashed %d times", i, got)
			}
		}
	}
	e.settle()
	if n := len(e.mails(victim)); n != rule.Limit {
		t.Fatalf("%d mails to the address after 20 sign-ups (statuses %v), want %d", n, statuses, rule.Limit)
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused sign-ups wrote (-before +after):\n%s", diff)
	}

	e.advance(int(rule.Window / time.Second))
	requireStatus(t, e.signUp(100, link, victim, from("203.0.113.200")...), http.StatusAccepted)
	e.waitMails(victim, rule.Limit+1)
}

// TestHardeningSignUpClientLimit replays item 3 from one client: sign-ups
// for ever new addresses from one IP are limited by the IP, also when the
// client puts addresses of its own in X-Forwarded-For before the one the
// load balancer appends. Refused ones, through the API and the invite
// page (which says so in the reader's language), hash, write and mail
// nothing. Other clients are not affected, and the next window lets the
// client sign up again.
func TestHardeningSignUpClientLimit(t *testing.T) {
	t.Parallel()
	e := start(t, behindProxy)
	rule := ratelimit.SignupIP
	e.startOfWindow(rule.Window)
	owner := e.ownerSession("acme", "owner@example.com")
	link := e.newInviteLink(owner, "acme", map[string]any{}).Token
	const client = "198.51.100.7"
	addr := func(i int) string { return fmt.Sprintf("signup%d@example.com", i) }

	hashes := e.hashes()
	for i := range rule.Limit {
		// Half of them spoofed: the client's own entries are ignored.
		headers := from(client)
		if i%2 == 1 {
			headers = from(client, fmt.Sprintf("10.0.%d.1", i))
		}
		requireStatus(t, e.signUp(i, link, addr(i), headers...), http.StatusAccepted)
	}
	if got := e.hashes() - hashes; got != int64(rule.Limit) {
		t.Fatalf("%d sign-ups hashed %d times", rule.Limit, got)
	}
	e.settle()
	before, hashes := e.documents(), e.hashes()
	for i := rule.Limit; i < rule.Limit+6; i++ {
		spoofed := []string{fmt.Sprintf("192.0.2.%d", i), fmt.Sprintf("10.1.%d.1, 10.2.%d.1", i, i)}[i%2]
		r := e.signUp(i, link, addr(i), from(client, spoofed)...)
		requireRateLimited(t, r, rule.Window)
		if i%3 == 0 {
			requireRateLimited(t, e.signUp(i, link, addr(i), from(client)...), rule.Window)
		}
	}
	pages := []struct{ locale, says string }{
		{"en", "Too many sign-ups were asked"},
		{"ko", "가입 요청이 너무 많아"},
	}
	for _, p := range pages {
		form := url.Values{"name": {"Page " + p.locale}, "email": {"page-" + p.locale + "@example.com"}, "password": {testPassword}}
		r := e.call("POST", "/invite/"+link, form, append(from(client), "Accept-Language", p.locale)...)
		requireHTML(t, r, http.StatusTooManyRequests)
		requireRetryAfter(t, r, rule.Window)
		if !strings.Contains(string(r.Body), p.says) {
			t.Fatalf("%s page over the limit does not say so:\n%s", p.locale, r.Body)
		}
	}
	if got := e.hashes() - hashes; got != 0 {
		t.Fatalf("refused sign-ups hashed %d times", got)
	}
	e.settle()
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused sign-ups wrote (-before +after):\n%s", diff)
	}
	for _, email := range []string{addr(rule.Limit), addr(rule.Limit + 5), "page-en@example.com", "page-ko@example.com"} {
		if n := len(e.mails(email)); n != 0 {
			t.Fatalf("a refused sign-up mailed %s %d times", email, n)
		}
	}

	// Another client is not limited by this one.
	requireStatus(t, e.signUp(1, link, "other@example.com", from("198.51.100.8", client)...), http.StatusAccepted)
	// The next window.
	e.advance(int(rule.Window / time.Second))
	requireStatus(t, e.signUp(0, link, "later@example.com", from(client)...), http.StatusAccepted)
	e.waitMails("later@example.com", 1)
}

// TestHardeningPendingIDHold: a pending workspace holds its ID for an
// hour, not for the day its link lives. Within the hour the ID is taken;
// after it, anyone may claim the ID, and the first owner's late link then
// answers 410 (API, page and form) with nothing written; the new owner
// activates it. A late link whose ID nobody claimed still works.
func TestHardeningPendingIDHold(t *testing.T) {
	t.Parallel()
	e := start(t)
	first := e.create(newWorkspace("squat", "first@example.com"))
	unclaimed := e.create(newWorkspace("unclaimed", "slow@example.com"))
	e.advance(59 * 60)
	refused(t, e.call("POST", "/v1/workspaces", newWorkspace("squat", "second@example.com")), http.StatusConflict, "conflict")
	e.advance(60 + 1)
	second := e.create(newWorkspace("squat", "second@example.com"))

	e.settle()
	before, ws := e.documents(), e.doc("workspaces/squat")
	if r := e.call("GET", "/verify-email/"+first, nil, "Accept-Language", "en"); r.Status != http.StatusGone {
		t.Fatalf("the first owner's page = %d, want 410", r.Status)
	}
	if r := e.call("POST", "/verify-email/"+first, url.Values{}, "Accept-Language", "en"); r.Status != http.StatusGone {
		t.Fatalf("the first owner's form = %d, want 410", r.Status)
	}
	refused(t, e.call("POST", "/v1/email-verifications", map[string]string{"token": first}), http.StatusGone, "gone")
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("the late link wrote (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(ws, e.doc("workspaces/squat")); diff != "" {
		t.Fatalf("the late link changed the workspace (-before +after):\n%s", diff)
	}

	v := e.verify(second)
	e.checkActive("squat", v.AccountID)
	if acc := e.doc("accounts/" + v.AccountID); acc["email"] != "second@example.com" {
		t.Fatalf("squat belongs to %v", acc["email"])
	}
	e.checkActive("unclaimed", e.verify(unclaimed).AccountID)
}

// TestHardeningResetClientLimit: password-reset requests from one client
// over its limit are answered 202 like any other, and send, write and
// hash nothing, even for a name and address that match an account and
// with X-Forwarded-For spoofed; another client's request still mails.
func TestHardeningResetClientLimit(t *testing.T) {
	t.Parallel()
	e := start(t, behindProxy)
	rule := ratelimit.ResetIP
	e.startOfWindow(rule.Window)
	const kim = "kim@example.com"
	e.owned("acme", kim)
	const client = "198.51.100.7"
	reset := func(name, email string, headers ...string) response {
		return e.call("POST", "/v1/password-resets", map[string]string{"name": name, "email": email}, headers...)
	}

	first := reset(resetOwnerName, "nobody0@example.com", from(client)...)
	requireStatus(t, first, http.StatusAccepted)
	for i := 1; i < rule.Limit; i++ {
		requireStatus(t, reset(resetOwnerName, fmt.Sprintf("nobody%d@example.com", i), from(client)...), http.StatusAccepted)
	}
	e.settle()
	before, hashes := e.documents(), e.hashes()
	for _, headers := range [][]string{from(client), from(client, "192.0.2.1")} {
		r := reset(resetOwnerName, kim, headers...)
		if r.Status != first.Status || string(r.Body) != string(first.Body) {
			t.Fatalf("over the limit = %d %s, want %d %s like any request", r.Status, r.Body, first.Status, first.Body)
		}
	}
	e.settle()
	if n := len(e.resetMails(kim)); n != 0 {
		t.Fatalf("requests over the client's limit sent %d reset mails", n)
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("requests over the limit wrote (-before +after):\n%s", diff)
	}
	if got := e.hashes() - hashes; got != 0 {
		t.Fatalf("requests over the limit hashed %d times", got)
	}
	requireStatus(t, reset(resetOwnerName, kim, from("198.51.100.8")...), http.StatusAccepted)
	e.waitResetMails(kim, 1)
}

// TestHardeningNudgeClientLimit: nudges from one client over its limit are
// 429 with Retry-After, also with X-Forwarded-For spoofed, and mail and
// write nothing; another client may still nudge.
func TestHardeningNudgeClientLimit(t *testing.T) {
	t.Parallel()
	e := start(t, behindProxy)
	rule := ratelimit.NudgeIP
	e.startOfWindow(rule.Window)
	const kim, park = "kim@example.com", "park@example.com"
	owner := e.ownerSession("acme", kim)
	parkID := e.joinByInvite(owner, "acme", "Park Jiwoo", park)
	a := e.newDeviceLogin("acme", kim)
	const client = "198.51.100.7"
	nudge := func(headers ...string) response {
		return e.call("POST", "/v1/device-approvals/"+a.ApprovalID+"/nudge", map[string]string{"pollToken": a.PollToken, "memberId": parkID}, headers...)
	}

	for range rule.Limit {
		requireStatus(t, nudge(from(client)...), http.StatusAccepted)
	}
	e.settle()
	before := e.documents()
	requireRateLimited(t, nudge(from(client)...), rule.Window)
	requireRateLimited(t, nudge(from(client, "192.0.2.1")...), rule.Window)
	e.settle()
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused nudges wrote (-before +after):\n%s", diff)
	}
	if n := len(e.mailsMatching(park, nudgeSubjects...)); n != 1 {
		t.Fatalf("%d nudge mails, want 1", n)
	}
	requireStatus(t, nudge(from("198.51.100.8")...), http.StatusAccepted)
}

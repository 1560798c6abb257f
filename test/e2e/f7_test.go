package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
)

// TestLockout is F7: 10 wrong passwords in a row lock password login for
// an hour, on every workspace; the lock mail arrives; a success resets
// the count; the lock ends after an hour.
func TestLockout(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	e.owned("acme", email)
	e.owned("beta", email)
	first := e.login("acme", email, "")
	ticket := e.ticket(email)
	wrong := func() response { return e.passwordLogin(ticket, "acme", email, "wrong password!", first.DeviceToken) }

	// 9 wrong, then right: the count starts again.
	for range 9 {
		requireStatus(t, wrong(), http.StatusUnauthorized)
	}
	requireStatus(t, e.passwordLogin(ticket, "acme", email, testPassword, first.DeviceToken), http.StatusOK)

	ticket = e.ticket(email)
	for i := range 10 {
		r := wrong()
		if r.Status != http.StatusUnauthorized || r.Code(t) != "invalid_credentials" {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Locked: the right password is refused too, in every workspace, and
	// the answer says until when.
	for _, ws := range []string{"acme", "beta"} {
		r := e.passwordLogin(ticket, ws, email, testPassword, first.DeviceToken)
		requireStatus(t, r, http.StatusLocked)
		var p map[string]any
		r.JSON(t, &p)
		if p["code"] != "locked" || p["lockedUntil"] == nil || r.Header.Get("Retry-After") == "" {
			t.Fatalf("locked answer %s", r.Body)
		}
	}
	e.settle()
	if n := e.lockMails(email); n != 1 {
		t.Fatalf("%d lock mails, want 1", n)
	}
	// An hour later the right password works (the ticket expired meanwhile).
	e.advance(3600 + 1)
	requireStatus(t, e.passwordLogin(e.ticket(email), "acme", email, testPassword, first.DeviceToken), http.StatusOK)
}

// TestLockoutParallel: 30 wrong passwords at once: at most 10 are judged
// (hashed and answered 401), the others are refused as locked, and then
// the right password is refused too.
func TestLockoutParallel(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	e.owned("acme", email)
	ticket := e.ticket(email)
	hashes := e.s.Hashes()
	_, got := race(30, func(int) int { return e.passwordLogin(ticket, "acme", email, "wrong password!", "").Status })
	judged := e.s.Hashes() - hashes
	if got[http.StatusUnauthorized] > 10 || got[http.StatusUnauthorized]+got[http.StatusLocked] != 30 || judged > 10 {
		t.Fatalf("30 parallel wrong passwords: %v, %d hashed; want at most 10 judged, the rest 423", got, judged)
	}
	t.Logf("30 parallel wrong passwords: %v, %d hashed", got, judged)
	requireStatus(t, e.passwordLogin(ticket, "acme", email, testPassword, ""), http.StatusLocked)
	e.settle()
	if n := e.lockMails(email); n != 1 {
		t.Fatalf("%d lock mails, want 1", n)
	}
}

// lockMails counts the lockout mails to an address, in either language.
func (e *env) lockMails(email string) int {
	e.t.Helper()
	var subjects []string
	for _, l := range i18n.Locales() {
		m, err := mail.Render(mail.AccountLocked, l, email, mail.Data{LockedUntil: time.Now()}, mail.URLs{Public: "http://x", App: "http://x"})
		if err != nil {
			e.t.Fatal(err)
		}
		subjects = append(subjects, m.Subject)
	}
	return len(e.mailsMatching(email, subjects...))
}

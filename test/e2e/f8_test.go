package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/auth"
)

// The helpers of F8 (password reset). Accounts come from e.owned, whose
// owner is named "Kim Workgate" and has the password testPassword.

const (
	resetOwnerName   = "Kim Workgate"
	resetNewPassword = "a brand new passphrase"
	resetPrefix      = "/reset-password/"
)

// requestReset asks for a reset link.
func (e *env) requestReset(name, email string) response {
	e.t.Helper()
	return e.call("POST", "/v1/password-resets", map[string]string{"name": name, "email": email})
}

// resetMails returns the reset-link mails to an address, newest first.
func (e *env) resetMails(email string) []mailsink.Message {
	e.t.Helper()
	var out []mailsink.Message
	for _, m := range e.mails(email) {
		if _, ok := m.LinkPath(resetPrefix); ok {
			out = append(out, m)
		}
	}
	return out
}

// waitResetMails waits until an address has n reset mails, then until
// nothing is in flight, and returns them, newest first.
func (e *env) waitResetMails(email string, n int) []mailsink.Message {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for len(e.resetMails(email)) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d reset mails to %s after 45s, want %d", len(e.resetMails(email)), email, n)
		}
		sleep()
	}
	e.settle()
	return e.resetMails(email)
}

// resetToken requests a reset link for an account and returns the token of
// the mail it sends.
func (e *env) resetToken(name, email string) string {
	e.t.Helper()
	before := len(e.resetMails(email))
	requireStatus(e.t, e.requestReset(name, email), http.StatusAccepted)
	for range 45 * 20 {
		if ms := e.resetMails(email); len(ms) > before {
			return linkToken(e.t, ms[0], resetPrefix)
		}
		sleep()
	}
	e.t.Fatalf("no reset mail for %s", email)
	return ""
}

// confirmReset sets a password with a reset token through the JSON API.
func (e *env) confirmReset(token, password string) response {
	e.t.Helper()
	return e.call("POST", "/v1/password-resets/confirm", map[string]string{"token": token, "password": password})
}

// resetChangedMails counts the password-changed mails to an address, in
// either language.
func (e *env) resetChangedMails(email string) int {
	e.t.Helper()
	return len(e.mailsMatching(email, passwordChangedSubjects...))
}

// resetPasswordIs reports whether an account's stored hash verifies a
// password.
func (e *env) resetPasswordIs(accountID, password string) bool {
	e.t.Helper()
	ok, err := e.s.Deps.Hasher.Verify(context.Background(), e.doc("accounts/" + accountID)["passwordHash"].(string), password)
	if err != nil {
		e.t.Fatal(err)
	}
	return ok
}

// resetDocuments lists the documents of one top-level collection.
func (e *env) resetDocuments(collection string) []string {
	e.t.Helper()
	var out []string
	for _, d := range e.documents() {
		if strings.HasPrefix(d, collection+"/") {
			out = append(out, d)
		}
	}
	return out
}

// TestResetPage is F8 through the mail and the HTML page: the link opens
// a form (twice: opening never consumes it), a refused password shows the
// form again, the form sets the password once; the account is mailed that
// its password changed, the old password stops working and the new one
// works.
func TestResetPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")
	token := e.resetToken(" kim   WORKGATE ", " Kim@Example.com ")

	m := e.resetMails("kim@example.com")[0]
	if !strings.Contains(m.Text, resetOwnerName) || !strings.Contains(m.HTML, resetOwnerName) {
		t.Errorf("reset mail does not greet the account's name: %q", m.Text)
	}
	if len(token) < 22 { // 128 bits of base64url
		t.Fatalf("reset token %q is shorter than 128 bits", token)
	}
	if acc := e.doc("accounts/" + accountID); acc["passwordResetHash"] != auth.HashToken(token) {
		t.Fatalf("account's passwordResetHash = %v, want the hash of the mailed token", acc["passwordResetHash"])
	}
	if len(e.resetDocuments("passwordResets")) != 1 {
		t.Fatal("no reset link document")
	}
	if _, err := e.fs().Doc("passwordResets/" + token).Get(context.Background()); err == nil {
		t.Fatal("the token is stored in clear")
	}

	for range 2 {
		r := e.call("GET", resetPrefix+token, nil, "Accept-Language", "en-US,en;q=0.9")
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("page = %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		body := string(r.Body)
		for _, want := range []string{`<form method="post" action="/reset-password/` + token + `"`, `name="password" type="password"`, "Change my password", "kim@example.com"} {
			if !strings.Contains(body, want) {
				t.Fatalf("page lacks %q:\n%s", want, body)
			}
		}
		if r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("Cache-Control") != "no-store" {
			t.Error("the page would leak its token")
		}
	}
	if r := e.call("GET", resetPrefix+token, nil); !strings.Contains(string(r.Body), "비밀번호 변경하기") {
		t.Error("the page is not Korean by default")
	}
	if !e.resetPasswordIs(accountID, testPassword) {
		t.Fatal("opening the page changed the password")
	}

	// A refused password, or two that differ: the form again, for the same
	// account (its e-mail still shown), the link still usable.
	refused := []url.Values{
		{"password": {"short"}, "confirm": {"short"}},
		{"password": {resetNewPassword}, "confirm": {resetNewPassword + "?"}},
	}
	for _, form := range refused {
		r := e.call("POST", resetPrefix+token, form, "Accept-Language", "en")
		body := string(r.Body)
		if r.Status != http.StatusBadRequest || !strings.Contains(body, `action="/reset-password/`+token+`"`) || !strings.Contains(body, "kim@example.com") ||
			!strings.Contains(body, "not a common password") && !strings.Contains(body, "The two passwords are not the same") {
			t.Fatalf("refused form = %d\n%s", r.Status, body)
		}
	}

	form := url.Values{"password": {resetNewPassword}, "confirm": {resetNewPassword}}
	r := e.resultPage(t, e.call("POST", resetPrefix+token, form, "Accept-Language", "en"), "/reset-password/done", "Accept-Language", "en")
	if !strings.Contains(string(r.Body), "Password changed") || strings.Contains(string(r.Body), "kim@example.com") {
		t.Fatalf("done page:\n%s", r.Body)
	}
	if !e.resetPasswordIs(accountID, resetNewPassword) {
		t.Fatal("the form did not set the new password")
	}
	acc := e.doc("accounts/" + accountID)
	if acc["passwordResetHash"] != "" || acc["passwordChangedAt"] == nil || acc["passwordChangedAt"].(time.Time).IsZero() {
		t.Fatalf("account after reset: passwordResetHash %v, passwordChangedAt %v", acc["passwordResetHash"], acc["passwordChangedAt"])
	}
	for _, method := range []string{"GET", "POST"} {
		again := url.Values{"password": {"yet another passphrase"}, "confirm": {"yet another passphrase"}}
		r := e.call(method, resetPrefix+token, again, "Accept-Language", "en")
		if r.Status != http.StatusGone || !strings.Contains(string(r.Body), "Your password was already changed with this link") {
			t.Fatalf("%s after use = %d\n%s", method, r.Status, r.Body)
		}
	}

	deadline := time.Now().Add(45 * time.Second)
	for e.resetChangedMails("kim@example.com") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no password-changed mail")
		}
		sleep()
	}

	ticket := e.ticket("kim@example.com")
	r = e.passwordLogin(ticket, "acme", "kim@example.com", testPassword, "")
	if r.Status != http.StatusUnauthorized || r.Code(t) != "invalid_credentials" {
		t.Fatalf("old password = %d %s", r.Status, r.Body)
	}
	requireStatus(t, e.passwordLogin(ticket, "acme", "kim@example.com", resetNewPassword, ""), http.StatusOK)
}

// TestResetSessionsAndDevices: a reset through the JSON API revokes the
// sessions that existed (access and refresh tokens stop working), logs
// nobody in, and keeps the trusted device trusted.
func TestResetSessionsAndDevices(t *testing.T) {
	t.Parallel()
	e := start(t)
	s := e.ownerSession("acme", "kim@example.com")
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusOK)

	token := e.resetToken(resetOwnerName, "kim@example.com")
	r := e.confirmReset(token, resetNewPassword)
	requireStatus(t, r, http.StatusOK)
	var got map[string]any
	r.JSON(t, &got)
	if diff := cmp.Diff(map[string]any{"status": "password_changed"}, got); diff != "" {
		t.Fatalf("confirm answer (-want +got):\n%s", diff)
	}

	if r := e.call("GET", "/v1/me", nil, s.bearer()...); r.Status != http.StatusUnauthorized {
		t.Fatalf("old access token after reset = %d %s", r.Status, r.Body)
	}
	if r := e.call("POST", "/v1/token/refresh", map[string]string{"refreshToken": s.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old refresh token after reset = %d %s", r.Status, r.Body)
	}
	sess := e.doc("sessions/" + s.SessionID)
	if sess["revokedWhy"] != "password_changed" {
		t.Fatalf("old session revokedWhy = %v", sess["revokedWhy"])
	}
	live, err := e.fs().Collection("sessions").Where("revokedAt", "==", time.Time{}).Documents(context.Background()).GetAll()
	if err != nil || len(live) != 0 {
		t.Fatalf("%d live sessions after reset (%v); the reset must log nobody in", len(live), err)
	}

	ticket := e.ticket("kim@example.com")
	if r := e.passwordLogin(ticket, "acme", "kim@example.com", testPassword, s.DeviceToken); r.Status != http.StatusUnauthorized || r.Code(t) != "invalid_credentials" {
		t.Fatalf("old password = %d %s", r.Status, r.Body)
	}
	r = e.passwordLogin(ticket, "acme", "kim@example.com", resetNewPassword, s.DeviceToken)
	if r.Status != http.StatusOK {
		t.Fatalf("login on the trusted device after reset = %d %s (want a session, not an approval)", r.Status, r.Body)
	}
	var next session
	r.JSON(t, &next)
	if next.DeviceID != s.DeviceID || next.DeviceToken != "" {
		t.Fatalf("new session on device %s (new token %q), want the trusted device %s", next.DeviceID, next.DeviceToken, s.DeviceID)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, next.bearer()...), http.StatusOK)
}

// TestResetNewerVoidsOlder: requesting a new link voids the older ones.
func TestResetNewerVoidsOlder(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")
	older := e.resetToken(resetOwnerName, "kim@example.com")
	newer := e.resetToken(resetOwnerName, "kim@example.com")

	if r := e.call("GET", resetPrefix+older, nil); r.Status != http.StatusGone {
		t.Fatalf("older link's page = %d", r.Status)
	}
	if r := e.confirmReset(older, resetNewPassword); r.Status != http.StatusGone || r.Code(t) != "gone" {
		t.Fatalf("older link = %d %s", r.Status, r.Body)
	}
	if !e.resetPasswordIs(accountID, testPassword) {
		t.Fatal("the voided link changed the password")
	}
	requireStatus(t, e.confirmReset(newer, resetNewPassword), http.StatusOK)
	if !e.resetPasswordIs(accountID, resetNewPassword) {
		t.Fatal("the newer link did not set the password")
	}
}

// TestResetSingleUse: a link sets a password once; of 10 concurrent uses
// (JSON and form) exactly one succeeds, and one password-changed mail is
// sent.
func TestResetSingleUse(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")

	first := e.resetToken(resetOwnerName, "kim@example.com")
	requireStatus(t, e.confirmReset(first, resetNewPassword), http.StatusOK)
	if r := e.confirmReset(first, "another fine passphrase"); r.Status != http.StatusGone || r.Code(t) != "gone" {
		t.Fatalf("second use = %d %s", r.Status, r.Body)
	}
	if !e.resetPasswordIs(accountID, resetNewPassword) {
		t.Fatal("the second use changed the password")
	}

	token := e.resetToken(resetOwnerName, "kim@example.com")
	const n = 10
	_, count := race(n, func(i int) int {
		password := "concurrent passphrase " + string(rune('a'+i))
		if i%2 == 0 {
			return e.confirmReset(token, password).Status
		}
		return asAPI(e.call("POST", resetPrefix+token, url.Values{"password": {password}, "confirm": {password}}).Status)
	})
	if diff := cmp.Diff(map[int]int{200: 1, 410: n - 1}, count); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	deadline := time.Now().Add(45 * time.Second)
	for e.resetChangedMails("kim@example.com") < 2 && time.Now().Before(deadline) {
		sleep()
	}
	e.settle()
	if got := e.resetChangedMails("kim@example.com"); got != 2 {
		t.Fatalf("%d password-changed mails, want 2 (one per successful reset)", got)
	}
}

// TestResetExpiry: a link stops working after an hour.
func TestResetExpiry(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")
	token := e.resetToken(resetOwnerName, "kim@example.com")
	e.advance(3601)
	if r := e.call("GET", resetPrefix+token, nil); r.Status != http.StatusGone {
		t.Fatalf("expired link's page = %d", r.Status)
	}
	if r := e.confirmReset(token, resetNewPassword); r.Status != http.StatusGone || r.Code(t) != "gone" {
		t.Fatalf("expired link = %d %s", r.Status, r.Body)
	}
	if !e.resetPasswordIs(accountID, testPassword) {
		t.Fatal("an expired link changed the password")
	}
}

// TestResetLiftsLock: a reset lifts the password lock (F7).
func TestResetLiftsLock(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.owned("acme", "kim@example.com")
	ticket := e.ticket("kim@example.com")
	for i := range 10 {
		if r := e.passwordLogin(ticket, "acme", "kim@example.com", "not my password", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d = %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := e.passwordLogin(ticket, "acme", "kim@example.com", testPassword, ""); r.Status != http.StatusLocked {
		t.Fatalf("after 10 wrong passwords = %d %s, want 423", r.Status, r.Body)
	}

	requireStatus(t, e.confirmReset(e.resetToken(resetOwnerName, "kim@example.com"), resetNewPassword), http.StatusOK)
	requireStatus(t, e.passwordLogin(e.ticket("kim@example.com"), "acme", "kim@example.com", resetNewPassword, ""), http.StatusOK)
}

// TestResetNoEnumeration: a matching request, a wrong name and an unknown
// e-mail get byte-identical answers; only the first sends a mail or
// stores a link. Malformed requests are 400 and write nothing.
func TestResetNoEnumeration(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")
	e.waitMails("kim@example.com", 2) // verification and joined

	cases := []struct{ name, email string }{
		{"Lee Workgate", "kim@example.com"},    // wrong name
		{"Kim Work", "kim@example.com"},        // part of the name
		{resetOwnerName, "nobody@example.com"}, // unknown e-mail
		{resetOwnerName, "kim@example.com"},    // matching
		{" kim  workgate ", "KIM@EXAMPLE.COM"}, // matching, spelled differently
	}
	var answers []response
	for _, tc := range cases {
		r := e.requestReset(tc.name, tc.email)
		requireStatus(t, r, http.StatusAccepted)
		answers = append(answers, r)
	}
	for i, r := range answers[1:] {
		if string(r.Body) != string(answers[0].Body) || r.Header.Get("Content-Type") != answers[0].Header.Get("Content-Type") {
			t.Fatalf("answer %d differs: %q (%s) vs %q (%s)", i+1, r.Body, r.Header.Get("Content-Type"), answers[0].Body, answers[0].Header.Get("Content-Type"))
		}
	}
	if got := len(e.waitResetMails("kim@example.com", 2)); got != 2 {
		t.Fatalf("%d reset mails to the account, want 2 (the matching requests only)", got)
	}
	if got := len(e.mails("nobody@example.com")); got != 0 {
		t.Fatalf("%d mails to an unknown address", got)
	}
	if got := len(e.resetDocuments("passwordResets")); got != 2 {
		t.Fatalf("%d reset links stored, want 2", got)
	}
	if !e.resetPasswordIs(accountID, testPassword) {
		t.Fatal("a request changed the password")
	}

	e.settle()
	before := e.documents()
	refusals := []struct {
		name string
		body any
	}{
		{"empty body", ``},
		{"malformed JSON", `{"name":`},
		{"not an object", `[1]`},
		{"unknown field", `{"name":"Kim Workgate","email":"kim@example.com","password":"x"}`},
		{"missing name", map[string]string{"email": "kim@example.com"}},
		{"blank name", map[string]string{"name": "   ", "email": "kim@example.com"}},
		{"missing e-mail", map[string]string{"name": resetOwnerName}},
		{"bad e-mail", map[string]string{"name": resetOwnerName, "email": "not-an-address"}},
		{"wrong type", `{"name":1,"email":"kim@example.com"}`},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/v1/password-resets", tc.body)
			if r.Status != http.StatusBadRequest || r.Code(t) != "invalid_request" {
				t.Fatalf("= %d %s, want 400 invalid_request", r.Status, r.Body)
			}
		})
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused requests wrote documents (-before +after):\n%s", diff)
	}
}

// TestResetWeakPassword: a password the rule refuses is 400, through the
// API and the form, and consumes nothing: the link then still works.
// Malformed confirmations are refused too.
func TestResetWeakPassword(t *testing.T) {
	t.Parallel()
	e := start(t)
	accountID := e.owned("acme", "kim@example.com")
	token := e.resetToken(resetOwnerName, "kim@example.com")
	e.waitMails("kim@example.com", 3) // verification, joined and reset
	e.settle()
	before := e.documents()
	link := e.doc("passwordResets/" + auth.HashToken(token))

	for _, password := range []string{"", "short12", "password123", strings.Repeat("x", 129)} {
		if r := e.confirmReset(token, password); r.Status != http.StatusBadRequest || r.Code(t) != "invalid_request" {
			t.Fatalf("password %q = %d %s", password, r.Status, r.Body)
		}
	}
	if r := e.call("POST", resetPrefix+token, url.Values{"password": {"password123"}, "confirm": {"password123"}}, "Accept-Language", "en"); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not a common password") {
		t.Fatalf("weak password form = %d\n%s", r.Status, r.Body)
	}
	refusals := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"missing token", map[string]string{"password": resetNewPassword}, 400, "invalid_request"},
		{"unknown token", map[string]string{"token": auth.NewToken(), "password": resetNewPassword}, 410, "gone"},
		{"overlong token", map[string]string{"token": strings.Repeat("a", 500), "password": resetNewPassword}, 410, "gone"},
		{"unknown field", `{"token":"x","password":"a brand new passphrase","name":"x"}`, 400, "invalid_request"},
		{"malformed JSON", `{"token":`, 400, "invalid_request"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/v1/password-resets/confirm", tc.body)
			if r.Status != tc.status || r.Code(t) != tc.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused confirmations wrote documents (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(link, e.doc("passwordResets/"+auth.HashToken(token))); diff != "" {
		t.Fatalf("refused confirmations changed the link (-before +after):\n%s", diff)
	}
	if !e.resetPasswordIs(accountID, testPassword) {
		t.Fatal("a refused password was set")
	}
	requireStatus(t, e.confirmReset(token, resetNewPassword), http.StatusOK)
}

// TestResetRateLimit: at most 5 reset mails per address per hour; the
// requests beyond are answered alike and send nothing; an hour later
// mails are sent again.
func TestResetRateLimit(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.owned("acme", "kim@example.com")
	var first response
	for i := range 7 {
		r := e.requestReset(resetOwnerName, "kim@example.com")
		requireStatus(t, r, http.StatusAccepted)
		if i == 0 {
			first = r
		} else if string(r.Body) != string(first.Body) {
			t.Fatalf("request %d answered %q, the first %q", i+1, r.Body, first.Body)
		}
	}
	if got := len(e.waitResetMails("kim@example.com", 5)); got != 5 {
		t.Fatalf("%d reset mails, want 5", got)
	}
	// Only the newest link works (mails may arrive out of order, so which
	// mail holds it is not known).
	live := 0
	for _, m := range e.resetMails("kim@example.com") {
		if r := e.call("GET", resetPrefix+linkToken(t, m, resetPrefix), nil); r.Status == http.StatusOK {
			live++
		}
	}
	if live != 1 {
		t.Fatalf("%d of the mailed links work, want 1", live)
	}

	e.advance(3601)
	e.resetToken(resetOwnerName, "kim@example.com")
	if got := len(e.waitResetMails("kim@example.com", 6)); got != 6 {
		t.Fatalf("%d reset mails an hour later, want 6", got)
	}
}

package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The helpers here drive the real login flow (F5): code mail → ticket →
// password → session. Tests of any feature behind a session use them.

// session is a session response.
type session struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	AccountID    string `json:"accountId"`
	WorkspaceID  string `json:"workspaceId"`
	SessionID    string `json:"sessionId"`
	DeviceID     string `json:"deviceId"`
	DeviceToken  string `json:"deviceToken"`
}

// bearer returns the header pair that authenticates a call.
func (s session) bearer() []string { return []string{"Authorization", "Bearer " + s.AccessToken} }

const testPassword = "correct horse battery"

var laptop = map[string]string{"name": "Kim's laptop", "platform": "mac"}

// owned creates and verifies a workspace; it returns the owner's account ID.
func (e *env) owned(workspaceID, email string) string {
	e.t.Helper()
	token := e.create(newWorkspace(workspaceID, email))
	r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token})
	if r.Status != http.StatusOK {
		e.t.Fatalf("verify %s = %d %s", workspaceID, r.Status, r.Body)
	}
	var v verified
	r.JSON(e.t, &v)
	return v.AccountID
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// loginCode requests a login code for an address and returns it from the
// newest code mail.
func (e *env) loginCode(email string) string {
	e.t.Helper()
	before := len(e.codeMails(email))
	if r := e.call("POST", "/v1/login/email-code", map[string]string{"email": email}); r.Status != http.StatusAccepted {
		e.t.Fatalf("code request for %s = %d %s", email, r.Status, r.Body)
	}
	deadline := 45 * 20
	for range deadline {
		if ms := e.codeMails(email); len(ms) > before {
			return sixDigits.FindString(ms[0])
		}
		sleep()
	}
	e.t.Fatalf("no code mail for %s", email)
	return ""
}

// codeMails returns the text of the login-code mails to an address, newest
// first.
func (e *env) codeMails(email string) []string {
	var out []string
	for _, m := range e.mails(email) {
		if len(m.Links) == 0 && sixDigits.MatchString(m.Text) && !strings.Contains(m.Text, "/reset-password/") {
			out = append(out, m.Text)
		}
	}
	return out
}

// ticket runs steps 1 and 2 of F5 and returns the login ticket.
func (e *env) ticket(email string) string {
	e.t.Helper()
	code := e.loginCode(email)
	r := e.call("POST", "/v1/login/email-code/verify", map[string]string{"email": email, "code": code})
	if r.Status != http.StatusOK {
		e.t.Fatalf("code verify for %s = %d %s", email, r.Status, r.Body)
	}
	var t struct {
		LoginTicket string `json:"loginTicket"`
	}
	r.JSON(e.t, &t)
	return t.LoginTicket
}

// passwordLogin is step 3 of F5.
func (e *env) passwordLogin(ticket, workspaceID, email, password, deviceToken string) response {
	e.t.Helper()
	body := map[string]any{"loginTicket": ticket, "workspaceId": workspaceID, "email": email, "password": password, "device": laptop}
	if deviceToken != "" {
		body["deviceToken"] = deviceToken
	}
	return e.call("POST", "/v1/login/password", body)
}

// login logs an account in to a workspace through the whole flow, on its
// trusted device (deviceToken; empty for the account's first login).
func (e *env) login(workspaceID, email, deviceToken string) session {
	e.t.Helper()
	r := e.passwordLogin(e.ticket(email), workspaceID, email, testPassword, deviceToken)
	if r.Status != http.StatusOK {
		e.t.Fatalf("login of %s to %s = %d %s", email, workspaceID, r.Status, r.Body)
	}
	var s session
	r.JSON(e.t, &s)
	return s
}

// ownerSession creates a workspace and logs its owner in on their first
// device.
func (e *env) ownerSession(workspaceID, email string) session {
	e.t.Helper()
	e.owned(workspaceID, email)
	return e.login(workspaceID, email, "")
}

func requireStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
}

package e2e

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
)

type ticketAnswer struct {
	LoginTicket string `json:"loginTicket"`
	ExpiresAt   string `json:"expiresAt"`
	Workspaces  []struct {
		WorkspaceID string  `json:"workspaceId"`
		Name        string  `json:"name"`
		LogoURL     *string `json:"logoUrl"`
	} `json:"workspaces"`
}

func (e *env) verifyCode(email, code string) response {
	e.t.Helper()
	return e.call("POST", "/v1/login/email-code/verify", map[string]string{"email": email, "code": code})
}

// wrongCode returns a 6-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// TestLoginFirstDevice is F5 end to end: code mail → ticket listing the
// account's active workspaces → password → a session on the account's
// first device, which becomes trusted. The trusted device logs in again
// with its token; any other device gets a pending approval; a workspace
// the account is not a member of is 403.
func TestLoginFirstDevice(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	accountID := e.owned("acme", email)
	e.owned("beta", email)              // the same account owns a second workspace
	e.owned("other", "lee@example.com") // and a third exists that it is not in

	code := e.loginCode(" Kim@Example.com ") // addresses are normalised
	r := e.verifyCode(email, code)
	requireStatus(t, r, http.StatusOK)
	var tk ticketAnswer
	r.JSON(t, &tk)
	var ids []string
	for _, w := range tk.Workspaces {
		ids = append(ids, w.WorkspaceID)
	}
	if diff := cmp.Diff([]string{"acme", "beta"}, ids); diff != "" || len(tk.LoginTicket) < 40 {
		t.Fatalf("ticket workspaces (-want +got):\n%s ticket %q", diff, tk.LoginTicket)
	}

	r = e.passwordLogin(tk.LoginTicket, "other", email, testPassword, "")
	requireStatus(t, r, http.StatusForbidden)

	r = e.passwordLogin(tk.LoginTicket, "acme", email, testPassword, "")
	requireStatus(t, r, http.StatusOK)
	var s session
	r.JSON(t, &s)
	if s.DeviceToken == "" || s.TokenType != "Bearer" || s.ExpiresIn != 900 || s.WorkspaceID != "acme" || s.AccountID != accountID || s.DeviceID == "" || s.SessionID == "" {
		t.Fatalf("session = %+v", s)
	}
	// The ticket is used up once a session is issued.
	requireStatus(t, e.passwordLogin(tk.LoginTicket, "acme", email, testPassword, ""), http.StatusUnauthorized)

	r = e.call("GET", "/v1/me", nil, s.bearer()...)
	requireStatus(t, r, http.StatusOK)
	var me map[string]any
	r.JSON(t, &me)
	want := map[string]any{"accountId": accountID, "email": email, "name": "Kim Workgate", "workspaceId": "acme", "role": "super_admin", "permissions": []any{"admin_access", "member_management"}}
	if diff := cmp.Diff(want, me); diff != "" {
		t.Fatalf("GET /v1/me (-want +got):\n%s", diff)
	}
	if dev := e.doc("accounts/" + accountID + "/devices/" + s.DeviceID); dev["name"] != laptop["name"] || dev["tokenHash"] == "" {
		t.Fatalf("trusted device = %v", dev)
	}

	// The trusted device logs in again, to the other workspace, without
	// approval and without a new device token.
	again := e.login("beta", email, s.DeviceToken)
	if again.DeviceID != s.DeviceID || again.DeviceToken != "" || again.WorkspaceID != "beta" {
		t.Fatalf("second login = %+v", again)
	}

	// Any other device (no token, or a forged one) waits for approval.
	for _, token := range []string{"", s.DeviceID + ".forged", "garbage"} {
		r = e.passwordLogin(e.ticket(email), "acme", email, testPassword, token)
		requireStatus(t, r, http.StatusAccepted)
		var ap map[string]any
		r.JSON(t, &ap)
		if ap["status"] != "device_approval_required" || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(ap["matchCode"].(string)) || ap["pollToken"] == "" {
			t.Fatalf("approval = %v", ap)
		}
		doc := e.doc("deviceApprovals/" + ap["approvalId"].(string))
		if doc["status"] != "pending" || doc["accountId"] != accountID || doc["pollTokenMac"] == ap["pollToken"] {
			t.Fatalf("approval document = %v", doc)
		}
	}
}

// TestLoginCodeNoEnumeration: a known and an unknown address get
// byte-identical answers to code requests, wrong codes and the rate limit;
// only the known one gets mail.
func TestLoginCodeNoEnumeration(t *testing.T) {
	t.Parallel()
	e := start(t)
	const known, unknown = "kim@example.com", "nobody@example.com"
	e.owned("acme", known)
	body := func(email string) response {
		return e.call("POST", "/v1/login/email-code", map[string]string{"email": email})
	}
	same := func(what string, a, b response) {
		t.Helper()
		if a.Status != b.Status || !bytes.Equal(a.Body, b.Body) || a.Header.Get("Content-Type") != b.Header.Get("Content-Type") {
			t.Fatalf("%s: known %d %s, unknown %d %s", what, a.Status, a.Body, b.Status, b.Body)
		}
	}
	k, u := body(known), body(unknown)
	requireStatus(t, k, http.StatusAccepted)
	same("code request", k, u)
	// A wrong code: the same 400 with the same remaining attempts.
	same("wrong code", e.verifyCode(known, "123456"), e.verifyCode(unknown, "123456"))
	// No live code is the same 410 for both, once codes expire.
	for range 4 {
		same("code request", body(known), body(unknown))
	}
	k, u = body(known), body(unknown)
	requireStatus(t, k, http.StatusTooManyRequests)
	if k.Status != u.Status || k.Code(t) != u.Code(t) || k.Header.Get("Retry-After") == "" || u.Header.Get("Retry-After") == "" {
		t.Fatalf("6th request: known %d %s, unknown %d %s", k.Status, k.Body, u.Status, u.Body)
	}
	e.settle()
	if got := len(e.codeMails(known)); got != 5 {
		t.Fatalf("%d code mails to the known address, want 5", got)
	}
	if got := e.mails(unknown); len(got) != 0 {
		t.Fatalf("the unknown address got %d mails", len(got))
	}
	// An hour later the window has passed.
	e.advance(3600)
	requireStatus(t, body(known), http.StatusAccepted)
}

// TestLoginCodeAttempts: wrong codes count per address, across new codes;
// the 5th voids the code and restricts code login for 30 minutes.
func TestLoginCodeAttempts(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	e.owned("acme", email)
	remaining := func(r response) int {
		t.Helper()
		requireStatus(t, r, http.StatusBadRequest)
		var p struct {
			Code      string `json:"code"`
			Remaining *int   `json:"remainingAttempts"`
		}
		r.JSON(t, &p)
		if p.Code != "invalid_code" || p.Remaining == nil {
			t.Fatalf("wrong code answer %s", r.Body)
		}
		return *p.Remaining
	}
	code := e.loginCode(email)
	for want := 4; want >= 2; want-- {
		if got := remaining(e.verifyCode(email, wrongCode(code))); got != want {
			t.Fatalf("remainingAttempts = %d, want %d", got, want)
		}
	}
	// A new code does not reset the count.
	code = e.loginCode(email)
	if got := remaining(e.verifyCode(email, wrongCode(code))); got != 1 {
		t.Fatalf("remainingAttempts after a new code = %d, want 1", got)
	}
	if got := remaining(e.verifyCode(email, wrongCode(code))); got != 0 {
		t.Fatalf("remainingAttempts = %d, want 0", got)
	}
	// Restricted: even the right code is refused, with when it ends.
	r := e.verifyCode(email, code)
	requireStatus(t, r, http.StatusLocked)
	var p map[string]any
	r.JSON(t, &p)
	if p["code"] != "locked" || p["lockedUntil"] == nil || r.Header.Get("Retry-After") == "" {
		t.Fatalf("restricted answer %s", r.Body)
	}
	requireStatus(t, e.verifyCode(email, e.loginCode(email)), http.StatusLocked)
	// 30 minutes later code login works again, with a new code.
	e.advance(30*60 + 1)
	requireStatus(t, e.verifyCode(email, e.loginCode(email)), http.StatusOK)
}

// TestLoginCodeLifetime: a code works once and for 10 minutes; a ticket
// for 10 minutes.
func TestLoginCodeLifetime(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	e.owned("acme", email)

	// Five concurrent uses of one right code: exactly one ticket.
	code := e.loginCode(email)
	_, got := race(5, func(int) int { return e.verifyCode(email, code).Status })
	if got[http.StatusOK] != 1 || got[http.StatusOK]+got[http.StatusGone] != 5 {
		t.Fatalf("5 concurrent uses of one code: %v, want one 200 and 410s", got)
	}

	code = e.loginCode(email)
	e.advance(10*60 + 1)
	requireStatus(t, e.verifyCode(email, code), http.StatusGone)

	ticket := e.ticket(email)
	e.advance(10*60 + 1)
	requireStatus(t, e.passwordLogin(ticket, "acme", email, testPassword, ""), http.StatusUnauthorized)
	// Another address cannot use someone's ticket.
	requireStatus(t, e.passwordLogin(e.ticket(email), "acme", "lee@example.com", testPassword, ""), http.StatusUnauthorized)
}

// TestLoginTicketRefusals: a login ticket that was used, has expired, is
// another address's, was changed or was never issued is 401 before
// anything is counted or written: stolen after its use, a ticket cannot
// spend its owner's attempts (F7) and lock them out.
func TestLoginTicketRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim, lee = "kim@example.com", "lee@example.com"
	e.owned("acme", kim)
	e.owned("beta", lee)
	used := e.ticket(kim)
	var first session
	r := e.passwordLogin(used, "acme", kim, testPassword, "")
	requireStatus(t, r, http.StatusOK)
	r.JSON(t, &first)
	expired := e.ticket(kim)
	e.advance(10*60 + 1)
	live := e.ticket(kim)
	changed := []byte(live) // one letter of its sealed body another
	if i := len(changed) - 5; changed[i] == 'A' {
		changed[i] = 'B'
	} else {
		changed[i] = 'A'
	}
	login := func(ticket, email, password string) func() response {
		return func() response { return e.passwordLogin(ticket, "acme", email, password, first.DeviceToken) }
	}
	var cases []refusal
	for _, c := range []struct{ name, ticket, email, password string }{
		{"used, right password", used, kim, testPassword},
		{"used, wrong password", used, kim, "wrong password!"},
		{"expired", expired, kim, testPassword},
		{"another address's", live, lee, testPassword},
		{"changed", string(changed), kim, testPassword},
		{"never issued", auth.NewToken(), kim, testPassword},
	} {
		cases = append(cases, refusal{name: c.name, call: login(c.ticket, c.email, c.password), status: http.StatusUnauthorized, code: "unauthenticated"})
	}
	e.refusals(t, cases)
	requireStatus(t, login(live, kim, testPassword)(), http.StatusOK)
}

// TestLoginRefusals: bad input is 400 and writes nothing.
func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.owned("acme", "kim@example.com")
	e.settle()
	before := e.documents()
	cases := []struct {
		name, path string
		body       any
	}{
		{"code: no e-mail", "/v1/login/email-code", map[string]string{}},
		{"code: bad e-mail", "/v1/login/email-code", map[string]string{"email": "not-an-address"}},
		{"code: unknown field", "/v1/login/email-code", map[string]string{"email": "kim@example.com", "x": "y"}},
		{"verify: no code", "/v1/login/email-code/verify", map[string]string{"email": "kim@example.com"}},
		{"verify: bad e-mail", "/v1/login/email-code/verify", map[string]string{"email": "x", "code": "123456"}},
		{"password: bad platform", "/v1/login/password", map[string]any{"loginTicket": "t", "workspaceId": "acme", "email": "kim@example.com", "password": "p", "device": map[string]string{"name": "x", "platform": "amiga"}}},
		{"password: no device name", "/v1/login/password", map[string]any{"loginTicket": "t", "workspaceId": "acme", "email": "kim@example.com", "password": "p", "device": map[string]string{"name": " ", "platform": "mac"}}},
		{"password: bad workspace", "/v1/login/password", map[string]any{"loginTicket": "t", "workspaceId": "A", "email": "kim@example.com", "password": "p", "device": laptop}},
		{"refresh: not JSON", "/v1/token/refresh", "{"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", tc.path, tc.body)
			if r.Status != http.StatusBadRequest || r.Code(t) != "invalid_request" {
				t.Fatalf("%d %s, want 400 invalid_request", r.Status, r.Body)
			}
		})
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused requests wrote documents (-before +after):\n%s", diff)
	}
}

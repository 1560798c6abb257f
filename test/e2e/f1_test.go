package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
)

type owner struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

type createBody struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
	Owner       owner  `json:"owner"`
}

func newWorkspace(id, email string) createBody {
	return createBody{WorkspaceID: id, Name: "Acme " + id, Owner: owner{Name: "Kim Workgate", Email: email, Password: "correct horse battery"}}
}

// create creates a workspace and returns the token of its verification mail.
func (e *env) create(b createBody) string {
	e.t.Helper()
	r := e.call("POST", "/v1/workspaces", b)
	if r.Status != http.StatusAccepted {
		e.t.Fatalf("create %s = %d %s", b.WorkspaceID, r.Status, r.Body)
	}
	var got map[string]any
	r.JSON(e.t, &got)
	if diff := cmp.Diff(map[string]any{"workspaceId": b.WorkspaceID, "status": "pending"}, got); diff != "" {
		e.t.Fatalf("create answer (-want +got):\n%s", diff)
	}
	email := strings.ToLower(strings.TrimSpace(b.Owner.Email))
	for i := 0; i < 900; i++ {
		for _, m := range e.mails(email) {
			if strings.Contains(m.Text, b.WorkspaceID) && len(m.Links) > 0 && strings.Contains(m.Links[0], "/verify-email/") {
				return linkToken(e.t, m, "/verify-email/")
			}
		}
		sleep()
	}
	e.t.Fatalf("no verification mail for %s", b.WorkspaceID)
	return ""
}

type verified struct {
	AccountID   string `json:"accountId"`
	WorkspaceID string `json:"workspaceId"`
}

// checkActive checks the workspace is active with account as super admin.
func (e *env) checkActive(workspaceID, accountID string) {
	e.t.Helper()
	ws := e.doc("workspaces/" + workspaceID)
	if ws["status"] != domain.WorkspaceActive || ws["superAdminId"] != accountID {
		e.t.Fatalf("workspace = status %v, superAdminId %v; want active, %s", ws["status"], ws["superAdminId"], accountID)
	}
	if _, ok := ws["purgeAt"]; ok {
		e.t.Fatal("an active workspace still has a purgeAt (the TTL policy would delete it)")
	}
	m := e.doc("workspaces/" + workspaceID + "/members/" + accountID)
	if m["role"] != domain.RoleSuperAdmin || m["status"] != domain.MemberActive {
		e.t.Fatalf("member = %v", m)
	}
}

// TestCreateAndVerifyJSON is F1 through the JSON API: create → the
// verification mail arrives → verify → the workspace is active with the
// owner as super admin → the joined mail arrives.
func TestCreateAndVerifyJSON(t *testing.T) {
	t.Parallel()
	e := start(t)
	token := e.create(newWorkspace("acme", " Owner@Example.COM "))

	mail := e.mails("owner@example.com")[0]
	if !strings.Contains(mail.Text, "Acme acme") || !strings.Contains(mail.HTML, "Acme acme") {
		t.Errorf("verification mail lacks the workspace name: %q", mail.Text)
	}
	if ws := e.doc("workspaces/acme"); ws["status"] != "pending" {
		t.Fatalf("before verification the workspace is %v", ws["status"])
	}

	if ws := e.doc("workspaces/acme"); ws["purgeAt"] == nil {
		t.Fatal("a pending workspace has no purgeAt")
	}
	r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token})
	if r.Status != http.StatusOK {
		t.Fatalf("verify = %d %s", r.Status, r.Body)
	}
	if v := e.doc("verifications/" + auth.HashToken(token)); v["usedAt"] == nil || v["passwordHash"] != nil {
		t.Fatalf("the used verification = %v; want usedAt set and no password hash", v)
	}
	var v verified
	r.JSON(t, &v)
	if v.WorkspaceID != "acme" || v.AccountID == "" {
		t.Fatalf("verify answer = %+v", v)
	}
	e.checkActive("acme", v.AccountID)

	acc := e.doc("accounts/" + v.AccountID)
	if acc["email"] != "owner@example.com" || acc["name"] != "Kim Workgate" {
		t.Fatalf("account = %v", acc)
	}
	ok, err := e.s.Deps.Hasher.Verify(context.Background(), acc["passwordHash"].(string), "correct horse battery")
	if err != nil || !ok {
		t.Fatalf("the account's password hash does not verify the password given: %v", err)
	}

	joined := e.waitMails("owner@example.com", 2)[0]
	if !strings.Contains(joined.Text, "owner@example.com") || !strings.Contains(joined.Text, "acme") {
		t.Errorf("joined mail lacks the login ID or the workspace: %q", joined.Text)
	}
	// Used: a second verification is gone.
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token}); r.Status != http.StatusGone || r.Code(t) != "gone" {
		t.Fatalf("second verify = %d %s", r.Status, r.Body)
	}
}

// TestVerifyPage is F1 through the HTML page: opening the link (twice)
// never consumes it; the form's POST does, once.
func TestVerifyPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	token := e.create(newWorkspace("pages", "page@example.com"))

	for range 2 {
		r := e.call("GET", "/verify-email/"+token, nil, "Accept-Language", "en-US,en;q=0.9")
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("page = %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		body := string(r.Body)
		if !strings.Contains(body, `<form method="post" action="/verify-email/`+token+`"`) || !strings.Contains(body, "Verify my e-mail") {
			t.Fatalf("page has no English confirm form:\n%s", body)
		}
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("the page would leak its token in Referer")
		}
	}
	if ws := e.doc("workspaces/pages"); ws["status"] != "pending" {
		t.Fatalf("opening the page changed the workspace to %v", ws["status"])
	}
	if r := e.call("GET", "/verify-email/"+token, nil); !strings.Contains(string(r.Body), "이메일 인증하기") {
		t.Error("the page is not Korean by default")
	}

	r := e.resultPage(t, e.call("POST", "/verify-email/"+token, url.Values{}, "Accept-Language", "en"), "/verify-email/done", "Accept-Language", "en")
	if !strings.Contains(string(r.Body), "Verified") {
		t.Fatalf("verified page:\n%s", r.Body)
	}
	ws := e.doc("workspaces/pages")
	e.checkActive("pages", ws["superAdminId"].(string))

	// The used link says what was done with it, not "start again".
	for _, method := range []string{"POST", "GET"} {
		r := e.call(method, "/verify-email/"+token, url.Values{}, "Accept-Language", "en")
		if r.Status != http.StatusGone || !strings.Contains(string(r.Body), "Already verified") {
			t.Fatalf("%s after use = %d\n%s", method, r.Status, r.Body)
		}
	}
	if r := e.call("GET", "/verify-email/not-a-token", nil); r.Status != http.StatusGone {
		t.Fatalf("unknown token page = %d", r.Status)
	}
}

// TestExistingAccount: an e-mail that already has an account gets the new
// workspace attached to that account, and the password given is ignored.
func TestExistingAccount(t *testing.T) {
	t.Parallel()
	e := start(t)
	first := e.create(newWorkspace("first", "same@example.com"))
	var v1 verified
	e.call("POST", "/v1/email-verifications", map[string]string{"token": first}).JSON(t, &v1)

	b := newWorkspace("second", "SAME@example.com")
	b.Owner.Password = "another long password"
	b.Owner.Name = "Someone Else"
	r := e.call("POST", "/v1/workspaces", b)
	if r.Status != http.StatusAccepted {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	var second string
	for _, m := range e.waitMails("same@example.com", 3) {
		if strings.Contains(m.Text, "second") && len(m.Links) > 0 {
			second = linkToken(t, m, "/verify-email/")
		}
	}
	var v2 verified
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": second}); r.Status != 200 {
		t.Fatalf("verify second = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &v2)
	}
	if v2.AccountID != v1.AccountID {
		t.Fatalf("second workspace got account %s, want the existing %s", v2.AccountID, v1.AccountID)
	}
	e.checkActive("second", v1.AccountID)
	acc := e.doc("accounts/" + v1.AccountID)
	ok, _ := e.s.Deps.Hasher.Verify(context.Background(), acc["passwordHash"].(string), "correct horse battery")
	if !ok || acc["name"] != "Kim Workgate" {
		t.Fatal("the existing account's password or name changed")
	}
	accounts, _ := e.fs().Collection("accounts").Documents(context.Background()).GetAll()
	if len(accounts) != 1 {
		t.Fatalf("%d accounts, want 1", len(accounts))
	}
}

// TestCreateRefusals: every refused request answers its code and leaves
// Firestore and the outbox exactly as they were, and sends no mail.
func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.create(newWorkspace("taken", "first@example.com")) // holds "taken"

	valid := func(mod func(*createBody)) createBody {
		b := newWorkspace("fresh", "bad@example.com")
		mod(&b)
		return b
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"short workspace ID", valid(func(b *createBody) { b.WorkspaceID = "ab" }), 400, "invalid_request"},
		{"upper-case workspace ID", valid(func(b *createBody) { b.WorkspaceID = "Acme" }), 400, "invalid_request"},
		{"workspace ID with a space", valid(func(b *createBody) { b.WorkspaceID = "ac me" }), 400, "invalid_request"},
		{"41-character workspace ID", valid(func(b *createBody) { b.WorkspaceID = strings.Repeat("a", 41) }), 400, "invalid_request"},
		{"bad e-mail", valid(func(b *createBody) { b.Owner.Email = "not-an-address" }), 400, "invalid_request"},
		{"e-mail with display name", valid(func(b *createBody) { b.Owner.Email = "Kim <kim@example.com>" }), 400, "invalid_request"},
		{"7-character password", valid(func(b *createBody) { b.Owner.Password = "short12" }), 400, "invalid_request"},
		{"129-character password", valid(func(b *createBody) { b.Owner.Password = strings.Repeat("x", 129) }), 400, "invalid_request"},
		{"common password", valid(func(b *createBody) { b.Owner.Password = "password123" }), 400, "invalid_request"},
		{"missing name", valid(func(b *createBody) { b.Name = "" }), 400, "invalid_request"},
		{"missing owner name", valid(func(b *createBody) { b.Owner.Name = "  " }), 400, "invalid_request"},
		{"missing workspace ID", `{"name":"x","owner":{"name":"a","email":"a@example.com","password":"long enough pw"}}`, 400, "invalid_request"},
		{"missing owner", `{"workspaceId":"fresh","name":"x"}`, 400, "invalid_request"},
		{"malformed JSON", `{"workspaceId":"fresh",`, 400, "invalid_request"},
		{"not an object", `[1,2]`, 400, "invalid_request"},
		{"two JSON values", `{} {}`, 400, "invalid_request"},
		{"unknown field", `{"workspaceId":"fresh","name":"x","plan":"enterprise","owner":{"name":"a","email":"a@example.com","password":"long enough pw"}}`, 400, "invalid_request"},
		{"wrong type", `{"workspaceId":12,"name":"x","owner":{"name":"a","email":"a@example.com","password":"long enough pw"}}`, 400, "invalid_request"},
		{"empty body", ``, 400, "invalid_request"},
		{"taken ID", valid(func(b *createBody) { b.WorkspaceID = "taken" }), 409, "conflict"},
		{"70 KiB body", valid(func(b *createBody) { b.Name = strings.Repeat("x", 70<<10) }), 413, "payload_too_large"},
	}
	e.settle() // the creation's events published and handled
	before := e.documents()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/v1/workspaces", tc.body)
			if r.Status != tc.status || r.Code(t) != tc.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type = %q", ct)
			}
		})
	}
	// A 70 KiB body sent without Content-Length (chunked) is refused too.
	req, _ := http.NewRequest("POST", e.s.URL+"/v1/workspaces", strings.NewReader(`{"name":"`+strings.Repeat("x", 70<<10)+`"}`))
	req.ContentLength = -1
	if res, err := e.http.Do(req); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 70 KiB = %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused requests wrote documents (-before +after):\n%s", diff)
	}
	if n := len(e.mails("bad@example.com")) + len(e.mails("a@example.com")); n != 0 {
		t.Fatalf("refused requests sent %d mails", n)
	}
}

// TestVerifyRefusals: bad verification calls change nothing.
func TestVerifyRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.create(newWorkspace("verify-bad", "vb@example.com"))
	e.settle() // the creation's events published and handled
	before := e.documents()
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"unknown token", map[string]string{"token": auth.NewToken()}, 410, "gone"},
		{"missing token", map[string]string{}, 400, "invalid_request"},
		{"malformed JSON", `{"token":`, 400, "invalid_request"},
		{"unknown field", `{"token":"x","extra":1}`, 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/v1/email-verifications", tc.body)
			if r.Status != tc.status || r.Code(t) != tc.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused verifications wrote documents:\n%s", diff)
	}
}

// TestVerifyConcurrent: 10 concurrent uses of one token → exactly one 200,
// one account, one member, one joined mail.
func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	e := start(t)
	token := e.create(newWorkspace("race", "race@example.com"))

	const n = 10
	_, count := race(n, func(i int) int {
		if i%2 == 0 {
			return e.call("POST", "/v1/email-verifications", map[string]string{"token": token}).Status
		}
		return asAPI(e.call("POST", "/verify-email/"+token, url.Values{}).Status)
	})
	if diff := cmp.Diff(map[int]int{200: 1, 410: n - 1}, count); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	ctx := context.Background()
	accounts, _ := e.fs().Collection("accounts").Documents(ctx).GetAll()
	members, _ := e.fs().Collection("workspaces/race/members").Documents(ctx).GetAll()
	if len(accounts) != 1 || len(members) != 1 {
		t.Fatalf("%d accounts and %d members, want 1 and 1", len(accounts), len(members))
	}
	e.waitMails("race@example.com", 2) // verification + one joined mail
	e.settle()
	if got := len(e.mails("race@example.com")); got != 2 {
		t.Fatalf("%d mails, want 2 (one joined mail)", got)
	}
}

// settle waits until the outbox is empty and every claimed event is done,
// and stays so for longer than a push takes (an event just published is
// in neither place until its push arrives), so that a count of mails is
// final.
func (e *env) settle() {
	e.t.Helper()
	ctx := context.Background()
	state := func() (int, bool) {
		pending, _ := e.fs().Collection("outbox").Documents(ctx).GetAll()
		busy, _ := e.fs().Collection("processedEvents").Where("done", "==", false).Documents(ctx).GetAll()
		done, _ := e.fs().Collection("processedEvents").Documents(ctx).GetAll()
		return len(done), len(pending) == 0 && len(busy) == 0
	}
	last, quiet := -1, 0
	for i := 0; quiet < 2; i++ {
		if i > 600 {
			e.t.Fatal("not settled after 30s")
		}
		n, idle := state()
		if idle && n == last && !e.s.Pushing() {
			quiet++
		} else {
			quiet = 0
		}
		last = n
		time.Sleep(250 * time.Millisecond)
	}
}

// TestReclaimExpiredID: a pending workspace whose link expired (dev clock)
// frees its ID; the old link no longer works.
func TestReclaimExpiredID(t *testing.T) {
	t.Parallel()
	e := start(t)
	old := e.create(newWorkspace("reclaim", "old@example.com"))
	if r := e.call("POST", "/v1/workspaces", newWorkspace("reclaim", "new@example.com")); r.Status != 409 {
		t.Fatalf("while pending = %d", r.Status)
	}
	e.advance(24*3600 + 1)
	for _, path := range []string{"/verify-email/" + old} {
		if r := e.call("GET", path, nil); r.Status != http.StatusGone {
			t.Fatalf("expired link page = %d", r.Status)
		}
	}
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": old}); r.Status != http.StatusGone {
		t.Fatalf("expired link = %d %s", r.Status, r.Body)
	}
	fresh := e.create(newWorkspace("reclaim", "new@example.com"))
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": fresh}); r.Status != 200 {
		t.Fatalf("verify reclaimed = %d %s", r.Status, r.Body)
	}
	if ws := e.doc("workspaces/reclaim"); ws["status"] != "active" {
		t.Fatalf("reclaimed workspace is %v", ws["status"])
	}
	acc := e.doc("accounts/" + e.doc("workspaces/reclaim")["superAdminId"].(string))
	if acc["email"] != "new@example.com" {
		t.Fatalf("reclaimed workspace belongs to %v", acc["email"])
	}
}

// advance moves the dev clock.
func (e *env) advance(seconds int) {
	e.t.Helper()
	r := e.call("POST", "/_dev/clock", map[string]int{"advanceSeconds": seconds})
	if r.Status != 200 {
		e.t.Fatalf("advance = %d %s", r.Status, r.Body)
	}
}

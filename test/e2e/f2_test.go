package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
)

// Helpers of the invite-link tests (F2); the registration tests (F3) use
// them too.

// inviteLink is an invite link as the API answers it.
type inviteLink struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	MaxUses   *int      `json:"maxUses"`
	Uses      int       `json:"uses"`
	Revoked   bool      `json:"revoked"`
	CreatedAt time.Time `json:"createdAt"`
}

// newInviteLink creates an invite link as s.
func (e *env) newInviteLink(s session, ws string, body any) inviteLink {
	e.t.Helper()
	r := e.call("POST", "/v1/workspaces/"+ws+"/invite-links", body, s.bearer()...)
	requireStatus(e.t, r, http.StatusCreated)
	var l inviteLink
	r.JSON(e.t, &l)
	return l
}

// inviteLinks lists a workspace's invite links as s.
func (e *env) inviteLinks(s session, ws string) []inviteLink {
	e.t.Helper()
	r := e.call("GET", "/v1/workspaces/"+ws+"/invite-links", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		InviteLinks []inviteLink `json:"inviteLinks"`
	}
	r.JSON(e.t, &out)
	return out.InviteLinks
}

// accept signs up through an invite link with testPassword.
func (e *env) accept(token, name, email string) response {
	e.t.Helper()
	return e.call("POST", "/v1/invites/"+token+"/accept", map[string]string{"name": name, "email": email, "password": testPassword})
}

// mailsMatching returns the mails to an address whose subject is one of
// subjects (each mail has a Korean and an English subject), newest first.
func (e *env) mailsMatching(email string, subjects ...string) []mailsink.Message {
	e.t.Helper()
	var out []mailsink.Message
	for _, m := range e.mails(email) {
		if slices.ContainsFunc(subjects, func(s string) bool { return strings.Contains(m.Subject, s) }) {
			out = append(out, m)
		}
	}
	return out
}

// Mail subjects, Korean and English.
var (
	joinedSubjects          = []string{"You joined a workspace", "워크스페이스에 가입되었습니다"}
	setPasswordSubjects     = []string{"set your password", "비밀번호를 설정해 주세요"}
	passwordChangedSubjects = []string{"Your password was changed", "비밀번호가 변경되었습니다"}
)

// verificationTokens returns the tokens of every verification mail an
// address has, newest first.
func (e *env) verificationTokens(email string) []string {
	e.t.Helper()
	var out []string
	for _, m := range e.mails(email) {
		if tok, ok := m.LinkPath("/verify-email/"); ok {
			out = append(out, tok)
		}
	}
	return out
}

// newVerificationToken waits for a verification mail to an address
// beyond the before ones and returns its token. Counting verification
// mails, not all mails, keeps a joined mail still on its way from an
// earlier sign-up from being taken for the new one.
func (e *env) newVerificationToken(email string, before []string) string {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if toks := e.verificationTokens(email); len(toks) > len(before) {
			return toks[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no new verification mail to %s after 45s", email)
		}
		sleep()
	}
}

// verificationToken waits until an address has n mails and returns the
// token of the newest e-mail verification link among them.
func (e *env) verificationToken(email string, n int) string {
	e.t.Helper()
	for _, m := range e.waitMails(email, n) {
		if tok, ok := m.LinkPath("/verify-email/"); ok {
			return tok
		}
	}
	e.t.Fatalf("no verification mail to %s", email)
	return ""
}

// verify follows a verification link through the API.
func (e *env) verify(token string) verified {
	e.t.Helper()
	r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token})
	requireStatus(e.t, r, http.StatusOK)
	var v verified
	r.JSON(e.t, &v)
	return v
}

// joinByInvite makes an address a member of ws through a fresh invite
// link of admin's, and returns its account ID.
func (e *env) joinByInvite(admin session, ws, name, email string) string {
	e.t.Helper()
	l := e.newInviteLink(admin, ws, map[string]any{})
	before := e.verificationTokens(email)
	requireStatus(e.t, e.accept(l.Token, name, email), http.StatusAccepted)
	v := e.verify(e.newVerificationToken(email, before))
	if v.WorkspaceID != ws || v.AccountID == "" {
		e.t.Fatalf("verify = %+v", v)
	}
	return v.AccountID
}

// grant makes a member an admin holding perms, writing the membership
// directly (the role endpoint itself is tested in f15_members_test.go).
func (e *env) grant(ws, accountID string, perms ...string) {
	e.t.Helper()
	_, err := e.fs().Doc("workspaces/"+ws+"/members/"+accountID).Update(context.Background(), []firestore.Update{
		{Path: "role", Value: domain.RoleAdmin}, {Path: "permissions", Value: perms},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// count returns the number of documents in a collection.
func (e *env) count(collection string) int {
	e.t.Helper()
	docs, err := e.fs().Collection(collection).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	return len(docs)
}

// cast is everyone an authorisation test needs, logged in to acme (but
// other, the owner of another workspace).
type cast struct {
	owner, member, adminAccess, memberManagement, other session
}

func (e *env) cast() cast {
	e.t.Helper()
	var c cast
	c.owner = e.ownerSession("acme", "owner@example.com")
	ids := map[string]string{}
	for _, who := range []string{"member", "admin-access", "member-mgmt"} {
		ids[who] = e.joinByInvite(c.owner, "acme", "Lee "+who, who+"@example.com")
	}
	e.grant("acme", ids["admin-access"], domain.PermAdminAccess)
	e.grant("acme", ids["member-mgmt"], domain.PermMemberManagement)
	c.member = e.login("acme", "member@example.com", "")
	c.adminAccess = e.login("acme", "admin-access@example.com", "")
	c.memberManagement = e.login("acme", "member-mgmt@example.com", "")
	c.other = e.ownerSession("other", "other@example.com")
	return c
}

// caller is one row of an authorisation table: who calls, with what.
type caller struct {
	name    string
	headers []string
	status  int
}

// TestInviteLinkCreateListRevoke: an admin creates links (defaults and
// limits), lists them newest first with their state, and revokes one;
// only the token's hash is stored.
func TestInviteLinkCreateListRevoke(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")

	before := time.Now()
	def := e.newInviteLink(owner, "acme", map[string]any{})
	if def.MaxUses != nil || def.Uses != 0 || def.Revoked || len(def.ID) != 32 {
		t.Fatalf("default link = %+v", def)
	}
	if d := def.ExpiresAt.Sub(before); d < 167*time.Hour || d > 169*time.Hour {
		t.Fatalf("default link expires in %v, want 168h", d)
	}
	if def.URL != e.s.URL+"/invite/"+def.Token || len(def.Token) < 22 {
		t.Fatalf("url %q for token %q", def.URL, def.Token)
	}
	limited := e.newInviteLink(owner, "acme", map[string]any{"expiresInHours": 1, "maxUses": 5})
	if limited.MaxUses == nil || *limited.MaxUses != 5 || limited.ExpiresAt.Sub(before) > 61*time.Minute {
		t.Fatalf("limited link = %+v", limited)
	}
	explicitNull := e.newInviteLink(owner, "acme", `{"maxUses":null,"expiresInHours":720}`)
	if explicitNull.MaxUses != nil {
		t.Fatalf("maxUses null = %+v", explicitNull)
	}

	// Stored: the hash, never the token.
	stored := e.doc("workspaces/acme/inviteLinks/" + def.ID)
	if stored["tokenHash"] != auth.HashToken(def.Token) {
		t.Fatalf("stored link = %v", stored)
	}
	if lookup := e.doc("inviteTokens/" + auth.HashToken(def.Token)); lookup["linkId"] != def.ID || lookup["workspaceId"] != "acme" {
		t.Fatalf("token lookup = %v", lookup)
	}
	e.settle()
	for _, path := range e.documents() {
		if strings.Contains(fmt.Sprint(e.doc(path)), def.Token) {
			t.Fatalf("%s holds the token in clear", path)
		}
	}

	list := e.inviteLinks(owner, "acme")
	ids := []string{}
	for _, l := range list {
		ids = append(ids, l.ID)
		if l.Token != "" || l.URL != "" || l.CreatedAt.IsZero() {
			t.Errorf("listed link %+v shows its token or lacks createdAt", l)
		}
	}
	if diff := cmp.Diff([]string{explicitNull.ID, limited.ID, def.ID}, ids); diff != "" {
		t.Fatalf("list order (-want +got):\n%s", diff)
	}

	for range 2 { // revoking twice is fine
		requireStatus(t, e.call("DELETE", "/v1/workspaces/acme/invite-links/"+limited.ID, nil, owner.bearer()...), http.StatusNoContent)
	}
	for _, l := range e.inviteLinks(owner, "acme") {
		if l.Revoked != (l.ID == limited.ID) {
			t.Errorf("after revoking %s: %+v", limited.ID, l)
		}
	}
	for _, id := range []string{domain.NewID(), "not-an-id", "..."} {
		if r := e.call("DELETE", "/v1/workspaces/acme/invite-links/"+id, nil, owner.bearer()...); r.Status != http.StatusNotFound || r.Code(t) != "not_found" {
			t.Fatalf("revoke %q = %d %s", id, r.Status, r.Body)
		}
	}
}

// TestInviteLinkRefusals: bad link requests are 400 and write nothing.
func TestInviteLinkRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.settle()
	before := e.documents()
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"0 hours", `{"expiresInHours":0}`, 400},
		{"721 hours", `{"expiresInHours":721}`, 400},
		{"negative hours", `{"expiresInHours":-5}`, 400},
		{"0 uses", `{"maxUses":0}`, 400},
		{"10001 uses", `{"maxUses":10001}`, 400},
		{"fractional uses", `{"maxUses":1.5}`, 400},
		{"string hours", `{"expiresInHours":"24"}`, 400},
		{"unknown field", `{"uses":3}`, 400},
		{"malformed", `{"maxUses":`, 400},
		{"empty body", ``, 400},
		{"too large", `{"x":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/v1/workspaces/acme/invite-links", tc.body, owner.bearer()...)
			if r.Status != tc.status {
				t.Fatalf("= %d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused requests wrote documents (-before +after):\n%s", diff)
	}
}

// TestInviteInfo: the token leads to the workspace's public face; an
// unknown token is 404.
func TestInviteInfo(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	l := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 2})

	r := e.call("GET", "/v1/invites/"+l.Token, nil)
	requireStatus(t, r, http.StatusOK)
	var got map[string]any
	r.JSON(t, &got)
	want := map[string]any{
		"workspace": map[string]any{"workspaceId": "acme", "name": "Acme acme", "logoUrl": nil, "color": "#3A5BD9"},
		"expiresAt": l.ExpiresAt.Format(time.RFC3339Nano),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("invite (-want +got):\n%s", diff)
	}
	for _, tok := range []string{auth.NewToken(), "x", strings.Repeat("a", 200)} {
		if r := e.call("GET", "/v1/invites/"+tok, nil); r.Status != http.StatusNotFound || r.Code(t) != "not_found" {
			t.Fatalf("unknown token = %d %s", r.Status, r.Body)
		}
	}
}

// TestInviteAcceptAndVerify is F2 through the API: accept → verification
// mail → verify → a new account, an active member, one joined mail (F4),
// and the member logs in with the password given.
func TestInviteAcceptAndVerify(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	l := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 10})

	r := e.call("POST", "/v1/invites/"+l.Token+"/accept", map[string]string{"name": " Park Jimin ", "email": " Park@Example.com", "password": testPassword},
		"Accept-Language", "en")
	requireStatus(t, r, http.StatusAccepted)
	if string(r.Body) != `{"status":"verification_sent"}`+"\n" {
		t.Fatalf("accept = %s", r.Body)
	}
	if got := e.doc("workspaces/acme/inviteLinks/" + l.ID)["uses"]; got != int64(1) {
		t.Fatalf("uses = %v, want 1", got)
	}
	if n := e.count("workspaces/acme/inviteLinks/" + l.ID + "/uses"); n != 1 {
		t.Fatalf("%d use documents, want 1", n)
	}
	mail := e.waitMails("park@example.com", 1)[0]
	if !strings.Contains(mail.Text, "Acme acme") || !strings.Contains(mail.Text, "Park Jimin") || mail.Subject != "[workgate] Confirm your e-mail address" {
		t.Fatalf("verification mail = %q\n%s", mail.Subject, mail.Text)
	}
	token := linkToken(t, mail, "/verify-email/")
	if n := e.count("accounts"); n != 1 {
		t.Fatalf("%d accounts before verification, want the owner's only", n)
	}

	v := e.verify(token)
	m := e.doc("workspaces/acme/members/" + v.AccountID)
	if m["status"] != domain.MemberActive || m["role"] != domain.RoleMember || m["name"] != "Park Jimin" || m["email"] != "park@example.com" {
		t.Fatalf("member = %v", m)
	}
	acc := e.doc("accounts/" + v.AccountID)
	if ok, _ := e.s.Deps.Hasher.Verify(context.Background(), acc["passwordHash"].(string), testPassword); !ok || acc["name"] != "Park Jimin" {
		t.Fatalf("account = %v", acc)
	}
	if vd := e.doc("verifications/" + auth.HashToken(token)); vd["usedAt"] == nil || vd["passwordHash"] != nil {
		t.Fatalf("used verification = %v", vd)
	}

	joined := e.waitMails("park@example.com", 2)[0]
	if joined.Subject != "[workgate] You joined a workspace" || !strings.Contains(joined.Text, "park@example.com") || !strings.Contains(joined.Text, "Acme acme") {
		t.Fatalf("joined mail = %q\n%s", joined.Subject, joined.Text)
	}
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token}); r.Status != http.StatusGone {
		t.Fatalf("second verify = %d", r.Status)
	}
	s := e.login("acme", "park@example.com", "")
	if s.AccountID != v.AccountID {
		t.Fatalf("logged in as %s, want %s", s.AccountID, v.AccountID)
	}
	e.settle()
	if n := len(e.mailsMatching("park@example.com", joinedSubjects...)); n != 1 {
		t.Fatalf("%d joined mails, want 1", n)
	}
}

// TestInvitePages is F2 through the browser: the invite page (opened
// twice, changing nothing), its form, the verification page (opened twice,
// changing nothing) and its button.
func TestInvitePages(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	l := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 1})
	e.settle()
	before := e.documents()
	for range 2 {
		r := e.call("GET", "/invite/"+l.Token, nil, "Accept-Language", "en-US,en;q=0.9")
		requireStatus(t, r, http.StatusOK)
		body := string(r.Body)
		for _, want := range []string{
			`<form method="post" action="/invite/` + l.Token + `"`, "Acme acme", "You&#39;re invited",
			`name="name" type="text" autocomplete="name" required`, `name="email" type="email" autocomplete="email" required`, `name="password" type="password" autocomplete="new-password" required minlength="8"`,
		} {
			if !strings.Contains(body, want) {
				t.Fatalf("invite page lacks %q:\n%s", want, body)
			}
		}
	}
	if r := e.call("GET", "/invite/"+l.Token, nil); !strings.Contains(string(r.Body), "가입하기") {
		t.Error("the invite page is not Korean by default")
	}
	// Input that is refused shows the form again and takes no use.
	// What was typed is kept (never the password), the wrong field marked.
	bad := url.Values{"name": {"Choi"}, "email": {"choi@example.com"}, "password": {"short"}}
	r := e.call("POST", "/invite/"+l.Token, bad, "Accept-Language", "en")
	body := string(r.Body)
	if r.Status != http.StatusBadRequest || !strings.Contains(body, "Please check what you entered") || !strings.Contains(body, `action="/invite/`+l.Token+`"`) {
		t.Fatalf("bad form = %d\n%s", r.Status, body)
	}
	for _, want := range []string{`name="name" type="text" autocomplete="name" value="Choi" required>`, `value="choi@example.com"`, `minlength="8" aria-invalid="true" aria-describedby="password-error"`, `<a href="#password">Choose a password`} {
		if !strings.Contains(body, want) {
			t.Fatalf("bad form lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `value="short"`) || strings.Count(body, ` aria-invalid="true" aria-describedby=`) != 1 {
		t.Fatalf("bad form keeps the password, or marks another field:\n%s", body)
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("opening the page or a refused form wrote (-before +after):\n%s", diff)
	}

	form := url.Values{"name": {"Choi Yuna"}, "email": {"Choi@example.com"}, "password": {testPassword}}
	r = e.resultPage(t, e.call("POST", "/invite/"+l.Token, form, "Accept-Language", "en"), "/invite/sent", "Accept-Language", "en")
	if !strings.Contains(string(r.Body), "Check your e-mail") || strings.Contains(string(r.Body), "example.com") {
		t.Fatalf("sent page:\n%s", r.Body)
	}
	// The one use is taken: the page now says so.
	r = e.call("GET", "/invite/"+l.Token, nil, "Accept-Language", "en")
	if r.Status != http.StatusGone || !strings.Contains(string(r.Body), "used as many times as it allows") {
		t.Fatalf("used-up page = %d\n%s", r.Status, r.Body)
	}

	token := e.verificationToken("choi@example.com", 1)
	for range 2 {
		r := e.call("GET", "/verify-email/"+token, nil, "Accept-Language", "en")
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Acme acme (acme) · choi@example.com") {
			t.Fatalf("verify page = %d\n%s", r.Status, r.Body)
		}
	}
	if n := e.count("workspaces/acme/members"); n != 1 {
		t.Fatalf("opening the verify page made a member (%d members)", n)
	}
	r = e.resultPage(t, e.call("POST", "/verify-email/"+token, url.Values{}, "Accept-Language", "en"), "/verify-email/done", "Accept-Language", "en")
	if !strings.Contains(string(r.Body), "Verified") {
		t.Fatalf("verified page:\n%s", r.Body)
	}
	if r := e.call("POST", "/verify-email/"+token, url.Values{}); r.Status != http.StatusGone {
		t.Fatalf("second verify form = %d", r.Status)
	}
	joined := e.waitMails("choi@example.com", 2)[0]
	if joined.Subject != "[workgate] You joined a workspace" {
		t.Fatalf("newest mail = %q, want the joined mail in English", joined.Subject)
	}
	e.login("acme", "choi@example.com", "")
}

// TestInviteRefused: a revoked, expired or used-up link is 410 (with a
// page saying which), an unknown one 404; refused requests write nothing
// and send nothing. A sign-up whose link is revoked before it is verified
// is void.
func TestInviteRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	revoked := e.newInviteLink(owner, "acme", map[string]any{})
	expiring := e.newInviteLink(owner, "acme", map[string]any{"expiresInHours": 1})
	once := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 1})
	pending := e.newInviteLink(owner, "acme", map[string]any{})

	requireStatus(t, e.accept(once.Token, "First", "first@example.com"), http.StatusAccepted)
	requireStatus(t, e.accept(pending.Token, "Late", "late@example.com"), http.StatusAccepted)
	lateToken := e.verificationToken("late@example.com", 1)
	e.verificationToken("first@example.com", 1)
	for _, l := range []inviteLink{revoked, pending} {
		requireStatus(t, e.call("DELETE", "/v1/workspaces/acme/invite-links/"+l.ID, nil, owner.bearer()...), http.StatusNoContent)
	}
	e.advance(3600)

	e.settle()
	before := e.documents()
	cases := []struct {
		name, token string
		status      int
		page        string
	}{
		{"revoked", revoked.Token, 410, "revoked this invite link"},
		{"expired", expiring.Token, 410, "has expired"},
		{"used up", once.Token, 410, "used as many times as it allows"},
		{"unknown", auth.NewToken(), 404, "could not find this invite link"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := map[int]string{410: "gone", 404: "not_found"}[tc.status]
			if r := e.call("GET", "/v1/invites/"+tc.token, nil); r.Status != tc.status || r.Code(t) != code {
				t.Fatalf("info = %d %s", r.Status, r.Body)
			}
			if r := e.accept(tc.token, "Refused", "refused@example.com"); r.Status != tc.status || r.Code(t) != code {
				t.Fatalf("accept = %d %s", r.Status, r.Body)
			}
			for _, method := range []string{"GET", "POST"} {
				form := url.Values{"name": {"Refused"}, "email": {"refused@example.com"}, "password": {testPassword}}
				r := e.call(method, "/invite/"+tc.token, form, "Accept-Language", "en")
				if r.Status != tc.status || !strings.Contains(string(r.Body), tc.page) {
					t.Fatalf("%s page = %d\n%s", method, r.Status, r.Body)
				}
			}
		})
	}
	// Revoked after the sign-up: following its verification link is void.
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": lateToken}); r.Status != http.StatusGone {
		t.Fatalf("verify after revocation = %d %s", r.Status, r.Body)
	}
	if diff := cmp.Diff(before, e.documents()); diff != "" {
		t.Fatalf("refused requests wrote (-before +after):\n%s", diff)
	}
	e.settle()
	if n := len(e.mails("refused@example.com")); n != 0 {
		t.Fatalf("refused requests sent %d mails", n)
	}
	if n := len(e.mails("late@example.com")); n != 1 {
		t.Fatalf("the void sign-up got %d mails, want its verification only", n)
	}
}

// TestInviteRace: 8 people accept a 3-use link at once: exactly 3 are
// accepted and 5 refused, and once every mail is followed there are
// exactly 3 new members.
func TestInviteRace(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	l := e.newInviteLink(owner, "acme", map[string]any{"maxUses": 3})

	const n = 8
	statuses, count := race(n, func(i int) int {
		return e.accept(l.Token, fmt.Sprint("Racer ", i), fmt.Sprintf("racer%d@example.com", i)).Status
	})
	if diff := cmp.Diff(map[int]int{202: 3, 410: 5}, count); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	if got := e.doc("workspaces/acme/inviteLinks/" + l.ID)["uses"]; got != int64(3) {
		t.Fatalf("uses = %v, want 3", got)
	}
	if n := e.count("workspaces/acme/inviteLinks/" + l.ID + "/uses"); n != 3 {
		t.Fatalf("%d use documents, want 3", n)
	}
	for i, s := range statuses {
		email := fmt.Sprintf("racer%d@example.com", i)
		if s != http.StatusAccepted {
			continue
		}
		e.verify(e.verificationToken(email, 1))
	}
	e.settle()
	for i, s := range statuses {
		email := fmt.Sprintf("racer%d@example.com", i)
		want := map[int]int{202: 2, 410: 0}[s] // verification + joined, or nothing
		if got := len(e.mails(email)); got != want {
			t.Errorf("%s (%d) got %d mails, want %d", email, s, got, want)
		}
	}
	if n := e.count("workspaces/acme/members"); n != 1+3 {
		t.Fatalf("%d members, want the owner and 3", n)
	}
	if links := e.inviteLinks(owner, "acme"); links[0].Uses != 3 {
		t.Fatalf("listed uses = %d", links[0].Uses)
	}
}

// TestInviteNoEnumeration: accepting answers byte for byte the same for a
// new address, an address with an account and an address already a member;
// following the link keeps an existing password and, for a member, changes
// nothing and sends no second joined mail.
func TestInviteNoEnumeration(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.owned("other", "existing@example.com") // an account, not in acme
	l := e.newInviteLink(owner, "acme", map[string]any{})

	const otherPassword = "a different password"
	accept := func(email string) response {
		return e.call("POST", "/v1/invites/"+l.Token+"/accept", map[string]string{"name": "Someone", "email": email, "password": otherPassword})
	}
	answers := map[string]response{}
	for _, email := range []string{"new@example.com", "existing@example.com", "owner@example.com"} {
		answers[email] = accept(email)
	}
	first := answers["new@example.com"]
	requireStatus(t, first, http.StatusAccepted)
	for email, r := range answers {
		if r.Status != first.Status || !bytes.Equal(r.Body, first.Body) || r.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Errorf("answer for %s = %d %q, for a new address %d %q", email, r.Status, r.Body, first.Status, first.Body)
		}
	}

	// The existing account joins with its own password kept.
	v := e.verify(e.verificationToken("existing@example.com", 3)) // verify, joined to other, this
	acc := e.doc("accounts/" + v.AccountID)
	if ok, _ := e.s.Deps.Hasher.Verify(context.Background(), acc["passwordHash"].(string), testPassword); !ok {
		t.Fatal("the existing account's password changed")
	}
	if m := e.doc("workspaces/acme/members/" + v.AccountID); m["status"] != domain.MemberActive || m["role"] != domain.RoleMember {
		t.Fatalf("member = %v", m)
	}
	if n := e.count("accounts"); n != 2 {
		t.Fatalf("%d accounts, want 2 (no new one for the existing address)", n)
	}

	// The owner, already a member: the token is used up, nothing changes.
	ownerMember := e.doc("workspaces/acme/members/" + owner.AccountID)
	ownerToken := e.verificationToken("owner@example.com", 4) // verify, joined, login code, this
	vo := e.verify(ownerToken)
	if vo.AccountID != owner.AccountID || vo.WorkspaceID != "acme" {
		t.Fatalf("verify for a member = %+v", vo)
	}
	if diff := cmp.Diff(ownerMember, e.doc("workspaces/acme/members/"+owner.AccountID)); diff != "" {
		t.Fatalf("the owner's membership changed:\n%s", diff)
	}
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": ownerToken}); r.Status != http.StatusGone {
		t.Fatalf("the member's token was not used up: %d", r.Status)
	}
	e.login("acme", "owner@example.com", owner.DeviceToken) // password unchanged
	e.settle()
	if n := len(e.mailsMatching("owner@example.com", joinedSubjects...)); n != 1 {
		t.Fatalf("the owner got %d joined mails, want 1 (from F1)", n)
	}
	if n := len(e.mailsMatching("existing@example.com", joinedSubjects...)); n != 2 {
		t.Fatalf("the existing account got %d joined mails, want 2 (other, acme)", n)
	}
}

// TestInviteAuthorization: only the super admin and admins with
// admin_access manage invite links, and only in their own workspace.
func TestInviteAuthorization(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	target := e.newInviteLink(c.owner, "acme", map[string]any{})
	callers := func(ok int) []caller {
		return []caller{
			{"anonymous", nil, http.StatusUnauthorized},
			{"bad token", []string{"Authorization", "Bearer not-a-jwt"}, http.StatusUnauthorized},
			{"plain member", c.member.bearer(), http.StatusForbidden},
			{"admin without admin_access", c.memberManagement.bearer(), http.StatusForbidden},
			{"member of another workspace", c.other.bearer(), http.StatusForbidden},
			{"admin with admin_access", c.adminAccess.bearer(), ok},
			{"super admin", c.owner.bearer(), ok},
		}
	}
	endpoints := []struct {
		method, path string
		body         any
		ok           int
	}{
		{"POST", "/v1/workspaces/acme/invite-links", map[string]any{}, http.StatusCreated},
		{"GET", "/v1/workspaces/acme/invite-links", nil, http.StatusOK},
		{"DELETE", "/v1/workspaces/acme/invite-links/" + target.ID, nil, http.StatusNoContent},
	}
	for _, ep := range endpoints {
		for _, who := range callers(ep.ok) {
			t.Run(ep.method+" "+who.name, func(t *testing.T) {
				r := e.call(ep.method, ep.path, ep.body, who.headers...)
				if r.Status != who.status {
					t.Fatalf("= %d %s, want %d", r.Status, r.Body, who.status)
				}
			})
		}
	}
	// Two links were created (by the two allowed callers) besides target and
	// the three of the cast; the other workspace's admin made none in acme.
	if n := len(e.inviteLinks(c.owner, "acme")); n != 3+1+2 {
		t.Fatalf("%d links in acme, want 6", n)
	}
	if n := len(e.inviteLinks(c.other, "other")); n != 0 {
		t.Fatalf("%d links in other", n)
	}
	// The other workspace's super admin cannot reach acme's links by ID
	// through their own workspace either.
	if r := e.call("DELETE", "/v1/workspaces/other/invite-links/"+target.ID, nil, c.other.bearer()...); r.Status != http.StatusNotFound {
		t.Fatalf("revoke acme's link through other = %d", r.Status)
	}
}

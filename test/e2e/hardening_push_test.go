package e2e

// Issue 15, item 5: pushes and the dev surface trust their caller. Each
// test replays a call that the code before the fix took.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/test/testenv"
)

// The mailer's audience and invoker, as a split stack's push gateway
// mints them (a one-process stack is told them).
var (
	pushAudience = stack.PushAudience("mailer")
	pushInvoker  = stack.PushInvoker
)

// pushAs POSTs body to a push or scheduled function directly (as one who
// found its URL would) with an Authorization header (none if
// authorization is empty) and a content type, and returns the status.
func (e *env) pushAs(function, contentType, authorization string, body []byte) int {
	e.t.Helper()
	u, err := e.s.FunctionURL(context.Background(), function)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(u, contentType, authorization, body)
}

// pushed POSTs body to a push function as Pub/Sub does (in a split stack,
// with the invoker's token) and returns the status.
func (e *env) pushed(function, contentType string, body []byte) int {
	e.t.Helper()
	return e.post(e.s.PushURL(function), contentType, "", body)
}

func (e *env) post(u, contentType, authorization string, body []byte) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// requireNothingWritten fails if the project holds any document: a
// refused push must not even claim its event.
func (e *env) requireNothingWritten() {
	e.t.Helper()
	if docs := e.documents(); len(docs) != 0 {
		e.t.Fatalf("a refused call wrote %v", docs)
	}
}

// TestPushNeedsInvokerToken: with push verification on, as outside dev
// mode, a push to the mailer is handled only with a Google-signed token
// for the subscription's audience minted for the invoker service
// account. Without one (Cloud Run IAM being the only gate before, a
// service made public by mistake did whatever anyone pushed) it is
// answered 401, claims nothing and sends nothing. The scheduled relay is
// guarded the same way.
func TestPushNeedsInvokerToken(t *testing.T) {
	t.Parallel()
	google := testenv.NewGoogle(t, "push-key")
	v, err := bus.NewVerifier(context.Background(), pushAudience, pushInvoker, google.Client())
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, func(o *stackOptions) {
		o.PushVerifier = v                    // one process
		o.PushKey, o.PushKeyID = google.Key() // split: the gateway signs as google
	})
	impostor := testenv.NewGoogle(t, "push-key") // Google's key ID, another key
	token := func(edit func(jwt.MapClaims)) string {
		c := google.Claims(pushAudience, pushInvoker)
		edit(c)
		return "Bearer " + google.Sign(t, c)
	}
	cases := []struct {
		name, authorization string
	}{
		{"no token", ""},
		{"not a bearer token", "Basic d2ctaW52b2tlcjpwdXNo"},
		{"not a JWT", "Bearer push"},
		{"another key", "Bearer " + impostor.Sign(t, google.Claims(pushAudience, pushInvoker))},
		{"expired", token(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })},
		{"another audience", token(func(c jwt.MapClaims) { c["aud"] = "https://workgate.example/_push/fanout" })},
		{"another issuer", token(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })},
		{"another service account", token(func(c jwt.MapClaims) { c["email"] = "attacker@evil-project.iam.gserviceaccount.com" })},
		{"unverified e-mail", token(func(c jwt.MapClaims) { c["email_verified"] = false })},
	}
	for _, tc := range cases {
		to := "push-" + strings.ReplaceAll(tc.name, " ", "-") + "@example.com"
		if s := e.pushAs("mailer", "application/json", tc.authorization, envelope(t, e.mailEvent(to))); s != http.StatusUnauthorized {
			t.Errorf("%s: push answered %d, want 401", tc.name, s)
		}
		if n := len(e.mails(to)); n != 0 {
			t.Errorf("%s: the refused push sent %d mails", tc.name, n)
		}
	}
	if s := e.pushAs("relay", "", "", nil); s != http.StatusUnauthorized {
		t.Errorf("relay without a token answered %d, want 401", s)
	}
	e.requireNothingWritten()

	// The invoker's token: handled.
	const to = "push-valid@example.com"
	valid := "Bearer " + google.Sign(t, google.Claims(pushAudience, pushInvoker))
	if s := e.pushAs("mailer", "application/json", valid, envelope(t, e.mailEvent(to))); s != http.StatusNoContent {
		t.Fatalf("push with the invoker's token answered %d, want 204", s)
	}
	e.waitMails(to, 1)
}

// TestDevSurfaceTakesOnlyJSON: in dev mode, where pushes carry no token,
// a page the developer opens could send a cross-site "simple" POST
// (text/plain or a form, no preflight) to the dev clock or a push
// endpoint. Only requests declared application/json are taken: the
// others are answered 400, the clock does not move and nothing is sent.
func TestDevSurfaceTakesOnlyJSON(t *testing.T) {
	t.Parallel()
	e := start(t)
	clockNow := func() time.Time {
		var c struct {
			Now time.Time `json:"now"`
		}
		e.call("GET", "/_dev/clock", nil).JSON(t, &c)
		return c.Now
	}
	before := clockNow()
	const advance = `{"advanceSeconds":86400}`
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		r := e.call("POST", "/_dev/clock", advance, "Content-Type", ct)
		if r.Status != http.StatusBadRequest || r.Code(t) != "invalid_request" {
			t.Errorf("clock POST as %q = %d %s, want 400 invalid_request", ct, r.Status, r.Body)
		}
	}
	r := e.call("POST", "/_dev/clock", url.Values{"advanceSeconds": {"86400"}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("clock POST as a form = %d %s, want 400", r.Status, r.Body)
	}
	if moved := clockNow().Sub(before); moved > time.Hour {
		t.Fatalf("refused POSTs moved the clock by %v", moved)
	}
	if snap, err := e.fs().Doc("_dev/clock").Get(context.Background()); err == nil && snap.Data()["offsetNanos"] != int64(0) {
		t.Fatalf("refused POSTs stored a clock offset: %v", snap.Data())
	}

	const to = "simple-post@example.com"
	body := envelope(t, e.mailEvent(to))
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		if s := e.pushed("mailer", ct, body); s != http.StatusBadRequest {
			t.Errorf("push as %q answered %d, want 400", ct, s)
		}
	}
	e.requireNothingWritten()
	if n := len(e.mails(to)); n != 0 {
		t.Fatalf("simple POSTs to the push endpoint sent %d mails", n)
	}

	// Declared JSON (as the emulator's pushes and the tests' calls are),
	// both are taken.
	if r := e.call("POST", "/_dev/clock", advance, "Content-Type", "application/json; charset=utf-8"); r.Status != http.StatusOK {
		t.Fatalf("clock POST as JSON = %d %s", r.Status, r.Body)
	}
	if s := e.pushed("mailer", "application/json", body); s != http.StatusNoContent {
		t.Fatalf("push as JSON answered %d, want 204", s)
	}
	e.waitMails(to, 1)
}

// TestMailLinksOnlyFromMailerConfig: a mail request published to
// mail-requested with addresses in it (in the fields that once carried
// the links, even sealed with the real key, as a flow that was tricked or
// a forged event would) gets a mail whose every link is built from the
// mailer's own configuration: the token's page on PUBLIC_URL, or the app.
func TestMailLinksOnlyFromMailerConfig(t *testing.T) {
	t.Parallel()
	e := start(t)
	d := e.s.Deps
	const evil = "https://evil.example"
	const escaping = "../../x?next=1#@attacker" // a token that tries to leave its page
	seal := d.Sealer.Seal
	cases := []struct {
		template string
		data     map[string]any
		want     string // the mail's link
	}{
		{"verify_email", map[string]any{
			"Name": "Kim", "WorkspaceName": "Acme", "WorkspaceID": "acme", "ExpiresAt": time.Now().Add(time.Hour),
			"Link": seal(evil + "/verify-email/tok1"), "Token": seal("tok1"),
		}, e.s.URL + "/verify-email/tok1"},
		{"password_reset", map[string]any{
			"Name": "Kim", "ExpiresAt": time.Now().Add(time.Hour),
			"Link": seal(evil + "/reset-password/tok2"), "Token": seal("tok2"),
		}, e.s.URL + "/reset-password/tok2"},
		{"delegation", map[string]any{
			"Name": "Kim", "FromName": "Lee", "WorkspaceName": "Acme", "ExpiresAt": time.Now().Add(time.Hour),
			"Link": seal(evil + "/delegation/tok3"), "Token": seal(escaping),
		}, e.s.URL + "/delegation/" + url.PathEscape(escaping)},
		{"joined", map[string]any{
			"Name": "Kim", "WorkspaceName": "Acme", "WorkspaceID": "acme", "LoginID": "kim@example.com",
			"LoginURL": evil + "/login", "Link": seal(evil + "/login"),
		}, e.s.URL + "/app"}, // WORKGATE_APP_URL: PUBLIC_URL/app/
		{"account_locked", map[string]any{
			"LockedUntil": time.Now().Add(time.Hour), "ResetURL": evil + "/reset",
		}, e.s.URL + "/app"}, // WORKGATE_APP_URL: PUBLIC_URL/app/
		{"org_link_decided", map[string]any{
			"Name": "Kim", "WorkspaceName": "Acme", "OrgID": "acme-org", "OrgName": "Acme Org", "Status": "active",
			"LoginURL": evil + "/login",
		}, e.s.URL + "/app"}, // WORKGATE_APP_URL: PUBLIC_URL/app/
	}
	for _, tc := range cases {
		to := "links-" + tc.template + "@example.com"
		data, err := json.Marshal(map[string]any{"template": tc.template, "locale": "en", "to": to, "data": tc.data})
		if err != nil {
			t.Fatal(err)
		}
		ev := events.Event{ID: events.NewID(), Topic: events.TopicMailRequested, Version: events.MailVersion, Data: data, CreatedAt: time.Now()}
		if err := d.PubSub.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range cases {
		m := e.waitMails("links-"+tc.template+"@example.com", 1)[0]
		if strings.Contains(m.Text, "evil.example") || strings.Contains(m.HTML, "evil.example") {
			t.Errorf("%s: the mail points at evil.example: %v", tc.template, m.Links)
		}
		if len(m.Links) == 0 {
			t.Errorf("%s: the mail has no link", tc.template)
		}
		for _, l := range m.Links {
			if strings.TrimSuffix(l, "/") != tc.want {
				t.Errorf("%s: the mail links to %q, want only %q", tc.template, l, tc.want)
			}
		}
	}
}

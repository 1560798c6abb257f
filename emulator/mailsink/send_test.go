package mailsink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

// newServer returns a sink served by an httptest server.
func newServer(tb testing.TB) (*Sink, *httptest.Server) {
	tb.Helper()
	s := New()
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return s, srv
}

// post sends body to /v3/mail/send with the real SendGrid client.
func post(tb testing.TB, baseURL string, headers map[string]string, body []byte) *rest.Response {
	tb.Helper()
	req := sendgrid.GetRequest("SG.test-key", "/v3/mail/send", baseURL)
	req.Method = rest.Post
	req.Body = body
	for k, v := range headers {
		if v == "" {
			delete(req.Headers, k)
		} else {
			req.Headers[k] = v
		}
	}
	resp, err := sendgrid.API(req)
	if err != nil {
		tb.Fatalf("sendgrid.API: %v", err)
	}
	return resp
}

// simpleMail is what the product sends: one recipient, text and HTML.
func simpleMail(to, subject, text, html string) *mail.SGMailV3 {
	return mail.NewV3MailInit(
		mail.NewEmail("Workgate", "no-reply@workgate.test"), subject, mail.NewEmail("", to),
		mail.NewContent("text/plain", text), mail.NewContent("text/html", html))
}

var xMessageID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// ignoreVolatile leaves out what a test cannot know in advance.
var ignoreVolatile = cmpopts.IgnoreFields(Message{}, "ID", "ReceivedAt")

func TestSendStores(t *testing.T) {
	t.Parallel()

	multi := mail.NewV3Mail()
	multi.SetFrom(mail.NewEmail("", "from@workgate.test"))
	multi.Subject = "Default subject"
	multi.AddContent(mail.NewContent("text/plain", "Hi -name-, see https://app.workgate.test/x?u=-id-."))
	p1 := mail.NewPersonalization()
	p1.AddTos(mail.NewEmail("A", "a@example.com"))
	p1.AddCCs(mail.NewEmail("", "cc@example.com"))
	p1.AddBCCs(mail.NewEmail("", "bcc@example.com"))
	p1.SetSubstitution("-name-", "Ann")
	p1.SetSubstitution("-id-", "1")
	p2 := mail.NewPersonalization()
	p2.AddTos(mail.NewEmail("", "b@example.com"))
	p2.Subject = "Own subject"
	p2.AddFrom(mail.NewEmail("", "other@workgate.test"))
	multi.AddPersonalizations(p1, p2)

	cases := []struct {
		name string
		mail *mail.SGMailV3
		want []Message // newest first
	}{
		{
			name: "text and html",
			mail: simpleMail("Alice@Example.com", "Your code",
				"Your code is 123456.\nOr open https://app.workgate.test/login?code=123456&x=1.\n(https://app.workgate.test/help)",
				`<p>Code <b>123456</b></p><a href="https://app.workgate.test/login?code=123456&amp;x=1">log in</a>`+
					`<a HREF=' https://app.workgate.test/other '>x</a><a href="/relative">r</a><a href="mailto:x@example.com">m</a>`+
					`<!-- <a href="https://comment.test/">c</a> -->`),
			want: []Message{{
				From:    "no-reply@workgate.test",
				To:      []string{"Alice@Example.com"},
				Subject: "Your code",
				Text:    "Your code is 123456.\nOr open https://app.workgate.test/login?code=123456&x=1.\n(https://app.workgate.test/help)",
				HTML: `<p>Code <b>123456</b></p><a href="https://app.workgate.test/login?code=123456&amp;x=1">log in</a>` +
					`<a HREF=' https://app.workgate.test/other '>x</a><a href="/relative">r</a><a href="mailto:x@example.com">m</a>` +
					`<!-- <a href="https://comment.test/">c</a> -->`,
				Links: []string{
					"https://app.workgate.test/login?code=123456&x=1",
					"https://app.workgate.test/help",
					"https://app.workgate.test/other",
				},
			}},
		},
		{
			name: "text only",
			mail: mail.NewV3MailInit(mail.NewEmail("", "no-reply@workgate.test"), "Plain", mail.NewEmail("", "bob@example.com"),
				mail.NewContent("text/plain", "no links here")),
			want: []Message{{
				From: "no-reply@workgate.test", To: []string{"bob@example.com"}, Subject: "Plain",
				Text: "no links here", Links: []string{},
			}},
		},
		{
			name: "personalizations, cc, bcc and substitutions",
			mail: multi,
			want: []Message{
				{
					From: "other@workgate.test", To: []string{"b@example.com"}, Subject: "Own subject",
					Text:  "Hi -name-, see https://app.workgate.test/x?u=-id-.",
					Links: []string{"https://app.workgate.test/x?u=-id-"},
				},
				{
					From: "from@workgate.test", To: []string{"a@example.com", "cc@example.com", "bcc@example.com"}, Subject: "Default subject",
					Text:  "Hi Ann, see https://app.workgate.test/x?u=1.",
					Links: []string{"https://app.workgate.test/x?u=1"},
				},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)
			before := time.Now().UTC()

			resp := post(t, srv.URL, nil, mail.GetRequestBody(tc.mail))

			if resp.StatusCode != http.StatusAccepted || resp.Body != "" {
				t.Fatalf("status %d body %q, want 202 and no body", resp.StatusCode, resp.Body)
			}
			id := http.Header(resp.Headers).Get("X-Message-Id")
			if !xMessageID.MatchString(id) {
				t.Errorf("X-Message-Id %q, want 22 base64url characters", id)
			}
			got := s.Messages("")
			if diff := cmp.Diff(tc.want, got, ignoreVolatile); diff != "" {
				t.Errorf("Messages (-want +got):\n%s", diff)
			}
			for i, m := range got {
				if wantID := fmt.Sprintf("%s.%d", id, len(got)-1-i); m.ID != wantID {
					t.Errorf("message %d: ID %q, want %q", i, m.ID, wantID)
				}
				if m.ReceivedAt.Before(before) || m.ReceivedAt.Location() != time.UTC {
					t.Errorf("message %d: ReceivedAt %v, want UTC after %v", i, m.ReceivedAt, before)
				}
			}
		})
	}
}

func TestSendGzip(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	client := sendgrid.NewSendClient("SG.test-key")
	client.BaseURL = srv.URL + "/v3/mail/send"
	client.Headers["Content-Encoding"] = "gzip"

	resp, err := client.Send(simpleMail("zip@example.com", "Zipped", "https://z.test/", "<p>z</p>"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}

	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d body %q, want 202", resp.StatusCode, resp.Body)
	}
	if diff := cmp.Diff([]string{"https://z.test/"}, s.Messages("zip@example.com")[0].Links); diff != "" {
		t.Errorf("Links (-want +got):\n%s", diff)
	}
}

func TestSendSandboxMode(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	m := simpleMail("sandbox@example.com", "S", "t", "<p>h</p>")
	m.SetMailSettings(mail.NewMailSettings().SetSandboxMode(mail.NewSetting(true)))

	resp := post(t, srv.URL, nil, mail.GetRequestBody(m))

	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d body %q, want 200 as SendGrid answers in sandbox mode", resp.StatusCode, resp.Body)
	}
	if got := s.Messages(""); len(got) != 0 {
		t.Errorf("stored %d messages in sandbox mode, want none", len(got))
	}
}

func TestSendAuth(t *testing.T) {
	t.Parallel()
	body := mail.GetRequestBody(simpleMail("a@example.com", "s", "t", "<p>h</p>"))
	cases := []struct {
		name string
		auth string // "" removes the header
		want int
	}{
		{name: "bearer key", auth: "Bearer SG.anything", want: http.StatusAccepted},
		{name: "lower-case scheme", auth: "bearer k", want: http.StatusAccepted},
		{name: "missing", auth: "", want: http.StatusUnauthorized},
		{name: "empty key", auth: "Bearer ", want: http.StatusUnauthorized},
		{name: "basic", auth: "Basic dXNlcjpwYXNz", want: http.StatusUnauthorized},
		{name: "key alone", auth: "SG.key", want: http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			resp := post(t, srv.URL, map[string]string{"Authorization": tc.auth}, body)

			if resp.StatusCode != tc.want {
				t.Fatalf("status %d body %q, want %d", resp.StatusCode, resp.Body, tc.want)
			}
			if tc.want != http.StatusUnauthorized {
				return
			}
			assertNullFieldError(t, resp.Body)
			if got := s.Messages(""); len(got) != 0 {
				t.Errorf("stored %d messages without auth", len(got))
			}
		})
	}
}

// assertNullFieldError checks SendGrid's shape for errors about no field:
// {"errors":[{"message":"...","field":null,"help":null}]}.
func assertNullFieldError(tb testing.TB, body string) {
	tb.Helper()
	var got struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		tb.Fatalf("body %q: %v", body, err)
	}
	if len(got.Errors) != 1 {
		tb.Fatalf("body %q: want one error", body)
	}
	e := got.Errors[0]
	for _, k := range []string{"field", "help"} {
		if v, ok := e[k]; !ok || v != nil {
			tb.Errorf("body %q: %s = %v, want null", body, k, v)
		}
	}
	if msg, _ := e["message"].(string); msg == "" {
		tb.Errorf("body %q: empty message", body)
	}
}

func TestSendInvalid(t *testing.T) {
	t.Parallel()
	const (
		from    = `"from":{"email":"from@workgate.test"}`
		subject = `"subject":"s"`
		content = `"content":[{"type":"text/plain","value":"t"}]`
		to      = `"personalizations":[{"to":[{"email":"to@example.com"}]}]`
	)
	many := `"personalizations":[` + strings.Repeat(`{"to":[{"email":"to@example.com"}]},`, 1000) + `{"to":[{"email":"to@example.com"}]}]`
	cases := []struct {
		name  string
		body  string
		field []string // the "field" of each error, in order
	}{
		{name: "no personalizations", body: `{` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations"}},
		{name: "empty personalizations", body: `{"personalizations":[],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations"}},
		{name: "too many personalizations", body: `{` + many + `,` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations", "personalizations"}},
		{name: "no to", body: `{"personalizations":[{"cc":[{"email":"cc@example.com"}]}],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations.0.to"}},
		{name: "bad to", body: `{"personalizations":[{"to":[{"email":"to@example.com"},{"email":"not-an-address"}]}],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations.0.to.1.email"}},
		{name: "name in to email", body: `{"personalizations":[{"to":[{"email":"Bob <bob@example.com>"}]}],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations.0.to.0.email"}},
		{name: "bad cc", body: `{"personalizations":[{"to":[{"email":"to@example.com"}],"cc":[{"email":"x@"}]}],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations.0.cc.0.email"}},
		{name: "duplicate recipient", body: `{"personalizations":[{"to":[{"email":"to@example.com"}],"bcc":[{"email":"TO@example.com"}]}],` + from + `,` + subject + `,` + content + `}`, field: []string{"personalizations.0"}},
		{name: "no from", body: `{` + to + `,` + subject + `,` + content + `}`, field: []string{"from.email"}},
		{name: "bad from", body: `{` + to + `,"from":{"email":"nobody"},` + subject + `,` + content + `}`, field: []string{"from.email"}},
		{name: "no subject", body: `{` + to + `,` + from + `,` + content + `}`, field: []string{"subject"}},
		{name: "subject in some personalizations", body: `{"personalizations":[{"to":[{"email":"a@example.com"}],"subject":"a"},{"to":[{"email":"b@example.com"}]}],` + from + `,` + content + `}`, field: []string{"subject"}},
		{name: "no content", body: `{` + to + `,` + from + `,` + subject + `}`, field: []string{"content"}},
		{name: "empty content", body: `{` + to + `,` + from + `,` + subject + `,"content":[]}`, field: []string{"content"}},
		{name: "empty value", body: `{` + to + `,` + from + `,` + subject + `,"content":[{"type":"text/plain","value":""}]}`, field: []string{"content.0.value"}},
		{name: "text/plain second", body: `{` + to + `,` + from + `,` + subject + `,"content":[{"type":"text/html","value":"h"},{"type":"text/plain","value":"t"}]}`, field: []string{"content.1.type"}},
		{name: "duplicate type", body: `{` + to + `,` + from + `,` + subject + `,"content":[{"type":"text/plain","value":"t"},{"type":"text/html","value":"h"},{"type":"text/html","value":"h"}]}`, field: []string{"content.2.type"}},
		{name: "everything missing", body: `{}`, field: []string{"from.email", "personalizations", "subject", "content"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			resp := post(t, srv.URL, nil, []byte(tc.body))

			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d body %q, want 400", resp.StatusCode, resp.Body)
			}
			var got struct {
				Errors []struct {
					Message string  `json:"message"`
					Field   *string `json:"field"`
					Help    *string `json:"help"`
				} `json:"errors"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			var fields []string
			for _, e := range got.Errors {
				if e.Field == nil || e.Help == nil || e.Message == "" {
					t.Fatalf("error %+v: want message, field and help", e)
				}
				if !strings.HasPrefix(*e.Help, "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.") {
					t.Errorf("help %q: want a SendGrid errors page link", *e.Help)
				}
				fields = append(fields, *e.Field)
			}
			if diff := cmp.Diff(tc.field, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if n := len(s.Messages("")); n != 0 {
				t.Errorf("stored %d messages for an invalid request", n)
			}
		})
	}
}

func TestSendBadBody(t *testing.T) {
	t.Parallel()
	var notGzip bytes.Buffer
	notGzip.WriteString("{not gzip")
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	if _, err := zw.Write(bytes.Repeat([]byte(" "), maxBody+1)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		headers map[string]string
		body    []byte
		want    int
	}{
		{name: "not JSON", body: []byte(`{"personalizations":`), want: http.StatusBadRequest},
		{name: "trailing garbage", body: []byte(`{} x`), want: http.StatusBadRequest},
		{name: "wrong type", body: []byte(`{"personalizations":"a@example.com"}`), want: http.StatusBadRequest},
		{name: "empty", body: nil, want: http.StatusBadRequest},
		{name: "bad gzip", headers: map[string]string{"Content-Encoding": "gzip"}, body: notGzip.Bytes(), want: http.StatusBadRequest},
		{name: "too large", body: bytes.Repeat([]byte(" "), maxBody+1), want: http.StatusRequestEntityTooLarge},
		{name: "too large once unzipped", headers: map[string]string{"Content-Encoding": "gzip"}, body: bomb.Bytes(), want: http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newServer(t)

			resp := post(t, srv.URL, tc.headers, tc.body)

			if resp.StatusCode != tc.want {
				t.Fatalf("status %d body %q, want %d", resp.StatusCode, resp.Body, tc.want)
			}
			assertNullFieldError(t, resp.Body)
		})
	}
}

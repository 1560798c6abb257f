package mailsink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

// sendBody posts body to /v3/mail/send of s (gzipped if gz) and returns
// the status and answer.
func sendBody(s *Sink, body []byte, gz bool) (int, []byte) {
	encoded := body
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body) // a bytes.Buffer takes everything
		_ = zw.Close()
		encoded = b.Bytes()
	}
	r := httptest.NewRequest(http.MethodPost, "/v3/mail/send", bytes.NewReader(encoded))
	r.Header.Set("Authorization", "Bearer SG.test-key")
	r.Header.Set("Content-Type", "application/json")
	if gz {
		r.Header.Set("Content-Encoding", "gzip")
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// FuzzSendRequest fuzzes the SendGrid request parser through the sink's
// handler: a request is answered 202 (and stored as one message per
// personalization, each to valid addresses from a valid sender, with
// only absolute http(s) links), 200 in sandbox mode, or 400/413 in
// SendGrid's error shape; never anything else. A stored request,
// encoded again, is stored the same.
func FuzzSendRequest(f *testing.F) {
	m := simpleMail("kim@example.com", "Verify your address", "Open https://workgate.test/verify-email/abc_-1 to verify.",
		`<p><a href="https://workgate.test/verify-email/abc_-1">Verify</a></p>`)
	for _, s := range [][]byte{
		mail.GetRequestBody(m),
		[]byte(`{"personalizations":[{"to":[{"email":"a@example.com"}],"cc":[{"email":"A@example.com"}],"substitutions":{"-name-":"-full-","-name-full-":"x"}}],"sections":{"-full-":"Kim"},"from":{"email":"no-reply@workgate.test"},"subject":"Hi -name-","content":[{"type":"text/plain","value":"Hi -name- (see https://example.com/a)."}]}`),
		[]byte(`{"personalizations":[{"to":[{"email":"a@example.com"}]}],"from":{"email":"f@example.com"},"template_id":"d-1","mail_settings":{"sandbox_mode":{"enable":true}}}`),
		[]byte(`{"personalizations":[{"to":[{"email":"a@[10.0.0.1]"}]}],"from":{"email":"f@example.com"},"subject":"s","content":[{"type":"text/html; charset=utf-8","value":"<a href=' http://x.test/ '>"}]}`),
		[]byte(`{"personalizations":[],"from":{"email":"Kim <f@example.com>"},"content":[{"type":"text/html","value":""},{"type":"text/plain","value":"x"}]}`),
		[]byte(`{}`), []byte(`null`), []byte(``), []byte(`{"personalizations":{}}`), []byte(`[`),
	} {
		f.Add(s, false)
	}
	f.Add(mail.GetRequestBody(m), true)
	f.Fuzz(func(t *testing.T, body []byte, gz bool) {
		s := New()
		code, answer := sendBody(s, body, gz)
		switch code {
		case http.StatusAccepted:
		case http.StatusOK:
			if len(s.Messages("")) != 0 {
				t.Fatalf("a sandboxed request stored mail")
			}
			return
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			var e errorResponse
			if err := json.Unmarshal(answer, &e); err != nil || len(e.Errors) == 0 || e.Errors[0].Message == "" {
				t.Fatalf("%d answer %q is not in SendGrid's error shape", code, answer)
			}
			return
		default:
			t.Fatalf("send answered %d %q", code, answer)
		}
		var req sendRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("took %q, which does not decode: %v", body, err)
		}
		msgs := s.Messages("")
		if len(msgs) != len(req.Personalizations) {
			t.Fatalf("%d personalizations stored %d messages", len(req.Personalizations), len(msgs))
		}
		for _, m := range msgs {
			if !validEmail(m.From) || len(m.To) == 0 {
				t.Fatalf("stored a message from %q to %q", m.From, m.To)
			}
			for _, to := range m.To {
				if !validEmail(to) {
					t.Fatalf("stored a message to %q", to)
				}
			}
			for _, l := range m.Links {
				if !isAbsoluteHTTP(l) {
					t.Fatalf("message link %q is not an absolute http(s) URL", l)
				}
			}
		}
		// What it took, encoded again, is taken and stored the same.
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		s2 := New()
		if code, answer := sendBody(s2, again, false); code != http.StatusAccepted {
			t.Fatalf("took %q but not its encoding %q: %d %s", body, again, code, answer)
		}
		if diff := cmp.Diff(msgs, s2.Messages(""), ignoreVolatile); diff != "" {
			t.Fatalf("%q and its encoding %q stored different messages (-first +again):\n%s", body, again, diff)
		}
	})
}

// FuzzPushRequest fuzzes the FCM request parser: what it takes (and
// validates) has a message with one target, a payload within FCM's
// limit and no reserved data key; its errors are google.rpc.Status; and a
// request written again from what it took reads the same.
func FuzzPushRequest(f *testing.F) {
	for _, s := range []string{
		`{"message":{"token":"fcm-token-1","notification":{"title":"Kim","body":"Hello"},"data":{"kind":"message","roomId":"r1"}}}`,
		`{"validateOnly":true,"message":{"token":"t","android":{"priority":"high"},"apns":{"headers":{}},"webpush":{},"fcm_options":{}}}`,
		`{"validate_only":false,"message":{"topic":"news","data":{}}}`, `{"message":{"condition":"'a' in topics","fid":"x"}}`,
		`{"message":{"token":"t","token":"u"}}`, `{"message":{"token":null,"topic":"x"}}`, `{"message":{"token":""}}`,
		`{"message":{"token":"t","data":{"from":"x"}}}`, `{"message":{"token":"t","data":{"k":1}}}`, `{"message":{"name":"projects/p/messages/1","token":"t"}}`,
		`{"message":{"token":"t","notification":{"image":"https://x/y.png","titleLocKey":"k"}}}`, `{"message":"x"}`, `{"msg":{}}`,
		`{"message":{"token":"t","Data":{}}}`, `[]`, `null`, ``, `{"message":{"token":"t","data":{"a":"` + strings.Repeat("x", 4100) + `"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parsePushRequest(body)
		if err == nil {
			err = req.validate()
		}
		if err != nil {
			if _, ok := err.(*statusError); !ok { //nolint:errorlint // parsePushRequest returns *statusError itself
				t.Fatalf("parse(%q) = %T %v, not a google.rpc.Status", body, err, err)
			}
			return
		}
		if !req.hasMessage || len(req.targets) != 1 || req.target == "" {
			t.Fatalf("took %q with targets %q %q", body, req.targets, req.target)
		}
		if tt := req.targets[0]; (tt == "token" || tt == "fid") != (req.push.Token == req.target) {
			t.Fatalf("took %q: target %s %q, token %q", body, tt, req.target, req.push.Token)
		}
		size := len(req.push.Title) + len(req.push.Body)
		for k, v := range req.push.Data {
			size += len(k) + len(v)
			if k == "from" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.notification.") {
				t.Fatalf("took the reserved data key %q", k)
			}
		}
		if size > maxPushPayload {
			t.Fatalf("took a payload of %d bytes", size)
		}
		// Written again as the Admin SDK writes it.
		msg := map[string]any{req.targets[0]: req.target, "data": req.push.Data}
		if req.push.Title != "" || req.push.Body != "" {
			msg["notification"] = map[string]string{"title": req.push.Title, "body": req.push.Body}
		}
		again, err := json.Marshal(map[string]any{"message": msg, "validate_only": req.validateOnly})
		if err != nil {
			t.Fatal(err)
		}
		req2, err := parsePushRequest(again)
		if err == nil {
			err = req2.validate()
		}
		if err != nil {
			t.Fatalf("took %q but not %q, written from it: %v", body, again, err)
		}
		if diff := cmp.Diff(req.push, req2.push); diff != "" || req.validateOnly != req2.validateOnly || req.target != req2.target {
			t.Fatalf("%q and %q, written from it, read differently (-first +again):\n%s", body, again, diff)
		}
	})
}

// linkPath is what a link of a mail may hold after its host: no space,
// quote, angle bracket, bracket or sentence punctuation at its end.
var linkPath = regexp.MustCompile(`^[A-Za-z0-9/_~%=&?#.+-]*[A-Za-z0-9/_~%=&#+-]$`)

// FuzzExtractLinks: every link found in a mail is an absolute http(s)
// URL, found once; and a link (of the characters links hold) written
// into any text as a sentence would hold it, or into an href, is found
// whole.
func FuzzExtractLinks(f *testing.F) {
	f.Add("Open https://workgate.test/verify-email/abc_-1 to verify.", `<a href="https://workgate.test/a?x=1&amp;y=2">x</a>`, "verify-email/abc_-1")
	f.Add("(see https://example.com/a).", `<a href=" http://x.test/ ">`, "a(b)")
	f.Add("HTTPS://EXAMPLE.COM/", `<!-- <a href="https://hidden.test/"> --><script>"<a href='https://s.test/'>"</script>`, "x.")
	f.Add("https://", `<a href="javascript:alert(1)">`, "reset-password/0123456789abcdef0123456789abcdef.c2VjcmV0")
	f.Add("http://[::1]:8080/x, https://a.test/b;", `<a href=https://a.test/b>`, "")
	f.Fuzz(func(t *testing.T, text, htmlBody, path string) {
		links := extractLinks(text, htmlBody)
		seen := map[string]bool{}
		for _, l := range links {
			if seen[l] || !isAbsoluteHTTP(l) {
				t.Fatalf("extractLinks(%q, %q) = %q", text, htmlBody, links)
			}
			seen[l] = true
		}
		if !linkPath.MatchString(path) {
			return
		}
		u := "https://workgate.test/" + path
		if _, err := url.Parse(u); err != nil {
			return
		}
		for _, sentence := range []string{"Open " + u + " now", "Open " + u + ".", "(see " + u + ")", u + ",\n" + u} {
			if got := extractLinks(sentence, ""); len(got) != 1 || got[0] != u {
				t.Fatalf("extractLinks(%q) = %q, want [%q]", sentence, got, u)
			}
		}
		if got := extractLinks("", `<p><a href="`+html.EscapeString(u)+`">link</a></p>`); len(got) != 1 || got[0] != u {
			t.Fatalf("extractLinks of an href of %q = %q", u, got)
		}
	})
}

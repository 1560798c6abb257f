package mailsink

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

func TestPagesEscape(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	const (
		subject  = `<script>alert("subject")</script>`
		text     = "<script>alert('text')</script>\nhttps://app.workgate.test/a?b=1&c=2"
		htmlPart = `<p onclick="x()">Hi</p><script>alert("html")</script><a href="https://app.workgate.test/h">h</a>`
	)
	resp := post(t, srv.URL, nil, mail.GetRequestBody(simpleMail("xss@example.com", subject, text, htmlPart)))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send: status %d body %q", resp.StatusCode, resp.Body)
	}
	id := s.Messages("")[0].ID
	_, err := fcmSend(t, fcmService(t, srv.URL), notify(`tok-<i>"x"</i>`, `<script>alert("push")</script>`, "김민수: 회의는 <b>3시</b>",
		map[string]string{`<img src=x onerror="y()">`: `<script>alert('data')</script>`, "roomId": "회의실"}))
	if err != nil {
		t.Fatalf("push: %v", err)
	}

	cases := []struct {
		name string
		path string
		want []string // substrings the page must contain
	}{
		{
			name: "inbox",
			path: "/",
			want: []string{
				"&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;",
				`href="/messages/` + id + `"`,
				"xss@example.com",
				"tok-&lt;i&gt;&#34;x&#34;&lt;/i&gt;",
				"<strong>&lt;script&gt;alert(&#34;push&#34;)&lt;/script&gt;</strong>",
				"김민수: 회의는 &lt;b&gt;3시&lt;/b&gt;",
				"<code>&lt;img src=x onerror=&#34;y()&#34;&gt;</code> &lt;script&gt;alert(&#39;data&#39;)&lt;/script&gt;",
				"<code>roomId</code> 회의실",
			},
		},
		{
			name: "message",
			path: "/messages/" + id,
			want: []string{
				"<pre>&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;\nhttps://app.workgate.test/a?b=1&amp;c=2</pre>",
				`<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" `,
				`srcdoc="` + html.EscapeString(htmlPart),
				`<a href="https://app.workgate.test/a?b=1&amp;c=2"`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			status, header, body := do(t, http.MethodGet, srv.URL+tc.path)

			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			if ct := header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q, want default-src 'none' and frame-ancestors 'none'", csp)
			}
			if rp := header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("Referrer-Policy %q, want no-referrer", rp)
			}
			if strings.Contains(strings.ToLower(body), "<script") {
				t.Errorf("page contains an unescaped <script:\n%s", body)
			}
			if strings.Contains(body, `onclick="`) || strings.Contains(body, `onerror="`) {
				t.Errorf("page contains an unescaped attribute from the mail:\n%s", body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestInboxNewestFirst(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	sendAll(t, srv.URL, [][2]string{{"a@example.com", "older-mail"}, {"b@example.com", "newer-mail"}})
	sendPushes(t, srv.URL, [][2]string{{"tok-a", "older-push"}, {"tok-b", "newer-push"}})

	_, _, body := do(t, http.MethodGet, srv.URL+"/")

	for _, kind := range []string{"mail", "push"} {
		older, newer := strings.Index(body, "older-"+kind), strings.Index(body, "newer-"+kind)
		if older < 0 || newer < 0 || newer > older {
			t.Errorf("inbox does not list newer-%s before older-%s:\n%s", kind, kind, body)
		}
	}
	mails, pushes := strings.Index(body, "<h2>Mail "), strings.Index(body, "<h2>Push ")
	if mails < 0 || pushes < 0 || strings.Index(body, "newer-mail") > pushes || strings.Index(body, "newer-push") < pushes {
		t.Errorf("inbox does not show the mails under Mail and the pushes under Push:\n%s", body)
	}
}

func TestInboxEmpty(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)

	status, _, body := do(t, http.MethodGet, srv.URL+"/")

	if status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	for _, w := range []string{"No mail yet", "No push yet", "GET /api/pushes?token=T", `<span class="muted">(0)</span>`} {
		if !strings.Contains(body, w) {
			t.Errorf("empty inbox lacks %q:\n%s", w, body)
		}
	}
}

// TestMessageLang: a mail's page is in the mail's language (its HTML
// part's lang, else Korean if it has Hangul), its own labels in English.
func TestMessageLang(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, subject, text, html, want string
	}{
		{"html lang", "[workgate] Verify", "Hello", `<!DOCTYPE html><html lang="ko"><body>안녕하세요</body></html>`, "ko"},
		{"hangul without lang", "[workgate] 이메일 인증", "안녕하세요", "<p>안녕하세요</p>", "ko"},
		{"english", "[workgate] Verify", "Hello", `<html><body>Hello</body></html>`, "en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)
			resp := post(t, srv.URL, nil, mail.GetRequestBody(simpleMail("lang@example.com", tc.subject, tc.text, tc.html)))
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("send: status %d body %q", resp.StatusCode, resp.Body)
			}
			_, _, body := do(t, http.MethodGet, srv.URL+"/messages/"+s.Messages("")[0].ID)
			if want := `<html lang="` + tc.want + `">`; !strings.Contains(body, want) {
				t.Errorf("page lacks %s:\n%s", want, body)
			}
			if !strings.Contains(body, `<dt lang="en">From</dt>`) {
				t.Errorf("the page's own labels are not marked English:\n%s", body)
			}
		})
	}
}

package mailsink

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// The pages use html/template, which escapes everything that comes from a
// mail or a push; a mail's HTML is shown only inside a sandboxed iframe (no
// scripts, no forms, its own origin), and the CSP keeps the page itself
// script-free. The iframe may open popups, which leave the sandbox: a mail's
// buttons open their links in a new tab (target=_blank), where workgate's
// pages work as in a mail client (their forms post; a sandboxed tab could
// not).
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"join": func(s []string) string { return strings.Join(s, ", ") },
	"head": func(lang, title string) head { return head{Lang: lang, Title: title} },
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · mail and push sink</title>
<style>
body { font: 15px/1.45 system-ui, "Apple SD Gothic Neo", "Noto Sans KR", "Malgun Gothic", sans-serif; color: #1f2328; background: #f6f8fa; margin: 0; word-break: keep-all; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
main:has(.columns) { max-width: 100rem; }
@media (max-width: 40rem) { main { padding: .75rem; } td.when { white-space: normal; } th, td { padding: .4rem .45rem; } }
.columns { display: grid; gap: 0 1.5rem; }
@media (min-width: 64rem) { .columns { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
h1 { font-size: 1.3rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
a { color: #0969da; }
.muted { color: #59636e; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d1d9e0; }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f3f6; font-weight: 600; }
td.when { white-space: nowrap; color: #59636e; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; background: #fff; border: 1px solid #d1d9e0; padding: .8rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #fff; border: 1px solid #d1d9e0; padding: .8rem 1rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
iframe { display: block; box-sizing: border-box; width: 100%; height: 56rem; background: #fff; border: 1px solid #d1d9e0; resize: vertical; overflow: auto; }
ul { margin: 0; padding-left: 1.2rem; overflow-wrap: anywhere; }
td.data div + div { margin-top: .2rem; }
code { font-size: .9em; background: #f0f3f6; padding: 0 .25rem; border-radius: 3px; }
</style>
</head>
<body><main>
{{end}}

{{define "foot"}}</main></body>
</html>
{{end}}

{{define "inbox"}}{{template "head" (head "en" "Inbox")}}
<h1>Inbox</h1>
<div class="columns">
<section>
<h2>Mail <span class="muted">({{len .Messages}})</span></h2>
{{if .Messages}}<table>
<thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead>
<tbody>
{{range .Messages}}<tr><td class="when">{{when .ReceivedAt}}</td><td>{{join .To}}</td><td><a href="/messages/{{.ID}}">{{or .Subject "(no subject)"}}</a></td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="muted">No mail yet. Send some to POST /v3/mail/send.</p>
{{end}}<p class="muted">JSON: GET /api/messages?to=ADDR · forget all: DELETE /api/messages</p>
</section>
<section>
<h2>Push <span class="muted">({{len .Pushes}})</span></h2>
{{if .Pushes}}<table>
<thead><tr><th>Received</th><th>Token</th><th>Notification</th><th>Data</th></tr></thead>
<tbody>
{{range .Pushes}}<tr><td class="when">{{when .ReceivedAt}}</td><td>{{.Token}}</td><td>{{if or .Title .Body}}<strong>{{.Title}}</strong><br>{{.Body}}{{else}}<span class="muted">(data only)</span>{{end}}</td><td class="data">{{range $k, $v := .Data}}<div><code>{{$k}}</code> {{$v}}</div>{{end}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="muted">No push yet. Send some to POST /v1/projects/PROJECT/messages:send (FCM HTTP v1).</p>
{{end}}<p class="muted">JSON: GET /api/pushes?token=T · forget all: DELETE /api/pushes</p>
</section>
</div>
{{template "foot"}}{{end}}

{{define "message"}}{{template "head" (head .Lang (or .Subject "(no subject)"))}}
<p lang="en"><a href="/">← Inbox</a></p>
<h1>{{or .Subject "(no subject)"}}</h1>
<dl>
<dt lang="en">From</dt><dd>{{.From}}</dd>
<dt lang="en">To</dt><dd>{{join .To}}</dd>
<dt lang="en">Subject</dt><dd>{{.Subject}}</dd>
<dt lang="en">Received</dt><dd lang="en">{{when .ReceivedAt}}</dd>
<dt lang="en">ID</dt><dd>{{.ID}}</dd>
</dl>
{{with .Links}}<h2 lang="en">Links</h2>
<ul>{{range .}}<li><a href="{{.}}" rel="noreferrer">{{.}}</a></li>{{end}}</ul>
{{end}}<h2 lang="en">Text</h2>
{{if .Text}}<pre>{{.Text}}</pre>{{else}}<p class="muted" lang="en">No text/plain part.</p>{{end}}
<h2 lang="en">HTML</h2>
{{if .HTML}}<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="HTML part" srcdoc="{{.HTML}}"></iframe>{{else}}<p class="muted" lang="en">No text/html part.</p>{{end}}
{{template "foot"}}{{end}}
`))

// head is what a page's head shows: its language and title.
type head struct{ Lang, Title string }

// htmlLang finds the lang attribute of a mail's <html> element.
var htmlLang = regexp.MustCompile(`(?i)<html[^>]*\slang="([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)"`)

// mailLang is the language a mail is written in: its HTML part's lang, or
// Korean if its subject or text has Hangul, or English.
func mailLang(m Message) string {
	if l := htmlLang.FindStringSubmatch(m.HTML); l != nil {
		return l[1]
	}
	hangul := func(r rune) bool { return unicode.Is(unicode.Hangul, r) }
	if strings.ContainsFunc(m.Subject, hangul) || strings.ContainsFunc(m.Text, hangul) {
		return "ko"
	}
	return "en"
}

// inbox answers GET / with the mails and the pushes, newest first.
func (s *Sink) inbox(w http.ResponseWriter, _ *http.Request) error {
	return writePage(w, http.StatusOK, "inbox", struct {
		Messages []Message
		Pushes   []Push
	}{s.Messages(""), s.Pushes("")})
}

// message answers GET /messages/{id} with one mail.
func (s *Sink) message(w http.ResponseWriter, r *http.Request) error {
	m, ok := s.messageByID(r.PathValue("id"))
	if !ok {
		http.Error(w, "no such message", http.StatusNotFound)
		return nil
	}
	return writePage(w, http.StatusOK, "message", struct {
		Message
		Lang string
	}{m, mailLang(m)})
}

// writePage renders the whole page before writing, so that a template error
// can still be answered with a 500.
func writePage(w http.ResponseWriter, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("mailsink.writePage %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// As on workgate's own pages: a mail's links carry tokens, and the
	// page's address names a mail.
	h.Set("Referrer-Policy", "no-referrer")
	// The srcdoc iframe inherits this policy: mail HTML may show images and
	// its own styles, never run scripts or load frames; no other site may
	// frame the sink.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client is gone; nothing left to do
	return nil
}

// Package pages renders the server-side HTML pages that e-mail links open.
// They work in any browser without scripts, in Korean or English chosen by
// Accept-Language. A page opened by GET never consumes its link: it asks for
// a click, and the form's POST does the work (mail scanners open links).
package pages

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/web"
)

//go:embed templates/*.html
var files embed.FS

// tmpl returns the pages' templates, parsed once per process: not in
// init, since every function's binary links this package and only four
// render pages (signup, login, workspaces, profiles), which call Parse as
// they start. The files are embedded, so a parse error is a build defect.
var tmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"t": func(l i18n.Locale, key string) string { return text(l, key) },
	}).ParseFS(files, "templates/*.html"))
})

// Parse parses the templates and merges the message catalogue, once per
// process; Render does it if it was not done. A function that renders
// pages calls it as it starts, so that its first page does not wait.
func Parse() {
	catalogue()
	tmpl()
}

// Page is what one page shows.
type Page struct {
	Locale i18n.Locale
	// Name is the template (confirm, result, card).
	Name string
	// Title and Message are keys of the message catalogue.
	Title, Message string
	// Logo, when set, is the URL of an image shown above the title (a
	// workspace's logo; only https URLs are shown).
	Logo string
	// Lead, when set, is the page's main sentence, shown above the message
	// (already localised, with user data; always escaped).
	Lead string
	// Detail is shown under the message (already localised or user data;
	// always escaped).
	Detail string
	// Action, when set, is the URL the page's form posts to; Button is the
	// catalogue key of its label.
	Action, Button string
	// Username, when set, is the login the form's password belongs to, in
	// a hidden field, so that password managers save or fill the right
	// pair.
	Username string
	// Fields are the visible inputs of the form.
	Fields []Field
	// OK says whether the page reports success (for styling).
	OK bool
	// App, when set, is the web app's URL (config AppURL): a success page
	// links on to it ("log in to workgate"), so it is no dead end.
	App string
	// Card is what the profile card page (template card) shows.
	Card *Card
}

// Invalid reports whether a field of the form has an error: the page then
// opens with a summary of them.
func (p Page) Invalid() bool {
	for _, f := range p.Fields {
		if f.Error != "" {
			return true
		}
	}
	return false
}

// Card is a member's profile card (F12): only what anyone holding the link
// may see, always escaped.
type Card struct {
	DisplayName, Department, StatusMessage, Workspace string
	// Role is the title and position, when the workspace shows them.
	Role string
	// Photo is shown only if it is an https URL.
	Photo string
	// QR is the URL of the link's QR code image.
	QR string
	// Open is the web app's page of the link (add as an external member,
	// then chat): a phone has no second screen to scan the QR code with.
	Open string
}

// Field is one visible form input.
type Field struct {
	// Name is the input's name and id; Label a catalogue key.
	Name, Label, Type string
	// Autocomplete is the input's autocomplete token (name, email,
	// new-password, current-password).
	Autocomplete string
	// Value is what the input holds: what the person typed, kept when the
	// form comes back with an error (never a password).
	Value     string
	Required  bool
	MinLength int
	// Error, when set, is the catalogue key of what is wrong with the
	// field: it is shown by the field, in the summary at the top, and the
	// input is marked aria-invalid.
	Error string
}

// NewPassword is the pair of fields that choose a password: the password
// (label is its catalogue key) and the same again, each with its error
// key, if any.
func NewPassword(label, passwordError, confirmError string) []Field {
	return []Field{
		{Name: "password", Label: label, Type: "password", Autocomplete: "new-password", Required: true, MinLength: auth.MinPasswordLen, Error: passwordError},
		{Name: "confirm", Label: "form.confirm", Type: "password", Autocomplete: "new-password", Required: true, MinLength: auth.MinPasswordLen, Error: confirmError},
	}
}

// Confirmed reports whether a posted form's password and its
// confirmation (NewPassword) are the same.
func Confirmed(form url.Values) bool {
	return form.Get("password") == form.Get("confirm")
}

// Render writes p with the given status and headers that keep the page (and
// the token in its URL) out of caches, referrers and frames.
func Render(w http.ResponseWriter, status int, p Page) error {
	if !strings.HasPrefix(p.Logo, "https://") {
		p.Logo = "" // the CSP would block it anyway; http would leak the page's visit
	}
	if p.Card != nil && !strings.HasPrefix(p.Card.Photo, "https://") {
		p.Card.Photo = ""
	}
	var buf bytes.Buffer
	if err := tmpl().ExecuteTemplate(&buf, p.Name+".html", p); err != nil {
		return fmt.Errorf("pages.Render %s: %w", p.Name, err)
	}
	protect(w.Header())
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(p.Locale))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// protect sets the headers that keep a page's answer out of caches and its
// URL out of referrers.
func protect(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
}

// Done is the handler of a flow's result page, where Redirect sends a
// successful form: title and message are catalogue keys; app, when set, is
// the web app the page links on to.
func Done(title, message, app string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
		return Render(w, http.StatusOK, Page{Locale: locale, Name: "result", Title: title, Message: message, OK: true, App: app})
	}
}

// Redirect answers a form's successful POST with 303 See Other to path, a
// result page that needs no token (Post/Redirect/Get): reloading it, or a
// restored tab, shows the result again instead of posting the form again.
func Redirect(w http.ResponseWriter, path string) error {
	protect(w.Header())
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// Dead is what a flow's pages say of a link that can no longer be used.
type Dead struct {
	// Gone is the catalogue key of the message for a link that expired,
	// was replaced or withdrawn, or never existed.
	Gone string
	// UsedTitle and Used are the catalogue keys of the title and message
	// for a link that was used already (domain.IsLinkUsed): what was done
	// with it, rather than "start again". Empty: Gone says it.
	UsedTitle, Used string
	// App is the web app's URL: a used link's page links on to it.
	App string
}

// Failure answers a page request that failed: a link that was used gets a
// 410 page saying what was done with it, a dead or unknown link (errs.Gone,
// errs.NotFound) one saying it cannot be used, any other refusal the
// generic page with its status. Internal errors are returned, to be logged
// and answered by the problem writer.
func Failure(w http.ResponseWriter, locale i18n.Locale, err error, dead Dead) error {
	kind := errs.KindOf(err)
	switch {
	case kind == errs.Gone && dead.Used != "" && domain.IsLinkUsed(err):
		return Render(w, http.StatusGone, Page{Locale: locale, Name: "result", Title: dead.UsedTitle, Message: dead.Used, App: dead.App})
	case kind == errs.Gone, kind == errs.NotFound:
		return Render(w, web.Status(kind), Page{Locale: locale, Name: "result", Title: "gone.title", Message: dead.Gone})
	case kind == errs.Internal:
		return err
	}
	return Render(w, web.Status(kind), Page{Locale: locale, Name: "result", Title: "error.title", Message: "error.message"})
}

// text looks a key up in the catalogue; a missing key shows itself, and a
// test checks that none is missing.
func text(l i18n.Locale, key string) string {
	if s, ok := catalogue()[l][key]; ok {
		return s
	}
	if s, ok := catalogue()[i18n.Korean][key]; ok {
		return s
	}
	return key
}

// catalogue holds every string the pages show: the common ones here, each
// flow's in its own file.
// (merged once per process, as tmpl is parsed).
var catalogue = sync.OnceValue(func() map[i18n.Locale]map[string]string {
	return merge(commonText, signupText, resetText, cardText, delegationText)
})

func merge(parts ...map[i18n.Locale]map[string]string) map[i18n.Locale]map[string]string {
	out := map[i18n.Locale]map[string]string{}
	for _, part := range parts {
		for l, texts := range part {
			if out[l] == nil {
				out[l] = map[string]string{}
			}
			for k, v := range texts {
				if _, dup := out[l][k]; dup {
					panic("pages: text " + k + " defined twice")
				}
				out[l][k] = v
			}
		}
	}
	return out
}

var commonText = map[i18n.Locale]map[string]string{
	i18n.Korean: {
		"lang":                "ko",
		"brand":               "workgate",
		"verify.title":        "이메일 인증",
		"verify.message":      "아래 버튼을 눌러 이메일 주소 인증을 완료해 주세요.",
		"verify.button":       "이메일 인증하기",
		"verify.done.title":   "인증 완료",
		"verify.done.message": "이메일 인증이 완료되었습니다. 이제 workgate 앱에서 로그인할 수 있습니다.",
		"gone.title":          "사용할 수 없는 링크",
		"gone.message":        "이 링크는 만료되었거나 더 이상 사용할 수 없습니다. 필요하면 처음부터 다시 가입해 주세요.",
		"error.title":         "문제가 발생했습니다",
		"error.message":       "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
		"open.app":            "workgate 로그인",
		"workspace":           "워크스페이스",
		"email":               "이메일",
		"verify.used.title":   "이미 인증되었습니다",
		"verify.used":         "이 링크로 이메일 주소 인증을 이미 마쳤습니다. workgate에 로그인해 주세요.",
		"form.problem":        "입력한 내용을 확인해 주세요",
		"form.error":          "오류",
		"form.confirm":        "새 비밀번호 확인 (한 번 더 입력)",
		"form.mismatch":       "두 비밀번호가 같지 않습니다. 같은 비밀번호를 두 번 입력해 주세요.",
	},
	i18n.English: {
		"lang":                "en",
		"brand":               "workgate",
		"verify.title":        "Verify your e-mail",
		"verify.message":      "Press the button below to finish verifying your e-mail address.",
		"verify.button":       "Verify my e-mail",
		"verify.done.title":   "Verified",
		"verify.done.message": "Your e-mail address is verified. You can now log in with the workgate app.",
		"gone.title":          "This link can't be used",
		"gone.message":        "This link has expired or can no longer be used. Please sign up again if you still need to.",
		"error.title":         "Something went wrong",
		"error.message":       "We could not handle the request. Please try again in a moment.",
		"open.app":            "Log in to workgate",
		"workspace":           "Workspace",
		"email":               "E-mail",
		"verify.used.title":   "Already verified",
		"verify.used":         "This link has already verified the e-mail address. Log in to workgate.",
		"form.problem":        "Please check what you entered",
		"form.error":          "Error",
		"form.confirm":        "New password again",
		"form.mismatch":       "The two passwords are not the same. Enter the same password twice.",
	},
}

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
	"strings"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/web"
)

//go:embed templates/*.html
var files embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"t": func(l i18n.Locale, key string) string { return text(l, key) },
}).ParseFS(files, "templates/*.html"))

// Page is what one page shows.
type Page struct {
	Locale i18n.Locale
	// Name is the template (confirm, result).
	Name string
	// Title and Message are keys of the message catalogue.
	Title, Message string
	// Logo, when set, is the URL of an image shown above the title (a
	// workspace's logo; only https URLs are shown).
	Logo string
	// Detail is shown under the message (already localised or user data;
	// always escaped).
	Detail string
	// Action, when set, is the URL the page's form posts to; Button is the
	// catalogue key of its label.
	Action, Button string
	// Fields are hidden or visible inputs of the form.
	Fields []Field
	// OK says whether the page reports success (for styling).
	OK bool
	// App, when set, is the web app's URL (config AppURL): a success page
	// links on to it ("log in to workgate"), so it is no dead end.
	App string
	// Card is what the profile card page (template card) shows.
	Card *Card
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
}

// Field is one form input.
type Field struct {
	Name, Label, Type string
	Required          bool
	MinLength         int
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
	if err := tmpl.ExecuteTemplate(&buf, p.Name+".html", p); err != nil {
		return fmt.Errorf("pages.Render %s: %w", p.Name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(p.Locale))
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// Failure answers a page request that failed: a dead link (errs.Gone)
// gets a 410 page saying goneMessage (a catalogue key), any other refusal
// the generic page with its status. Internal errors are returned, to be
// logged and answered by the problem writer.
func Failure(w http.ResponseWriter, locale i18n.Locale, err error, goneMessage string) error {
	switch errs.KindOf(err) {
	case errs.Gone:
		return Render(w, http.StatusGone, Page{Locale: locale, Name: "result", Title: "gone.title", Message: goneMessage})
	case errs.Internal:
		return err
	}
	return Render(w, web.Status(errs.KindOf(err)), Page{Locale: locale, Name: "result", Title: "error.title", Message: "error.message"})
}

// text looks a key up in the catalogue; a missing key shows itself, and a
// test checks that none is missing.
func text(l i18n.Locale, key string) string {
	if s, ok := catalogue[l][key]; ok {
		return s
	}
	if s, ok := catalogue[i18n.Korean][key]; ok {
		return s
	}
	return key
}

// catalogue holds every string the pages show: the common ones here, each
// flow's in its own file.
var catalogue = merge(commonText, signupText, resetText, cardText, delegationText)

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
		"gone.message":        "이 링크는 만료되었거나 이미 사용되었습니다. 필요하면 처음부터 다시 요청해 주세요.",
		"error.title":         "문제가 발생했습니다",
		"error.message":       "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
		"open.app":            "workgate 로그인",
		"workspace":           "워크스페이스",
		"email":               "이메일",
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
		"gone.message":        "This link has expired or has already been used. Please start again if you still need it.",
		"error.title":         "Something went wrong",
		"error.message":       "We could not handle the request. Please try again in a moment.",
		"open.app":            "Log in to workgate",
		"workspace":           "Workspace",
		"email":               "E-mail",
	},
}

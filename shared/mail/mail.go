// Package mail renders workgate's e-mails in Korean and English and sends
// them through SendGrid (the real API in production, the local
// SendGrid-compatible sink otherwise).
//
// Every mail has a plain-text and an HTML part built from embedded
// templates: text/template for the text part and the subject,
// html/template for the HTML part, so everything a user typed (names,
// workspace names) is escaped in HTML and links reach an href only if they
// are http(s). Subjects are fixed per template and never contain
// user-typed text, so nobody can use workgate to send mail with a subject
// of their choosing.
//
// A mail's links are built here, from the sender's own configuration
// (URLs): Data carries at most a link's token, never an address, so a
// request that reaches the mailer (a forged or replayed event) cannot make
// a mail point anywhere but workgate.
package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htemplate "html/template"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	ttemplate "text/template"
	"time"

	"github.com/workgate/workgate/shared/i18n"
)

// Template names: the mails the product sends.
const (
	// VerifyEmail asks to confirm an e-mail address (F1 workspace
	// creation, F2 invite-link sign-up). Data: Name, WorkspaceName,
	// WorkspaceID, Token, ExpiresAt; it links to VerifyEmailPage.
	VerifyEmail = "verify_email"
	// Joined says the recipient became a member of a workspace and what
	// their login ID is (F4). Data: Name, WorkspaceName, WorkspaceID,
	// LoginID; it links to the app.
	Joined = "joined"
	// SetPassword invites a member registered by an admin to set their
	// password (F3). Data: Name, WorkspaceName, InviterName, Token,
	// ExpiresAt; it links to SetPasswordPage.
	SetPassword = "set_password"
	// LoginCode carries a 6-digit login code (F5). Data: Code, ExpiresAt.
	LoginCode = "login_code"
	// AccountLocked says password login is locked (F7). Data: LockedUntil;
	// it links to the app, where a password reset can be requested.
	AccountLocked = "account_locked"
	// PasswordReset carries a password reset link (F8). Data: Name, Token,
	// ExpiresAt; it links to PasswordResetPage.
	PasswordReset = "password_reset"
	// PasswordChanged says the password was changed (F8). Data: Name,
	// ChangedAt.
	PasswordChanged = "password_changed"
	// DeviceApproved says a new device was approved (F9). Data: Name,
	// ApprovedBy, At; DeviceName and Platform if known.
	DeviceApproved = "device_approved"
	// RecoveryLogin says the account logged in with the workspace recovery
	// key (F9). Data: Name, At; DeviceName and Platform if known.
	RecoveryLogin = "recovery_login"
	// Nudge asks a member to open workgate and approve a colleague's login
	// (F9). Data: Name, RequesterName, WorkspaceName.
	Nudge = "nudge"
	// Delegation offers the super admin role (F16). Data: Name, FromName,
	// WorkspaceName, Token, ExpiresAt; it links to DelegationPage.
	Delegation = "delegation"
	// SuperAdminChanged tells the former and the new super admin that the
	// role moved (F16). Data: Name, WorkspaceName, FromName, ToName, At.
	SuperAdminChanged = "super_admin_changed"
	// OrgLinkDecided tells the super admin that an operator approved or
	// rejected the organisation link (F17). Data: Name, WorkspaceName,
	// OrgID, OrgName, Status ("active" or "rejected"); it links to the app.
	OrgLinkDecided = "org_link_decided"
	// WorkspaceWithdrawn confirms to the super admin that the workspace is
	// being deleted for good (F18). Data: Name, WorkspaceName, WorkspaceID,
	// At.
	WorkspaceWithdrawn = "workspace_withdrawn"
)

// The pages a mail's token opens: its link is URLs.Public, the page's
// path, then the token. The functions that serve these pages route the
// same paths.
const (
	VerifyEmailPage   = "/verify-email/"
	SetPasswordPage   = "/set-password/"
	PasswordResetPage = "/reset-password/"
	DelegationPage    = "/delegation/"
)

// URLs are the bases of every link in a mail: the sender's own
// configuration, never the data of a request.
type URLs struct {
	// Public is workgate's public address (PUBLIC_URL): the pages a
	// token opens.
	Public string
	// App is where people open workgate and log in (WORKGATE_APP_URL).
	App string
}

// Data is the template data: one flat struct for every template; each
// template documents the fields it uses and ignores the rest. It holds no
// URL: Render builds every link from URLs. Times are shown in the locale's
// style and zone: KST for Korean, UTC for English.
type Data struct {
	Name          string // recipient's name
	WorkspaceName string
	WorkspaceID   string
	LoginID       string // the recipient's login ID (their e-mail)
	Token         string // the secret token of the mail's main link
	InviterName   string
	Code          string // a 6-digit login code
	DeviceName    string
	Platform      string
	ApprovedBy    string
	RequesterName string
	FromName      string
	ToName        string
	OrgID         string
	OrgName       string
	Status        string // an outcome, such as an organisation link's status

	ExpiresAt   time.Time // when Token or Code stops working
	LockedUntil time.Time
	ChangedAt   time.Time
	At          time.Time // when the event happened
}

// Message is an e-mail ready to send.
type Message struct {
	To      string // the recipient's address
	Subject string // one line, no user-typed text
	Text    string // the text/plain part
	HTML    string // the text/html part
}

// Render renders template name in locale for the recipient to, with its
// links under urls. An unknown template, a missing required field, a base
// URL that is not an absolute http(s) URL or a code that is not 6 digits is
// an error; a locale other than Korean or English is read with i18n.Parse.
func Render(name string, locale i18n.Locale, to string, data Data, urls URLs) (Message, error) {
	const op = "mail.Render"
	locale = i18n.Parse(string(locale))
	set, ok := registry()[key{name, locale}]
	if !ok {
		return Message{}, fmt.Errorf("%s: unknown template %q", op, name)
	}
	if strings.TrimSpace(to) == "" {
		return Message{}, fmt.Errorf("%s %s: no recipient", op, name)
	}
	sp := specs[name]
	if err := sp.check(data); err != nil {
		return Message{}, fmt.Errorf("%s %s: %w", op, name, err)
	}
	if !isWebURL(urls.Public) || !isWebURL(urls.App) {
		return Message{}, fmt.Errorf("%s %s: the public and app URLs must be absolute http(s) URLs", op, name)
	}
	v := view{Data: data, To: to, LoginURL: urls.App, ResetURL: urls.App}
	if sp.page != "" {
		v.Link = strings.TrimSuffix(urls.Public, "/") + sp.page + url.PathEscape(data.Token)
	}

	var subject, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("%s %s: subject: %w", op, name, err)
	}
	if err := set.text.ExecuteTemplate(&text, "layout", v); err != nil {
		return Message{}, fmt.Errorf("%s %s: text: %w", op, name, err)
	}
	if err := set.html.ExecuteTemplate(&html, "layout", v); err != nil {
		return Message{}, fmt.Errorf("%s %s: html: %w", op, name, err)
	}
	return Message{
		To: to,
		// One line, single spaces: template layout must not leak into a header.
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// view is what templates see: the data, the recipient, whom the footer
// names so a forwarded mail still says whom it was for, and the links
// Render built.
type view struct {
	Data
	To       string
	Link     string // the mail's main link: its page and token
	LoginURL string // where to log in
	ResetURL string // where to request a password reset
}

// action is a button: a link and its label.
type action struct {
	URL   string
	Label string
}

// spec lists what a template needs.
type spec struct {
	// required names the Data fields that must not be zero.
	required []string
	// page is the path the mail's main link opens, before its Token;
	// empty for a mail without a token link.
	page string
}

// specs holds the spec of every template; its keys are the template names.
var specs = map[string]spec{
	VerifyEmail:     {required: []string{"Name", "WorkspaceName", "WorkspaceID", "Token", "ExpiresAt"}, page: VerifyEmailPage},
	Joined:          {required: []string{"Name", "WorkspaceName", "WorkspaceID", "LoginID"}},
	SetPassword:     {required: []string{"Name", "WorkspaceName", "InviterName", "Token", "ExpiresAt"}, page: SetPasswordPage},
	LoginCode:       {required: []string{"Code", "ExpiresAt"}},
	AccountLocked:   {required: []string{"LockedUntil"}},
	PasswordReset:   {required: []string{"Name", "Token", "ExpiresAt"}, page: PasswordResetPage},
	PasswordChanged: {required: []string{"Name", "ChangedAt"}},
	// Device name and platform are reported by the client and may be blank;
	// the templates say "unknown" then.
	DeviceApproved: {required: []string{"Name", "ApprovedBy", "At"}},
	RecoveryLogin:  {required: []string{"Name", "At"}},
	Nudge:          {required: []string{"Name", "RequesterName", "WorkspaceName"}},
	Delegation:     {required: []string{"Name", "FromName", "WorkspaceName", "Token", "ExpiresAt"}, page: DelegationPage},

	SuperAdminChanged:  {required: []string{"Name", "WorkspaceName", "FromName", "ToName", "At"}},
	OrgLinkDecided:     {required: []string{"Name", "WorkspaceName", "OrgID", "OrgName", "Status"}},
	WorkspaceWithdrawn: {required: []string{"Name", "WorkspaceName", "WorkspaceID", "At"}},
}

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

// check reports the first problem with d for this spec. Errors name fields,
// never their values: tokens and codes are secrets.
func (s spec) check(d Data) error {
	rv := reflect.ValueOf(d)
	for _, f := range s.required {
		if rv.FieldByName(f).IsZero() {
			return fmt.Errorf("missing field %s", f)
		}
	}
	if d.Code != "" && !codePattern.MatchString(d.Code) {
		return errors.New("field Code is not 6 digits")
	}
	return nil
}

// isWebURL reports whether s is an absolute http or https URL with a host.
// html/template would neutralise anything else in an href, but the text
// part would print it as is.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// kst is Korea Standard Time. Korea has no daylight saving time, so a fixed
// zone is exact and the binary needs no tzdata.
var kst = time.FixedZone("KST", 9*60*60)

var koWeekdays = [...]string{"일", "월", "화", "수", "목", "금", "토"}

// formatTime renders t in the locale's style, naming the zone.
func formatTime(locale i18n.Locale, t time.Time) string {
	if locale == i18n.English {
		return t.In(time.UTC).Format("Mon, Jan 2, 2006, 3:04 PM MST")
	}
	t = t.In(kst)
	return fmt.Sprintf("%d년 %d월 %d일 (%s) %02d:%02d KST",
		t.Year(), t.Month(), t.Day(), koWeekdays[t.Weekday()], t.Hour(), t.Minute())
}

//go:embed templates
var files embed.FS

// key identifies one template in one locale.
type key struct {
	name   string
	locale i18n.Locale
}

// set is one template in one locale: the text part (with the subject) and
// the HTML part, each bound to its locale's layout.
type set struct {
	text *ttemplate.Template
	html *htemplate.Template
}

// registry returns every template in every locale, parsed once per
// process: not in init, since every function links this package and only
// the mailer renders (parsing took some 5 ms of each function's start, and
// its garbage a collection). The files are embedded, so a parse error is a
// build defect: mustParse panics.
var registry = sync.OnceValue(mustParse)

// Parse parses the templates, once per process; Render does it if it was
// not done. The mailer calls it as it starts, so that its first mail does
// not wait for it.
func Parse() { registry() }

func mustParse() map[key]set {
	reg := make(map[key]set)
	for _, loc := range i18n.Locales() {
		funcs := map[string]any{
			"when":   func(t time.Time) string { return formatTime(loc, t) },
			"action": func(href, label string) action { return action{URL: href, Label: label} },
		}
		dir := "templates/" + string(loc) + "/"
		textLayout := ttemplate.Must(ttemplate.New("").Funcs(funcs).ParseFS(files, dir+"layout.txt"))
		htmlLayout := htemplate.Must(htemplate.New("").Funcs(funcs).ParseFS(files, dir+"layout.html"))
		for name, sp := range specs {
			for _, f := range sp.required {
				if _, ok := reflect.TypeFor[Data]().FieldByName(f); !ok {
					panic(fmt.Sprintf("mail: template %s requires unknown field %s", name, f))
				}
			}
			t := ttemplate.Must(ttemplate.Must(textLayout.Clone()).ParseFS(files, dir+name+".txt"))
			h := htemplate.Must(htemplate.Must(htmlLayout.Clone()).ParseFS(files, dir+name+".html"))
			for _, n := range []string{"subject", "body"} {
				if t.Lookup(n) == nil {
					panic(fmt.Sprintf("mail: %s%s.txt does not define %q", dir, name, n))
				}
			}
			if h.Lookup("body") == nil {
				panic(fmt.Sprintf("mail: %s%s.html does not define \"body\"", dir, name))
			}
			reg[key{name, loc}] = set{text: t, html: h}
		}
	}
	return reg
}

package mail

import (
	"encoding/json"
	"html"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/workgate/workgate/shared/i18n"
)

const evil = `<script>alert(1)</script>`

// urls are the sender's configuration in these tests.
var urls = URLs{Public: "https://workgate.example", App: "https://app.example.com/login"}

// token is the token in fullData.
const token = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"

// fullData returns data with every field set; user-typed fields carry evil.
func fullData(tb testing.TB) Data {
	tb.Helper()
	at := time.Date(2025, 3, 14, 6, 30, 0, 0, time.UTC)
	return Data{
		Name:          "Kim " + evil,
		WorkspaceName: "Acme " + evil,
		WorkspaceID:   "acme-corp",
		LoginID:       "kim@example.com",
		Token:         token,
		InviterName:   "Lee " + evil,
		Code:          "042817",
		DeviceName:    "Kim's " + evil,
		Platform:      "ios",
		ApprovedBy:    "Park " + evil,
		RequesterName: "Choi " + evil,
		FromName:      "Jung " + evil,
		ToName:        "Yoon " + evil,
		OrgID:         "acme-org",
		OrgName:       "Acme Org " + evil,
		Status:        "active",
		ExpiresAt:     at.Add(time.Hour),
		LockedUntil:   at.Add(time.Hour),
		ChangedAt:     at,
		At:            at,
	}
}

func TestRenderEveryTemplate(t *testing.T) {
	t.Parallel()
	d := fullData(t)
	cases := []struct {
		name string
		// show lists values that must appear: verbatim in the text part,
		// HTML-escaped in the HTML part.
		show []string
		// userTyped says whether the mail shows a user-typed field.
		userTyped bool
		// button is the link the HTML part's button opens, if any.
		button string
	}{
		{VerifyEmail, []string{d.Name, d.WorkspaceName, d.WorkspaceID}, true, urls.Public + "/verify-email/" + token},
		{Joined, []string{d.Name, d.WorkspaceName, d.WorkspaceID, d.LoginID}, true, urls.App},
		{SetPassword, []string{d.Name, d.WorkspaceName, d.InviterName}, true, urls.Public + "/set-password/" + token},
		{LoginCode, []string{d.Code}, false, ""},
		{AccountLocked, nil, false, urls.App},
		{PasswordReset, []string{d.Name}, true, urls.Public + "/reset-password/" + token},
		{PasswordChanged, []string{d.Name}, true, urls.App},
		{DeviceApproved, []string{d.Name, d.DeviceName, d.Platform, d.ApprovedBy}, true, ""},
		{RecoveryLogin, []string{d.Name, d.DeviceName, d.Platform}, true, ""},
		{Nudge, []string{d.Name, d.RequesterName, d.WorkspaceName}, true, ""},
		{Delegation, []string{d.Name, d.FromName, d.WorkspaceName}, true, urls.Public + "/delegation/" + token},
		{SuperAdminChanged, []string{d.Name, d.WorkspaceName, d.FromName, d.ToName}, true, ""},
		{OrgLinkDecided, []string{d.Name, d.WorkspaceName, d.OrgID, d.OrgName}, true, urls.App},
		{WorkspaceWithdrawn, []string{d.Name, d.WorkspaceName, d.WorkspaceID}, true, ""},
	}

	var names []string
	for _, tc := range cases {
		names = append(names, tc.name)
	}
	if diff := cmp.Diff(sortedKeys(specs), sorted(names)); diff != "" {
		t.Fatalf("cases do not cover every template (-specs +cases):\n%s", diff)
	}

	for _, tc := range cases {
		for _, loc := range i18n.Locales() {
			t.Run(tc.name+"/"+string(loc), func(t *testing.T) {
				t.Parallel()
				const to = "recipient@example.com"
				m, err := Render(tc.name, loc, to, d, urls)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if m.To != to {
					t.Errorf("To = %q, want %q", m.To, to)
				}
				if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
					t.Errorf("Subject = %q, want one non-empty line", m.Subject)
				}
				if !strings.HasPrefix(m.Subject, "[workgate] ") {
					t.Errorf("Subject = %q, want the [workgate] prefix", m.Subject)
				}
				if strings.Contains(m.Subject, "example") || strings.Contains(m.Subject, "<") {
					t.Errorf("Subject = %q contains data; subjects must be fixed", m.Subject)
				}
				show := tc.show
				if tc.button != "" {
					show = append(slices.Clone(show), tc.button)
				}
				for _, v := range show {
					if !strings.Contains(m.Text, v) {
						t.Errorf("text part lacks %q:\n%s", v, m.Text)
					}
					if !strings.Contains(m.HTML, html.EscapeString(v)) {
						t.Errorf("HTML part lacks %q:\n%s", html.EscapeString(v), m.HTML)
					}
				}
				if strings.Contains(m.HTML, "<script") {
					t.Errorf("HTML part contains a raw <script> tag:\n%s", m.HTML)
				}
				if tc.userTyped {
					if !strings.Contains(m.Text, evil) {
						t.Errorf("text part lacks the user-typed %q verbatim", evil)
					}
					if !strings.Contains(m.HTML, html.EscapeString(evil)) {
						t.Errorf("HTML part lacks the escaped %q", html.EscapeString(evil))
					}
				}
				if tc.button != "" && !strings.Contains(m.HTML, `href="`+tc.button+`"`) {
					t.Errorf("HTML part has no button to %q", tc.button)
				}
				if !strings.Contains(m.Text, to) || !strings.Contains(m.HTML, to) {
					t.Errorf("footer does not name the recipient")
				}
				if strings.Contains(m.HTML, "ZgotmplZ") {
					t.Errorf("HTML part contains a neutralised value (ZgotmplZ)")
				}
				for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
					if got, want := hasHangul(s), loc == i18n.Korean; got != want {
						t.Errorf("%s part: has Hangul = %v, want %v:\n%s", part, got, want, s)
					}
				}
				if !strings.Contains(m.HTML, `<html lang="`+string(loc)+`">`) {
					t.Errorf("HTML part does not declare lang %q", loc)
				}
			})
		}
	}
}

// TestRenderLinksOnlyFromURLs: a mail request that carries addresses (as
// a forged event would, in the fields that once held links) and a token
// built to escape its page still renders links only under the sender's
// own URLs: the address fields are not part of Data, and the token stays
// one path segment of its page.
func TestRenderLinksOnlyFromURLs(t *testing.T) {
	t.Parallel()
	const forged = `{"Name":"Kim","WorkspaceName":"Acme","WorkspaceID":"acme","LoginID":"kim@example.com",
		"InviterName":"Lee","FromName":"Jung","ToName":"Yoon","ApprovedBy":"Park","RequesterName":"Choi",
		"OrgID":"acme-org","OrgName":"Acme Org","Status":"active","Code":"042817",
		"Link":"https://evil.example/verify-email/abc","LoginURL":"https://evil.example/login",
		"ResetURL":"https://evil.example/reset","URL":"https://evil.example/","Href":"https://evil.example/",
		"Token":"../../x?next=https://evil.example/#@evil.example",
		"ExpiresAt":"2025-03-14T07:30:00Z","LockedUntil":"2025-03-14T07:30:00Z",
		"ChangedAt":"2025-03-14T06:30:00Z","At":"2025-03-14T06:30:00Z"}`
	var d Data
	if err := json.Unmarshal([]byte(forged), &d); err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https?://[^\s"<>]+`)
	for _, name := range sortedKeys(specs) {
		for _, loc := range i18n.Locales() {
			t.Run(name+"/"+string(loc), func(t *testing.T) {
				t.Parallel()
				m, err := Render(name, loc, "kim@example.com", d, urls)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				for part, s := range map[string]string{"text": m.Text, "html": html.UnescapeString(m.HTML)} {
					for _, l := range link.FindAllString(s, -1) {
						if l == urls.App {
							continue
						}
						page := specs[name].page
						if page == "" || !strings.HasPrefix(l, urls.Public+page) || strings.ContainsAny(strings.TrimPrefix(l, urls.Public+page), "/?#") {
							t.Errorf("%s part links to %q, which is neither the app nor one token under %s%s", part, l, urls.Public, page)
						}
					}
				}
			})
		}
	}
}

func TestRenderLoginCodeIsTheOnlySixDigitNumber(t *testing.T) {
	t.Parallel()
	sixDigits := regexp.MustCompile(`\b\d{6}\b`)
	for _, loc := range i18n.Locales() {
		t.Run(string(loc), func(t *testing.T) {
			t.Parallel()
			d := fullData(t)
			m, err := Render(LoginCode, loc, "a@example.com", d, urls)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			// The only one, so that phones offering to autofill the code
			// pick the right number.
			if diff := cmp.Diff([]string{d.Code}, sixDigits.FindAllString(m.Text, -1)); diff != "" {
				t.Errorf("six-digit numbers in the text part (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderTimes(t *testing.T) {
	t.Parallel()
	d := fullData(t)
	d.ExpiresAt = time.Date(2025, 3, 14, 16, 5, 0, 0, time.UTC) // Friday; Saturday 01:05 in Seoul
	cases := []struct {
		locale i18n.Locale
		want   string
	}{
		{i18n.Korean, "2025년 3월 15일 (토) 01:05 KST"},
		{i18n.English, "Fri, Mar 14, 2025, 4:05 PM UTC"},
	}
	for _, tc := range cases {
		t.Run(string(tc.locale), func(t *testing.T) {
			t.Parallel()
			m, err := Render(PasswordReset, tc.locale, "a@example.com", d, urls)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !strings.Contains(m.Text, tc.want) || !strings.Contains(m.HTML, tc.want) {
				t.Errorf("mail does not show %q:\n%s", tc.want, m.Text)
			}
		})
	}
}

func TestRenderOptionalDeviceFields(t *testing.T) {
	t.Parallel()
	d := fullData(t)
	d.DeviceName, d.Platform = "", ""
	cases := []struct {
		locale i18n.Locale
		want   string
	}{
		{i18n.Korean, "알 수 없음"},
		{i18n.English, "unknown"},
	}
	for _, tc := range cases {
		for _, name := range []string{DeviceApproved, RecoveryLogin} {
			t.Run(name+"/"+string(tc.locale), func(t *testing.T) {
				t.Parallel()
				m, err := Render(name, tc.locale, "a@example.com", d, urls)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if !strings.Contains(m.Text, tc.want) || !strings.Contains(m.HTML, tc.want) {
					t.Errorf("mail does not say %q for a blank device", tc.want)
				}
			})
		}
	}
}

func TestRenderLocaleFallback(t *testing.T) {
	t.Parallel()
	d := fullData(t)
	cases := []struct {
		locale i18n.Locale
		hangul bool
	}{
		{"", true},
		{"fr", true},
		{"en-US", false},
	}
	for _, tc := range cases {
		t.Run(string(tc.locale), func(t *testing.T) {
			t.Parallel()
			m, err := Render(Nudge, tc.locale, "a@example.com", d, urls)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := hasHangul(m.Text); got != tc.hangul {
				t.Errorf("has Hangul = %v, want %v", got, tc.hangul)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		template string
		to       string
		edit     func(*Data, *URLs)
		wantErr  string
	}{
		{"unknown template", "welcome", "a@example.com", nil, "unknown template"},
		{"no recipient", VerifyEmail, " ", nil, "no recipient"},
		{"missing token", VerifyEmail, "a@example.com", func(d *Data, _ *URLs) { d.Token = "" }, "missing field Token"},
		{"missing expiry", PasswordReset, "a@example.com", func(d *Data, _ *URLs) { d.ExpiresAt = time.Time{} }, "missing field ExpiresAt"},
		{"missing code", LoginCode, "a@example.com", func(d *Data, _ *URLs) { d.Code = "" }, "missing field Code"},
		{"short code", LoginCode, "a@example.com", func(d *Data, _ *URLs) { d.Code = "12345" }, "not 6 digits"},
		{"code with letters", LoginCode, "a@example.com", func(d *Data, _ *URLs) { d.Code = "12a456" }, "not 6 digits"},
		{"javascript public url", Delegation, "a@example.com", func(_ *Data, u *URLs) { u.Public = "javascript:alert(1)" }, "must be absolute http(s) URLs"},
		{"relative app url", AccountLocked, "a@example.com", func(_ *Data, u *URLs) { u.App = "/reset?token=secret" }, "must be absolute http(s) URLs"},
		{"no app url", Joined, "a@example.com", func(_ *Data, u *URLs) { u.App = "" }, "must be absolute http(s) URLs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, u := fullData(t), urls
			if tc.edit != nil {
				tc.edit(&d, &u)
			}
			_, err := Render(tc.template, i18n.English, tc.to, d, u)
			if err == nil {
				t.Fatalf("Render succeeded, want an error containing %q", tc.wantErr)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mail.Render") || !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error = %q, want mail.Render …%q…", msg, tc.wantErr)
			}
			for _, secret := range []string{"secret", "alert", "12345", "12a456", "a@example.com"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q reveals %q", msg, secret)
				}
			}
		})
	}
}

// TestTemplateFiles checks that every embedded file belongs to a known
// template, so a renamed or stray file cannot go unnoticed.
func TestTemplateFiles(t *testing.T) {
	t.Parallel()
	var got []string
	err := fs.WalkDir(files, "templates", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		got = append(got, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, loc := range i18n.Locales() {
		for _, name := range append(sortedKeys(specs), "layout") {
			for _, ext := range []string{".html", ".txt"} {
				want = append(want, "templates/"+string(loc)+"/"+name+ext)
			}
		}
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("embedded files (-want +got):\n%s", diff)
	}
}

func hasHangul(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

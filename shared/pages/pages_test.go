package pages

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
)

func TestCatalogueComplete(t *testing.T) {
	for key := range catalogue()[i18n.Korean] {
		if _, ok := catalogue()[i18n.English][key]; !ok {
			t.Errorf("English lacks %q", key)
		}
	}
	for key := range catalogue()[i18n.English] {
		if _, ok := catalogue()[i18n.Korean][key]; !ok {
			t.Errorf("Korean lacks %q", key)
		}
	}
}

func TestRenderEscapesAndLocalises(t *testing.T) {
	cases := []struct {
		locale i18n.Locale
		want   string
	}{{i18n.Korean, "이메일 인증하기"}, {i18n.English, "Verify my e-mail"}}
	for _, tc := range cases {
		t.Run(string(tc.locale), func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := Render(rec, 200, Page{Locale: tc.locale, Name: "confirm", Title: "verify.title", Message: "verify.message",
				Detail: `<script>alert(1)</script>`, Action: "/verify-email/tok", Button: "verify.button"})
			if err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
				t.Error("detail not escaped")
			}
			if !strings.Contains(body, tc.want) || !strings.Contains(body, `action="/verify-email/tok"`) {
				t.Errorf("page lacks %q or its form action:\n%s", tc.want, body)
			}
			if rec.Header().Get("Referrer-Policy") != "no-referrer" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("missing protective headers")
			}
		})
	}
}

// TestLogo: a workspace logo shows only from https (the CSP allows no
// other images), escaped.
func TestLogo(t *testing.T) {
	cases := []struct{ logo, want string }{
		{"https://cdn.example/logo.png?a=1&b=2", `<img class="logo" src="https://cdn.example/logo.png?a=1&amp;b=2"`},
		{"http://cdn.example/logo.png", ""},
		{"javascript:alert(1)", ""},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		if err := Render(rec, 200, Page{Locale: i18n.Korean, Name: "confirm", Title: "verify.title", Message: "verify.message", Logo: tc.logo, Action: "/x", Button: "verify.button"}); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		if tc.want == "" && strings.Contains(body, "<img") || tc.want != "" && !strings.Contains(body, tc.want) {
			t.Errorf("logo %q: page %s", tc.logo, body)
		}
	}
}

// TestFailure: a used link says what was done with it, with the way on to
// the app; a dead or unknown one that it cannot be used; other refusals
// the generic page; an internal error is returned, not rendered.
func TestFailure(t *testing.T) {
	gone := errs.E(errs.Gone, "this link has expired or has already been used")
	dead := Dead{Gone: "reset.gone", UsedTitle: "reset.used.title", Used: "reset.used", App: "https://workgate.example/app/"}
	cases := []struct {
		name      string
		err       error
		dead      Dead
		status    int
		want, not string
	}{
		{"used", domain.LinkUsed(gone), dead, 410, "Your password was already changed with this link", "expired"},
		{"used, no used text", domain.LinkUsed(gone), Dead{Gone: "reset.gone"}, 410, "This link has expired", "already changed"},
		{"expired", gone, dead, 410, "This link has expired", "already changed"},
		{"unknown", errs.E(errs.NotFound, "no such link"), Dead{Gone: "card.gone"}, 404, "This profile link can&#39;t be used", "Something went wrong"},
		{"refused", errs.E(errs.Forbidden, "no"), dead, 403, "Something went wrong", "expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := Failure(rec, i18n.English, tc.err, tc.dead); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if rec.Code != tc.status || !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) {
				t.Errorf("status %d, want %d; want %q and not %q in:\n%s", rec.Code, tc.status, tc.want, tc.not, body)
			}
			if app := `href="` + dead.App + `"`; strings.Contains(body, app) != (tc.name == "used") {
				t.Errorf("link to the app: %v, want it only on the used page:\n%s", strings.Contains(body, app), body)
			}
		})
	}
	if err := Failure(httptest.NewRecorder(), i18n.English, errors.New("boom"), dead); err == nil {
		t.Error("an internal error was rendered, not returned")
	}
}

// TestRedirect: a form's success is 303 to its result page, out of caches
// and referrers.
func TestRedirect(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := Redirect(rec, "/reset-password/done"); err != nil {
		t.Fatal(err)
	}
	h := rec.Header()
	if rec.Code != 303 || h.Get("Location") != "/reset-password/done" || h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("redirect = %d %v", rec.Code, h)
	}
}

// TestFieldErrors: a field with an error is marked and described by its
// message, the summary links to it and the title says there is an error;
// typed values are kept and escaped; the hidden username names the login.
func TestFieldErrors(t *testing.T) {
	fields := append([]Field{{Name: "name", Label: "invite.field.name", Type: "text", Autocomplete: "name", Value: `Kim "<b>"`}},
		NewPassword("reset.password", "", "form.mismatch")...)
	rec := httptest.NewRecorder()
	err := Render(rec, 400, Page{Locale: i18n.English, Name: "confirm", Title: "reset.title", Message: "reset.message",
		Action: "/x", Button: "reset.button", Username: "kim@example.com", Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"<title>Error: Reset your password · workgate</title>",
		`role="alert"`, `<a href="#confirm">The two passwords are not the same.`,
		`<p class="field-error" id="confirm-error">`, `id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" aria-invalid="true" aria-describedby="confirm-error">`,
		`value="Kim &#34;&lt;b&gt;&#34;"`, `autocomplete="username" value="kim@example.com" readonly hidden>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Count(body, ` aria-invalid="true"`) != 1 {
		t.Errorf("not only the wrong field is marked:\n%s", body)
	}
}

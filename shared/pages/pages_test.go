package pages

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/i18n"
)

func TestCatalogueComplete(t *testing.T) {
	for key := range catalogue[i18n.Korean] {
		if _, ok := catalogue[i18n.English][key]; !ok {
			t.Errorf("English lacks %q", key)
		}
	}
	for key := range catalogue[i18n.English] {
		if _, ok := catalogue[i18n.Korean][key]; !ok {
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

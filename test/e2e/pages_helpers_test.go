package e2e

import (
	"net/http"
	"testing"
)

// Helpers of the tests of the pages that e-mail links open (verify-email,
// invite, set-password, reset-password, delegation, the profile card).

// resultPage requires a page form's answer r to be 303 See Other to want,
// the flow's result page (Post/Redirect/Get), and returns that page as the
// browser then opens it: by GET, with no token, in the language of
// headers' Accept-Language.
func (e *env) resultPage(t testing.TB, r response, want string, headers ...string) response {
	t.Helper()
	requireStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != want {
		t.Fatalf("the form's 303 goes to %q, want %q", got, want)
	}
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the form's 303 lacks its protective headers: %v", r.Header)
	}
	page := e.call("GET", want, nil, headers...)
	requireHTML(t, page, http.StatusOK)
	return page
}

// asAPI is the status of a page form's answer as the API's would be: the
// form's 303 to its result page is the API's 200 (a race counts the
// winners of both alike).
func asAPI(status int) int {
	if status == http.StatusSeeOther {
		return http.StatusOK
	}
	return status
}

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOrgIDSignIn: on the app's sign-in screen, in English, a
// member picks "Log in with an organisation ID"; an unknown ID is refused
// in an error summary linked to the field; the ID of the workspace's
// active organisation link opens that organisation's login form (its name
// as the heading, from GET /v1/orgs/{orgId}); the member's e-mail and
// password there sign them in on their trusted browser. axe checks each
// screen.
func TestBrowserOrgIDSignIn(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	e.linkedOrg(owner, "Acme Corporation", "acme-corp")

	b := newTab(t, "kim", "en-US", 1280, 800)
	// The browser is the device Kim trusts, so the login needs no approval.
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(owner.DeviceToken)+`)`, nil),
		chromedp.Click(`//button[normalize-space(.)="Log in with an organisation ID"]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`#org-id`))
	b.waitText(`h1`, "Log in with an organisation ID")
	b.axe("org-id")

	b.run(chromedp.SendKeys(`#org-id`, "no-such-org"), submit())
	b.waitText(`div[@class="error-summary"]//a[@href="#org-id"]`, "No organisation has that ID.")
	if got := b.attr(`#org-id`, "aria-invalid"); got != "true" {
		t.Fatalf("org-id aria-invalid = %q after a refusal, want true", got)
	}
	b.axe("org-id-error")

	b.run(chromedp.Evaluate(`document.querySelector('#org-id').value = ''`, nil),
		chromedp.SendKeys(`#org-id`, "acme-corp"), submit(),
		chromedp.WaitVisible(`#login-id`))
	b.waitText(`h1`, "Acme Corporation")
	b.axe("org-login")

	b.run(chromedp.SendKeys(`#login-id`, "kim@acme.example"), chromedp.SendKeys(`#password`, testPassword), submit(),
		chromedp.WaitVisible(`.room-list`))
	var me string
	b.run(chromedp.TextContent(`header .me`, &me))
	if me != "Kim Workgate" {
		t.Fatalf("signed in as %q, want Kim Workgate", me)
	}
}

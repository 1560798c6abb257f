package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/shared/domain"
)

// TestBrowserInvitedMemberSetsPasswordAndSignsIn: a member the owner
// registered opens the set-password link of their mail in the browser,
// types the password the page asks for, sees the success page in the
// browser's language, follows its "log in" link to the app (/app/) and
// signs in there (e-mail, mailed code, workspace, password) to their room
// list. In Korean on a desktop and in English on a phone; axe checks both
// pages and every app screen on the way.
func TestBrowserInvitedMemberSetsPasswordAndSignsIn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		lang          string
		width, height int64
		htmlLang      string
		title, done   string // the set-password page's and the success page's headings
	}{
		{"korean", "ko-KR", 1280, 800, "ko", "비밀번호 설정", "설정 완료"},
		{"english", "en-US", 390, 844, "en", "Set your password", "All set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@acme.example")
			memberID := e.registered(owner, "acme", "Lee Member", "lee@acme.example")
			link := e.setPasswordLink("lee@acme.example")

			b := newTab(t, "lee", tc.lang, tc.width, tc.height)
			b.run(chromedp.Navigate(link))
			b.waitText(`h1`, tc.title)
			if got := b.attr(`html`, "lang"); got != tc.htmlLang {
				t.Fatalf("set-password page in %q, want %q (the browser's language)", got, tc.htmlLang)
			}
			b.axe("set-password")
			// The page may ask for the password once or twice (a
			// confirmation): each of its password fields gets it.
			var fields []*cdp.Node
			b.run(chromedp.Nodes(`form input[type="password"]`, &fields, chromedp.ByQueryAll))
			for _, f := range fields {
				b.run(chromedp.SendKeys([]cdp.NodeID{f.NodeID}, testPassword, chromedp.ByNodeID))
			}
			b.run(submit())
			b.waitText(`h1`, tc.done)
			b.axe("set-password-done")
			if r := e.doc("workspaces/acme/members/" + memberID); r["status"] != domain.MemberActive {
				t.Fatalf("member after the page = %v, want active", r["status"])
			}

			// The success page sends the member to the app (WORKGATE_APP_URL,
			// by default PUBLIC_URL/app/): a link, or a button of a form
			// going there.
			to := `@%s=` + xpathString(e.s.URL+"/app/") + ` or @%s="/app/"`
			app := `//a[` + strings.ReplaceAll(to, "%s", "href") + `] | //form[` + strings.ReplaceAll(to, "%s", "action") + `]//button`
			var links []*cdp.Node
			b.run(chromedp.Nodes(app, &links, chromedp.BySearch, chromedp.AtLeast(0)))
			if len(links) == 0 {
				t.Fatalf("the success page has no link to the app (%s/app/): issue 17 asks success pages to link to it", e.s.URL)
			}
			b.run(chromedp.Click(app, chromedp.BySearch, chromedp.NodeVisible), chromedp.WaitVisible(`#email`))
			var got string
			b.run(chromedp.Evaluate(`location.origin + location.pathname`, &got))
			if got != e.s.URL+"/app/" {
				t.Fatalf("the success page's link opened %s, want %s/app/", got, e.s.URL)
			}
			e.appLogInHere(b, "lee@acme.example", "Acme acme")
			b.run(chromedp.WaitVisible(`.room-list`))
			var me string // the top bar names the member (hidden on phones)
			b.run(chromedp.TextContent(`header .me`, &me))
			if me != "Lee Member" {
				t.Fatalf("signed in as %q, want Lee Member", me)
			}
			b.axe("rooms")
		})
	}
}

// setPasswordLink waits for the set-password mail to an address and
// returns its link (the page the member opens), as the mail has it.
func (e *env) setPasswordLink(email string) string {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if ms := e.mailsMatching(email, setPasswordSubjects...); len(ms) > 0 {
			for _, l := range ms[0].Links {
				if strings.Contains(l, "/set-password/") {
					return l
				}
			}
			e.t.Fatalf("no /set-password/ link in %q: %v", ms[0].Subject, ms[0].Links)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no set-password mail to %s after 45s", email)
		}
		sleep()
	}
}

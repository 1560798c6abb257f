package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/shared/domain"
)

// Browser tests of the pages that e-mail links open (issue 19), in
// headless Chromium with JavaScript off (the pages have no script, and
// must work without one): every page in Korean on a desktop and in
// English on a phone, with axe on each screen. For each flow: a wrong
// field comes back marked, announced and named, the other fields keeping
// what was typed; the right input leads (303) to a result page without the
// token, which a reload shows again; the used link, opened again, says
// what was done with it.

// pageDevice is one way every link page is tried.
type pageDevice struct {
	name          string
	lang          string // the browser's language
	htmlLang      string // the page's, which follows it
	width, height int64
}

var pageDevices = []pageDevice{
	{"korean desktop", "ko-KR", "ko", 1280, 800},
	{"english phone", "en-US", "en", 390, 844},
}

// words are a page's texts in each page language ("ko", "en").
type words map[string]string

// linkFlow is what the browser does with one kind of link's page.
type linkFlow struct {
	// title is the form page's heading, done the result page's, used the
	// heading of the link opened again after use.
	title, done, used words
	// donePath is where the form leads (no token in it).
	donePath string
	// wrong fills the form with input of which one field is wrong; marked
	// is the id of that field, kept the values the other fields must keep
	// (id → value), context text the page must still show.
	wrong   func(b *tab)
	marked  string
	kept    map[string]string
	context string
	// right fills the form rightly (on the form that came back with the
	// error, if any).
	right func(b *tab)
	// app says whether the result and used pages link on to the web app.
	app bool
}

// scriptlessTab is a tab with JavaScript off, as some people browse: the
// link pages must work without it.
func scriptlessTab(t *testing.T, name string, d pageDevice) *tab {
	t.Helper()
	b := newTab(t, name, d.lang, d.width, d.height)
	b.run(emulation.SetScriptExecutionDisabled(true))
	return b
}

// axeScriptless runs axe (b.axe) on the page of a scriptless tab: axe needs
// its promises and timers, so scripts are on while it runs, on a page
// already loaded without them (the pages have none of their own).
func (b *tab) axeScriptless(screen string) {
	b.t.Helper()
	b.run(emulation.SetScriptExecutionDisabled(false))
	b.axe(screen)
	b.run(emulation.SetScriptExecutionDisabled(true))
}

// runLinkFlow opens link in b and goes through f, checking each screen.
func (e *env) runLinkFlow(t *testing.T, b *tab, d pageDevice, link string, f linkFlow) {
	t.Helper()
	b.run(chromedp.Navigate(link))
	b.waitText("h1", f.title[d.htmlLang])
	if got := b.attr("html", "lang"); got != d.htmlLang {
		t.Fatalf("page in %q, want %q (the browser's language)", got, d.htmlLang)
	}
	b.requireFits()
	b.axeScriptless("form")

	if f.wrong != nil {
		f.wrong(b)
		b.run(submit())
		b.run(chromedp.WaitVisible(`.error-summary[role="alert"]`))
		b.waitText("h1", f.title[d.htmlLang])
		// The summary names the wrong field and links to it; the field is
		// marked and described by its message.
		if got := b.attr(`.error-summary a`, "href"); got != "#"+f.marked {
			t.Fatalf("the error summary links to %q, want #%s", got, f.marked)
		}
		if got := b.attr("#"+f.marked, "aria-invalid"); got != "true" {
			t.Fatalf("#%s aria-invalid = %q, want true", f.marked, got)
		}
		msg := b.attr("#"+f.marked, "aria-describedby")
		if msg == "" || b.queryText("#"+msg) == "" {
			t.Fatalf("#%s is not described by an error message (%q)", f.marked, msg)
		}
		var invalid []string
		b.run(chromedp.Evaluate(`[...document.querySelectorAll('[aria-invalid="true"]')].map((el) => el.id)`, &invalid))
		if len(invalid) != 1 {
			t.Fatalf("fields marked invalid: %v, want only %s", invalid, f.marked)
		}
		for id, want := range f.kept {
			if got := b.attr("#"+id, "value"); got != want {
				t.Fatalf("#%s holds %q after the error, want %q (what was typed)", id, got, want)
			}
		}
		var page string
		b.run(chromedp.Text("main", &page))
		if !strings.Contains(page, f.context) {
			t.Fatalf("the form with the error lost %q:\n%s", f.context, page)
		}
		var passwords []string
		b.run(chromedp.Evaluate(`[...document.querySelectorAll('input[type="password"]')].map((el) => el.value)`, &passwords))
		if strings.Join(passwords, "") != "" {
			t.Fatal("the form came back with a password filled in")
		}
		b.requireFits()
		b.axeScriptless("form-error")
	}

	f.right(b)
	b.run(submit())
	b.waitText("h1", f.done[d.htmlLang])
	if got := b.path(); got != f.donePath {
		t.Fatalf("the form led to %s, want %s (a result page without the token)", got, f.donePath)
	}
	b.requireAppLink(e, f.app)
	b.requireFits()
	b.axeScriptless("done")

	// A reload shows the result again: it does not post the form again.
	b.run(chromedp.Reload())
	b.waitText("h1", f.done[d.htmlLang])
	if got := b.path(); got != f.donePath {
		t.Fatalf("the reload is at %s, want %s", got, f.donePath)
	}

	if f.used != nil {
		b.run(chromedp.Navigate(link))
		b.waitText("h1", f.used[d.htmlLang])
		b.requireAppLink(e, f.app)
		b.requireFits()
		b.axeScriptless("used")
	}
}

// requireFits fails the test if the page is wider than the tab (a
// horizontal scroll bar on a phone).
func (b *tab) requireFits() {
	b.t.Helper()
	var over bool
	b.run(chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &over))
	if over {
		b.keepShot("too-wide", true)
		b.t.Fatalf("%s: the page is wider than the screen", b.name)
	}
}

// requireAppLink checks that the page links on to the web app (or not).
func (b *tab) requireAppLink(e *env, want bool) {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll('a.button[href=`+jsString(e.s.URL+"/app/")+`]').length`, &n))
	if (n > 0) != want {
		b.t.Fatalf("%s: %d links to the app, want them: %v", b.name, n, want)
	}
}

// queryText is the visible text of the first element matching the CSS
// selector sel. (tab.text searches, which finds the text of the pages'
// own style sheet too.)
func (b *tab) queryText(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.NodeVisible))
	return strings.TrimSpace(s)
}

// fill types text into the input with the given id.
func fill(id, text string) chromedp.Action {
	return chromedp.SendKeys("#"+id, text, chromedp.ByQuery)
}

// TestBrowserInvitePages: an invite link's sign-up form (a common password
// comes back marked, name and e-mail kept), then the verification link of
// the mail it sends; reloads show the results, the used verification link
// says the address is verified.
func TestBrowserInvitePages(t *testing.T) {
	t.Parallel()
	for _, d := range pageDevices {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@acme.example")
			l := e.newInviteLink(owner, "acme", map[string]any{})
			const email = "choi@example.com"
			b := scriptlessTab(t, "choi", d)
			e.runLinkFlow(t, b, d, l.URL, linkFlow{
				title:    words{"ko": "워크스페이스 초대", "en": "You're invited"},
				done:     words{"ko": "이메일을 확인해 주세요", "en": "Check your e-mail"},
				donePath: "/invite/sent",
				wrong: func(b *tab) {
					b.run(fill("name", "Choi Yuna"), fill("email", email), fill("password", "password123"))
				},
				marked: "password", kept: map[string]string{"name": "Choi Yuna", "email": email}, context: "Acme acme",
				right: func(b *tab) { b.run(fill("password", testPassword)) },
			})

			token := e.verificationToken(email, 1)
			e.runLinkFlow(t, b, d, e.s.URL+"/verify-email/"+token, linkFlow{
				title:    words{"ko": "이메일 인증", "en": "Verify your e-mail"},
				done:     words{"ko": "인증 완료", "en": "Verified"},
				used:     words{"ko": "이미 인증되었습니다", "en": "Already verified"},
				donePath: "/verify-email/done",
				right:    func(*tab) {},
				app:      true,
			})
			if n := e.count("workspaces/acme/members"); n != 2 {
				t.Fatalf("%d members after the verification, want 2", n)
			}
		})
	}
}

// TestBrowserSetPasswordPages: a registered member's set-password link;
// two passwords that differ come back with the confirmation marked and
// the workspace and e-mail still shown.
func TestBrowserSetPasswordPages(t *testing.T) {
	t.Parallel()
	for _, d := range pageDevices {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@acme.example")
			id := e.registered(owner, "acme", "Lee Member", "lee@acme.example")
			b := scriptlessTab(t, "lee", d)
			e.runLinkFlow(t, b, d, e.setPasswordLink("lee@acme.example"), linkFlow{
				title:    words{"ko": "비밀번호 설정", "en": "Set your password"},
				done:     words{"ko": "설정 완료", "en": "All set"},
				used:     words{"ko": "비밀번호가 이미 설정되었습니다", "en": "Your password is already set"},
				donePath: "/set-password/done",
				wrong: func(b *tab) {
					b.run(fill("password", testPassword), fill("confirm", testPassword+"?"))
				},
				marked: "confirm", kept: map[string]string{"username": "lee@acme.example"}, context: "Acme acme · lee@acme.example",
				right: func(b *tab) { b.run(fill("password", testPassword), fill("confirm", testPassword)) },
				app:   true,
			})
			if m := e.doc("workspaces/acme/members/" + id); m["status"] != domain.MemberActive {
				t.Fatalf("member after the page = %v, want active", m["status"])
			}
		})
	}
}

// TestBrowserResetPages: a reset link; a common password comes back
// marked, the account's e-mail still shown.
func TestBrowserResetPages(t *testing.T) {
	t.Parallel()
	for _, d := range pageDevices {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			accountID := e.owned("acme", "kim@example.com")
			token := e.resetToken(resetOwnerName, "kim@example.com")
			b := scriptlessTab(t, "kim", d)
			e.runLinkFlow(t, b, d, e.s.URL+resetPrefix+token, linkFlow{
				title:    words{"ko": "비밀번호 재설정", "en": "Reset your password"},
				done:     words{"ko": "비밀번호 변경 완료", "en": "Password changed"},
				used:     words{"ko": "이미 사용한 링크", "en": "This link was used"},
				donePath: "/reset-password/done",
				wrong: func(b *tab) {
					b.run(fill("password", "password123"), fill("confirm", "password123"))
				},
				marked: "password", kept: map[string]string{"username": "kim@example.com"}, context: "kim@example.com",
				right: func(b *tab) { b.run(fill("password", resetNewPassword), fill("confirm", resetNewPassword)) },
				app:   true,
			})
			if !e.resetPasswordIs(accountID, resetNewPassword) {
				t.Fatal("the page did not set the new password")
			}
		})
	}
}

// TestBrowserDelegationPages: a delegation link; a wrong password comes
// back marked, the offer (who, which workspace) still the page's main
// sentence; the used link says the offer was accepted.
func TestBrowserDelegationPages(t *testing.T) {
	t.Parallel()
	for _, d := range pageDevices {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@example.com")
			lee := e.colleague(owner, "lee")
			token := e.f16MustOffer(owner, "acme", lee.AccountID, "lee@acme.example")
			offer := words{"ko": "Kim Workgate 님이 워크스페이스 「Acme acme」의 슈퍼 관리자 권한을 위임하려고 합니다.", "en": "Kim Workgate offers you the super admin role of the workspace “Acme acme”."}
			b := scriptlessTab(t, "lee", d)
			e.runLinkFlow(t, b, d, e.s.URL+"/delegation/"+token, linkFlow{
				title:    words{"ko": "슈퍼 관리자 위임", "en": "Become super admin"},
				done:     words{"ko": "슈퍼 관리자가 되었습니다", "en": "You are the super admin"},
				used:     words{"ko": "이미 수락한 위임", "en": "Already accepted"},
				donePath: "/delegation/done",
				wrong:    func(b *tab) { b.run(fill("password", "wrong password!")) },
				marked:   "password", kept: map[string]string{"username": "lee@acme.example"}, context: offer[d.htmlLang],
				right: func(b *tab) {
					if got := b.queryText(".lead"); got != offer[d.htmlLang] {
						t.Fatalf("the page's main sentence is %q, want the offer %q", got, offer[d.htmlLang])
					}
					b.run(fill("password", testPassword))
				},
				app: true,
			})
			if got := e.doc("workspaces/acme")["superAdminId"]; got != lee.AccountID {
				t.Fatalf("superAdminId = %v after the page, want %s", got, lee.AccountID)
			}
		})
	}
}

// TestBrowserProfileCardPage: the profile card offers "Open in workgate"
// (the web app's screen of the link) beside the QR code, fits a phone,
// and a bad link says it cannot be used.
func TestBrowserProfileCardPage(t *testing.T) {
	t.Parallel()
	for _, d := range pageDevices {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			kim := e.ownerSession("acme", "kim@example.com")
			l := e.newProfileLink(kim, "qr")
			b := scriptlessTab(t, "visitor", d)
			b.run(chromedp.Navigate(e.s.URL + "/p/" + l.Token))
			b.waitText("h1", "Kim Workgate")
			open := words{"ko": "workgate에서 열기", "en": "Open in workgate"}[d.htmlLang]
			b.waitText("a", open)
			if got, want := b.attr(`a.button`, "href"), e.s.URL+"/app/links/"+l.Token; got != want {
				t.Fatalf("%q opens %s, want %s", open, got, want)
			}
			b.requireFits()
			b.axeScriptless("card")

			b.run(chromedp.Navigate(e.s.URL + "/p/" + domain.NewID() + ".nope"))
			b.waitText("h1", words{"ko": "사용할 수 없는 링크", "en": "This link can't be used"}[d.htmlLang])
			b.requireFits()
			b.axeScriptless("bad-card")
		})
	}
}

// TestBrowserInboxOpensMailLinks: the local inbox on a phone: the list and
// a mail fit the screen, the mail's page is in the mail's language, and
// the button in the mail's preview opens its link in a new tab where the
// page's form works (the popup leaves the preview's sandbox).
func TestBrowserInboxOpensMailLinks(t *testing.T) {
	t.Parallel()
	e := start(t)
	const email = "kim@example.com"
	e.create(newWorkspace("acme", email)) // a Korean mail: no Accept-Language
	b := newTab(t, "kim", "en-US", 390, 844)
	b.run(chromedp.Navigate(e.s.MailURL + "/"))
	b.waitText("h1", "Inbox")
	b.requireFits()
	b.axe("inbox")

	b.run(chromedp.Click(`td a[href^="/messages/"]`, chromedp.NodeVisible))
	b.run(chromedp.WaitVisible(`iframe[title="HTML part"]`))
	if got := b.attr("html", "lang"); got != "ko" {
		t.Fatalf("the Korean mail's page is in %q, want ko", got)
	}
	b.requireFits()
	b.axe("message")
	if sandbox := b.attr("iframe", "sandbox"); !strings.Contains(sandbox, "allow-popups") || !strings.Contains(sandbox, "allow-popups-to-escape-sandbox") ||
		strings.Contains(sandbox, "allow-scripts") || strings.Contains(sandbox, "allow-same-origin") {
		t.Fatalf("the preview's sandbox is %q", sandbox)
	}
	e.inboxPopup(b, email)
	if ws := e.doc("workspaces/acme"); ws["status"] != "active" {
		t.Fatalf("the workspace is %v after the mail's button, want active", ws["status"])
	}
}

// inboxPopup presses the button of the mail preview on screen in b (the
// verification mail to email), which opens the link in a new tab, and
// confirms there: the page's form must post, which a tab still in the
// preview's sandbox could not.
func (e *env) inboxPopup(b *tab, email string) {
	b.t.Helper()
	opened := chromedp.WaitNewTarget(b.ctx, func(info *target.Info) bool {
		return strings.Contains(info.URL, "/verify-email/")
	})
	// The sandboxed preview is a frame of its own origin, which Chromium
	// runs as a target of its own: the click is sent there.
	targets, err := chromedp.Targets(b.ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	var preview target.ID
	for _, info := range targets {
		if info.Type == "iframe" {
			preview = info.TargetID
		}
	}
	if preview == "" {
		b.t.Fatal("the mail preview is no target of its own")
	}
	frame, cancelFrame := chromedp.NewContext(b.ctx, chromedp.WithTargetID(preview))
	defer cancelFrame()
	// The preview shows the whole mail, down to its footer, without a
	// scroll bar of its own.
	var mailHeight, previewHeight int
	if err := chromedp.Run(frame, chromedp.Evaluate(`document.documentElement.scrollHeight`, &mailHeight)); err != nil {
		b.t.Fatalf("the mail preview's height: %v", err)
	}
	b.run(chromedp.Evaluate(`document.querySelector('iframe').clientHeight`, &previewHeight))
	if mailHeight > previewHeight {
		b.t.Errorf("the mail is %d px tall, its preview %d px: the footer is cut off", mailHeight, previewHeight)
	}
	if err := chromedp.Run(frame, chromedp.Click(`a[href*="/verify-email/"]`, chromedp.ByQuery, chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("the mail preview's button: %v", err)
	}
	var id target.ID
	select {
	case id = <-opened:
	case <-b.ctx.Done():
		b.t.Fatalf("the mail's button opened no tab: %v", b.ctx.Err())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	defer cancel()
	popup := &tab{t: b.t, name: b.name + "-popup", ctx: ctx, lang: b.lang}
	popup.waitText("h1", "Verify your e-mail")
	popup.run(submit())
	popup.waitText("h1", "Verified")
	if got := popup.path(); got != "/verify-email/done" {
		b.t.Fatalf("the mail's page led to %s, want /verify-email/done", got)
	}
}

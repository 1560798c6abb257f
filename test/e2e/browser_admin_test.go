package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/workgate/workgate/shared/domain"
)

// The admin console (F21) in headless Chromium: what the super admin and
// admins, by their permissions, see and do in the app's 관리자 tab, and
// what the API then reports.

// adminSections are the console's sections (/app/admin/{id}) with their
// headings in Korean and English.
var adminSections = []struct{ id, ko, en string }{
	{"members", "멤버 관리", "Members"},
	{"invites", "초대 링크", "Invite links"},
	{"org-link", "계정/조직 연동 설정", "Organisation link"},
	{"settings", "기본 정보", "Basic information"},
	{"profile-fields", "프로필 정보", "Profile fields"},
	{"delegation", "슈퍼 관리자 위임", "Super admin delegation"},
	{"recovery-key", "인증키", "Recovery key"},
	{"withdrawal", "서비스 탈퇴", "Service withdrawal"},
}

// TestBrowserAdminScreens: the super admin has the 관리자 (Admin) tab,
// which opens the console on its first section; the side list holds every
// section, in the seeds' two menus, and each opens with its heading and
// its address, in Korean and in English, each passing axe.
func TestBrowserAdminScreens(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, lang, tab string
	}{
		{"korean", "ko-KR", "관리자"},
		{"english", "en-GB", "Admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@acme.example")
			b := newTab(t, "kim", tc.lang, 1280, 800)
			e.appSignInTrusted(b, owner, "kim@acme.example")

			b.shows(`a[@data-tab="admin"]//span[@class="tab-label"]`, tc.tab)
			b.run(chromedp.Click(`a[data-tab="admin"]`, chromedp.NodeVisible))
			first := adminSections[0]
			b.shows(`h1`, pick(tc.lang, first.ko, first.en))
			if got := b.path(); got != "/app/admin/"+first.id {
				t.Fatalf("the Admin tab opened %s, want /app/admin/%s", got, first.id)
			}
			ids := b.sections()
			var want []string
			for _, s := range adminSections {
				want = append(want, s.id)
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("the super admin's console lists %v, want every section %v", ids, want)
			}
			for _, s := range adminSections {
				b.run(chromedp.Click(`.adm-nav a[data-section="`+s.id+`"]`, chromedp.NodeVisible))
				b.shows(`h1`, pick(tc.lang, s.ko, s.en))
				b.shows(`a[@aria-current="page"][@data-section="`+s.id+`"]`, pick(tc.lang, s.ko, s.en))
				if got := b.path(); got != "/app/admin/"+s.id {
					t.Fatalf("section %s at %s", s.id, got)
				}
				b.loaded(tc.lang)
				b.axe(s.id)
			}
		})
	}
}

// TestBrowserAdminRegistersMember, in Korean: Lee, an admin holding only
// member_management, has the 관리자 tab with 멤버 관리 alone: no invite
// links, no settings, no role editor; a direct visit to the settings or
// the invite links says politely that they are not available, with a way
// back. Lee registers Park (ID, name, department, title, position,
// mobile) from the console: Park is invited with those fields, and
// registering the address again is refused in the dialog. Park opens the
// set-password mail on a phone, in English, sets a password, follows the
// success page to the app and signs in; Park has no Admin tab, and the
// console's address says it is not available to them. Lee's list then
// shows Park active. Lee deletes Choi after a confirmation: Choi's
// membership is deleted. axe checks every screen and dialog.
func TestBrowserAdminRegistersMember(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	leeID := e.registered(owner, "acme", "Lee Manager", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	e.grant("acme", leeID, domain.PermMemberManagement)
	choiID := e.registered(owner, "acme", "Choi Leaving", "choi@acme.example")

	b := newTab(t, "lee", "ko-KR", 1280, 800)
	e.appSignIn(b, "lee@acme.example", "Acme acme")
	b.run(chromedp.Click(`a[data-tab="admin"]`, chromedp.NodeVisible))
	b.shows(`h1`, "멤버 관리")
	b.shows(`li[@data-member="`+owner.AccountID+`"]//span[contains(@class,"adm-email")]`, "kim@acme.example")
	if got := b.sections(); !slices.Equal(got, []string{"members"}) {
		t.Fatalf("a member_management admin's console lists %v, want only members", got)
	}
	if n := b.count(`button[data-action="role"]`); n != 0 {
		t.Fatalf("%d role buttons shown to an admin who is not the super admin", n)
	}
	if n := b.count(`li[data-member="` + owner.AccountID + `"] button`); n != 0 {
		t.Fatalf("the super admin's row has %d buttons, want none (the super admin cannot be deleted)", n)
	}
	if n := b.count(`li[data-member="` + leeID + `"] button`); n != 0 {
		t.Fatalf("Lee's own row has %d buttons, want none (nobody deletes themselves)", n)
	}
	b.axe("members")

	for _, path := range []string{"/app/admin/settings", "/app/admin/invites"} {
		b.run(chromedp.Navigate(e.s.URL + path))
		b.shows(`h1`, "사용할 수 없는 메뉴입니다")
		if n := b.count(`form, .adm-body`); n != 0 {
			t.Fatalf("%s shows %d forms or sections to an admin without admin_access", path, n)
		}
	}
	b.axe("unavailable")
	b.run(chromedp.Click(`//a[normalize-space(.)="관리자 메뉴로 돌아가기"]`, chromedp.BySearch, chromedp.NodeVisible))
	b.shows(`h1`, "멤버 관리")

	// Registering: the dialog asks for the ID and the name first.
	b.run(chromedp.Click(`#adm-register`, chromedp.NodeVisible), chromedp.WaitVisible(`dialog[open] #adm-reg-email`))
	b.axe("register")
	b.run(chromedp.Click(`dialog[open] button[type="submit"]`, chromedp.NodeVisible))
	b.shows(`dialog//div[@class="error-summary"]//a[@href="#adm-reg-email"]`, "올바른 이메일 주소를 입력하세요.")
	b.axe("register-error")
	park := map[string]string{"email": "park@acme.example", "name": "Park New", "department": "디자인팀", "title": "팀장", "position": "과장", "mobile": "010-1234-5678"}
	for _, k := range []string{"email", "name", "department", "title", "position", "mobile"} {
		b.run(chromedp.SendKeys(`#adm-reg-`+k, park[k]))
	}
	b.run(chromedp.Click(`dialog[open] button[type="submit"]`, chromedp.NodeVisible))
	b.gone(`dialog[open]`)
	b.shows(`p[contains(@class,"adm-status")]`, "Park New 님(park@acme.example)을 등록하고 비밀번호 설정 메일을 보냈습니다.")
	row := `li[.//span[contains(@class,"adm-email")][normalize-space(.)="park@acme.example"]]`
	b.shows(row+`//span[contains(@class,"invited")]`, "초대됨")
	parkID := b.attr(`//`+row, "data-member")
	got := e.doc("workspaces/acme/members/" + parkID)
	for k, want := range map[string]string{"status": "invited", "name": "Park New", "email": "park@acme.example", "department": "디자인팀", "title": "팀장", "position": "과장", "mobile": "+821012345678"} {
		if got[k] != want { // the mobile number is kept in E.164
			t.Errorf("registered member's %s = %v, want %q", k, got[k], want)
		}
	}
	b.axe("registered")

	// The same address again is a conflict, said next to the field.
	b.run(chromedp.Click(`#adm-register`, chromedp.NodeVisible), chromedp.WaitVisible(`dialog[open] #adm-reg-email`),
		chromedp.SendKeys(`#adm-reg-email`, "park@acme.example"), chromedp.SendKeys(`#adm-reg-name`, "Park Again"),
		chromedp.Click(`dialog[open] button[type="submit"]`, chromedp.NodeVisible))
	b.shows(`dialog//p[@class="field-error"]`, "이미 이 워크스페이스의 멤버인 이메일입니다.")
	b.axe("register-conflict")
	b.run(chromedp.KeyEvent(kb.Escape))
	b.gone(`dialog[open]`)

	// Park joins through the mail, on a phone, in English.
	p := newTab(t, "park", "en-GB", 390, 844)
	p.run(chromedp.Navigate(e.setPasswordLink("park@acme.example")))
	p.waitText(`h1`, "Set your password")
	var fields []*cdp.Node
	p.run(chromedp.Nodes(`form input[type="password"]`, &fields, chromedp.ByQueryAll))
	for _, f := range fields {
		p.run(chromedp.SendKeys([]cdp.NodeID{f.NodeID}, testPassword, chromedp.ByNodeID))
	}
	p.run(submit())
	p.waitText(`h1`, "All set")
	p.run(chromedp.Click(`//a[@href=`+xpathString(e.s.URL+"/app/")+` or @href="/app/"]`, chromedp.BySearch, chromedp.NodeVisible))
	e.appLogInHere(p, "park@acme.example", "Acme acme")
	p.run(chromedp.WaitVisible(`.room-list`))
	if n := p.count(`a[data-tab="admin"]`); n != 0 {
		t.Fatal("a plain member has the Admin tab")
	}
	p.run(chromedp.Navigate(e.s.URL + "/app/admin"))
	p.shows(`h1`, "Not available")
	p.shows(`p`, "You do not have permission to use this admin page. Ask your super admin if you need it.")
	p.axe("member-unavailable")
	p.run(chromedp.Click(`//a[normalize-space(.)="Back to chats"]`, chromedp.BySearch, chromedp.NodeVisible), chromedp.WaitVisible(`.room-list`))

	// Lee's list shows Park active once searched again.
	b.run(chromedp.Click(`form.adm-search button[type="submit"]`, chromedp.NodeVisible))
	b.until(`document.querySelector('li[data-member="` + parkID + `"]') && !document.querySelector('li[data-member="` + parkID + `"] .adm-tag.invited')`)

	// Deleting Choi, after the confirmation.
	b.run(chromedp.Click(`li[data-member="`+choiID+`"] button[data-action="delete"]`, chromedp.NodeVisible))
	b.shows(`dialog//p`, "Choi Leaving 님(choi@acme.example)을 워크스페이스에서 삭제할까요?")
	b.axe("delete")
	b.run(chromedp.Click(`dialog[open] button[data-confirm="ok"]`, chromedp.NodeVisible))
	b.gone(`dialog[open]`)
	b.shows(`p[contains(@class,"adm-status")]`, "Choi Leaving 님을 삭제했습니다.")
	b.gone(`li[data-member="` + choiID + `"]`)
	if st := e.doc("workspaces/acme/members/" + choiID)["status"]; st != domain.MemberDeleted {
		t.Fatalf("Choi after the deletion = %v, want deleted", st)
	}
	b.axe("deleted")
}

// pick is the Korean or the English of a text, by a tab's language.
func pick(lang, ko, en string) string {
	if strings.HasPrefix(lang, "ko") {
		return ko
	}
	return en
}

// loaded waits until the view shows no "loading" line any more.
func (b *tab) loaded(lang string) {
	b.t.Helper()
	b.until(`![...document.querySelectorAll('main *')].some((el) => !el.children.length && el.textContent.trim() === ` + jsString(pick(lang, "불러오는 중…", "Loading…")) + `)`)
}

// sections lists the sections the console's side list offers.
func (b *tab) sections() []string {
	b.t.Helper()
	var ids []string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('.adm-nav a')].map((a) => a.dataset.section)`, &ids))
	return ids
}

// until waits until a JavaScript expression is true in the page. (It
// reads the page afresh each time: chromedp's node tracking loses track of
// elements around a modal <dialog>, whose top layer it does not follow.)
func (b *tab) until(js string) {
	b.t.Helper()
	b.run(chromedp.Poll(js, nil, chromedp.WithPollingTimeout(45*time.Second)))
}

// shows waits until an element with exactly this text is visible, like
// waitText, reading the page afresh each time (lists are redrawn as they
// load, which leaves a node found a moment before stale).
func (b *tab) shows(tag, text string) {
	b.t.Helper()
	x := `//` + tag + `[normalize-space(.)=` + xpathString(text) + `]`
	b.until(`(() => { const n = document.evaluate(` + jsString(x) + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; return !!n && n.getClientRects().length > 0; })()`)
}

// gone waits until no element matches a CSS selector.
func (b *tab) gone(sel string) {
	b.t.Helper()
	b.until(`!document.querySelector(` + jsString(sel) + `)`)
}

// count is the number of elements matching a CSS selector.
func (b *tab) count(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	return n
}

// path is the tab's address path.
func (b *tab) path() string {
	b.t.Helper()
	var p string
	b.run(chromedp.Evaluate(`location.pathname`, &p))
	return p
}

// appSignInTrusted signs s's account in on the app in a browser that is
// the device s trusts (its device token stored as the app stores it), so
// no approval is asked.
func (e *env) appSignInTrusted(b *tab, s session, email string) {
	b.t.Helper()
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(s.DeviceToken)+`)`, nil))
	e.appSignIn(b, email, "Acme acme")
}

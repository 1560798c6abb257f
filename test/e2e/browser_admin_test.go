package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
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
// its address, in Korean and in English, on a desktop and on a phone,
// each passing axe.
func TestBrowserAdminScreens(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, lang, tab string
		width, height   int64
	}{
		{"korean", "ko-KR", "관리자", 1280, 800},
		{"english", "en-GB", "Admin", 1280, 800},
		{"phone", "en-GB", "Admin", 390, 844},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t)
			owner := e.ownerSession("acme", "kim@acme.example")
			b := newTab(t, "kim", tc.lang, tc.width, tc.height)
			e.appSignInTrusted(b, owner, "kim@acme.example", "Acme acme")

			b.shows(`a[@data-tab="admin"]//span[@class="tab-label"]`, tc.tab)
			b.tap(`a[data-tab="admin"]`)
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
				b.tap(`.adm-nav a[data-section="` + s.id + `"]`)
				b.shows(`h1`, pick(tc.lang, s.ko, s.en))
				b.shows(`a[@aria-current="page"][@data-section="`+s.id+`"]`, pick(tc.lang, s.ko, s.en))
				if got := b.path(); got != "/app/admin/"+s.id {
					t.Fatalf("section %s at %s", s.id, got)
				}
				b.loaded(tc.lang)
				b.noStrayText()
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
	b.tap(`a[data-tab="admin"]`)
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
	b.tap(`//a[normalize-space(.)="관리자 메뉴로 돌아가기"]`)
	b.shows(`h1`, "멤버 관리")

	// Registering: the dialog asks for the ID and the name first.
	b.tap(`#adm-register`)
	b.run(chromedp.WaitVisible(`dialog[open] #adm-reg-email`))
	b.axe("register")
	b.tap(`dialog[open] button[type="submit"]`)
	b.shows(`dialog//div[@class="error-summary"]//a[@href="#adm-reg-email"]`, "올바른 이메일 주소를 입력하세요.")
	b.axe("register-error")
	park := map[string]string{"email": "park@acme.example", "name": "Park New", "department": "디자인팀", "title": "팀장", "position": "과장", "mobile": "010-1234-5678"}
	for _, k := range []string{"email", "name", "department", "title", "position", "mobile"} {
		b.run(chromedp.SendKeys(`#adm-reg-`+k, park[k]))
	}
	b.tap(`dialog[open] button[type="submit"]`)
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
	b.tap(`#adm-register`)
	b.run(chromedp.WaitVisible(`dialog[open] #adm-reg-email`),
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
	p.tap(`//a[@href=` + xpathString(e.s.URL+"/app/") + ` or @href="/app/"]`)
	e.appLogInHere(p, "park@acme.example", "Acme acme")
	p.run(chromedp.WaitVisible(`.room-list`))
	if n := p.count(`a[data-tab="admin"]`); n != 0 {
		t.Fatal("a plain member has the Admin tab")
	}
	p.run(chromedp.Navigate(e.s.URL + "/app/admin"))
	p.shows(`h1`, "Not available")
	p.shows(`p`, "You do not have permission to use this admin page. Ask your super admin if you need it.")
	p.axe("member-unavailable")
	p.tap(`//a[normalize-space(.)="Back to chats"]`)
	p.run(chromedp.WaitVisible(`.room-list`))

	// Lee's list shows Park active once searched again.
	b.tap(`form.adm-search button[type="submit"]`)
	b.until(`document.querySelector('li[data-member="` + parkID + `"]') && !document.querySelector('li[data-member="` + parkID + `"] .adm-tag.invited')`)

	// Deleting Choi, after the confirmation.
	b.tap(`li[data-member="` + choiID + `"] button[data-action="delete"]`)
	b.shows(`dialog//p`, "Choi Leaving 님(choi@acme.example)을 워크스페이스에서 삭제할까요?")
	b.axe("delete")
	b.tap(`dialog[open] button[data-confirm="ok"]`)
	b.gone(`dialog[open]`)
	b.shows(`p[contains(@class,"adm-status")]`, "Choi Leaving 님을 삭제했습니다.")
	b.gone(`li[data-member="` + choiID + `"]`)
	if st := e.doc("workspaces/acme/members/" + choiID)["status"]; st != domain.MemberDeleted {
		t.Fatalf("Choi after the deletion = %v, want deleted", st)
	}
	b.axe("deleted")
}

// TestBrowserAdminSettings, in English: the super admin edits the profile
// fields (mobile shown, names as "nickname (name)"), and Lee's profile as
// a colleague reads it through the API changes accordingly; a reload shows
// the stored choice. Basic information: an empty name is refused with
// nothing stored; a new name, colour, dark tone and external chat are stored,
// and the top bar shows the new name. The member list comes in pages of
// 20 and searches by name. The role editor makes Lee an admin
// with admin access: the list shows it, and so does the API. axe checks
// every screen and the dialog.
func TestBrowserAdminSettings(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	lee := e.registeredSession(owner, "acme", map[string]string{"email": "lee@acme.example", "name": "Lee Member"})
	choi := e.registeredSession(owner, "acme", map[string]string{"email": "choi@acme.example", "name": "Choi Colleague"})
	requireStatus(t, e.patchProfile(lee, map[string]string{"nickname": "Leo", "mobile": "010-2222-3333"}), http.StatusOK)
	before := e.visibleProfile(choi, lee.AccountID)
	if _, shown := before["mobile"]; shown || before["displayName"] != "Lee Member" {
		t.Fatalf("Lee's profile to Choi before = %v, want no mobile and the plain name", before)
	}

	b := newTab(t, "kim", "en-GB", 1280, 800)
	e.appSignInTrusted(b, owner, "kim@acme.example", "Acme acme")
	b.tap(`a[data-tab="admin"]`)
	b.shows(`h1`, "Members")
	b.tap(`.adm-nav a[data-section="profile-fields"]`)
	b.shows(`h1`, "Profile fields")
	b.run(chromedp.WaitVisible(`#adm-pf-mobile`))
	b.axe("profile-fields")
	b.run(chromedp.Click(`#adm-pf-mobile`), chromedp.Click(`#adm-pf-display-nickname_name`), chromedp.Click(`//button[normalize-space(.)="Apply"]`, chromedp.BySearch))
	b.shows(`p[contains(@class,"adm-status")]`, "Applied. Member profiles show it at once.")
	b.axe("profile-fields-applied")
	after := e.visibleProfile(choi, lee.AccountID)
	if after["mobile"] == nil || after["displayName"] != "Leo (Lee Member)" {
		t.Fatalf("Lee's profile to Choi after = %v, want the mobile and \"Leo (Lee Member)\"", after)
	}
	b.run(chromedp.Reload())
	b.shows(`h1`, "Profile fields")
	b.until(`document.querySelector('#adm-pf-mobile')?.checked && document.querySelector('#adm-pf-display-nickname_name')?.checked && !document.querySelector('#adm-pf-birthday').checked`)

	// Basic information.
	b.tap(`.adm-nav a[data-section="settings"]`)
	b.run(chromedp.WaitVisible(`#adm-ws-name`))
	b.shows(`h1`, "Basic information")
	if b.count(`#adm-ws-id[readonly]`) != 1 {
		t.Fatal("the workspace ID can be edited")
	}
	b.axe("settings")
	b.run(chromedp.Evaluate(`document.querySelector('#adm-ws-name').value = ''`, nil), chromedp.Click(`//button[normalize-space(.)="Save"]`, chromedp.BySearch))
	b.shows(`div[@class="error-summary"]//a[@href="#adm-ws-name"]`, "Enter the workspace name.")
	b.axe("settings-error")
	if ws := e.workspaceView(owner); ws["name"] != "Acme acme" {
		t.Fatalf("name after a refused save = %v", ws["name"])
	}
	b.run(chromedp.SendKeys(`#adm-ws-name`, "Acme Works"), chromedp.Click(`#adm-ws-tone-dark`), chromedp.Click(`#adm-ws-external`),
		// A colour picker's own dialog is the browser's: the test sets the
		// value and announces it as the picker does.
		chromedp.Evaluate(`(() => { const c = document.querySelector('#adm-ws-color'); c.value = '#1a7f37'; c.dispatchEvent(new Event('input', {bubbles: true})); })()`, nil),
		chromedp.Click(`//button[normalize-space(.)="Save"]`, chromedp.BySearch))
	b.shows(`p[contains(@class,"adm-status")]`, "Saved.")
	b.shows(`span[@class="workspace"]`, "Acme Works")
	ws := e.workspaceView(owner)
	if ws["name"] != "Acme Works" || ws["colorTone"] != "dark" || ws["externalChatAllowed"] != true || ws["color"] != "#1A7F37" {
		t.Fatalf("workspace after saving = %v, want the new name, colour and tone, and external chat on", ws)
	}

	// The member list: pages of 20, and a search.
	var seeded []*domain.Member
	for i := range 22 {
		seeded = append(seeded, &domain.Member{
			AccountID: domain.NewID(), WorkspaceID: "acme", Name: fmt.Sprintf("Seeded %02d", i), Email: fmt.Sprintf("s%02d@acme.example", i),
			Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: time.Now(),
		})
	}
	e.seedMembers(seeded)
	b.tap(`.adm-nav a[data-section="members"]`)
	b.shows(`h1`, "Members")
	rows := `document.querySelectorAll('.adm-members > li[data-member]').length`
	b.until(rows + ` === 20`)
	b.tap(`//nav[contains(@class,"adm-pager")]/button[normalize-space(.)="Next"]`)
	b.shows(`nav[contains(@class,"adm-pager")]/span`, "Page 2")
	b.until(rows + ` === 5 && document.querySelector('.adm-pager button:last-child').disabled`)
	b.tap(`//nav[contains(@class,"adm-pager")]/button[normalize-space(.)="Previous"]`)
	b.shows(`nav[contains(@class,"adm-pager")]/span`, "Page 1")
	b.until(rows + ` === 20`)
	b.run(chromedp.SendKeys(`#adm-member-q`, "choi"))
	b.tap(`form.adm-search button[type="submit"]`)
	b.until(rows + ` === 1 && !!document.querySelector('li[data-member="` + choi.AccountID + `"]')`)
	b.axe("members-search")
	b.run(chromedp.Evaluate(`document.querySelector('#adm-member-q').value = ''`, nil))
	b.tap(`form.adm-search button[type="submit"]`)

	// The role editor, for the super admin.
	b.tap(`li[data-member="` + lee.AccountID + `"] button[data-action="role"]`)
	b.run(chromedp.WaitVisible(`dialog[open] #adm-role-member`))
	if b.count(`dialog[open] fieldset[disabled] #adm-perm-admin_access`) != 1 {
		t.Fatal("the permissions of a plain member can be ticked")
	}
	b.noStrayText()
	b.axe("role")
	b.run(chromedp.Click(`#adm-role-admin`), chromedp.WaitVisible(`dialog[open] fieldset:not([disabled]) #adm-perm-admin_access`),
		chromedp.Click(`#adm-perm-admin_access`), chromedp.Click(`dialog[open] button[type="submit"]`))
	b.gone(`dialog[open]`)
	b.shows(`p[contains(@class,"adm-status")]`, "The role of Lee Member has been changed.")
	b.shows(`li[@data-member="`+lee.AccountID+`"]//span[contains(@class,"perm")]`, "Admin access")
	if roles := e.f16Roles("acme", lee.AccountID); roles[lee.AccountID] != "admin[admin_access]" {
		t.Fatalf("Lee's role = %v", roles)
	}
	b.axe("role-saved")
}

// TestBrowserAdminRecoveryKeyAndOrgLink, in Korean: the super admin makes
// a recovery key with their password (a wrong one shows no key); the key
// is shown once with the warning to store it now, and it works (a
// recovery login through the API); once stored, it is gone from the
// screen. The organisation link on the free plan explains the plan it
// needs and offers no form; on the standard plan the form refuses a
// business number with a wrong check digit before sending anything, then
// applies (pending), and after the operator's approval shows it active;
// the login-method name saved there is what the organisation login
// screen shows.
func TestBrowserAdminRecoveryKeyAndOrgLink(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	b := newTab(t, "kim", "ko-KR", 1280, 800)
	e.appSignInTrusted(b, owner, "kim@acme.example", "Acme acme")
	b.run(chromedp.Navigate(e.s.URL + "/app/admin/recovery-key"))
	b.shows(`h1`, "인증키")
	b.run(chromedp.SendKeys(`#adm-key-password`, "not the password"), submit())
	b.shows(`div[@class="error-summary"]//a[@href="#adm-key-password"]`, "비밀번호가 맞지 않습니다.")
	if b.count(`#adm-key`) != 0 {
		t.Fatal("a key is shown after a wrong password")
	}
	b.axe("recovery-key-error")
	b.run(chromedp.SendKeys(`#adm-key-password`, testPassword), submit(), chromedp.WaitVisible(`#adm-key`))
	b.shows(`p[@role="alert"]/strong`, "지금 안전한 곳에 보관하세요.")
	var key string
	b.run(chromedp.Value(`#adm-key`, &key))
	b.axe("recovery-key-shown")
	requireStatus(t, e.f9Recover("acme", "kim@acme.example", testPassword, key), http.StatusOK)
	b.run(chromedp.Click(`#adm-key-done`))
	b.gone(`#adm-key`)
	b.run(chromedp.WaitVisible(`#adm-key-password`))

	// The organisation link.
	b.tap(`.adm-nav a[data-section="org-link"]`)
	b.shows(`h1`, "계정/조직 연동 설정")
	b.shows(`p[@id="adm-org-plan"]`, "현재 요금제(Free)에서는 신청할 수 없습니다. 계정/조직 연동 설정은 STANDARD 요금제부터 사용할 수 있습니다.")
	if b.count(`#adm-org-name`) != 0 {
		t.Fatal("the application form shows on the free plan")
	}
	b.axe("org-link-free")
	e.operatorSetPlan("acme", "standard")
	b.tap(`.adm-nav a[data-section="members"]`)
	b.shows(`h1`, "멤버 관리")
	b.tap(`.adm-nav a[data-section="org-link"]`)
	b.run(chromedp.WaitVisible(`#adm-org-name`))
	b.axe("org-link-form")
	good := businessNumber("12481009")
	b.run(chromedp.SendKeys(`#adm-org-name`, "에이스 주식회사"), chromedp.SendKeys(`#adm-org-id`, "acme-corp"),
		chromedp.SendKeys(`#adm-org-bn`, wrongCheckDigit(good)), submit())
	b.shows(`div[@class="error-summary"]//a[@href="#adm-org-bn"]`, "올바른 사업자 등록번호가 아닙니다. 숫자 10자리를 확인하세요.")
	b.axe("org-link-error")
	if r := e.call("GET", "/v1/workspaces/acme/org-link", nil, owner.bearer()...); r.Status != http.StatusNotFound {
		t.Fatalf("org link after a refused form = %d %s, want 404 (nothing sent)", r.Status, r.Body)
	}
	b.run(chromedp.Evaluate(`document.querySelector('#adm-org-bn').value = ''`, nil),
		chromedp.SendKeys(`#adm-org-bn`, good[:3]+"-"+good[3:5]+"-"+good[5:]), submit())
	b.shows(`span[@id="adm-org-state"]`, "승인 대기")
	b.axe("org-link-pending")
	if l := e.orgLink(owner, "acme"); l.Status != "pending" || l.OrgID != "acme-corp" || l.OrgName != "에이스 주식회사" {
		t.Fatalf("org link = %+v", l)
	}
	requireStatus(t, e.decideOrg("acme-corp", "approve"), http.StatusOK)
	b.tap(`.adm-nav a[data-section="members"]`)
	b.shows(`h1`, "멤버 관리")
	b.tap(`.adm-nav a[data-section="org-link"]`)
	b.shows(`span[@id="adm-org-state"]`, "연동됨")
	b.run(chromedp.SendKeys(`#adm-org-method`, "에이스 통합 로그인"), submit())
	b.shows(`p[contains(@class,"adm-status")]`, "저장했습니다.")
	b.axe("org-link-active")
	r := e.call("GET", "/v1/orgs/acme-corp", nil)
	requireStatus(t, r, http.StatusOK)
	var org struct {
		LoginMethodName string `json:"loginMethodName"`
	}
	r.JSON(t, &org)
	if org.LoginMethodName != "에이스 통합 로그인" {
		t.Fatalf("the organisation login screen's method name = %q", org.LoginMethodName)
	}
}

// workspaceView is GET /v1/workspaces/{ws} as s.
func (e *env) workspaceView(s session) map[string]any {
	e.t.Helper()
	r := e.call("GET", "/v1/workspaces/"+s.WorkspaceID, nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var ws map[string]any
	r.JSON(e.t, &ws)
	return ws
}

// TestBrowserAdminInviteLinks, in Korean on a phone (390 px): the super
// admin creates an invite link valid 48 hours for 2 uses; the console
// shows its address (the one the API listed it under), copies it to the
// clipboard, and shows its QR code. Two sign-ups use it up (a third is
// refused by the API), and the list, refreshed, shows it used up. An
// invalid expiry is refused before anything is created. A second link is
// revoked after a confirmation: the list says so, and the API refuses the
// link. axe checks every screen.
func TestBrowserAdminInviteLinks(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	b := newTab(t, "kim", "ko-KR", 390, 844)
	b.run(browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite}).WithOrigin(e.s.URL))
	e.appSignInTrusted(b, owner, "kim@acme.example", "Acme acme")
	b.tap(`a[data-tab="admin"]`)
	b.shows(`h1`, "멤버 관리")
	b.tap(`.adm-nav a[data-section="invites"]`)
	b.shows(`h1`, "초대 링크")
	b.shows(`ul[contains(@class,"adm-invite-list")]/li`, "만든 초대 링크가 없습니다.")
	b.axe("invites-empty")

	// An expiry out of range is refused in the form.
	b.run(chromedp.Evaluate(`document.querySelector('#adm-inv-hours').value = ''`, nil), chromedp.SendKeys(`#adm-inv-hours`, "721"), submit())
	b.shows(`div[@class="error-summary"]//a[@href="#adm-inv-hours"]`, "유효 기간은 1~720시간 사이의 숫자로 입력하세요.")
	b.axe("invites-error")
	if ls := e.inviteLinks(owner, "acme"); len(ls) != 0 {
		t.Fatalf("%d links after a refused form, want none", len(ls))
	}

	b.run(chromedp.Evaluate(`document.querySelector('#adm-inv-hours').value = ''`, nil), chromedp.SendKeys(`#adm-inv-hours`, "48"),
		chromedp.SendKeys(`#adm-inv-uses`, "2"), submit(), chromedp.WaitVisible(`#adm-inv-url`))
	var link string
	b.run(chromedp.Value(`#adm-inv-url`, &link))
	ls := e.inviteLinks(owner, "acme")
	if len(ls) != 1 || ls[0].MaxUses == nil || *ls[0].MaxUses != 2 || ls[0].Uses != 0 {
		t.Fatalf("links after creating one = %+v", ls)
	}
	if h := ls[0].ExpiresAt.Sub(ls[0].CreatedAt); h != 48*time.Hour {
		t.Fatalf("the link is valid %v, want 48h", h)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	if !strings.HasPrefix(link, e.s.URL+"/invite/") || e.call("GET", "/v1/invites/"+token, nil).Status != http.StatusOK {
		t.Fatalf("the console shows %q, not a usable invite link", link)
	}
	b.until(`(() => { const i = document.querySelector('img.adm-qr'); return i && i.complete && i.naturalWidth === 320; })()`)
	b.tap(`button.adm-copy`)
	b.shows(`span[contains(@class,"adm-copy-status")]`, "복사했습니다.")
	var copied string
	b.run(chromedp.Evaluate(`navigator.clipboard.readText()`, &copied, awaited))
	if copied != link {
		t.Fatalf("clipboard holds %q, want the link %q", copied, link)
	}
	b.axe("invite-created")

	for i, who := range []string{"first", "second", "third"} {
		r := e.accept(token, "Joiner "+who, who+"@example.com")
		if want := []int{http.StatusAccepted, http.StatusAccepted, http.StatusGone}[i]; r.Status != want {
			t.Fatalf("sign-up %d through the link = %d %s, want %d", i+1, r.Status, r.Body, want)
		}
	}
	b.tap(`#adm-inv-refresh`)
	row := `li[@data-invite="` + ls[0].ID + `"]`
	b.shows(row+`//span[contains(@class,"adm-uses")]`, "2 / 2회 사용")
	b.shows(row+`//span[contains(@class,"adm-tag")]`, "사용 완료")
	b.gone(`#adm-inv-url`) // a used-up link's address is no longer offered
	if b.count(`li[data-invite="`+ls[0].ID+`"] button[data-action="revoke"]`) != 0 {
		t.Fatal("a used-up link offers to be revoked")
	}
	b.axe("invite-used-up")

	// A second link, revoked.
	b.run(chromedp.Evaluate(`document.querySelector('#adm-inv-uses').value = ''`, nil), submit())
	b.until(`document.querySelectorAll('.adm-invite-list li[data-invite]').length === 2`)
	var second inviteLink
	for _, l := range e.inviteLinks(owner, "acme") {
		if l.ID != ls[0].ID {
			second = l
		}
	}
	var secondURL string
	b.run(chromedp.Value(`#adm-inv-url`, &secondURL))
	if second.MaxUses != nil || second.ExpiresAt.Sub(second.CreatedAt) != 48*time.Hour {
		t.Fatalf("second link = %+v, want unlimited, for the 48 hours the form kept", second)
	}
	b.tap(`li[data-invite="` + second.ID + `"] button[data-action="revoke"]`)
	b.run(chromedp.WaitVisible(`dialog[open]`))
	b.axe("revoke")
	b.tap(`dialog[open] button[data-confirm="ok"]`)
	b.gone(`dialog[open]`)
	b.shows(`p[contains(@class,"adm-status")]`, "초대 링크를 사용 중지했습니다.")
	b.shows(`li[@data-invite="`+second.ID+`"]//span[contains(@class,"adm-tag")]`, "사용 중지됨")
	b.gone(`#adm-inv-url`) // the revoked link's address is no longer offered
	refused(t, e.call("GET", "/v1/invites/"+secondURL[strings.LastIndex(secondURL, "/")+1:], nil), http.StatusGone, "gone")
	b.axe("revoked")
}

// TestBrowserAdminDelegation, in English: Lee, an admin with admin access
// only, sees no super admin pages. The super admin, in the console,
// chooses Lee among the active members and sends the delegation mail
// (a wrong password first is refused, and sends nothing). Lee opens the
// mail's link in the browser Lee is signed in on, accepts with the
// password, follows the page on to the app, and the console now shows
// Lee every section; the API names Lee super admin. The former super
// admin's console, on its next section, shows only an admin's sections
// and refuses the withdrawal's address. axe checks every screen.
func TestBrowserAdminDelegation(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	leeID := e.registered(owner, "acme", "Lee Admin", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	e.grant("acme", leeID, domain.PermAdminAccess)

	lee := newTab(t, "lee", "en-GB", 1280, 800)
	e.appSignIn(lee, "lee@acme.example", "Acme acme")
	lee.tap(`a[data-tab="admin"]`)
	lee.shows(`h1`, "Invite links")
	if got := lee.sections(); !slices.Equal(got, []string{"invites", "settings", "profile-fields"}) {
		t.Fatalf("an admin_access admin's console lists %v", got)
	}

	kim := newTab(t, "kim", "en-GB", 1280, 800)
	e.appSignInTrusted(kim, owner, "kim@acme.example", "Acme acme")
	kim.run(chromedp.Navigate(e.s.URL + "/app/admin/delegation"))
	kim.shows(`h1`, "Super admin delegation")
	kim.run(chromedp.WaitVisible(`#adm-del-` + leeID))
	kim.axe("delegation")
	kim.run(chromedp.Click(`#adm-del-`+leeID), chromedp.SendKeys(`#adm-del-password`, "not the password"),
		chromedp.Click(`//button[normalize-space(.)="Send delegation e-mail"]`, chromedp.BySearch))
	kim.shows(`div[@class="error-summary"]//a[@href="#adm-del-password"]`, "That password is not right.")
	kim.axe("delegation-error")
	kim.run(chromedp.SendKeys(`#adm-del-password`, testPassword), chromedp.Click(`//button[normalize-space(.)="Send delegation e-mail"]`, chromedp.BySearch))
	kim.shows(`p[@id="adm-del-sent"]`, "A super admin delegation e-mail has been sent to Lee Admin. Its link is valid 24 hours.")
	kim.axe("delegation-sent")
	token := e.f16Token("lee@acme.example", 1)
	if n := len(e.f16OfferMails("lee@acme.example")); n != 1 {
		t.Fatalf("%d delegation mails, want 1 (the wrong password sent none)", n)
	}

	// Lee accepts on the page the mail opens, then goes on to the app.
	lee.run(chromedp.Navigate(e.s.URL + "/delegation/" + token))
	lee.waitText(`h1`, "Become super admin")
	lee.run(chromedp.SendKeys(`form input[type="password"]`, testPassword), submit())
	lee.waitText(`h1`, "You are the super admin")
	lee.run(chromedp.Click(`//a[@href=`+xpathString(e.s.URL+"/app/")+` or @href="/app/"]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`.room-list`))
	lee.tap(`a[data-tab="admin"]`)
	lee.shows(`h1`, "Members")
	var want []string
	for _, s := range adminSections {
		want = append(want, s.id)
	}
	if got := lee.sections(); !slices.Equal(got, want) {
		t.Fatalf("the new super admin's console lists %v, want %v", got, want)
	}
	lee.tap(`.adm-nav a[data-section="withdrawal"]`)
	lee.shows(`h1`, "Service withdrawal")
	lee.axe("new-super-admin")
	if ws := e.workspaceView(owner); ws["superAdminId"] != leeID {
		t.Fatalf("super admin after the delegation = %v, want Lee", ws["superAdminId"])
	}

	// The former super admin, on the next section, is an admin with every
	// permission.
	kim.tap(`.adm-nav a[data-section="members"]`)
	kim.until(`!document.querySelector('.adm-nav a[data-section="withdrawal"]')`)
	kim.shows(`h1`, "Members")
	if got := kim.sections(); !slices.Equal(got, []string{"members", "invites", "settings", "profile-fields"}) {
		t.Fatalf("the former super admin's console lists %v", got)
	}
	kim.run(chromedp.Navigate(e.s.URL + "/app/admin/withdrawal"))
	kim.shows(`h1`, "Not available")
	kim.axe("former-super-admin")
}

// TestBrowserAdminWithdrawal, in Korean: the super admin's withdrawal page
// states the seeds' warnings (everything deleted, no recovery, no
// cancelling) and what is deleted. A name typed wrong, then a wrong
// password, are refused with the workspace left active. With both right,
// the workspace turns deleting, and both the super admin's browser and a
// member's are sent back to sign-in by themselves. axe checks every
// screen.
func TestBrowserAdminWithdrawal(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)

	lee := newTab(t, "lee", "ko-KR", 1280, 800)
	e.appSignIn(lee, "lee@acme.example", "Acme acme")
	kim := newTab(t, "kim", "ko-KR", 1280, 800)
	e.appSignInTrusted(kim, owner, "kim@acme.example", "Acme acme")
	kim.tap(`a[data-tab="admin"]`)
	kim.shows(`h1`, "멤버 관리")
	kim.tap(`.adm-nav a[data-section="withdrawal"]`)
	kim.shows(`h1`, "서비스 탈퇴")
	kim.shows(`li/strong`, `워크스페이스 "Acme acme" 내 모든 멤버 계정 및 데이터가 삭제되어 복구할 수 없습니다.`)
	kim.shows(`li/strong`, "탈퇴 신청은 신청한 순간부터 진행되며 취소할 수 없습니다.")
	kim.shows(`li`, "모든 채팅방과 메시지")
	kim.axe("withdrawal")

	withdraw := `//button[normalize-space(.)="서비스 탈퇴"]`
	kim.run(chromedp.SendKeys(`#adm-wd-name`, "acme"), chromedp.SendKeys(`#adm-wd-password`, testPassword), chromedp.Click(withdraw, chromedp.BySearch))
	kim.shows(`div[@class="error-summary"]//a[@href="#adm-wd-name"]`, "워크스페이스명이 일치하지 않습니다.")
	kim.axe("withdrawal-name")
	kim.run(chromedp.Evaluate(`document.querySelector('#adm-wd-name').value = ''`, nil),
		chromedp.SendKeys(`#adm-wd-name`, "Acme acme"), chromedp.SendKeys(`#adm-wd-password`, "not the password"), chromedp.Click(withdraw, chromedp.BySearch))
	kim.shows(`div[@class="error-summary"]//a[@href="#adm-wd-password"]`, "비밀번호가 맞지 않습니다.")
	if st := e.workspaceView(owner)["status"]; st != "active" {
		t.Fatalf("workspace after refused withdrawals = %v, want active", st)
	}
	kim.axe("withdrawal-password")

	for _, b := range []*tab{kim, lee} {
		b.run(chromedp.Evaluate(`window.workgateTestMark = 'no reload'`, nil))
	}
	kim.run(chromedp.SendKeys(`#adm-wd-password`, testPassword), chromedp.Click(withdraw, chromedp.BySearch))
	for _, b := range []*tab{kim, lee} {
		b.run(chromedp.WaitVisible(`#email`))
		b.shows(`h1`, "로그인")
		var mark string
		b.run(chromedp.Evaluate(`window.workgateTestMark || ''`, &mark))
		if mark != "no reload" {
			t.Fatalf("%s's app reloaded the page to go back to sign-in", b.name)
		}
		b.axe("signed-out")
	}
	// The job may have deleted it already.
	if e.exists("workspaces/acme") {
		if st := e.doc("workspaces/acme")["status"]; st != "deleting" && st != "deleted" {
			t.Fatalf("workspace after the withdrawal = %v, want deleting", st)
		}
	}
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

// tap clicks what a CSS selector (or, starting with "//", an XPath)
// finds, once it is there and visible, from the page's own script: the
// app redraws lists and tabs as data comes, so a node chromedp found a
// moment before may be gone when it clicks.
func (b *tab) tap(sel string) {
	b.t.Helper()
	find := `document.querySelector(` + jsString(sel) + `)`
	if strings.HasPrefix(sel, "//") {
		find = `document.evaluate(` + jsString(sel) + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`
	}
	b.until(`(() => { const n = ` + find + `; return !!n && n.getClientRects().length > 0; })()`)
	b.run(chromedp.Evaluate(find+`.click()`, nil))
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

// noStrayText fails the test if the page shows "null", "false" or
// "undefined" as words: a conditional part drawn as text.
func (b *tab) noStrayText() {
	b.t.Helper()
	var stray string
	b.run(chromedp.Evaluate(`(document.body.innerText.match(/\b(null|false|undefined)\b/) || [''])[0]`, &stray))
	if stray != "" {
		b.t.Errorf("%s: the page shows %q as text", b.name, stray)
	}
}

package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
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

			b.waitText(`a[@data-tab="admin"]//span[@class="tab-label"]`, tc.tab)
			b.run(chromedp.Click(`a[data-tab="admin"]`, chromedp.NodeVisible))
			first := adminSections[0]
			b.waitText(`h1`, pick(tc.lang, first.ko, first.en))
			if got := b.path(); got != "/app/admin/"+first.id {
				t.Fatalf("the Admin tab opened %s, want /app/admin/%s", got, first.id)
			}
			var ids []string
			b.run(chromedp.Evaluate(`[...document.querySelectorAll('.adm-nav a')].map((a) => a.dataset.section)`, &ids))
			var want []string
			for _, s := range adminSections {
				want = append(want, s.id)
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("the super admin's console lists %v, want every section %v", ids, want)
			}
			for _, s := range adminSections {
				b.run(chromedp.Click(`.adm-nav a[data-section="`+s.id+`"]`, chromedp.NodeVisible))
				b.waitText(`h1`, pick(tc.lang, s.ko, s.en))
				b.waitText(`a[@aria-current="page"][@data-section="`+s.id+`"]`, pick(tc.lang, s.ko, s.en))
				if got := b.path(); got != "/app/admin/"+s.id {
					t.Fatalf("section %s at %s", s.id, got)
				}
				b.loaded(tc.lang)
				b.axe(s.id)
			}
		})
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
	b.run(chromedp.WaitNotPresent(`//main//*[not(*)][normalize-space(.)=`+xpathString(pick(lang, "불러오는 중…", "Loading…"))+`]`, chromedp.BySearch))
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

var (
	_ = http.StatusOK
	_ []*cdp.Node
)

package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/shared/domain"
)

// The web app's people, profile and sharing screens (F11–F13, F20) in
// headless Chromium: a profile link made in one workspace's browser,
// opened in another's, the owner added as an external member and a chat
// started; the own profile edited and seen by a colleague; blocking and
// unblocking; the QR link's image.

// twoWorkspaces makes the workspaces alpha and beta, both allowing
// external chat, with a member each (Lee Alpha, Park Beta) logged in
// through the API on their first device.
func (e *env) twoWorkspaces() (a, b session) {
	e.t.Helper()
	alpha := e.ownerSession("alpha", "owner@alpha.example")
	beta := e.ownerSession("beta", "owner@beta.example")
	e.allowExternalChat(alpha)
	e.allowExternalChat(beta)
	a = e.registeredSession(alpha, "alpha", map[string]string{"email": "lee@alpha.example", "name": "Lee Alpha"})
	b = e.registeredSession(beta, "beta", map[string]string{"email": "park@beta.example", "name": "Park Beta"})
	return a, b
}

// appSignInHere signs s's member in from the sign-in screen the tab shows
// (whatever its address), on the device s trusts (its device token put
// where the app keeps it), and returns once the password is sent.
func (e *env) appSignInHere(b *tab, s session, email, workspaceName string) {
	b.t.Helper()
	before := len(e.codeMails(email))
	b.run(chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(s.DeviceToken)+`)`, nil),
		chromedp.SendKeys(`#email`, email),
		submit(),
		chromedp.WaitVisible(`#code`))
	b.run(chromedp.SendKeys(`#code`, e.waitCode(email, before)),
		submit(),
		chromedp.WaitVisible(`button.choice`))
	b.run(chromedp.Click(`//button[contains(@class,"choice")][.//strong[normalize-space(.)=`+xpathString(workspaceName)+`]]`, chromedp.BySearch),
		chromedp.WaitVisible(`#password`),
		chromedp.SendKeys(`#password`, testPassword), submit())
}

// appSignInTrusted opens the app and signs s's member in on the device s
// trusts; it returns when the room list shows.
func (e *env) appSignInTrusted(b *tab, s session, email, workspaceName string) {
	b.t.Helper()
	b.run(chromedp.Navigate(e.s.URL + "/app/"))
	e.appSignInHere(b, s, email, workspaceName)
	b.run(chromedp.WaitVisible(`.room-list`))
}

// open goes to an address of the app through its tabs' links or history,
// as a click on an in-app link does (no reload).
func (b *tab) open(path string) {
	b.t.Helper()
	b.run(chromedp.Evaluate(`history.pushState(null, '', `+jsString(path)+`); dispatchEvent(new PopStateEvent('popstate'))`, nil))
}

// tabTo opens one of the app's tabs by its link and waits for its
// address. The shell draws its tabs again whenever a badge changes (a room
// list loading, an event), so a click that finds its link gone, or lands
// as it is replaced, is tried again.
func (b *tab) tabTo(id string) {
	b.t.Helper()
	sel := `a[data-tab="` + id + `"]`
	var path string
	b.run(chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`).getAttribute('href')`, &path))
	for attempt := 0; ; attempt++ {
		err := chromedp.Run(b.ctx, chromedp.Click(sel, chromedp.NodeVisible))
		if err != nil && !strings.Contains(err.Error(), "Could not find node") {
			b.t.Fatalf("%s: opening the %s tab: %v", b.name, id, err)
		}
		var there bool
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err = chromedp.Run(ctx, chromedp.Poll(`location.pathname === `+jsString(path), &there, chromedp.WithPollingTimeout(5*time.Second)))
		cancel()
		if err == nil && there {
			return
		}
		if attempt == 4 {
			b.t.Fatalf("%s: the %s tab never opened: %v", b.name, id, err)
		}
	}
}

// value is the value of the first input matching sel, once visible.
func (b *tab) value(sel string) string {
	b.t.Helper()
	var v string
	b.run(chromedp.WaitVisible(sel), chromedp.Value(sel, &v))
	return v
}

// clear empties the input matching sel (chromedp.SetValue cannot set "").
func (b *tab) clear(sel string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(sel), chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`).value = ''`, nil))
}

// absent fails the test if an element matches sel now.
func (b *tab) absent(sel, why string) {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	if n != 0 {
		b.t.Fatalf("%s: %s shows (%s)", b.name, sel, why)
	}
}

// waitFor polls until cond holds, failing the test after 45 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 45 * 20 {
		if cond() {
			return
		}
		sleep()
	}
	t.Fatalf("never: %s", what)
}

// TestBrowserProfileLinkToChat: Lee (alpha, Korean, desktop) creates a
// one-time profile link on the me tab and reads its address off the
// screen; Park (beta, English, phone) opens it: the card page, then the
// app at the link's address while signed out, which after sign-in shows
// the shared profile. Park adds Lee as an external member and starts a
// chat; the message shows live in Lee's browser, Lee gets the
// external_member_added notification, and the link is used up.
func TestBrowserProfileLinkToChat(t *testing.T) {
	t.Parallel()
	e := start(t)
	a, b := e.twoWorkspaces()

	lee := newTab(t, "lee", "ko-KR", 1280, 800)
	e.appSignInTrusted(lee, a, "lee@alpha.example", "Acme alpha")
	lee.tabTo("me")
	lee.waitText(`h1`, "내 프로필")
	lee.waitText(`h2`, "내 프로필 공유")
	lee.waitText(`p`, "사용 중인 프로필 링크가 없습니다.")
	lee.axe("me")
	lee.run(chromedp.Click(`#make-one-time`))
	lee.waitText(`p[contains(@class,"share-note")]`, "1회용 프로필 링크를 만들었습니다. 복사해서 전달하세요.")
	row := `li[data-type="one_time"]`
	url := lee.value(row + ` input.link-url`)
	if !strings.HasPrefix(url, e.s.URL+"/p/") {
		t.Fatalf("the link on screen = %q, want %s/p/{token}", url, e.s.URL)
	}
	token := strings.TrimPrefix(url, e.s.URL+"/p/")
	if got := lee.text(row + ` .row-text .muted`); !strings.Contains(got, "까지 유효") {
		t.Fatalf("the one-time link's line = %q, want its expiry", got)
	}
	// Copying either works or leaves the link selected, saying so.
	lee.run(chromedp.Click(row + ` button.secondary`))
	lee.run(chromedp.WaitVisible(row + ` .copy-status`))
	if got := lee.text(row + ` .copy-status`); got != "링크를 복사했습니다." && got != "복사하지 못했습니다. 선택된 링크를 직접 복사하세요." {
		t.Fatalf("after copy: %q", got)
	}
	lee.axe("link-made")
	lee.tabTo("chats")
	lee.run(chromedp.WaitVisible(`.room-list`))

	park := newTab(t, "park", "en-GB", 390, 844)
	// The link itself is the card page (it never uses the link up)…
	park.run(chromedp.Navigate(url))
	park.waitText(`h1`, "Lee Alpha")
	park.shot("card-page")
	// …and the app's address of it, opened signed out, shows the shared
	// profile once Park has signed in.
	park.run(chromedp.Navigate(e.s.URL + "/app/links/" + token))
	e.appSignInHere(park, b, "park@beta.example", "Acme beta")
	park.waitText(`h1`, "Lee Alpha")
	park.waitText(`p`, "A member of the workspace Acme alpha. Add them as an external member to chat.")
	var path string
	park.run(chromedp.Evaluate(`location.pathname`, &path))
	if path != "/app/links/"+token {
		t.Fatalf("after sign-in the app is at %q, want the link's address", path)
	}
	park.axe("link")
	park.run(chromedp.Click(`#add-external`))
	park.waitText(`p[@class="notice"]`, "Lee Alpha is now one of your external members.")
	park.axe("added")
	if got := e.externalMembers(b); len(got) != 1 || got[0].MemberID != a.AccountID || got[0].Workspace.Name != "Acme alpha" {
		t.Fatalf("Park's external members = %+v, want Lee of Acme alpha", got)
	}
	if links := e.profileLinks(a); len(links) != 0 {
		t.Fatalf("Lee's live links after the addition = %+v, want the one-time link used up", links)
	}

	park.run(chromedp.Click(`#start-chat`), chromedp.WaitVisible(`#composer`))
	park.waitText(`h2`, "Lee Alpha")
	park.run(chromedp.SendKeys(`#composer`, "Hello Lee, Park from beta"), submit())
	park.waitText(`p[@class="bubble"]`, "Hello Lee, Park from beta")

	// Lee's room list gets the new room and its message live; opened, the
	// room shows the next message live too.
	lee.waitText(`span[@class="room-last"]`, "Hello Lee, Park from beta")
	lee.run(chromedp.Click(`//a[contains(@class,"room-link")][.//span[@class="room-name"][normalize-space(.)="Park Beta"]]`, chromedp.BySearch),
		chromedp.WaitVisible(`#composer`))
	lee.waitText(`p[@class="bubble"]`, "Hello Lee, Park from beta")
	park.run(chromedp.SendKeys(`#composer`, "Shall we meet on Friday?"), submit())
	lee.waitText(`p[@class="bubble"]`, "Shall we meet on Friday?")
	lee.shot("chat")
	park.shot("chat")

	// Park's people tab lists Lee under external members, with the workspace.
	park.open("/app/people")
	park.waitText(`a[@data-member="`+a.AccountID+`"]//span[@class="person-name"]`, "Lee Alpha")
	park.waitText(`a[@data-member="`+a.AccountID+`"]//span[@class="muted"]`, "Acme alpha")
	park.axe("people")

	waitFor(t, "Lee's external_member_added notification", func() bool { return len(e.addedNotes(a)) > 0 })
	if n := e.addedNotes(a); len(n) != 1 || n[0].AddBack.MemberID != b.AccountID || n[0].Workspace.Name != "Acme beta" {
		t.Fatalf("Lee's notifications = %+v, want one from Park of Acme beta", n)
	}
}

// TestBrowserProfileEdit: Lee edits the own profile in English: a wrong
// mobile number is refused at its field, then a title and a status message
// are saved, and stay after a reload. Choi, a colleague on a phone in
// Korean, finds Lee by searching the people tab: the card shows the status
// message, and the title only once the workspace shows titles.
func TestBrowserProfileEdit(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("alpha", "owner@alpha.example")
	fields := domain.DefaultProfileFields()
	fields.Title = false
	e.setProfileFields(owner, "alpha", fields)
	a := e.registeredSession(owner, "alpha", map[string]string{"email": "lee@alpha.example", "name": "Lee Alpha", "department": "Sales"})
	c := e.registeredSession(owner, "alpha", map[string]string{"email": "choi@alpha.example", "name": "Choi Colleague"})

	lee := newTab(t, "lee", "en-GB", 1280, 800)
	e.appSignInTrusted(lee, a, "lee@alpha.example", "Acme alpha")
	lee.tabTo("me")
	lee.run(chromedp.WaitVisible(`#edit-profile`))
	lee.waitText(`h2`, "Lee Alpha")
	lee.run(chromedp.Click(`#edit-profile`), chromedp.WaitVisible(`#pf-title`))
	if got := lee.value(`#pf-department`); got != "Sales" {
		t.Fatalf("department field = %q", got)
	}
	lee.axe("edit")
	lee.run(chromedp.SendKeys(`#pf-mobile`, "12ab"), chromedp.SendKeys(`#pf-title`, "Product lead"), submit())
	lee.waitText(`p[@class="field-error"]`, "This is not a phone number. For example 010-1234-5678")
	var invalid string
	lee.run(chromedp.AttributeValue(`#pf-mobile`, "aria-invalid", &invalid, nil))
	if invalid != "true" {
		t.Fatalf("the mobile field's aria-invalid = %q", invalid)
	}
	lee.waitText(`div[@class="error-summary"]//a`, "Mobile: This is not a phone number. For example 010-1234-5678")
	lee.axe("edit-error")
	if p := e.profile(a); p["title"] != nil || p["mobile"] != nil {
		t.Fatalf("a refused form changed the profile: %v", p)
	}
	lee.clear(`#pf-mobile`)
	lee.run(chromedp.SendKeys(`#pf-statusMessage`, "In Seoul this week"), submit())
	lee.waitText(`p[@class="notice"]`, "Your profile is saved.")
	lee.waitText(`p[@data-field="role"]`, "Product lead")
	lee.waitText(`p[@data-field="statusMessage"]`, "In Seoul this week")
	lee.axe("saved")
	lee.run(chromedp.Reload())
	lee.waitText(`p[@data-field="role"]`, "Product lead")
	lee.waitText(`p[@data-field="statusMessage"]`, "In Seoul this week")
	if p := e.profile(a); p["title"] != "Product lead" || p["statusMessage"] != "In Seoul this week" || p["mobile"] != nil {
		t.Fatalf("the profile after saving = %v", p)
	}

	choi := newTab(t, "choi", "ko-KR", 390, 844)
	e.appSignInTrusted(choi, c, "choi@alpha.example", "Acme alpha")
	choi.tabTo("people")
	choi.run(chromedp.WaitVisible(`#member-q`))
	choi.waitText(`h1`, "멤버")
	choi.waitText(`a[@data-member="`+owner.AccountID+`"]//span[@class="person-name"]`, "Kim Workgate")
	choi.run(chromedp.SendKeys(`#member-q`, "Lee"))
	waitFor(t, "the search's result said", func() bool {
		var said string
		_ = chromedp.Run(choi.ctx, chromedp.Evaluate(`document.querySelector('.people p[role="status"]').textContent`, &said))
		return said == "'Lee' 검색 결과 1명"
	})
	choi.absent(`a[data-member="`+owner.AccountID+`"]`, "the search for Lee still lists Kim")
	choi.axe("people-search")
	choi.run(chromedp.Click(`a[data-member="` + a.AccountID + `"]`))
	choi.waitText(`h1`, "Lee Alpha")
	choi.waitText(`p[@class="status-message"]`, "In Seoul this week")
	choi.waitText(`p[contains(@class,"profile-dept")]`, "Sales")
	choi.waitText(`p[@class="muted"]`, "함께 있는 그룹 채팅방이 없습니다.")
	choi.absent(`.profile-role`, "the workspace hides titles")
	choi.absent(`.profile-actions button.danger`, "a colleague cannot be blocked")
	choi.axe("card-no-title")

	fields.Title = true
	e.setProfileFields(owner, "alpha", fields)
	choi.run(chromedp.Reload())
	choi.waitText(`p[@class="profile-role"]`, "Product lead")
	choi.waitText(`div[@data-field="title"]/dd`, "Product lead")
	choi.axe("card")
	// The card's 1:1 chat opens the direct room.
	choi.run(chromedp.Click(`.profile-actions button.primary-small`), chromedp.WaitVisible(`#composer`))
	choi.waitText(`h2`, "Lee Alpha")
}

// TestBrowserBlock: Park (beta) adds Lee (alpha) by pasting Lee's link on
// the people tab; Lee sees Park's profile (Park added Lee). Park blocks Lee
// from Lee's profile, confirming in a dialog: Lee's view of Park's profile
// says it is not available. Park unblocks Lee from the blocked members on
// the me tab, and Lee sees Park's profile again.
func TestBrowserBlock(t *testing.T) {
	t.Parallel()
	e := start(t)
	a, b := e.twoWorkspaces()
	link := e.newProfileLink(a, oneTimeLink)

	park := newTab(t, "park", "ko-KR", 1280, 800)
	e.appSignInTrusted(park, b, "park@beta.example", "Acme beta")
	park.tabTo("people")
	park.run(chromedp.WaitVisible(`#add-link`))
	park.waitText(`li[@class="empty"]`, "아직 외부 멤버가 없습니다. 다른 워크스페이스 멤버에게 받은 프로필 링크로 추가할 수 있습니다.")
	park.run(chromedp.SendKeys(`#add-link`, "not a link"), chromedp.Click(`form.add-link button`))
	park.waitText(`p[@id="add-link-error"]`, "프로필 링크의 주소를 그대로 붙여 넣으세요.")
	park.axe("add-link-error")
	park.clear(`#add-link`)
	park.run(chromedp.SendKeys(`#add-link`, link.URL), chromedp.Click(`form.add-link button`))
	park.waitText(`h1`, "Lee Alpha")
	park.run(chromedp.Click(`#add-external`))
	park.waitText(`p[@class="notice"]`, "Lee Alpha 님을 외부 멤버로 추가했습니다.")

	lee := newTab(t, "lee", "en-GB", 1280, 800)
	e.appSignInTrusted(lee, a, "lee@alpha.example", "Acme alpha")
	lee.open("/app/people/" + b.AccountID)
	lee.waitText(`h1`, "Park Beta")
	lee.waitText(`p[@class="profile-ws"]/span[@class="tag"]`, "External")
	lee.axe("adder-profile")

	// Park opens Lee's profile from the link's page and blocks Lee.
	park.run(chromedp.Click(`//a[normalize-space(.)="프로필 보기"]`, chromedp.BySearch))
	park.waitText(`h1`, "Lee Alpha")
	park.waitText(`span[@class="tag"]`, "외부 멤버")
	park.run(chromedp.Click(`.profile-actions button.danger`), chromedp.WaitVisible(`dialog.confirm`))
	park.waitText(`dialog//h2`, "Lee Alpha 님을 차단할까요?")
	park.axe("block-dialog")
	// Cancelling blocks no one.
	park.run(chromedp.Click(`dialog.confirm button[value="cancel"]`), chromedp.WaitNotPresent(`dialog.confirm`))
	if got := e.blocked(b); len(got) != 0 {
		t.Fatalf("cancelled, yet blocked: %+v", got)
	}
	park.run(chromedp.Click(`.profile-actions button.danger`), chromedp.WaitVisible(`dialog.confirm`),
		chromedp.Click(`dialog.confirm button[value="confirm"]`))
	park.waitText(`h1`, "멤버를 차단했습니다")
	park.axe("blocked")
	if got := e.blocked(b); len(got) != 1 || got[0].MemberID != a.AccountID {
		t.Fatalf("Park's blocks = %+v, want Lee", got)
	}

	lee.run(chromedp.Reload())
	lee.waitText(`h1`, "This profile is not available")
	lee.absent(`.profile-card`, "blocked")
	lee.axe("not-available")

	park.run(chromedp.Click(`//a[normalize-space(.)="차단 멤버 관리로 가기"]`, chromedp.BySearch))
	park.waitText(`li[@data-member="`+a.AccountID+`"]//span[@class="person-name"]`, "Lee Alpha")
	park.axe("blocked-list")
	park.run(chromedp.Click(`li[data-member="` + a.AccountID + `"] button`))
	park.waitText(`p[contains(@class,"blocks-note")]`, "Lee Alpha 님의 차단을 해제했습니다.")
	park.waitText(`p[@class="muted"]`, "차단한 멤버가 없습니다.")
	park.axe("unblocked")
	if got := e.blocked(b); len(got) != 0 {
		t.Fatalf("Park's blocks after unblocking = %+v", got)
	}

	lee.run(chromedp.Reload())
	lee.waitText(`h1`, "Park Beta")
}

// TestBrowserQRLink: on a phone, Lee creates the QR profile link: its QR
// image loads and holds the link's address; a new QR link (confirmed)
// replaces it and the old one stops working; revoking empties the list.
func TestBrowserQRLink(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("alpha", "owner@alpha.example")
	a := e.registeredSession(owner, "alpha", map[string]string{"email": "lee@alpha.example", "name": "Lee Alpha"})

	lee := newTab(t, "lee", "en-GB", 390, 844)
	e.appSignInTrusted(lee, a, "lee@alpha.example", "Acme alpha")
	lee.tabTo("me")
	lee.run(chromedp.WaitVisible(`#make-qr`))
	lee.run(chromedp.Click(`#make-qr`))
	qr := `li[data-type="qr"]`
	lee.run(chromedp.WaitVisible(qr + ` img.qr`))
	var loaded bool
	lee.run(chromedp.Poll(`(() => { const i = document.querySelector('li[data-type="qr"] img.qr'); return i && i.complete && i.naturalWidth > 0; })()`,
		&loaded, chromedp.WithPollingTimeout(30*time.Second)))
	url := lee.value(qr + ` input.link-url`)
	var src string
	lee.run(chromedp.Evaluate(`document.querySelector('li[data-type="qr"] img.qr').getAttribute('src')`, &src))
	token := strings.TrimSuffix(strings.TrimPrefix(src, "/v1/profile-links/"), "/qr.png")
	if url != e.s.URL+"/p/"+token {
		t.Fatalf("the QR link's address %q and image %q name different tokens", url, src)
	}
	png := e.profileQR(token)
	requireStatus(t, png, http.StatusOK)
	if got := decodeQR(t, png.Body); got != url {
		t.Fatalf("the QR code holds %q, want %q", got, url)
	}
	lee.axe("qr")

	lee.run(chromedp.Click(`#make-qr`), chromedp.WaitVisible(`dialog.confirm`))
	lee.waitText(`dialog//h2`, "Create a new QR link?")
	lee.axe("qr-dialog")
	lee.run(chromedp.Click(`dialog.confirm button[value="confirm"]`))
	waitFor(t, "the new QR link on screen", func() bool {
		var v string
		_ = chromedp.Run(lee.ctx, chromedp.Evaluate(`document.querySelector('li[data-type="qr"] input.link-url')?.value || ''`, &v))
		return v != "" && v != url
	})
	if r := e.profileQR(token); r.Status == http.StatusOK {
		t.Fatalf("the replaced QR link still answers %d", r.Status)
	}
	if links := e.profileLinks(a); len(links) != 1 || links[0].Type != qrLink {
		t.Fatalf("live links = %+v, want the one new QR link", links)
	}
	lee.axe("qr-again")

	lee.run(chromedp.Click(qr + ` button.danger`))
	lee.waitText(`p[contains(@class,"share-note")]`, "Profile link revoked. It no longer opens.")
	lee.waitText(`p[@class="muted"]`, "No profile links in use.")
	lee.axe("revoked")
	if links := e.profileLinks(a); len(links) != 0 {
		t.Fatalf("live links after revoking = %+v", links)
	}
}

// TestAppProfileInputs: what the app accepts as a profile link on the
// people tab (the link's URL, the app's address of it, the bare token)
// and refuses (anything else), and its own check of the profile form,
// which mirrors the API's rules (domain.ProfileEdit) so that every wrong
// field shows at once. Both run in the page, as the app runs them.
func TestAppProfileInputs(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := newTab(t, "inputs", "en-GB", 800, 600)
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`))
	const token = "0123456789abcdef0123456789abcdef.AbC-_x9"
	links := map[string]string{
		"https://workgate.example/p/" + token:              token,
		"  https://workgate.example/p/" + token + "?x=1  ": token,
		"https://workgate.example/app/links/" + token:      token,
		token:                                 token,
		"https://workgate.example/p/0123.AbC": "",
		"https://workgate.example/invite/" + token + "x/y":  "",
		"0123456789abcdef0123456789abcdef":                  "",
		"not a link":                                        "",
		"0123456789ABCDEF0123456789ABCDEF.AbC":              "",
		"https://workgate.example/p/" + token + "/<script>": token,
	}
	for in, want := range links {
		var got string
		b.run(chromedp.Evaluate(`import('/app/js/people.js').then((m) => m.linkToken(`+jsString(in)+`))`, &got, awaited))
		if got != want {
			t.Errorf("linkToken(%q) = %q, want %q", in, got, want)
		}
	}
	checks := []struct {
		key, value string
		max        int
		ok         bool
	}{
		{"mobile", "010-1234-5678", 32, true},
		{"mobile", "+82 10 1234 5678", 32, true},
		{"landline", "1588-1234", 32, true},
		{"mobile", "12ab", 32, false},
		{"mobile", "+0123456789", 32, false},
		{"mobile", "010-12", 32, false},
		{"birthday", "1990-02-28", 0, true},
		{"birthday", "1990-02-30", 0, false},
		{"birthday", "1899-12-31", 0, false},
		{"birthday", "2999-01-01", 0, false},
		{"photoUrl", "https://cdn.example/me.png", 2048, true},
		{"photoUrl", "javascript:alert(1)", 2048, false},
		{"photoUrl", "https://user@cdn.example/me.png", 2048, false},
		{"statusMessage", strings.Repeat("가", 60), 60, true},
		{"statusMessage", strings.Repeat("가", 61), 60, false},
		{"nickname", "", 30, true},
	}
	for _, c := range checks {
		var problem string
		b.run(chromedp.Evaluate(`import('/app/js/me.js').then((m) => m.checkField(`+jsString(c.key)+`, `+jsString(c.value)+`, `+strconv.Itoa(c.max)+`))`, &problem, awaited))
		if (problem == "") != c.ok {
			t.Errorf("checkField(%s, %q) = %q, want ok %v", c.key, c.value, problem, c.ok)
		}
	}
}

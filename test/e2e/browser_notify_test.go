package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/shared/auth"
)

// The web app's notifications tab, settings (mute, devices) and the rest
// of sign-in (recovery key, forgot password), in headless Chromium (F8,
// F9, F12, F14, F20).

// leeInAcme makes Kim's workspace acme and its member Lee Member (with a
// password, never logged in), and returns Kim's session and Lee's ID.
func (e *env) leeInAcme() (session, string) {
	e.t.Helper()
	owner := e.ownerSession("acme", "kim@acme.example")
	leeID := e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(e.t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	return owner, leeID
}

// localTime is how the browser writes a time in a language: the time of
// day, with the date when it is not today (as the app shows times).
func (b *tab) localTime(locale string, at time.Time) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(`(() => {
		const d = new Date(`+jsString(at.Format(time.RFC3339Nano))+`);
		const today = d.toDateString() === new Date().toDateString();
		return new Intl.DateTimeFormat(`+jsString(locale)+`, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(d);
	})()`, &s))
	return s
}

// count is the number of elements matching sel.
func (b *tab) count(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	return n
}

// openTab follows a tab's link. The shell draws the tabs again whenever a
// badge changes, so the link is clicked in one step, where a chromedp click
// could find the node then lose it.
func openTab(id string) chromedp.Action {
	sel := `a[data-tab="` + id + `"]`
	return chromedp.Tasks{
		chromedp.WaitVisible(sel),
		chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`).click()`, nil),
	}
}

// path is the address the tab shows (without the origin).
func (b *tab) path() string {
	b.t.Helper()
	var p string
	b.run(chromedp.Evaluate(`location.pathname`, &p))
	return p
}

// TestBrowserMuteNotifications: Lee mutes notifications for an hour in
// settings (Korean, desktop) and the screen says until when, the time the
// API set; a colleague's message still arrives live in the room list but
// makes no notification (F14: muting holds back notifications, not
// messages). Unmuted, the next message is a notification again: it counts
// on the notifications tab's badge while Lee is elsewhere, shows in the
// list (sender, room, text) and opens its room.
func TestBrowserMuteNotifications(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner, leeID := e.leeInAcme()
	roomName := "출시 준비"
	r := e.mustCreateRoom(owner, groupRoom, roomName, leeID)

	b := newTab(t, "lee", "ko-KR", 1280, 800)
	e.appSignIn(b, "lee@acme.example", "Acme acme")
	b.run(chromedp.WaitVisible(`.live.live`))

	// Settings, from the top bar.
	b.run(chromedp.Click(`a.topbar-settings`))
	b.waitText(`h1`, "설정")
	b.waitText(`p[@class="mute-state"]`, "알림을 받고 있습니다.")
	b.axe("settings")
	before := e.devNow()
	b.run(chromedp.Click(`input[name="mute"][value="60"]`), chromedp.Click(`button.mute-save`))
	b.run(chromedp.WaitVisible(`.mute-state.muted-on`))
	after := e.devNow()
	until, ok := e.doc(profilePath("acme", leeID))["mutedUntil"].(time.Time)
	if !ok || until.Before(before.Add(time.Hour)) || until.After(after.Add(time.Hour)) {
		t.Fatalf("Lee's mutedUntil = %v, want an hour after the click (%v…%v)", until, before, after)
	}
	if got, want := b.text(`.mute-state`), b.localTime("ko-KR", until)+"까지 알림이 꺼져 있습니다."; got != want {
		t.Fatalf("mute state = %q, want %q", got, want)
	}
	b.axe("muted")

	// Muted: the message comes live, the notification does not.
	b.run(openTab("chats"))
	b.waitText(`span[@class="room-name"]`, roomName)
	quiet := e.mustPost(owner, r.RoomID, "조용히 보낸 메시지")
	b.waitText(`a[@data-room="`+r.RoomID+`"]//span[@class="room-last"]`, "조용히 보낸 메시지")
	e.settle()
	for _, n := range e.messageNotes(b.session()) {
		if n.MessageID == quiet.MessageID {
			t.Fatalf("muted Lee got a notification of %q", quiet.Text)
		}
	}

	// Settings opened again show the mute as the server has it (GET
	// /v1/me/notification-mute), then unmuting there: the next message
	// notifies again.
	b.run(chromedp.Click(`a.topbar-settings`))
	b.waitText(`h1`, "설정")
	b.waitText(`p[contains(@class,"muted-on")]`, b.localTime("ko-KR", until)+"까지 알림이 꺼져 있습니다.")
	b.run(chromedp.Click(`input[name="mute"][value="0"]`), chromedp.Click(`button.mute-save`))
	b.waitText(`p[@class="mute-state"]`, "알림을 받고 있습니다.")
	if v, ok := e.doc(profilePath("acme", leeID))["mutedUntil"]; ok && v != nil {
		t.Fatalf("Lee's mutedUntil after unmuting = %v", v)
	}
	loud := e.mustPost(owner, r.RoomID, "다시 알림이 오는 메시지")
	// One notification came while Lee was on settings: the quiet message
	// made none, so the badge says 1.
	b.waitText(`a[@data-tab="notifications"]//span[@class="badge"]`, "1")
	b.axe("badge")

	b.run(openTab("notifications"))
	b.waitText(`h1`, "알림")
	row := `li[data-kind="message"]`
	b.waitText(`li[@data-kind="message"]//span[@class="note-text"]`, "다시 알림이 오는 메시지")
	b.waitText(`li[@data-kind="message"]//span[@class="note-head"]/strong`, "Kim Workgate")
	b.waitText(`li[@data-kind="message"]//span[contains(@class,"note-room")]`, roomName)
	if n := b.count(row); n != 1 {
		t.Fatalf("%d message notifications listed, want 1 (the one after unmuting)", n)
	}
	if n := b.count(`a[data-tab="notifications"] .badge`); n != 0 {
		t.Fatalf("the notifications tab still has a badge on the notifications tab")
	}
	b.axe("notifications")
	notes := e.messageNotes(b.session())
	if len(notes) != 1 || notes[0].MessageID != loud.MessageID {
		t.Fatalf("Lee's message notifications = %+v, want only %q", notes, loud.Text)
	}

	b.run(chromedp.Click(row + ` a.note-link`))
	b.waitText(`p[@class="bubble"]`, "다시 알림이 오는 메시지")
	if got := b.path(); got != "/app/rooms/"+r.RoomID {
		t.Fatalf("the notification opened %s, want the room", got)
	}
}

// session is the session the app holds (api.js keeps the access token in
// memory): API calls with it are the app's own.
func (b *tab) session() session {
	b.t.Helper()
	var s session
	b.run(chromedp.Evaluate(`import('/app/js/api.js').then((m) => m.current())`, &s, awaited))
	if s.AccessToken == "" {
		b.t.Fatalf("%s: the app holds no session", b.name)
	}
	return s
}

// trustedTab opens the app in a new browser that holds the device token of
// s (the app's storage): it is the device s trusts, so it signs in
// without an approval.
func (e *env) trustedTab(s session, name, lang string, width, height int64) *tab {
	e.t.Helper()
	b := newTab(e.t, name, lang, width, height)
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(s.DeviceToken)+`)`, nil))
	return b
}

// TestBrowserNotificationAddBack: Kim (English, phone) is on the
// notifications tab when a member of another workspace adds Kim as an
// external member through Kim's QR link; the notification comes live,
// naming them and their workspace, with their profile linked. "Add back"
// adds them (the API lists them as Kim's external member), then "Chat"
// opens the 1:1 room with them.
func TestBrowserNotificationAddBack(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	beta := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(beta, "a")
	e.setExternalChat(o, true)
	e.setExternalChat(beta, true)
	qr := e.newProfileLink(o, qrLink)

	b := e.trustedTab(o, "kim", "en-GB", 390, 844)
	e.appSignIn(b, "owner@alpha.example", "Acme alpha")
	b.run(chromedp.WaitVisible(`.live.live`), openTab("notifications"))
	b.waitText(`h1`, "Notifications")
	b.waitText(`li`, "No notifications yet.")
	b.axe("empty")

	e.mustAdd(a, byLink(qr.Token))
	row := `li[@data-kind="external_member_added"]`
	b.waitText(row+`//p[@class="note-line"]`, "Lee a added you as an external member.")
	b.waitText(row+`//p[contains(@class,"note-about")]`, "From the Acme beta workspace")
	// Said to screen readers too (a visually hidden status line).
	b.run(chromedp.WaitReady(`//p[@role="status"][normalize-space(.)="New notification: Lee a added you as an external member."]`, chromedp.BySearch))
	var href string
	b.run(chromedp.AttributeValue(`li[data-kind="external_member_added"] a.note-profile`, "href", &href, nil))
	if href != "/app/people/"+a.AccountID {
		t.Fatalf("profile link = %q, want /app/people/%s", href, a.AccountID)
	}
	if len(e.externalMembers(o)) != 0 {
		t.Fatal("Kim has external members before adding back")
	}
	b.axe("added")

	b.run(chromedp.Click(`li[data-kind="external_member_added"] button.note-add`))
	b.waitText(row+`//p[contains(@class,"note-result")]`, "Lee a is now one of your external members: you can chat.")
	b.run(chromedp.WaitVisible(`li[data-kind="external_member_added"] button.note-chat`))
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.className`, &focused))
	if !strings.Contains(focused, "note-chat") {
		t.Fatalf("focus after adding back on %q, want the chat button", focused)
	}
	got := e.externalMembers(o)
	if len(got) != 1 || got[0].MemberID != a.AccountID || got[0].Workspace.WorkspaceID != "beta" {
		t.Fatalf("Kim's external members = %+v, want Lee a of beta", got)
	}
	b.axe("added-back")

	b.run(chromedp.Click(`li[data-kind="external_member_added"] button.note-chat`), chromedp.WaitVisible(`#composer`))
	b.waitText(`h2`, "Lee a")
	i := slices.IndexFunc(e.rooms(o), func(r room) bool {
		return r.Type == directRoom && slices.Contains(r.MemberIDs, a.AccountID)
	})
	if i < 0 {
		t.Fatalf("Kim has no direct room with Lee a: %+v", e.rooms(o))
	}
	if got := b.path(); got != "/app/rooms/"+e.rooms(o)[i].RoomID {
		t.Fatalf("chat opened %s, want the direct room", got)
	}
	b.shot("chat")

	// A new device of Kim's asks: its notification points at the prompt
	// the app shows at the top, and says so once the request is decided.
	b.run(chromedp.Click(`a.back`), openTab("notifications")) // a phone: the room hides the tabs
	b.waitText(`h1`, "Notifications")
	e.newDeviceLogin("alpha", "owner@alpha.example")
	approval := `li[@data-kind="device_approval"]`
	b.waitText(approval+`//p[@class="note-line"]`, "Kim Workgate wants to log in on a new device, Kim's phone.")
	b.waitText(approval+`//p[contains(@class,"note-state")]`, "The approval request is open at the top of the screen.")
	b.axe("approval-pending")
	b.run(chromedp.Click(`li[data-kind="device_approval"] button.note-go`))
	b.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "approval-code" {
		t.Fatalf("focus after 'Go to the request' on %q, want the prompt's code input", focused)
	}
	b.run(chromedp.Click(`button.deny`, chromedp.NodeVisible))
	b.waitText(approval+`//p[contains(@class,"note-state")]`, "This request was decided or has expired.")
	if n := b.count(`li[data-kind="device_approval"] button.note-go`); n != 0 {
		t.Fatal("a decided request still offers to go to its prompt")
	}
	b.axe("approval-decided")
}

// TestBrowserDevices: Kim's new browser (English, desktop) is approved by
// Kim's laptop, then lists both devices in settings: itself as "This
// device" (no remove button), the laptop with a remove button. Removing
// asks in a modal dialog first (Escape keeps the device); confirmed, the
// laptop goes from the list and its session ends (its access token gets
// 401).
func TestBrowserDevices(t *testing.T) {
	t.Parallel()
	e := start(t)
	laptopS := e.ownerSession("acme", "kim@acme.example")

	b := newTab(t, "browser", "en-GB", 1280, 800)
	e.appLogIn(b, "kim@acme.example", "Acme acme")
	b.waitText(`h1`, "Approve this device")
	e.approveBrowser(laptopS, b.text(`[data-testid="match-code"]`))
	b.run(chromedp.WaitVisible(`.room-list`))

	b.run(chromedp.Click(`a.topbar-settings`))
	b.waitText(`h1`, "Settings")
	b.waitText(`li[contains(@class,"current")]//strong`, "workgate web (Chrome)")
	b.waitText(`li[contains(@class,"current")]//span[@class="this-device"]`, "This device")
	laptop := `li[data-device="` + laptopS.DeviceID + `"]`
	b.waitText(`li[@data-device="`+laptopS.DeviceID+`"]//strong`, "Kim's laptop")
	if n := b.count(`li.device`); n != 2 {
		t.Fatalf("%d devices listed, want 2", n)
	}
	if n := b.count(`li.device.current button`); n != 0 {
		t.Fatal("this device has a remove button")
	}
	if got := b.text(laptop + ` .row-text .muted`); !strings.HasPrefix(got, "Mac · Last used ") {
		t.Fatalf("the laptop's details = %q", got)
	}
	b.axe("devices")

	// Escape keeps the device.
	b.run(chromedp.Click(laptop + ` button.device-revoke`))
	b.run(chromedp.WaitVisible(`dialog.confirm[open]`))
	b.waitText(`p[@id="revoke-desc"]`, "Kim's laptop is logged out at once, and needs a device approval to log in again.")
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.className`, &focused))
	if !strings.Contains(focused, "dialog-cancel") {
		t.Fatalf("focus in the dialog on %q, want Cancel", focused)
	}
	b.axe("confirm")
	b.run(chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(`dialog.confirm`))
	b.run(chromedp.Evaluate(`document.activeElement.getAttribute('aria-label') || ''`, &focused))
	if focused != "Remove Kim's laptop" {
		t.Fatalf("focus after Escape on %q, want the remove button", focused)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, laptopS.bearer()...), http.StatusOK)

	// Confirmed: gone from the list, and its session is over.
	b.run(chromedp.Click(laptop+` button.device-revoke`), chromedp.WaitVisible(`dialog.confirm[open]`),
		chromedp.Click(`button.dialog-confirm`))
	b.waitText(`p[contains(@class,"devices-note")]`, "Kim's laptop was removed.")
	b.run(chromedp.WaitNotPresent(laptop))
	b.axe("removed")
	if r := e.call("GET", "/v1/me", nil, laptopS.bearer()...); r.Status != http.StatusUnauthorized {
		t.Fatalf("the removed laptop's session: GET /v1/me = %d, want 401", r.Status)
	}
	devices := e.f9Devices(b.session())
	if len(devices) != 1 || !devices[0].Current || devices[0].Platform != "web" {
		t.Fatalf("devices after removing the laptop = %+v, want only this browser", devices)
	}

	// The language, switched from settings as from the top bar.
	b.run(chromedp.Click(`.settings-lang button.lang`))
	b.waitText(`h1`, "설정")
	b.waitText(`h2[@id="devices-title"]`, "내 기기")
	b.waitText(`li[contains(@class,"current")]//span[@class="this-device"]`, "이 기기")
	b.axe("korean")
}

// TestBrowserRecoveryKeyLogin: Kim, the super admin, logs in on a new
// browser (Korean, desktop) that no one can approve: from the approval
// screen's super-admin hint to the recovery-key form (the workspace ID and
// e-mail already filled in). A wrong key gets the one refusal; the key the
// API made lands Kim in the app as a trusted device, and the key is used
// up.
func TestBrowserRecoveryKeyLogin(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("acme", "kim@acme.example")
	key := e.f9NewKey(o, "acme")

	b := newTab(t, "spare", "ko-KR", 1280, 800)
	e.appLogIn(b, "kim@acme.example", "Acme acme")
	b.waitText(`h1`, "기기 인증")
	b.run(chromedp.Click(`details.other-ways summary`))
	b.waitText(`p[@class="hint"]`, "이 기기는 아직 로그인 전이라 멤버 목록을 볼 수 없습니다. 승인을 부탁할 동료의 멤버 ID를 그 동료나 관리자에게 물어 입력하세요.")
	b.axe("other-ways")
	b.run(chromedp.Click(`//button[normalize-space(.)="인증키로 로그인"]`, chromedp.BySearch))
	b.waitText(`h1`, "인증키로 로그인")
	var ws, email string
	b.run(chromedp.Value(`#recovery-workspace`, &ws), chromedp.Value(`#recovery-email`, &email))
	if ws != "acme" || email != "kim@acme.example" {
		t.Fatalf("recovery form filled with %q, %q; want acme, kim@acme.example", ws, email)
	}
	b.axe("recovery")

	b.run(chromedp.SendKeys(`#recovery-password`, testPassword),
		chromedp.SendKeys(`#recovery-key`, auth.NewRecoveryKey()), submit())
	refusal := "입력한 정보로 로그인할 수 없습니다. 워크스페이스 ID, 이메일 주소, 비밀번호, 인증키를 모두 확인하세요."
	b.waitText(`div[@class="error-summary"]/p`, refusal)
	b.axe("refused")
	before := len(e.f9Devices(o))

	// The form keeps what was typed but the password. The right key
	// (typed in lower case, as a person might) lets Kim in.
	var typed, password string
	b.run(chromedp.Value(`#recovery-key`, &typed), chromedp.Value(`#recovery-password`, &password))
	if typed == "" || password != "" {
		t.Fatalf("refused form: key %q, password %q; want the key kept and the password cleared", typed, password)
	}
	b.run(chromedp.Evaluate(`document.querySelector('#recovery-key').value = ''`, nil),
		chromedp.SendKeys(`#recovery-password`, testPassword),
		chromedp.SendKeys(`#recovery-key`, strings.ToLower(key)), submit())
	b.run(chromedp.WaitVisible(`.room-list`))
	b.shot("rooms")
	s := b.session()
	if s.AccountID != o.AccountID || s.WorkspaceID != "acme" {
		t.Fatalf("signed in as %s in %s, want Kim in acme", s.AccountID, s.WorkspaceID)
	}
	var token string
	b.run(chromedp.Evaluate(`localStorage.getItem('workgate.deviceToken') || ''`, &token))
	if token == "" {
		t.Fatal("the browser stored no device token")
	}
	devices := e.f9Devices(o)
	if len(devices) != before+1 || !slices.ContainsFunc(devices, func(d f9Device) bool { return d.DeviceID == s.DeviceID && d.Platform == "web" }) {
		t.Fatalf("Kim's devices = %+v, want the browser added", devices)
	}
	refused(t, e.f9Recover("acme", "kim@acme.example", testPassword, key), http.StatusUnauthorized, "invalid_credentials")
}

// TestBrowserForgotPassword: on the password screen (English, phone) Kim
// follows "I forgot my password", is told to fill in the name, then sends
// name and e-mail; the next screen says a mail comes if they match, and
// the mail sink has the reset mail. A wrong name gets the very same screen
// and no mail. The way back leads to the password screen, which also
// offers the recovery-key login.
func TestBrowserForgotPassword(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.ownerSession("acme", "kim@acme.example")
	const kim = "kim@acme.example"

	b := newTab(t, "kim", "en-GB", 390, 844)
	before := len(e.codeMails(kim))
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, kim), submit(), chromedp.WaitVisible(`#code`))
	b.run(chromedp.SendKeys(`#code`, e.waitCode(kim, before)), submit(), chromedp.WaitVisible(`button.choice`),
		chromedp.Click(`button.choice`), chromedp.WaitVisible(`#password`))
	b.waitText(`button`, "Log in with the recovery key")
	b.axe("password")

	b.run(chromedp.Click(`//button[normalize-space(.)="I forgot my password"]`, chromedp.BySearch))
	b.waitText(`h1`, "Reset your password")
	var email string
	b.run(chromedp.Value(`#reset-email`, &email))
	if email != kim {
		t.Fatalf("reset e-mail filled with %q, want %s", email, kim)
	}
	b.axe("forgot")
	// The same screen in Korean, as the seeds name it.
	b.run(chromedp.Click(`button.lang`))
	b.waitText(`h1`, "비밀번호 재설정")
	b.waitText(`button[@type="submit"]`, "비밀번호 재설정 메일 보내기")
	b.axe("forgot-ko")
	b.run(chromedp.Click(`button.lang`))
	b.waitText(`h1`, "Reset your password")
	b.run(submit())
	b.waitText(`div[@class="error-summary"]//a`, "Enter your name.")
	b.axe("name-missing")

	b.run(chromedp.SendKeys(`#reset-name`, "Kim Workgate"), submit())
	b.waitText(`h1`, "Check your e-mail")
	sent := "If the name and e-mail address match an account, a password reset e-mail is on its way to kim@acme.example. Its link works for 1 hour."
	b.waitText(`p`, sent)
	b.axe("sent")
	if ms := e.waitResetMails(kim, 1); len(ms) != 1 {
		t.Fatalf("%d reset mails, want 1", len(ms))
	}

	// Back, and again with a wrong name: the same screen, no mail.
	b.run(chromedp.Click(`//button[normalize-space(.)="Back to log in"]`, chromedp.BySearch))
	b.waitText(`h1`, "Log in to the workspace")
	b.run(chromedp.Click(`//button[normalize-space(.)="I forgot my password"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#reset-name`),
		chromedp.SendKeys(`#reset-name`, "Somebody Else"), submit())
	b.waitText(`h1`, "Check your e-mail")
	b.waitText(`p`, sent)
	e.settle()
	if ms := e.resetMails(kim); len(ms) != 1 {
		t.Fatalf("%d reset mails after a wrong name, want still 1", len(ms))
	}
}

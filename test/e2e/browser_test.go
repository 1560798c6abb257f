package e2e

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The web app (F20) end to end in headless Chromium: what a member sees
// and does, through the same public API and tokens as any app.

// TestBrowserSignInShowsRooms: a registered member signs in on the app in
// Korean (e-mail, the mailed code, the workspace, the password) and sees
// their room list: the group room they were put in, with its one unread
// message.
func TestBrowserSignInShowsRooms(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	memberID := e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	name := "출시 준비"
	r := e.mustCreateRoom(owner, groupRoom, name, memberID)
	e.mustPost(owner, r.RoomID, "안녕하세요")

	b := newTab(t, "lee", "ko-KR", 1280, 800)
	b.run(chromedp.Navigate(e.s.URL + "/app/"))
	if got := b.text("h1"); got != "로그인" {
		t.Fatalf("first screen heading = %q, want 로그인 (Korean by default)", got)
	}
	e.appSignIn(b, "lee@acme.example", "Acme acme")
	b.waitText(`span[@class="room-name"]`, name)
	// The list re-renders as events come, so the checks wait for what must
	// show rather than read a node that may be replaced.
	b.waitText(`a[@data-room="`+r.RoomID+`"]//span[@class="badge"]`, "1")
	b.waitText(`a[@data-room="`+r.RoomID+`"]//span[@class="room-last"]`, "안녕하세요")
	b.axe("rooms")

	// The member is deleted: the session ends, the stream says so, and the
	// app goes back to sign-in saying why.
	requireStatus(t, e.deleteMember(owner, "acme", memberID), http.StatusNoContent)
	b.waitText(`h1`, "로그인")
	b.waitText(`p[@class="notice"]`, "다른 곳에서 로그아웃되었거나 세션이 종료되었습니다. 다시 로그인하세요.")
	b.axe("signin-session-ended")
}

// TestBrowserChatLive: two members, each in a browser of their own, open
// their direct room; what one sends appears in the other's browser without
// a reload, both ways, in English.
func TestBrowserChatLive(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	memberID := e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	r := e.mustCreateRoom(owner, directRoom, "", memberID)

	kim := newTab(t, "kim", "en-US", 1280, 800)
	lee := newTab(t, "lee", "en-US", 390, 844)
	// Kim's browser is the device Kim trusts (its device token stored as the
	// app stores it), so it signs in without an approval.
	kim.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(owner.DeviceToken)+`)`, nil))
	if got := kim.text("h1"); got != "Log in" {
		t.Fatalf("heading = %q, want English (the browser's language)", got)
	}
	e.appSignIn(kim, "kim@acme.example", "Acme acme")
	e.appSignIn(lee, "lee@acme.example", "Acme acme")

	room := `a[data-room="` + r.RoomID + `"]`
	for _, b := range []*tab{kim, lee} {
		b.run(chromedp.WaitVisible(room))
		b.axe("rooms")
		b.run(chromedp.Click(room), chromedp.WaitVisible(`#composer`))
	}
	kim.waitText(`h2`, "Lee Member")
	lee.waitText(`h2`, "Kim Workgate")

	kim.run(chromedp.SendKeys(`#composer`, "Hello from Kim"), submit())
	lee.waitText(`p[@class="bubble"]`, "Hello from Kim")
	lee.run(chromedp.SendKeys(`#composer`, "Hi Kim, Lee here"), submit())
	kim.waitText(`p[@class="bubble"]`, "Hi Kim, Lee here")
	kim.axe("room-desktop")
	lee.axe("room-phone")

	// Both were posted once, through the API, in order.
	var texts []string
	for _, m := range e.history(owner, r.RoomID, 0, 100) {
		texts = append(texts, m.Text)
	}
	if len(texts) != 2 || texts[0] != "Hello from Kim" || texts[1] != "Hi Kim, Lee here" {
		t.Fatalf("room history = %q", texts)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	out := []byte{'"'}
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(append(out, '"'))
}

// TestAppServedAndLinked: the stack's router serves the app at /app/ (and
// its client-side routes) with the strict headers, and a member's
// "log in" mail links to it (WORKGATE_APP_URL defaults to PUBLIC_URL/app/).
func TestAppServedAndLinked(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)

	r := e.call("GET", "/app/", nil) // checked against the OpenAPI document
	requireStatus(t, r, http.StatusOK)
	// /app redirects to /app/; a client-side route is the same page. The
	// document describes /app/ only, so these are fetched without the check.
	for _, path := range []string{"/app", "/app/rooms/r1"} {
		resp, err := e.http.Get(e.s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != string(r.Body) || resp.Request.URL.Path == "/app" {
			t.Fatalf("GET %s = %d at %s, want the app's page at /app/…", path, resp.StatusCode, resp.Request.URL)
		}
	}
	if !strings.Contains(string(r.Body), `src="/app/js/main.js"`) || !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("GET /app/ = %s %.200s", r.Header, r.Body)
	}

	want := e.s.URL + "/app/"
	for range 45 * 20 {
		for _, m := range e.mails("lee@acme.example") {
			if slices.Contains(m.Links, want) {
				return
			}
		}
		sleep()
	}
	t.Fatalf("no mail to the new member links to %s: %+v", want, e.mails("lee@acme.example"))
}

// TestBrowserApproveNewDevice: Kim is signed in on a trusted browser (A,
// Korean). Kim then logs in on a new browser (B, English, no device token),
// which waits on the approval screen showing its match code. A is asked
// live, in a prompt naming the account and the device; a wrong code is
// refused with the attempts left, the code read from B's screen approves,
// and B lands in the app as a trusted device.
func TestBrowserApproveNewDevice(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")

	a := newTab(t, "trusted", "ko-KR", 1280, 800)
	a.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(owner.DeviceToken)+`)`, nil))
	e.appSignIn(a, "kim@acme.example", "Acme acme")
	// A's stream is open before B asks, so the prompt comes from the live
	// notification, not from the list A fetched when it went live.
	a.run(chromedp.WaitVisible(`.live.live`))

	b := newTab(t, "new", "en-US", 390, 844)
	e.appLogIn(b, "kim@acme.example", "Acme acme")
	b.waitText(`h1`, "Approve this device")
	code := b.text(`[data-testid="match-code"]`)
	if !sixDigits.MatchString(code) || len(code) != 6 {
		t.Fatalf("match code on the new device = %q, want 6 digits", code)
	}
	b.axe("waiting")

	a.waitText(`h2[@id="approval-title"]`, "새 기기 로그인 요청")
	if got := a.text(`#approval-desc`); !strings.Contains(got, "Kim Workgate") || !strings.Contains(got, "workgate web (Chrome)") {
		t.Fatalf("prompt = %q, want it to name the account and the device", got)
	}
	var focused, role string
	a.run(chromedp.Evaluate(`document.activeElement.id`, &focused),
		chromedp.Evaluate(`document.querySelector('#approval-title').closest('[role]').getAttribute('role')`, &role))
	if focused != "approval-code" || role != "alertdialog" {
		t.Fatalf("focus on %q in a %q, want the code input of an alertdialog", focused, role)
	}
	a.axe("prompt")

	a.run(chromedp.SendKeys(`#approval-code`, wrongCode(code)), chromedp.Click(`button.approve`, chromedp.NodeVisible))
	a.waitText(`p[@id="approval-code-error"]`, "인증번호가 맞지 않습니다. 남은 횟수: 2")
	a.axe("prompt-wrong-code")
	a.run(chromedp.SendKeys(`#approval-code`, code), chromedp.Click(`button.approve`, chromedp.NodeVisible))
	a.waitText(`p[contains(@class,"approval-result")]`, "Kim Workgate 님의 새 기기를 승인했습니다.")
	a.run(chromedp.WaitNotPresent(`[role="alertdialog"]`))
	a.axe("approved")

	b.run(chromedp.WaitVisible(`.room-list`))
	b.axe("rooms-phone")
	var token string
	b.run(chromedp.Evaluate(`localStorage.getItem('workgate.deviceToken') || ''`, &token))
	if token == "" {
		t.Fatal("the approved browser stored no device token")
	}
	// Nothing is left to decide.
	r := e.call("GET", "/v1/device-approvals", nil, owner.bearer()...)
	requireStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), `"approvalId"`) {
		t.Fatalf("pending approvals after approving: %s", r.Body)
	}
}

// TestBrowserDenyNewDeviceAskedBefore: the new browser asks first; Kim's
// trusted browser, signed in afterwards, finds the request in the pending
// list (not on the stream) and denies it; the new browser goes back to
// sign-in saying so, with no device token.
func TestBrowserDenyNewDeviceAskedBefore(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")

	b := newTab(t, "new", "ko-KR", 1280, 800)
	e.appLogIn(b, "kim@acme.example", "Acme acme")
	b.waitText(`h1`, "기기 인증")
	b.axe("waiting")
	b.run(chromedp.Click(`details.other-ways summary`, chromedp.NodeVisible), chromedp.WaitVisible(`#nudge-member`))
	b.axe("waiting-other-ways")

	a := newTab(t, "trusted", "en-US", 390, 844)
	a.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`localStorage.setItem('workgate.deviceToken', `+jsString(owner.DeviceToken)+`)`, nil))
	e.appSignIn(a, "kim@acme.example", "Acme acme")
	a.waitText(`h2[@id="approval-title"]`, "A new device wants to log in")
	a.axe("prompt-phone")
	a.run(chromedp.Click(`button.deny`, chromedp.NodeVisible))
	a.waitText(`p[contains(@class,"approval-result")]`, "The new device of Kim Workgate was denied.")
	a.run(chromedp.WaitNotPresent(`[role="alertdialog"]`))

	b.waitText(`p[@class="notice"]`, "인증 요청이 거절되었습니다.")
	b.waitText(`h1`, "로그인")
	b.axe("signin-denied")
	var token string
	b.run(chromedp.Evaluate(`localStorage.getItem('workgate.deviceToken') || ''`, &token))
	if token != "" {
		t.Fatal("the denied browser stored a device token")
	}
	r := e.call("GET", "/v1/device-approvals", nil, owner.bearer()...)
	requireStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), `"approvalId"`) {
		t.Fatalf("pending approvals after denying: %s", r.Body)
	}
}

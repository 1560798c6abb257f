package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRevokedSessionBackToSignIn, in English: Lee, already signed
// in on a laptop (through the API), signs in on the app; the browser is a
// new device, approved from the laptop with the match code it shows.
//
// Logging out from the app's top bar ends the browser's session on the
// server and returns to sign-in saying so; a reload stays on sign-in.
// Signed in again, the browser is sent back to sign-in, with the "session
// ended" notice and without a reload, as soon as Lee revokes it from the
// laptop (DELETE /v1/me/devices/{id}); the laptop's session goes on.
func TestBrowserRevokedSessionBackToSignIn(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "kim@acme.example")
	e.registered(owner, "acme", "Lee Member", "lee@acme.example")
	requireStatus(t, e.setPassword(e.setupToken("lee@acme.example", 1), testPassword), http.StatusOK)
	laptop := e.login("acme", "lee@acme.example", "") // Lee's first device, trusted

	b := newTab(t, "lee", "en-US", 1280, 800)
	e.appLogIn(b, "lee@acme.example", "Acme acme")
	b.waitText(`h1`, "Approve this device")
	e.approveBrowser(laptop, b.text(`[data-testid="match-code"]`))
	b.run(chromedp.WaitVisible(`.room-list`))

	// Logout from the top bar.
	refresh := b.storage("refreshToken")
	b.run(chromedp.Click(`//header[contains(@class,"topbar")]//button[normalize-space(.)="Log out"]`, chromedp.BySearch, chromedp.NodeVisible))
	b.waitText(`h1`, "Log in")
	b.waitText(`p[@class="notice"]`, "You have logged out.")
	b.axe("signin-logged-out")
	if got := b.storage("refreshToken"); got != "" {
		t.Fatal("the app kept its refresh token after logging out")
	}
	if r := e.call("POST", "/v1/token/refresh", map[string]string{"refreshToken": refresh}); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh with the logged-out browser's token = %d %s, want 401 (the session ended on the server)", r.Status, r.Body)
	}
	b.run(chromedp.Reload(), chromedp.WaitVisible(`#email`))
	b.waitText(`h1`, "Log in")
	var after int
	b.run(chromedp.Evaluate(`document.querySelectorAll('.room-list, .notice').length`, &after))
	if after != 0 {
		t.Fatal("after a reload the logged-out app shows the room list or a notice, want the plain sign-in screen")
	}

	// Signed in again (a trusted device now: no approval), then revoked
	// from the laptop.
	e.appLogInHere(b, "lee@acme.example", "Acme acme")
	b.run(chromedp.WaitVisible(`.room-list`), chromedp.WaitVisible(`.live.live`))
	refresh = b.storage("refreshToken")
	// A reload would lose this mark: it shows the app went back by itself.
	b.run(chromedp.Evaluate(`window.workgateTestMark = 'no reload'`, nil))
	web := e.webDevice(laptop)
	requireStatus(t, e.call("DELETE", "/v1/me/devices/"+web, nil, laptop.bearer()...), http.StatusNoContent)

	b.waitText(`h1`, "Log in")
	b.waitText(`p[@class="notice"]`, "You were logged out elsewhere, or your session ended. Please log in again.")
	var mark string
	b.run(chromedp.Evaluate(`window.workgateTestMark || ''`, &mark))
	if mark != "no reload" {
		t.Fatal("the app reloaded the page to go back to sign-in")
	}
	b.axe("signin-session-ended")
	if r := e.call("POST", "/v1/token/refresh", map[string]string{"refreshToken": refresh}); r.Status != http.StatusUnauthorized {
		t.Fatalf("refresh with the revoked browser's token = %d %s, want 401", r.Status, r.Body)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, laptop.bearer()...), http.StatusOK)
	for _, d := range e.myDevices(laptop) {
		if d.DeviceID == web {
			t.Fatalf("the revoked browser is still listed: %+v", d)
		}
	}
}

// device is one entry of GET /v1/me/devices.
type device struct {
	DeviceID string `json:"deviceId"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Current  bool   `json:"current"`
}

// myDevices lists the trusted devices of s's account.
func (e *env) myDevices(s session) []device {
	e.t.Helper()
	r := e.call("GET", "/v1/me/devices", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Devices []device `json:"devices"`
	}
	r.JSON(e.t, &out)
	return out.Devices
}

// webDevice returns the ID of the web app's device (the app names itself
// "workgate web (browser)") among s's devices; it is not s's own.
func (e *env) webDevice(s session) string {
	e.t.Helper()
	ds := e.myDevices(s)
	i := slices.IndexFunc(ds, func(d device) bool { return strings.HasPrefix(d.Name, "workgate web") })
	if i < 0 || ds[i].Current || ds[i].Platform != "web" {
		e.t.Fatalf("devices of %s = %+v, want another one named workgate web…, platform web", s.AccountID, ds)
	}
	return ds[i].DeviceID
}

// approveBrowser approves, as s, the pending request of the web app's
// device with the match code it shows, once the approval job has asked s.
func (e *env) approveBrowser(s session, matchCode string) {
	e.t.Helper()
	for range 30 * 20 {
		as := e.approvals(s)
		if i := slices.IndexFunc(as, func(a pendingApproval) bool { return strings.HasPrefix(a.Device["name"], "workgate web") }); i >= 0 {
			requireStatus(e.t, e.approve(as[i].ApprovalID, matchCode, s.bearer()...), http.StatusOK)
			return
		}
		sleep()
	}
	e.t.Fatalf("no request of a workgate web device for %s to approve", s.AccountID)
}

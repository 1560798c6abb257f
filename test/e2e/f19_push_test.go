package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// The tests here check mobile push (F19, API.md "Push notifications" and
// the push-token rows): registering a device's token, and the pushes the
// push job sends through FCM HTTP v1 into the stack's push sink: one per
// notification and device, in the device's language, none to a device
// with a live stream, a muted member (messages), a blocked sender or a
// device whose token is gone, and nothing twice under redelivery.

// f19Token returns a new push token; unregistered ones start with
// "invalid-" (the sink answers them as FCM answers an uninstalled app).
func f19Token(unregistered bool) string {
	if unregistered {
		return "invalid-" + domain.NewID()
	}
	return "fcm-" + domain.NewID()
}

// putPushToken registers a push token for a device as s
// (PUT /v1/me/devices/{deviceId}/push-token); body is JSON-encoded, or sent
// as is when a string; headers are more header pairs.
func (e *env) putPushToken(s session, deviceID string, body any, headers ...string) response {
	e.t.Helper()
	return e.call("PUT", "/v1/me/devices/"+deviceID+"/push-token", body, append(s.bearer(), headers...)...)
}

// deletePushToken removes a device's push token as s.
func (e *env) deletePushToken(s session, deviceID string) response {
	e.t.Helper()
	return e.call("DELETE", "/v1/me/devices/"+deviceID+"/push-token", nil, s.bearer()...)
}

// fcmToken is the body of a push token's registration.
func fcmToken(token string) map[string]string {
	return map[string]string{"provider": "fcm", "token": token}
}

// mustRegister registers a new push token for the device of s, in the
// language acceptLanguage asks ("" sends no Accept-Language), requires 204
// and returns the token.
func (e *env) mustRegister(s session, acceptLanguage string, unregistered bool) string {
	e.t.Helper()
	token := f19Token(unregistered)
	var headers []string
	if acceptLanguage != "" {
		headers = []string{"Accept-Language", acceptLanguage}
	}
	requireStatus(e.t, e.putPushToken(s, s.DeviceID, fcmToken(token), headers...), http.StatusNoContent)
	return token
}

// pushTokenDoc is the path of a device's push token.
func pushTokenDoc(accountID, deviceID string) string {
	return "accounts/" + accountID + "/pushTokens/" + deviceID
}

// pushClaimDoc is the path of the claim of a notification's push to a
// device.
func pushClaimDoc(s session, notificationID, deviceID string) string {
	return "workspaces/" + s.WorkspaceID + "/members/" + s.AccountID + "/pushes/" + notificationID + "_" + deviceID
}

// pushes returns the pushes the sink took for a token, newest first,
// through its HTTP API.
func (e *env) pushes(token string) []mailsink.Push {
	e.t.Helper()
	res, err := e.http.Get(e.s.MailURL + "/api/pushes?token=" + url.QueryEscape(token))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Pushes []mailsink.Push `json:"pushes"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Pushes
}

// waitPushes waits until the sink holds n pushes for a token, then until
// everything settled, and returns them (newest first).
func (e *env) waitPushes(token string, n int) []mailsink.Push {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for len(e.pushes(token)) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d pushes to %s after 45s, want %d", len(e.pushes(token)), token, n)
		}
		sleep()
	}
	e.settle()
	return e.pushes(token)
}

// requirePushes requires exactly n pushes to a token (after settling).
func (e *env) requirePushes(t testing.TB, token string, n int) []mailsink.Push {
	t.Helper()
	ps := e.pushes(token)
	if len(ps) != n {
		t.Fatalf("%d pushes to %s, want %d: %+v", len(ps), token, n, ps)
	}
	return ps
}

// pushView is what a push says: its title, body and data.
type pushView struct {
	Title, Body string
	Data        map[string]string
}

func viewOf(p mailsink.Push) pushView { return pushView{Title: p.Title, Body: p.Body, Data: p.Data} }

// messagePush is the push of a message m from a sender named sender, in a
// room.
func messagePush(roomID string, m message, sender string) pushView {
	return pushView{Title: sender, Body: m.Text, Data: map[string]string{
		"kind": "message", "notificationId": f14NoteID(m.MessageID), "roomId": roomID, "seq": strconv.FormatInt(m.Seq, 10),
	}}
}

// pushEnvelope delivers a push-requested event naming notifications to
// the push job's endpoint, as Pub/Sub does, and returns the status.
func (e *env) pushEnvelope(eventID string, refs ...events.NotificationRef) int {
	e.t.Helper()
	ev, err := events.NewPushRequested(eventID, refs, e.s.Deps.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.pushed("push", "application/json", envelope(e.t, ev))
}

// mustPushEnvelope is pushEnvelope answered 204 (done, or a duplicate).
func (e *env) mustPushEnvelope(eventID string, refs ...events.NotificationRef) {
	e.t.Helper()
	if s := e.pushEnvelope(eventID, refs...); s != http.StatusNoContent {
		e.t.Fatalf("the push job answered %d, want 204", s)
	}
}

// noteRef names s's notification.
func noteRef(s session, notificationID string) events.NotificationRef {
	return events.NotificationRef{WorkspaceID: s.WorkspaceID, AccountID: s.AccountID, NotificationID: notificationID}
}

// TestF19PushMessage: each member of a room with a registered token and
// no stream gets exactly one push per message of someone else, titled
// with the sender's name, with the message's preview as its body and the
// kind, notification, room and seq as data; the sender gets none of
// their own; a message's push is the same in every language.
func TestF19PushMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	r := e.mustCreateRoom(o, groupRoom, "Team", b.AccountID, c.AccountID)
	tokO := e.mustRegister(o, "", false)
	tokB := e.mustRegister(b, "", false)
	tokC := e.mustRegister(c, "en", false)

	long := strings.Repeat("안녕하세요 ", 30) // the notification quotes 100 characters
	m1 := e.mustPost(o, r.RoomID, long)
	e.waitPushes(tokB, 1)
	e.waitPushes(tokC, 1)
	want := messagePush(r.RoomID, m1, "Kim Workgate")
	want.Body = string([]rune(long)[:100])
	for _, tok := range []string{tokB, tokC} {
		if diff := cmp.Diff(want, viewOf(e.requirePushes(t, tok, 1)[0])); diff != "" {
			t.Errorf("push to %s (-want +got):\n%s", tok, diff)
		}
	}
	e.requirePushes(t, tokO, 0) // the sender's own message

	m2 := e.mustPost(b, r.RoomID, "hi all")
	e.waitPushes(tokO, 1)
	e.waitPushes(tokC, 2)
	if diff := cmp.Diff(messagePush(r.RoomID, m2, "Lee b"), viewOf(e.requirePushes(t, tokO, 1)[0])); diff != "" {
		t.Errorf("push to the owner (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(messagePush(r.RoomID, m2, "Lee b"), viewOf(e.requirePushes(t, tokC, 2)[0])); diff != "" {
		t.Errorf("c's newest push (-want +got):\n%s", diff)
	}
	e.requirePushes(t, tokB, 1)
	for _, s := range []session{b, c} {
		if !e.exists(pushClaimDoc(s, f14NoteID(m1.MessageID), s.DeviceID)) {
			t.Errorf("no claim of the push of m1 to %s's device", s.AccountID)
		}
	}
}

// TestF19PushMutedBlockedLive: no push to a member who muted
// notifications (until they unmute), nor of a sender the member blocked
// (F13, members of different workspaces), nor to a device with a live
// stream (until it ends); the other members are pushed all along.
func TestF19PushMutedBlockedLive(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	f := e.colleague(o, "f") // the control: pushed every time
	d := e.colleague(o, "d")
	x := e.ownerSession("beta", "owner@beta.example")
	e.setExternalChat(o, true)
	e.setExternalChat(x, true)
	e.mustAdd(x, byLink(e.newProfileLink(o, qrLink).Token)) // x may block o
	r := e.mustCreateRoom(o, groupRoom, "Partners", f.AccountID, d.AccountID, x.AccountID)
	tokF := e.mustRegister(f, "", false)
	tokD := e.mustRegister(d, "", false)
	tokX := e.mustRegister(x, "", false)
	pushed := 0
	post := func(t *testing.T, text string, want map[string]int) {
		t.Helper()
		e.mustPost(o, r.RoomID, text)
		pushed++
		e.waitPushes(tokF, pushed)
		for tok, n := range want {
			e.requirePushes(t, tok, n)
		}
	}
	e.step(t, "everyone is pushed (the control)", func(t *testing.T) {
		post(t, "hello", map[string]int{tokD: 1, tokX: 1})
	})
	e.step(t, "muted", func(t *testing.T) {
		requireStatus(t, e.mute(d, 30), http.StatusOK)
		post(t, "d muted", map[string]int{tokD: 1, tokX: 2})
		requireStatus(t, e.mute(d, 0), http.StatusOK)
		post(t, "d unmuted", map[string]int{tokD: 2, tokX: 3})
	})
	e.step(t, "blocked sender", func(t *testing.T) {
		requireStatus(t, e.block(x, o.AccountID), http.StatusCreated)
		post(t, "x blocked me", map[string]int{tokD: 3, tokX: 3})
		requireStatus(t, e.unblock(x, o.AccountID), http.StatusNoContent)
		post(t, "x unblocked me", map[string]int{tokD: 4, tokX: 4})
	})
	e.step(t, "live stream", func(t *testing.T) {
		live := "accounts/" + d.AccountID + "/liveDevices/" + d.DeviceID
		s := e.openStream(d, "")
		e.awaitExists(live, true)
		post(t, "d is live", map[string]int{tokD: 4, tokX: 5})
		s.close()
		e.awaitExists(live, false)
		post(t, "d is gone", map[string]int{tokD: 5, tokX: 6})
	})
}

// TestF19PushBlockedSinceNotified: a sender blocked after the fan-out
// notified the member is blocked for the push too: the job reads the
// block when it pushes.
func TestF19PushBlockedSinceNotified(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	x := e.ownerSession("beta", "owner@beta.example")
	e.setExternalChat(o, true)
	e.setExternalChat(x, true)
	e.mustAdd(x, byLink(e.newProfileLink(o, qrLink).Token))
	r := e.mustCreateRoom(o, groupRoom, "Pair", x.AccountID)
	tok := e.mustRegister(x, "", false)
	ctx := context.Background()
	st := e.s.Deps.Store
	// x's phone is live while the messages are posted: notified, not
	// pushed.
	marked, err := st.MarkDeviceLive(ctx, x.AccountID, x.DeviceID, x.WorkspaceID, e.s.Deps.Clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m1 := e.mustPost(o, r.RoomID, "one")
	m2 := e.mustPost(o, r.RoomID, "two")
	e.settle()
	e.requirePushes(t, tok, 0)
	if err := st.ClearDeviceLive(ctx, x.AccountID, x.DeviceID, marked); err != nil {
		t.Fatal(err)
	}
	e.mustPushEnvelope(events.NewID(), noteRef(x, f14NoteID(m1.MessageID)))
	if diff := cmp.Diff(messagePush(r.RoomID, m1, "Kim Workgate"), viewOf(e.waitPushes(tok, 1)[0])); diff != "" {
		t.Errorf("push of m1 (the control) (-want +got):\n%s", diff)
	}
	requireStatus(t, e.block(x, o.AccountID), http.StatusCreated)
	e.mustPushEnvelope(events.NewID(), noteRef(x, f14NoteID(m2.MessageID)))
	e.settle()
	e.requirePushes(t, tok, 1)
	if e.exists(pushClaimDoc(x, f14NoteID(m2.MessageID), x.DeviceID)) {
		t.Error("the push of a blocked sender's message was claimed")
	}
}

// TestF19PushApproval: a device approval request is pushed to the devices
// of the colleagues asked (online ones by the job, a nudged one by the
// nudge) and to the account's own trusted device, in each device's
// language; a colleague not asked gets none, and a decided request is
// pushed no more.
func TestF19PushApproval(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@acme.example"
	o := e.ownerSession("acme", kim)
	parkID := e.joinByInvite(o, "acme", "Park Jiwoo", "park@acme.example")
	park := e.login("acme", "park@acme.example", "")
	tokPark := e.mustRegister(park, "", false)
	e.advance(6 * 60) // Park is no longer online
	lee := e.colleague(o, "lee")
	tokLee := e.mustRegister(lee, "en-US,en;q=0.9,ko;q=0.5", false)
	tokO := e.mustRegister(o, "ko-KR", false)

	a := e.newDeviceLogin("acme", kim)
	noteID := domain.NotificationID(domain.NotifyDeviceApproval, a.ApprovalID)
	data := map[string]string{"kind": "device_approval", "notificationId": noteID}
	en := pushView{Title: "New device sign-in", Body: "Kim Workgate on Kim's phone", Data: data}
	ko := pushView{Title: "새 기기 로그인 승인 요청", Body: "Kim Workgate님의 Kim's phone", Data: data}
	if diff := cmp.Diff(en, viewOf(e.waitPushes(tokLee, 1)[0])); diff != "" {
		t.Errorf("push to Lee, in English (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ko, viewOf(e.waitPushes(tokO, 1)[0])); diff != "" {
		t.Errorf("push to Kim's own laptop, in Korean (-want +got):\n%s", diff)
	}
	e.requirePushes(t, tokPark, 0) // offline: not asked

	requireStatus(t, e.f9Nudge(a, parkID), http.StatusAccepted)
	if diff := cmp.Diff(ko, viewOf(e.waitPushes(tokPark, 1)[0])); diff != "" {
		t.Errorf("push to the nudged Park (-want +got):\n%s", diff)
	}
	requireStatus(t, e.f9Nudge(a, parkID), http.StatusAccepted) // once is enough
	e.settle()
	e.requirePushes(t, tokPark, 1)
	e.requirePushes(t, tokLee, 1)
	e.requirePushes(t, tokO, 1)

	// Named again without its claim, a pending request is pushed again
	// (the control); a decided one is not.
	again := func() {
		if _, err := e.fs().Doc(pushClaimDoc(lee, noteID, lee.DeviceID)).Delete(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.mustPushEnvelope(events.NewID(), noteRef(lee, noteID))
	}
	again()
	e.waitPushes(tokLee, 2)
	requireStatus(t, e.approve(a.ApprovalID, a.MatchCode, o.bearer()...), http.StatusOK)
	again()
	e.settle()
	e.requirePushes(t, tokLee, 2)
}

// TestF19PushExternalMemberAdded: a member added as an external member is
// pushed who added them, in their device's language.
func TestF19PushExternalMemberAdded(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	a2 := e.colleague(b, "a2")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	tok := e.mustRegister(o, "", false)
	qr := e.newProfileLink(o, qrLink)

	e.mustAdd(a, byLink(qr.Token))
	ps := e.waitPushes(tok, 1)
	notes := e.addedNotes(o)
	if len(notes) != 1 {
		t.Fatalf("%d external_member_added notifications, want 1", len(notes))
	}
	want := pushView{Title: "외부 멤버 추가", Body: "Lee a님이 회원님을 외부 멤버로 추가했습니다", Data: map[string]string{
		"kind": "external_member_added", "notificationId": notes[0].NotificationID,
	}}
	if diff := cmp.Diff(want, viewOf(ps[0])); diff != "" {
		t.Errorf("push (-want +got):\n%s", diff)
	}

	tokEn := e.mustRegister(o, "en", false) // replaces the Korean token
	e.mustAdd(a2, byLink(qr.Token))
	got := e.waitPushes(tokEn, 1)[0]
	if got.Title != "Added as an external member" || got.Body != "Lee a2 added you as an external member" || got.Data["kind"] != "external_member_added" {
		t.Errorf("push in English = %+v", got)
	}
	e.requirePushes(t, tok, 1) // the replaced token is not pushed
}

// TestF19PushUnregistered: a token FCM answers UNREGISTERED is removed
// after its first push, and is not tried again: the next message makes no
// attempt (no claim) while the other devices are pushed.
func TestF19PushUnregistered(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	r := e.mustCreateRoom(o, groupRoom, "Team", b.AccountID, c.AccountID)
	bad := e.mustRegister(b, "", true)
	tokC := e.mustRegister(c, "", false)
	if !e.exists(pushTokenDoc(b.AccountID, b.DeviceID)) {
		t.Fatal("the token was not stored")
	}

	m1 := e.mustPost(o, r.RoomID, "one")
	e.waitPushes(tokC, 1)
	if e.exists(pushTokenDoc(b.AccountID, b.DeviceID)) {
		t.Fatal("the unregistered token is still stored")
	}
	if !e.exists(pushClaimDoc(b, f14NoteID(m1.MessageID), b.DeviceID)) {
		t.Error("no claim of the attempt: was the token tried?")
	}
	m2 := e.mustPost(o, r.RoomID, "two")
	e.waitPushes(tokC, 2)
	if e.exists(pushClaimDoc(b, f14NoteID(m2.MessageID), b.DeviceID)) {
		t.Error("the removed token was tried again")
	}
	e.requirePushes(t, bad, 0)
	// The same notification named again: nothing is sent to the removed
	// token, and its claim holds.
	e.mustPushEnvelope(events.NewID(), noteRef(b, f14NoteID(m1.MessageID)))
	e.settle()
	e.requirePushes(t, bad, 0)
}

// TestF19PushRedelivery: the same push event delivered twice, a new event
// naming a notification pushed already, and both at once push nothing
// more; with the claim of a push gone, the notification named again is
// pushed again (the control: the claim is what holds it back).
func TestF19PushRedelivery(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	r := e.mustCreateRoom(o, directRoom, "", b.AccountID)
	tok := e.mustRegister(b, "", false)
	m := e.mustPost(o, r.RoomID, "once")
	e.waitPushes(tok, 1)
	ref := noteRef(b, f14NoteID(m.MessageID))

	id := events.NewID()
	for range 2 {
		e.mustPushEnvelope(id, ref)
	}
	e.mustPushEnvelope(events.NewID(), ref, ref)
	again := events.NewID()
	statuses, _ := race(4, func(int) int { return e.pushEnvelope(again, ref) })
	for _, s := range statuses {
		if s != http.StatusNoContent && s != http.StatusTooManyRequests {
			t.Errorf("push answered %d", s)
		}
	}
	e.settle()
	e.requirePushes(t, tok, 1)

	claim := pushClaimDoc(b, ref.NotificationID, b.DeviceID)
	if _, err := e.fs().Doc(claim).Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.mustPushEnvelope(events.NewID(), ref)
	if n := len(e.waitPushes(tok, 2)); n != 2 {
		t.Fatalf("%d pushes after the claim was dropped, want 2", n)
	}
	// Nothing that names no pushable notification pushes.
	for _, bad := range []events.NotificationRef{
		noteRef(b, "message-"+domain.NewID()),                                        // gone
		{WorkspaceID: "alpha", AccountID: "nobody"},                                  // malformed
		noteRef(o, f14NoteID(m.MessageID)),                                           // the sender has none
		{WorkspaceID: b.WorkspaceID, AccountID: b.AccountID, NotificationID: "../x"}, // not a document ID
		{WorkspaceID: b.WorkspaceID, AccountID: b.AccountID, NotificationID: "__x__"},
	} {
		e.mustPushEnvelope(events.NewID(), bad)
	}
	e.settle()
	e.requirePushes(t, tok, 2)
}

// TestF19PushTokenEndpoints: PUT stores the token of the caller's own
// device, with the session's workspace and the request's language, and
// replaces it; DELETE removes it, idempotently, and the device gets no
// more pushes. Another of the caller's devices is 403, any other device
// 404, a bad provider or token or body 400, no session 401; refusals
// write nothing.
func TestF19PushTokenEndpoints(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@acme.example"
	o := e.ownerSession("acme", kim)
	phoneS := e.f9Approved(o, "acme", kim) // Kim's second trusted device
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	r := e.mustCreateRoom(o, groupRoom, "Team", b.AccountID, c.AccountID)

	e.step(t, "registered", func(t *testing.T) {
		tok := f19Token(false)
		requireStatus(t, e.putPushToken(b, b.DeviceID, fcmToken(tok), "Accept-Language", "en-GB"), http.StatusNoContent)
		doc := e.doc(pushTokenDoc(b.AccountID, b.DeviceID))
		want := map[string]any{"deviceId": b.DeviceID, "workspaceId": "acme", "provider": "fcm", "token": tok, "locale": "en"}
		for k, v := range want {
			if doc[k] != v {
				t.Errorf("%s = %v, want %v", k, doc[k], v)
			}
		}
		if !isTime(doc["updatedAt"]) {
			t.Errorf("updatedAt = %v", doc["updatedAt"])
		}
		if dev := e.doc("accounts/" + b.AccountID + "/devices/" + b.DeviceID); dev["token"] != nil || dev["pushToken"] != nil {
			t.Errorf("the device document holds the token: %v", dev)
		}
		next := f19Token(false)
		requireStatus(t, e.putPushToken(b, b.DeviceID, fcmToken(next)), http.StatusNoContent)
		if doc := e.doc(pushTokenDoc(b.AccountID, b.DeviceID)); doc["token"] != next || doc["locale"] != "ko" {
			t.Errorf("after the second PUT: %v", doc)
		}
	})

	tokB := e.doc(pushTokenDoc(b.AccountID, b.DeviceID))["token"].(string)
	tokC := e.mustRegister(c, "", false)
	good := fcmToken(f19Token(false))
	e.refusals(t, []refusal{
		{name: "no session", call: func() response {
			return e.call("PUT", "/v1/me/devices/"+b.DeviceID+"/push-token", good)
		}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "a bad access token", call: func() response {
			return e.call("PUT", "/v1/me/devices/"+b.DeviceID+"/push-token", good, "Authorization", "Bearer nope")
		}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "own other device", call: func() response {
			return e.putPushToken(o, phoneS.DeviceID, good)
		}, status: http.StatusForbidden, code: "forbidden"},
		{name: "own other device, from the phone", call: func() response {
			return e.putPushToken(phoneS, o.DeviceID, good)
		}, status: http.StatusForbidden, code: "forbidden"},
		{name: "another account's device", call: func() response {
			return e.putPushToken(o, b.DeviceID, good)
		}, status: http.StatusNotFound, code: "not_found"},
		{name: "an unknown device", call: func() response {
			return e.putPushToken(o, domain.NewID(), good)
		}, status: http.StatusNotFound, code: "not_found"},
		{name: "not a device ID", call: func() response {
			return e.putPushToken(o, "nope", good)
		}, status: http.StatusNotFound, code: "not_found"},
		{name: "another provider", call: func() response {
			return e.putPushToken(o, o.DeviceID, map[string]string{"provider": "apns", "token": "t"})
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "no provider", call: func() response {
			return e.putPushToken(o, o.DeviceID, map[string]string{"token": "t"})
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "an empty token", call: func() response {
			return e.putPushToken(o, o.DeviceID, fcmToken(""))
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "a token over 4096 bytes", call: func() response {
			return e.putPushToken(o, o.DeviceID, fcmToken(strings.Repeat("t", 4097)))
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "a token with a control character", call: func() response {
			return e.putPushToken(o, o.DeviceID, fcmToken("tok\x00en"))
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "not JSON", call: func() response {
			return e.putPushToken(o, o.DeviceID, `{"provider":"fcm",`)
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "an unknown field", call: func() response {
			return e.putPushToken(o, o.DeviceID, map[string]string{"provider": "fcm", "token": "t", "platform": "ios"})
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "delete: no session", call: func() response {
			return e.call("DELETE", "/v1/me/devices/"+b.DeviceID+"/push-token", nil)
		}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "delete: own other device", call: func() response {
			return e.deletePushToken(o, phoneS.DeviceID)
		}, status: http.StatusForbidden, code: "forbidden"},
		{name: "delete: another account's device", call: func() response {
			return e.deletePushToken(o, b.DeviceID)
		}, status: http.StatusNotFound, code: "not_found"},
	})

	e.step(t, "deleted, idempotently, and pushed no more", func(t *testing.T) {
		m1 := e.mustPost(o, r.RoomID, "before")
		e.waitPushes(tokB, 1)
		e.waitPushes(tokC, 1)
		requireStatus(t, e.deletePushToken(b, b.DeviceID), http.StatusNoContent)
		if e.exists(pushTokenDoc(b.AccountID, b.DeviceID)) {
			t.Fatal("the token is still stored")
		}
		requireStatus(t, e.deletePushToken(b, b.DeviceID), http.StatusNoContent)
		e.mustPost(o, r.RoomID, "after")
		e.waitPushes(tokC, 2)
		e.requirePushes(t, tokB, 1)
		if got := e.requirePushes(t, tokB, 1)[0].Data["notificationId"]; got != f14NoteID(m1.MessageID) {
			t.Errorf("b's push is of %s, want m1", got)
		}
	})
}

// TestF19PushLogoutAndRevocation: logging out removes the push token the
// device registered in that workspace (a logout in another workspace
// leaves it), revoking the device removes it too, and neither device is
// pushed again.
func TestF19PushLogoutAndRevocation(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@acme.example"
	o := e.ownerSession("acme", kim)
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	bOther := e.alsoJoins(b, "b@acme.example", e.ownerSession("beta", "owner@beta.example")) // b's device, in beta
	phoneS := e.f9Approved(o, "acme", kim)
	r := e.mustCreateRoom(c, groupRoom, "Team", o.AccountID, b.AccountID)
	e.settle() // the phone's approval request, pushed to nobody
	tokB := e.mustRegister(b, "", false)
	tokPhone := e.mustRegister(phoneS, "", false)
	tokC := e.mustRegister(c, "", false)

	e.step(t, "a logout in another workspace leaves the token", func(t *testing.T) {
		requireStatus(t, e.call("POST", "/v1/logout", nil, bOther.bearer()...), http.StatusNoContent)
		if !e.exists(pushTokenDoc(b.AccountID, b.DeviceID)) {
			t.Fatal("a logout in beta removed the token registered in acme")
		}
		e.mustPost(c, r.RoomID, "one")
		e.waitPushes(tokB, 1)
		e.waitPushes(tokPhone, 1)
	})
	e.step(t, "logged out", func(t *testing.T) {
		requireStatus(t, e.call("POST", "/v1/logout", nil, b.bearer()...), http.StatusNoContent)
		if e.exists(pushTokenDoc(b.AccountID, b.DeviceID)) {
			t.Fatal("the token survived the logout")
		}
	})
	e.step(t, "revoked", func(t *testing.T) {
		requireStatus(t, e.call("DELETE", "/v1/me/devices/"+phoneS.DeviceID, nil, o.bearer()...), http.StatusNoContent)
		if e.exists(pushTokenDoc(o.AccountID, phoneS.DeviceID)) {
			t.Fatal("the token survived the device's revocation")
		}
	})
	e.step(t, "no more pushes", func(t *testing.T) {
		tokO := e.mustRegister(o, "", false) // the control: Kim's laptop
		e.mustPost(c, r.RoomID, "two")
		e.waitPushes(tokO, 1)
		e.requirePushes(t, tokB, 1)
		e.requirePushes(t, tokPhone, 1)
		if slices.ContainsFunc(e.pushes(tokC), func(p mailsink.Push) bool { return p.Body == "two" }) {
			t.Error("the sender was pushed their own message")
		}
	})
}

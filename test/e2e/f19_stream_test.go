package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/live"
)

// The tests here check the live events of F19 (API.md "Live events") from
// the outside: streams opened through the router, posts and reads through
// the API, the fan-out through real Pub/Sub push.

func TestF19MessageReachesTheOtherStream(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	sa, sb := e.openStream(a, ""), e.openStream(b, "")
	m := e.mustPost(a, r.RoomID, "hello, live")
	for name, s := range map[string]*liveStream{"receiver": sb, "sender": sa} {
		ev := s.nextOf("message")
		var got liveMessage
		decodeEvent(t, ev, &got)
		if got.MessageID != m.MessageID || got.Text != "hello, live" || got.SenderID != a.AccountID || got.Seq != m.Seq || got.RoomID != r.RoomID {
			t.Errorf("%s: message event %+v, want message %+v", name, got, m)
		}
		if ev.ID == "" {
			t.Errorf("%s: message event without an id", name)
		}
	}
}

func TestF19MutingDoesNotHoldMessagesBack(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	requireStatus(t, e.mute(b, 60), http.StatusOK)
	sb := e.openStream(b, "")
	m := e.mustPost(a, r.RoomID, "while you were muted")
	var got liveMessage
	decodeEvent(t, sb.nextOf("message"), &got)
	if got.MessageID != m.MessageID || got.Text != m.Text {
		t.Fatalf("muted member's stream got %+v, want %+v", got, m)
	}
	// Muting holds back the notification: the fan-out writes it right
	// after the message event, so none may come before the next message.
	unmuted := e.mustPost(a, r.RoomID, "second")
	sb.untilMessage(unmuted.MessageID, "notification")
}

func TestF19NotificationOfAMessage(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	sb := e.openStream(b, "")
	m := e.mustPost(a, r.RoomID, "note this")
	var n struct {
		NotificationID string `json:"notificationId"`
		Kind           string `json:"kind"`
		MessageID      string `json:"messageId"`
		RoomID         string `json:"roomId"`
		SenderName     string `json:"senderName"`
	}
	decodeEvent(t, sb.nextOf("notification"), &n)
	if n.Kind != "message" || n.MessageID != m.MessageID || n.RoomID != r.RoomID || n.NotificationID == "" {
		t.Fatalf("notification event %+v, want the message %s", n, m.MessageID)
	}
	listed := e.messageNotes(b)
	if len(listed) != 1 || listed[0].NotificationID != n.NotificationID {
		t.Fatalf("GET /v1/me/notifications lists %+v, want the notification %s the stream carried", listed, n.NotificationID)
	}
}

func TestF19ReadReachesTheOtherDevice(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(b, directRoom, "", a.AccountID)
	m := e.mustPost(b, r.RoomID, "read me")
	other := e.login(a.WorkspaceID, "owner@acme.example", a.DeviceToken) // a's second session
	so := e.openStream(other, "")
	sb := e.openStream(b, "")
	requireStatus(t, e.markRead(a, r.RoomID, m.Seq), http.StatusNoContent)
	var got struct {
		RoomID string `json:"roomId"`
		Seq    int64  `json:"seq"`
	}
	decodeEvent(t, so.nextOf("read"), &got)
	if got.RoomID != r.RoomID || got.Seq != m.Seq {
		t.Fatalf("read event %+v, want room %s seq %d", got, r.RoomID, m.Seq)
	}
	// Only the reader's own devices: the other member's stream has no read
	// event (a later post of theirs marks the point by which it would be there).
	later := e.mustPost(a, r.RoomID, "later")
	sb.untilMessage(later.MessageID, "read")
}

func TestF19RoomEvent(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	sb := e.openStream(b, "")
	r := e.mustCreateRoom(a, groupRoom, "project", b.AccountID)
	var got struct {
		RoomID string `json:"roomId"`
	}
	decodeEvent(t, sb.nextOf("room"), &got)
	if got.RoomID != r.RoomID {
		t.Fatalf("room event %+v, want %s", got, r.RoomID)
	}
}

func TestF19ResumeMidBurst(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	const n = 50
	first := e.openStream(b, "")
	posted := make(chan message, n)
	go func() {
		defer close(posted)
		for i := range n {
			res := e.postMessage(a, r.RoomID, fmt.Sprintf("burst %d", i), fmt.Sprintf("c%d", i))
			if res.Status != http.StatusCreated {
				t.Errorf("post %d = %d %s", i, res.Status, res.Body)
				return
			}
			var m message
			res.JSON(t, &m)
			posted <- m
		}
	}()
	seen := map[string]int{}
	var lastID string
	take := func(s *liveStream) {
		ev := s.next()
		if ev.ID == "" {
			t.Fatalf("%s event without an id", ev.Name)
		}
		lastID = ev.ID
		if ev.Name == "message" {
			var m liveMessage
			decodeEvent(t, ev, &m)
			seen[m.MessageID]++
		}
	}
	for len(seen) < n/3 {
		take(first)
	}
	first.close()
	<-first.ended
	// Whatever the first stream had read but not handed over is lost with
	// it: the resume starts after the last event taken.
	second := e.openStream(b, lastID)
	want := map[string]bool{}
	for m := range posted {
		want[m.MessageID] = true
	}
	if len(want) != n {
		t.Fatalf("%d posts made, want %d", len(want), n)
	}
	for len(seen) < n {
		take(second)
	}
	for id, count := range seen {
		if !want[id] {
			t.Errorf("message %s on the stream was not posted", id)
		}
		if count != 1 {
			t.Errorf("message %s carried %d times", id, count)
		}
	}
	second.none("message", time.Second) // nothing twice, even late
}

// TestF19StreamOutlastsItsListener: a stream follows its member's feed
// with a new listener every live.Relisten events (a listener holds every
// event it has carried); across the change, nothing is lost and nothing
// comes twice.
func TestF19StreamOutlastsItsListener(t *testing.T) {
	t.Parallel()
	// More posts in a minute than one member may make.
	e := start(t, func(o *stack.Options) { o.Configure = func(c *config.Config) { c.RateLimitFactor = 10 } })
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	sb := e.openStream(b, "")
	n := live.Relisten + 20 // the room event and the notifications come too
	want := map[string]bool{}
	for i := range n {
		want[e.mustPost(a, r.RoomID, fmt.Sprintf("message %d", i)).MessageID] = true
	}
	seen := map[string]int{}
	for len(seen) < n {
		var m liveMessage
		decodeEvent(t, sb.nextOf("message"), &m)
		if !want[m.MessageID] {
			t.Fatalf("message %s on the stream was not posted", m.MessageID)
		}
		if seen[m.MessageID]++; seen[m.MessageID] > 1 {
			t.Fatalf("message %s carried twice", m.MessageID)
		}
	}
	sb.none("message", time.Second) // nothing twice, even late
}

func TestF19ResetOnUnknownOrOldLastEventID(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	sb := e.openStream(b, "")
	e.mustPost(a, r.RoomID, "one")
	old := sb.nextOf("message")
	sb.close()

	for name, id := range map[string]string{"unknown": "m-0123456789abcdef0123456789abcdef", "garbage": "not an id!"} {
		s := e.openStreamWith(b, "Last-Event-ID", id)
		if ev := s.next(); ev.Name != "reset" || ev.Data != "{}" {
			t.Errorf("%s Last-Event-ID: first event %s %s, want reset {}", name, ev.Name, ev.Data)
		}
		s.close()
	}
	// Within a day the old ID resumes (the query parameter works too)...
	res, cancel := e.streamRequest(b.AccessToken, "lastEventId="+old.ID, "", "")
	res.Body.Close()
	cancel()
	requireStatus(t, response{Status: res.StatusCode}, http.StatusOK)
	fresh := e.openStream(b, old.ID)
	m := e.mustPost(a, r.RoomID, "two")
	// (The notification of "one" came after its message event: it comes
	// first now; the message "one" does not come again.)
	if ev := fresh.nextOf("message"); !strings.Contains(ev.Data, m.MessageID) {
		t.Fatalf("resuming within the day: first message %s, want the message %s", ev.Data, m.MessageID)
	}
	fresh.close()
	// ...after a day it is too old: reset, then live events go on.
	e.advance(25 * 3600)
	b = e.refreshed(b)
	s := e.openStream(b, old.ID)
	if ev := s.next(); ev.Name != "reset" {
		t.Fatalf("Last-Event-ID older than a day: first event %s, want reset", ev.Name)
	}
	m3 := e.mustPost(e.refreshed(a), r.RoomID, "three")
	if ev := s.nextOf("message"); !strings.Contains(ev.Data, m3.MessageID) {
		t.Fatalf("after the reset: %s, want the message %s", ev.Data, m3.MessageID)
	}
}

func TestF19Unauthenticated(t *testing.T) {
	t.Parallel()
	e := start(t)
	for name, token := range map[string]string{"no token": "", "bad token": "not-a-jwt"} {
		res, cancel := e.streamRequest(token, "", "", "")
		res.Body.Close()
		cancel()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, res.StatusCode)
		}
	}
}

func TestF19SessionEndClosesTheStream(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	end := func(t *testing.T, s *liveStream) {
		t.Helper()
		if ev := s.nextOf("session_revoked"); ev.Data != "{}" {
			t.Errorf("session_revoked data %q, want {}", ev.Data)
		}
		s.waitEnded()
	}
	e.step(t, "logout", func(t *testing.T) {
		b := e.colleague(a, "logout")
		keep := e.login(a.WorkspaceID, "logout@acme.example", b.DeviceToken)
		sb, sk := e.openStream(b, ""), e.openStream(keep, "")
		requireStatus(t, e.call("POST", "/v1/logout", nil, b.bearer()...), http.StatusNoContent)
		end(t, sb)
		sk.none("session_revoked", time.Second) // the same member's other session lives on
	})
	e.step(t, "member deleted", func(t *testing.T) {
		c := e.colleague(a, "deleted")
		sc := e.openStream(c, "")
		e.memberDeleted(a, a.WorkspaceID, c.AccountID)
		end(t, sc)
	})
	e.step(t, "workspace withdrawn", func(t *testing.T) {
		w := e.ownerSession("gone", "owner@gone.example")
		m := e.colleague(w, "m")
		sw, sm := e.openStream(w, ""), e.openStream(m, "")
		e.mustWithdraw(w, "gone", "Acme gone")
		end(t, sw)
		end(t, sm)
	})
	e.step(t, "device revoked", func(t *testing.T) {
		d := e.colleague(a, "device")
		other := e.login(a.WorkspaceID, "device@acme.example", d.DeviceToken)
		sd := e.openStream(d, "")
		requireStatus(t, e.call("DELETE", "/v1/me/devices/"+d.DeviceID, nil, other.bearer()...), http.StatusNoContent)
		end(t, sd)
	})
}

func TestF19ApprovalRequestReachesOnlineStreams(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	c := e.colleague(a, "c")
	// Everyone's presence from their logins goes stale; then b and a open
	// streams, which make them online again. c stays away.
	e.advance(10 * 60)
	sb, sa := e.openStream(b, ""), e.openStream(a, "")
	req := e.newDeviceLogin(a.WorkspaceID, "owner@acme.example")
	type approvalNote struct {
		Kind       string `json:"kind"`
		ApprovalID string `json:"approvalId"`
		Account    struct {
			AccountID string `json:"accountId"`
		} `json:"account"`
	}
	for name, s := range map[string]*liveStream{"online colleague": sb, "the member's other device": sa} {
		var n approvalNote
		decodeEvent(t, s.nextOf("notification"), &n)
		if n.Kind != "device_approval" || n.ApprovalID != req.ApprovalID || n.Account.AccountID != a.AccountID {
			t.Errorf("%s: notification %+v, want the approval request %s", name, n, req.ApprovalID)
		}
	}
	if e.exists("workspaces/acme/members/" + c.AccountID + "/notifications/device_approval-" + req.ApprovalID) {
		t.Error("a colleague without a stream, seen 10 minutes ago, was asked")
	}
}

// streamTimes starts a stack whose streams keep alive, beat and end on the
// given (short) times.
func streamTimes(keepAlive, heartbeat, maxAge time.Duration) func(*stack.Options) {
	return func(o *stack.Options) {
		o.Configure = func(c *config.Config) {
			c.StreamKeepAlive, c.StreamHeartbeat, c.StreamMaxAge = keepAlive, heartbeat, maxAge
		}
	}
}

func TestF19KeepAliveAndMaxAge(t *testing.T) {
	t.Parallel()
	e := start(t, streamTimes(100*time.Millisecond, time.Minute, 3*time.Second))
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	s := e.openStream(b, "")
	select {
	case c := <-s.comments:
		if c != "keepalive" {
			t.Errorf("comment %q, want keepalive", c)
		}
	case <-time.After(liveWait):
		t.Fatal("no keepalive comment on an idle stream")
	}
	m := e.mustPost(a, r.RoomID, "before the end")
	last := s.nextOf("message")
	s.waitEnded() // the server ends it at its max age, with no session_revoked
	for len(s.events) > 0 {
		if ev := <-s.events; ev.Name == "session_revoked" {
			t.Fatal("a stream ended by age said session_revoked")
		}
	}
	after := e.mustPost(a, r.RoomID, "after the end")
	again := e.openStream(b, last.ID)
	for {
		ev := again.next()
		if ev.Name != "message" {
			continue
		}
		if strings.Contains(ev.Data, m.MessageID) {
			t.Fatal("the message before the end came again")
		}
		if strings.Contains(ev.Data, after.MessageID) {
			break
		}
	}
}

func TestF19OpenStreamKeepsTheMemberOnline(t *testing.T) {
	t.Parallel()
	e := start(t, streamTimes(time.Second, 200*time.Millisecond, 59*time.Minute))
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	sb := e.openStream(b, "")
	// Ten minutes pass with b's stream open: its heartbeat keeps b online
	// (b makes no call meanwhile).
	e.advance(10 * 60)
	now := e.devNow()
	presence := "workspaces/acme/presence/" + b.AccountID
	deadline := time.Now().Add(liveWait)
	for {
		seen, _ := e.doc(presence)["lastSeenAt"].(time.Time)
		if !seen.Before(now) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("presence %v not renewed after the clock moved to %v", seen, now)
		}
		time.Sleep(50 * time.Millisecond)
	}
	req := e.newDeviceLogin(a.WorkspaceID, "owner@acme.example")
	var n struct {
		ApprovalID string `json:"approvalId"`
	}
	decodeEvent(t, sb.nextOf("notification"), &n)
	if n.ApprovalID != req.ApprovalID {
		t.Fatalf("notification of approval %s, want %s", n.ApprovalID, req.ApprovalID)
	}
	if !e.exists("accounts/" + b.AccountID + "/liveDevices/" + b.DeviceID) {
		t.Error("the device with an open stream is not marked live")
	}
	sb.close()
	<-sb.ended
	e.awaitExists("accounts/"+b.AccountID+"/liveDevices/"+b.DeviceID, false)
}

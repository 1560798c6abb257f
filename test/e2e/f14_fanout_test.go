package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// The tests here check the fan-out job of F14 (spec: issue 6 design,
// "Fan-out job"): who is notified of a message and how, mute, blocks,
// deleted members, redelivery, and a 1,000-member room in batches.

// The fan-out job: its consumer name (the claims' prefix), its topic and
// the route its push requests are logged under.
const (
	f14Fanout      = "fanout"
	f14FanoutTopic = "message-posted"
	f14FanoutBatch = 250
)

// f14NoteID is the ID of the notification of a message.
func f14NoteID(messageID string) string { return "message-" + messageID }

// f14Notified returns, by recipient account, how many notifications of a
// message Firestore holds (wherever they are), requiring each under its
// recipient's membership, named message-{messageId}.
func (e *env) f14Notified(messageID string) map[string]int {
	e.t.Helper()
	id := f14NoteID(messageID)
	snaps, err := e.fs().CollectionGroup("notifications").Where("notificationId", "==", id).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, snap := range snaps {
		d := snap.Data()
		acc, _ := d["accountId"].(string)
		ws, _ := d["workspaceId"].(string)
		if want := "workspaces/" + ws + "/members/" + acc + "/notifications/" + id; !strings.HasSuffix(snap.Ref.Path, want) {
			e.t.Errorf("notification at %s, want …/%s", snap.Ref.Path, want)
		}
		out[acc]++
	}
	return out
}

// f14RequireNotified requires exactly the recipients of a message, once
// each.
func (e *env) f14RequireNotified(t testing.TB, m message, who ...session) {
	t.Helper()
	want := map[string]int{}
	for _, s := range who {
		want[s.AccountID] = 1
	}
	if diff := cmp.Diff(want, e.f14Notified(m.MessageID)); diff != "" {
		t.Errorf("notified of %q, by account (-want +got):\n%s", m.Text, diff)
	}
}

// f14Note returns s's notification of a message as the API shows it, and
// whether there is one (it requires at most one).
func (e *env) f14Note(s session, messageID string) (messageNote, bool) {
	e.t.Helper()
	var found []messageNote
	for _, n := range e.messageNotes(s) {
		if n.MessageID == messageID || n.NotificationID == f14NoteID(messageID) {
			found = append(found, n)
		}
	}
	if len(found) > 1 {
		e.t.Fatalf("%s has %d notifications of %s: %+v", s.AccountID, len(found), messageID, found)
	}
	if len(found) == 0 {
		return messageNote{}, false
	}
	return found[0], true
}

// f14WantNote is the notification of m sent by a sender named senderName
// in a room, as the API shows it (createdAt aside).
func f14WantNote(roomID string, m message, senderName string) messageNote {
	return messageNote{
		NotificationID: f14NoteID(m.MessageID), Kind: notifyMessage, RoomID: roomID, MessageID: m.MessageID,
		Seq: m.Seq, SenderID: m.SenderID, SenderName: senderName, Text: string([]rune(m.Text)[:min(len([]rune(m.Text)), 100)]),
	}
}

// f14Capture is a pull subscription of the message-posted topic: it keeps
// a copy of every event published to it, so a test can publish one again.
type f14Capture struct {
	e   *env
	sub string
}

// f14CaptureEvents subscribes to the message-posted topic.
func (e *env) f14CaptureEvents() *f14Capture {
	e.t.Helper()
	project := "projects/" + e.s.Deps.Config.Project
	name := project + "/subscriptions/f14-capture-" + domain.NewID()[:12]
	admin := e.s.Deps.PubSub.Client().SubscriptionAdminClient
	_, err := admin.CreateSubscription(context.Background(), &pubsubpb.Subscription{
		Name: name, Topic: project + "/topics/" + f14FanoutTopic, AckDeadlineSeconds: 60,
	})
	if err != nil {
		e.t.Fatalf("subscribing to %s: %v", f14FanoutTopic, err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = admin.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: name})
	})
	return &f14Capture{e: e, sub: name}
}

// take waits until n events have arrived since the last take and returns
// them.
func (c *f14Capture) take(n int) []events.Event {
	c.e.t.Helper()
	admin := c.e.s.Deps.PubSub.Client().SubscriptionAdminClient
	deadline := time.Now().Add(30 * time.Second)
	var out []events.Event
	for len(out) < n {
		if time.Now().After(deadline) {
			c.e.t.Fatalf("%d message-posted events after 30s, want %d", len(out), n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		res, err := admin.Pull(ctx, &pubsubpb.PullRequest{Subscription: c.sub, MaxMessages: 100})
		cancel()
		if err != nil {
			if status.Code(err) == codes.DeadlineExceeded {
				continue
			}
			c.e.t.Fatal(err)
		}
		var acks []string
		for _, m := range res.GetReceivedMessages() {
			acks = append(acks, m.GetAckId())
			v, _ := strconv.Atoi(m.GetMessage().GetAttributes()[events.AttrVersion])
			out = append(out, events.Event{
				ID: m.GetMessage().GetAttributes()[events.AttrEventID], Topic: f14FanoutTopic, Version: v,
				Data: m.GetMessage().GetData(), CreatedAt: m.GetMessage().GetPublishTime().AsTime(),
			})
		}
		if len(acks) > 0 {
			if err := admin.Acknowledge(context.Background(), &pubsubpb.AcknowledgeRequest{Subscription: c.sub, AckIds: acks}); err != nil {
				c.e.t.Fatal(err)
			}
		} else {
			sleep()
		}
	}
	return out
}

// f14NewClaims returns the events the fan-out job claimed that are not in
// before, sorted.
func (e *env) f14NewClaims(before []string) []string {
	e.t.Helper()
	out := []string{}
	for _, id := range e.claimedEvents(f14Fanout) {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// f14Pushes waits until n push requests of the fan-out job have been
// logged since mark, then until everything settled, and returns them.
func (e *env) f14Pushes(log *jobLog, mark, n int) []jobLine {
	e.t.Helper()
	log.pushes(e.t, f14Fanout, mark, n)
	e.settle()
	return log.since(mark, f14Fanout)
}

// f14Runs returns the pushes that ran the job (answered 204 having
// written at least its claim and its mark as done).
func f14Runs(lines []jobLine) []jobLine {
	return slices.DeleteFunc(slices.Clone(lines), func(l jobLine) bool { return l.status != http.StatusNoContent || l.writes < 2 })
}

// f14PushFanout delivers an event to the job's push endpoint, as Pub/Sub
// does, and returns the status it answered.
func (e *env) f14PushFanout(ev events.Event) int {
	e.t.Helper()
	return e.pushed(f14Fanout, "application/json", envelope(e.t, ev))
}

// TestF14FanoutNotifies: every member of a room but the sender gets one
// `message` notification of a message, with the room, the message, its
// seq, the sender's ID and name and the first 100 characters of the text;
// the sender gets none, nor does anyone outside the room; a message in a
// self room notifies nobody.
func TestF14FanoutNotifies(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	d := e.colleague(o, "d") // in no room
	group := e.mustCreateRoom(o, groupRoom, "Team", b.AccountID, c.AccountID)
	direct := e.mustCreateRoom(b, directRoom, "", c.AccountID)
	self := e.selfRoom(o)

	long := strings.Repeat("안녕하세요 ", 30) // 180 characters: the notification quotes 100
	var m1, m2, m3, m4 message
	e.step(t, "posts", func(t *testing.T) {
		m1 = e.mustPost(o, group.RoomID, long)
		m2 = e.mustPost(b, group.RoomID, "hi")
		m3 = e.mustPost(c, direct.RoomID, strings.Repeat("x", 100))
		m4 = e.mustPost(o, self.RoomID, "a note to myself")
		e.settle()
	})

	e.step(t, "who is notified", func(t *testing.T) {
		e.f14RequireNotified(t, m1, b, c)
		e.f14RequireNotified(t, m2, o, c)
		e.f14RequireNotified(t, m3, b)
		e.f14RequireNotified(t, m4)
	})

	e.step(t, "what they see", func(t *testing.T) {
		ignore := cmpopts.IgnoreFields(messageNote{}, "CreatedAt")
		cases := []struct {
			name      string
			recipient session
			roomID    string
			m         message
			sender    string
		}{
			{"the owner's long Korean message, to b", b, group.RoomID, m1, "Kim Workgate"},
			{"the owner's long Korean message, to c", c, group.RoomID, m1, "Kim Workgate"},
			{"b's message, to the owner", o, group.RoomID, m2, "Lee b"},
			{"c's message of exactly 100 characters, to b", b, direct.RoomID, m3, "Lee c"},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				got, ok := e.f14Note(tc.recipient, tc.m.MessageID)
				if !ok {
					t.Fatalf("no notification of %s", tc.m.MessageID)
				}
				want := f14WantNote(tc.roomID, tc.m, tc.sender)
				if diff := cmp.Diff(want, got, ignore); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if got.CreatedAt.IsZero() {
					t.Error("createdAt is not set")
				}
			})
		}
		if n := []rune(f14WantNote(group.RoomID, m1, "").Text); len(n) != 100 || string(n) != string([]rune(long)[:100]) {
			t.Fatalf("the test's preview of the long text has %d characters", len(n))
		}
		for _, s := range []session{o, b, c, d} {
			for _, n := range e.messageNotes(s) {
				if n.SenderID == s.AccountID {
					t.Errorf("%s was notified of their own message %s", s.AccountID, n.MessageID)
				}
			}
		}
		if notes := e.messageNotes(d); len(notes) != 0 {
			t.Errorf("d, in no room, has notifications: %+v", notes)
		}
	})
}

// TestF14FanoutMute: PUT /v1/me/notification-mute takes 0, 30, 60, 120 or
// 240 minutes (mutedUntil = the dev clock's now + minutes, null for 0)
// and refuses anything else; a muted member gets no message notification
// until the dev clock passes mutedUntil or they unmute, and a new mute
// replaces the old; others are notified all along, and the muted member
// still gets notifications of other kinds.
func TestF14FanoutMute(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	r := e.mustCreateRoom(o, groupRoom, "Mute", b.AccountID, c.AccountID)
	memberDoc := "workspaces/alpha/members/" + b.AccountID

	e.step(t, "the periods", func(t *testing.T) {
		for _, minutes := range []int{30, 60, 120, 240, 0} {
			before := e.devNow()
			res := e.mute(b, minutes)
			after := e.devNow()
			requireStatus(t, res, http.StatusOK)
			var got mutedUntil
			res.JSON(t, &got)
			if minutes == 0 {
				if got.MutedUntil != nil {
					t.Errorf("minutes 0: mutedUntil %v, want null", got.MutedUntil)
				}
				if v, ok := e.doc(memberDoc)["mutedUntil"]; ok && v != nil {
					if tm, isTime := v.(time.Time); !isTime || tm.After(after) {
						t.Errorf("after unmuting the member document says mutedUntil %v", v)
					}
				}
				continue
			}
			d := time.Duration(minutes) * time.Minute
			if got.MutedUntil == nil || got.MutedUntil.Before(before.Add(d).Truncate(time.Second)) || got.MutedUntil.After(after.Add(d)) {
				t.Errorf("minutes %d: mutedUntil %v, want the dev clock's now (%v … %v) + %v", minutes, got.MutedUntil, before, after, d)
				continue
			}
			stored, _ := e.doc(memberDoc)["mutedUntil"].(time.Time)
			if diff := stored.Sub(*got.MutedUntil).Abs(); diff > time.Second {
				t.Errorf("minutes %d: the member document says mutedUntil %v, the answer %v", minutes, stored, got.MutedUntil)
			}
			if shown := e.muteState(t, b); shown == nil || shown.Sub(*got.MutedUntil).Abs() > time.Second {
				t.Errorf("minutes %d: GET says mutedUntil %v, the PUT answered %v", minutes, shown, got.MutedUntil)
			}
		}
	})

	e.step(t, "refused", func(t *testing.T) {
		put := func(body any) func() response {
			return func() response { return e.call("PUT", "/v1/me/notification-mute", body, b.bearer()...) }
		}
		requireStatus(t, e.mute(b, 60), http.StatusOK) // a mute the refusals must leave as it is
		const bad, code = http.StatusBadRequest, "invalid_request"
		e.refusals(t, []refusal{
			{name: "15", call: put(`{"minutes":15}`), status: bad, code: code},
			{name: "-1", call: put(`{"minutes":-1}`), status: bad, code: code},
			{name: "1440", call: put(`{"minutes":1440}`), status: bad, code: code},
			{name: `"30"`, call: put(`{"minutes":"30"}`), status: bad, code: code},
			{name: "30.5", call: put(`{"minutes":30.5}`), status: bad, code: code},
			{name: "null", call: put(`{"minutes":null}`), status: bad, code: code},
			{name: "missing", call: put(`{}`), status: bad, code: code},
			{name: "not JSON", call: put("minutes=30"), status: bad, code: code},
			{name: "signed out", call: func() response {
				return e.call("PUT", "/v1/me/notification-mute", map[string]int{"minutes": 30})
			}, status: http.StatusUnauthorized, code: "unauthenticated"},
		})
		requireStatus(t, e.mute(b, 0), http.StatusOK)
	})

	// renew renews every session after the dev clock moved past their
	// access tokens.
	renew := func() { o, b, c = e.renew(o), e.renew(b), e.renew(c) }
	post := func(t *testing.T, text string, notified ...session) message {
		t.Helper()
		m := e.mustPost(o, r.RoomID, text)
		e.settle()
		e.f14RequireNotified(t, m, notified...)
		return m
	}

	e.step(t, "muted until the clock passes mutedUntil", func(t *testing.T) {
		post(t, "before the mute", b, c)
		requireStatus(t, e.mute(b, 30), http.StatusOK)
		post(t, "muted", c)
		e.advance(29 * 60)
		renew()
		post(t, "muted, a minute left", c)
		if e.muteState(t, b) == nil {
			t.Error("a minute before the mute ends, GET says not muted")
		}
		e.advance(2 * 60)
		renew()
		if until := e.muteState(t, b); until != nil {
			t.Errorf("after the mute ended, GET says muted until %v", until)
		}
		m := post(t, "the mute is over", b, c)
		if _, ok := e.f14Note(b, m.MessageID); !ok {
			t.Error("b does not list the notification after the mute")
		}
	})

	e.step(t, "unmute", func(t *testing.T) {
		requireStatus(t, e.mute(b, 240), http.StatusOK)
		post(t, "muted for 4 hours", c)
		res := e.mute(b, 0)
		requireStatus(t, res, http.StatusOK)
		var got mutedUntil
		res.JSON(t, &got)
		if got.MutedUntil != nil {
			t.Errorf("unmute answered mutedUntil %v, want null", got.MutedUntil)
		}
		if until := e.muteState(t, b); until != nil {
			t.Errorf("after unmuting, GET says muted until %v", until)
		}
		post(t, "unmuted", b, c)
	})

	e.step(t, "a new mute replaces the old", func(t *testing.T) {
		requireStatus(t, e.mute(b, 240), http.StatusOK)
		requireStatus(t, e.mute(b, 30), http.StatusOK)
		post(t, "muted for 30 minutes now", c)
		e.advance(31 * 60)
		renew()
		post(t, "the shorter mute is over", b, c)
		// And the other way round: a longer mute after a shorter one.
		requireStatus(t, e.mute(b, 30), http.StatusOK)
		requireStatus(t, e.mute(b, 60), http.StatusOK)
		e.advance(31 * 60)
		renew()
		post(t, "still muted by the longer mute", c)
		requireStatus(t, e.mute(b, 0), http.StatusOK)
	})

	e.step(t, "only message notifications are muted", func(t *testing.T) {
		x := e.ownerSession("beta", "owner@beta.example")
		e.setExternalChat(o, true)
		e.setExternalChat(x, true)
		link := e.newProfileLink(b, qrLink)
		requireStatus(t, e.mute(b, 240), http.StatusOK)
		e.mustAdd(x, byLink(link.Token))
		e.settle()
		if notes := e.addedNotes(b); len(notes) != 1 {
			t.Errorf("muted b has %d external_member_added notifications, want 1", len(notes))
		}
		post(t, "muted again", c)
	})
}

// TestF14FanoutBlockedAndDeleted: in a group room with external members,
// a recipient of another workspace who blocked the sender is not
// notified while the others are (and is again once they unblock); a block
// works both ways round (a member blocking an external sender); a deleted
// member is never notified.
func TestF14FanoutBlockedAndDeleted(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	f := e.colleague(o, "f")
	d := e.colleague(o, "d")
	x := e.ownerSession("beta", "owner@beta.example")
	y := e.colleague(x, "y")
	e.setExternalChat(o, true)
	e.setExternalChat(x, true)
	qr := e.newProfileLink(o, qrLink)
	e.mustAdd(x, byLink(qr.Token)) // x and y added o: o's external contacts
	e.mustAdd(y, byLink(qr.Token))
	r := e.mustCreateRoom(o, groupRoom, "Partners", f.AccountID, d.AccountID, x.AccountID, y.AccountID)
	e.settle()

	e.step(t, "everyone else is notified (the control)", func(t *testing.T) {
		m := e.mustPost(o, r.RoomID, "hello partners")
		e.settle()
		e.f14RequireNotified(t, m, f, d, x, y)
	})

	e.step(t, "an external member who blocked the sender", func(t *testing.T) {
		requireStatus(t, e.block(x, o.AccountID), http.StatusCreated)
		m := e.mustPost(o, r.RoomID, "x blocked me")
		e.settle()
		e.f14RequireNotified(t, m, f, d, y)
		if _, ok := e.f14Note(x, m.MessageID); ok {
			t.Error("x lists a notification of a sender they blocked")
		}
		// The block is x's: x's messages still notify everyone.
		byX := e.mustPost(x, r.RoomID, "from x")
		e.settle()
		e.f14RequireNotified(t, byX, o, f, d, y)
	})

	e.step(t, "a member who blocked an external sender", func(t *testing.T) {
		e.mustAdd(y, byLink(e.newProfileLink(f, qrLink).Token)) // f knows y: f may block y
		requireStatus(t, e.block(f, y.AccountID), http.StatusCreated)
		m := e.mustPost(y, r.RoomID, "f blocked me")
		e.settle()
		e.f14RequireNotified(t, m, o, d, x)
	})

	e.step(t, "unblocked, notified again", func(t *testing.T) {
		requireStatus(t, e.unblock(x, o.AccountID), http.StatusNoContent)
		m := e.mustPost(o, r.RoomID, "x unblocked me")
		e.settle()
		e.f14RequireNotified(t, m, f, d, x, y)
		if _, ok := e.f14Note(x, m.MessageID); !ok {
			t.Error("x does not list the notification")
		}
	})

	e.step(t, "a deleted member", func(t *testing.T) {
		e.memberDeleted(o, "alpha", d.AccountID)
		m := e.mustPost(o, r.RoomID, "d is gone")
		e.settle()
		e.f14RequireNotified(t, m, f, x, y)
		byY := e.mustPost(y, r.RoomID, "from y, d is gone")
		e.settle()
		e.f14RequireNotified(t, byY, o, x) // f still blocks y
	})
}

// f14PostedEvent is the payload of a message-posted event (v1), as the design
// names its fields.
type f14PostedEvent struct {
	RoomID     string `json:"roomId"`
	MessageID  string `json:"messageId"`
	Seq        int64  `json:"seq"`
	SenderKey  string `json:"senderKey"`
	SenderName string `json:"senderName"`
	Text       string `json:"text"`
	Batch      *int   `json:"batch"`
}

// TestF14FanoutRedelivery: the message-posted event carries what the
// design says; delivering it again — as published, after its claim was
// lost, under a new event ID, four times at once — is acknowledged and
// notifies nobody twice: each notification stays as first written. With a
// recipient's notification gone and the claim lost, the same event writes
// that one notification again (so the event delivered again is one the job
// acts on).
func TestF14FanoutRedelivery(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.colleague(o, "b")
	c := e.colleague(o, "c")
	r := e.mustCreateRoom(o, groupRoom, "Again", b.AccountID, c.AccountID)
	capture := e.f14CaptureEvents()
	e.settle()
	claims := e.claimedEvents(f14Fanout)

	text := strings.Repeat("가", 150)
	m := e.mustPost(o, r.RoomID, text)
	e.settle()
	e.f14RequireNotified(t, m, b, c)
	evs := capture.take(1)
	ev := evs[0]
	if fresh := e.f14NewClaims(claims); !cmp.Equal(fresh, []string{ev.ID}) {
		t.Fatalf("the job claimed %v for one post, want the event published (%s)", fresh, ev.ID)
	}
	if ev.Version != 1 {
		t.Errorf("event version %d, want 1", ev.Version)
	}
	var payload f14PostedEvent
	if err := json.Unmarshal(ev.Data, &payload); err != nil {
		t.Fatalf("event payload %s: %v", ev.Data, err)
	}
	wantPayload := f14PostedEvent{RoomID: r.RoomID, MessageID: m.MessageID, Seq: m.Seq, SenderKey: memberKey(o),
		SenderName: "Kim Workgate", Text: strings.Repeat("가", 100)}
	if diff := cmp.Diff(wantPayload, payload, cmpopts.IgnoreFields(f14PostedEvent{}, "Batch")); diff != "" {
		t.Errorf("event payload (-want +got):\n%s", diff)
	}
	if payload.Batch != nil && *payload.Batch != 0 {
		t.Errorf("the event of a post has batch %d, want none (or 0)", *payload.Batch)
	}
	notes := map[string]map[string]any{}
	for _, s := range []session{b, c} {
		notes[s.AccountID] = e.doc(noteDoc(s, f14NoteID(m.MessageID)))
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		e.f14RequireNotified(t, m, b, c)
		for _, s := range []session{b, c} {
			if diff := cmp.Diff(notes[s.AccountID], e.doc(noteDoc(s, f14NoteID(m.MessageID)))); diff != "" {
				t.Errorf("%s's notification changed (-first +now):\n%s", s.AccountID, diff)
			}
		}
	}

	cases := []struct {
		name    string
		deliver func() // publishes or pushes
		pushes  int    // pushes to wait for
		// runs are the writes of each push that ran the job: its claim,
		// its mark as done with the outbox event's removal, the
		// notifications it created, and the room's
		// activity in the entries of the 3 members (a maximum transform:
		// written again, moved back never).
		runs []int64
	}{
		{"the same event published again", func() { e.publish(ev) }, 1, nil},
		{"published again after its claim was lost", func() { e.dropClaim(f14Fanout, ev.ID); e.publish(ev) }, 1, []int64{3 + 3}},
		{"under a new event ID", func() {
			again := ev
			again.ID = events.NewID()
			e.publish(again)
		}, 1, []int64{3 + 3}},
		{"a new event ID pushed 4 times at once", func() {
			again := ev
			again.ID = events.NewID()
			statuses, _ := race(4, func(int) int { return e.f14PushFanout(again) })
			for _, s := range statuses {
				if s != http.StatusNoContent && s != http.StatusTooManyRequests {
					t.Errorf("push answered %d", s)
				}
			}
		}, 4, []int64{3 + 3}},
	}
	for _, tc := range cases {
		e.step(t, tc.name, func(t *testing.T) {
			mark := log.mark()
			tc.deliver()
			lines := e.f14Pushes(&log, mark, tc.pushes)
			for _, l := range lines {
				if l.status != http.StatusNoContent && l.status != http.StatusTooManyRequests {
					t.Errorf("push answered %d", l.status)
				}
			}
			var runs []int64
			for _, l := range f14Runs(lines) {
				runs = append(runs, l.writes)
			}
			if diff := cmp.Diff(tc.runs, runs); diff != "" {
				t.Errorf("writes of the runs of the job (-want +got):\n%s", diff)
			}
			unchanged(t)
		})
	}

	e.step(t, "a lost notification is written again (the control)", func(t *testing.T) {
		if _, err := e.fs().Doc(noteDoc(c, f14NoteID(m.MessageID))).Delete(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.dropClaim(f14Fanout, ev.ID)
		mark := log.mark()
		e.publish(ev)
		lines := e.f14Pushes(&log, mark, 1)
		if runs := f14Runs(lines); len(runs) != 1 || runs[0].writes != 4+3 {
			t.Errorf("runs %+v, want one writing its claim, c's notification, its mark as done, the outbox event's removal and the 3 members' entries", runs)
		}
		e.f14RequireNotified(t, m, b, c)
		if diff := cmp.Diff(notes[b.AccountID], e.doc(noteDoc(b, f14NoteID(m.MessageID)))); diff != "" {
			t.Errorf("b's notification changed (-first +now):\n%s", diff)
		}
		got, ok := e.f14Note(c, m.MessageID)
		if want := f14WantNote(r.RoomID, m, "Kim Workgate"); !ok || !cmp.Equal(want, got, cmpopts.IgnoreFields(messageNote{}, "CreatedAt")) {
			t.Errorf("c's notification written again = %+v, want %+v", got, want)
		}
	})
}

// TestF14FanoutBigRoom: a message in a 1,000-member room notifies each of
// the 999 others exactly once, and not the sender; the job runs 4 times —
// the event of the post, which handles the first batch of 250 and
// publishes one event per further batch (<eventId>-b1 … -b3), and those 3
// — each writing in proportion to its batch, not to the room. Every
// member's own entry of the room, the sender's too, then holds the
// message's seq as the room's last activity.
func TestF14FanoutBigRoom(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	owner, ids := e.bigRoomWorkspace("big", 1000)
	r := e.mustCreateRoom(owner, groupRoom, "Everyone", ids...)
	if len(r.MemberIDs) != 1000 {
		t.Fatalf("a room of %d members, want 1,000", len(r.MemberIDs))
	}
	e.settle()
	claims := e.claimedEvents(f14Fanout)
	mark := log.mark()

	m := e.mustPost(owner, r.RoomID, "hello everyone")
	e.f14Pushes(&log, mark, 4)

	notified := e.f14Notified(m.MessageID)
	if len(notified) != 999 {
		t.Errorf("%d members notified, want 999", len(notified))
	}
	for _, id := range ids {
		if notified[id] != 1 {
			t.Errorf("member %s has %d notifications, want 1", id, notified[id])
		}
	}
	if n := notified[owner.AccountID]; n != 0 {
		t.Errorf("the sender was notified %d times", n)
	}

	fresh := e.f14NewClaims(claims)
	var root string
	for _, id := range fresh {
		if !strings.Contains(id, "-b") {
			root = id
		}
	}
	want := []string{root, root + "-b1", root + "-b2", root + "-b3"}
	slices.Sort(want)
	if diff := cmp.Diff(want, fresh); diff != "" {
		t.Errorf("events the job claimed (-want: the post's event and 3 batch events +got):\n%s", diff)
	}

	runs := f14Runs(log.since(mark, f14Fanout))
	if len(runs) != 4 {
		t.Errorf("the job ran %d times, want 4 (root + 3 batches): %+v", len(runs), runs)
	}
	var total int64
	for i, run := range runs {
		// Its claim, mark as done and outbox removal, at most a batch of notifications
		// with their live events, of message events and of the room's
		// activity in the members' entries (the root: the sender's
		// message event and entry too), and (the root) the batch events
		// through the outbox.
		if run.writes > 3+4*f14FanoutBatch+2+2*3 {
			t.Errorf("run %d wrote %d documents: more than a batch of %d", i, run.writes, f14FanoutBatch)
		}
		if run.reads > 2*f14FanoutBatch+20 {
			t.Errorf("run %d read %d documents: more than a batch of %d asks", i, run.reads, f14FanoutBatch)
		}
		total += run.writes - 3
	}
	if total < 2*999+2*1000 {
		t.Errorf("the runs wrote %d documents besides their claims, fewer than the 999 notifications and their events, and 1,000 entries and message events", total)
	}
	t.Logf("fan-out runs: %+v", runs)
	entries := e.f14Docs(roomDoc(r.RoomID) + "/reads")
	if len(entries) != 1000 {
		t.Errorf("%d member entries, want 1,000", len(entries))
	}
	for k, d := range entries {
		if d["activeAt"] != m.Seq {
			t.Errorf("%s's entry: activeAt %v, want the message's seq %d", k, d["activeAt"], m.Seq)
		}
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// The tests here check posting, history, read positions and unread counts
// of F14 (spec: API.md "Rooms, messages, notifications", issue 6 design)
// from the outside, and what one post costs in Firestore.

// f14MaxSeq is the largest seq a JavaScript client reads exactly (2^53-1).
const f14MaxSeq = 1<<53 - 1

// f14Unread returns the unreadCount of a room as s lists it.
func (e *env) f14Unread(s session, roomID string) int {
	e.t.Helper()
	r, ok := findRoom(e.rooms(s), roomID)
	if !ok {
		e.t.Fatalf("room %s is not listed for %s", roomID, s.AccountID)
	}
	return r.UnreadCount
}

// f14RequireUnread requires the unread counts of a room, by member.
func (e *env) f14RequireUnread(t testing.TB, roomID string, want map[string]int, who ...session) {
	t.Helper()
	for _, s := range who {
		if got := e.f14Unread(s, roomID); got != want[s.AccountID] {
			t.Errorf("unreadCount of %s = %d, want %d", s.AccountID, got, want[s.AccountID])
		}
	}
}

// f14Posted decodes the message a post answered, requiring a status.
func f14Posted(t testing.TB, r response, status int) message {
	t.Helper()
	requireStatus(t, r, status)
	var m message
	r.JSON(t, &m)
	return m
}

// f14Docs returns the data of the documents of a collection, by ID.
func (e *env) f14Docs(collection string) map[string]map[string]any {
	e.t.Helper()
	snaps, err := e.fs().Collection(collection).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := make(map[string]map[string]any, len(snaps))
	for _, s := range snaps {
		out[s.Ref.ID] = s.Data()
	}
	return out
}

// f14UpdateTimes returns when each document of a collection was last
// written, by ID.
func (e *env) f14UpdateTimes(collection string) map[string]time.Time {
	e.t.Helper()
	snaps, err := e.fs().Collection(collection).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := make(map[string]time.Time, len(snaps))
	for _, s := range snaps {
		out[s.Ref.ID] = s.UpdateTime
	}
	return out
}

// f14UpdateTime returns when a document was last written.
func (e *env) f14UpdateTime(path string) time.Time {
	e.t.Helper()
	snap, err := e.fs().Doc(path).Get(context.Background())
	if err != nil {
		e.t.Fatalf("reading %s: %v", path, err)
	}
	return snap.UpdateTime
}

// f14Seqs returns the seqs of messages, in their order.
func f14Seqs(ms []message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// f14IDs returns the IDs of messages, in their order.
func f14IDs(ms []message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

// f14RequireAscending requires seqs strictly increasing and in (0, 2^53).
func f14RequireAscending(t testing.TB, what string, seqs []int64) {
	t.Helper()
	for i, s := range seqs {
		if s <= 0 || s > f14MaxSeq {
			t.Errorf("%s: seq %d out of (0, 2^53)", what, s)
		}
		if i > 0 && s <= seqs[i-1] {
			t.Errorf("%s: seq %d after %d, want strictly increasing: %v", what, s, seqs[i-1], seqs)
			return
		}
	}
}

// f14RequireStored requires the message document of an answered message
// to hold it, and its seq claimed by it.
func (e *env) f14RequireStored(t testing.TB, roomID string, m message, sender session, clientID string) {
	t.Helper()
	d := e.doc(roomDoc(roomID) + "/messages/" + m.MessageID)
	want := map[string]any{
		"messageId": m.MessageID, "roomId": roomID, "seq": m.Seq, "senderKey": memberKey(sender),
		"senderId": sender.AccountID, "clientMessageId": clientID, "text": m.Text,
	}
	for k, v := range want {
		if !cmp.Equal(v, d[k]) {
			t.Errorf("stored message %s: %s = %v, want %v", m.MessageID, k, d[k], v)
		}
	}
	claim := e.doc(fmt.Sprintf("%s/seqs/%d", roomDoc(roomID), m.Seq))
	if claim["messageId"] != m.MessageID {
		t.Errorf("seq %d is claimed by %v, want %s", m.Seq, claim["messageId"], m.MessageID)
	}
}

// TestF14MessagesText: a text of 1 to 10,000 characters (Unicode code
// points: 10,000 Korean characters are 30,000 bytes) is posted and read
// back exactly; an empty or blank text, one of 10,001 characters (ASCII
// or Korean), a clientMessageId missing, empty, over 128 characters or
// with a control character, and bodies that are not the shape asked are
// refused with 400 and write nothing.
func TestF14MessagesText(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)

	var posted []message
	e.step(t, "accepted", func(t *testing.T) {
		cases := []struct{ name, text, clientID string }{
			{"1 character", "x", "c-one"},
			{"1 Korean character", "가", "c-one-ko"},
			{"1 emoji (4 bytes)", "😀", "c-one-emoji"},
			{"10,000 ASCII characters", strings.Repeat("a", domain.MaxMessageText), "c-max"},
			{"10,000 Korean characters", strings.Repeat("가", domain.MaxMessageText), "c-max-ko"},
			{"10,000 emoji", strings.Repeat("😀", domain.MaxMessageText), "c-max-emoji"},
			{"text with spaces around and newlines", "  line 1\nline 2  ", "c-spaces"},
			{"clientMessageId of 128 characters", "ok", strings.Repeat("k", 128)},
			{"clientMessageId of 128 Korean characters", "ok", strings.Repeat("키", 128)},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				m := f14Posted(t, e.postMessage(a, r.RoomID, tc.text, tc.clientID), http.StatusCreated)
				if m.Text != tc.text || m.SenderID != a.AccountID || len(m.MessageID) != 32 || m.CreatedAt.IsZero() {
					t.Errorf("answer: text of %d characters (want %d), sender %s, id %q, createdAt %v",
						len([]rune(m.Text)), len([]rune(tc.text)), m.SenderID, m.MessageID, m.CreatedAt)
				}
				if m.ClientMessageID != tc.clientID {
					t.Errorf("clientMessageId = %q, want %q", m.ClientMessageID, tc.clientID)
				}
				e.f14RequireStored(t, r.RoomID, m, a, tc.clientID)
				posted = append(posted, m)
			})
		}
		got := e.history(b, r.RoomID, 0, 100)
		if diff := cmp.Diff(posted, got); diff != "" {
			t.Errorf("history as the other member (-posted +got):\n%s", diff)
		}
	})

	e.step(t, "refused", func(t *testing.T) {
		post := func(body any) func() response {
			return func() response { return e.call("POST", "/v1/rooms/"+r.RoomID+"/messages", body, a.bearer()...) }
		}
		text := func(s string) func() response {
			return post(map[string]string{"text": s, "clientMessageId": domain.NewID()})
		}
		client := func(id string) func() response { return post(map[string]string{"text": "hi", "clientMessageId": id}) }
		const bad, code = http.StatusBadRequest, "invalid_request"
		e.refusals(t, []refusal{
			{name: "empty text", call: text(""), status: bad, code: code},
			{name: "blank text", call: text("   "), status: bad, code: code},
			{name: "text of white space of all kinds", call: text(" \t\n\r\u3000\u00a0 "), status: bad, code: code},
			{name: "10,001 ASCII characters", call: text(strings.Repeat("a", domain.MaxMessageText+1)), status: bad, code: code},
			{name: "10,001 Korean characters", call: text(strings.Repeat("가", domain.MaxMessageText+1)), status: bad, code: code},
			{name: "10,001 emoji", call: text(strings.Repeat("😀", domain.MaxMessageText+1)), status: bad, code: code},
			{name: "text missing", call: post(map[string]string{"clientMessageId": domain.NewID()}), status: bad, code: code},
			{name: "text null", call: post(map[string]any{"text": nil, "clientMessageId": domain.NewID()}), status: bad, code: code},
			{name: "text not a string", call: post(map[string]any{"text": 5, "clientMessageId": domain.NewID()}), status: bad, code: code},
			{name: "clientMessageId missing", call: post(map[string]string{"text": "hi"}), status: bad, code: code},
			{name: "clientMessageId empty", call: client(""), status: bad, code: code},
			{name: "clientMessageId of 129 characters", call: client(strings.Repeat("k", 129)), status: bad, code: code},
			{name: "clientMessageId of 129 Korean characters", call: client(strings.Repeat("키", 129)), status: bad, code: code},
			{name: "clientMessageId with a newline", call: client("a\nb"), status: bad, code: code},
			{name: "clientMessageId with a NUL", call: client("a\x00b"), status: bad, code: code},
			{name: "clientMessageId not a string", call: post(map[string]any{"text": "hi", "clientMessageId": 7}), status: bad, code: code},
			{name: "not JSON", call: post("text=hi"), status: bad, code: code},
			{name: "not an object", call: post(`["hi"]`), status: bad, code: code},
		})
		if got := e.history(b, r.RoomID, 0, 100); len(got) != len(posted) {
			t.Errorf("%d messages after the refusals, want %d", len(got), len(posted))
		}
	})
}

// TestF14MessagesIdempotent: the same sender repeating a clientMessageId
// in a room gets 200 with the first message (even with another text);
// 10 concurrent posts of one clientMessageId make exactly one message (one
// document, one seq claim, one 201) and every answer carries it; the same
// clientMessageId from another member, or in another room, is another
// message; and each recipient is notified of each message once.
func TestF14MessagesIdempotent(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	c := e.colleague(a, "c")
	r := e.mustCreateRoom(a, groupRoom, "Idempotent", b.AccountID, c.AccountID)
	other := e.mustCreateRoom(a, directRoom, "", b.AccountID)

	var first, raced, byB message
	e.step(t, "a repeat answers the first message", func(t *testing.T) {
		first = f14Posted(t, e.postMessage(a, r.RoomID, "hello", "c-1"), http.StatusCreated)
		for _, text := range []string{"hello", "a different text"} {
			again := f14Posted(t, e.postMessage(a, r.RoomID, text, "c-1"), http.StatusOK)
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("repeat with text %q (-first +repeat):\n%s", text, diff)
			}
		}
		if got := e.history(b, r.RoomID, 0, 0); len(got) != 1 || got[0].MessageID != first.MessageID || got[0].Text != "hello" {
			t.Errorf("history = %+v, want only the first message", got)
		}
	})

	e.step(t, "10 concurrent posts of one clientMessageId", func(t *testing.T) {
		answers := make([]response, 10)
		_, count := race(10, func(i int) int {
			answers[i] = e.postMessage(a, r.RoomID, fmt.Sprintf("race %d", i), "c-2")
			return answers[i].Status
		})
		if count[http.StatusCreated] != 1 || count[http.StatusOK] != 9 {
			t.Errorf("statuses %v, want one 201 and nine 200", count)
		}
		for i, res := range answers {
			if res.Status != http.StatusCreated && res.Status != http.StatusOK {
				t.Fatalf("post %d answered %d %s", i, res.Status, res.Body)
			}
			var m message
			res.JSON(t, &m)
			if raced.MessageID == "" {
				raced = m
			}
			if diff := cmp.Diff(raced, m); diff != "" {
				t.Errorf("answer %d differs (-answer 0 +answer %d):\n%s", i, i, diff)
			}
		}
		if !strings.HasPrefix(raced.Text, "race ") {
			t.Errorf("the message's text is %q, want one of the racers'", raced.Text)
		}
		snaps, err := e.fs().Collection(roomDoc(r.RoomID)+"/messages").Where("clientMessageId", "==", "c-2").Documents(context.Background()).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 1 || snaps[0].Ref.ID != raced.MessageID {
			t.Errorf("%d message documents with clientMessageId c-2, want exactly one (%s)", len(snaps), raced.MessageID)
		}
	})

	e.step(t, "another member or another room is another message", func(t *testing.T) {
		byB = f14Posted(t, e.postMessage(b, r.RoomID, "hello", "c-1"), http.StatusCreated)
		if byB.MessageID == first.MessageID || byB.SenderID != b.AccountID || byB.Seq == first.Seq {
			t.Errorf("b's c-1 = %+v, a's = %+v: want another message, of b", byB, first)
		}
		e.f14RequireStored(t, r.RoomID, byB, b, "c-1")
		elsewhere := f14Posted(t, e.postMessage(a, other.RoomID, "hello", "c-1"), http.StatusCreated)
		if elsewhere.MessageID == first.MessageID {
			t.Errorf("a's c-1 in another room has the same ID %s", first.MessageID)
		}
		// b's repeat finds b's message, not a's.
		if again := f14Posted(t, e.postMessage(b, r.RoomID, "x", "c-1"), http.StatusOK); again.MessageID != byB.MessageID {
			t.Errorf("b's repeat answered %s, want b's %s", again.MessageID, byB.MessageID)
		}
	})

	e.step(t, "one message, one document, one seq claim, one notification each", func(t *testing.T) {
		want := []string{first.MessageID, raced.MessageID, byB.MessageID}
		got := f14IDs(e.history(c, r.RoomID, 0, 100))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		if n := len(e.f14Docs(roomDoc(r.RoomID) + "/messages")); n != 3 {
			t.Errorf("%d message documents, want 3", n)
		}
		claims := e.f14Docs(roomDoc(r.RoomID) + "/seqs")
		if len(claims) != 3 {
			t.Errorf("%d seq claims, want 3 (one per message): %v", len(claims), claims)
		}
		for _, m := range []message{first, raced, byB} {
			if claim := claims[fmt.Sprint(m.Seq)]; claim["messageId"] != m.MessageID {
				t.Errorf("seq %d claimed by %v, want %s", m.Seq, claim, m.MessageID)
			}
		}
		e.settle()
		count := func(s session) map[string]int {
			out := map[string]int{}
			for _, n := range e.messageNotes(s) {
				if n.RoomID == r.RoomID {
					out[n.MessageID]++
				}
			}
			return out
		}
		wantNotes := map[string]map[string]int{
			a.AccountID: {byB.MessageID: 1},
			b.AccountID: {first.MessageID: 1, raced.MessageID: 1},
			c.AccountID: {first.MessageID: 1, raced.MessageID: 1, byB.MessageID: 1},
		}
		for _, s := range []session{a, b, c} {
			if diff := cmp.Diff(wantNotes[s.AccountID], count(s)); diff != "" {
				t.Errorf("notifications of %s by message (-want +got):\n%s", s.AccountID, diff)
			}
		}
	})
}

// TestF14MessagesConcurrent: 20 concurrent posts to one room all succeed
// with distinct seqs below 2^53; the history returns all 20 in seq order;
// a member who read none has 20 unread, the poster 0 (own messages do not
// count); posts one after another get strictly increasing seqs, above
// every seq before them.
func TestF14MessagesConcurrent(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	c := e.colleague(a, "c")
	r := e.mustCreateRoom(a, groupRoom, "Busy", b.AccountID, c.AccountID)

	answers := make([]response, 20)
	_, count := race(20, func(i int) int {
		answers[i] = e.postMessage(a, r.RoomID, fmt.Sprintf("concurrent %02d", i), fmt.Sprintf("c-%02d", i))
		return answers[i].Status
	})
	if count[http.StatusCreated] != 20 {
		t.Fatalf("statuses %v, want 20 × 201", count)
	}
	var posted []message
	seqs, ids := map[int64]bool{}, map[string]bool{}
	for _, res := range answers {
		m := f14Posted(t, res, http.StatusCreated)
		if seqs[m.Seq] || ids[m.MessageID] {
			t.Errorf("seq %d or ID %s answered twice", m.Seq, m.MessageID)
		}
		seqs[m.Seq], ids[m.MessageID] = true, true
		posted = append(posted, m)
	}
	slices.SortFunc(posted, func(x, y message) int { return int(x.Seq - y.Seq) })
	f14RequireAscending(t, "concurrent posts", f14Seqs(posted))

	got := e.history(b, r.RoomID, 0, 100)
	if diff := cmp.Diff(posted, got); diff != "" {
		t.Errorf("history, want all 20 in seq order (-posted +got):\n%s", diff)
	}
	if n := len(e.f14Docs(roomDoc(r.RoomID) + "/messages")); n != 20 {
		t.Errorf("%d message documents, want 20", n)
	}
	claims := e.f14Docs(roomDoc(r.RoomID) + "/seqs")
	if len(claims) != 20 {
		t.Errorf("%d seq claims, want 20", len(claims))
	}
	for _, m := range posted {
		if claims[fmt.Sprint(m.Seq)]["messageId"] != m.MessageID {
			t.Errorf("seq %d claimed by %v, want %s", m.Seq, claims[fmt.Sprint(m.Seq)], m.MessageID)
		}
	}
	e.f14RequireUnread(t, r.RoomID, map[string]int{a.AccountID: 0, b.AccountID: 20, c.AccountID: 20}, a, b, c)

	// One after another: each above the one before, and above all of the
	// concurrent ones.
	seq := []int64{posted[len(posted)-1].Seq}
	var last message
	for i := range 5 {
		last = e.mustPost(a, r.RoomID, fmt.Sprintf("sequential %d", i))
		seq = append(seq, last.Seq)
	}
	f14RequireAscending(t, "sequential posts after the concurrent ones", seq)
	all := e.history(c, r.RoomID, 0, 100)
	if len(all) != 25 || all[24].MessageID != last.MessageID {
		t.Errorf("history has %d messages ending %+v, want 25 ending with %s", len(all), all[len(all)-1], last.MessageID)
	}
	f14RequireAscending(t, "history", f14Seqs(all))

	// b posts: a and c have one more unread, b's own does not count.
	e.mustPost(b, r.RoomID, "from b")
	e.f14RequireUnread(t, r.RoomID, map[string]int{a.AccountID: 1, b.AccountID: 25, c.AccountID: 26}, a, b, c)
	if lr, _ := findRoom(e.rooms(c), r.RoomID); lr.LastMessage == nil || lr.LastMessage.Text != "from b" {
		t.Errorf("lastMessage = %+v, want b's", lr.LastMessage)
	}
}

// TestF14MessagesHistory: the history pages by afterSeq and limit (1–100,
// default 50), ascending by seq, each message once; a limit outside 1–100
// or an afterSeq that is not a whole number ≥ 0 is refused with 400.
func TestF14MessagesHistory(t *testing.T) {
	t.Parallel()
	e := start(t, rateLimitFactor(100)) // 101 posts in a minute: not about limits
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	if got := e.history(b, r.RoomID, 0, 0); len(got) != 0 {
		t.Fatalf("a new room's history = %+v", got)
	}
	// 101 messages, by 4 posters at a time.
	var mu sync.Mutex
	var posted []message
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 101; i += 4 {
				res := e.postMessage(a, r.RoomID, fmt.Sprintf("message %03d", i), fmt.Sprintf("h-%03d", i))
				mu.Lock()
				if res.Status == http.StatusCreated {
					var m message
					res.JSON(t, &m)
					posted = append(posted, m)
				} else {
					t.Errorf("post %d answered %d %s", i, res.Status, res.Body)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(posted) != 101 {
		t.Fatalf("%d messages posted, want 101", len(posted))
	}
	slices.SortFunc(posted, func(x, y message) int { return int(x.Seq - y.Seq) })
	f14RequireAscending(t, "posted", f14Seqs(posted))

	e.step(t, "pages", func(t *testing.T) {
		// after returns what a page must hold: the messages above afterSeq,
		// at most limit (0: the default, 50) of them.
		after := func(afterSeq int64, limit int) []message {
			if limit == 0 {
				limit = 50
			}
			i := slices.IndexFunc(posted, func(m message) bool { return m.Seq > afterSeq })
			if i < 0 {
				return nil
			}
			return posted[i:min(len(posted), i+limit)]
		}
		cases := []struct {
			name     string
			afterSeq int64
			limit    int
			n        int // messages the page holds
		}{
			{"default: the first 50", 0, 0, 50},
			{"limit 100", 0, 100, 100},
			{"limit 1", 0, 1, 1},
			{"after the 100th", posted[99].Seq, 100, 1},
			{"after the 50th, default limit", posted[49].Seq, 0, 50},
			{"after the 20th, limit 3", posted[19].Seq, 3, 3},
			{"after a seq between two messages (or just below one)", posted[9].Seq + 1, 100, 0},
			{"after the last", posted[100].Seq, 100, 0},
			{"after 2^53-1", f14MaxSeq, 0, 0},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				want := after(tc.afterSeq, tc.limit)
				if tc.n != 0 && len(want) != tc.n {
					t.Fatalf("the case expects %d messages, the posts give %d", tc.n, len(want))
				}
				got := e.history(b, r.RoomID, tc.afterSeq, tc.limit)
				if diff := cmp.Diff(f14IDs(want), f14IDs(got)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if len(got) > 0 && !cmp.Equal(want, got) {
					t.Errorf("the page's messages differ from the posts' answers:\n%s", cmp.Diff(want, got))
				}
			})
		}
	})

	e.step(t, "paging through by 37", func(t *testing.T) {
		var all []message
		var after int64
		pages := 0
		for {
			page := e.history(a, r.RoomID, after, 37)
			pages++
			if len(page) == 0 {
				break
			}
			if len(page) > 37 {
				t.Fatalf("page of %d, limit 37", len(page))
			}
			all = append(all, page...)
			after = page[len(page)-1].Seq
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if diff := cmp.Diff(posted, all); diff != "" {
			t.Errorf("paged history (-posted +paged):\n%s", diff)
		}
		if pages != 4 { // 37, 37, 27, then an empty page
			t.Errorf("%d pages, want 4", pages)
		}
	})

	e.step(t, "refused", func(t *testing.T) {
		q := func(kv ...string) func() response {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return func() response { return e.historyCall(b, r.RoomID, v) }
		}
		const bad, code = http.StatusBadRequest, "invalid_request"
		e.refusals(t, []refusal{
			{name: "limit 101", call: q("limit", "101"), status: bad, code: code},
			{name: "limit 0", call: q("limit", "0"), status: bad, code: code},
			{name: "limit -1", call: q("limit", "-1"), status: bad, code: code},
			{name: "limit not a number", call: q("limit", "ten"), status: bad, code: code},
			{name: "limit 1.5", call: q("limit", "1.5"), status: bad, code: code},
			{name: "afterSeq -1", call: q("afterSeq", "-1"), status: bad, code: code},
			{name: "afterSeq not a number", call: q("afterSeq", "abc"), status: bad, code: code},
			{name: "afterSeq 1.5", call: q("afterSeq", "1.5"), status: bad, code: code},
		})
	})
}

// TestF14MessagesRead: marking a room read up to a seq leaves unread only
// the messages after it; an older seq never moves the position back; a
// seq beyond the latest message is taken as the latest (so a later
// message is unread); invalid seqs are refused with 400 and write nothing.
func TestF14MessagesRead(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	readDoc := roomDoc(r.RoomID) + "/reads/" + memberKey(b)
	read := func(t *testing.T, seq int64) {
		t.Helper()
		requireStatus(t, e.markRead(b, r.RoomID, seq), http.StatusNoContent)
	}
	position := func(t *testing.T, want int64) {
		t.Helper()
		if got := e.doc(readDoc)["readSeq"]; got != want {
			t.Errorf("stored readSeq = %v, want %d", got, want)
		}
	}

	e.step(t, "an empty room: a seq beyond the latest clamps to none", func(t *testing.T) {
		read(t, 1_000_000)
		m := e.mustPost(a, r.RoomID, "first")
		if m.Seq <= 1_000_000 {
			t.Fatalf("seq %d: below the seq sent before (not a Unix-microsecond seq); the case proves nothing", m.Seq)
		}
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 1}, b)
		read(t, m.Seq)
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 0}, b)
	})

	var ms []message
	e.step(t, "read up to a seq", func(t *testing.T) {
		for i := range 5 {
			ms = append(ms, e.mustPost(a, r.RoomID, fmt.Sprintf("m%d", i)))
		}
		e.f14RequireUnread(t, r.RoomID, map[string]int{a.AccountID: 0, b.AccountID: 5}, a, b)
		read(t, ms[1].Seq)
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 3}, b)
		position(t, ms[1].Seq)
		read(t, ms[1].Seq+1) // between ms[1] and ms[2] (or ms[2] itself)
		want := 3
		if ms[2].Seq == ms[1].Seq+1 {
			want = 2
		}
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: want}, b)
	})

	e.step(t, "never moves back", func(t *testing.T) {
		read(t, ms[3].Seq)
		for _, older := range []int64{ms[2].Seq, ms[0].Seq, 0} {
			read(t, older)
			e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 1}, b)
			position(t, ms[3].Seq)
		}
	})

	e.step(t, "beyond the latest clamps to the latest", func(t *testing.T) {
		read(t, f14MaxSeq)
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 0}, b)
		position(t, ms[4].Seq)
		next := e.mustPost(a, r.RoomID, "after the clamp")
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 1}, b)
		read(t, next.Seq)
		e.f14RequireUnread(t, r.RoomID, map[string]int{b.AccountID: 0}, b)
	})

	e.step(t, "own messages are never unread", func(t *testing.T) {
		requireStatus(t, e.markRead(a, r.RoomID, 0), http.StatusNoContent)
		e.f14RequireUnread(t, r.RoomID, map[string]int{a.AccountID: 0}, a)
	})

	e.step(t, "refused", func(t *testing.T) {
		post := func(body any) func() response {
			return func() response { return e.call("POST", "/v1/rooms/"+r.RoomID+"/read", body, b.bearer()...) }
		}
		const bad, code = http.StatusBadRequest, "invalid_request"
		e.refusals(t, []refusal{
			{name: "seq -1", call: post(`{"seq":-1}`), status: bad, code: code},
			{name: "seq 2^53", call: post(`{"seq":9007199254740992}`), status: bad, code: code},
			{name: "seq 1.5", call: post(`{"seq":1.5}`), status: bad, code: code},
			{name: "seq a string", call: post(`{"seq":"5"}`), status: bad, code: code},
			{name: "seq null", call: post(`{"seq":null}`), status: bad, code: code},
			{name: "seq missing", call: post(`{}`), status: bad, code: code},
			{name: "not JSON", call: post("seq=5"), status: bad, code: code},
		})
	})
}

// TestF14MessagesAccess: posting, reading the history and marking read
// answer 403 forbidden to whoever is not a member of the room — a
// colleague, a member of another workspace, the same account signed in to
// another workspace (a room member is a membership) — and 404 not_found
// for an unknown room or an ID that is not one; all write nothing.
func TestF14MessagesAccess(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	c := e.colleague(a, "c")
	x := e.ownerSession("other", "owner@other.example")
	aElsewhere := e.alsoJoins(a, "owner@acme.example", x)
	r := e.mustCreateRoom(a, groupRoom, "Members only", b.AccountID)
	m := e.mustPost(a, r.RoomID, "members only")

	type endpoint struct {
		name string
		call func(s session, roomID string) response
	}
	endpoints := []endpoint{
		{"post", func(s session, roomID string) response { return e.postMessage(s, roomID, "hi", domain.NewID()) }},
		{"history", func(s session, roomID string) response { return e.historyCall(s, roomID, nil) }},
		{"read", func(s session, roomID string) response { return e.markRead(s, roomID, m.Seq) }},
	}
	var cases []refusal
	for _, ep := range endpoints {
		as := func(s session, roomID string) func() response { return func() response { return ep.call(s, roomID) } }
		cases = append(cases,
			refusal{name: ep.name + ": a colleague not in the room", call: as(c, r.RoomID), status: http.StatusForbidden, code: "forbidden"},
			refusal{name: ep.name + ": a member of another workspace", call: as(x, r.RoomID), status: http.StatusForbidden, code: "forbidden"},
			refusal{name: ep.name + ": a member's account signed in to another workspace", call: as(aElsewhere, r.RoomID), status: http.StatusForbidden, code: "forbidden"},
			refusal{name: ep.name + ": an unknown room", call: as(a, domain.NewID()), status: http.StatusNotFound, code: "not_found"},
			refusal{name: ep.name + ": not a room ID", call: as(a, "not-a-room"), status: http.StatusNotFound, code: "not_found"},
			refusal{name: ep.name + ": signed out", call: as(session{}, r.RoomID), status: http.StatusUnauthorized, code: "unauthenticated"},
		)
	}
	e.refusals(t, cases)

	// The control: the members post, read and mark read.
	f14Posted(t, e.postMessage(b, r.RoomID, "hi", domain.NewID()), http.StatusCreated)
	if got := e.history(b, r.RoomID, 0, 0); len(got) != 2 {
		t.Errorf("b reads %d messages, want 2", len(got))
	}
	requireStatus(t, e.markRead(b, r.RoomID, m.Seq), http.StatusNoContent)
}

// f14PostRoute reports whether a request log route is the one of
// POST /v1/rooms/{roomId}/messages.
func f14PostRoute(route string) bool {
	return strings.HasPrefix(route, "POST /v1/rooms/") && strings.HasSuffix(route, "/messages")
}

// f14PostCost posts a message as s and returns the cost its request
// logged.
func (e *env) f14PostCost(log *jobLog, s session, roomID, text string) jobLine {
	e.t.Helper()
	mark := log.mark()
	e.mustPost(s, roomID, text)
	deadline := time.Now().Add(10 * time.Second)
	for {
		log.mu.Lock()
		var lines []jobLine
		for _, l := range log.lines[mark:] {
			if f14PostRoute(l.route) {
				lines = append(lines, l)
			}
		}
		log.mu.Unlock()
		if len(lines) > 1 {
			e.t.Fatalf("%d post requests logged for one post: %+v", len(lines), lines)
		}
		if len(lines) == 1 {
			return lines[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatal("no request line logged for POST /v1/rooms/{roomId}/messages")
		}
		sleep()
	}
}

// TestF14MessagesCost: a post costs the same Firestore writes — 5: the
// message, its seq claim and its outbox event, then the event's publish
// recorded on it (the fan-out removes it once done), and the sender's
// rate counter (ratelimit.PostMember,
// the sender's own document) — in a 2-member room and in a 1,000-member
// room, and reads that do not grow with the room; no document shared by
// the room is written by a post: the room document and the members'
// documents keep their update times, and the room holds only its
// messages, seq claims and each member's own entry (one per member: the
// fan-out moves each member's room to the top of their list in their
// entry alone).
func TestF14MessagesCost(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	owner, ids := e.bigRoomWorkspace("big", 1000)
	small := e.mustCreateRoom(owner, directRoom, "", ids[0])
	big := e.mustCreateRoom(owner, groupRoom, "All hands", ids...)
	if len(big.MemberIDs) != 1000 || len(small.MemberIDs) != 2 {
		t.Fatalf("rooms of %d and %d members, want 1,000 and 2", len(big.MemberIDs), len(small.MemberIDs))
	}
	e.settle()
	roomTimes := map[string]time.Time{}
	for _, id := range []string{small.RoomID, big.RoomID} {
		roomTimes[id] = e.f14UpdateTime(roomDoc(id))
	}
	memberTimes := e.f14UpdateTimes("workspaces/big/members")

	costs := map[string][]jobLine{}
	for i := range 3 {
		for _, rm := range []struct {
			name string
			id   string
		}{{"2 members", small.RoomID}, {"1,000 members", big.RoomID}} {
			c := e.f14PostCost(&log, owner, rm.id, fmt.Sprintf("post %d", i))
			if c.status != http.StatusCreated {
				t.Errorf("post in the room of %s logged status %d", rm.name, c.status)
			}
			costs[rm.name] = append(costs[rm.name], c)
		}
	}
	for name, cs := range costs {
		for i, c := range cs {
			if c.writes != 5 {
				t.Errorf("post %d in the room of %s wrote %d documents, want 5 (message, seq claim, outbox event, its publish recorded, the sender's rate counter)", i, name, c.writes)
			}
			if c.reads > 100 {
				t.Errorf("post %d in the room of %s read %d documents: reads grow with the room", i, name, c.reads)
			}
		}
	}
	if s, b := costs["2 members"][2], costs["1,000 members"][2]; s.writes != b.writes {
		t.Errorf("a post wrote %d documents in a room of 2, %d in a room of 1,000", s.writes, b.writes)
	}
	t.Logf("post costs: %+v", costs)

	e.settle() // the fan-out of the posts is done too
	for id, before := range roomTimes {
		if after := e.f14UpdateTime(roomDoc(id)); !after.Equal(before) {
			t.Errorf("the room document %s was written by the posts (updated %v, created %v)", id, after, before)
		}
	}
	if diff := cmp.Diff(memberTimes, e.f14UpdateTimes("workspaces/big/members")); diff != "" {
		t.Errorf("member documents were written by the posts (-before +after):\n%s", diff)
	}
	for _, id := range []string{small.RoomID, big.RoomID} {
		var subs []string
		cols, err := e.fs().Doc(roomDoc(id)).Collections(context.Background()).GetAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range cols {
			subs = append(subs, col.ID)
		}
		slices.Sort(subs)
		if diff := cmp.Diff([]string{"messages", "reads", "seqs"}, subs); diff != "" {
			t.Errorf("collections under room %s after posts nobody read (-want +got):\n%s", id, diff)
		}
		entries := e.f14Docs(roomDoc(id) + "/reads")
		want := 2
		if id == big.RoomID {
			want = 1000
		}
		if len(entries) != want {
			t.Errorf("room %s holds %d member entries, want one per member (%d)", id, len(entries), want)
		}
		for k, d := range entries {
			if d["memberKey"] != k || d["roomId"] != id {
				t.Errorf("room %s: the entry %s is not its member's own: %v", id, k, d)
			}
		}
		if n := len(e.f14Docs(roomDoc(id) + "/messages")); n != 3 {
			t.Errorf("room %s holds %d messages, want 3", id, n)
		}
	}
}

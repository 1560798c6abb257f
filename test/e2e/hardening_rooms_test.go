package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/ratelimit"
)

// The tests here replay issue 15's item 4 ("One member can make another's
// room list fail"): group rooms made around anyone without limit, and a
// room list that loaded every room. The room list now comes a page at a
// time (API.md: GET /v1/rooms ?pageSize= 1–50, default 20, &pageToken=),
// newest activity first, at a cost that follows the page; creating rooms,
// posting and creating profile links are rate limited per member (429
// rate_limited with Retry-After, nothing written).

// rateLimitFactor multiplies every rate limit of the stack (config
// RateLimitFactor), for tests that are not about limits.
func rateLimitFactor(n int) func(*stackOptions) {
	return func(o *stackOptions) {
		prev := o.Configure
		o.Configure = func(c *configT) {
			if prev != nil {
				prev(c)
			}
			c.RateLimitFactor = n
		}
	}
}

// hrListRoute is the route the room list's requests are logged under.
const hrListRoute = "GET /v1/rooms"

// hrPage asks for a page of s's rooms (pageSize 0: the default), requires
// 200, and returns it with the Firestore cost its request logged.
func (e *env) hrPage(log *jobLog, s session, pageSize int, token string) (roomPage, jobLine) {
	e.t.Helper()
	mark := log.mark()
	p := e.roomsPage(s, pageSize, token)
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines := log.routed(mark, hrListRoute)
		if len(lines) > 1 {
			e.t.Fatalf("%d room-list requests logged for one: %+v", len(lines), lines)
		}
		if len(lines) == 1 {
			return p, lines[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no request line logged for %s", hrListRoute)
		}
		sleep()
	}
}

// hrAllPages pages through s's whole room list with pageSize, and returns
// the rooms in order and each page's cost. Every page but the last is
// full; only the last has no next page token.
func (e *env) hrAllPages(log *jobLog, s session, pageSize int) ([]room, []jobLine) {
	e.t.Helper()
	want := pageSize
	if want == 0 {
		want = 20
	}
	var (
		all   []room
		costs []jobLine
		token string
	)
	for {
		p, c := e.hrPage(log, s, pageSize, token)
		all, costs = append(all, p.Rooms...), append(costs, c)
		if p.NextPageToken == nil {
			if len(p.Rooms) > want {
				e.t.Fatalf("the last page holds %d rooms, more than %d", len(p.Rooms), want)
			}
			return all, costs
		}
		if len(p.Rooms) != want || *p.NextPageToken == "" {
			e.t.Fatalf("page %d holds %d rooms (want %d) and next page token %q", len(costs), len(p.Rooms), want, *p.NextPageToken)
		}
		if len(costs) > 100 {
			e.t.Fatal("more than 100 pages")
		}
		token = *p.NextPageToken
	}
}

// hrByActivity sorts rooms as the list must: newest activity first (the
// last message, else the creation), then by room ID, descending.
func hrByActivity(rs []room) []string {
	active := func(r room) time.Time {
		if r.LastMessage != nil {
			return r.LastMessage.CreatedAt
		}
		return r.CreatedAt
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b room) int {
		if c := active(b).Compare(active(a)); c != 0 {
			return c
		}
		return strings.Compare(b.RoomID, a.RoomID)
	})
	return roomIDs(sorted)
}

// TestHardeningRoomListPages: a member makes 500 group rooms around
// another (as many creators could, or one before the limit: the limit is
// raised here). Her room list comes a page at a time: every page costs
// about the same Firestore reads, bounded by the page size (not by her
// 500 rooms), the pages together list each room exactly once, newest
// activity first, and the last page has no next token; a message moves
// its room to the top of each member's list (once the fan-out job ran).
// A page size outside 1–50 or a page token the list did not give is
// refused with 400; a token of hers, or one forged, given by another
// member lists only that member's rooms.
func TestHardeningRoomListPages(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t, rateLimitFactor(100))
	mal := e.ownerSession("hr-list", "mal@hr-list.example")
	amy := e.colleague(mal, "amy")
	bob := e.colleague(mal, "bob")
	bobRooms := []room{
		e.mustCreateRoom(bob, directRoom, "", mal.AccountID),
		e.mustCreateRoom(bob, groupRoom, "Bob's", mal.AccountID),
	}

	const n = 500
	made := make([]room, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				r := e.createRoom(mal, roomBody(groupRoom, fmt.Sprintf("Spam %03d", i), amy.AccountID))
				if r.Status != http.StatusCreated {
					t.Errorf("room %d: %d %s", i, r.Status, r.Body)
					continue
				}
				r.JSON(t, &made[i])
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	e.settle()

	// checkList pages through amy's list and requires every room once,
	// in order, each page's cost bounded by its size and about the same.
	checkList := func(t *testing.T, pageSize int, want []string) []jobLine {
		t.Helper()
		got, costs := e.hrAllPages(&log, amy, pageSize)
		if diff := cmp.Diff(want, roomIDs(got)); diff != "" {
			t.Fatalf("amy's rooms, page after page of %d (-want +got):\n%s", pageSize, diff)
		}
		size := int64(max(pageSize, 1))
		if pageSize == 0 {
			size = 20
		}
		// A page reads its size+1 entries, its rooms, and each room's
		// latest message (and, unread, two counts); authentication a few.
		bound := 5*size + 10
		for i, c := range costs {
			if c.status != http.StatusOK || c.reads > bound || c.writes > 2 {
				t.Errorf("page %d of %d: %+v, want at most %d reads and 2 writes (not growing with %d rooms)", i, size, c, bound, n)
			}
		}
		first, later := costs[0].reads, costs[len(costs)/2].reads
		if d := first - later; d > size/2 || d < -size/2 {
			t.Errorf("page 1 read %d documents, page %d read %d: a page's cost must not depend on where it is", first, len(costs)/2+1, later)
		}
		t.Logf("%d pages of %d: costs %v", len(costs), size, costs)
		return costs
	}

	e.step(t, "pages of her 500 rooms, newest first, each once", func(t *testing.T) {
		want := hrByActivity(made)
		checkList(t, 0, want)
		checkList(t, 50, want) // 10 full pages: the 10th has no next token
		checkList(t, 7, want)
	})

	e.step(t, "a message moves its room to the top of every member's list", func(t *testing.T) {
		old := made[100]
		m := e.mustPost(mal, old.RoomID, "are you there, amy?")
		e.settle() // the fan-out job visited both members
		for _, s := range []session{amy, mal} {
			// Through hrPage, which waits for the page's request line:
			// one arriving late would be counted as the next page's.
			p, _ := e.hrPage(&log, s, 3, "")
			if len(p.Rooms) != 3 || p.Rooms[0].RoomID != old.RoomID {
				t.Fatalf("%s's first page starts %v, want the room just posted in (%s)", s.AccountID, roomIDs(p.Rooms), old.RoomID)
			}
			unread := map[string]int{amy.AccountID: 1, mal.AccountID: 0}[s.AccountID]
			if got := p.Rooms[0]; got.LastMessage == nil || got.LastMessage.MessageID != m.MessageID || got.UnreadCount != unread {
				t.Errorf("%s's top room: lastMessage %+v unread %d, want %s and %d", s.AccountID, got.LastMessage, got.UnreadCount, m.MessageID, unread)
			}
		}
		made[100].LastMessage = &m
		checkList(t, 20, hrByActivity(made))
	})

	e.step(t, "refused page sizes and tokens", func(t *testing.T) {
		first := e.roomsPage(amy, 20, "")
		if first.NextPageToken == nil {
			t.Fatal("amy's first page has no next page token")
		}
		token := *first.NextPageToken
		b64 := base64.RawURLEncoding.EncodeToString
		for _, q := range []url.Values{
			{"pageSize": {"0"}}, {"pageSize": {"51"}}, {"pageSize": {"-1"}}, {"pageSize": {"1.5"}},
			{"pageSize": {"twenty"}}, {"pageToken": {"!"}},
			{"pageToken": {token + "x"}}, {"pageToken": {token[:len(token)-2]}},
			{"pageToken": {b64([]byte(`["123","../rooms"]`))}}, {"pageToken": {b64([]byte(`["-5","` + made[0].RoomID + `"]`))}},
			{"pageToken": {b64([]byte(`["soon","` + made[0].RoomID + `"]`))}}, {"pageToken": {b64([]byte(made[0].RoomID))}},
			{"pageToken": {b64([]byte("5." + made[0].RoomID))}},
			{"pageToken": {strings.Repeat("A", 4096)}},
		} {
			refused(t, e.roomList(amy, q), http.StatusBadRequest, "invalid_request")
		}
	})

	e.step(t, "a token only positions the caller's own list", func(t *testing.T) {
		bobs := hrByActivity(bobRooms)
		first := e.roomsPage(amy, 20, "")
		if first.NextPageToken == nil {
			t.Fatal("amy's first page has no next page token")
		}
		forged := base64.RawURLEncoding.EncodeToString([]byte(`["9999999999999999","` + made[0].RoomID + `"]`))
		for name, token := range map[string]string{"amy's token": *first.NextPageToken, "a forged token": forged} {
			p := e.roomsPage(bob, 50, token)
			if diff := cmp.Diff(bobs, roomIDs(p.Rooms)); diff != "" {
				t.Errorf("bob with %s lists (-his own rooms +got):\n%s", name, diff)
			}
			for _, r := range p.Rooms {
				if !slices.Contains(r.MemberIDs, bob.AccountID) {
					t.Errorf("bob with %s sees room %s of %v", name, r.RoomID, r.MemberIDs)
				}
			}
			if p.NextPageToken != nil {
				t.Errorf("bob with %s: next page token %q after his last room", name, *p.NextPageToken)
			}
		}
	})
}

// hrAlign moves the dev clock to the start of the next window of a rate
// rule (windows are fixed: they start at multiples of their length), so
// that a test's uses fall in one window.
func (e *env) hrAlign(window time.Duration) {
	e.t.Helper()
	now := e.s.Deps.Clock.Now()
	next := now.Truncate(window).Add(window)
	e.advance(int((next.Sub(now) + time.Second - 1) / time.Second))
}

// hrLimited requires a call refused for its rate: 429 rate_limited with a
// Retry-After (whole seconds, within the window) that the body repeats,
// and not one document written.
func (e *env) hrLimited(t *testing.T, window time.Duration, call func() response) {
	t.Helper()
	before := e.contents()
	r := call()
	refused(t, r, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(window/time.Second) {
		t.Errorf("Retry-After %q, want 1 to %d seconds", r.Header.Get("Retry-After"), int(window/time.Second))
	}
	var p struct {
		RetryAfterSeconds int `json:"retryAfterSeconds"`
	}
	r.JSON(t, &p)
	if p.RetryAfterSeconds != secs {
		t.Errorf("retryAfterSeconds %d, Retry-After %d", p.RetryAfterSeconds, secs)
	}
	e.wroteNothing(before)
}

// TestHardeningRoomCreationLimit: a member creates at most
// ratelimit.RoomMember's limit of rooms in its window (direct and group
// alike); past it, creating a room is refused with 429 and writes nothing,
// while opening the existing direct room of a pair still answers it (it
// creates nothing). The next window lifts the limit. Others create on.
func TestHardeningRoomCreationLimit(t *testing.T) {
	t.Parallel()
	e := start(t)
	rule := ratelimit.RoomMember
	e.hrAlign(rule.Window)
	mal := e.ownerSession("hr-rooms", "mal@hr-rooms.example")
	amy := e.colleague(mal, "amy")
	bob := e.colleague(mal, "bob")

	pair := e.mustCreateRoom(mal, directRoom, "", amy.AccountID)
	for i := range rule.Limit - 1 {
		requireStatus(t, e.createRoom(mal, roomBody(groupRoom, fmt.Sprintf("Room %d", i), amy.AccountID)), http.StatusCreated)
	}
	if got := len(e.roomsWith(memberKey(amy))); got != rule.Limit {
		t.Fatalf("amy is in %d rooms, want %d", got, rule.Limit)
	}

	e.step(t, "past the limit nothing is created", func(t *testing.T) {
		e.settle()
		e.hrLimited(t, rule.Window, func() response {
			return e.createRoom(mal, roomBody(groupRoom, "One more", amy.AccountID))
		})
		e.hrLimited(t, rule.Window, func() response {
			return e.createRoom(mal, roomBody(directRoom, "", bob.AccountID))
		})
		if got := len(e.roomsWith(memberKey(amy))); got != rule.Limit {
			t.Errorf("amy is in %d rooms, want %d", got, rule.Limit)
		}
	})

	e.step(t, "opening an existing direct room is not creating one", func(t *testing.T) {
		before := e.contents()
		for _, s := range []struct {
			who   session
			other string
		}{{mal, amy.AccountID}, {amy, mal.AccountID}} {
			r := e.createRoom(s.who, roomBody(directRoom, "", s.other))
			requireStatus(t, r, http.StatusOK)
			var got room
			r.JSON(t, &got)
			if got.RoomID != pair.RoomID {
				t.Errorf("the pair's room is %s, want %s", got.RoomID, pair.RoomID)
			}
		}
		e.wroteNothing(before)
	})

	e.step(t, "the limit is per member", func(t *testing.T) {
		requireStatus(t, e.createRoom(bob, roomBody(groupRoom, "Bob's", amy.AccountID)), http.StatusCreated)
	})

	e.step(t, "the next window lifts it", func(t *testing.T) {
		e.advance(int(rule.Window / time.Second))
		mal = e.renew(mal)
		requireStatus(t, e.createRoom(mal, roomBody(directRoom, "", bob.AccountID)), http.StatusCreated)
	})
}

// TestHardeningPostLimit: a member posts at most ratelimit.PostMember's
// limit of messages in its window, over all rooms; past it a new message
// is refused with 429 and posts nothing (the rooms hold the limit's
// messages), while repeating the clientMessageId of a
// message posted before still answers that message (a retry never takes
// a slot). Others post on; the
// next window lifts the limit.
func TestHardeningPostLimit(t *testing.T) {
	t.Parallel()
	e := start(t)
	rule := ratelimit.PostMember
	mal := e.ownerSession("hr-posts", "mal@hr-posts.example")
	amy := e.colleague(mal, "amy")
	dm := e.mustCreateRoom(mal, directRoom, "", amy.AccountID)
	grp := e.mustCreateRoom(mal, groupRoom, "Group", amy.AccountID)
	e.settle()

	e.hrAlign(rule.Window)
	started := time.Now()
	var first message
	for i := range rule.Limit {
		roomID := dm.RoomID
		if i%2 == 1 {
			roomID = grp.RoomID
		}
		r := e.postMessage(mal, roomID, fmt.Sprintf("message %d", i), fmt.Sprintf("c-%d", i))
		requireStatus(t, r, http.StatusCreated)
		if i == 0 {
			r.JSON(t, &first)
			// A client's retries take no slot: were they counted, the
			// limit would refuse the last posts of this loop.
			for range 3 {
				requireStatus(t, e.postMessage(mal, roomID, "message 0", "c-0"), http.StatusOK)
			}
		}
	}
	if time.Since(started) > rule.Window/2 {
		t.Fatalf("posting the limit took %s: the window may have turned", time.Since(started))
	}

	e.step(t, "past the limit nothing is posted", func(t *testing.T) {
		// Refused at once, in the window the loop filled (waiting for the
		// posts' fan-out first could outlast it on a loaded machine); what
		// was written is judged once the fan-out is done: the rooms hold
		// the limit's messages and no more.
		for _, roomID := range []string{dm.RoomID, grp.RoomID} {
			r := e.postMessage(mal, roomID, "one more", "c-more")
			refused(t, r, http.StatusTooManyRequests, "rate_limited")
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("a refusal for the rate without Retry-After")
			}
		}
		e.settle()
		if got := len(e.history(amy, dm.RoomID, 0, 100)) + len(e.history(amy, grp.RoomID, 0, 100)); got != rule.Limit {
			t.Errorf("%d messages in the rooms, want %d", got, rule.Limit)
		}
	})

	e.step(t, "a repeated clientMessageId still answers its message", func(t *testing.T) {
		before := e.contents()
		r := e.postMessage(mal, dm.RoomID, "message 0", "c-0")
		if diff := cmp.Diff(first, f14Posted(t, r, http.StatusOK)); diff != "" {
			t.Errorf("the repeat answered another message (-first +got):\n%s", diff)
		}
		e.wroteNothing(before)
	})

	e.step(t, "the limit is per poster", func(t *testing.T) {
		e.mustPost(amy, dm.RoomID, "amy may talk")
	})

	e.step(t, "the next window lifts it", func(t *testing.T) {
		e.advance(int(rule.Window / time.Second))
		e.mustPost(mal, dm.RoomID, "a minute later")
	})
}

// TestHardeningProfileLinkLimit: a member creates at most
// ratelimit.ProfileLinkMember's limit of profile links (one-time and QR
// alike) in its window; past it, 429 and nothing written; the next window
// lifts the limit.
func TestHardeningProfileLinkLimit(t *testing.T) {
	t.Parallel()
	e := start(t)
	rule := ratelimit.ProfileLinkMember
	e.hrAlign(rule.Window)
	mal := e.ownerSession("hr-links", "mal@hr-links.example")
	amy := e.colleague(mal, "amy")
	for i := range rule.Limit {
		typ := oneTimeLink
		if i%5 == 4 {
			typ = qrLink
		}
		e.newProfileLink(mal, typ)
	}
	create := func(s session, typ string) func() response {
		return func() response {
			return e.call("POST", "/v1/me/profile-links", map[string]string{"type": typ}, s.bearer()...)
		}
	}
	e.step(t, "past the limit nothing is created", func(t *testing.T) {
		e.settle()
		e.hrLimited(t, rule.Window, create(mal, oneTimeLink))
		e.hrLimited(t, rule.Window, create(mal, qrLink))
	})
	e.step(t, "the limit is per member", func(t *testing.T) {
		requireStatus(t, create(amy, oneTimeLink)(), http.StatusCreated)
	})
	e.step(t, "the next window lifts it", func(t *testing.T) {
		e.advance(int(rule.Window / time.Second))
		mal = e.renew(mal)
		requireStatus(t, create(mal, oneTimeLink)(), http.StatusCreated)
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// historyBefore returns a room's messages before beforeSeq, at most limit
// of them (0: the query leaves limit out), as s; it requires 200.
func (e *env) historyBefore(s session, roomID string, beforeSeq int64, limit int) []message {
	e.t.Helper()
	q := url.Values{"beforeSeq": {strconv.FormatInt(beforeSeq, 10)}}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	r := e.historyCall(s, roomID, q)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Messages []message `json:"messages"`
	}
	r.JSON(e.t, &out)
	return out.Messages
}

// TestF14HistoryBefore: beforeSeq reads a room's history backwards — the
// newest limit messages below it (default 50), still ascending — so a
// client opens a room at its newest page and pages back by the first seq it
// holds, each message once; a beforeSeq that is not a whole number from 1
// to 2^53-1, or one given with afterSeq, is refused with 400; a non-member
// is refused with 403 as forwards.
func TestF14HistoryBefore(t *testing.T) {
	t.Parallel()
	// n messages: more than two pages of 50 and one of 100. (Each post
	// costs the emulator a scan of the room's messages for its latest seq,
	// so more would only make the test slower.)
	const n = 130
	e := start(t, rateLimitFactor(100)) // n posts in a minute: not about limits
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	c := e.colleague(a, "c")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	if got := e.historyBefore(b, r.RoomID, f14MaxSeq, 0); len(got) != 0 {
		t.Fatalf("a new room's history = %+v", got)
	}
	// n messages, by 4 posters at a time.
	var mu sync.Mutex
	var posted []message
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				poster := a
				if i%3 == 0 {
					poster = b
				}
				res := e.postMessage(poster, r.RoomID, fmt.Sprintf("message %03d", i), fmt.Sprintf("hb-%03d", i))
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
	if len(posted) != n {
		t.Fatalf("%d messages posted, want %d", len(posted), n)
	}
	slices.SortFunc(posted, func(x, y message) int { return int(x.Seq - y.Seq) })
	f14RequireAscending(t, "posted", f14Seqs(posted))

	e.step(t, "pages", func(t *testing.T) {
		// before returns what a page must hold: the last limit (0: the
		// default, 50) messages below beforeSeq.
		before := func(beforeSeq int64, limit int) []message {
			if limit == 0 {
				limit = 50
			}
			i := slices.IndexFunc(posted, func(m message) bool { return m.Seq >= beforeSeq })
			if i < 0 {
				i = len(posted)
			}
			return posted[max(0, i-limit):i]
		}
		cases := []struct {
			name      string
			beforeSeq int64
			limit     int
			n         int // messages the page holds
		}{
			{"before 2^53-1, default: the newest 50", f14MaxSeq, 0, 50},
			{"before 2^53-1, limit 100", f14MaxSeq, 100, 100},
			{"before 2^53-1, limit 1: the newest", f14MaxSeq, 1, 1},
			{"before the last", posted[n-1].Seq, 3, 3},
			{"before the 101st, limit 100", posted[100].Seq, 100, 100},
			{"before the 21st, default limit", posted[20].Seq, 0, 20},
			{"before a seq just above one", posted[9].Seq + 1, 2, 2},
			{"before the first", posted[0].Seq, 100, 0},
			{"before 1", 1, 0, 0},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				want := before(tc.beforeSeq, tc.limit)
				if len(want) != tc.n {
					t.Fatalf("the case expects %d messages, the posts give %d", tc.n, len(want))
				}
				got := e.historyBefore(b, r.RoomID, tc.beforeSeq, tc.limit)
				if diff := cmp.Diff(f14IDs(want), f14IDs(got)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if len(got) > 0 && !cmp.Equal(want, got) {
					t.Errorf("the page's messages differ from the posts' answers:\n%s", cmp.Diff(want, got))
				}
			})
		}
	})

	e.step(t, "paging back by 50, as the app does", func(t *testing.T) {
		var all []message
		before := int64(f14MaxSeq)
		pages := 0
		for {
			page := e.historyBefore(a, r.RoomID, before, 50)
			pages++
			if len(page) == 0 {
				break
			}
			if len(page) > 50 {
				t.Fatalf("page of %d, limit 50", len(page))
			}
			f14RequireAscending(t, fmt.Sprintf("page %d", pages), f14Seqs(page))
			all = append(slices.Clone(page), all...)
			before = page[0].Seq
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if diff := cmp.Diff(posted, all); diff != "" {
			t.Errorf("paged history (-posted +paged):\n%s", diff)
		}
		if pages != 4 { // 50, 50 and 30, then an empty page
			t.Errorf("%d pages, want 4", pages)
		}
	})

	e.step(t, "paging back by 37 meets paging forwards", func(t *testing.T) {
		// A page back from the middle and a page forwards from its first
		// seq hold the same messages.
		back := e.historyBefore(a, r.RoomID, posted[120].Seq, 37)
		fwd := e.history(a, r.RoomID, back[0].Seq-1, 37)
		if diff := cmp.Diff(f14IDs(posted[83:120]), f14IDs(back)); diff != "" {
			t.Errorf("back (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(f14IDs(back), f14IDs(fwd)); diff != "" {
			t.Errorf("forwards from the same seq (-back +forwards):\n%s", diff)
		}
	})

	e.step(t, "refused", func(t *testing.T) {
		q := func(s session, kv ...string) func() response {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return func() response { return e.historyCall(s, r.RoomID, v) }
		}
		const bad, code = http.StatusBadRequest, "invalid_request"
		top := strconv.FormatInt(f14MaxSeq, 10)
		e.refusals(t, []refusal{
			{name: "beforeSeq 0", call: q(b, "beforeSeq", "0"), status: bad, code: code},
			{name: "beforeSeq -1", call: q(b, "beforeSeq", "-1"), status: bad, code: code},
			{name: "beforeSeq 2^53", call: q(b, "beforeSeq", strconv.FormatInt(f14MaxSeq+1, 10)), status: bad, code: code},
			{name: "beforeSeq not a number", call: q(b, "beforeSeq", "abc"), status: bad, code: code},
			{name: "beforeSeq 1.5", call: q(b, "beforeSeq", "1.5"), status: bad, code: code},
			{name: "beforeSeq with afterSeq", call: q(b, "beforeSeq", top, "afterSeq", "0"), status: bad, code: code},
			{name: "beforeSeq with afterSeq 5", call: q(b, "afterSeq", "5", "beforeSeq", "10"), status: bad, code: code},
			{name: "beforeSeq, limit 101", call: q(b, "beforeSeq", top, "limit", "101"), status: bad, code: code},
			{name: "beforeSeq, limit 0", call: q(b, "beforeSeq", top, "limit", "0"), status: bad, code: code},
			{name: "beforeSeq: a colleague not in the room", call: q(c, "beforeSeq", top), status: http.StatusForbidden, code: "forbidden"},
		})
	})
}

package live

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func ev(id string, after time.Duration) *domain.FeedEvent {
	return &domain.FeedEvent{ID: id, At: t0.Add(after)}
}

func ids(evs []*domain.FeedEvent) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// TestCarriedRelistensWithOverlap: a stream placed after an event follows
// its feed strictly after it until it has carried events more than
// Overlap later; then each new listener starts Overlap before the newest
// event carried, and what it finds again is dropped.
func TestCarriedRelistensWithOverlap(t *testing.T) {
	placed := ev("m-placed", 0)
	c := newCarried(placed)
	if after, since := c.from(); after != placed || !since.IsZero() {
		t.Fatalf("first listener from (%v, %v), want after the placing event", after, since)
	}
	if got := ids(c.fresh([]*domain.FeedEvent{ev("m-1", time.Second), ev("m-2", 2*time.Second)})); !cmp.Equal(got, []string{"m-1", "m-2"}) {
		t.Fatalf("fresh = %v", got)
	}
	if after, since := c.from(); after != placed || !since.IsZero() {
		t.Fatalf("within Overlap of the placing event, from (%v, %v), want after it", after, since)
	}
	c.fresh([]*domain.FeedEvent{ev("m-3", Overlap+5*time.Second)})
	after, since := c.from()
	if after != nil || !since.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("from (%v, %v), want since %v", after, since, t0.Add(5*time.Second))
	}
	// The next listener finds m-3 again, and a new m-4.
	if got := ids(c.fresh([]*domain.FeedEvent{ev("m-3", Overlap+5*time.Second), ev("m-4", Overlap+6*time.Second)})); !cmp.Equal(got, []string{"m-4"}) {
		t.Errorf("after a relisten, fresh = %v, want only m-4", got)
	}
}

// TestCarriedLateCommit: an event committed before the newest one but
// seen after it is carried once, and the next listener still starts far
// enough back to find such events.
func TestCarriedLateCommit(t *testing.T) {
	c := newCarried(nil)
	if after, since := c.from(); after != nil || !since.IsZero() {
		t.Fatalf("an empty feed's stream from (%v, %v), want the feed's start", after, since)
	}
	c.fresh([]*domain.FeedEvent{ev("m-b", 2*time.Second)})
	if got := ids(c.fresh([]*domain.FeedEvent{ev("m-a", time.Second)})); !cmp.Equal(got, []string{"m-a"}) {
		t.Fatalf("a late commit: fresh = %v, want m-a", got)
	}
	_, since := c.from()
	if want := t0.Add(2*time.Second - Overlap); !since.Equal(want) {
		t.Errorf("since %v, want Overlap before the newest (%v)", since, want)
	}
	if got := ids(c.fresh([]*domain.FeedEvent{ev("m-a", time.Second), ev("m-b", 2*time.Second)})); len(got) != 0 {
		t.Errorf("found again: fresh = %v, want nothing", got)
	}
}

// TestCarriedForgets: the IDs a stream remembers are those of the last
// two Overlaps, however long the stream.
func TestCarriedForgets(t *testing.T) {
	c := newCarried(nil)
	for i := range 1000 {
		c.fresh([]*domain.FeedEvent{ev(string(rune('a'+i%26))+time.Duration(i).String(), time.Duration(i)*time.Second)})
	}
	if n := len(c.recent); n > int(2*Overlap/time.Second)+1 {
		t.Errorf("%d IDs remembered after 1,000 s of events, one a second; want those of 2×Overlap", n)
	}
}

// TestCursor: a stream's event ids name the furthest event it has carried
// in feed order: its own when events come in order, the later one's when
// an earlier event comes after it (as the emulator may show them), so a
// resume from any id repeats nothing; ties in commit time go by ID.
func TestCursor(t *testing.T) {
	placed := ev("m-0", 0)
	c := &cursor{last: placed}
	var got []string
	for _, e := range []*domain.FeedEvent{ev("m-1", time.Second), ev("m-3", 3*time.Second), ev("m-2", 2*time.Second), ev("m-4", 3*time.Second), ev("m-35", 3*time.Second), ev("m-5", 5*time.Second)} {
		got = append(got, c.past(e))
	}
	if diff := cmp.Diff([]string{"m-1", "m-3", "m-3", "m-4", "m-4", "m-5"}, got); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	if got := (&cursor{}).past(placed); got != "m-0" {
		t.Fatalf("the first event of a stream placed nowhere: id %q", got)
	}
}

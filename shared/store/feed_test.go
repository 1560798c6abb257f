package store

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/domain"
)

// TestFeedListenersStopForGood: a stopped feed listener leaves no
// goroutine behind (the Firestore client keeps one per snapshot iterator
// until its context ends), so a stream that follows its feed anew every
// few events does not grow its process. Not parallel: it counts the
// process's goroutines.
func TestFeedListenersStopForGood(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	ev := &domain.FeedEvent{ID: "m-1", Kind: domain.FeedMessage, Data: "{}", CreatedAt: t0}
	if _, err := s.feed("acme", "kim").Doc(ev.ID).Create(ctx, ev); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	const n = 20
	for range n {
		l := s.ListenFeed(ctx, "acme", "kim", nil, time.Time{})
		if evs, err := l.Next(); err != nil || len(evs) != 1 {
			t.Fatalf("Next = %d events, %v; want the one there", len(evs), err)
		}
		l.Stop()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+n/2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before+n/2 {
		t.Errorf("%d goroutines before, %d after %d listeners were stopped", before, after, n)
	}
}

// TestListenFeedSince: a listener from a time finds the events committed
// at or after it, in feed order; one after an event, those after it.
func TestListenFeedSince(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	for _, id := range []string{"m-1", "m-2", "m-3"} {
		ev := &domain.FeedEvent{ID: id, Kind: domain.FeedMessage, Data: "{}", CreatedAt: t0}
		if _, err := s.feed("acme", "lee").Doc(id).Create(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	first := func(after *domain.FeedEvent, since time.Time) []*domain.FeedEvent {
		l := s.ListenFeed(ctx, "acme", "lee", after, since)
		defer l.Stop()
		evs, err := l.Next()
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	all := first(nil, time.Time{})
	if len(all) != 3 || all[0].ID != "m-1" || all[2].ID != "m-3" {
		t.Fatalf("from the start: %v", all)
	}
	if got := first(nil, all[1].At); len(got) != 2 || got[0].ID != "m-2" {
		t.Errorf("since m-2's commit: %d events, first %v; want m-2 and m-3", len(got), got)
	}
	if got := first(all[1], time.Time{}); len(got) != 1 || got[0].ID != "m-3" {
		t.Errorf("after m-2: %d events; want m-3", len(got))
	}
}

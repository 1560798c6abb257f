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

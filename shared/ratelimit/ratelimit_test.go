package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/test/testenv"
)

type fixedClock struct{ now atomic.Pointer[time.Time] }

func (c *fixedClock) Now() time.Time  { return *c.now.Load() }
func (c *fixedClock) set(t time.Time) { c.now.Store(&t) }

func newLimiter(tb testing.TB) (*Limiter, *fixedClock, *store.Meter) {
	tb.Helper()
	testenv.RequireEmulators(tb)
	m := &store.Meter{}
	s, err := store.Open(context.Background(), testenv.Project(tb), m, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	c := &fixedClock{}
	c.set(time.Date(2026, 12, 6, 9, 10, 0, 0, time.UTC))
	return &Limiter{Store: s, Clock: c}, c, m
}

var rule = Rule{Name: "test", Limit: 3, Window: time.Hour}

// TestTake: a key gets its limit per window and then 429 with the time to
// the window's end, other keys and rules are counted apart, and the next
// window starts afresh. A refused use writes nothing, and once a limit is
// known reached, reads nothing either.
func TestTake(t *testing.T) {
	t.Parallel()
	l, c, m := newLimiter(t)
	ctx := context.Background()
	for i := range 3 {
		if err := l.Take(ctx, Use{rule, "a"}); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
	}
	writes := m.Writes()
	err := l.Take(ctx, Use{rule, "a"})
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.RateLimited || e.RetryAfter != 50*time.Minute {
		t.Fatalf("4th use: %v, want rate_limited retrying after 50m", err)
	}
	if got := m.Writes() - writes; got != 0 {
		t.Fatalf("a refused use wrote %d documents", got)
	}
	// The limiter remembers the limit reached: the next refusal costs no
	// Firestore operation at all.
	reads := m.Reads()
	if err := l.Take(ctx, Use{rule, "a"}); err == nil {
		t.Fatal("a 5th use was taken")
	}
	if got := m.Reads() - reads + m.Writes() - writes; got != 0 {
		t.Fatalf("a refusal of a limit known reached cost %d operations", got)
	}
	if err := l.Take(ctx, Use{rule, "b"}); err != nil {
		t.Fatalf("another key: %v", err)
	}
	// Two uses at once: refused as a whole when one is at its limit, and
	// the other is not counted.
	other := Rule{Name: "other", Limit: 1, Window: time.Hour}
	if err := l.Take(ctx, Use{other, "a"}, Use{rule, "a"}); err == nil {
		t.Fatal("a use with one rule at its limit was taken")
	}
	if err := l.Take(ctx, Use{other, "a"}); err != nil {
		t.Fatalf("the other rule was counted by a refused use: %v", err)
	}
	c.set(c.Now().Add(50 * time.Minute))
	if err := l.Take(ctx, Use{rule, "a"}); err != nil {
		t.Fatalf("next window: %v", err)
	}
}

// TestTakeConcurrent: uses at once within the limit are all taken; of 30
// at once, at most the limit is taken (a burst that far over a limit may
// see all of them refused).
func TestTakeConcurrent(t *testing.T) {
	t.Parallel()
	l, _, _ := newLimiter(t)
	l.Factor = 4 // 12
	if got := burst(t, l, "within", 10); got != 10 {
		t.Fatalf("%d of 10 concurrent uses within a limit of 12 taken", got)
	}
	if got := burst(t, l, "over", 30); got > 12 {
		t.Fatalf("%d of 30 concurrent uses taken, want at most 12", got)
	}
}

func burst(t *testing.T, l *Limiter, key string, n int) int32 {
	t.Helper()
	var taken atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := l.Take(context.Background(), Use{rule, key})
			if err == nil {
				taken.Add(1)
			} else if e, ok := errs.As(err); !ok || e.Kind != errs.RateLimited {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	return taken.Load()
}

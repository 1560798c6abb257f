package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeStore keeps the offset in memory and notifies watchers.
type fakeStore struct {
	mu       sync.Mutex
	offset   time.Duration
	watchers []func(time.Duration)
	// readErr, if set, fails ClockOffset.
	readErr error
}

func (f *fakeStore) ClockOffset(context.Context) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offset, f.readErr
}

func (f *fakeStore) AddClockOffset(_ context.Context, d time.Duration) (time.Duration, error) {
	f.mu.Lock()
	f.offset += d
	off, ws := f.offset, append([]func(time.Duration){}, f.watchers...)
	f.mu.Unlock()
	for _, w := range ws {
		w(off)
	}
	return off, nil
}

// watching waits until n watches have started.
func (f *fakeStore) watching(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		f.mu.Lock()
		got := len(f.watchers)
		f.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d watches started, want %d", got, n)
		}
	}
}

func (f *fakeStore) WatchClockOffset(ctx context.Context, fn func(time.Duration)) error {
	f.mu.Lock()
	off := f.offset
	f.watchers = append(f.watchers, fn)
	f.mu.Unlock()
	fn(off)
	<-ctx.Done()
	return nil
}

func TestDevClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &fakeStore{offset: time.Hour}
	a, err := NewDev(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewDev(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(a.Now()); d < time.Hour-time.Second {
		t.Fatalf("the stored offset is not applied: %v", d)
	}
	// NewDev returns once the offset is read; each clock's watch starts
	// just after, on its own goroutine: moves reach a clock from then on.
	st.watching(t, 2)
	if _, err := a.Advance(ctx, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(b.Now()); d < 3*time.Hour-time.Second {
		t.Fatalf("the other clock did not follow: %v", d)
	}
	if _, err := a.Advance(ctx, -time.Second); err == nil {
		t.Fatal("the clock moved back")
	}
	// A late, smaller offset never moves a clock back.
	b.raise(time.Minute)
	if d := time.Until(b.Now()); d < 3*time.Hour-time.Second {
		t.Fatalf("a stale offset moved the clock back: %v", d)
	}
}

// TestStartDev: the clock knows the stored offset once Wait returns, and
// follows the moves made after it was read; a failed read fails Wait.
func TestStartDev(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &fakeStore{offset: time.Hour}
	d := StartDev(ctx, st)
	if err := d.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := d.Offset(); got != time.Hour {
		t.Fatalf("offset after Wait = %v, want 1h", got)
	}
	if _, err := st.AddClockOffset(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); d.Offset() != time.Hour+time.Minute; {
		if time.Now().After(deadline) {
			t.Fatalf("the clock did not follow a move: %v", d.Offset())
		}
		time.Sleep(time.Millisecond)
	}

	failing := &fakeStore{readErr: errors.New("unavailable")}
	if err := StartDev(ctx, failing).Wait(ctx); err == nil {
		t.Fatal("Wait = nil after a failed read")
	}
	if _, err := NewDev(ctx, failing); err == nil {
		t.Fatal("NewDev = nil error after a failed read")
	}
}

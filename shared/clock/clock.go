// Package clock tells the time. In production it is the system clock. In
// dev mode (WORKGATE_DEV=1) it is the system clock plus an offset that
// POST /_dev/clock moves forward; the offset is kept in Firestore so every
// function and background job sees the same time.
package clock

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns the current UTC time.
func (System) Now() time.Time { return time.Now().UTC() }

// OffsetStore keeps the dev clock's offset where every process sees it.
type OffsetStore interface {
	// AddClockOffset adds d to the stored offset and returns the new offset.
	AddClockOffset(ctx context.Context, d time.Duration) (time.Duration, error)
	// WatchClockOffset calls fn with the stored offset now and on every
	// change, until ctx ends.
	WatchClockOffset(ctx context.Context, fn func(time.Duration)) error
}

// Dev is the system clock plus a shared offset.
type Dev struct {
	store  OffsetStore
	offset atomic.Int64
}

// NewDev returns a dev clock that follows the offset in store until ctx
// ends. It returns once the current offset is known.
func NewDev(ctx context.Context, store OffsetStore) (*Dev, error) {
	d := &Dev{store: store}
	ready := make(chan struct{})
	var once atomic.Bool
	errc := make(chan error, 1)
	go func() {
		errc <- store.WatchClockOffset(ctx, func(off time.Duration) {
			d.raise(off)
			if once.CompareAndSwap(false, true) {
				close(ready)
			}
		})
	}()
	select {
	case <-ready:
		return d, nil
	case err := <-errc:
		return nil, fmt.Errorf("clock.NewDev: %w", err)
	case <-ctx.Done():
		return nil, fmt.Errorf("clock.NewDev: %w", ctx.Err())
	}
}

// Now returns the system time plus the offset.
func (d *Dev) Now() time.Time {
	return time.Now().UTC().Add(time.Duration(d.offset.Load()))
}

// Offset is how far the clock is ahead of the system clock.
func (d *Dev) Offset() time.Duration { return time.Duration(d.offset.Load()) }

// Advance moves the clock of every process forward by by.
func (d *Dev) Advance(ctx context.Context, by time.Duration) (time.Time, error) {
	if by < 0 {
		return time.Time{}, fmt.Errorf("clock.Advance: the clock only moves forward")
	}
	off, err := d.store.AddClockOffset(ctx, by)
	if err != nil {
		return time.Time{}, fmt.Errorf("clock.Advance: %w", err)
	}
	// The watcher will see it too; raising it here makes the change visible
	// to this process before Advance returns.
	d.raise(off)
	return d.Now(), nil
}

// raise sets the offset unless a newer, larger one is already known: the
// offset only grows, so a late snapshot never moves the clock back.
func (d *Dev) raise(off time.Duration) {
	for {
		cur := d.offset.Load()
		if int64(off) <= cur || d.offset.CompareAndSwap(cur, int64(off)) {
			return
		}
	}
}

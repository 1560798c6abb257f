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
	// ClockOffset returns the stored offset (0 if it was never moved).
	ClockOffset(ctx context.Context) (time.Duration, error)
	// WatchClockOffset calls fn with the stored offset now and on every
	// change, until ctx ends.
	WatchClockOffset(ctx context.Context, fn func(time.Duration)) error
}

// Dev is the system clock plus a shared offset.
type Dev struct {
	store  OffsetStore
	offset atomic.Int64
	// known is closed once the offset of the start is read; err is then
	// the read's error.
	known chan struct{}
	err   error
}

// StartDev returns a dev clock that reads the offset in store, then
// follows its changes until ctx ends. It returns at once, so that a
// process's start does other work meanwhile: the clock must not tell the
// time before Wait has returned nil.
//
// The offset is read with one read, not with the watch's first snapshot,
// which is slower to come (a dev process waits for it before it serves:
// 15-25 ms against the emulator, a read 10-15 ms); the watch starts after
// it, and its first snapshot carries any move made meanwhile (the offset
// only grows, see raise).
func StartDev(ctx context.Context, store OffsetStore) *Dev {
	d := &Dev{store: store, known: make(chan struct{})}
	go func() {
		off, err := store.ClockOffset(ctx)
		d.raise(off)
		d.err = err
		close(d.known)
		if err != nil {
			return
		}
		// An error ends the watch; the clock keeps the last offset seen
		// (the Firestore client retries what can be retried).
		_ = store.WatchClockOffset(ctx, d.raise)
	}()
	return d
}

// Wait returns once the current offset is known, with the read's error
// if it failed, or ctx's.
func (d *Dev) Wait(ctx context.Context) error {
	select {
	case <-d.known:
		if d.err != nil {
			return fmt.Errorf("clock.Dev: %w", d.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("clock.Dev: %w", ctx.Err())
	}
}

// NewDev returns a dev clock that follows the offset in store until ctx
// ends. It returns once the current offset is known (StartDev, then Wait).
func NewDev(ctx context.Context, store OffsetStore) (*Dev, error) {
	d := StartDev(ctx, store)
	if err := d.Wait(ctx); err != nil {
		return nil, err
	}
	return d, nil
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

package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/errs"
)

// clockDoc holds the dev clock's offset (dev mode only).
type clockDoc struct {
	OffsetNanos int64 `firestore:"offsetNanos"`
}

func (s *Store) clockRef() *firestore.DocumentRef { return s.fs.Collection(colDev).Doc("clock") }

// AddClockOffset adds d to the dev clock's offset and returns the new offset.
func (s *Store) AddClockOffset(ctx context.Context, d time.Duration) (time.Duration, error) {
	ref := s.clockRef()
	if _, err := ref.Set(ctx, map[string]any{"offsetNanos": firestore.Increment(int64(d))}, firestore.MergeAll); err != nil {
		return 0, wrap("store.AddClockOffset", err)
	}
	var c clockDoc
	if _, err := s.get(ctx, ref, &c); err != nil {
		return 0, wrap("store.AddClockOffset", err)
	}
	return time.Duration(c.OffsetNanos), nil
}

// ClockOffset returns the dev clock's offset (0 if it was never moved).
func (s *Store) ClockOffset(ctx context.Context) (time.Duration, error) {
	var c clockDoc
	if _, err := s.get(ctx, s.clockRef(), &c); err != nil && !errs.Is(err, errs.NotFound) {
		return 0, wrap("store.ClockOffset", err)
	}
	return time.Duration(c.OffsetNanos), nil
}

// WatchClockOffset calls fn with the dev clock's offset now and after every
// change, until ctx ends.
func (s *Store) WatchClockOffset(ctx context.Context, fn func(time.Duration)) error {
	it := s.clockRef().Snapshots(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || code(err) == codes.Canceled {
				return nil
			}
			return wrap("store.WatchClockOffset", err)
		}
		var c clockDoc
		if snap.Exists() {
			if err := snap.DataTo(&c); err != nil {
				return wrap("store.WatchClockOffset", err)
			}
		}
		fn(time.Duration(c.OffsetNanos))
	}
}

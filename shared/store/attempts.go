package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/events"
)

// Attempt counters guard guessable secrets: password login (F7) and login
// codes (F5). An attempt is counted before the secret is checked, with an
// increment and a read and no transaction, so parallel guesses neither
// queue on a lock nor get extra tries: the n-th increment reads a count of
// at least n, so at most `limit` attempts ever read a count within it.
//
// A lock is its own document, created (never overwritten) when the limit
// is reached: of any number of attempts that reach it at once, one creates
// the lock and sends its mail.

// Counter kinds.
const (
	CounterPassword = "password"
	CounterCode     = "code"
)

// Attempt is the state of a counter after counting one attempt.
type Attempt struct {
	// N is the number of attempts counted since the last reset, this one
	// included (concurrent attempts may be included too).
	N int
	// LockedUntil is set while a lock holds.
	LockedUntil time.Time
}

type counter struct {
	Count int `firestore:"count"`
}

type lock struct {
	LockedUntil time.Time `firestore:"lockedUntil"`
}

func (s *Store) counterRefs(kind, email string) (*firestore.DocumentRef, *firestore.DocumentRef) {
	id := kind + "-" + emailKey(email)
	return s.fs.Collection(colCounters).Doc(id), s.fs.Collection(colLocks).Doc(id)
}

// CountAttempt counts one attempt of kind for an address and returns the
// counter. A lock that ended before now is lifted and the count restarted,
// this attempt being the first of the new count.
func (s *Store) CountAttempt(ctx context.Context, kind, email string, now time.Time) (Attempt, error) {
	cRef, lRef := s.counterRefs(kind, email)
	for range 5 {
		if _, err := cRef.Set(ctx, map[string]any{"count": firestore.Increment(1)}, firestore.MergeAll); err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{cRef, lRef})
		if err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		var (
			c counter
			l lock
		)
		if err := snaps[0].DataTo(&c); err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		if !snaps[1].Exists() {
			return Attempt{N: c.Count}, nil
		}
		if err := snaps[1].DataTo(&l); err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		if now.Before(l.LockedUntil) {
			return Attempt{N: c.Count, LockedUntil: l.LockedUntil}, nil
		}
		// The lock is over: lift it and count again from this attempt,
		// unless a concurrent attempt changed either first (then retry).
		err = s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if err := tx.Delete(lRef, firestore.LastUpdateTime(snaps[1].UpdateTime)); err != nil {
				return err
			}
			return tx.Update(cRef, []firestore.Update{{Path: "count", Value: 1}}, firestore.LastUpdateTime(snaps[0].UpdateTime))
		}, firestore.MaxAttempts(1))
		switch code(err) {
		case codes.OK:
			return Attempt{N: 1}, nil
		case codes.FailedPrecondition, codes.NotFound:
			continue
		}
		return Attempt{}, wrap("store.CountAttempt", err)
	}
	return Attempt{}, ErrRaced
}

// ResetAttempts clears a counter and lifts its lock (a success, or a
// password reset).
func (s *Store) ResetAttempts(ctx context.Context, kind, email string) error {
	cRef, lRef := s.counterRefs(kind, email)
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Set(cRef, counter{}); err != nil {
			return err
		}
		return tx.Delete(lRef)
	}, firestore.MaxAttempts(1))
	return wrap("store.ResetAttempts", err)
}

// Lock locks a counter until a time and records the events announcing it
// (the lockout mail), in one commit. It reports false, and records
// nothing, if a lock exists already.
func (s *Store) Lock(ctx context.Context, kind, email string, until time.Time, evs []events.Event) (bool, error) {
	_, lRef := s.counterRefs(kind, email)
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(lRef, lock{LockedUntil: until}); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	if code(err) == codes.AlreadyExists {
		return false, nil
	}
	if err != nil {
		return false, wrap("store.Lock", err)
	}
	return true, nil
}

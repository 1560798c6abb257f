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
	Count       int       `firestore:"count"`
	LockedUntil time.Time `firestore:"lockedUntil"`
}

func (s *Store) counter(kind, key string) *firestore.DocumentRef {
	return s.fs.Collection(colCounters).Doc(kind + "-" + key)
}

// CountAttempt counts one attempt of kind for key (an e-mail key) and
// returns the counter. A lock that ended before now is lifted and its count
// restarted, this attempt being the first of the new count.
func (s *Store) CountAttempt(ctx context.Context, kind, email string, now time.Time) (Attempt, error) {
	ref := s.counter(kind, emailKey(email))
	for range 5 {
		if _, err := ref.Set(ctx, map[string]any{"count": firestore.Increment(1)}, firestore.MergeAll); err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		snap, err := ref.Get(ctx)
		if err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		var c counter
		if err := snap.DataTo(&c); err != nil {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
		if c.LockedUntil.IsZero() || now.Before(c.LockedUntil) {
			return Attempt{N: c.Count, LockedUntil: c.LockedUntil}, nil
		}
		// The lock is over: start counting again, unless a concurrent
		// attempt changed the counter first (then count again).
		_, err = ref.Update(ctx, []firestore.Update{{Path: "count", Value: 1}, {Path: "lockedUntil", Value: time.Time{}}}, firestore.LastUpdateTime(snap.UpdateTime))
		if err == nil {
			return Attempt{N: 1}, nil
		}
		if code(err) != codes.FailedPrecondition {
			return Attempt{}, wrap("store.CountAttempt", err)
		}
	}
	return Attempt{}, ErrRaced
}

// ResetAttempts clears a counter and its lock (a success, or a password
// reset).
func (s *Store) ResetAttempts(ctx context.Context, kind, email string) error {
	_, err := s.counter(kind, emailKey(email)).Set(ctx, counter{})
	return wrap("store.ResetAttempts", err)
}

// Lock locks a counter until a time and records the events announcing it
// (the lockout mail), in one commit.
func (s *Store) Lock(ctx context.Context, kind, email string, until time.Time, evs []events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Set(s.counter(kind, emailKey(email)), map[string]any{"lockedUntil": until}, firestore.MergeAll); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	return wrap("store.Lock", err)
}

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
// the lock and sends its mail. The same commit copies its end into the
// counter, so that counting an attempt reads one document.

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
	// Seen is the counter's update time as read after the count. A login's
	// commit resets the counter on condition that it is unchanged
	// (CreateSession), so it fails if anything was counted or reset since:
	// a password change resets it in its own commit.
	Seen time.Time
}

type counter struct {
	Count int `firestore:"count"`
	// LockedUntil is the end of the counter's lock, if one was taken.
	LockedUntil time.Time `firestore:"lockedUntil,omitempty"`
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
	a, _, err := s.countAttempt(ctx, kind, email, now, nil)
	return a, wrap("store.CountAttempt", err)
}

// countAttempt counts an attempt and reads, in the same round trip as the
// counter, the documents also names (returned in order).
func (s *Store) countAttempt(ctx context.Context, kind, email string, now time.Time, also []*firestore.DocumentRef) (Attempt, []*firestore.DocumentSnapshot, error) {
	cRef, lRef := s.counterRefs(kind, email)
	for range 5 {
		if _, err := cRef.Set(ctx, map[string]any{"count": firestore.Increment(1)}, firestore.MergeAll); err != nil {
			return Attempt{}, nil, err
		}
		snaps, err := s.fs.GetAll(ctx, append([]*firestore.DocumentRef{cRef}, also...))
		if err != nil {
			return Attempt{}, nil, err
		}
		a, err := attempt(snaps[0])
		if err != nil {
			return Attempt{}, nil, err
		}
		if a.LockedUntil.IsZero() || now.Before(a.LockedUntil) {
			return a, snaps[1:], nil
		}
		// The lock is over: lift it and count again, this attempt the
		// first of the new count, unless a concurrent attempt changed the
		// counter first (then count again all the same).
		err = s.commit(ctx, func(w writer) error {
			if err := w.Delete(lRef); err != nil {
				return err
			}
			return w.Update(cRef, []firestore.Update{{Path: "count", Value: 0}, {Path: "lockedUntil", Value: firestore.Delete}}, firestore.LastUpdateTime(a.Seen))
		})
		if c := code(err); c != codes.OK && c != codes.FailedPrecondition && c != codes.NotFound {
			return Attempt{}, nil, err
		}
	}
	return Attempt{}, nil, ErrRaced
}

// attempt reads a counter (it may not exist).
func attempt(snap *firestore.DocumentSnapshot) (Attempt, error) {
	if !snap.Exists() {
		return Attempt{}, nil
	}
	var c counter
	if err := snap.DataTo(&c); err != nil {
		return Attempt{}, err
	}
	return Attempt{N: c.Count, LockedUntil: c.LockedUntil, Seen: snap.UpdateTime}, nil
}

// ResetAttempts clears a counter and lifts its lock (a success, or a
// password reset).
func (s *Store) ResetAttempts(ctx context.Context, kind, email string) error {
	err := s.commit(ctx, func(w writer) error { return s.resetAttempts(w, kind, email) })
	return wrap("store.ResetAttempts", err)
}

// resetAttempts clears a counter and lifts its lock in a commit.
func (s *Store) resetAttempts(w writer, kind, email string) error {
	cRef, lRef := s.counterRefs(kind, email)
	if err := w.Set(cRef, counter{}); err != nil {
		return err
	}
	return w.Delete(lRef)
}

// Lock locks a counter until a time and records the events announcing it
// (the lockout mail), in one commit. It reports false, and records
// nothing, if a lock exists already.
func (s *Store) Lock(ctx context.Context, kind, email string, until time.Time, evs []events.Event) (bool, error) {
	cRef, lRef := s.counterRefs(kind, email)
	err := s.commit(ctx, func(w writer) error {
		if err := w.Create(lRef, lock{LockedUntil: until}); err != nil {
			return err
		}
		if err := w.Set(cRef, map[string]any{"lockedUntil": until}, firestore.MergeAll); err != nil {
			return err
		}
		return s.addEvents(w, evs)
	})
	if code(err) == codes.AlreadyExists {
		return false, nil
	}
	if err != nil {
		return false, wrap("store.Lock", err)
	}
	return true, nil
}

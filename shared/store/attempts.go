package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/events"
)

// Attempt counters guard guessable secrets: password login (F7) and login
// codes (F5). An attempt is counted before the secret is checked, with an
// increment whose commit answers the count after it, and no transaction,
// so parallel guesses neither queue on a lock nor get extra tries: the
// n-th increment gets n, so exactly `limit` attempts get a count within it.
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
	// N is the attempt's number since the last reset: the count its
	// increment left.
	N int
	// LockedUntil is set while a lock holds.
	LockedUntil time.Time
	// Seen is the counter's update time as the count left it. A login's
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
	a, _, err := s.countAttempt(ctx, kind, email, now, nil, nil)
	return a, wrap("store.CountAttempt", err)
}

// countAttempt counts an attempt and reads, in the same round trip as the
// count, the counter and the documents also names (returned in order): the
// increment's commit answers the count after it, and the read, made beside
// it, the lock. A lock the read shows but that was read before the count
// is read again after it, before the count is judged or the lock lifted.
// If require is set, the attempt is counted only if that document exists
// (ErrNoTicket otherwise, and nothing is written).
func (s *Store) countAttempt(ctx context.Context, kind, email string, now time.Time, require *firestore.DocumentRef, also []*firestore.DocumentRef) (Attempt, []*firestore.DocumentSnapshot, error) {
	cRef, lRef := s.counterRefs(kind, email)
	for range 5 {
		var (
			snaps   []*firestore.DocumentSnapshot
			readErr error
			read    = make(chan struct{})
		)
		go func() {
			defer close(read)
			snaps, readErr = s.fs.GetAll(ctx, append([]*firestore.DocumentRef{cRef}, also...))
		}()
		n, seen, err := s.increment(ctx, cRef, "count", require)
		<-read
		if c := code(err); require != nil && (c == codes.NotFound || c == codes.FailedPrecondition) {
			return Attempt{}, nil, ErrNoTicket
		}
		if err != nil {
			return Attempt{}, nil, err
		}
		if readErr != nil {
			return Attempt{}, nil, readErr
		}
		c, err := counterOf(snaps[0])
		if err != nil {
			return Attempt{}, nil, err
		}
		if !c.LockedUntil.IsZero() && snaps[0].ReadTime.Before(seen) {
			if c, err = s.counter(ctx, cRef); err != nil {
				return Attempt{}, nil, err
			}
		}
		a := Attempt{N: n, LockedUntil: c.LockedUntil, Seen: seen}
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

// increment adds one to a document's integer field in one round trip,
// creating the document if need be, and returns the field's value after
// it and the document's update time. If require is set, the commit also
// requires that document to exist (a write that changes nothing in it),
// and fails without writing if it does not. The Go client's WriteResult
// drops a transform's result, so the commit is the raw client's.
func (s *Store) increment(ctx context.Context, ref *firestore.DocumentRef, field string, require *firestore.DocumentRef) (int, time.Time, error) {
	ctx, raw, db, err := s.raw(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	writes := []*pb.Write{{
		Operation:  &pb.Write_Update{Update: &pb.Document{Name: ref.Path}},
		UpdateMask: &pb.DocumentMask{},
		UpdateTransforms: []*pb.DocumentTransform_FieldTransform{{
			FieldPath:     field,
			TransformType: &pb.DocumentTransform_FieldTransform_Increment{Increment: &pb.Value{ValueType: &pb.Value_IntegerValue{IntegerValue: 1}}},
		}},
	}}
	if require != nil {
		writes = append(writes, &pb.Write{
			Operation:       &pb.Write_Update{Update: &pb.Document{Name: require.Path}},
			UpdateMask:      &pb.DocumentMask{},
			CurrentDocument: &pb.Precondition{ConditionType: &pb.Precondition_Exists{Exists: true}},
		})
	}
	res, err := raw.Commit(ctx, &pb.CommitRequest{Database: db, Writes: writes})
	if err != nil {
		return 0, time.Time{}, err
	}
	wr := res.GetWriteResults()
	if len(wr) != len(writes) || len(wr[0].GetTransformResults()) != 1 {
		return 0, time.Time{}, fmt.Errorf("increment of %s: the commit answered no result", field)
	}
	return int(wr[0].GetTransformResults()[0].GetIntegerValue()), wr[0].GetUpdateTime().AsTime(), nil
}

// counter reads a counter.
func (s *Store) counter(ctx context.Context, ref *firestore.DocumentRef) (counter, error) {
	snap, err := ref.Get(ctx)
	if err != nil && status.Code(err) != codes.NotFound {
		return counter{}, err
	}
	return counterOf(snap)
}

// counterOf decodes a counter's snapshot (it may not exist).
func counterOf(snap *firestore.DocumentSnapshot) (counter, error) {
	var c counter
	if !snap.Exists() {
		return c, nil
	}
	err := snap.DataTo(&c)
	return c, err
}

// attempt reads a counter (it may not exist).
func attempt(snap *firestore.DocumentSnapshot) (Attempt, error) {
	c, err := counterOf(snap)
	if err != nil || !snap.Exists() {
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

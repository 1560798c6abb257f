package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
)

// The deletion of a withdrawn workspace (F18) is the withdrawal package's:
// what goes, in which order. The store lists, a kind at a time, what is
// still there (the methods below and in withdrawal_lists.go and
// withdrawal_accounts.go), and commits the deletions: each document with an
// Exists precondition, counted in the withdrawal's record in the same
// commit, so that a document another run deleted first fails the commit
// (nothing of it is written) instead of being counted twice.

// Op is one write of a deletion commit: the deletion of a document, or
// the update of a document of another workspace under the precondition of
// its update time as read.
type Op struct {
	ref    *firestore.DocumentRef
	update []firestore.Update
	seen   time.Time
}

func deleteOp(ref *firestore.DocumentRef) Op { return Op{ref: ref} }

func updateOp(snap *firestore.DocumentSnapshot, update ...firestore.Update) Op {
	return Op{ref: snap.Ref, update: update, seen: snap.UpdateTime}
}

// Path is the path of the document an Op deletes or changes.
func (o Op) Path() string { return o.ref.Path }

// Updates reports whether the Op changes its document (else it deletes it).
func (o Op) Updates() bool { return o.update != nil }

// Unit is what a listing found through one document: the documents found
// through it (Ops) and the document itself with any other that leads to
// them (Anchors), to be deleted in the same commit as the Ops or after
// them, so that a run killed in between leaves them findable.
type Unit struct {
	Ops, Anchors []Op
}

// Leaves makes each of ops a unit of its own.
func Leaves(ops []Op) []Unit {
	units := make([]Unit, len(ops))
	for i, o := range ops {
		units[i] = Unit{Ops: []Op{o}}
	}
	return units
}

// MaxDeletionOps is how many documents one deletion commit deletes or
// changes: with the record's update, Firestore's 500 writes.
const MaxDeletionOps = 499

// CommitDeletion deletes and changes the documents of ops (at most
// MaxDeletionOps) and, in the same commit, counts them in the record of
// withdrawal withdrawalID, whose runs becomes at least run+1. ErrRaced if a
// document was deleted or changed since it was listed: nothing is written
// then.
func (s *Store) CommitDeletion(ctx context.Context, withdrawalID string, run int, ops []Op) error {
	var deleted, updated int64
	for _, o := range ops {
		if o.Updates() {
			updated++
		} else {
			deleted++
		}
	}
	// One commit, not a transaction: it reads nothing, its preconditions
	// guard it, and the commits in flight at once all update the record,
	// which transactions would hold locked in turn (EMULATORS.md).
	err := s.commit(ctx, func(w writer) error {
		for _, o := range ops {
			if err := o.write(w); err != nil {
				return err
			}
		}
		return w.Update(s.withdrawal(withdrawalID), []firestore.Update{
			{Path: "deleted", Value: firestore.Increment(deleted)},
			{Path: "updated", Value: firestore.Increment(updated)},
			{Path: "runs", Value: firestore.FieldTransformMaximum(run + 1)},
		})
	})
	switch code(err) {
	case codes.NotFound, codes.FailedPrecondition, codes.Aborted:
		return ErrRaced
	}
	return wrap("store.CommitDeletion", err)
}

func (o Op) write(w writer) error {
	if o.update == nil {
		return w.Delete(o.ref, firestore.Exists)
	}
	return w.Update(o.ref, o.update, firestore.LastUpdateTime(o.seen))
}

package withdrawal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/store"
)

// The deletion of a withdrawn workspace runs in phases, each of which lists
// what is still there, deletes it in commits, and lists again until nothing
// is left; a document through which others are found (a member, an
// account, a room) is an anchor, deleted in the same commit as them or
// after, so a run killed at any point leaves everything still to delete
// findable by the next. Every commit deletes each document with an Exists
// precondition and adds the number deleted to the withdrawal's record in
// the same commit (store.CommitDeletion): a document another run deleted
// first fails the commit instead of being counted twice, and the phase
// lists again. So the record's count is exact however runs are killed,
// redelivered or overlap.
//
// A pass runs every phase; a run ends when a whole pass found nothing at
// all (a document written behind a phase that had finished, by a request
// racing the withdrawal, is found by the next pass), or when its time is
// spent.

// Deletion is one run of a withdrawal's deletion.
type Deletion struct {
	WorkspaceID  string
	WithdrawalID string
	// Run is the number of this run (from 0); the record's runs is the
	// highest run number that committed, plus one.
	Run int
	// Now is the time of the run: an account's verifications in other
	// workspaces that are used or expired by then are deleted with it.
	Now time.Time
	// AfterCommit, if set, is called after each deletion commit, on the
	// goroutine that called Delete, once the commits in flight with it
	// are over.
	AfterCommit func()
	// Spent, if set, is asked after each round of commits whether the run
	// has used its time; if so the run ends with work left.
	Spent func() bool
}

// Result is what a run did.
type Result struct {
	// Done reports that nothing of the workspace is left but its document.
	Done bool
	// Deleted and Updated count the documents this run deleted and changed
	// (the record counts those of every run).
	Deleted, Updated int64
	Commits          int
	// Raced counts the listings whose commits failed on a document another
	// run deleted or changed first (they wrote nothing, and the phase
	// listed again).
	Raced int
}

// Sizes of the deletion's listings and commits.
const (
	// commitsAtOnce is how many commits a run has in flight at once.
	commitsAtOnce = 4
	// listOps is about how many operations one listing gathers: a round
	// of full commits.
	listOps = commitsAtOnce * store.MaxDeletionOps
	// roomsPage is how many rooms one listing takes on.
	roomsPage = 10
	// membersPage is how many members one listing takes on.
	membersPage = 300
	// perAccount bounds what one listing gathers of one account's or one
	// membership's subtree; the rest is found by the next.
	perAccount = 200
	// maxRaces is how many listings of a phase may fail on a document
	// changed by someone else before the run gives up (and is retried).
	maxRaces = 20
)

// errSpent ends a run whose time is spent.
var errSpent = errors.New("the run's time is spent")

// lister lists the next units of a phase; none when the phase is done.
type lister func(ctx context.Context) ([]store.Unit, error)

type deletion struct {
	st  *store.Store
	d   Deletion
	res Result
	// listed counts the operations listed in the current pass.
	listed int
}

// Delete runs a withdrawal's deletion for one run: it deletes what is
// left of the workspace (but its document: store.FinishWithdrawal), and of
// every member's account that belongs to no other workspace, until nothing
// is left or the run's time is spent.
func Delete(ctx context.Context, st *store.Store, d Deletion) (Result, error) {
	x := &deletion{st: st, d: d}
	for {
		x.listed = 0
		for _, phase := range x.phases() {
			err := x.drain(ctx, phase)
			if errors.Is(err, errSpent) {
				return x.res, nil
			}
			if err != nil {
				return x.res, fmt.Errorf("withdrawal.Delete: %w", err)
			}
		}
		if x.listed == 0 {
			// Every phase found nothing at all (not merely nothing this
			// run could commit, another run having deleted it first).
			x.res.Done = true
			return x.res, nil
		}
	}
}

// phases are what a withdrawal deletes, in order.
func (x *deletion) phases() []lister {
	ws := x.d.WorkspaceID
	return []lister{
		// 1. What other workspaces hold of its members (contact, adder and
		// block entries), and the notifications and live events its
		// members caused.
		leaves(func(ctx context.Context) ([]store.Op, error) { return x.st.WorkspaceTraces(ctx, ws, listOps) }),
		// 2. Its members' rooms: a room only of theirs, or a direct room,
		// goes whole; a group room shared with another workspace loses
		// them.
		x.rooms,
		// 3. Its own documents: sessions, approvals, invite tokens, profile
		// links, verifications, delegations, organisation link, recovery
		// key.
		func(ctx context.Context) ([]store.Unit, error) { return x.st.WorkspaceRecords(ctx, ws, listOps) },
		// 4. What its members hold, then the members, a page at a time,
		// each with their account if it is in no other workspace.
		leaves(func(ctx context.Context) ([]store.Op, error) { return x.st.MemberHoldings(ctx, ws, listOps) }),
		x.members,
		// 5. The rest of its tree.
		leaves(func(ctx context.Context) ([]store.Op, error) { return x.st.WorkspaceRest(ctx, ws, listOps) }),
	}
}

// leaves lists documents that lead to no other.
func leaves(list func(ctx context.Context) ([]store.Op, error)) lister {
	return func(ctx context.Context) ([]store.Unit, error) {
		ops, err := list(ctx)
		return store.Leaves(ops), err
	}
}

// drain runs one phase: list, commit, list again, until a listing is
// empty.
func (x *deletion) drain(ctx context.Context, list lister) error {
	races := 0
	for {
		units, err := list(ctx)
		if err != nil || len(units) == 0 {
			return err
		}

		for _, u := range units {
			x.listed += len(u.Ops) + len(u.Anchors)
		}
		err = x.commit(ctx, units)
		if errors.Is(err, store.ErrRaced) {
			x.res.Raced++
			if races++; races > maxRaces {
				return fmt.Errorf("%d listings failed on documents changed meanwhile", races)
			}
			continue // list again
		}
		if err != nil {
			return err
		}
	}
}

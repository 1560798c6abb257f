package withdrawal

import (
	"context"
	"errors"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/store"
)

// plan packs a listing's units into rounds of commits of at most
// store.MaxDeletionOps operations. A unit that fits one commit goes whole
// into one of the first round; the operations of a larger one are spread
// over the first round and its anchors, together, go into the second,
// which starts once the first has committed.
func plan(units []store.Unit) [][][]store.Op {
	var first, second [][]store.Op
	for _, u := range units {
		if len(u.Ops)+len(u.Anchors) <= store.MaxDeletionOps {
			first = pack(first, slices.Concat(u.Ops, u.Anchors), true)
			continue
		}
		first = pack(first, u.Ops, false)
		second = pack(second, u.Anchors, true)
	}
	return [][][]store.Op{first, second}
}

// pack adds ops to a round's commits: whole, into one commit (a new one if
// the last has no room for them all), or filling the last and new ones.
func pack(round [][]store.Op, ops []store.Op, whole bool) [][]store.Op {
	for len(ops) > 0 {
		room := 0
		if n := len(round); n > 0 {
			room = store.MaxDeletionOps - len(round[n-1])
		}
		if room == 0 || whole && room < len(ops) {
			round = append(round, nil)
			room = store.MaxDeletionOps
		}
		n, take := len(round), min(len(ops), room)
		round[n-1] = append(round[n-1], ops[:take]...)
		ops = ops[take:]
	}
	return round
}

// commit commits a listing's units, round by round, each round's commits
// at once (commitsAtOnce at most); store.ErrRaced, after the round, if one
// of them failed on a document changed since it was listed (the rest of
// the round is committed and counted, and the next round is not run).
func (x *deletion) commit(ctx context.Context, units []store.Unit) error {
	for _, round := range plan(units) {
		if len(round) == 0 {
			continue
		}
		done, err := x.round(ctx, round)
		for _, ops := range done {
			x.count(ops)
		}
		if err != nil {
			return err
		}
		if x.d.Spent != nil && x.d.Spent() {
			return errSpent
		}
	}
	return nil
}

// round runs commits at once and returns those that committed; the error
// is store.ErrRaced if one raced and none failed otherwise.
func (x *deletion) round(ctx context.Context, commits [][]store.Op) (done [][]store.Op, err error) {
	var (
		mu    sync.Mutex
		raced bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(commitsAtOnce)
	for _, ops := range commits {
		g.Go(func() error {
			err := x.st.CommitDeletion(gctx, x.d.WithdrawalID, x.d.Run, ops)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, store.ErrRaced):
				raced = true
			case err == nil:
				done = append(done, ops)
			}
			if errors.Is(err, store.ErrRaced) {
				return nil
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return done, err
	}
	if raced {
		return done, store.ErrRaced
	}
	return done, nil
}

// count counts a commit in the run's result, and calls AfterCommit.
func (x *deletion) count(ops []store.Op) {
	for _, o := range ops {
		if o.Updates() {
			x.res.Updated++
		} else {
			x.res.Deleted++
		}
	}
	x.res.Commits++
	if x.d.AfterCommit != nil {
		x.d.AfterCommit()
	}
}

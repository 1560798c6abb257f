package store

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
)

// Rate counters (ratelimit) count uses of a rule by a key in fixed
// windows: one document per rule, key and window, at
// rateCounters/{rule}-{hash of key}-{window start}. Each holds the hash of
// its key too, so that a withdrawal finds and deletes the counters of the
// addresses and accounts it deletes. A use is counted with
// an increment and read back, as the attempt counters are (no transaction,
// no lock): the n-th increment reads at least n. A counter already at its
// limit is not written again, so a caller hammering a limit costs reads,
// not writes on its document.
const colRateCounters = "rateCounters"

// RateUse is one use to count: a rule's name, the key it is counted by
// (an address, a client IP, an account), the rule's limit and the window
// the use falls in.
type RateUse struct {
	Rule        string
	Key         string
	Limit       int
	WindowStart time.Time
	WindowEnd   time.Time
}

type rateCounter struct {
	Count int `firestore:"count"`
	// Key is the hash of the key counted (as in the document's ID).
	Key string `firestore:"key"`
	// PurgeAt is when the TTL policy may delete the counter.
	PurgeAt time.Time `firestore:"purgeAt"`
}

func (s *Store) rateCounter(u RateUse) *firestore.DocumentRef {
	return s.fs.Collection(colRateCounters).Doc(u.Rule + "-" + emailKey(u.Key) + "-" + strconv.FormatInt(u.WindowStart.Unix(), 10))
}

// CountUses counts one use of each rule, unless a counter is at its limit
// already: then it counts nothing and reports that use's index. It reports
// -1 when every use was counted within its limit. Concurrent uses are
// counted first and judged after, so at most the limit of them pass (a
// burst far past the limit may see all of them refused, and counted).
func (s *Store) CountUses(ctx context.Context, uses []RateUse) (int, error) {
	refs := make([]*firestore.DocumentRef, len(uses))
	for i, u := range uses {
		refs[i] = s.rateCounter(u)
	}
	over, err := s.overLimit(ctx, uses, refs, false)
	if over >= 0 || err != nil {
		return over, wrap("store.CountUses", err)
	}
	// Plain writes, at once, not a transaction: the emulator serialises
	// transactions on one document, and an increment needs none. A
	// client's counter is a hot document when many count at once (a
	// morning's logins behind one office address): a write refused for
	// contention was not applied, and is tried again.
	g, gctx := errgroup.WithContext(ctx)
	for i, u := range uses {
		g.Go(func() error {
			return retryContention(gctx, func() error {
				_, err := refs[i].Set(gctx, map[string]any{"count": firestore.Increment(1), "key": emailKey(u.Key), "purgeAt": u.WindowEnd}, firestore.MergeAll)
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return -1, wrap("store.CountUses", err)
	}
	over, err = s.overLimit(ctx, uses, refs, true)
	return over, wrap("store.CountUses", err)
}

// overLimit reads the counters and returns the index of the first that has
// reached (counted: passed) its limit, or -1.
func (s *Store) overLimit(ctx context.Context, uses []RateUse, refs []*firestore.DocumentRef, counted bool) (int, error) {
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return -1, err
	}
	for i, snap := range snaps {
		c, err := decoded[rateCounter](snap)
		if err != nil {
			return -1, err
		}
		if c == nil {
			continue
		}
		if c.Count > uses[i].Limit || (!counted && c.Count >= uses[i].Limit) {
			return i, nil
		}
	}
	return -1, nil
}

// retryContention calls write until it is not refused for contention
// (Aborted: nothing was written), at most 4 times, backing off with
// jitter so the writers that collided do not collide again.
func retryContention(ctx context.Context, write func() error) error {
	var err error
	for attempt := range 4 {
		if err = write(); code(err) != codes.Aborted {
			return err
		}
		wait := time.Duration(25<<attempt)*time.Millisecond + time.Duration(rand.Int64N(int64(25*time.Millisecond))) //nolint:gosec // G404: a retry's jitter, not a secret
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	return err
}

package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
)

// Collections of live delivery (F19). Each member has a feed: one document
// per live event (domain.FeedEvent), written by whatever makes the event,
// in the same commit where it can be, else right after it with an ID
// derived from what it is about (Create: a job that runs again writes
// nothing twice). A stream listens to its member's feed alone (a
// snapshot query ordered by commit time), so no document is written by
// every post, and a stream costs one read per event it carries.
//
// A device with a live stream is marked in liveDevices (under its
// account), apart from the device's own document, which logins change
// with preconditions: the push job skips live devices.
const (
	colFeed        = "feed"        // under a member, by event ID
	colLiveDevices = "liveDevices" // under an account, by device ID
)

func (s *Store) feed(workspaceID, accountID string) *firestore.CollectionRef {
	return s.member(workspaceID, accountID).Collection(colFeed)
}

// FeedTo is a feed event for one member.
type FeedTo struct {
	WorkspaceID, AccountID string
	Event                  *domain.FeedEvent
}

// createFeed adds feed events in a transaction that writes what they
// tell of.
func (s *Store) createFeed(tx *firestore.Transaction, fs []FeedTo) error {
	for _, f := range fs {
		if err := tx.Create(s.feed(f.WorkspaceID, f.AccountID).Doc(f.Event.ID), f.Event); err != nil {
			return err
		}
	}
	return nil
}

// bulkFeed queues feed events on a BulkWriter; the jobs' results are
// judged by feedResults (an event that exists already is no error).
func (s *Store) bulkFeed(bw *firestore.BulkWriter, fs []FeedTo) ([]*firestore.BulkWriterJob, error) {
	jobs := make([]*firestore.BulkWriterJob, 0, len(fs))
	var errAll error
	for _, f := range fs {
		j, err := bw.Create(s.feed(f.WorkspaceID, f.AccountID).Doc(f.Event.ID), f.Event)
		if err != nil {
			errAll = errors.Join(errAll, err)
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs, errAll
}

// createdOrExisting joins the errors of create jobs, but for "it exists".
func createdOrExisting(jobs []*firestore.BulkWriterJob) error {
	var errAll error
	for _, j := range jobs {
		if _, err := j.Results(); code(err) != codes.OK && code(err) != codes.AlreadyExists {
			errAll = errors.Join(errAll, err)
		}
	}
	return errAll
}

// Feed adds events to members' feeds; one that exists already is left as
// it is.
func (s *Store) Feed(ctx context.Context, fs []FeedTo) error {
	if len(fs) == 0 {
		return nil
	}
	bw := s.fs.BulkWriter(ctx)
	jobs, err := s.bulkFeed(bw, fs)
	bw.End()
	return wrap("store.Feed", errors.Join(err, createdOrExisting(jobs)))
}

// FeedEvent returns one event of a member's feed; errs.NotFound if there
// is none.
func (s *Store) FeedEvent(ctx context.Context, workspaceID, accountID, id string) (*domain.FeedEvent, error) {
	var e domain.FeedEvent
	if _, err := s.get(ctx, s.feed(workspaceID, accountID).Doc(docID(id)), &e); err != nil {
		return nil, wrap("store.FeedEvent", err)
	}
	return &e, nil
}

// LatestFeedEvent returns the last event of a member's feed, nil if the
// feed is empty.
func (s *Store) LatestFeedEvent(ctx context.Context, workspaceID, accountID string) (*domain.FeedEvent, error) {
	q := s.feed(workspaceID, accountID).OrderBy("at", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc).Limit(1)
	es, err := queried[domain.FeedEvent](ctx, q)
	if err != nil || len(es) == 0 {
		return nil, wrap("store.LatestFeedEvent", err)
	}
	return es[0], nil
}

// FeedListener follows a member's feed: each Next returns the events
// committed since, in feed order.
type FeedListener struct{ listener }

// listener is a query's snapshot iterator under a context of its own: the
// Firestore client keeps a goroutine of each iterator until its context
// ends, Stop or not (measured: 100 listeners stopped, 100 goroutines
// left), so Stop ends both.
type listener struct {
	it     *firestore.QuerySnapshotIterator
	cancel context.CancelFunc
}

func listen(ctx context.Context, q firestore.Query) listener {
	ctx, cancel := context.WithCancel(ctx)
	return listener{it: q.Snapshots(ctx), cancel: cancel}
}

// Stop ends the listening.
func (l listener) Stop() {
	l.it.Stop()
	l.cancel()
}

// ListenFeed starts following a member's feed: with since set, from the
// events committed at or after it; else after the event after (nil: from
// the feed's start). The first Next returns the events already there.
func (s *Store) ListenFeed(ctx context.Context, workspaceID, accountID string, after *domain.FeedEvent, since time.Time) *FeedListener {
	q := s.feed(workspaceID, accountID).OrderBy("at", firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
	switch {
	case !since.IsZero():
		q = q.Where("at", ">=", since)
	case after != nil:
		q = q.StartAfter(after.At, after.ID)
	}
	return &FeedListener{listen(ctx, q)}
}

// Next waits for the next change of the feed and returns the events it
// added, in feed order. Firestore gives each snapshot at one read time,
// and an event's place is its commit time: an event committed later can
// only come after every one returned.
func (l *FeedListener) Next() ([]*domain.FeedEvent, error) {
	snap, err := l.it.Next()
	if err != nil {
		return nil, wrap("store.FeedListener", err)
	}
	var out []*domain.FeedEvent
	for _, ch := range snap.Changes {
		if ch.Kind != firestore.DocumentAdded {
			continue // feed events are never changed; a purge removes them
		}
		e, err := decoded[domain.FeedEvent](ch.Doc)
		if err != nil {
			return nil, wrap("store.FeedListener", err)
		}
		out = append(out, e)
	}
	sortFeed(out)
	return out, nil
}

// sortFeed orders events by commit time, then ID.
func sortFeed(es []*domain.FeedEvent) { slices.SortFunc(es, domain.CompareFeed) }

// liveDevice marks a device with a live stream.
type liveDevice struct {
	DeviceID string `firestore:"deviceId"`
	// AccountID is the account's: a withdrawal finds an account's marks
	// by it.
	AccountID   string    `firestore:"accountId"`
	WorkspaceID string    `firestore:"workspaceId"`
	LiveUntil   time.Time `firestore:"liveUntil"`
}

func (s *Store) liveDevice(accountID, deviceID string) *firestore.DocumentRef {
	return s.fs.Collection(colAccounts).Doc(docID(accountID)).Collection(colLiveDevices).Doc(docID(deviceID))
}

// MarkDeviceLive records that a device has a live stream, in a
// workspace, until until (the stream renews it while it is open), and
// returns the mark's update time.
func (s *Store) MarkDeviceLive(ctx context.Context, accountID, deviceID, workspaceID string, until time.Time) (time.Time, error) {
	res, err := s.liveDevice(accountID, deviceID).Set(ctx, liveDevice{DeviceID: deviceID, AccountID: accountID, WorkspaceID: workspaceID, LiveUntil: until})
	if err != nil {
		return time.Time{}, wrap("store.MarkDeviceLive", err)
	}
	return res.UpdateTime, nil
}

// ClearDeviceLive records that a device's live stream ended: it removes
// the mark that stream wrote last (at its update time written), and
// leaves one that another stream of the device has written since (on
// another instance, say).
func (s *Store) ClearDeviceLive(ctx context.Context, accountID, deviceID string, written time.Time) error {
	_, err := s.liveDevice(accountID, deviceID).Delete(ctx, firestore.LastUpdateTime(written))
	if c := code(err); c == codes.FailedPrecondition || c == codes.NotFound {
		return nil
	}
	return wrap("store.ClearDeviceLive", err)
}

// LiveDevices returns the IDs of an account's devices with a live stream
// at now.
func (s *Store) LiveDevices(ctx context.Context, accountID string, now time.Time) (map[string]bool, error) {
	q := s.fs.Collection(colAccounts).Doc(docID(accountID)).Collection(colLiveDevices).Where("liveUntil", ">", now)
	ds, err := queried[liveDevice](ctx, q)
	if err != nil {
		return nil, wrap("store.LiveDevices", err)
	}
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		out[d.DeviceID] = true
	}
	return out, nil
}

// IDListener follows a query: each Next returns the IDs of the documents
// that entered or changed in its result since.
type IDListener struct{ listener }

// Next waits for the next change.
func (l *IDListener) Next() ([]string, error) {
	snap, err := l.it.Next()
	if err != nil {
		return nil, wrap("store.IDListener", err)
	}
	var ids []string
	for _, ch := range snap.Changes {
		if ch.Kind != firestore.DocumentRemoved {
			ids = append(ids, ch.Doc.Ref.ID)
		}
	}
	return ids, nil
}

// ListenRevokedSessions follows the sessions revoked after since, of
// every account: the streams of a process close theirs at once.
func (s *Store) ListenRevokedSessions(ctx context.Context, since time.Time) *IDListener {
	return &IDListener{listen(ctx, s.fs.Collection(colSessions).Where("revokedAt", ">", since))}
}

// ListenWithdrawals follows the workspaces being withdrawn (F18).
func (s *Store) ListenWithdrawals(ctx context.Context) *IDListener {
	return &IDListener{listen(ctx, s.fs.Collection(colWorkspaces).Where("status", "==", domain.WorkspaceDeleting))}
}

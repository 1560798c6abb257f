package store

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/events"
)

// UnpublishedEvents returns up to limit outbox events created before
// `before`, oldest first: the ones the request that wrote them did not
// manage to publish.
func (s *Store) UnpublishedEvents(ctx context.Context, before time.Time, limit int) ([]events.Event, error) {
	it := s.fs.Collection(colOutbox).Where("createdAt", "<", before).OrderBy("createdAt", firestore.Asc).Limit(limit).Documents(ctx)
	defer it.Stop()
	var out []events.Event
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, wrap("store.UnpublishedEvents", err)
		}
		var ev events.Event
		if err := snap.DataTo(&ev); err != nil {
			return nil, wrap("store.UnpublishedEvents", err)
		}
		out = append(out, ev)
	}
}

// EventPublished removes a published event from the outbox.
func (s *Store) EventPublished(ctx context.Context, id string) error {
	_, err := s.fs.Collection(colOutbox).Doc(id).Delete(ctx)
	return wrap("store.EventPublished", err)
}

// Claim is the outcome of ClaimEvent.
type Claim int

// Claim outcomes.
const (
	// Claimed: this delivery handles the event.
	Claimed Claim = iota
	// AlreadyDone: an earlier delivery handled it; acknowledge and skip.
	AlreadyDone
	// InProgress: another delivery is handling it now; try again later.
	InProgress
)

// processedDoc records that a consumer is handling, or has handled, an event.
type processedDoc struct {
	Done       bool      `firestore:"done"`
	LeaseUntil time.Time `firestore:"leaseUntil"`
	PurgeAt    time.Time `firestore:"purgeAt"`
}

// processedRetention is how long a consumer remembers an event: far longer
// than Pub/Sub keeps redelivering one (7 days at most).
const processedRetention = 8 * 24 * time.Hour

// ClaimEvent claims an event for one consumer so that each event has its
// effect once. A claim is created with Create (fails if it exists); a claim
// whose holder died is taken over when its lease has run out, with a
// precondition on the update time so two deliveries cannot both take it.
func (s *Store) ClaimEvent(ctx context.Context, consumer, eventID string, now time.Time, lease time.Duration) (Claim, error) {
	ref := s.processed(consumer, eventID)
	doc := processedDoc{LeaseUntil: now.Add(lease), PurgeAt: now.Add(processedRetention)}
	_, err := ref.Create(ctx, doc)
	if err == nil {
		return Claimed, nil
	}
	if code(err) != codes.AlreadyExists {
		return 0, wrap("store.ClaimEvent", err)
	}
	snap, err := ref.Get(ctx)
	if code(err) == codes.NotFound {
		return InProgress, nil // released just now: the redelivery will claim it
	}
	if err != nil {
		return 0, wrap("store.ClaimEvent", err)
	}
	var old processedDoc
	if err := snap.DataTo(&old); err != nil {
		return 0, wrap("store.ClaimEvent", err)
	}
	switch {
	case old.Done:
		return AlreadyDone, nil
	case now.Before(old.LeaseUntil):
		return InProgress, nil
	}
	_, err = ref.Update(ctx, []firestore.Update{{Path: "leaseUntil", Value: doc.LeaseUntil}}, firestore.LastUpdateTime(snap.UpdateTime))
	if code(err) == codes.FailedPrecondition {
		return InProgress, nil
	}
	if err != nil {
		return 0, wrap("store.ClaimEvent", err)
	}
	return Claimed, nil
}

// FinishEvent marks a claimed event as handled for good.
func (s *Store) FinishEvent(ctx context.Context, consumer, eventID string) error {
	_, err := s.processed(consumer, eventID).Update(ctx, []firestore.Update{{Path: "done", Value: true}})
	return wrap("store.FinishEvent", err)
}

// ReleaseEvent gives up a claim after a failure, so a redelivery can retry
// at once.
func (s *Store) ReleaseEvent(ctx context.Context, consumer, eventID string) error {
	_, err := s.processed(consumer, eventID).Delete(ctx)
	return wrap("store.ReleaseEvent", err)
}

func (s *Store) processed(consumer, eventID string) *firestore.DocumentRef {
	return s.fs.Collection(colProcessed).Doc(docID(consumer + "_" + eventID))
}

// updateUnchanged updates a document together with events, in one
// commit, if the document is unchanged since it was read at seen;
// ErrRaced if it changed or is gone.
func (s *Store) updateUnchanged(ctx context.Context, ref *firestore.DocumentRef, updates []firestore.Update, seen time.Time, evs []events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(ref, updates, firestore.LastUpdateTime(seen)); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return err
}

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

// OutboxEvent is an event in the outbox: written in the commit of the
// change it tells of, and kept until its consumer has handled it
// (FinishEvent), not merely until it is published: a message Pub/Sub
// took and then lost (an emulator restarted empty; in production, a
// subscription deleted and made again) is published again. Each topic
// has one consumer (one subscription, infra/topology.yaml).
type OutboxEvent struct {
	events.Event
	// DueAt is when the relay (re)publishes it: at its creation, then
	// Redeliver after each publish.
	DueAt time.Time `firestore:"dueAt"`
	// Publishes counts its publishes.
	Publishes int `firestore:"publishes"`
}

// DueEvents returns up to limit outbox events due before `before`, the
// longest due first: those the request that wrote them did not manage to
// publish, and those published long ago and not handled yet.
func (s *Store) DueEvents(ctx context.Context, before time.Time, limit int) ([]OutboxEvent, error) {
	it := s.fs.Collection(colOutbox).Where("dueAt", "<", before).OrderBy("dueAt", firestore.Asc).Limit(limit).Documents(ctx)
	defer it.Stop()
	var out []OutboxEvent
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, wrap("store.DueEvents", err)
		}
		var ev OutboxEvent
		if err := snap.DataTo(&ev); err != nil {
			return nil, wrap("store.DueEvents", err)
		}
		out = append(out, ev)
	}
}

// EventPublished records a publish of an outbox event: it is due again
// at next, unless its consumer handles it first (and removes it, which
// this leaves alone).
func (s *Store) EventPublished(ctx context.Context, id string, next time.Time) error {
	_, err := s.fs.Collection(colOutbox).Doc(id).Update(ctx, []firestore.Update{
		{Path: "dueAt", Value: next}, {Path: "publishes", Value: firestore.Increment(1)},
	})
	if code(err) == codes.NotFound {
		return nil // handled already
	}
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

// FinishEvent marks a claimed event as handled for good and removes it
// from the outbox, in one commit.
func (s *Store) FinishEvent(ctx context.Context, consumer, eventID string) error {
	err := s.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.processed(consumer, eventID), []firestore.Update{{Path: "done", Value: true}}); err != nil {
			return err
		}
		return tx.Delete(s.fs.Collection(colOutbox).Doc(eventID))
	})
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

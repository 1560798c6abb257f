package rooms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// FanOutBatch is how many recipients one run of the fan-out job notifies.
const FanOutBatch = 250

// keepMessageNotes is how long a message notification is kept.
const keepMessageNotes = 30 * 24 * time.Hour

// FanOut is the fan-out job (topic message-posted): it notifies every
// other member of the room of a message, except members who muted
// notifications, who blocked the sender, or who are no longer members. A
// message whose sender left the room since (their workspace was withdrawn,
// F18) notifies nobody. Each notification names the sender's workspace, so
// a withdrawal finds what its members caused in other workspaces.
//
// A room of more than FanOutBatch recipients is fanned out in batches:
// the posted event (batch 0) publishes one event per further batch, each
// with an ID derived from its own, then notifies the first batch. Each
// notification's ID derives from the message, and is created only if it
// does not exist, so a redelivered event — or a batch published twice —
// notifies nobody twice.
//
// Each run also gives the members it visits (batch 0 also the sender: a
// self room has no one else, and the sender's other devices follow) the
// message's live event (F19), muted or not, and moves the room's activity
// forward in their entries, so the room goes to the top of their room
// lists; a maximum transform, so a redelivered or late run never moves
// it back.
func (s *Service) FanOut(ctx context.Context, ev events.Event) error {
	var m events.MessagePosted
	if err := ev.Decode(&m); err != nil || !domain.IsID(m.RoomID) || !domain.IsID(m.MessageID) || m.SenderKey == "" {
		logging.From(ctx).Error("dropping a malformed message-posted event")
		return nil
	}
	r, msg, err := s.roomAndMessage(ctx, m)
	if errs.Is(err, errs.NotFound) {
		return nil // the room's workspace was withdrawn, with the message
	}
	if err != nil {
		return fmt.Errorf("rooms.FanOut: %w", err)
	}
	if !r.Has(m.SenderKey) {
		return nil // the sender's workspace was withdrawn (F18)
	}
	var recipients []string
	for _, k := range r.MemberKeys {
		if k != m.SenderKey {
			recipients = append(recipients, k)
		}
	}
	batches := (len(recipients) + FanOutBatch - 1) / FanOutBatch
	if m.Batch < 0 || m.Batch >= max(batches, 1) {
		return nil
	}
	var batch []string
	if m.Batch < batches {
		batch = recipients[m.Batch*FanOutBatch : min((m.Batch+1)*FanOutBatch, len(recipients))]
	}
	active := batch
	if m.Batch == 0 {
		if err := s.publishBatches(ctx, ev, m, batches); err != nil {
			return err
		}
		active = append(slices.Clone(batch), m.SenderKey)
	}
	var rs []store.Recipient
	if len(batch) > 0 {
		if rs, err = s.Store.Recipients(ctx, batch, m.SenderKey); err != nil {
			return fmt.Errorf("rooms.FanOut: %w", err)
		}
	}
	// The live events first (the streams wait for them), with the room's
	// move up; then the notifications (the pushes follow them). The
	// message's seq is when it was accepted, in microseconds
	// (domain.NextSeq): the room's activity.
	if err := s.Store.ActivateRoom(ctx, m.RoomID, active, m.Seq, s.messageEvents(msg, active, rs)); err != nil {
		return fmt.Errorf("rooms.FanOut: %w", err)
	}
	return s.notify(ctx, ev, m, rs)
}

// roomAndMessage reads a message's room and the message, at once.
func (s *Service) roomAndMessage(ctx context.Context, m events.MessagePosted) (*domain.Room, *domain.Message, error) {
	var (
		r   *domain.Room
		msg *domain.Message
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		r, err = s.Store.Room(gctx, m.RoomID)
		return err
	})
	g.Go(func() (err error) {
		msg, err = s.Store.Message(gctx, m.RoomID, m.MessageID)
		return err
	})
	return r, msg, g.Wait()
}

// messageEvents are the live events of a message for the members keys
// that are still active members (the sender among them): muting and
// blocks hold back notifications, not the room's messages.
func (s *Service) messageEvents(msg *domain.Message, keys []string, rs []store.Recipient) []store.FeedTo {
	gone := map[string]bool{}
	for _, r := range rs {
		if r.Member == nil || r.Member.Status != domain.MemberActive {
			gone[r.Key] = true
		}
	}
	data := domain.MessageData{
		RoomID: msg.RoomID, MessageID: msg.ID, Seq: msg.Seq, SenderID: msg.SenderID, Text: msg.Text, CreatedAt: msg.CreatedAt,
	}
	now := s.Clock.Now()
	senderWS, _ := domain.SplitMemberKey(msg.SenderKey)
	out := make([]store.FeedTo, 0, len(keys))
	for _, k := range keys {
		if gone[k] {
			continue
		}
		ws, acc := domain.SplitMemberKey(k)
		out = append(out, store.FeedTo{WorkspaceID: ws, AccountID: acc, Event: domain.MessageEvent(data, senderWS, now)})
	}
	return out
}

// publishBatches publishes the events of batches 1 and on of a message.
// Their IDs derive from the posted event's, so publishing them again (a
// redelivery of the posted event) has no second effect.
func (s *Service) publishBatches(ctx context.Context, ev events.Event, m events.MessagePosted, batches int) error {
	for b := 1; b < batches; b++ {
		m.Batch = b
		be, err := events.NewMessagePosted(m, ev.CreatedAt)
		if err != nil {
			return fmt.Errorf("rooms.FanOut: %w", err)
		}
		be.ID = ev.ID + "-b" + strconv.Itoa(b)
		if err := s.Outbox.Publisher.Publish(ctx, be); err != nil {
			return fmt.Errorf("rooms.FanOut: %w", err)
		}
	}
	return nil
}

// notify notifies the recipients of a message, as the job's rules say,
// and asks for their notifications to be pushed (F19).
func (s *Service) notify(ctx context.Context, ev events.Event, m events.MessagePosted, rs []store.Recipient) error {
	now := s.Clock.Now()
	senderWS, senderID := domain.SplitMemberKey(m.SenderKey)
	var ns []*domain.Notification
	for _, r := range rs {
		if r.Member == nil || r.Member.Status != domain.MemberActive || now.Before(r.Member.MutedUntil) || r.BlocksSender {
			continue
		}
		ns = append(ns, &domain.Notification{
			ID: domain.NotificationID(domain.NotifyMessage, m.MessageID), Kind: domain.NotifyMessage,
			WorkspaceID: r.Member.WorkspaceID, AccountID: r.Member.AccountID, FromWorkspaceID: senderWS,
			CreatedAt: now, PurgeAt: now.Add(keepMessageNotes),
			Message: &domain.MessageNote{
				RoomID: m.RoomID, MessageID: m.MessageID, Seq: m.Seq, SenderID: senderID, SenderName: m.SenderName, Text: m.Text,
			},
		})
	}
	if _, err := s.Store.Notify(ctx, ns); err != nil {
		return fmt.Errorf("rooms.FanOut: %w", err)
	}
	return s.requestPush(ctx, ev, ns)
}

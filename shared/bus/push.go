package bus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// Envelope is the body Pub/Sub POSTs to a push endpoint.
type Envelope struct {
	Subscription string `json:"subscription"`
	Message      struct {
		Data        []byte            `json:"data"` // base64 in JSON
		Attributes  map[string]string `json:"attributes"`
		MessageID   string            `json:"messageId"`
		PublishTime time.Time         `json:"publishTime"`
	} `json:"message"`
}

// Consumer handles one event. It returns nil when the event is done — or
// permanently bad, after logging why — and an error only when a retry can
// help: then Pub/Sub redelivers it, and after the subscription's maximum
// attempts the dead-letter topic keeps it.
type Consumer func(ctx context.Context, ev events.Event) error

// Push adapts a consumer into a Pub/Sub push endpoint that has each event's
// effect once: the event is claimed in Firestore by (consumer name, event
// ID) before it is handled, marked done after, and released on failure.
type Push struct {
	Name    string // the consumer's name, part of the dedupe key
	Store   *store.Store
	Clock   clock.Clock
	Consume Consumer
	// Lease is how long a claim protects an event from a concurrent
	// redelivery; it must exceed the consumer's longest run.
	Lease time.Duration
}

// maxEnvelope bounds a push body (Pub/Sub messages are at most 10 MB; ours
// are small).
const maxEnvelope = 1 << 20

// ServeHTTP answers 2xx to acknowledge (done, duplicate or permanently
// bad) and 5xx or 429 to have Pub/Sub redeliver.
func (p *Push) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := logging.From(ctx).With("consumer", p.Name)
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEnvelope))
	var ev events.Event
	if err == nil {
		ev, err = decodeEnvelope(body)
	}
	if err != nil {
		log.Error("dropping an undecodable push body", "error", err.Error())
		w.WriteHeader(http.StatusNoContent) // redelivering cannot help
		return
	}
	log = log.With("eventId", ev.ID)
	ctx = logging.With(ctx, log)

	status, err := p.handle(ctx, ev)
	if err != nil {
		log.Warn("event will be redelivered", "status", status, "error", err.Error())
	}
	w.WriteHeader(status)
}

// maxEventID bounds an event ID, part of a Firestore document ID (at
// most 1,500 bytes) with the consumer's name.
const maxEventID = 256

// decodeEnvelope reads a push body into the event it carries: its ID is
// the eventId attribute (or, for a message published by hand, "msg-" and
// Pub/Sub's message ID), its version the v attribute (0 if none). An
// error means the body is permanently bad: not an envelope, or without an
// ID that can name the event's dedupe record (letters, digits, - and _).
func decodeEnvelope(body []byte) (events.Event, error) {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return events.Event{}, fmt.Errorf("bus.decodeEnvelope: %w", envelopeError(err))
	}
	ev := events.Event{ID: env.Message.Attributes[events.AttrEventID], Data: env.Message.Data, CreatedAt: env.Message.PublishTime}
	if ev.ID == "" && env.Message.MessageID != "" {
		ev.ID = "msg-" + env.Message.MessageID // published by hand: dedupe on Pub/Sub's ID
	}
	if !isEventID(ev.ID) {
		return events.Event{}, errors.New("bus.decodeEnvelope: no event ID, or one that cannot name the event")
	}
	ev.Version, _ = strconv.Atoi(env.Message.Attributes[events.AttrVersion])
	return ev, nil
}

// envelopeError is err, the error of decoding an envelope, if its text
// quotes nothing of the body (it is logged); else a description of it.
func envelopeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var b64 base64.CorruptInputError
	if errors.As(err, &syntax) || errors.As(err, &typ) || errors.As(err, &b64) {
		return err
	}
	var tm *time.ParseError
	if errors.As(err, &tm) {
		return errors.New("publishTime is not an RFC 3339 time")
	}
	return errors.New("not a push envelope")
}

// isEventID reports whether id can be an event's ID: what events.NewID,
// WithdrawalRunID and PushID make, and Pub/Sub's message IDs.
func isEventID(id string) bool {
	if id == "" || len(id) > maxEventID {
		return false
	}
	return !strings.ContainsFunc(id, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_'
	})
}

func (p *Push) handle(ctx context.Context, ev events.Event) (int, error) {
	claim, err := p.Store.ClaimEvent(ctx, p.Name, ev.ID, p.Clock.Now(), p.Lease)
	if err != nil {
		return http.StatusServiceUnavailable, err
	}
	switch claim {
	case store.AlreadyDone:
		logging.From(ctx).Info("duplicate delivery acknowledged")
		return http.StatusNoContent, nil
	case store.InProgress:
		return http.StatusTooManyRequests, errors.New("another delivery is handling this event")
	}
	if err := p.Consume(ctx, ev); err != nil {
		// Release with a context that outlives a cancelled request, so the
		// next delivery can retry at once instead of waiting out the lease.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := p.Store.ReleaseEvent(rctx, p.Name, ev.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return http.StatusInternalServerError, fmt.Errorf("consume: %w", err)
	}
	if err := p.Store.FinishEvent(context.WithoutCancel(ctx), p.Name, ev.ID); err != nil {
		// The effect happened; the claim stays leased, so a redelivery
		// within the lease is held off. Acknowledge anyway.
		logging.From(ctx).Error("could not mark event done", "error", err.Error())
	}
	return http.StatusNoContent, nil
}

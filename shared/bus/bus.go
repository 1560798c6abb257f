// Package bus moves events from the state changes that write them to the
// background jobs that consume them, through Pub/Sub, without losing any.
//
// The transactional outbox: a change and its events are committed together
// (shared/store writes the events to the outbox collection in the same
// transaction). After the commit, Dispatch publishes them and removes them
// from the outbox; what it cannot publish (Pub/Sub down, process killed)
// stays there, and Relay — called by Cloud Scheduler in production, by a
// ticker locally — republishes it. Delivery is therefore at least once, and
// Push deduplicates by event ID so a redelivery has no second effect.
package bus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// Publisher publishes one event to its topic and returns once Pub/Sub has
// stored it.
type Publisher interface {
	Publish(ctx context.Context, ev events.Event) error
}

// PubSub publishes to Google Cloud Pub/Sub (the emulator when
// PUBSUB_EMULATOR_HOST is set). It calls the Publish RPC directly: one
// event, one call, no client-side batching delay.
type PubSub struct {
	client  *pubsub.Client
	project string
}

// NewPubSub connects to the project's Pub/Sub. A non-empty emulatorHost
// names an emulator to use instead of the one PUBSUB_EMULATOR_HOST names
// (a test that stops and restarts its own emulator).
func NewPubSub(ctx context.Context, project, emulatorHost string) (*PubSub, error) {
	var opts []option.ClientOption
	if emulatorHost != "" {
		opts = []option.ClientOption{
			option.WithEndpoint(emulatorHost),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
			option.WithoutAuthentication(),
		}
	}
	c, err := pubsub.NewClient(ctx, project, opts...)
	if err != nil {
		return nil, fmt.Errorf("bus.NewPubSub: %w", err)
	}
	return &PubSub{client: c, project: project}, nil
}

// Client returns the underlying client (the local runner creates topics and
// subscriptions with it).
func (p *PubSub) Client() *pubsub.Client { return p.client }

// Close closes the connection.
func (p *PubSub) Close() error { return p.client.Close() }

// Publish publishes ev to its topic with its ID and version as attributes.
func (p *PubSub) Publish(ctx context.Context, ev events.Event) error {
	_, err := p.client.TopicAdminClient.Publish(ctx, &pubsubpb.PublishRequest{
		Topic: "projects/" + p.project + "/topics/" + ev.Topic,
		Messages: []*pubsubpb.PubsubMessage{{
			Data:       ev.Data,
			Attributes: map[string]string{events.AttrEventID: ev.ID, events.AttrVersion: fmt.Sprint(ev.Version)},
		}},
	})
	if err != nil {
		return fmt.Errorf("bus.Publish %s: %w", ev.Topic, err)
	}
	return nil
}

// Outbox publishes committed events and republishes the ones left behind.
type Outbox struct {
	Store     *store.Store
	Publisher Publisher
	Clock     clock.Clock
	// Timeout bounds one Dispatch, so a Pub/Sub outage delays the answer to
	// a request by at most this much; it bounds each publish of Relay too.
	Timeout time.Duration
	// Grace is how old an event must be before Relay takes it, so Relay
	// does not race the Dispatch of the request that wrote it.
	Grace time.Duration
	// Redeliver is how long after a publish an event its consumer has not
	// handled is published again: past Pub/Sub's own retries of a
	// failing push (config.OutboxRedeliver), so that only a message
	// Pub/Sub lost is published twice.
	Redeliver time.Duration
}

// Dispatch publishes events that were just committed to the outbox, and
// removes each one published. It never fails the caller: the change is
// already committed, and whatever is not published now is the relay's.
// It is not cancelled with ctx (a client that hangs up must not leave
// events behind), only bounded by Timeout.
func (o *Outbox) Dispatch(ctx context.Context, evs ...events.Event) {
	if len(evs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Timeout)
	defer cancel()
	for _, ev := range evs {
		if err := o.publish(ctx, ev); err != nil {
			logging.From(ctx).Warn("event left for the relay", "topic", ev.Topic, "eventId", ev.ID, "error", err.Error())
		}
	}
}

// publish publishes ev and makes it due again o.Redeliver later: its
// consumer removes it from the outbox once it has handled it. If this
// record fails, the relay publishes the event again sooner and the
// consumer's dedupe absorbs it.
func (o *Outbox) publish(ctx context.Context, ev events.Event) error {
	if err := o.Publisher.Publish(ctx, ev); err != nil {
		return err
	}
	return o.Store.EventPublished(ctx, ev.ID, o.Clock.Now().Add(o.Redeliver))
}

// MaxPublishes is how many times an event is published before the relay
// leaves it in the outbox and reports it: an event its consumer keeps
// refusing is in the dead-letter topic by then.
const MaxPublishes = 5

// relayBatch is how many events one Relay call reads at a time.
const relayBatch = 100

// Relay publishes every outbox event due more than Grace ago (never
// published, or published Redeliver ago and not handled since) and
// returns how many it published. It stops at the first publish failure (Pub/Sub is likely
// still down) and reports it. Each publish is bounded by Timeout: left
// alone, the client's own retries back off for up to a minute, and a relay
// pass stuck in them would sit out Pub/Sub's recovery.
func (o *Outbox) Relay(ctx context.Context) (int, error) {
	n := 0
	for {
		evs, err := o.Store.DueEvents(ctx, o.Clock.Now().Add(-o.Grace), relayBatch)
		if err != nil {
			return n, fmt.Errorf("bus.Relay: %w", err)
		}
		for _, ev := range evs {
			if ev.Publishes >= MaxPublishes {
				o.abandon(ctx, ev)
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, o.Timeout)
			err := o.publish(pctx, ev.Event)
			cancel()
			if err != nil {
				return n, fmt.Errorf("bus.Relay: %w", err)
			}
			n++
		}
		if len(evs) < relayBatch {
			if n > 0 {
				logging.From(ctx).Info("relay published outbox events", slog.Int("count", n))
			}
			return n, nil
		}
	}
}

// abandon reports an event published MaxPublishes times and never handled,
// and stops publishing it (it stays in the outbox, a record of what its
// consumer refused; the dead-letter topic holds its deliveries).
func (o *Outbox) abandon(ctx context.Context, ev store.OutboxEvent) {
	logging.From(ctx).Error("outbox event never handled: no longer published", "eventId", ev.ID, "topic", ev.Topic, "publishes", ev.Publishes)
	if err := o.Store.EventPublished(ctx, ev.ID, o.Clock.Now().Add(100*365*24*time.Hour)); err != nil {
		logging.From(ctx).Warn("abandoned event still due", "eventId", ev.ID, "error", err.Error())
	}
}

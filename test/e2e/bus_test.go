package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/workgate/workgate/emulator/gcloud"
	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/functions/mailer"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/store"
)

// mailEvent returns a mail-requested event to an address.
func (e *env) mailEvent(to string) events.Event {
	e.t.Helper()
	d := e.s.Deps
	ev, err := events.NewMail(d.Sealer, mail.Joined, i18n.English, to, mail.Data{
		Name: "Kim", WorkspaceName: "Acme", WorkspaceID: "acme", LoginID: to,
	}, d.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// TestDuplicateDeliveryOneMail: the same event delivered twice — published
// twice through Pub/Sub, and pushed twice (also concurrently) — sends one
// mail; a different event sends its own.
func TestDuplicateDeliveryOneMail(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	pub := e.s.Deps.PubSub

	// Through Pub/Sub: the same event ID published twice, then a control.
	dup := e.mailEvent("dup@example.com")
	for range 2 {
		if err := pub.Publish(ctx, dup); err != nil {
			t.Fatal(err)
		}
	}
	control := e.mailEvent("control@example.com")
	if err := pub.Publish(ctx, control); err != nil {
		t.Fatal(err)
	}
	e.waitMails("control@example.com", 1)
	e.waitMails("dup@example.com", 1)
	e.settle()
	if n := len(e.mails("dup@example.com")); n != 1 {
		t.Fatalf("an event published twice sent %d mails, want 1", n)
	}

	// Straight at the push endpoint: 6 deliveries of one envelope at once,
	// then once more after it is done.
	again := e.mailEvent("push@example.com")
	body := envelope(t, again)
	statuses, _ := race(6, func(int) int { return e.push(body) })
	acked := 0
	for _, s := range statuses {
		switch s {
		case http.StatusNoContent:
			acked++
		case http.StatusTooManyRequests: // "in progress": Pub/Sub would redeliver
		default:
			t.Fatalf("push answered %d", s)
		}
	}
	if acked == 0 {
		t.Fatal("no delivery was acknowledged")
	}
	e.settle()
	if s := e.push(body); s != http.StatusNoContent {
		t.Fatalf("redelivery after done answered %d, want 204", s)
	}
	if n := len(e.waitMails("push@example.com", 1)); n != 1 {
		t.Fatalf("7 deliveries of one event sent %d mails, want 1", n)
	}
}

func envelope(t testing.TB, ev events.Event) []byte {
	t.Helper()
	var env struct {
		Subscription string `json:"subscription"`
		Message      struct {
			Data       []byte            `json:"data"`
			Attributes map[string]string `json:"attributes"`
			MessageID  string            `json:"messageId"`
		} `json:"message"`
	}
	env.Subscription = "projects/p/subscriptions/mailer"
	env.Message.Data = ev.Data
	env.Message.Attributes = map[string]string{events.AttrEventID: ev.ID, events.AttrVersion: "1"}
	env.Message.MessageID = "m-" + ev.ID
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) push(body []byte) int {
	e.t.Helper()
	return e.pushed("mailer", "application/json", body)
}

// TestMailerDropsPoison: a push that can never be handled is acknowledged
// (so Pub/Sub stops) and sends nothing.
func TestMailerDropsPoison(t *testing.T) {
	t.Parallel()
	e := start(t)
	cases := map[string]events.Event{
		"not JSON":         {ID: events.NewID(), Data: []byte("{")},
		"unknown template": {ID: events.NewID(), Data: []byte(`{"template":"nope","locale":"en","to":"poison@example.com"}`)},
		"unsealed link":    {ID: events.NewID(), Data: []byte(`{"template":"verify_email","locale":"en","to":"poison@example.com","data":{"Link":"http://x/verify-email/abc"}}`)},
	}
	for name, ev := range cases {
		if s := e.push(envelope(t, ev)); s != http.StatusNoContent {
			t.Errorf("%s: push answered %d, want 204", name, s)
		}
	}
	if n := len(e.mails("poison@example.com")); n != 0 {
		t.Fatalf("poison sent %d mails", n)
	}
}

// TestOutboxSurvivesPubSubOutage: with Pub/Sub down, creating a workspace
// still succeeds and its event waits in the outbox; once Pub/Sub is back,
// the relay publishes it and the mail arrives.
func TestOutboxSurvivesPubSubOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, err := gcloud.Start(ctx, gcloud.PubSub, "", nil) // a free port
	if err != nil {
		t.Fatal(err)
	}
	host := ps.HostPort
	t.Cleanup(func() { _ = ps.Stop() })
	e := start(t, func(o *stack.Options) {
		o.PubSubHost = host
		o.RelayEvery = 300 * time.Millisecond
		o.Configure = func(c *configT) { c.PublishTimeout = time.Second; c.OutboxGrace = time.Second }
	})

	if err := ps.Stop(); err != nil {
		t.Fatal(err)
	}
	r := e.call("POST", "/v1/workspaces", newWorkspace("outage", "outage@example.com"))
	if r.Status != http.StatusAccepted {
		t.Fatalf("create with Pub/Sub down = %d %s", r.Status, r.Body)
	}
	pending, err := e.s.Deps.Store.DueEvents(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(pending) != 1 || pending[0].Topic != events.TopicMailRequested {
		t.Fatalf("outbox = %v, %v; want the one mail event", pending, err)
	}
	if strings.Contains(string(pending[0].Data), "/verify-email/") {
		t.Fatal("the outbox holds the verification link in clear")
	}
	time.Sleep(2 * time.Second) // the relay keeps failing meanwhile
	if n := len(e.mails("outage@example.com")); n != 0 {
		t.Fatalf("%d mails while Pub/Sub was down", n)
	}
	// A pass that cannot publish is an outage, answered as one: 503 with
	// Retry-After, not a 500 (an internal error to report).
	res, err := e.http.Post(e.s.PushURL("relay"), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("a relay pass with Pub/Sub down = %d (Retry-After %q), want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}

	ps, err = gcloud.Start(ctx, gcloud.PubSub, host, nil) // a fresh emulator: no topics yet
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ps.Stop() })
	if err := e.s.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	m := e.waitMails("outage@example.com", 1)[0]
	token := linkToken(t, m, "/verify-email/")
	if r := e.call("POST", "/v1/email-verifications", map[string]string{"token": token}); r.Status != 200 {
		t.Fatalf("verify after the outage = %d %s", r.Status, r.Body)
	}
	e.settle()
}

// TestOutboxRepublishesWhatPubSubLost: an event stays in the outbox until
// its consumer has handled it, not merely until Pub/Sub took it. A
// message Pub/Sub took and lost (here: published while its subscription
// was gone) is published again config.OutboxRedeliver later, and its mail arrives
// once; a handled event leaves the outbox.
func TestOutboxRepublishesWhatPubSubLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := start(t)
	sub := "projects/" + e.s.Deps.Config.Project + "/subscriptions/" + mailer.Name // the mail-requested topic's
	if err := e.s.Deps.PubSub.Client().SubscriptionAdminClient.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	if r := e.call("POST", "/v1/workspaces", newWorkspace("lost", "lost@example.com")); r.Status != http.StatusAccepted {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	// Published (the request did it), and lost: it stays in the outbox.
	var held []store.OutboxEvent
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		held, err = e.s.Deps.Store.DueEvents(ctx, time.Now().Add(24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(held) == 1 && held[0].Publishes == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(held) != 1 || held[0].Publishes != 1 || held[0].Topic != events.TopicMailRequested {
		t.Fatalf("outbox = %+v; want the mail event, published once", held)
	}
	time.Sleep(time.Second)
	if n := len(e.mails("lost@example.com")); n != 0 {
		t.Fatalf("%d mails with no subscription", n)
	}

	if err := e.s.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	e.advance(int((e.s.Deps.Config.OutboxRedeliver + time.Minute) / time.Second))
	m := e.waitMails("lost@example.com", 1)[0]
	e.settle()
	if n := len(e.mails("lost@example.com")); n != 1 {
		t.Errorf("%d mails, want the one", n)
	}
	linkToken(t, m, "/verify-email/")
	if held, err := e.s.Deps.Store.DueEvents(ctx, time.Now().Add(24*time.Hour), 10); err != nil || len(held) != 0 {
		t.Errorf("outbox after the mail = %+v, %v; want it empty", held, err)
	}
}

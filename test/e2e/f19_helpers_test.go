package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/workgate/workgate/shared/openapi/contract"
	"github.com/workgate/workgate/test/client"
)

// Helpers of the live events tests (PRODUCT.md F19, API.md "Live
// events"): a client of GET /v1/me/events that parses the stream as
// API.md frames it.

// liveEvent is one server-sent event.
type liveEvent = client.Event

// decode decodes the event's data, which must be one JSON value.
func decodeEvent(t testing.TB, ev liveEvent, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(ev.Data), v); err != nil {
		t.Fatalf("%s event data %q: %v", ev.Name, ev.Data, err)
	}
}

// liveStream is an open stream; its events arrive on events, and ended
// is closed when the server ends it.
type liveStream struct {
	t        testing.TB
	events   chan liveEvent
	comments chan string
	ended    chan struct{}
	cancel   context.CancelFunc
}

// openStream opens a stream as s, resuming after lastEventID if it is set
// (the Last-Event-ID header), and requires 200 text/event-stream. The
// stream is closed when the test ends.
func (e *env) openStream(s session, lastEventID string) *liveStream {
	e.t.Helper()
	return e.openStreamWith(s, "Last-Event-ID", lastEventID)
}

// openStreamWith opens a stream as s with one more header (none if value
// is empty).
func (e *env) openStreamWith(s session, header, value string) *liveStream {
	e.t.Helper()
	res, cancel := e.streamRequest(s.AccessToken, "", header, value)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		cancel()
		e.t.Fatalf("GET /v1/me/events = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	ls := &liveStream{t: e.t, events: make(chan liveEvent, 1000), comments: make(chan string, 100), ended: make(chan struct{}), cancel: cancel}
	go ls.read(res)
	e.t.Cleanup(ls.close)
	return ls
}

// streamRequest sends GET /v1/me/events with a bearer token (none if
// empty), a query and a header; the caller closes the body.
func (e *env) streamRequest(token, query, header, value string) (*http.Response, context.CancelFunc) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	path := "/v1/me/events"
	if query != "" {
		path += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, "GET", e.s.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if value != "" {
		req.Header.Set(header, value)
	}
	res, err := http.DefaultClient.Do(req) // no client timeout: the stream lasts
	if err != nil {
		cancel()
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return res, cancel
}

// read parses the stream (client.ReadEvents), checking each event against
// the contract.
func (ls *liveStream) read(res *http.Response) {
	defer close(ls.ended)
	defer res.Body.Close()
	_ = client.ReadEvents(res.Body, func(ev liveEvent) {
		if strings.Contains(ev.Data, "\n") {
			ls.t.Errorf("a %s event with more than one data line: %q", ev.Name, ev.Data)
		}
		if err := checkLiveEvent(ev); err != nil {
			ls.t.Errorf("the stream breaks the OpenAPI contract: %v", err)
		}
		ls.events <- ev
	}, func(comment string) {
		select {
		case ls.comments <- comment:
		default:
		}
	})
}

// close ends the stream from the client's side.
func (ls *liveStream) close() { ls.cancel() }

// liveWait bounds how long a test waits for an event that must come.
const liveWait = 15 * time.Second

// next returns the next event, failing the test if none comes in time.
func (ls *liveStream) next() liveEvent {
	ls.t.Helper()
	select {
	case ev := <-ls.events:
		return ev
	case <-time.After(liveWait):
		ls.t.Fatalf("no event within %s", liveWait)
	}
	return liveEvent{}
}

// nextOf returns the next event of a name, skipping others.
func (ls *liveStream) nextOf(name string) liveEvent {
	ls.t.Helper()
	deadline := time.After(liveWait)
	for {
		select {
		case ev := <-ls.events:
			if ev.Name == name {
				return ev
			}
		case <-deadline:
			ls.t.Fatalf("no %s event within %s", name, liveWait)
		}
	}
}

// untilMessage reads events up to the message event of messageID,
// failing the test on any event named refused before it: a later message
// marks the point by which such an event would have come.
func (ls *liveStream) untilMessage(messageID, refused string) {
	ls.t.Helper()
	for {
		ev := ls.next()
		if ev.Name == refused {
			ls.t.Fatalf("unexpected %s event: %s", refused, ev.Data)
		}
		var m liveMessage
		if ev.Name == "message" {
			decodeEvent(ls.t, ev, &m)
			if m.MessageID == messageID {
				return
			}
		}
	}
}

// none requires that no event of a name arrives within d (a quiet
// period after which the event would have arrived long since).
func (ls *liveStream) none(name string, d time.Duration) {
	ls.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-ls.events:
			if ev.Name == name {
				ls.t.Fatalf("unexpected %s event: %s", name, ev.Data)
			}
		case <-deadline:
			return
		}
	}
}

// waitEnded requires the server to end the stream in time.
func (ls *liveStream) waitEnded() {
	ls.t.Helper()
	select {
	case <-ls.ended:
	case <-time.After(liveWait):
		ls.t.Fatalf("the stream did not end within %s", liveWait)
	}
}

// liveMessage is the data of a message event.
type liveMessage struct {
	RoomID    string    `json:"roomId"`
	MessageID string    `json:"messageId"`
	Seq       int64     `json:"seq"`
	SenderID  string    `json:"senderId"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
}

// refreshed returns s with fresh tokens (POST /v1/token/refresh), for a
// test that moved the clock past the access token's life.
func (e *env) refreshed(s session) session {
	e.t.Helper()
	r := e.refresh(s.RefreshToken)
	requireStatus(e.t, r, http.StatusOK)
	var out session
	r.JSON(e.t, &out)
	out.DeviceToken = s.DeviceToken
	return out
}

var (
	liveSchemasOnce sync.Once
	liveSchemas     map[string]*openapi3.Schema
	liveSchemasErr  error
)

// checkLiveEvent validates an event against the OpenAPI document: its
// name must be one x-events lists, and its data that event's schema.
func checkLiveEvent(ev liveEvent) error {
	liveSchemasOnce.Do(func() {
		doc, err := contract.Load()
		if err != nil {
			liveSchemasErr = err
			return
		}
		mt := doc.Paths.Value("/v1/me/events").Get.Responses.Value("200").Value.Content.Get("text/event-stream")
		raw, _ := mt.Extensions["x-events"].(map[string]any)
		liveSchemas = map[string]*openapi3.Schema{}
		for name, v := range raw {
			ref, _ := v.(map[string]any)["$ref"].(string)
			if s := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; s != nil {
				liveSchemas[name] = s.Value
			}
		}
	})
	if liveSchemasErr != nil {
		return liveSchemasErr
	}
	schema, ok := liveSchemas[ev.Name]
	if !ok {
		return fmt.Errorf("event %q is not documented", ev.Name)
	}
	var v any
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		return fmt.Errorf("%s data %q: %w", ev.Name, ev.Data, err)
	}
	if err := schema.VisitJSON(v); err != nil {
		return fmt.Errorf("%s data %s: %w", ev.Name, ev.Data, err)
	}
	return nil
}

// awaitExists waits until a document exists (or, with want false, does
// not), failing the test if it takes longer than liveWait.
func (e *env) awaitExists(path string, want bool) {
	e.t.Helper()
	deadline := time.Now().Add(liveWait)
	for e.exists(path) != want {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: exists should be %v within %s", path, want, liveWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Package live delivers a member's live events (F19, API.md "Live
// events"): one server-sent-events stream per signed-in device, driven by
// a Firestore listener on the member's feed (store.ListenFeed), resumable
// with Last-Event-ID, kept alive, ended by the server before Cloud Run's
// request limit, and closed within moments of its session's end (Hub).
// An open stream makes its member online (F9) and its device live, so the
// push job leaves it out.
//
// What a stream costs in Firestore: at the start, one read to place it
// (the Last-Event-ID's event, or the feed's latest), one per event it
// resumes, and two writes (presence, live device); then one read per
// event it carries and nothing while idle but the heartbeat's two writes
// every Heartbeat. The listeners of the hub are shared by every stream of
// the process.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service serves the streams of one process.
type Service struct {
	Store    *store.Store
	Sessions *session.Service
	Clock    clock.Clock
	Hub      *Hub
	// KeepAlive is how often an idle stream writes a comment line.
	KeepAlive time.Duration
	// MaxAge is when the server ends a stream (under Cloud Run's request
	// limit); the client reconnects with Last-Event-ID.
	MaxAge time.Duration
	// Heartbeat is how often an open stream marks its member present and
	// its device live, for LiveFor each time.
	Heartbeat, LiveFor time.Duration
	// Relisten is how many events a feed listener finds before the
	// stream follows its feed anew (follow): what the listener holds
	// stays small however long the stream.
	Relisten int
}

// Relisten is how many events a feed listener carries before the stream
// follows its feed anew. A Firestore listener keeps every document it has
// delivered: about 4.4 KiB of heap each with the Go client (measured with
// 20 listeners of 100 message events). At 20, a busy stream holds some
// 90 KiB at most, and an events instance at its 1,000 streams about
// 90 MiB, well under its 450 MiB Go memory limit (infra/terraform); at
// 1,000 (the first value) 100 busy streams would have filled it, and a
// load run's events process grew without end; at 50 its RSS rose and fell
// by 12 MiB of 80 with how full its 112 streams' listeners were. Each new
// listener costs one query, which finds the events since Overlap before
// the last one carried.
const Relisten = 20

// markTimeout bounds a write of a device's live mark, which the stream's
// end does not cancel (heartbeat).
const markTimeout = 5 * time.Second

// Serve serves GET /v1/me/events: it authenticates the caller, places the
// stream after the Last-Event-ID (header, or lastEventId in the query),
// then writes events until the client goes, the session ends or MaxAge
// passes. An unknown or expired Last-Event-ID gets a reset event, then
// the stream goes on from now.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Sessions.Authenticate(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("lastEventId")
	}
	after, reset, err := s.place(ctx, p, lastID)
	if err != nil {
		return err
	}
	// The server's read and write timeouts are for short requests: a
	// stream lifts them (it ends itself at MaxAge).
	rc := http.NewResponseController(w)
	for _, lift := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := lift(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("live.Serve: %w", err)
		}
	}
	st := &stream{w: w, rc: rc}
	reg := s.Hub.Register(p.SessionID, p.WorkspaceID, p.AccountID+"/"+p.DeviceID)
	defer func() {
		if reg.Unregister() && !st.liveAt.IsZero() {
			// The device's last stream here: it is no longer live (a
			// stream of it elsewhere has marked it since, or will at its
			// next heartbeat).
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
			defer cancel()
			if err := s.Store.ClearDeviceLive(cctx, p.AccountID, p.DeviceID, st.liveAt); err != nil {
				logging.From(ctx).Warn("live device not cleared", "error", err.Error())
			}
		}
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if reset {
		id := ""
		if after != nil {
			id = after.ID
		}
		st.event(id, domain.FeedReset, "{}")
	}
	if err := st.flush(); err != nil {
		return nil // the client went
	}
	s.run(ctx, p, reg, after, st)
	return nil
}

// place finds where a stream starts: after the Last-Event-ID's event, or
// after the feed's latest event (reset when lastID names none that can
// be resumed from).
func (s *Service) place(ctx context.Context, p *session.Principal, lastID string) (after *domain.FeedEvent, reset bool, err error) {
	if lastID != "" && domain.IsFeedEventID(lastID) {
		e, err := s.Store.FeedEvent(ctx, p.WorkspaceID, p.AccountID, lastID)
		if err == nil && !e.Expired(s.Clock.Now()) {
			return e, false, nil
		}
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, false, err
		}
	}
	latest, err := s.Store.LatestFeedEvent(ctx, p.WorkspaceID, p.AccountID)
	if err != nil {
		return nil, false, err
	}
	return latest, lastID != "", nil
}

// run writes the stream's events until it ends.
func (s *Service) run(ctx context.Context, p *session.Principal, reg *Registration, after *domain.FeedEvent, st *stream) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := logging.From(ctx)
	batches := make(chan []*domain.FeedEvent)
	go s.follow(ctx, p, after, batches)
	ids := &cursor{last: after}
	// Authenticate has just marked the member present: the first beat
	// marks the device live only.
	s.heartbeat(ctx, p, st, false)
	keepAlive := time.NewTicker(s.KeepAlive)
	defer keepAlive.Stop()
	heartbeat := time.NewTicker(s.Heartbeat)
	defer heartbeat.Stop()
	maxAge := time.NewTimer(s.MaxAge)
	defer maxAge.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-maxAge.C:
			return
		case <-reg.Draining():
			return
		case <-reg.Ended():
			st.event("", domain.FeedRevoked, "{}")
			_ = st.flush()
			return
		case evs := <-batches:
			for _, e := range evs {
				st.event(ids.past(e), e.Kind, e.Data)
			}
			err = st.flush()
		case <-keepAlive.C:
			st.comment("keepalive")
			err = st.flush()
		case <-heartbeat.C:
			s.heartbeat(ctx, p, st, true)
		}
		if err != nil {
			log.Debug("stream ended by the client", "error", err.Error())
			return
		}
	}
}

// heartbeat marks the device live (the stream keeps when, to clear its
// own mark at the end) and, if present, the member present (F9); a
// failure is logged, and the next heartbeat tries again.
//
// The mark's write is not cut short when the client goes: a write
// cancelled in flight may still be committed, and the stream, not
// knowing its time, could not clear it at the end (the device would stay
// "live", without pushes, for LiveFor).
func (s *Service) heartbeat(ctx context.Context, p *session.Principal, st *stream, present bool) {
	now := s.Clock.Now()
	if present {
		if err := s.Store.MarkPresent(ctx, p.WorkspaceID, p.AccountID, now); err != nil && ctx.Err() == nil {
			logging.From(ctx).Warn("presence not recorded", "error", err.Error())
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	at, err := s.Store.MarkDeviceLive(wctx, p.AccountID, p.DeviceID, p.WorkspaceID, now.Add(s.LiveFor))
	if err != nil {
		logging.From(ctx).Warn("live device not recorded", "error", err.Error())
		return
	}
	st.liveAt = at
}

// follow listens to the member's feed after the event after and hands
// each batch of new events to the stream. A listener that fails, gives no
// first snapshot within FirstSnapshot, or has carried Relisten events, is
// replaced by one that starts Overlap before the newest event carried
// (never before after); what it finds again is dropped: nothing is lost,
// nothing repeated.
func (s *Service) follow(ctx context.Context, p *session.Principal, after *domain.FeedEvent, out chan<- []*domain.FeedEvent) {
	log := logging.From(ctx)
	backoff := 100 * time.Millisecond
	c := newCarried(after)
	for ctx.Err() == nil {
		from, since := c.from()
		lctx, cancel := context.WithCancel(ctx)
		l := s.Store.ListenFeed(lctx, p.WorkspaceID, p.AccountID, from, since)
		unanswered := time.AfterFunc(FirstSnapshot, cancel)
		stop := func() {
			unanswered.Stop()
			l.Stop()
			cancel()
		}
		listened := 0
		for listened < s.Relisten {
			evs, err := l.Next()
			unanswered.Stop()
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("feed listener failed; following again", "error", err.Error(), "unanswered", lctx.Err() != nil)
					sleep(ctx, backoff)
					backoff = min(2*backoff, 10*time.Second)
				}
				break
			}
			backoff = 100 * time.Millisecond
			if evs = c.fresh(evs); len(evs) == 0 {
				continue
			}
			listened += len(evs)
			select {
			case out <- evs:
			case <-ctx.Done():
				stop()
				return
			}
		}
		stop()
	}
}

// FirstSnapshot is how long a new feed listener may take to answer with
// the events already there (one member's feed since the stream's place,
// at most a day) before it is replaced. The emulator has been seen to
// leave such a listen unanswered for good (in about 1 of 30 runs of
// TestF19ResumeMidBurst: a stream's third listener, of some 70 events),
// and the stream then carried nothing more.
const FirstSnapshot = 5 * time.Second

// cursor is what a stream's event ids name: the furthest event in feed
// order the stream has carried, so that a client resuming from any id it
// got is sent nothing it had. A Firestore listener shows events in feed
// order, and each id is then its event's own; the emulator may show an
// event a moment after a later one (Overlap), which then carries the
// later one's id.
type cursor struct{ last *domain.FeedEvent }

// past returns the id of a stream's event e: the furthest carried, e
// included.
func (c *cursor) past(e *domain.FeedEvent) string {
	if c.last == nil || domain.CompareFeed(c.last, e) < 0 {
		c.last = e
	}
	return c.last.ID
}

// Overlap is how far before the newest event it has carried a stream's
// next listener starts. An event's place in the feed is its commit time,
// and a commit may become visible a moment after a later one (the
// emulator, under load, shows it): a listener that started just after the
// newest event would miss it, and one that started after an older event
// would repeat the newer ones. Events within Overlap are found again
// (each a read) and dropped by their IDs.
const Overlap = 5 * time.Second

// carried is what a stream has carried of its feed: where it was placed,
// the newest commit time it carried, and the IDs it carried within
// Overlap of that.
type carried struct {
	placed *domain.FeedEvent
	newest time.Time
	recent map[string]time.Time // event ID → commit time
}

func newCarried(placed *domain.FeedEvent) *carried {
	c := &carried{placed: placed, recent: map[string]time.Time{}}
	if placed != nil {
		c.newest = placed.At
	}
	return c
}

// from is where the next listener starts: after the placing event, until
// the stream has carried events more than Overlap after it; then at
// Overlap before the newest.
func (c *carried) from() (after *domain.FeedEvent, since time.Time) {
	since = c.newest.Add(-Overlap)
	if c.placed == nil && len(c.recent) == 0 || c.placed != nil && !since.After(c.placed.At) {
		return c.placed, time.Time{}
	}
	return nil, since
}

// fresh returns the events of evs not carried before, in feed order, and
// remembers them.
func (c *carried) fresh(evs []*domain.FeedEvent) []*domain.FeedEvent {
	out := evs[:0:0]
	for _, e := range evs {
		if _, dup := c.recent[e.ID]; dup {
			continue
		}
		c.recent[e.ID] = e.At
		if e.At.After(c.newest) {
			c.newest = e.At
		}
		out = append(out, e)
	}
	for id, at := range c.recent {
		if at.Before(c.newest.Add(-2 * Overlap)) {
			delete(c.recent, id)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// stream writes server-sent events; the first write error sticks and is
// returned by flush.
type stream struct {
	w   io.Writer
	rc  *http.ResponseController
	err error
	// liveAt is when the stream last marked its device live.
	liveAt time.Time
}

func (st *stream) printf(format string, args ...any) {
	if st.err == nil {
		_, st.err = fmt.Fprintf(st.w, format, args...)
	}
}

// event writes one event; its data is one line of JSON.
func (st *stream) event(id, name, data string) {
	if id != "" {
		st.printf("id: %s\n", id)
	}
	st.printf("event: %s\ndata: %s\n\n", name, data)
}

func (st *stream) comment(text string) { st.printf(": %s\n\n", text) }

func (st *stream) flush() error {
	if st.err != nil {
		return st.err
	}
	return st.rc.Flush()
}

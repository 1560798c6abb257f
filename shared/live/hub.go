package live

import (
	"context"
	"sync"
	"time"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// Hub is what the streams of one process share: it ends a stream within
// moments of its session's end. One listener follows the sessions revoked
// (logout, device revocation, member deletion, password change, refresh
// reuse) and one the workspaces being withdrawn, for every stream of the
// process; a stream needs no listener of its own for that.
type Hub struct {
	Store *store.Store
	Clock clock.Clock
	// Restart is how long to wait before following again after a
	// listener failed.
	Restart time.Duration
	// Renew is how often the session listener starts over from a recent
	// time, so that what it holds stays small.
	Renew time.Duration

	once sync.Once
	stop context.CancelFunc
	mu   sync.Mutex
	// streams by session and by workspace.
	bySession   map[string]map[*Registration]bool
	byWorkspace map[string]map[*Registration]bool
	byDevice    map[string]int
	// ended holds the sessions and workspaces seen ending lately, for a
	// stream that registers just after.
	ended map[string]time.Time

	drainOnce, drainedOnce sync.Once
	drain                  chan struct{}
}

// keepEnded is how long an ending is remembered for late registrations:
// longer than any request takes from its authentication to registering.
const keepEnded = 5 * time.Minute

// Registration is one stream's place in the hub.
type Registration struct {
	hub                               *Hub
	sessionID, workspaceID, deviceKey string
	ended                             chan struct{}
	closeOnce                         sync.Once
}

// Ended is closed when the stream's session ends.
func (r *Registration) Ended() <-chan struct{} { return r.ended }

func (r *Registration) end() { r.closeOnce.Do(func() { close(r.ended) }) }

// Draining is closed when the process is going away (Drain).
func (r *Registration) Draining() <-chan struct{} { return r.hub.draining() }

func (h *Hub) draining() chan struct{} {
	h.drainOnce.Do(func() { h.drain = make(chan struct{}) })
	return h.drain
}

// Drain ends every stream of the process, and any registered after,
// without a word to the client: the instance is going away (SIGTERM), and
// the client reconnects, to another instance, where it left off.
func (h *Hub) Drain() {
	h.drainedOnce.Do(func() { close(h.draining()) })
}

// Register enters a stream of a session in a workspace on a device
// (deviceKey: account and device). Its Ended channel is closed at once if
// the hub has seen the session or workspace end.
func (h *Hub) Register(sessionID, workspaceID, deviceKey string) *Registration {
	h.once.Do(h.start)
	r := &Registration{hub: h, sessionID: sessionID, workspaceID: workspaceID, deviceKey: deviceKey, ended: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	add(h.bySession, sessionID, r)
	add(h.byWorkspace, workspaceID, r)
	h.byDevice[deviceKey]++
	if _, ok := h.ended["s/"+sessionID]; ok {
		r.end()
	}
	if _, ok := h.ended["w/"+workspaceID]; ok {
		r.end()
	}
	return r
}

// Unregister takes the stream out; it reports whether it was the last
// stream of its device in this process.
func (r *Registration) Unregister() (lastOfDevice bool) {
	h := r.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	remove(h.bySession, r.sessionID, r)
	remove(h.byWorkspace, r.workspaceID, r)
	if h.byDevice[r.deviceKey]--; h.byDevice[r.deviceKey] <= 0 {
		delete(h.byDevice, r.deviceKey)
		return true
	}
	return false
}

func add(m map[string]map[*Registration]bool, k string, r *Registration) {
	if m[k] == nil {
		m[k] = map[*Registration]bool{}
	}
	m[k][r] = true
}

func remove(m map[string]map[*Registration]bool, k string, r *Registration) {
	delete(m[k], r)
	if len(m[k]) == 0 {
		delete(m, k)
	}
}

// endAll ends the streams of sessions or workspaces (by prefix "s/" or
// "w/") and remembers that they ended.
func (h *Hub) endAll(prefix string, ids []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	for k, at := range h.ended {
		if now.Sub(at) > keepEnded {
			delete(h.ended, k)
		}
	}
	m := h.bySession
	if prefix == "w/" {
		m = h.byWorkspace
	}
	for _, id := range ids {
		h.ended[prefix+id] = now
		for r := range m[id] {
			r.end()
		}
	}
}

func (h *Hub) start() {
	h.bySession = map[string]map[*Registration]bool{}
	h.byWorkspace = map[string]map[*Registration]bool{}
	h.byDevice = map[string]int{}
	h.ended = map[string]time.Time{}
	ctx, stop := context.WithCancel(context.Background())
	h.mu.Lock()
	h.stop = stop
	h.mu.Unlock()
	go h.follow(ctx, "s/", func(ctx context.Context) *store.IDListener {
		// Sessions revoked a little before now: a stream authenticated
		// just before its session's revocation still sees it.
		return h.Store.ListenRevokedSessions(ctx, h.Clock.Now().Add(-time.Minute))
	}, h.Renew)
	go h.follow(ctx, "w/", h.Store.ListenWithdrawals, 0)
}

// Close stops the hub's listeners.
func (h *Hub) Close() error {
	h.once.Do(func() {}) // a hub never started stays so
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop != nil {
		h.stop()
	}
	return nil
}

// follow runs a listener until the hub closes, ending the streams
// of what it reports; a failed listener starts again after h.Restart, and
// with renew set, it starts over that often.
func (h *Hub) follow(ctx context.Context, prefix string, listen func(context.Context) *store.IDListener, renew time.Duration) {
	log := logging.From(ctx)
	for ctx.Err() == nil {
		lctx, cancel := context.WithCancel(ctx)
		if renew > 0 {
			lctx, cancel = context.WithTimeout(ctx, renew)
		}
		l := listen(lctx)
		for {
			ids, err := l.Next()
			if err != nil {
				if lctx.Err() == nil {
					log.Warn("stream hub: a listener failed; following again", "error", err.Error())
					sleep(ctx, h.Restart)
				}
				break
			}
			h.endAll(prefix, ids)
		}
		l.Stop()
		cancel()
	}
}

// Command bench measures workgate against the emulators `make bench`
// starts: for each call, latency p50/p99 and the Firestore reads and writes
// per request; for each chain, the time from the request to the mail in the
// sink (or to the event on a live stream, or to the push); for live
// streams, what a thousand idle ones cost one process; for the web app,
// its first load in headless Chromium; for the image, its size, and for
// each function, its cold start (a new process of the image's binary).
// Each figure is printed beside a floor measured in the same run on the
// same emulators: a raw Firestore write+read, a raw publish→push round
// trip, and an HTTP round trip to the router, or the part's own.
//
// Timings vary with the machine and its load; compare a figure with its
// floor, not with another run's figure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/test/bench/results"
)

// Sample sizes: enough for a stable p99 in well under a minute.
const (
	nFloor = 200
	nCalls = 100
	nChain = 50
)

// benchRateLimitFactor multiplies every rate limit of the stack
// (config.RateLimitFactor), so that no measured call is refused.
const benchRateLimitFactor = 10000

func main() {
	flag.Parse()
	err := run()
	if err == nil {
		// Only a run that finished: a failed part's section would
		// replace the earlier figures with fewer.
		err = report.write(*jsonOut)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	if *only != "" && *only != "core" && *only != "withdrawal" && *only != "login" && *only != "rooms" && *only != "live" && *only != "app" && *only != "coldstart" {
		return fmt.Errorf("-only %q: the parts that run alone are core, withdrawal, login, rooms, live, app and coldstart", *only)
	}
	for _, v := range []string{"FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"} {
		if os.Getenv(v) == "" {
			return fmt.Errorf("%s is not set: run `make bench`", v)
		}
	}
	costs := &costLog{byRoute: map[string]*cost{}}
	arrivals := newArrivals()
	s, err := stack.Start(ctx, stack.Options{
		Project: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Addr: "127.0.0.1:0", MailAddr: "127.0.0.1:0",
		Meter: &store.Meter{}, Log: slog.New(costs), RelayEvery: time.Hour, Unchecked: true,
		Configure: func(c *config.Config) {
			c.KeyDir = os.TempDir() + "/workgate-bench-keys"
			// The bench measures calls, not limits: from one client and a
			// few members it makes far more of them than any limit allows.
			c.RateLimitFactor = benchRateLimitFactor
		},
	})
	if err != nil {
		return err
	}
	defer s.Close()
	s.Sink.SetOnReceive(func(m mailsink.Message) { arrivals.arrived(m) })
	client := &http.Client{Timeout: time.Minute}
	b := &bench{s: s, client: client, costs: costs, arrivals: arrivals}

	report.start(fmt.Sprintf("workgate bench · %s · %s · %d CPUs · Firestore and Pub/Sub emulators",
		time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.NumCPU()))
	if *only == "coldstart" {
		return b.coldstart(ctx) // its floor is its own
	}
	fmt.Printf("%-44s %5s %10s %10s %10s %10s\n", "", "n", "p50", "p99", "reads/req", "writes/req")

	report.section("floors")
	if err := b.floorFirestore(ctx); err != nil {
		return err
	}
	if err := b.floorHTTP(); err != nil {
		return err
	}
	pushFloor, err := b.floorPush(ctx)
	if err != nil {
		return err
	}
	b.floorHash(ctx)
	switch *only {
	case "withdrawal":
		return b.f18(ctx)
	case "rooms":
		report.section("F14: rooms, messages, fan-out to a 1,000-member room")
		return b.rooms(ctx, pushFloor)
	case "live":
		report.section("F19: live events (server-sent events) and push")
		return b.live(ctx)
	case "app":
		report.section("F20: the web app's first load, cold, in headless Chromium")
		return b.app(ctx)
	}

	if *only == "" {
		if err := b.coldstart(ctx); err != nil {
			return err
		}
	}
	report.section("F1: create a workspace, verify the owner's e-mail")
	if err := b.f1(); err != nil {
		return err
	}
	report.section("F5, F7, F10: log in by e-mail code and password; sessions")
	if err := b.login(ctx); err != nil {
		return err
	}
	report.section("F9: new-device approval")
	if err := b.devices(ctx, pushFloor); err != nil {
		return err
	}
	if *only == "login" {
		return nil
	}
	// core: F1 to F15, without what make bench runs on emulators of its
	// own (the emulator slows with all they write, and F14's fan-outs keep
	// it busy for minutes after).
	report.section("F11, F12: profiles, QR codes, external members")
	if err := b.contacts(ctx); err != nil {
		return err
	}
	report.section("F15: the member list of a 1,000-member workspace")
	if err := b.members(ctx); err != nil {
		return err
	}
	if *only == "" {
		report.section("F14: rooms, messages, fan-out to a 1,000-member room")
		if err := b.rooms(ctx, pushFloor); err != nil {
			return err
		}
		report.section("F19: live events (server-sent events) and push")
		if err := b.live(ctx); err != nil {
			return err
		}
		if err := b.f18(ctx); err != nil {
			return err
		}
		report.section("F20: the web app's first load, cold, in headless Chromium")
		if err := b.app(ctx); err != nil {
			return err
		}
	}
	fmt.Printf("\nchain latencies are to be read against the publish→push floor (p50 %s)\n", ms(pushFloor))
	return nil
}

type bench struct {
	s        *stack.Stack
	client   *http.Client
	costs    *costLog
	arrivals *arrivals
	hashP50  time.Duration
}

// floorFirestore: a raw Set then Get of one document, the least any
// request that writes and reads can cost.
func (b *bench) floorFirestore(ctx context.Context) error {
	fs := b.s.Deps.Store.Firestore()
	var lat []time.Duration
	for i := range nFloor {
		ref := fs.Collection("benchFloor").Doc(fmt.Sprint(i))
		t := time.Now()
		if _, err := ref.Set(ctx, map[string]any{"i": i, "at": t}); err != nil {
			return err
		}
		if _, err := ref.Get(ctx); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	row("floor: Firestore write+read (raw)", lat, 1, 1)
	return nil
}

// floorHTTP: GET /healthz through the router (no Firestore).
func (b *bench) floorHTTP() error {
	var lat []time.Duration
	for range nFloor {
		t := time.Now()
		res, err := b.client.Get(b.s.URL + "/healthz")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(t))
	}
	row("floor: HTTP round trip (GET /healthz)", lat, 0, 0)
	return nil
}

// floorPush: publish one message to a topic whose push subscription points
// at a bare HTTP handler, and time its arrival; one at a time (steady).
func (b *bench) floorPush(ctx context.Context) (time.Duration, error) {
	p, err := b.newPushProbe(ctx, "bench-floor")
	if err != nil {
		return 0, err
	}
	defer p.close()
	var lat []time.Duration
	for range nChain * 2 {
		d, err := p.roundTrip(ctx)
		if err != nil {
			return 0, err
		}
		lat = append(lat, d)
	}
	row("floor: publish→push round trip (raw)", lat, -1, -1)
	return percentile(lat, 50), nil
}

// pushProbe is a topic whose push subscription points at a bare HTTP
// handler: a part that times a chain through Pub/Sub push interleaves
// its round trips with the chain's, for a floor measured alongside.
type pushProbe struct {
	b     *bench
	srv   *http.Server
	got   chan struct{}
	topic string
	sub   string
	sent  int
}

// newPushProbe creates the topic and its push subscription, both named
// name, and the handler they push to.
func (b *bench) newPushProbe(ctx context.Context, name string) (*pushProbe, error) {
	p := &pushProbe{b: b, got: make(chan struct{}, 1), topic: name}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
		select {
		case p.got <- struct{}{}:
		default:
		}
	})}
	ln, err := listen()
	if err != nil {
		return nil, err
	}
	go func() { _ = p.srv.Serve(ln) }()
	admin := b.s.Deps.PubSub.Client()
	project := "projects/" + b.s.Deps.Config.Project
	topic := project + "/topics/" + name
	if _, err := admin.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		p.srv.Close()
		return nil, err
	}
	p.sub = project + "/subscriptions/" + name
	if _, err := admin.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: p.sub, Topic: topic, PushConfig: &pubsubpb.PushConfig{PushEndpoint: "http://" + ln.Addr().String() + "/"}, AckDeadlineSeconds: 10,
	}); err != nil {
		p.srv.Close()
		return nil, err
	}
	return p, nil
}

// roundTrip publishes one message and times its push.
func (p *pushProbe) roundTrip(ctx context.Context) (time.Duration, error) {
	t := time.Now()
	ev := events.Event{ID: events.NewID(), Topic: p.topic, Version: 1, Data: []byte(fmt.Sprint(p.sent))}
	p.sent++
	if err := p.b.s.Deps.PubSub.Publish(ctx, ev); err != nil {
		return 0, err
	}
	select {
	case <-p.got:
	case <-time.After(30 * time.Second):
		return 0, fmt.Errorf("floor: push %d of %s never arrived", p.sent-1, p.topic)
	}
	return time.Since(t), nil
}

// close deletes the subscription (the emulator would push to the port
// forever) and stops the handler.
func (p *pushProbe) close() {
	_ = p.b.s.Deps.PubSub.Client().SubscriptionAdminClient.DeleteSubscription(context.Background(), &pubsubpb.DeleteSubscriptionRequest{Subscription: p.sub})
	p.srv.Close()
}

// floorHash: one argon2id hash, and what the concurrency bound implies.
func (b *bench) floorHash(ctx context.Context) {
	h := b.s.Deps.Hasher
	var lat []time.Duration
	for range 20 {
		t := time.Now()
		_, _ = h.Hash(ctx, "correct horse battery staple")
		lat = append(lat, time.Since(t))
	}
	row("argon2id hash (19 MiB, t=2, p=1)", lat, -1, -1)
	b.hashP50 = percentile(lat, 50)
	fmt.Printf("  %d hashes may run at once (WORKGATE_HASH_CONCURRENCY; default one per CPU): at most %d MiB for hashing\n",
		h.Concurrency(), h.Concurrency()*19)
}

// f1 measures creation, the verification page, verification, and the two
// chains: create → verification mail, verify → joined mail.
func (b *bench) f1() error {
	var createLat, chainLat []time.Duration
	tokens := make([]string, 0, nCalls)
	for i := range nCalls {
		email := fmt.Sprintf("owner%d@bench.example", i)
		body := fmt.Sprintf(`{"workspaceId":"bench-%d","name":"Bench %d","owner":{"name":"Owner %d","email":%q,"password":"correct horse battery"}}`, i, i, i, email)
		wait := b.arrivals.expect(email)
		t := time.Now()
		if err := b.do("POST", "/v1/workspaces", body, http.StatusAccepted); err != nil {
			return err
		}
		createLat = append(createLat, time.Since(t))
		m, at, err := wait()
		if err != nil {
			return err
		}
		if i < nChain {
			chainLat = append(chainLat, at.Sub(t))
		}
		tok, err := token(m, "/verify-email/")
		if err != nil {
			return err
		}
		tokens = append(tokens, tok)
	}
	c := b.costs.get("POST /v1/workspaces")
	row("POST /v1/workspaces", createLat, c.reads(), c.writes())

	var pageLat []time.Duration
	for _, tok := range tokens {
		t := time.Now()
		if err := b.do("GET", "/verify-email/"+tok, "", http.StatusOK); err != nil {
			return err
		}
		pageLat = append(pageLat, time.Since(t))
	}
	c = b.costs.get("GET /verify-email/{token}")
	row("GET /verify-email/{token} (page)", pageLat, c.reads(), c.writes())

	var verifyLat, joinedLat []time.Duration
	for i, tok := range tokens {
		email := fmt.Sprintf("owner%d@bench.example", i)
		wait := b.arrivals.expect(email)
		t := time.Now()
		if err := b.do("POST", "/v1/email-verifications", fmt.Sprintf(`{"token":%q}`, tok), http.StatusOK); err != nil {
			return err
		}
		verifyLat = append(verifyLat, time.Since(t))
		if i < nChain {
			_, at, err := wait()
			if err != nil {
				return err
			}
			joinedLat = append(joinedLat, at.Sub(t))
		}
	}
	c = b.costs.get("POST /v1/email-verifications")
	row("POST /v1/email-verifications", verifyLat, c.reads(), c.writes())

	c = b.costs.get("/_push/mailer")
	opsRow("mailer job (per mail, Firestore only)", c.n, c.reads(), c.writes())
	fmt.Println("\nchains (request → mail in the sink)")
	row("create → verification mail", chainLat, -1, -1)
	row("verify → joined mail", joinedLat, -1, -1)
	return nil
}

func (b *bench) do(method, path, body string, want int) error {
	return b.request(method, path, body, "", want, nil)
}

// request sends a call (JSON body if any, bearer token if any), checks its
// status and decodes its answer into v if v is not nil.
func (b *bench) request(method, path, body, token string, want int, v any) error {
	req, err := http.NewRequest(method, b.s.URL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s = %d %s", method, path, res.StatusCode, got)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(got, v)
}

func token(m mailsink.Message, prefix string) (string, error) {
	if tok, ok := m.LinkPath(prefix); ok {
		return tok, nil
	}
	return "", fmt.Errorf("no %s link in %q", prefix, m.Subject)
}

// arrivals hands each mail, with its arrival time, to whoever expects one
// for its recipient.
type arrivals struct {
	mu      sync.Mutex
	waiting map[string]chan arrival
}

type arrival struct {
	m  mailsink.Message
	at time.Time
}

func newArrivals() *arrivals { return &arrivals{waiting: map[string]chan arrival{}} }

func (a *arrivals) expect(to string) func() (mailsink.Message, time.Time, error) {
	ch := make(chan arrival, 1)
	a.mu.Lock()
	a.waiting[to] = ch
	a.mu.Unlock()
	return func() (mailsink.Message, time.Time, error) {
		select {
		case got := <-ch:
			return got.m, got.at, nil
		case <-time.After(60 * time.Second):
			return mailsink.Message{}, time.Time{}, fmt.Errorf("no mail to %s within 60s", to)
		}
	}
}

func (a *arrivals) arrived(m mailsink.Message) {
	at := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, to := range m.To {
		if ch, ok := a.waiting[to]; ok {
			delete(a.waiting, to)
			ch <- arrival{m, at}
		}
	}
}

// costLog is a slog handler that collects the Firestore cost the request
// log lines report, per route; it prints warnings and errors.
type costLog struct {
	mu      sync.Mutex
	byRoute map[string]*cost
}

type cost struct {
	n, readSum, writeSum int64
	msSum                int64 // the requests' latencies, in milliseconds
}

func (c *cost) reads() float64  { return float64(c.readSum) / float64(max(c.n, 1)) }
func (c *cost) writes() float64 { return float64(c.writeSum) / float64(max(c.n, 1)) }

func (l *costLog) get(route string) cost {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.byRoute[route]; ok {
		return *c
	}
	return cost{}
}

func (l *costLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *costLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *costLog) WithGroup(string) slog.Handler            { return l }
func (l *costLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var buf bytes.Buffer
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&buf, " %s=%v", a.Key, a.Value); return true })
		fmt.Fprintf(os.Stderr, "%s %s%s\n", r.Level, r.Message, buf.String())
	}
	if r.Message != "request" {
		return nil
	}
	var route string
	var reads, writes, latency int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "route":
			route = a.Value.String()
		case "firestoreReads":
			reads = a.Value.Int64()
		case "firestoreWrites":
			writes = a.Value.Int64()
		case "latencyMs":
			latency = a.Value.Int64()
		}
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.byRoute[route]
	if c == nil {
		c = &cost{}
		l.byRoute[route] = c
	}
	c.n++
	c.readSum += reads
	c.writeSum += writes
	c.msSum += latency
	return nil
}

// row prints and records one figure; negative ops mean "not a request"
// (blank, and absent from the record).
func row(name string, lat []time.Duration, reads, writes float64) {
	cell := func(v float64) string {
		if v < 0 {
			return ""
		}
		return fmt.Sprintf("%.1f", v)
	}
	p50, p99 := percentile(lat, 50), percentile(lat, 99)
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10s %10s", name, len(lat), ms(p50), ms(p99), cell(reads), cell(writes)),
		results.Row{Name: name, N: len(lat), P50Ms: msOf(p50), P99Ms: msOf(p99), Reads: ops(reads), Writes: ops(writes)})
}

// opsRow prints and records a background job's Firestore operations (per
// run, per mail or per post, as its name says): n runs, no latency.
func opsRow(name string, n int64, reads, writes float64) {
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10.1f %10.1f", name, n, "", "", reads, writes),
		results.Row{Name: name, N: int(n), Reads: results.Ptr(reads), Writes: results.Ptr(writes)})
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (p*len(s) + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

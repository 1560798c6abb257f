package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/workgate/workgate/test/client"
	"github.com/workgate/workgate/test/testenv"
)

// run starts the stack, sets the world up, runs the mix (with the fault)
// for cfg.Duration, lets the effects settle and checks them. progress
// gets a line every cfg.Progress.
func run(ctx context.Context, cfg config, progress io.Writer) (*report, error) {
	rep := &report{cfg: cfg, began: time.Now(), loadBefore: testenv.LoadAverage()}
	logs := newServerLog(cfg.Verbose)
	say := func(format string, args ...any) {
		fmt.Fprintf(progress, "load %6s  "+format+"\n", append([]any{time.Since(rep.began).Round(time.Second)}, args...)...)
	}
	shape := "one process"
	if cfg.Split {
		shape = "split, every function its own process"
	}
	say("starting the emulators and the stack (%s)", shape)
	e, err := startEnv(ctx, cfg, logs)
	if err != nil {
		return nil, err
	}
	defer e.close()
	// The set-up's calls are counted apart from the mix's.
	setupStats, st := newStats(), newStats()
	var current atomic.Pointer[stats]
	current.Store(setupStats)
	in := newInbox()
	e.s.Sink.SetOnReceive(in.mail)
	e.s.Sink.SetOnPush(in.push)
	c := &client.Client{Base: e.s.URL, Observe: func(call client.Call) { current.Load().observe(call) }, HTTP: &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 256, DisableCompression: true},
	}}
	w := newWorld(cfg, c, in)
	streamCtx, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStreams()
	w.streamCtx = streamCtx
	rep.w, rep.e, rep.stats, rep.logs = w, e, st, logs

	say("set-up: %d workspaces, %d members registered through the API, group rooms", cfg.Workspaces, cfg.Members)
	t0 := time.Now()
	if err := w.setup(ctx, rand.New(rand.NewPCG(uint64(cfg.Seed), 0))); err != nil {
		return rep, err
	}
	// The owners logged in during the set-up, their streams open.
	rep.setupTook = time.Since(t0)
	rep.setupCalls, rep.setupFailed = setupStats.total.Load(), setupStats.fives.Load()+setupStats.errs.Load()
	current.Store(st)
	logs.resetRoutes()
	say("set-up done in %s; the mix runs for %s at %.1f actions/s", rep.setupTook.Round(time.Second), cfg.Duration, cfg.Rate)

	// Actions outlive the mix's end (their answers are needed), not an
	// interrupt.
	actx, cancelActions := context.WithCancel(ctx)
	defer cancelActions()
	mixStart := time.Now()
	mixEnd := mixStart.Add(cfg.Duration)
	rep.mixStart = mixStart
	var wg sync.WaitGroup

	// Every member logs in once, spread over the ramp.
	ramp := min(30*time.Second, cfg.Duration/5)
	var loginsLeft atomic.Int64
	for _, m := range w.members {
		if m.loggedIn.Load() {
			continue
		}
		loginsLeft.Add(1)
		delay := time.Duration(rand.Int64N(int64(ramp)))
		wg.Go(func() {
			defer loginsLeft.Add(-1)
			sleep(actx, delay)
			if err := m.login(actx); err != nil {
				w.counters.add("logins failed", 1)
				say("%v", err)
			}
		})
	}

	// The fault.
	win := &window{}
	rep.window = win
	if cfg.Fault != "" {
		wg.Go(func() {
			sleep(actx, time.Until(mixStart.Add(cfg.FaultAt)))
			say("fault %s: on", cfg.Fault)
			if err := e.inject(actx, win); err != nil {
				rep.faultErr = err
				say("fault %s failed: %v", cfg.Fault, err)
			}
			say("fault %s: off after %s", cfg.Fault, win.End.Sub(win.Start).Round(100*time.Millisecond))
		})
	}

	// Memory: once every member is logged in, in the middle, at the end.
	wg.Go(func() {
		sleep(actx, ramp+5*time.Second)
		rep.addMem(e.sample(actx, "start"))
		sleep(actx, time.Until(mixStart.Add(cfg.Duration/2)))
		rep.addMem(e.sample(actx, "middle"))
	})

	// Progress.
	progressDone := make(chan struct{})
	stopProgress := sync.OnceFunc(func() { close(progressDone) })
	defer stopProgress()
	go func() {
		t := time.NewTicker(cfg.Progress)
		defer t.Stop()
		for {
			select {
			case <-progressDone:
				return
			case <-t.C:
				say("%s", w.progressLine(st, win, int(loginsLeft.Load())))
			}
		}
	}()

	// The extras, every ExtraEvery, in turn.
	wg.Go(func() {
		var n int64
		t := time.NewTicker(cfg.ExtraEvery)
		defer t.Stop()
		var ewg sync.WaitGroup
		defer ewg.Wait()
		for {
			select {
			case <-actx.Done():
				return
			case now := <-t.C:
				if now.After(mixEnd) {
					return
				}
				n++
				x := extras[int(n)%len(extras)]
				ws := w.workspaces[int(n/int64(len(extras)))%len(w.workspaces)]
				ewg.Go(func() {
					if err := x.run(w, actx, ws, w.next()); err != nil {
						w.ledger.abort(x.name)
						say("%s: %v", x.name, err)
					} else {
						w.counters.add(x.name, 1)
					}
				})
			}
		}
	})

	// The members' actions: an open loop at the rate asked (Poisson
	// arrivals), each given to an idle member who is logged in.
	w.scheduler(actx, mixEnd, st)
	say("mix over; waiting for the calls in flight")
	waitFor(&wg, 3*time.Minute)
	rep.mixTook = time.Since(mixStart)
	rep.addMem(e.sample(ctx, "end"))

	say("settling: waiting up to %s for every effect", cfg.Settle)
	settleStart := time.Now()
	var last pendingState
	lastChange := time.Now()
	for {
		p := w.pending(ctx, e)
		if p != last {
			last, lastChange = p, time.Now()
		}
		// Nothing moving for longer than a job's longest lease (a claim
		// held by a killed process runs out after 2 minutes): what is
		// missing will not come.
		stuck := p.outbox == 0 && time.Since(lastChange) > stuckAfter
		if p.done() || stuck || time.Since(settleStart) > cfg.Settle || ctx.Err() != nil {
			rep.settleTook = time.Since(settleStart)
			break
		}
		say("settling: %s", p)
		sleep(ctx, 5*time.Second)
	}
	stopProgress()
	rep.addMem(e.sample(ctx, "settled"))
	stopStreams()
	say("checking every effect")
	if err := rep.check(ctx); err != nil {
		return rep, err
	}
	rep.loadAfter = testenv.LoadAverage()
	rep.ended = time.Now()
	return rep, nil
}

// stuckAfter is how long the settling waits with nothing changing.
const stuckAfter = 150 * time.Second

// scheduler gives actions to members at cfg.Rate per second until end.
func (w *world) scheduler(ctx context.Context, end time.Time, st *stats) {
	rnd := rand.New(rand.NewPCG(uint64(w.cfg.Seed), 1))
	const inFlight = 64 // a bound on concurrent actions
	slots := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	next := time.Now()
	for ctx.Err() == nil {
		next = next.Add(time.Duration(rnd.ExpFloat64() / w.cfg.Rate * float64(time.Second)))
		if next.After(end) {
			return
		}
		sleep(ctx, time.Until(next))
		var m *member
		for range 20 {
			c := w.members[rnd.IntN(len(w.members))]
			if c.loggedIn.Load() && c.busy.CompareAndSwap(false, true) {
				m = c
				break
			}
		}
		if m == nil {
			w.counters.add("actions skipped: no idle member", 1)
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			m.busy.Store(false)
			w.counters.add("actions skipped: 64 in flight", 1)
			continue
		}
		a := pickAction(rnd.IntN(mixWeight))
		wg.Go(func() {
			defer func() { <-slots }()
			defer m.busy.Store(false)
			actx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			if err := a.run(m, actx); err != nil {
				w.counters.add("actions failed: "+a.name, 1)
			} else {
				w.counters.add("actions: "+a.name, 1)
			}
		})
	}
}

// progressLine is the state of the run in one line.
func (w *world) progressLine(st *stats, win *window, loginsLeft int) string {
	mails, pushes := w.inbox.totals()
	streams, up := 0, 0
	for _, m := range w.members {
		if m.live != nil {
			streams++
			m.live.mu.Lock()
			if m.live.up {
				up++
			}
			m.live.mu.Unlock()
		}
	}
	fault := ""
	if win.Fault != "" && !win.Start.IsZero() {
		if win.End.IsZero() {
			fault = fmt.Sprintf("  FAULT %s on for %s", win.Fault, time.Since(win.Start).Round(time.Second))
		} else {
			fault = "  fault " + win.Fault + " over"
		}
	}
	logins := ""
	if loginsLeft > 0 {
		logins = fmt.Sprintf("  logins left %d", loginsLeft)
	}
	return fmt.Sprintf("calls %d  5xx %d  no answer %d  posts %d  streams %d/%d up  mails %d  pushes %d%s%s",
		st.total.Load(), st.fives.Load(), st.errs.Load(), len(w.ledger.allPosts()), up, streams, mails, pushes, logins, fault)
}

// waitFor waits for wg, at most d.
func waitFor(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// counters count named things (actions done, skipped, failed).
type counters struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounters() *counters { return &counters{n: map[string]int{}} }

func (c *counters) add(name string, d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name] += d
}

func (c *counters) all() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

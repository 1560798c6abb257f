package main

// The bench's side of live streams: a client of server-sent events, raw
// Firestore listeners, and what holding many of either open costs the
// process (its memory and CPU, read from /proc and the Go runtime).

import (
	"github.com/workgate/workgate/test/bench/results"

	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/firestore"
)

// seenID is a document or message seen, and when.
type seenID struct {
	id string
	at time.Time
}

// awaitSeen waits for id on seen, skipping others.
func awaitSeen(seen <-chan seenID, id string) (time.Time, error) {
	timeout := time.After(liveWait)
	for {
		select {
		case s, ok := <-seen:
			if !ok {
				return time.Time{}, errors.New("ended")
			}
			if s.id == id {
				return s.at, nil
			}
		case <-timeout:
			return time.Time{}, fmt.Errorf("%s not seen within %s", id, liveWait)
		}
	}
}

// messageID is the messageId of a message event's data ("" if none).
func messageID(data string) string {
	var v struct {
		MessageID string `json:"messageId"`
	}
	_ = json.Unmarshal([]byte(data), &v)
	return v.MessageID
}

// liveClient is an HTTP client for streams: no overall timeout (a stream
// lasts), one connection per stream (HTTP/1.1).
func liveClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: nil, MaxIdleConnsPerHost: liveOpeners, ResponseHeaderTimeout: liveWait, DisableCompression: true,
	}}
}

// sseStream is an open server-sent-events stream, read by a goroutine of
// its own.
type sseStream struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the stream ends
}

// openSSE opens a stream (with a bearer token unless it is empty) and
// returns once its answer's headers are in, 200 text/event-stream; each
// event it then carries is handed to on with the time it was read.
func openSSE(client *http.Client, url, token string, on func(name, data string, at time.Time)) (*sseStream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		got, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s = %d %s", req.URL.Path, res.StatusCode, got)
	}
	s := &sseStream{cancel: cancel, done: make(chan struct{})}
	go s.read(res.Body, on)
	return s, nil
}

// read parses the stream as API.md frames it: blank-line separated
// blocks of "field: value" lines; a line starting with ':' is a comment.
func (s *sseStream) read(body io.ReadCloser, on func(name, data string, at time.Time)) {
	defer close(s.done)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 512), 1<<20)
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if name != "" || data != "" {
				on(name, data, time.Now())
			}
			name, data = "", ""
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			data = value
		}
	}
}

func (s *sseStream) close() {
	s.cancel()
	<-s.done
}

func (s *sseStream) ended() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// rawListener is a snapshot listener on a collection ordered by a server
// timestamp (as a stream's on its feed), read by a goroutine of its own
// that hands on each document added.
type rawListener struct {
	coll   *firestore.CollectionRef
	seen   chan seenID
	cancel context.CancelFunc
	done   chan struct{}
}

// listenRaw starts listening to a collection and returns once the first
// (empty) snapshot is in.
func (b *bench) listenRaw(ctx context.Context, path string) (*rawListener, error) {
	ctx, cancel := context.WithCancel(ctx)
	l := &rawListener{coll: b.s.Deps.Store.Firestore().Collection(path), seen: make(chan seenID, 16), cancel: cancel, done: make(chan struct{})}
	it := l.coll.OrderBy("at", firestore.Asc).Snapshots(ctx)
	if _, err := it.Next(); err != nil {
		it.Stop()
		cancel()
		return nil, err
	}
	go func() {
		defer close(l.done)
		defer close(l.seen)
		defer it.Stop()
		for {
			snap, err := it.Next()
			if err != nil {
				return
			}
			at := time.Now()
			for _, ch := range snap.Changes {
				if ch.Kind == firestore.DocumentAdded {
					select {
					case l.seen <- seenID{ch.Doc.Ref.ID, at}:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return l, nil
}

func (l *rawListener) close() {
	l.cancel()
	<-l.done
}

func (l *rawListener) ended() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// heldStream is one of the streams hold keeps open.
type heldStream interface {
	close()
	ended() bool
}

// holding is what hold measured of n streams open and idle.
type holding struct {
	streams       []heldStream
	openLat       []time.Duration
	wall          time.Duration // opening them all
	firstErr      error
	before, after procMem
	cpu, window   time.Duration // the process's CPU time over the idle window
	gone          int           // streams that ended before the window's end
}

// hold opens n streams, liveOpeners at once (stopping at the first that
// fails: the rest of the part goes on with those open), lets them settle,
// and measures the process's CPU over liveIdle of idleness and its
// memory after, against its memory before.
func hold(n int, open func(i int) (heldStream, error)) (*holding, error) {
	h := &holding{}
	quiesce()
	var err error
	if h.before, err = readMem(); err != nil {
		return nil, err
	}
	slots := make([]heldStream, n)
	var (
		next   atomic.Int64
		failed atomic.Bool
		mu     sync.Mutex
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range liveOpeners {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && !failed.Load(); i = int(next.Add(1) - 1) {
				t := time.Now()
				s, err := open(i)
				mu.Lock()
				if err != nil {
					if h.firstErr == nil {
						h.firstErr = fmt.Errorf("stream %d: %w", i, err)
					}
					failed.Store(true)
				} else {
					slots[i] = s
					h.openLat = append(h.openLat, time.Since(t))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	h.wall = time.Since(start)
	for _, s := range slots {
		if s != nil {
			h.streams = append(h.streams, s)
		}
	}
	time.Sleep(liveSettle)
	cpu0, err := cpuTime()
	if err != nil {
		return nil, err
	}
	t := time.Now()
	time.Sleep(liveIdle)
	cpu1, err := cpuTime()
	if err != nil {
		return nil, err
	}
	h.cpu, h.window = cpu1-cpu0, time.Since(t)
	if h.after, err = readMem(); err != nil {
		return nil, err
	}
	for _, s := range h.streams {
		if s.ended() {
			h.gone++
		}
	}
	return h, nil
}

// closeAll closes the streams, 64 at a time.
func (h *holding) closeAll() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, s := range h.streams {
		sem <- struct{}{}
		wg.Go(func() {
			s.close()
			<-sem
		})
	}
	wg.Wait()
}

// perStream is the growth of one measure from before to after, per
// stream open.
func (h *holding) perStream(f func(procMem) uint64) int64 {
	return (int64(f(h.after)) - int64(f(h.before))) / int64(max(len(h.streams), 1))
}

func (h *holding) row(name string) {
	cells := map[string]string{
		"RSS": kib(h.perStream(rssOf)), "Go heap": kib(h.perStream(heapOf)), "stacks": kib(h.perStream(stacksOf)),
		"idle CPU": fmt.Sprintf("%.1f%%", 100*h.cpu.Seconds()/h.window.Seconds()),
	}
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10s %10s", name, len(h.streams), cells["RSS"], cells["Go heap"], cells["stacks"], cells["idle CPU"]),
		results.Row{Name: name, N: len(h.streams), Other: cells})
}

// notes prints the totals behind a row, and whatever went wrong.
func (h *holding) notes(name string, want int) {
	mib := func(v uint64) string { return fmt.Sprintf("%.0f", float64(v)/(1<<20)) }
	fmt.Printf("  %s: RSS %s → %s MiB, Go heap %s → %s MiB, goroutines %d → %d (%.1f a stream); opened in %.1fs\n",
		name, mib(h.before.rss), mib(h.after.rss), mib(h.before.heap), mib(h.after.heap), h.before.goroutines, h.after.goroutines,
		float64(h.after.goroutines-h.before.goroutines)/float64(max(len(h.streams), 1)), h.wall.Seconds())
	if len(h.streams) < want {
		fmt.Printf("  NOTE: %d of %d %s opened; the first failure: %v\n", len(h.streams), want, name, h.firstErr)
	}
	if h.gone > 0 {
		fmt.Printf("  NOTE: %d of %d %s ended while idle\n", h.gone, len(h.streams), name)
	}
}

// quiesce waits (up to 10 s) until the goroutines of streams closed
// before have ended: until their number stops falling.
func quiesce() {
	prev := runtime.NumGoroutine()
	for range 40 {
		time.Sleep(250 * time.Millisecond)
		cur := runtime.NumGoroutine()
		if cur >= prev {
			return
		}
		prev = cur
	}
}

// procMem is the process's memory: resident set, live Go heap, goroutine
// stacks, and its goroutines.
type procMem struct {
	rss, heap, stacks uint64
	goroutines        int
}

func rssOf(p procMem) uint64    { return p.rss }
func heapOf(p procMem) uint64   { return p.heap }
func stacksOf(p procMem) uint64 { return p.stacks }

// readMem reads the process's memory after a GC that returns what it
// freed to the OS, so that the figures are what is held, not garbage. The
// GC runs twice first: what sync.Pools held (net/http's buffers among it)
// outlives one.
func readMem() (procMem, error) {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return procMem{}, err
	}
	p := procMem{heap: ms.HeapAlloc, stacks: ms.StackInuse, goroutines: runtime.NumGoroutine()}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return procMem{}, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			p.rss = kb << 10
		}
	}
	return p, nil
}

// cpuTime is the process's user and system CPU time so far
// (/proc/self/stat's utime and stime).
func cpuTime() (time.Duration, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start at
	// the state, field 3; utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/self/stat: %q", stat)
	}
	var ticks uint64
	for _, s := range f[11:13] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/self/stat: %w", err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// machineCPU is the CPU time all the machine's processors have spent
// busy so far (/proc/stat's first line: all but idle and iowait).
func machineCPU() (time.Duration, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: %q", line)
	}
	var ticks uint64
	for i, s := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuSplit is CPU time spent so far by this process and by the rest of
// the machine (the emulators, mostly).
type cpuSplit struct{ self, rest time.Duration }

func cpuNow() (cpuSplit, error) {
	self, err := cpuTime()
	if err != nil {
		return cpuSplit{}, err
	}
	all, err := machineCPU()
	if err != nil {
		return cpuSplit{}, err
	}
	return cpuSplit{self: self, rest: all - self}, nil
}

// per is the CPU spent since c, per one of n operations.
func (c cpuSplit) per(n int) (cpuSplit, error) {
	now, err := cpuNow()
	if err != nil {
		return cpuSplit{}, err
	}
	return cpuSplit{self: (now.self - c.self) / time.Duration(n), rest: (now.rest - c.rest) / time.Duration(n)}, nil
}

// within counts the durations of at most d.
func within(lat []time.Duration, d time.Duration) int {
	n := 0
	for _, l := range lat {
		if l <= d {
			n++
		}
	}
	return n
}

func kib(v int64) string { return fmt.Sprintf("%.1fKiB", float64(v)/1024) }

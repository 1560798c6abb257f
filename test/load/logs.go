package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"

	"github.com/workgate/workgate/test/client"
)

// serverLog reads the functions' logs: each request line's route, status
// and Firestore cost (web.Middleware), and the warnings and errors,
// counted by message. A one-process stack logs through handler; a split
// stack's processes write JSON lines to it (Write).
type serverLog struct {
	verbose bool

	mu       sync.Mutex
	routes   map[string]*serverRoute // by function and route
	messages map[string]int          // by severity and message, warnings and errors
	samples  map[string]string       // an error of each, the first
	unparsed int
}

// serverRoute is what the request lines of one route add up to.
type serverRoute struct {
	n, reads, writes int64
	status           map[int]int64
}

func newServerLog(verbose bool) *serverLog {
	return &serverLog{verbose: verbose, routes: map[string]*serverRoute{}, messages: map[string]int{}, samples: map[string]string{}}
}

// Write takes whole JSON lines (the split stack passes each process's
// output on line by line).
func (l *serverLog) Write(b []byte) (int, error) {
	for raw := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		ln, ok := client.ParseLogLine(raw)
		if !ok {
			l.mu.Lock()
			l.unparsed++
			l.mu.Unlock()
			continue
		}
		l.record(ln)
	}
	return len(b), nil
}

func (l *serverLog) record(ln client.LogLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ln.Request() {
		key := ln.Function + "\t" + ln.Route
		r := l.routes[key]
		if r == nil {
			r = &serverRoute{status: map[int]int64{}}
			l.routes[key] = r
		}
		r.n++
		r.reads += ln.Reads
		r.writes += ln.Writes
		r.status[int(ln.Status)]++
		return
	}
	if ln.Severity == "WARNING" || ln.Severity == "ERROR" {
		key := ln.Severity + "\t" + ln.Function + "\t" + ln.Message
		l.messages[key]++
		if _, ok := l.samples[key]; !ok {
			l.samples[key] = ln.Error
		}
		if l.verbose {
			fmt.Fprintf(os.Stderr, "%s %s: %s %s\n", ln.Severity, ln.Function, ln.Message, ln.Error)
		}
	}
}

// resetRoutes forgets the request lines so far (the set-up's).
func (l *serverLog) resetRoutes() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.routes = map[string]*serverRoute{}
}

// cost returns the request count and mean Firestore reads and writes of
// a route as the functions logged it, over all functions serving it.
func (l *serverLog) cost(route string) (n int64, reads, writes float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var rs, ws int64
	for key, r := range l.routes {
		if _, rt, _ := cut(key); rt == route {
			n += r.n
			rs += r.reads
			ws += r.writes
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return n, float64(rs) / float64(n), float64(ws) / float64(n)
}

func cut(key string) (string, string, bool) {
	i := bytes.IndexByte([]byte(key), '\t')
	if i < 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// serverRow is one route as the functions logged it.
type serverRow struct {
	Function, Route string
	N               int64
	Reads, Writes   float64
	Status          map[int]int64
}

// rows returns every route logged, by function then route.
func (l *serverLog) rows() []serverRow {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]serverRow, 0, len(l.routes))
	for key, r := range l.routes {
		fn, rt, _ := cut(key)
		st := map[int]int64{}
		for k, v := range r.status {
			st[k] = v
		}
		out = append(out, serverRow{Function: fn, Route: rt, N: r.n,
			Reads: float64(r.reads) / float64(max(r.n, 1)), Writes: float64(r.writes) / float64(max(r.n, 1)), Status: st})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Function != out[j].Function {
			return out[i].Function < out[j].Function
		}
		return out[i].Route < out[j].Route
	})
	return out
}

// counted is a log message and how often it was logged.
type counted struct {
	Severity, Function, Message string
	N                           int
	// Sample is the error of the first.
	Sample string
}

// warnings returns the warnings and errors logged, most frequent first.
func (l *serverLog) warnings() []counted {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]counted, 0, len(l.messages))
	for key, n := range l.messages {
		sev, rest, _ := cut(key)
		fn, msg, _ := cut(rest)
		out = append(out, counted{Severity: sev, Function: fn, Message: msg, N: n, Sample: l.samples[key]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// handler is a slog handler feeding the log (a one-process stack's, and
// the split stack's router's).
func (l *serverLog) handler(level slog.Level) slog.Handler {
	return &logHandler{log: l, level: level}
}

type logHandler struct {
	log   *serverLog
	level slog.Level
	attrs []slog.Attr
}

func (h *logHandler) Enabled(_ context.Context, lv slog.Level) bool { return lv >= h.level }

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	h.log.record(client.RecordLine(r, h.attrs))
	return nil
}

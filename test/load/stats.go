package main

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/workgate/workgate/test/client"
)

// stats are the calls as the members saw them, by route.
type stats struct {
	mu     sync.Mutex
	routes map[string]*routeStats
	// failed are the calls answered 5xx or not answered at all, kept
	// whole to be judged against the fault window at the end.
	failed []client.Call
	total  atomic.Int64
	fives  atomic.Int64
	errs   atomic.Int64
}

type routeStats struct {
	lat    []time.Duration
	status map[int]int
	errs   int
}

func newStats() *stats { return &stats{routes: map[string]*routeStats{}} }

// observe records one call (client.Client.Observe).
func (s *stats) observe(c client.Call) {
	s.total.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.routes[c.Route]
	if r == nil {
		r = &routeStats{status: map[int]int{}}
		s.routes[c.Route] = r
	}
	if c.Err != nil {
		r.errs++
		s.errs.Add(1)
		s.failed = append(s.failed, c)
		return
	}
	r.lat = append(r.lat, c.End.Sub(c.Start))
	r.status[c.Status]++
	if c.Status >= 500 {
		s.fives.Add(1)
		s.failed = append(s.failed, c)
	}
}

// routeRow is one route's figures.
type routeRow struct {
	Route    string
	N        int
	P50, P99 time.Duration
	Status   map[int]int
	Errs     int
}

func (s *stats) rows() []routeRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]routeRow, 0, len(s.routes))
	for name, r := range s.routes {
		st := map[int]int{}
		for k, v := range r.status {
			st[k] = v
		}
		out = append(out, routeRow{Route: name, N: len(r.lat) + r.errs, P50: percentile(r.lat, 50), P99: percentile(r.lat, 99), Status: st, Errs: r.errs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N > out[j].N || out[i].N == out[j].N && out[i].Route < out[j].Route })
	return out
}

// failures splits the failed calls by the fault window: inside it, the
// retryable answers (503 with Retry-After) from the others.
type failures struct {
	InRetryable, InOther, Out []client.Call
}

func (s *stats) failures(w *window) failures {
	s.mu.Lock()
	defer s.mu.Unlock()
	var f failures
	for _, c := range s.failed {
		switch {
		case !w.inside(c.Start, c.End):
			f.Out = append(f.Out, c)
		case c.Err == nil && c.Status == 503 && c.RetryAfter != "":
			f.InRetryable = append(f.InRetryable, c)
		default:
			f.InOther = append(f.InOther, c)
		}
	}
	return f
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

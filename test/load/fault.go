package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/workgate/workgate/emulator/gcloud"
)

// window is when a fault held: from its start until it was undone (the
// emulator back with its topology, the process running again, mail
// accepted again).
type window struct {
	Fault      string
	Start, End time.Time
	// Notes say what happened, for the report.
	Notes []string
}

// grace is how long after a fault's end the calls it slowed down may
// still fail on its account (a publish bounded by 2 s, a connection
// broken by a killed process).
const grace = 5 * time.Second

// inside reports whether a call from start to end overlapped the window
// (with its grace).
func (w *window) inside(start, end time.Time) bool {
	if w == nil || w.Start.IsZero() {
		return false
	}
	e := w.End
	if e.IsZero() {
		e = time.Now()
	}
	return !end.Before(w.Start) && !start.After(e.Add(grace))
}

func (w *window) note(format string, args ...any) {
	w.Notes = append(w.Notes, fmt.Sprintf(format, args...))
}

// inject runs the configured fault now and undoes it FaultFor later (a
// kill is undone when the process has started again). It fills w.
func (e *env) inject(ctx context.Context, w *window) error {
	w.Fault, w.Start = e.cfg.Fault, time.Now()
	defer func() { w.End = time.Now() }()
	switch e.cfg.Fault {
	case "pubsub":
		return e.restartPubSub(ctx, w)
	case "pubsub-pause":
		if err := e.pubsub.Pause(); err != nil {
			return err
		}
		w.note("Pub/Sub emulator paused (SIGSTOP) on %s", e.pubsub.HostPort)
		sleep(ctx, e.cfg.FaultFor)
		if err := e.pubsub.Resume(); err != nil {
			return err
		}
		w.note("resumed after %s", time.Since(w.Start).Round(100*time.Millisecond))
	case "kill":
		for fn := range strings.SplitSeq(e.cfg.Kill, ",") {
			t := time.Now()
			if !e.s.Kill(fn) {
				w.note("%s: no process running to kill", fn)
				continue
			}
			// As Cloud Run starts a new instance: the next request would,
			// this does it at once.
			if _, err := e.s.FunctionURL(ctx, fn); err != nil {
				return fmt.Errorf("restarting %s: %w", fn, err)
			}
			w.note("%s: process killed (SIGKILL) and started again in %s", fn, time.Since(t).Round(time.Millisecond))
		}
	case "mail":
		e.s.Sink.RefuseMail(time.Now().Add(e.cfg.FaultFor))
		sleep(ctx, e.cfg.FaultFor)
		e.s.Sink.RefuseMail(time.Time{})
		w.note("mail sink answered 500 to %d mails in %s", e.s.Sink.Refused(), e.cfg.FaultFor)
	}
	return nil
}

// restartPubSub stops the Pub/Sub emulator (it loses every message it
// held), starts a new one on the same port FaultFor later, and recreates
// the topology in it, as `make run` does at start.
func (e *env) restartPubSub(ctx context.Context, w *window) error {
	old := e.pubsub
	hostPort := old.HostPort
	if err := old.Stop(); err != nil {
		return err
	}
	e.replacePubSub(old, nil)
	w.note("Pub/Sub emulator stopped on %s", hostPort)
	sleep(ctx, e.cfg.FaultFor)
	var em *gcloud.Emulator
	var err error
	for range 10 { // the port may linger a moment
		if em, err = gcloud.Start(ctx, gcloud.PubSub, hostPort, e.emuLog); !errors.Is(err, gcloud.ErrPortInUse) {
			break
		}
		sleep(ctx, time.Second)
	}
	if err != nil {
		return err
	}
	e.replacePubSub(nil, em)
	w.note("started again after %s", time.Since(w.Start).Round(100*time.Millisecond))
	t := time.Now()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = e.s.EnsureTopology(tctx)
		cancel()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		sleep(ctx, 500*time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("recreating the topology: %w", err)
	}
	w.note("topology recreated in %s", time.Since(t).Round(100*time.Millisecond))
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

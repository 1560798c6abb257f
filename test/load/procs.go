package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/workgate/workgate/shared/proc"
)

// memSample is the memory of every process at one moment: resident set
// and goroutines (-1 where there are none to count, the emulators).
type memSample struct {
	Label string
	At    time.Time
	Procs map[string]procMem
}

type procMem struct {
	RSS        int64
	Goroutines int
	PID        int
}

// generatorName is this process in the tables: in a split stack it holds
// the router, the push gateway, the mail sink and the members' clients;
// in a one-process stack every function too.
func (e *env) generatorName() string {
	if e.cfg.Split {
		return "generator (router, gateway, sink, clients)"
	}
	return "stack and generator (one process)"
}

// sample reads every process's memory, each after a garbage collection
// that returns what it freed to the OS (what is held, not garbage).
func (e *env) sample(ctx context.Context, label string) memSample {
	s := memSample{Label: label, At: time.Now(), Procs: map[string]procMem{}}
	debug.FreeOSMemory()
	s.Procs[e.generatorName()] = procMem{RSS: proc.ResidentBytes(os.Getpid()), Goroutines: runtime.NumGoroutine(), PID: os.Getpid()}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, p := range e.s.Processes(sctx, true) {
		s.Procs[p.Function] = procMem{RSS: p.State.RSS, Goroutines: p.State.Goroutines, PID: p.PID}
	}
	for name, rss := range e.emulatorRSS() {
		s.Procs[name] = procMem{RSS: rss, Goroutines: -1}
	}
	return s
}

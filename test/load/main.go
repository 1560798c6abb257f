// Command load drives a realistic mix of calls against a local workgate
// stack for a set time, optionally with a fault in the middle, then
// checks every effect against what it caused.
//
// The mix: members in a few workspaces, registered through the API, each
// logging in once (e-mail code, ticket, password; the first device is
// trusted), then refreshing, posting in direct and group rooms, reading
// history, marking rooms read, reading rooms, profiles and notifications,
// some with a live stream open and some with a push token; and, every few
// seconds, one of a sign-up, an invite-link sign-up followed by a
// password reset, a registration by an admin, or a login from a new
// device approved from the member's first one.
//
// The faults (-fault, each one a scenario): pubsub (the Pub/Sub emulator
// stopped, then started again empty on the same port with the topology
// recreated), pubsub-pause (the emulator frozen, then resumed: an outage
// that loses nothing), kill (a function's process killed in a split
// stack; the next request starts it again), mail (the mail sink answers
// 500 to every mail).
//
// The report: per route, calls, p50/p99 and statuses, with the 5xx split
// by the fault window, and the Firestore operations per request from the
// functions' request logs; per process, RSS and goroutines at the start,
// middle and end; and the effects: every message in its room's history
// once with distinct seqs, every notification, push, mail and live event
// once, nothing left in the outbox or the dead-letter topics. It exits 1
// if a check fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// config is a run's settings (the flags).
type config struct {
	Duration   time.Duration
	Members    int
	Workspaces int
	// Rate is the members' actions per second, all members together.
	Rate float64
	// ExtraEvery is the period of the sign-ups, invites, resets and
	// new-device approvals.
	ExtraEvery time.Duration
	// Streams and Mobile are the shares of members with a live stream
	// open and with a push token (and no stream).
	Streams, Mobile float64
	// Fault is "" or one of faults; it starts FaultAt into the run and
	// lasts FaultFor.
	Fault    string
	FaultAt  time.Duration
	FaultFor time.Duration
	// Kill names the functions whose processes the kill fault kills.
	Kill string
	// Split runs every function in its own process.
	Split bool
	// Settle bounds the wait for the effects after the run.
	Settle   time.Duration
	Progress time.Duration
	Seed     int64
	// MemoryCheck makes RSS growth and goroutine growth checks (they
	// need a run long enough to be at a steady state).
	MemoryCheck bool
	// Verbose shows the stack's warnings as they happen.
	Verbose bool
}

// faults are the scenarios -fault takes.
var faults = []string{"pubsub", "pubsub-pause", "kill", "mail"}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.DurationVar(&c.Duration, "duration", 5*time.Minute, "how long the mix runs (after the set-up)")
	fs.IntVar(&c.Members, "members", 200, "virtual members, owners included")
	fs.IntVar(&c.Workspaces, "workspaces", 4, "workspaces the members are spread over")
	fs.Float64Var(&c.Rate, "rate", 10, "members' actions per second, all members together")
	fs.DurationVar(&c.ExtraEvery, "extra-every", 10*time.Second, "period of the sign-ups, invites, resets and new-device approvals")
	fs.Float64Var(&c.Streams, "streams", 0.5, "share of members with a live stream open")
	fs.Float64Var(&c.Mobile, "mobile", 0.25, "share of members with a push token (and no stream)")
	fs.StringVar(&c.Fault, "fault", "", "a fault during the run: "+strings.Join(faults, ", "))
	fs.DurationVar(&c.FaultAt, "fault-at", 0, "when the fault starts (default: 30% into the run)")
	fs.DurationVar(&c.FaultFor, "fault-for", 30*time.Second, "how long the fault lasts")
	fs.StringVar(&c.Kill, "kill", "rooms", "the functions whose processes -fault kill kills, comma-separated")
	fs.BoolVar(&c.Split, "split", true, "run every function in its own process, as in production")
	fs.DurationVar(&c.Settle, "settle", 4*time.Minute, "the longest wait for the effects after the run")
	fs.DurationVar(&c.Progress, "progress", 10*time.Second, "period of the progress line")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of the mix's random choices")
	fs.BoolVar(&c.MemoryCheck, "memory-check", true, "check that RSS and goroutines stay flat from the middle to the end")
	fs.BoolVar(&c.Verbose, "v", false, "show the stack's warnings as they happen")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.Fault != "" && !contains(faults, c.Fault) {
		return c, fmt.Errorf("-fault %q: one of %s", c.Fault, strings.Join(faults, ", "))
	}
	if c.Fault == "kill" && !c.Split {
		return c, errors.New("-fault kill needs the split stack (-split)")
	}
	if c.FaultAt == 0 {
		c.FaultAt = c.Duration * 3 / 10
	}
	if c.Members < 2*c.Workspaces || c.Workspaces < 1 {
		return c, errors.New("-members must be at least twice -workspaces")
	}
	if c.Rate <= 0 || c.Streams < 0 || c.Mobile < 0 || c.Streams+c.Mobile > 1 {
		return c, errors.New("-rate must be > 0, and -streams and -mobile shares adding up to at most 1")
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func main() {
	os.Exit(realMain())
}

func realMain() int {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg, os.Stderr)
	if rep != nil {
		rep.print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	if fails := rep.failures(); len(fails) > 0 {
		fmt.Fprintf(os.Stderr, "load: %d checks failed\n", len(fails))
		return 1
	}
	return 0
}

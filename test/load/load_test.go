package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadShort is the short form of `make load` that `make test` can
// call (make load-short): 30 s of the mix against a split stack, with
// the processes of the rooms and events functions killed 10 s in, and
// every check of a full run but the memory ones (30 s is no steady
// state). It runs only when WORKGATE_LOAD=short: it takes a minute or
// two and both CPUs.
func TestLoadShort(t *testing.T) {
	if os.Getenv("WORKGATE_LOAD") != "short" {
		t.Skip("WORKGATE_LOAD=short runs it (make load-short)")
	}
	cfg, err := parseFlags([]string{
		"-duration", "30s", "-members", "40", "-workspaces", "2", "-rate", "6", "-extra-every", "4s",
		"-fault", "kill", "-kill", "rooms,events", "-fault-at", "10s",
		"-settle", "3m", "-progress", "10s", "-memory-check=false",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rep, err := run(ctx, cfg, testWriter{t})
	if rep != nil {
		var b strings.Builder
		rep.print(&b)
		t.Log(b.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rep.failures() {
		t.Errorf("%s: %s", v.Name, v.Detail)
	}
}

// testWriter writes the progress lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

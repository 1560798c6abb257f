package stack

import (
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/workgate/workgate/infra"
)

// TestStopLeavesNoProcess: stopping a split stack stops a process that
// was still starting, and starts none after (a late push's): both
// outlived the stack before, a few each run of the parallel e2e suite.
func TestStopLeavesNoProcess(t *testing.T) {
	s := &split{procs: map[string]*process{}}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	p := &process{fn: infra.Function{Name: "push"}, ready: make(chan struct{}), exit: make(chan struct{}), cmd: cmd, tail: &tailBuffer{}}
	go func() { _ = cmd.Wait(); close(p.exit) }()
	s.procs["push"] = p
	time.AfterFunc(100*time.Millisecond, func() { close(p.ready) }) // it starts while the stack stops

	s.stop()
	if !p.exited() {
		t.Error("a process still starting when the stack stopped outlived it")
	}
	if _, err := s.get(context.Background(), infra.Function{Name: "fanout"}); !errors.Is(err, errStopped) {
		t.Errorf("a request after the stop = %v, want %v", err, errStopped)
	}
	if len(s.procs) != 1 {
		t.Errorf("%d processes after the stop, want only the one stopped", len(s.procs))
	}
}

// Package gcloud starts, stops and checks the Google Cloud Firestore and
// Pub/Sub emulators through the gcloud CLI, for tests and local runs.
//
// gcloud starts the Java emulator as a grandchild, and killing gcloud alone
// leaves Java running. So each emulator runs in its own process group, which
// Stop kills as a whole, and a small watchdog process in that group kills it
// if the Go process dies without calling Stop (a panic, a test timeout,
// SIGKILL). Linux only.
package gcloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/workgate/workgate/shared/proc"
)

// Kind names an emulator.
type Kind string

// The emulators this package runs.
const (
	Firestore Kind = "firestore"
	PubSub    Kind = "pubsub"
)

// title is the kind's name for people.
func (k Kind) title() string {
	switch k {
	case Firestore:
		return "Firestore"
	case PubSub:
		return "Pub/Sub"
	}
	return string(k)
}

// ErrPortInUse is wrapped by Start's error when the port asked for is taken,
// usually by another emulator.
var ErrPortInUse = errors.New("port already in use")

const (
	// startTimeout bounds Start: both emulators answer after 2-5 s here,
	// a loaded machine may take many times that.
	startTimeout = 60 * time.Second
	// stopGrace is how long SIGTERM gets before SIGKILL; both emulators
	// exit within half a second.
	stopGrace = 5 * time.Second
)

// Option changes how Start starts an emulator.
type Option func(*options)

type options struct {
	portEnv string
}

// WithPortEnv names the setting the caller reads the port from, usually an
// environment variable such as "FIRESTORE_PORT", so that the port-in-use
// error can say what to change.
func WithPortEnv(name string) Option {
	return func(o *options) { o.portEnv = name }
}

// Emulator is one running emulator, started by Start.
type Emulator struct {
	// Kind is the emulator that runs.
	Kind Kind
	// HostPort is the address it listens on, such as "127.0.0.1:8088".
	HostPort string

	pgid     int           // process group, = gcloud's PID
	dataDir  string        // Pub/Sub's --data-dir, removed by Stop
	watchdog *os.File      // closing it makes the watchdog kill the group
	out      *output       // the emulator's output, for errors
	exited   chan struct{} // closed once gcloud has been reaped
	waitErr  error         // gcloud's exit, valid once exited is closed
	stopOnce sync.Once
	stopErr  error
}

// Start starts the emulator kind on hostPort (a free port on 127.0.0.1 if
// hostPort is "") in its own process group and waits until it answers HTTP,
// for at most 60 s or until ctx is done. The emulator's output goes to log
// (nil means io.Discard); log must be safe for concurrent use if shared.
//
// The JVM gets JAVA_TOOL_OPTIONS=javaOptions unless the caller's environment
// sets JAVA_TOOL_OPTIONS. If the port asked for is taken, Start fails at
// once with an error wrapping ErrPortInUse; a free port it picked itself
// and lost to another process before the emulator bound it is replaced by
// another (up to freePortAttempts). On success the caller must call Stop.
func Start(ctx context.Context, kind Kind, hostPort string, log io.Writer, opts ...Option) (*Emulator, error) {
	op := "gcloud.Start " + string(kind)
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if kind != Firestore && kind != PubSub {
		return nil, fmt.Errorf("%s: unknown emulator kind", op)
	}
	if log == nil {
		log = io.Discard
	}
	if hostPort != "" {
		return start(ctx, op, kind, hostPort, log, o)
	}
	var err error
	for range freePortAttempts {
		hp, ferr := FreeHostPort()
		if ferr != nil {
			return nil, fmt.Errorf("%s: %w", op, ferr)
		}
		var e *Emulator
		if e, err = start(ctx, op, kind, hp, log, o); !errors.Is(err, ErrPortInUse) {
			return e, err
		}
	}
	return nil, err
}

// javaOptions are the emulators' JVM options, unless JAVA_TOOL_OPTIONS is
// set: only the quick JIT compiler (C1), and room for the data a bench
// writes. On 2 cores the optimising compiler's threads take CPU from the
// functions and the tests for minutes after a start; measured on the
// Firestore emulator (a get, an increment, a commit of 5 writes, 300 of
// each, after 4,000 calls), C1 alone spends 0.7, 1.7 and 1.8 ms of CPU a
// call against 1.1, 3.0 and 2.6 ms, and in the first thousand calls a
// third of it. With the 512 MiB heap of before, the F14 bench filled the
// old generation and the emulator spent minutes in full collections.
const javaOptions = "-Xmx2g -XX:TieredStopAtLevel=1"

// freePortAttempts bounds how often Start picks another free port.
const freePortAttempts = 3

// start starts the emulator on hostPort.
func start(ctx context.Context, op string, kind Kind, hostPort string, log io.Writer, o options) (*Emulator, error) {
	if _, port, err := net.SplitHostPort(hostPort); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	} else if port == "0" || port == "" {
		// The emulator would pick a port we could not learn.
		return nil, fmt.Errorf("%s: %s: need a port; pass \"\" for a free one", op, hostPort)
	}
	// A taken port must be caught before starting: the Firestore emulator
	// exits, the Pub/Sub one hangs, and the readiness probe would get its
	// answer from whatever already listens there.
	if err := checkPortFree(hostPort); errors.Is(err, ErrPortInUse) {
		return nil, fmt.Errorf("%s: %w", op, o.portError(hostPort, err))
	} else if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", op, hostPort, err)
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%s)", op, err, hintGcloud)
	}

	e := &Emulator{Kind: kind, HostPort: hostPort, exited: make(chan struct{}), out: newOutput(log)}
	var args []string
	switch kind {
	case Firestore:
		args = []string{"emulators", "firestore", "start", "--host-port=" + hostPort, "--database-mode=firestore-native", "--quiet"}
	case PubSub:
		// The data dir must exist; the emulator writes env.yaml into it.
		e.dataDir, err = os.MkdirTemp("", "workgate-pubsub-")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		args = []string{"beta", "emulators", "pubsub", "start", "--host-port=" + hostPort, "--data-dir=" + e.dataDir, "--quiet"}
	}
	cmd := exec.Command(gcloud, args...)
	cmd.Env = gcloudEnv()
	if os.Getenv("JAVA_TOOL_OPTIONS") == "" {
		cmd.Env = append(cmd.Env, "JAVA_TOOL_OPTIONS="+javaOptions)
	}
	cmd.Stdout, cmd.Stderr = e.out, e.out
	// Pdeathsig reaches gcloud only, not Java, and fires when the OS thread
	// that forked it exits, not only the process: the process group and
	// the watchdog are what really clean up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Do not let a stray holder of the output pipe block Wait forever.
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		_ = e.removeDataDir() // best effort; the start error matters
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	e.pgid = cmd.Process.Pid
	// Before the reaper runs, so that the group still exists to join.
	e.watchdog = startWatchdog(e.pgid, e.dataDir)
	go func() {
		e.waitErr = cmd.Wait()
		close(e.exited)
	}()

	if err := e.waitReady(ctx); err != nil {
		if errors.Is(err, ErrPortInUse) {
			err = o.portError(hostPort, err)
		} else {
			err = fmt.Errorf("%s: %w", hostPort, err)
		}
		if serr := e.Stop(); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return e, nil
}

// portError explains a taken port and what to change.
func (o options) portError(hostPort string, err error) error {
	fix := "choose another port"
	if o.portEnv != "" {
		fix = "set " + o.portEnv + " to another port"
	}
	return fmt.Errorf("%s: %w (is another emulator running there, e.g. from make run?); %s", hostPort, err, fix)
}

// checkPortFree fails with ErrPortInUse if something listens on hostPort.
func checkPortFree(hostPort string) error {
	l, err := net.Listen("tcp", hostPort)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return ErrPortInUse
		}
		return err
	}
	return l.Close()
}

// errNotReady is the cause of the start-up timeout.
var errNotReady = fmt.Errorf("not answering after %v", startTimeout)

// waitReady polls the emulator's HTTP root, which both emulators answer with
// 200 "Ok" once they serve, until it does, the emulator exits, the emulator
// reports that its port is taken, or ctx ends.
func (e *Emulator) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, startTimeout, errNotReady)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if e.answers(ctx, client) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the emulator: %w%s", context.Cause(ctx), e.out.tail())
		case <-e.exited:
			// Wait has drained the output: a bind failure has been seen.
			select {
			case <-e.out.bindFailed:
				return ErrPortInUse
			default:
			}
			return fmt.Errorf("emulator exited before answering (%w)%s", e.waitErr, e.out.tail())
		case <-e.out.bindFailed:
			return ErrPortInUse
		case <-tick.C:
		}
	}
}

// answers reports whether the emulator answers GET / with 200 "Ok".
func (e *Emulator) answers(ctx context.Context, client *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.HostPort+"/", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	return err == nil && resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte("Ok"))
}

// Stop stops the emulator: SIGTERM to its whole process group, SIGKILL if
// anything is left after 5 s, then waits for the group to be gone and
// removes the emulator's temporary files. It is safe to call more than once
// and from several goroutines; later calls return the first call's result.
func (e *Emulator) Stop() error {
	if e == nil || e.exited == nil {
		return nil
	}
	e.stopOnce.Do(func() { e.stopErr = e.stop() })
	return e.stopErr
}

func (e *Emulator) stop() error {
	var errs []error
	if !e.signalAndWait(syscall.SIGTERM, stopGrace) && !e.signalAndWait(syscall.SIGKILL, stopGrace) {
		errs = append(errs, fmt.Errorf("process group %d still running after SIGKILL", e.pgid))
	}
	if e.watchdog != nil {
		if err := e.watchdog.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.removeDataDir(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gcloud.Stop %s on %s: %w", e.Kind, e.HostPort, err)
	}
	return nil
}

// signalAndWait sends sig to the process group and reports whether gcloud
// has been reaped and the group is gone within timeout.
func (e *Emulator) signalAndWait(sig syscall.Signal, timeout time.Duration) bool {
	gone := func() bool {
		select {
		case <-e.exited:
			return !groupAlive(e.pgid)
		default:
			return false
		}
	}
	// Once the group is gone its ID may in time name another group.
	if gone() {
		return true
	}
	_ = syscall.Kill(-e.pgid, sig) // ESRCH: it has just gone
	for deadline := time.Now().Add(timeout); !gone(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// Pause stops every process of the emulator (SIGSTOP to its group): it
// keeps its port and all it holds, and answers nothing until Resume. An
// outage that loses nothing, where Stop and a new Start lose everything
// the emulator held.
func (e *Emulator) Pause() error { return e.signal(syscall.SIGSTOP) }

// Resume lets a paused emulator run again (SIGCONT to its group).
func (e *Emulator) Resume() error { return e.signal(syscall.SIGCONT) }

func (e *Emulator) signal(sig syscall.Signal) error {
	select {
	case <-e.exited:
		return fmt.Errorf("gcloud: %s emulator on %s has exited", e.Kind, e.HostPort)
	default:
	}
	if err := syscall.Kill(-e.pgid, sig); err != nil {
		return fmt.Errorf("gcloud: signal %v to the %s emulator: %w", sig, e.Kind, err)
	}
	return nil
}

// RSS is the resident memory of the emulator's processes (gcloud and the
// Java emulator), in bytes; 0 if it cannot be read.
func (e *Emulator) RSS() int64 {
	members, err := groupMembers(e.pgid)
	if err != nil {
		return 0
	}
	var n int64
	for _, p := range members {
		n += proc.ResidentBytes(p.PID)
	}
	return n
}

func (e *Emulator) removeDataDir() error {
	if e.dataDir == "" {
		return nil
	}
	return os.RemoveAll(e.dataDir)
}

// Env returns the environment variable the Google client libraries read to
// use this emulator: "FIRESTORE_EMULATOR_HOST=host:port" or
// "PUBSUB_EMULATOR_HOST=host:port".
func (e *Emulator) Env() string {
	switch e.Kind {
	case Firestore:
		return "FIRESTORE_EMULATOR_HOST=" + e.HostPort
	case PubSub:
		return "PUBSUB_EMULATOR_HOST=" + e.HostPort
	}
	return ""
}

// startWatchdog starts, in process group pgid, a shell that removes dataDir
// (if not "") and kills the whole group once its stdin reaches EOF, which
// happens when the returned pipe is closed, including by the kernel when
// this process dies for any reason. Stop's SIGTERM ends the watchdog before
// that. It returns nil if the watchdog could not start: it is a safety net.
func startWatchdog(pgid int, dataDir string) *os.File {
	r, w, err := os.Pipe() // close-on-exec: only the watchdog gets r
	if err != nil {
		return nil
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", `read _; [ -z "$1" ] || rm -rf -- "$1"; kill -KILL 0`, "watchdog", dataDir)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return nil
	}
	go func() { _ = cmd.Wait() }() // reap it
	return w
}

// output receives the emulator's stdout and stderr: it copies them to the
// caller's log, keeps the last meaningful lines for error messages, and
// notices when the emulator cannot bind its port.
type output struct {
	log        io.Writer
	mu         sync.Mutex
	partial    []byte
	lines      []string
	bindFailed chan struct{}
	bindOnce   sync.Once
}

const tailLines = 15

func newOutput(log io.Writer) *output {
	return &output{log: log, bindFailed: make(chan struct{})}
}

// Write never fails: an error would stop exec from draining the emulator's
// output, and a full pipe would then block the emulator.
func (o *output) Write(p []byte) (int, error) {
	_, _ = o.log.Write(p) // the log is best effort
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.line(string(o.partial[:i]))
		o.partial = o.partial[i+1:]
	}
	if len(o.partial) > 4096 {
		o.line(string(o.partial))
		o.partial = o.partial[:0]
	}
	return len(p), nil
}

func (o *output) line(l string) {
	if strings.Contains(l, "java.net.BindException") || strings.Contains(l, "Address already in use") {
		o.bindOnce.Do(func() { close(o.bindFailed) })
	}
	// gcloud prefixes lines with "[firestore] "; skip blank lines and Java
	// stack frames, which would push the exception itself out of the tail.
	content := l
	if strings.HasPrefix(l, "[") {
		if i := strings.Index(l, "] "); i >= 0 {
			content = l[i+2:]
		}
	}
	if t := strings.TrimSpace(content); t == "" || strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "...") {
		return
	}
	o.lines = append(o.lines, l)
	if len(o.lines) > tailLines {
		o.lines = o.lines[len(o.lines)-tailLines:]
	}
}

// tail returns the last lines of output, formatted to end an error message.
func (o *output) tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.lines) == 0 {
		return ""
	}
	return "; last output:\n\t" + strings.Join(o.lines, "\n\t")
}

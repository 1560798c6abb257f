package gcloud

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startT starts an emulator for a test, which stops it on cleanup.
func startT(tb testing.TB, kind Kind) *Emulator {
	tb.Helper()
	if testing.Short() {
		tb.Skip("starts the emulators")
	}
	t0 := time.Now()
	// Start's errors end with the emulator's last output lines.
	e, err := Start(context.Background(), kind, "", io.Discard)
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Logf("%s emulator answered on %s after %v", kind, e.HostPort, time.Since(t0).Round(time.Millisecond))
	tb.Cleanup(func() {
		if err := e.Stop(); err != nil {
			tb.Errorf("Stop: %v", err)
		}
	})
	return e
}

// call sends one REST request and returns the status and body.
func call(tb testing.TB, method, url, body string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, b
}

// stopAndCheckGone stops e and checks that nothing of it is left: no
// process of its group (the Java emulator included) and no listener.
func stopAndCheckGone(tb testing.TB, e *Emulator) {
	tb.Helper()
	members, err := groupMembers(e.pgid)
	if err != nil {
		tb.Fatal(err)
	}
	var java bool
	for _, p := range members {
		java = java || p.Comm == "java"
	}
	if !java {
		tb.Fatalf("no java process in the emulator's process group: %+v", members)
	}

	t0 := time.Now()
	if err := e.Stop(); err != nil {
		tb.Fatalf("Stop: %v", err)
	}
	tb.Logf("%s emulator stopped in %v", e.Kind, time.Since(t0).Round(time.Millisecond))
	if err := e.Stop(); err != nil {
		tb.Errorf("second Stop: %v", err)
	}

	after, err := groupMembers(e.pgid)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range after {
		if p.State != 'Z' {
			tb.Errorf("process %d (%s) of the emulator's group still runs after Stop", p.PID, p.Comm)
		}
	}
	if err := checkPortFree(e.HostPort); err != nil {
		tb.Errorf("port %s after Stop: %v", e.HostPort, err)
	}
}

func TestFirestore(t *testing.T) {
	t.Parallel()
	e := startT(t, Firestore)
	if got, want := e.Env(), "FIRESTORE_EMULATOR_HOST="+e.HostPort; got != want {
		t.Errorf("Env() = %q, want %q", got, want)
	}

	base := "http://" + e.HostPort + "/v1/projects/p/databases/(default)/documents"
	if code, body := call(t, http.MethodPost, base+"/c?documentId=d", `{"fields":{"a":{"stringValue":"b"}}}`); code != http.StatusOK {
		t.Fatalf("create document: %d %s", code, body)
	}
	code, body := call(t, http.MethodGet, base+"/c/d", "")
	if code != http.StatusOK {
		t.Fatalf("get document: %d %s", code, body)
	}
	var doc struct {
		Name   string                       `json:"name"`
		Fields map[string]map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{"a": {"stringValue": "b"}}
	if diff := cmp.Diff(want, doc.Fields); diff != "" {
		t.Errorf("document fields (-want +got):\n%s", diff)
	}

	if err := WipeFirestore(context.Background(), e.HostPort, "p"); err != nil {
		t.Fatal(err)
	}
	if code, body := call(t, http.MethodGet, base+"/c/d", ""); code != http.StatusNotFound {
		t.Errorf("get document after WipeFirestore: %d %s, want 404", code, body)
	}

	stopAndCheckGone(t, e)
}

func TestPubSub(t *testing.T) {
	t.Parallel()
	e := startT(t, PubSub)
	if got, want := e.Env(), "PUBSUB_EMULATOR_HOST="+e.HostPort; got != want {
		t.Errorf("Env() = %q, want %q", got, want)
	}

	code, body := call(t, http.MethodPut, "http://"+e.HostPort+"/v1/projects/p/topics/events", "{}")
	if code != http.StatusOK {
		t.Fatalf("create topic: %d %s", code, body)
	}
	var topic struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &topic); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("projects/p/topics/events", topic.Name); diff != "" {
		t.Errorf("topic name (-want +got):\n%s", diff)
	}

	dataDir := e.dataDir
	stopAndCheckGone(t, e)
	if isFile(dataDir + "/env.yaml") {
		t.Errorf("data dir %s left after Stop", dataDir)
	}
}

// TestPause: a paused emulator answers nothing, keeps what it holds, and
// answers again once resumed; its memory is read.
func TestPause(t *testing.T) {
	t.Parallel()
	e := startT(t, PubSub)
	topic := "http://" + e.HostPort + "/v1/projects/p/topics/kept"
	if code, body := call(t, http.MethodPut, topic, "{}"); code != http.StatusOK {
		t.Fatalf("create topic: %d %s", code, body)
	}
	if rss := e.RSS(); rss < 10<<20 {
		t.Errorf("RSS() = %d, want the Java emulator's tens of MiB", rss)
	}
	if err := e.Pause(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, topic, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("paused, the emulator answered %d", resp.StatusCode)
	}
	if err := e.Resume(); err != nil {
		t.Fatal(err)
	}
	if code, body := call(t, http.MethodGet, topic, ""); code != http.StatusOK {
		t.Errorf("resumed, the topic = %d %s, want it kept", code, body)
	}
}

func TestStartPortTaken(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs gcloud")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	hostPort := l.Addr().String()

	for _, kind := range []Kind{Firestore, PubSub} {
		t0 := time.Now()
		_, err := Start(context.Background(), kind, hostPort, nil, WithPortEnv("WORKGATE_TEST_PORT"))
		if !errors.Is(err, ErrPortInUse) {
			t.Fatalf("Start(%s) on a taken port: %v, want ErrPortInUse", kind, err)
		}
		if took := time.Since(t0); took > time.Second {
			t.Errorf("Start(%s) on a taken port took %v", kind, took)
		}
		for _, want := range []string{hostPort, "WORKGATE_TEST_PORT"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Start(%s) error %q does not mention %q", kind, err, want)
			}
		}
	}
}

func TestStartCanceled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the emulators")
	}
	// The port is named (to check it is free afterwards), so a parallel test
	// may take it first; then try another.
	var hostPort string
	var err error
	for range freePortAttempts {
		if hostPort, err = FreeHostPort(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err = Start(ctx, PubSub, hostPort, nil)
		cancel()
		if !errors.Is(err, ErrPortInUse) {
			break
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start with a short context: %v, want DeadlineExceeded", err)
	}
	// Stop ran: no emulator is left behind.
	if left := emulatorProcesses(t, hostPort); len(left) > 0 {
		t.Errorf("still running after a cancelled Start:\n%s", strings.Join(left, "\n"))
	}
	if err := checkPortFree(hostPort); err != nil {
		t.Errorf("port %s after a cancelled Start: %v", hostPort, err)
	}
}

func TestStartUnknownKind(t *testing.T) {
	t.Parallel()
	if _, err := Start(context.Background(), "spanner", "127.0.0.1:1", nil); err == nil {
		t.Error("Start(spanner) succeeded")
	}
}

func TestStopZero(t *testing.T) {
	t.Parallel()
	var e *Emulator
	if err := e.Stop(); err != nil {
		t.Errorf("nil Stop: %v", err)
	}
	if err := (&Emulator{}).Stop(); err != nil {
		t.Errorf("zero Stop: %v", err)
	}
}

func TestOutput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		in       []string // successive writes
		wantBind bool
		wantTail string
	}{
		{
			name:     "started",
			in:       []string{"[pubsub] INFO: Server started, listening on 8085\n"},
			wantTail: "; last output:\n\t[pubsub] INFO: Server started, listening on 8085",
		},
		{
			name: "bind failure split across writes",
			in: []string{
				"[firestore] SEVERE: Exiting due to unexpected exception.\n[firestore] java.net.BindEx",
				"ception: Address already in use\n[firestore] \tat sun.nio.ch.Net.bind0(Native Method)\n[firestore] \n",
			},
			wantBind: true,
			wantTail: "; last output:\n\t[firestore] SEVERE: Exiting due to unexpected exception.\n\t[firestore] java.net.BindException: Address already in use",
		},
		{
			name: "nothing",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			o := newOutput(&log)
			for _, s := range tc.in {
				if n, err := o.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if diff := cmp.Diff(strings.Join(tc.in, ""), log.String()); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
			var bind bool
			select {
			case <-o.bindFailed:
				bind = true
			default:
			}
			if bind != tc.wantBind {
				t.Errorf("bind failure seen = %v, want %v", bind, tc.wantBind)
			}
			if diff := cmp.Diff(tc.wantTail, o.tail()); diff != "" {
				t.Errorf("tail (-want +got):\n%s", diff)
			}
		})
	}
}

// emulatorProcesses lists the live processes whose command line mentions
// hostPort's port as an emulator flag.
func emulatorProcesses(tb testing.TB, hostPort string) []string {
	tb.Helper()
	_, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		tb.Fatal(err)
	}
	files, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		tb.Fatal(err)
	}
	var found []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmdline, "--port="+port+" ") || strings.Contains(cmdline, "--host-port="+hostPort+" ") {
			found = append(found, filepath.Base(filepath.Dir(f))+": "+cmdline)
		}
	}
	return found
}

// crashChildEnv makes the test binary run TestCrashChild as the process
// that starts an emulator and then dies without calling Stop.
const crashChildEnv = "GCLOUD_TEST_CRASH_CHILD"

// TestCrashChild is not a test by itself: TestParentCrash runs it in a
// child process, which prints the emulator's address and waits to be killed.
func TestCrashChild(t *testing.T) {
	kind := Kind(os.Getenv(crashChildEnv))
	if kind == "" {
		t.Skip("only run by TestParentCrash")
	}
	e, err := Start(context.Background(), kind, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready", e.HostPort, e.dataDir)
	time.Sleep(time.Minute)
}

func TestParentCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the emulators")
	}
	for _, kind := range []Kind{Firestore, PubSub} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+string(kind))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()         //nolint:errcheck // killed below
			defer cmd.Process.Kill() //nolint:errcheck // may be gone
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("reading the child's address: %v", err)
			}
			fields := strings.Fields(line)
			if len(fields) < 2 || fields[0] != "ready" {
				t.Fatalf("child said %q", line)
			}
			hostPort := fields[1]
			if len(emulatorProcesses(t, hostPort)) == 0 {
				t.Fatalf("no emulator process found for %s", hostPort)
			}

			// SIGKILL: no deferred Stop, no signal handler runs.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			for {
				left := emulatorProcesses(t, hostPort)
				if len(left) == 0 {
					break
				}
				if time.Since(t0) > 10*time.Second {
					t.Fatalf("10 s after the parent's death, still running:\n%s", strings.Join(left, "\n"))
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("%s emulator gone %v after its parent was killed", kind, time.Since(t0).Round(time.Millisecond))
			if len(fields) > 2 {
				if _, err := os.Stat(fields[2]); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("data dir %s after the parent was killed: %v, want it removed", fields[2], err)
				}
			}
		})
	}
}

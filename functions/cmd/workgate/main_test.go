package main

import (
	"bufio"
	"bytes"
	"encoding/json"
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
	"testing"
	"time"

	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/test/testenv"
)

// These tests run the built binary as Cloud Run runs a function's
// container: FUNCTION_TARGET, PORT, its own environment.

func TestMain(m *testing.M) {
	code := m.Run()
	stack.RemoveBinary()
	os.Exit(code)
}

// function is one running process of the binary.
type function struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	out  *lockedBuffer
	exit chan error
}

// run starts the binary as function name with env (besides the
// emulators' addresses, the project and PORT) and returns once it has
// exited or its startup probe answers. It listens on a port the kernel
// picks (PORT=0), learnt from its "function started" line: a port picked
// free here and handed over could be taken by another test's process in
// between.
func run(t *testing.T, name string, env ...string) *function {
	t.Helper()
	testenv.RequireEmulators(t)
	bin, err := stack.Binary()
	if err != nil {
		t.Fatal(err)
	}
	f := &function{t: t, out: &lockedBuffer{}, exit: make(chan error, 1)}
	f.cmd = exec.Command(bin)
	f.cmd.Env = append([]string{
		"FUNCTION_TARGET=" + name, "PORT=0", "GOOGLE_CLOUD_PROJECT=" + testenv.Project(t),
		"FIRESTORE_EMULATOR_HOST=" + os.Getenv("FIRESTORE_EMULATOR_HOST"),
		"PUBSUB_EMULATOR_HOST=" + os.Getenv("PUBSUB_EMULATOR_HOST"),
	}, env...)
	f.cmd.Stdout, f.cmd.Stderr = f.out, f.out
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { f.exit <- f.cmd.Wait() }()
	t.Cleanup(func() {
		_ = f.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, f.out)
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if f.exited() {
			return f
		}
		if f.addr == "" {
			f.addr = f.started()
		}
		if f.addr == "" {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if res, err := http.Get("http://" + f.addr + "/_ready"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return f
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: no answer from /_ready in 60s", name)
	return nil
}

// started returns the address the process logged it listens on, on the
// loopback interface ("" before it has).
func (f *function) started() string {
	for _, line := range strings.Split(f.out.String(), "\n") {
		if addr, ok := server.StartedAddr([]byte(line)); ok {
			return addr
		}
	}
	return ""
}

func (f *function) exited() bool {
	select {
	case err := <-f.exit:
		f.exit <- err
		return true
	default:
		return false
	}
}

// wait returns the process's exit code, waiting at most d.
func (f *function) wait(d time.Duration) (int, bool) {
	select {
	case err := <-f.exit:
		f.exit <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), true
		}
		return 0, err == nil
	case <-time.After(d):
		return 0, false
	}
}

// entries are the JSON log lines the process wrote; every line must be
// one.
func (f *function) entries() []map[string]any {
	f.t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(f.out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			f.t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		out = append(out, e)
	}
	return out
}

// logged reports whether the process logged an entry with message.
func (f *function) logged(message string) bool {
	f.t.Helper()
	for _, e := range f.entries() {
		if e["message"] == message {
			return true
		}
	}
	return false
}

// TestReadyBeforeServing: the startup probe and the liveness probe answer
// 200, and the function's first request is served by what was built at
// start.
func TestReadyBeforeServing(t *testing.T) {
	t.Parallel()
	f := run(t, "service", "WORKGATE_DEV=1", "WORKGATE_KEY_DIR="+t.TempDir())
	for _, path := range []string{"/_ready", "/_live", "/healthz"} {
		res, err := http.Get("http://" + f.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, res.StatusCode)
		}
	}
	if !f.logged("function started") {
		t.Fatalf("no 'function started' entry before serving:\n%s", f.out)
	}
}

// TestSIGTERMDrains: SIGTERM in the middle of a request (its body half
// sent) lets the request finish, refuses new connections, and the process
// exits 0 well within Cloud Run's 10 seconds.
func TestSIGTERMDrains(t *testing.T) {
	t.Parallel()
	f := run(t, "signup", "WORKGATE_DEV=1", "WORKGATE_KEY_DIR="+t.TempDir(), "WORKGATE_MAIL_FROM=no-reply@example.com")
	body := `{"workspaceId":"drain","name":"Drain","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse battery"}}`
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /v1/workspaces HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", f.addr, len(body), body[:half])
	time.Sleep(300 * time.Millisecond) // the server is reading the body
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutdown has begun once the listener refuses new connections.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still taking connections 5s after SIGTERM")
		}
	}
	if _, exited := f.wait(0); exited {
		t.Fatal("the process exited with a request in flight")
	}
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusAccepted || !bytes.Contains(b, []byte(`"pending"`)) {
		t.Fatalf("the request in flight = %d %s, want 202 pending", res.StatusCode, b)
	}
	code, exited := f.wait(10 * time.Second)
	if !exited || code != 0 {
		t.Fatalf("after SIGTERM: exited %v with %d, want 0 within 10s\n%s", exited, code, f.out)
	}
	if !f.logged("function stopped") {
		t.Fatalf("no 'function stopped' entry:\n%s", f.out)
	}
}

// TestStartupFailureLogsJSON: a function that cannot start (outside dev
// mode without its secrets; or not in the binary) exits 1 after one JSON
// entry for Error Reporting, with severity ERROR and a Go stack.
func TestStartupFailureLogsJSON(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"signup":      {"WORKGATE_APP_URL=https://app.example.com", "WORKGATE_FCM_PROJECT=p"},
		"no-such-one": {"WORKGATE_DEV=1"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := run(t, name, env...)
			code, exited := f.wait(30 * time.Second)
			if !exited || code != 1 {
				t.Fatalf("exited %v with %d, want 1", exited, code)
			}
			entries := f.entries()
			var report map[string]any
			for _, e := range entries {
				if e["severity"] == "ERROR" {
					report = e
				}
			}
			if report == nil {
				t.Fatalf("no ERROR entry in %v", entries)
			}
			stack, _ := report["stack_trace"].(string)
			service, _ := report["serviceContext"].(map[string]any)
			if !strings.HasPrefix(stack, "panic: ") || !strings.Contains(stack, "\n\ngoroutine ") || service["service"] != name ||
				report["@type"] != "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent" {
				t.Fatalf("the failure is not in Error Reporting's shape: %v", report)
			}
		})
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestStartupImports keeps out of the binary the packages whose init or
// first use costs every function's start: kin-openapi (and the JSON Schema
// engine it brings, which compiles every draft's meta-schemas in init)
// is for the tests and the dev stack's contract check only; functions
// match the OpenAPI document's operations with openapi.Router's
// generated table.
func TestStartupImports(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, banned := range []string{"github.com/getkin/kin-openapi", "github.com/santhosh-tekuri/jsonschema"} {
		for dep := range strings.FieldsSeq(string(out)) {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the binary links %s: its start would pay for it", dep)
			}
		}
	}
}

package main

import (
	"bufio"
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
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The test binary doubles as withemulators and as a probe command run by
// it, chosen by this variable.
const modeEnv = "WITHEMULATORS_TEST_MODE"

func TestMain(m *testing.M) {
	switch os.Getenv(modeEnv) {
	case "main":
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "probe":
		os.Exit(probe())
	}
	os.Exit(m.Run())
}

// probe prints the environment withemulators gave it and whether both
// emulators answer, then exits with status 3.
func probe() int {
	for _, k := range []string{"FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"} {
		resp, err := http.Get("http://" + os.Getenv(k) + "/") //nolint:noctx // a one-shot probe
		if err != nil {
			fmt.Printf("%s: %v\n", k, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		fmt.Printf("%s: %d %s\n", k, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Printf("GOOGLE_CLOUD_PROJECT=%s\n", os.Getenv("GOOGLE_CLOUD_PROJECT"))
	return 3
}

// withemulators returns the command that runs this binary as withemulators.
func withemulators(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), modeEnv+"=main")
	return cmd
}

func TestRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the emulators")
	}
	cases := []struct {
		name        string
		env         []string
		wantProject string
	}{
		{
			name: "inside make run", // its variables must be replaced
			env: []string{
				"FIRESTORE_EMULATOR_HOST=127.0.0.1:8088",
				"PUBSUB_EMULATOR_HOST=127.0.0.1:8085",
				"GOOGLE_CLOUD_PROJECT=",
			},
			wantProject: "demo-workgate-test",
		},
		{
			name:        "project set",
			env:         []string{"GOOGLE_CLOUD_PROJECT=my-project"},
			wantProject: "my-project",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The command is this binary again, as the probe.
			cmd := withemulators("--", "env", modeEnv+"=probe", os.Args[0])
			cmd.Env = append(cmd.Env, tc.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			t0 := time.Now()
			err := cmd.Run()
			t.Logf("withemulators ran in %v", time.Since(t0).Round(time.Millisecond))
			removeLog(t, stderr.String())
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Fatalf("exit: %v, want status 3; stderr:\n%s", err, stderr.String())
			}
			want := fmt.Sprintf("FIRESTORE_EMULATOR_HOST: 200 Ok\nPUBSUB_EMULATOR_HOST: 200 Ok\nGOOGLE_CLOUD_PROJECT=%s\n", tc.wantProject)
			if diff := cmp.Diff(want, stdout.String()); diff != "" {
				t.Errorf("probe output (-want +got):\n%s", diff)
			}
			if stderr.Len() > 0 && !strings.Contains(stderr.String(), "emulator logs:") {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
		})
	}
}

func TestRunSignal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the emulators")
	}
	cmd := withemulators("--", "sh", "-c",
		`trap 'exit 7' TERM; echo "$FIRESTORE_EMULATOR_HOST $PUBSUB_EMULATOR_HOST"; while :; do sleep 0.1; done`)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // normally gone by then
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child's output: %v; stderr:\n%s", err, stderr.String())
	}
	hostPorts := strings.Fields(line)
	if len(hostPorts) != 2 {
		t.Fatalf("child printed %q", line)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	removeLog(t, stderr.String())
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("exit: %v, want status 7 (the child's); stderr:\n%s", err, stderr.String())
	}
	for _, hp := range hostPorts {
		l, err := net.Listen("tcp", hp)
		if err != nil {
			t.Errorf("emulator port %s still taken after exit: %v", hp, err)
			continue
		}
		_ = l.Close()
	}
}

func TestRunPortTaken(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs gcloud")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-firestore", l.Addr().String(), "--", "true"}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{l.Addr().String(), "port already in use", "-firestore flag"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not mention %q:\n%s", want, stderr.String())
		}
	}
	removeLog(t, stderr.String())
}

// removeLog removes the emulator log withemulators kept and named in
// stderr, if any.
func removeLog(tb testing.TB, stderr string) {
	tb.Helper()
	for line := range strings.Lines(stderr) {
		if path, ok := strings.CutPrefix(strings.TrimSpace(line), "withemulators: emulator logs: "); ok {
			if err := os.Remove(path); err != nil {
				tb.Error(err)
			}
		}
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
	}{
		{name: "no command", args: nil},
		{name: "bad flag", args: []string{"-nope", "--", "true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if code := run(tc.args, nil, io.Discard, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), "usage: withemulators") {
				t.Errorf("no usage in:\n%s", stderr.String())
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sh   string
		want int
	}{
		{name: "success", sh: "exit 0", want: 0},
		{name: "failure", sh: "exit 5", want: 5},
		{name: "killed", sh: "kill -KILL $$", want: 128 + 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(context.Background(), "sh", "-c", tc.sh)
			err := cmd.Run()
			if got := exitCode(cmd.ProcessState, err); got != tc.want {
				t.Errorf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

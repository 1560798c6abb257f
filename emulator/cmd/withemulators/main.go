// Command withemulators runs a command with its own Firestore and Pub/Sub
// emulators, as "make test" and "make bench" do:
//
//	withemulators [-firestore HOSTPORT] [-pubsub HOSTPORT] -- command args...
//
// It starts both emulators in parallel, on free ports unless told otherwise,
// so it runs beside the pair of "make run". The command gets
// FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT
// (demo-workgate-test unless already set). SIGINT and SIGTERM are forwarded
// to the command. When the command ends, the emulators are stopped and
// withemulators exits with the command's exit code. Emulator output goes to
// a file in the temporary directory, kept and named only on failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"

	"github.com/workgate/workgate/emulator/gcloud"
)

// defaultProject is the project ID the command gets unless
// GOOGLE_CLOUD_PROJECT is set. The "demo-" prefix marks a project that
// exists only in emulators.
const defaultProject = "demo-workgate-test"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// emulatorSpec is one emulator to start.
type emulatorSpec struct {
	kind     gcloud.Kind
	hostPort string // "" for a free port
	flag     string // the flag that sets hostPort, for error messages
}

// run is the program; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("withemulators", flag.ContinueOnError)
	flags.SetOutput(stderr)
	firestoreHost := flags.String("firestore", "", "`host:port` for the Firestore emulator (default: a free port on 127.0.0.1)")
	pubsubHost := flags.String("pubsub", "", "`host:port` for the Pub/Sub emulator (default: a free port on 127.0.0.1)")
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: withemulators [-firestore HOSTPORT] [-pubsub HOSTPORT] -- command args...")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	argv := flags.Args()
	if len(argv) == 0 {
		flags.Usage()
		return 2
	}

	// Until the command runs, a signal cancels the start-up; then it is
	// forwarded to the command.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu          sync.Mutex
		child       *os.Process // the running command
		interrupted os.Signal   // a signal received before it ran
	)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-sigs:
				mu.Lock()
				if child != nil {
					_ = child.Signal(sig) // it may have just exited
				} else if interrupted == nil {
					interrupted = sig
					cancel()
				}
				mu.Unlock()
			case <-done:
				return
			}
		}
	}()

	logFile, err := os.CreateTemp("", "withemulators-*.log")
	if err != nil {
		fmt.Fprintf(stderr, "withemulators: %v\n", err)
		return 1
	}
	keepLog := false
	defer func() {
		fi, err := logFile.Stat()
		_ = logFile.Close()
		if keepLog && err == nil && fi.Size() > 0 {
			fmt.Fprintf(stderr, "withemulators: emulator logs: %s\n", logFile.Name())
		} else {
			_ = os.Remove(logFile.Name())
		}
	}()

	specs := []emulatorSpec{
		{kind: gcloud.Firestore, hostPort: *firestoreHost, flag: "-firestore"},
		{kind: gcloud.PubSub, hostPort: *pubsubHost, flag: "-pubsub"},
	}
	emulators, err := startAll(ctx, specs, logFile)
	defer func() {
		if err := stopAll(emulators); err != nil {
			fmt.Fprintf(stderr, "withemulators: %v\n", err)
			keepLog = true
		}
	}()
	mu.Lock()
	sig := interrupted
	mu.Unlock()
	if sig != nil {
		fmt.Fprintf(stderr, "withemulators: %v while starting the emulators\n", sig)
		return 128 + int(sig.(syscall.Signal))
	}
	if err != nil {
		keepLog = true
		// What is missing, if anything, explains the failure best.
		if cerr := gcloud.Check(gcloud.Firestore, gcloud.PubSub); cerr != nil {
			err = cerr
		}
		fmt.Fprintf(stderr, "withemulators: %v\n", err)
		return 1
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	// Later entries win: the emulator variables replace those of an
	// enclosing "make run".
	cmd.Env = os.Environ()
	for _, e := range emulators {
		cmd.Env = append(cmd.Env, e.Env())
	}
	if os.Getenv("GOOGLE_CLOUD_PROJECT") == "" {
		cmd.Env = append(cmd.Env, "GOOGLE_CLOUD_PROJECT="+defaultProject)
	}
	mu.Lock()
	if interrupted != nil {
		mu.Unlock()
		return 128 + int(interrupted.(syscall.Signal))
	}
	err = cmd.Start()
	if err == nil {
		child = cmd.Process
	}
	mu.Unlock()
	if err != nil {
		fmt.Fprintf(stderr, "withemulators: %v\n", err)
		return 127
	}
	err = cmd.Wait()
	mu.Lock()
	child = nil
	mu.Unlock()
	code := exitCode(cmd.ProcessState, err)
	if code != 0 {
		keepLog = true
	}
	return code
}

// startAll starts the emulators in parallel. On error it returns the ones
// that did start, for the caller to stop, and every start error.
func startAll(ctx context.Context, specs []emulatorSpec, log io.Writer) ([]*gcloud.Emulator, error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make([]*gcloud.Emulator, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() {
			started[i], errs[i] = startOne(ctx, s, log)
			if errs[i] != nil {
				cancel() // no use waiting for the other one
			}
		})
	}
	wg.Wait()
	var ems []*gcloud.Emulator
	for i, e := range started {
		if e != nil {
			ems = append(ems, e)
		}
		// Cancelled because the other one failed: nothing to add.
		if parent.Err() == nil && errors.Is(errs[i], context.Canceled) {
			errs[i] = nil
		}
	}
	return ems, errors.Join(errs...)
}

// startOne starts one emulator (gcloud.Start picks another free port if
// the one it picked is taken in the meantime).
func startOne(ctx context.Context, s emulatorSpec, log io.Writer) (*gcloud.Emulator, error) {
	return gcloud.Start(ctx, s.kind, s.hostPort, log, gcloud.WithPortEnv("the "+s.flag+" flag"))
}

// stopAll stops the emulators in parallel.
func stopAll(ems []*gcloud.Emulator) error {
	errs := make([]error, len(ems))
	var wg sync.WaitGroup
	for i, e := range ems {
		wg.Go(func() { errs[i] = e.Stop() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// exitCode is the shell's view of how the command ended: its exit status,
// or 128+N if signal N killed it.
func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		if err != nil {
			return 1
		}
		return 0
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

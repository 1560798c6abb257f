package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/proc"
	"github.com/workgate/workgate/shared/web"
)

// Probe paths every function's server answers, before its own routes: the
// startup probe's and the liveness probe's (infra/terraform points Cloud
// Run's probes at them). Nothing else in the API starts with "/_".
const (
	ReadyPath = "/_ready"
	LivePath  = "/_live"
	// ProcessPath, in dev mode only, answers the process's ProcessState.
	ProcessPath = "/_dev/process"
)

// ProcessState is what the split local stack asks of each process in dev
// mode: the passwords it has hashed (tests count what a request costs),
// where its dev clock stands (a move of the clock is answered once every
// process has seen it), and its resident memory and goroutines (the load
// generator watches them for leaks; with ?gc=1 they are read after a
// garbage collection that returns what it freed to the OS).
type ProcessState struct {
	Hashes      int64         `json:"hashes"`
	ClockOffset time.Duration `json:"clockOffsetNanos"`
	RSS         int64         `json:"rssBytes"`
	Goroutines  int           `json:"goroutines"`
}

// StartedMessage is the message of the line a function logs once it
// serves, with the address it listens on (addr): the split local stack,
// which starts each function on a port the kernel picks, reads it there.
const StartedMessage = "function started"

// StartedAddr reads a function's log line: if it is the StartedMessage
// line, it returns the loopback address to reach the function at (the
// line's addr may name every interface).
func StartedAddr(line []byte) (string, bool) {
	var l struct {
		Message string `json:"message"`
		Addr    string `json:"addr"`
	}
	if json.Unmarshal(line, &l) != nil || l.Message != StartedMessage {
		return "", false
	}
	_, port, err := net.SplitHostPort(l.Addr)
	if err != nil {
		return "", false
	}
	return net.JoinHostPort("127.0.0.1", port), true
}

// DrainTimeout is how long a function's server waits for in-flight
// requests once told to stop: Cloud Run sends SIGTERM and kills the
// instance 10 seconds later, and the clients still need closing after.
const DrainTimeout = 8 * time.Second

// Serve runs one function as its Cloud Run container does (FUNCTION_TARGET
// names it): it builds the function's dependencies and handler first, then
// listens on port (of every interface; of loopback only in dev mode) and serves them, with the probe paths; when ctx ends (SIGTERM) it stops
// taking connections, ends the live streams, lets in-flight requests
// finish for up to DrainTimeout, and closes the clients. A failure to start
// is logged for Error Reporting, with its stack, and returned.
func Serve(ctx context.Context, name, port string, log *slog.Logger) (err error) {
	ctx = logging.WithService(ctx, name)
	defer func() {
		if err != nil {
			logging.Report(ctx, log, "function failed", err, debug.Stack(), "function", name)
		}
	}()
	began := time.Now()
	c, ok := registry[name]
	if !ok {
		return fmt.Errorf("server.Serve: no function %q in this binary (FUNCTION_TARGET)", name)
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	d, fn, h, err := build(ctx, cfg, name, c, log)
	if err != nil {
		return err
	}
	defer d.Close()
	built := time.Since(began)

	mux := http.NewServeMux()
	probe := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	}
	mux.HandleFunc("GET "+ReadyPath, probe)
	mux.HandleFunc("GET "+LivePath, probe)
	if cfg.Dev {
		mux.HandleFunc("GET "+ProcessPath, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("gc") == "1" {
				debug.FreeOSMemory()
			}
			_ = web.JSON(w, http.StatusOK, ProcessState{
				Hashes: d.Hasher.Hashes(), ClockOffset: d.DevClock.Offset(), RSS: proc.ResidentBytes(os.Getpid()), Goroutines: runtime.NumGoroutine(),
			})
		})
	}
	mux.Handle("/", h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A request may run for the function's Cloud Run timeout (a live
		// stream, an hour), and its answer must still be written.
		WriteTimeout: time.Duration(timeoutSeconds(fn)+5) * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	addr := ":" + port
	if cfg.Dev {
		addr = "127.0.0.1:" + port
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("server.Serve: %w", err)
	}
	srv.RegisterOnShutdown(d.Drain) // live streams would hold the shutdown
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	// buildMs: from main to the handler built (configuration, clients,
	// dependencies, handler), where a start spends what the runtime's
	// and the packages' initialisation did not.
	log.Info(StartedMessage, "function", name, "addr", ln.Addr().String(), "buildMs", float64(built.Microseconds())/1000)

	select {
	case err := <-served:
		return fmt.Errorf("server.Serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("function stopping: draining in-flight requests", "function", name)
	drain, cancel := context.WithTimeout(context.Background(), DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		// What is still running is cut off, as Cloud Run would.
		log.Warn("function stopped before its requests finished", "function", name, "error", err.Error())
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server.Serve: %w", err)
	}
	log.Info("function stopped", "function", name)
	return nil
}

// timeoutSeconds is how long Cloud Run lets one of fn's requests run.
func timeoutSeconds(fn infra.Function) int {
	if fn.TimeoutSeconds != nil {
		return *fn.TimeoutSeconds
	}
	return infra.DefaultTimeoutSeconds
}

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/workgate/workgate/emulator/gcloud"
	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/infra/image"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/test/bench/results"
)

var imageDir = flag.String("image", ".workgate/image", "the OCI image layout `make image` writes: the coldstart part gives its size, and checks that the binary it starts is the image's")

// Sizes of the cold starts' figures.
const (
	// nCold is the starts of each function (and of the floor), for a p50.
	nCold = 9
	// coldWait bounds one start, to the last answer timed.
	coldWait = 30 * time.Second
	// floorFunction names the floor's row and its one function.
	floorFunction = "floor: bare function, same clients"
)

// coldRoutes are, for the functions that answer a GET with 200 and no
// token, that GET: a route of their own, through their own handler. The
// other functions are timed to their startup probe only. A route that
// stops answering 200 stops the bench, so this list cannot go stale.
var coldRoutes = map[string]string{
	"service":    "/healthz",
	"web":        "/app/",
	"signup":     "/verify-email/done",   // the verification's result page
	"login":      "/reset-password/done", // the reset's result page
	"workspaces": "/delegation/done",     // the delegation's result page
}

// coldStart is one start of a function, from the process's start: to the
// port taking connections, to ready, and to the first 200 on its route.
// A traced start (GODEBUG=inittrace=1, whose lines slow the start, so not
// one of the timed) gives inits: the time its packages' init functions
// ran, by the runtime's clock; and build: from main to its handler built,
// as the function logs it when it starts (server.Serve's buildMs).
type coldStart struct {
	listening, ready, first200, inits, build time.Duration
}

// buildLine is the buildMs of a function's "function started" log line.
var buildLine = regexp.MustCompile(`"buildMs":([0-9.]+)`)

// buildTook is the buildMs a function's output logged, 0 if none.
func buildTook(output string) time.Duration {
	m := buildLine.FindStringSubmatch(output)
	if m == nil {
		return 0
	}
	took, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(took * float64(time.Millisecond))
}

// initLine is a line of GODEBUG=inittrace=1: a package's init and how
// long it ran.
var initLine = regexp.MustCompile(`(?m)^init \S+ @[0-9.]+ ms, ([0-9.]+) ms clock`)

// initsTook is how long the package inits of a traced process's output
// ran, together.
func initsTook(output string) time.Duration {
	var sum float64
	for _, m := range initLine.FindAllStringSubmatch(output, -1) {
		took, _ := strconv.ParseFloat(m[1], 64)
		sum += took
	}
	return time.Duration(sum * float64(time.Millisecond))
}

// coldstart measures the image and the cold start of each function. The
// binary started is built as ko builds the image's (.ko.yaml's flags, see
// image.GoBuild), and checked against the image `make image` wrote: the
// image's size is printed, and whether its binary is the one measured.
// Each run starts a new process per function, FUNCTION_TARGET set, with
// the bench's stack's configuration (dev mode, its emulators, project and
// keys), and polls it: the port (TCP connect), GET /_ready until 200 (the
// startup probe), then the route of coldRoutes until 200. Its floor,
// started the same way and interleaved with them, is a bare
// functions-framework-go function that opens Firestore and Pub/Sub
// clients before it serves (test/bench/barefn), built the same way; what
// a function adds above it is its own start-up.
func (b *bench) coldstart(ctx context.Context) error {
	report.section("The image and the functions' cold starts")
	cfg, err := image.LoadKoConfig(".ko.yaml")
	if err != nil {
		return fmt.Errorf("coldstart: run the bench from the module's root: %w", err)
	}
	dir, err := os.MkdirTemp("", "workgate-coldstart")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bin, floor := filepath.Join(dir, "workgate"), filepath.Join(dir, "barefn")
	if err := cfg.GoBuild(ctx, ".", image.Main, bin); err != nil {
		return err
	}
	if err := cfg.GoBuild(ctx, ".", "./test/bench/barefn", floor); err != nil {
		return err
	}
	if err := describeImage(*imageDir, bin); err != nil {
		return err
	}
	if st, err := os.Stat(floor); err == nil {
		fmt.Printf("  the floor's binary: %s\n", mb(st.Size()))
	}

	top, err := infra.Load()
	if err != nil {
		return err
	}
	var functions []string
	for _, f := range top.Functions {
		if !f.Dev {
			functions = append(functions, f.Name)
		}
	}
	runs, traced := map[string][]coldStart{}, map[string]coldStart{}
	for i := range nCold + 1 {
		trace := i == nCold
		for _, fn := range append([]string{floorFunction}, functions...) {
			prog, target, route := bin, fn, coldRoutes[fn]
			if fn == floorFunction {
				prog, target, route = floor, "hello", "/"
			}
			r, err := b.startOnce(ctx, prog, target, route, trace)
			if err != nil {
				return fmt.Errorf("coldstart %s: %w", fn, err)
			}
			if trace {
				traced[fn] = r
			} else {
				runs[fn] = append(runs[fn], r)
			}
		}
	}

	fmt.Printf("\n%-44s %5s %10s %10s %10s %10s %10s %10s  %s\n", "from the process's start (p50)", "n", "inits", "build", "listening", "ready", "ready max", "first 200", "on")
	coldRow(floorFunction, runs[floorFunction], "/", traced[floorFunction])
	for _, fn := range functions {
		coldRow(fn, runs[fn], coldRoutes[fn], traced[fn])
	}
	fmt.Println("  inits: how long the packages' init functions ran, in one more start, traced (GODEBUG=inittrace=1), not timed;\n" +
		"  build: in that start, from main to the handler built (configuration, clients, dependencies), as the function logs it;\n" +
		"  listening: the port takes a connection; ready: GET /_ready answers 200 (the floor's hello answers every path)")
	return nil
}

// describeImage prints the size of the image in dir, and whether its
// binary is bin, byte for byte.
func describeImage(dir, bin string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("  no image in %s (make image builds it): its size is not measured\n", dir)
		return nil
	}
	img, err := image.Open(dir)
	if err != nil {
		return err
	}
	s, err := image.Describe(img)
	if err != nil {
		return err
	}
	inImage, err := image.ReadFile(img, image.Binary)
	if err != nil {
		return err
	}
	built, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	top := s.Layers[len(s.Layers)-1] // ko's binary layer
	fmt.Printf("  image %s@%s, on %s\n", dir, s.Digest.Hex[:12], s.Base)
	fmt.Printf("  %s compressed in %d layers, the binary's layer %s; the binary %s\n", mb(s.Compressed), len(s.Layers), mb(top.Size), mb(int64(len(inImage))))
	if bytes.Equal(inImage, built) {
		fmt.Println("  the binary started below is the image's, byte for byte")
	} else {
		fmt.Println("  the image's binary is not the one built here (a stale image, or another platform): this tree's build is started below")
	}
	return nil
}

// startOnce starts prog serving the function target on a free port and
// times it, then stops it.
func (b *bench) startOnce(ctx context.Context, prog, target, route string, traced bool) (coldStart, error) {
	var r coldStart
	hostPort, err := gcloud.FreeHostPort()
	if err != nil {
		return r, err
	}
	_, port, _ := net.SplitHostPort(hostPort)
	cmd := exec.CommandContext(ctx, prog)
	cmd.Env = os.Environ() // the emulators'; the stack's configuration wins
	for k, v := range config.Environ(b.s.Deps.Config) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "FUNCTION_TARGET="+target, "PORT="+port)
	if traced {
		cmd.Env = append(cmd.Env, "GODEBUG=inittrace=1")
	}
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	var waited error
	exited := make(chan struct{})
	go func() { waited = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	deadline := start.Add(coldWait)
	// alive fails once the process has exited or the start takes too long.
	alive := func() error {
		select {
		case <-exited:
			return fmt.Errorf("exited (%w) before it answered:\n%s", waited, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %s:\n%s", coldWait, logs.String())
		}
		return nil
	}

	for {
		c, err := net.DialTimeout("tcp", hostPort, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if err := alive(); err != nil {
			return r, err
		}
		time.Sleep(time.Millisecond)
	}
	r.listening = time.Since(start)

	base := "http://" + hostPort
	for {
		status, body, err := coldGet(ctx, base+server.ReadyPath)
		if err == nil && status == http.StatusOK {
			break
		}
		if err == nil && status != http.StatusServiceUnavailable {
			return r, fmt.Errorf("GET %s = %d %s\n%s", server.ReadyPath, status, body, logs.String())
		}
		if err := alive(); err != nil {
			return r, err
		}
		time.Sleep(time.Millisecond)
	}
	r.ready = time.Since(start)
	if traced {
		// The line is logged as the port opens: wait for it.
		for buildTook(logs.String()) == 0 && alive() == nil {
			time.Sleep(time.Millisecond)
		}
		r.inits, r.build = initsTook(logs.String()), buildTook(logs.String())
	}

	if route == "" {
		return r, nil
	}
	status, body, err := coldGet(ctx, base+route)
	if err != nil {
		return r, err
	}
	if status != http.StatusOK {
		return r, fmt.Errorf("GET %s = %d %s, want 200 (coldRoutes)", route, status, body)
	}
	r.first200 = time.Since(start)
	return r, nil
}

// coldClient opens a new connection per request, as a first client does.
var coldClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func coldGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := coldClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	return res.StatusCode, string(body), nil
}

func coldRow(name string, runs []coldStart, route string, traced coldStart) {
	var listening, ready, first200 []time.Duration
	for _, r := range runs {
		listening, ready = append(listening, r.listening), append(ready, r.ready)
		if route != "" {
			first200 = append(first200, r.first200)
		}
	}
	on, first := "", ""
	if route != "" {
		on, first = "GET "+route, ms(percentile(first200, 50))
	}
	cells := map[string]string{"inits": ms(traced.inits), "build": ms(traced.build), "listening": ms(percentile(listening, 50)), "ready": ms(percentile(ready, 50)), "ready max": ms(percentile(ready, 100)), "first 200": first, "on": on}
	if traced.build == 0 {
		cells["build"] = ""
	}
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10s %10s %10s %10s  %s", name, len(runs), cells["inits"], cells["build"], cells["listening"], cells["ready"], cells["ready max"], first, on),
		results.Row{Name: name, N: len(runs), Other: cells})
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// lockedBuffer is a process's output, read while the process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

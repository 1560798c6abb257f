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
	"sync"
	"time"

	"github.com/workgate/workgate/emulator/gcloud"
	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/infra/image"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/server"
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
type coldStart struct {
	listening, ready, first200 time.Duration
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
	fmt.Println("\nThe image and the functions' cold starts")
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
	runs := map[string][]coldStart{}
	for range nCold {
		for _, fn := range append([]string{floorFunction}, functions...) {
			prog, target, route := bin, fn, coldRoutes[fn]
			if fn == floorFunction {
				prog, target, route = floor, "hello", "/"
			}
			r, err := b.startOnce(ctx, prog, target, route)
			if err != nil {
				return fmt.Errorf("coldstart %s: %w", fn, err)
			}
			runs[fn] = append(runs[fn], r)
		}
	}

	fmt.Printf("\n%-44s %5s %10s %10s %10s %10s  %s\n", "from the process's start (p50)", "n", "listening", "ready", "ready max", "first 200", "on")
	coldRow(floorFunction, runs[floorFunction], "/")
	for _, fn := range functions {
		coldRow(fn, runs[fn], coldRoutes[fn])
	}
	fmt.Println("  listening: the port takes a connection; ready: GET /_ready answers 200 (the floor's hello answers every path)")
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
func (b *bench) startOnce(ctx context.Context, prog, target, route string) (coldStart, error) {
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

func coldRow(name string, runs []coldStart, route string) {
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
	fmt.Printf("%-44s %5d %10s %10s %10s %10s  %s\n", name, len(runs), ms(percentile(listening, 50)), ms(percentile(ready, 50)), ms(percentile(ready, 100)), first, on)
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

package main

import (
	"github.com/workgate/workgate/test/bench/results"

	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/test/testenv"
)

// Sizes of F20's figures.
const (
	// nAppLoads is the cold loads of /app/ (and as many of the floor),
	// each in a browser with a new profile: an empty cache.
	nAppLoads = 10
	// appWait bounds one load, from starting the browser to the last
	// response.
	appWait = time.Minute
)

// appReadyProbe runs in every new document before its own scripts
// (Page.addScriptToEvaluateOnNewDocument; DevTools is not subject to the
// page's CSP): it notes, on the page's clock (performance.now(), whose
// origin is the navigation's start), the first moment the sign-in e-mail
// field exists and has the focus, which the app gives it once its modules
// have run and drawn the first screen. A MutationObserver sees it in the
// microtask after the app's mount (which appends and focuses in one task);
// focusin catches a later focus.
const appReadyProbe = `(() => {
  const check = () => {
    const el = document.getElementById('email');
    if (el && document.activeElement === el && !window.workgateBenchReady) window.workgateBenchReady = performance.now();
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
  document.addEventListener('focusin', check, true);
})()`

// appReady is the moment appReadyProbe noted (0 until then).
const appReady = `window.workgateBenchReady || 0`

// floorReady is when the floor's document finished loading (its load
// event's end, on the same clock), 0 until then.
const floorReady = `(() => { const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 ? n.loadEventEnd : 0; })()`

// pageLoad is one cold load: the time from the navigation's start to
// ready, and what the page fetched until then.
type pageLoad struct {
	ready    time.Duration
	bytes    int64    // the responses' encodedDataLength (headers and body, as sent)
	requests []string // paths, in the order asked
}

// app measures the web app's first load (F20) in headless Chromium:
// nAppLoads cold loads of /app/ (a new browser profile each, so nothing
// is cached), the bytes transferred and requests made, and the time to
// interactive: from the navigation's start until the sign-in e-mail
// field is on screen with the focus. Its floor, loaded the same way and
// interleaved with it, is GET /healthz as a document: one small response
// from the same router with no Firestore and no script, timed to its
// load event; what is above it is the app's own cost (its HTML, CSS and
// module graph, parsed and run). The embedded files' sizes follow,
// uncompressed and gzipped.
func (b *bench) app(ctx context.Context) error {
	chromium := testenv.Chromium()
	if chromium == "" {
		const hint = "no Chromium installed (apt-get install -y chromium, or set CHROMIUM)"
		if *only == "app" {
			return errors.New(hint)
		}
		fmt.Println("  skipped: " + hint)
		return nil
	}
	version, err := chromiumVersion(ctx, chromium)
	if err != nil {
		return err
	}
	fmt.Printf("  %s, headless; %d cold loads each, a new profile (empty cache) each; load average (1, 5, 15 min): %s on %d CPUs\n",
		version, nAppLoads, testenv.LoadAverage(), runtime.NumCPU())
	var floor, loads []pageLoad
	for range nAppLoads {
		f, err := coldLoad(ctx, chromium, b.s.URL+"/healthz", floorReady)
		if err != nil {
			return fmt.Errorf("floor load: %w", err)
		}
		floor = append(floor, f)
		a, err := coldLoad(ctx, chromium, b.s.URL+"/app/", appReady)
		if err != nil {
			return fmt.Errorf("app load: %w", err)
		}
		loads = append(loads, a)
	}
	fmt.Printf("%-44s %5s %10s %10s %10s %10s\n", "", "n", "p50", "p90", "bytes", "requests")
	loadRow("floor: GET /healthz document, to its load", floor)
	loadRow("/app/ to the e-mail field focused (TTI)", loads)
	fmt.Printf("  /app/ fetched: %s\n", strings.Join(loads[0].requests, " "))
	fmt.Println("  (bytes: encodedDataLength, headers and bodies as sent; not counted: the browser's own /favicon.ico)")
	return appFiles()
}

// loadRow prints the time p50/p90 of some loads and their bytes and
// requests (p50; they vary only if a load differs).
func loadRow(name string, loads []pageLoad) {
	var lat []time.Duration
	var size, reqs []int64
	for _, l := range loads {
		lat = append(lat, l.ready)
		size = append(size, l.bytes)
		reqs = append(reqs, int64(len(l.requests)))
	}
	p50, bytes, requests := percentile(lat, 50), spread(size), spread(reqs)
	p90 := ms(percentile(lat, 90))
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10s %10s", name, len(loads), ms(p50), p90, bytes, requests),
		results.Row{Name: name, N: len(loads), P50Ms: msOf(p50), Other: map[string]string{"p90": p90, "bytes": bytes, "requests": requests}})
}

// spread is the median of vs, or "min–max" when they differ.
func spread(vs []int64) string {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// coldLoad starts a browser with a new profile, opens target and waits
// until the page's ready expression is non-zero (a time on the page's
// clock) and every request it made has finished.
func coldLoad(ctx context.Context, chromium, target, ready string) (pageLoad, error) {
	ctx, cancel := context.WithTimeout(ctx, appWait)
	defer cancel()
	tab, stop, err := newBrowser(ctx, chromium)
	if err != nil {
		return pageLoad{}, err
	}
	defer stop()

	var (
		mu       sync.Mutex
		out      pageLoad
		inflight = map[network.RequestID]bool{}
	)
	chromedp.ListenTarget(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if pathOf(e.Request.URL) == "/favicon.ico" {
				// The browser's own request, not the page's, made
				// sooner or later after the load: left out, so the
				// figures do not depend on when it comes.
				return
			}
			if !inflight[e.RequestID] { // a redirect keeps its request's ID
				out.requests = append(out.requests, pathOf(e.Request.URL))
			}
			inflight[e.RequestID] = true
		case *network.EventLoadingFinished:
			if inflight[e.RequestID] {
				out.bytes += int64(e.EncodedDataLength)
				delete(inflight, e.RequestID)
			}
		case *network.EventLoadingFailed:
			delete(inflight, e.RequestID)
		}
	})
	var at float64
	err = chromedp.Run(tab,
		network.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(appReadyProbe).Do(ctx)
			return err
		}),
		chromedp.Navigate(target),
		chromedp.Poll(ready, &at, chromedp.WithPollingInterval(10*time.Millisecond)))
	if err != nil {
		return pageLoad{}, err
	}
	for {
		mu.Lock()
		n := len(inflight)
		mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return pageLoad{}, fmt.Errorf("%s: %d requests still open: %w", target, n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	mu.Lock()
	defer mu.Unlock()
	out.ready = time.Duration(at * float64(time.Millisecond))
	return out, nil
}

// newBrowser starts headless Chromium with a profile of its own, with the
// browser tests' flags (test/e2e/browser_helpers_test.go). stop closes it
// and deletes the profile.
func newBrowser(ctx context.Context, chromium string) (context.Context, func(), error) {
	profile, err := os.MkdirTemp("", "workgate-bench-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.UserDataDir(profile))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	stop := func() {
		// Closed gracefully, Chromium stops its helper processes; they
		// may still write into the profile for a moment.
		closing, done := context.WithTimeout(tab, 10*time.Second)
		if err := chromedp.Cancel(closing); err != nil {
			cancelTab()
		}
		done()
		cancelAlloc()
		for range 30 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := chromedp.Run(tab); err != nil { // the browser, on about:blank
		stop()
		return nil, nil, err
	}
	return tab, stop, nil
}

// chromiumVersion is the browser's product and version.
func chromiumVersion(ctx context.Context, chromium string) (string, error) {
	tab, stop, err := newBrowser(ctx, chromium)
	if err != nil {
		return "", err
	}
	defer stop()
	var product string
	err = chromedp.Run(tab, chromedp.ActionFunc(func(ctx context.Context) error {
		_, product, _, _, _, err = browser.GetVersion().Do(ctx)
		return err
	}))
	return product, err
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return raw
	}
	return u.Path
}

// appFiles prints the size of each file the web function embeds
// (functions/web/app), as is and gzipped as functions/web/web.go sends
// them to browsers that accept gzip (best compression, by go generate
// into functions/web/appgz).
func appFiles() error {
	dir, err := appDir()
	if err != nil {
		return err
	}
	fmt.Printf("\n  the embedded files (%s), as is and as sent gzipped; views load when first shown\n", "functions/web/app")
	fmt.Printf("  %-42s %10s %10s\n", "", "bytes", "gzip -9")
	var raw, zipped int
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Printf("  %-42s %10d %10d\n", rel, len(body), buf.Len())
		raw += len(body)
		zipped += buf.Len()
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("  %-42s %10d %10d\n", "total", raw, zipped)
	return nil
}

// appDir finds functions/web/app from the working directory up (the
// bench runs from the module's root, or below it).
func appDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "functions", "web", "app")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("functions/web/app not found: run the bench inside the module")
		}
		dir = parent
	}
}

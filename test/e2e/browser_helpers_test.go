package e2e

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Helpers of the browser tests (browser_test.go): the web app (F20) in
// real headless Chromium, driven by chromedp. Chromium is Debian's
// `chromium` package (.ci/run installs it); without it the tests fail when
// CI is set and are skipped otherwise.

// browserProcess starts one headless Chromium for a tab, in a language
// (navigator.language and Accept-Language), with a profile of its own: each
// tab is another device with its own storage. (Chromium answers "no
// browser is open" to tabs in new browser contexts in headless mode, so
// each device is a process of its own.)
func browserProcess(t testing.TB, lang string) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		const hint = "Chromium is not installed: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM to its path)"
		if os.Getenv("CI") != "" {
			t.Fatal(hint)
		}
		t.Skip(hint)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.Env("LANGUAGE="+strings.ReplaceAll(lang, "-", "_")),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses root with its sandbox
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return alloc
}

// chromiumPath is $CHROMIUM or the first Chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab is one browser tab in a browser context of its own (its own
// storage: another device), width × height pixels.
type tab struct {
	t    testing.TB
	name string
	ctx  context.Context
	lang string
}

// newTab starts a browser of its own (another device) and opens its tab.
// If the test fails, the tab's screenshot is kept (see keepShot).
func newTab(t testing.TB, name, lang string, width, height int64) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserProcess(t, lang))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	b := &tab{t: t, name: name, ctx: ctx, lang: lang}
	// An uncaught exception in the app is a defect whatever the test
	// checks: it fails the test, with its text.
	chromedp.ListenTarget(ctx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			d := ex.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			t.Errorf("%s: uncaught exception in the app at %s:%d: %s", name, d.URL, d.LineNumber, msg)
		}
	})
	b.run(emulation.SetDeviceMetricsOverride(width, height, 1, width < 600),
		emulation.SetUserAgentOverride("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 workgate-test").
			WithAcceptLanguage(lang))
	t.Cleanup(func() {
		if t.Failed() {
			b.keepShot("failure")
		}
	})
	return b
}

// run runs chromedp actions, failing the test on an error.
func (b *tab) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

// text is the visible text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.WaitVisible(sel), chromedp.Text(sel, &s))
	return strings.TrimSpace(s)
}

// waitText waits until an element with exactly this text is visible.
func (b *tab) waitText(tag, text string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(`//`+tag+`[normalize-space(.)=`+xpathString(text)+`]`, chromedp.BySearch))
}

func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return `'` + s + `'`
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// keepShot saves a full-page screenshot: in -test.outputdir when set
// (kept with the test's output), else in the system's temp directory; the
// test log names the file.
func (b *tab) keepShot(label string) {
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		b.t.Logf("%s: no screenshot: %v", b.name, err)
		return
	}
	dir := os.TempDir()
	if f := flag.Lookup("test.outputdir"); f != nil && f.Value.String() != "" {
		dir = f.Value.String()
	}
	if d := os.Getenv("WORKGATE_SCREENSHOTS"); d != "" {
		dir = d
	}
	name := unsafeName.ReplaceAllString(b.t.Name()+"-"+b.name+"-"+label, "_") + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("%s: screenshot not written: %v", b.name, err)
		return
	}
	b.t.Logf("%s: screenshot %s", b.name, path)
}

// shot keeps a screenshot of a step when WORKGATE_SCREENSHOTS names a
// directory (to look at the screens), and does nothing otherwise.
func (b *tab) shot(label string) {
	if os.Getenv("WORKGATE_SCREENSHOTS") != "" {
		b.keepShot(label)
	}
}

// submit clicks the submit button of the form on screen (a real click, so
// the app's submit handler runs; chromedp.Submit's form.submit() skips it).
func submit() chromedp.Action {
	return chromedp.Click(`form button[type="submit"]`, chromedp.NodeVisible)
}

// waitCode returns the code of the newest login-code mail to email once
// there are more than before.
func (e *env) waitCode(email string, before int) string {
	e.t.Helper()
	for range 45 * 20 {
		if ms := e.codeMails(email); len(ms) > before {
			return sixDigits.FindString(ms[0])
		}
		sleep()
	}
	e.t.Fatalf("no code mail for %s", email)
	return ""
}

// appSignIn signs a member in on the app through the seeds' flow: e-mail,
// the code from the mail, the workspace, the password. It returns when the
// room list shows.
func (e *env) appSignIn(b *tab, email, workspaceName string) {
	b.t.Helper()
	e.appLogIn(b, email, workspaceName)
	b.run(chromedp.WaitVisible(`.room-list`))
}

// appLogIn goes through the sign-in screens up to sending the password,
// and returns without waiting for what comes next (the room list, or a new
// device's approval screen).
func (e *env) appLogIn(b *tab, email, workspaceName string) {
	b.t.Helper()
	before := len(e.codeMails(email))
	b.run(chromedp.Navigate(e.s.URL+"/app/"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, email),
		submit(),
		chromedp.WaitVisible(`#code`))
	b.shot("code")
	b.run(chromedp.SendKeys(`#code`, e.waitCode(email, before)),
		submit(),
		chromedp.WaitVisible(`button.choice`))
	b.shot("workspaces")
	b.run(chromedp.Click(`//button[contains(@class,"choice")][.//strong[normalize-space(.)=`+xpathString(workspaceName)+`]]`, chromedp.BySearch),
		chromedp.WaitVisible(`#password`))
	b.shot("password")
	b.run(chromedp.SendKeys(`#password`, testPassword), submit())
}

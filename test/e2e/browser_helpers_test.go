package e2e

import (
	"context"
	_ "embed" // axe-core, vendored in testdata/axe
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/workgate/workgate/test/testenv"
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
	path := testenv.Chromium()
	if path == "" {
		const hint = "Chromium is not installed: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM to its path)"
		if os.Getenv("CI") != "" {
			t.Fatal(hint)
		}
		t.Skip(hint)
	}
	profile, err := os.MkdirTemp("", "workgate-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeProfile(t, profile) }) // after the browser stops (cleanups run last first)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
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

// removeProfile deletes a browser's profile directory. Chromium's helper
// processes can still write into it for a moment after the browser has
// stopped, so it tries again for a while, and only logs if it cannot: a
// directory left in the temp directory fails no behaviour.
func removeProfile(t testing.TB, dir string) {
	var err error
	for range 30 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("browser profile %s not removed: %v", dir, err)
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
	t.Cleanup(func() {
		// Closing the browser gracefully lets it stop its helper
		// processes; killing it (cancel alone) leaves them writing to
		// the profile for a moment.
		closing, stop := context.WithTimeout(ctx, 10*time.Second)
		defer stop()
		if err := chromedp.Cancel(closing); err != nil {
			cancel()
		}
	})
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
			b.keepShot("failure", true)
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

// attr is an attribute of the first element matching sel ("" if absent).
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	var v string
	b.run(chromedp.AttributeValue(sel, name, &v, nil))
	return v
}

// storage is what the app keeps in localStorage under key (its keys are
// "workgate."+key: refreshToken, deviceToken, lang), "" if nothing.
func (b *tab) storage(key string) string {
	b.t.Helper()
	var v string
	b.run(chromedp.Evaluate(`localStorage.getItem(`+jsString("workgate."+key)+`) || ''`, &v))
	return v
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

// keepShot saves a screenshot: in -test.outputdir when set (kept with the
// test's output), else in the system's temp directory; the test log names
// the file. A failure's is of the whole page (what is out of view too);
// a step's is of the viewport, what the person sees: a whole-page shot
// resizes the viewport for a moment, which would scroll what the app
// watches into view (the room's history loads earlier messages then).
func (b *tab) keepShot(label string, wholePage bool) {
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	capture := chromedp.CaptureScreenshot(&png)
	if wholePage {
		capture = chromedp.FullScreenshot(&png, 100)
	}
	if err := chromedp.Run(ctx, capture); err != nil {
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
		b.keepShot(label, false)
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

// appLogIn opens the app and goes through the sign-in screens up to
// sending the password, checking each with axe, and returns without
// waiting for what comes next (the room list, or a new device's approval
// screen).
func (e *env) appLogIn(b *tab, email, workspaceName string) {
	b.t.Helper()
	b.run(chromedp.Navigate(e.s.URL + "/app/"))
	e.appLogInHere(b, email, workspaceName)
}

// appLogInHere is appLogIn from the app's e-mail screen already open in
// the tab (reached by a link, or after being sent back to sign-in).
func (e *env) appLogInHere(b *tab, email, workspaceName string) {
	b.t.Helper()
	before := len(e.codeMails(email))
	b.run(chromedp.WaitVisible(`#email`))
	b.axe("email")
	b.run(chromedp.SendKeys(`#email`, email),
		submit(),
		chromedp.WaitVisible(`#code`))
	b.axe("code")
	b.run(chromedp.SendKeys(`#code`, e.waitCode(email, before)),
		submit(),
		chromedp.WaitVisible(`button.choice`))
	b.axe("workspaces")
	b.run(chromedp.Click(`//button[contains(@class,"choice")][.//strong[normalize-space(.)=`+xpathString(workspaceName)+`]]`, chromedp.BySearch),
		chromedp.WaitVisible(`#password`))
	b.axe("password")
	b.run(chromedp.SendKeys(`#password`, testPassword), submit())
}

// axeSource is axe-core (testdata/axe/README.md: version, checksum,
// licence), evaluated in the page under test: vendored, so no test
// downloads anything.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// violation is one rule axe found broken on a page, with the elements
// that break it.
type violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		// Target is each element's selector; a selector into a shadow
		// root or frame is joined with " >>> ".
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs axe on the whole document and keeps what the report needs:
// the violations, and the checks axe could not decide ("incomplete": to
// review by hand, such as an ARIA attribute on an element with text).
// resultTypes only trims the details of the passes and inapplicable rules.
// Its promise is awaited by the DevTools evaluation.
const axeRun = `axe.run(document, {resultTypes: ['violations', 'incomplete']}).then((r) => {
  const keep = (vs) => vs.map((v) => ({
    id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map((t) => [].concat(t).join(' >>> ')), summary: n.failureSummary || ''})),
  }));
  return {violations: keep(r.violations), incomplete: keep(r.incomplete)};
})`

// axeResults is what axeRun returns.
type axeResults struct {
	Violations []violation `json:"violations"`
	Incomplete []violation `json:"incomplete"`
}

// axeViolations runs axe-core in the tab's page and returns every
// violation, whatever its impact.
func (b *tab) axeViolations() []violation {
	b.t.Helper()
	return b.axeRun().Violations
}

// axeRun runs axe-core in the tab's page. The script is evaluated through
// DevTools (Runtime.evaluate), which the page's Content-Security-Policy
// does not govern: the app's "script-src 'self'" blocks inline and
// injected <script> elements, not the debugger.
func (b *tab) axeRun() axeResults {
	b.t.Helper()
	var loaded bool
	b.run(chromedp.Evaluate(`typeof axe === 'object'`, &loaded))
	if !loaded {
		b.run(chromedp.Evaluate(axeSource+"\n;true", &loaded))
	}
	var r axeResults
	b.run(chromedp.Evaluate(axeRun, &r, awaited))
	return r
}

// serious keeps the violations that issue 17 forbids: impact serious or
// critical.
func serious(vs []violation) []violation {
	var out []violation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// axeReport lists violations for a test failure: rule, impact, what it
// asks, and each failing element.
func axeReport(vs []violation) string {
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    %s — %s", strings.Join(n.Target, ", "), strings.ReplaceAll(n.Summary, "\n", " "))
		}
	}
	return sb.String()
}

// axe checks the screen on show with axe-core and fails the test (going
// on, so one run lists every screen's problems) if it has a serious or
// critical violation. Lesser violations, and serious checks axe could not
// decide, are logged (go test -v) for a person to look at. It keeps the
// screen's screenshot as "axe-"+screen.
func (b *tab) axe(screen string) {
	b.t.Helper()
	b.shot("axe-" + screen)
	r := b.axeRun()
	if vs := serious(r.Violations); len(vs) > 0 {
		b.t.Errorf("%s: axe on the %q screen: %d serious or critical violations:%s", b.name, screen, len(vs), axeReport(vs))
	} else if len(r.Violations) > 0 {
		b.t.Logf("%s: axe on the %q screen, minor or moderate (not failing):%s", b.name, screen, axeReport(r.Violations))
	}
	if vs := serious(r.Incomplete); len(vs) > 0 {
		b.t.Logf("%s: axe on the %q screen, serious or critical if so, for a person to review (not failing):%s", b.name, screen, axeReport(vs))
	}
}

package e2e

import (
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestAppStringsComplete: every string of the app exists in Korean and in
// English, and no key is defined by two parts of the app (strings.js
// gathers them and lists the problems it found).
func TestAppStringsComplete(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := newTab(t, "strings", "en-GB", 1280, 800)
	var problems []string
	var keys int
	b.run(chromedp.Navigate(e.s.URL+"/app/"), chromedp.WaitVisible(`#email`),
		chromedp.Evaluate(`import('/app/js/strings.js').then((m) => m.problems)`, &problems, awaited),
		chromedp.Evaluate(`import('/app/js/strings.js').then((m) => Object.keys(m.strings.ko).length)`, &keys, awaited))
	if len(problems) > 0 {
		t.Fatalf("the app's strings: %v", problems)
	}
	if keys < 100 {
		t.Fatalf("the app has %d strings: strings.js gathered too few parts", keys)
	}
}

// awaited makes chromedp.Evaluate wait for the promise the script returns.
func awaited(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

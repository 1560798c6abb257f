package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// TestBrowserAxeFindsViolations shows that the axe check of the browser
// tests can fail: on a page with an image without a text alternative and a
// button without a name it reports both (critical), and on the same page
// made right it reports nothing. Both pages carry a CSP as strict as the
// app's (no inline script), so this also shows that evaluating axe through
// DevTools is not blocked by it.
func TestBrowserAxeFindsViolations(t *testing.T) {
	t.Parallel()
	const head = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; img-src data:">` +
		`<title>axe check</title></head><body><main><h1>A page</h1>`
	const dot = `data:image/gif;base64,R0lGODlhAQABAAAAACw=`
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"broken", `<img src="` + dot + `"><button type="button"></button>`, []string{"button-name", "image-alt"}},
		{"fixed", `<img src="` + dot + `" alt="A dot"><button type="button">Send</button>`, nil},
	}
	b := newTab(t, "axe", "en-US", 800, 600)
	for _, tc := range cases {
		b.run(chromedp.Navigate("data:text/html;charset=utf-8," + url.PathEscape(head+tc.body+`</main></body></html>`)))
		found := serious(b.axeViolations())
		var got []string
		for _, v := range found {
			got = append(got, v.ID)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Fatalf("%s page: serious violations (-want +got):\n%s%s", tc.name, diff, axeReport(found))
		}
		report := axeReport(found)
		for _, id := range tc.want {
			if !strings.Contains(report, "\n  "+id+" (critical): ") {
				t.Fatalf("%s page: the report does not name %s with its impact:%s", tc.name, id, report)
			}
		}
		if len(tc.want) > 0 && (!strings.Contains(report, "\n    img — ") || !strings.Contains(report, "\n    button — ")) {
			t.Fatalf("%s page: the report does not name the failing elements:%s", tc.name, report)
		}
	}
}

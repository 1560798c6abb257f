package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/workgate/workgate/functions/web/internal/assets"
)

// TestServe: the app's files, its client-side routes, the redirect of
// /app, 404s for unknown files and other paths, and the strict headers on
// every answer.
func TestServe(t *testing.T) {
	t.Parallel()
	h, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path string
		status             int
		contentType        string
		bodyHas            string
	}{
		{"index", "GET", "/app/", 200, "text/html; charset=utf-8", `<script type="module" src="/app/js/main.js">`},
		{"client route", "GET", "/app/rooms/r123", 200, "text/html; charset=utf-8", `<script type="module"`},
		{"profile link route", "GET", "/app/links/0123456789abcdef0123456789abcdef.s3cr-t_x", 200, "text/html; charset=utf-8", `<script type="module"`},
		{"script", "GET", "/app/js/main.js", 200, "text/javascript; charset=utf-8", "import"},
		{"style", "GET", "/app/app.css", 200, "text/css; charset=utf-8", "--brand"},
		{"head", "HEAD", "/app/app.css", 200, "text/css; charset=utf-8", ""},
		{"unknown file", "GET", "/app/js/nope.js", 404, "application/problem+json", "not_found"},
		{"unknown file at the top", "GET", "/app/favicon.ico", 404, "application/problem+json", "not_found"},
		{"icon", "GET", "/app/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"another path", "GET", "/apple", 404, "application/problem+json", "not_found"},
		{"post", "POST", "/app/", 405, "application/problem+json", "method_not_allowed"},
		{"bare app", "GET", "/app", 301, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.status {
				t.Fatalf("%s %s = %d, want %d (%s)", tc.method, tc.path, w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != csp || !strings.Contains(got, "script-src 'self';") {
				t.Errorf("CSP = %q", got)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers = %v", w.Header())
			}
			if tc.contentType != "" && !strings.HasPrefix(w.Header().Get("Content-Type"), tc.contentType) {
				t.Errorf("Content-Type = %q, want %q", w.Header().Get("Content-Type"), tc.contentType)
			}
			if !strings.Contains(w.Body.String(), tc.bodyHas) {
				t.Errorf("body lacks %q: %.200s", tc.bodyHas, w.Body)
			}
			if tc.status == 200 && w.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
			}
			if tc.status == 301 && w.Header().Get("Location") != "/app/" {
				t.Errorf("Location = %q", w.Header().Get("Location"))
			}
		})
	}
}

// TestRevalidate: a file whose ETag the browser holds answers 304, empty.
func TestRevalidate(t *testing.T) {
	t.Parallel()
	h, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/app/app.css", nil))
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	r := httptest.NewRequest("GET", "/app/app.css", nil)
	r.Header.Set("If-None-Match", etag)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("revalidation = %d with %d bytes, want 304 and none", w.Code, w.Body.Len())
	}
}

// TestNoInlineCode: the CSP forbids inline scripts and styles, so the
// files must not rely on them (they would silently not run).
func TestNoInlineCode(t *testing.T) {
	t.Parallel()
	assets, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range assets {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		b, err := fs.ReadFile(files, a.name)
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "<script>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP blocks", name, bad)
			}
		}
	}
}

// TestGzip: a browser that accepts gzip gets the file gzipped (with its
// own ETag, and Vary so caches keep both); one that does not, or refuses
// it with q=0, gets the file as it is.
func TestGzip(t *testing.T) {
	t.Parallel()
	h, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(accept string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/app/app.css", nil)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	plain := get("")
	zipped := get("gzip, deflate, br")
	if plain.Header().Get("Content-Encoding") != "" || zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q plain, %q with gzip", plain.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Encoding"))
	}
	if zipped.Header().Get("Vary") != "Accept-Encoding" || zipped.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatalf("headers: %v vs %v", zipped.Header(), plain.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
		t.Fatalf("gunzipped body differs (%v)", err)
	}
	if zipped.Body.Len() >= plain.Body.Len()/2 {
		t.Errorf("gzipped %d bytes of %d", zipped.Body.Len(), plain.Body.Len())
	}
	if get("gzip;q=0").Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 answered gzipped")
	}
	r := httptest.NewRequest("GET", "/app/app.css", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	r.Header.Set("If-None-Match", zipped.Header().Get("ETag"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified {
		t.Fatalf("revalidating the gzipped file = %d, want 304", w.Code)
	}
}

// TestContentTypes: every file of the app has a type in assets' table
// (package mime is not asked: see assets.ContentType).
func TestContentTypes(t *testing.T) {
	t.Parallel()
	assets, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range assets {
		if a.contentType == "application/octet-stream" {
			t.Errorf("%s: no content type for its extension in internal/assets", name)
		}
	}
}

// TestGzipped: appgz holds every text file of app, gzipped, and nothing
// else. It fails after a change under app until go generate
// ./functions/web is run.
func TestGzipped(t *testing.T) {
	t.Parallel()
	want := map[string]bool{}
	err := fs.WalkDir(files, "app", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !assets.Compressible(assets.ContentType(name)) {
			return err
		}
		gz := path.Join(assets.GzipDir, strings.TrimPrefix(name, "app/")+".gz")
		want[gz] = true
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		zipped, err := fs.ReadFile(gzipped, gz)
		if err != nil {
			t.Errorf("%s is not gzipped: run go generate ./functions/web", name)
			return nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Errorf("%s: %v", gz, err)
			return nil
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s is not %s (%v): run go generate ./functions/web", gz, name, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(gzipped, assets.GzipDir, func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !want[name] {
			t.Errorf("%s has no text file in app: run go generate ./functions/web", name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStylesBalanced: every block of the style sheet is closed. A block
// left open (a merge that dropped a "}") silently swallows every rule after
// it into a media query.
func TestStylesBalanced(t *testing.T) {
	t.Parallel()
	css, err := files.ReadFile("app/app.css")
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for i, line := range strings.Split(stripComments(string(css)), "\n") {
		if strings.HasPrefix(line, "@media") && depth != 0 {
			t.Fatalf("app.css line %d: a media query inside another block (one left open above)", i+1)
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth < 0 {
			t.Fatalf("app.css line %d closes a block that is not open", i+1)
		}
	}
	if depth != 0 {
		t.Fatalf("app.css ends with %d blocks open", depth)
	}
}

// stripComments blanks CSS comments, keeping the line breaks.
func stripComments(css string) string {
	var b strings.Builder
	for {
		start := strings.Index(css, "/*")
		if start < 0 {
			b.WriteString(css)
			return b.String()
		}
		end := strings.Index(css[start:], "*/")
		if end < 0 {
			end = len(css) - start
		} else {
			end += 2
		}
		b.WriteString(css[:start])
		b.WriteString(strings.Repeat("\n", strings.Count(css[start:start+end], "\n")))
		css = css[start+end:]
	}
}

// TestModulePreload: index.html preloads exactly the modules main.js
// imports statically, however deep (views, imported with import(), load
// when first shown), so the first load fetches them at once and no list
// goes stale.
func TestModulePreload(t *testing.T) {
	t.Parallel()
	imports := regexp.MustCompile(`(?m)^import\s+(?:[^'"]*?\s+from\s+)?'(\.[^']+)';`)
	want := map[string]bool{}
	todo := []string{"js/main.js"}
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		src, err := files.ReadFile("app/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			dep := path.Join(path.Dir(name), m[1])
			if !want[dep] {
				want[dep] = true
				todo = append(todo, dep)
			}
		}
	}
	index, err := files.ReadFile("app/index.html")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range regexp.MustCompile(`<link rel="modulepreload" href="/app/([^"]+)">`).FindAllStringSubmatch(string(index), -1) {
		got[m[1]] = true
	}
	if len(want) < 10 || !maps.Equal(want, got) {
		t.Fatalf("index.html preloads %v, main.js imports %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}

// Package web serves workgate's web app (PRODUCT.md F20) at /app/: static
// files embedded in the binary (index.html, ES modules, CSS, strings), so
// nothing is fetched from elsewhere at run time. The app is a client of the
// public API only; this function holds no state and reads no secret.
//
// Every response carries a strict Content-Security-Policy (no inline script
// or style, connections only to this origin). Every file is served with
// "Cache-Control: no-cache" and a content-hash ETag: a browser revalidates
// on each load and gets 304s while nothing changed, and a deploy is seen at
// once without versioned file names (no build step to rename them). Text
// files are sent gzipped to browsers that accept it (the first load is
// about a third of the raw bytes); they are gzipped by go generate
// (internal/gzipgen, into appgz), not at each start, which took 40-50 ms.
package web

//go:generate go run ./internal/gzipgen

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/workgate/workgate/functions/web/internal/assets"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/server"
	api "github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "web"

func init() { server.Register(Name, New) }

//go:embed app
var files embed.FS

// gzipped holds appgz/<name>.gz, app/<name> gzipped at the best
// compression, for each text file (assets.Compressible). TestGzipped
// checks that it is app's.
//
//go:embed appgz
var gzipped embed.FS

// csp allows only this origin's scripts, styles and API; images from this
// origin, data: (the style sheet's icons) and https (members' profile
// photos are URLs of their choosing, as on the link pages); no inline code,
// no framing, no foreign form targets.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data: https:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file. Its bytes stay in the binary's embedded
// data and are copied to each answer: reading them all out at start
// copied half a megabyte (and its garbage set off a collection).
type asset struct {
	// name is the file's path in files; gzName, if set, its gzipped
	// form's in gzipped.
	name, gzName string
	size, gzSize int64
	contentType  string
	etag         string
}

// New builds the handler.
func New(_ *server.Deps) (http.Handler, error) {
	assets, err := load()
	if err != nil {
		return nil, err
	}
	return &app{assets: assets}, nil
}

// load reads every embedded file's type, size and ETag, and finds its
// gzipped form.
func load() (map[string]asset, error) {
	out := map[string]asset{}
	buf := make([]byte, 32<<10)
	err := fs.WalkDir(files, "app", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(name, "app/")
		a := asset{name: name, contentType: assets.ContentType(rel)}
		sum := sha256.New()
		if a.size, err = copyFile(sum, files, name, buf); err != nil {
			return err
		}
		a.etag = `"` + hex.EncodeToString(sum.Sum(nil)[:8]) + `"`
		if assets.Compressible(a.contentType) {
			a.gzName = path.Join(assets.GzipDir, rel+".gz")
			st, err := fs.Stat(gzipped, a.gzName)
			if err != nil {
				return fmt.Errorf("web: %s is not gzipped (go generate ./functions/web): %w", rel, err)
			}
			a.gzSize = st.Size()
		}
		out[rel] = a
		return nil
	})
	if _, ok := out["index.html"]; err == nil && !ok {
		err = errs.E(errs.Internal, "web: the app has no index.html")
	}
	return out, err
}

// copyFile copies the file name of fsys to w through buf.
func copyFile(w io.Writer, fsys fs.FS, name string, buf []byte) (int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	return io.CopyBuffer(w, f, buf)
}

// acceptsGzip says whether the request's Accept-Encoding lists gzip (not
// refused with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// app serves the embedded files.
type app struct {
	assets map[string]asset
}

// ServeHTTP answers /app (a redirect to /app/), a file under /app/, or, for
// a path without a dot (a client-side route such as /app/rooms/x) or a
// profile link's route (/app/links/{token}: a token holds a dot),
// index.html. An unknown file is 404.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		api.Problem(w, r, errs.Errorf(errs.MethodNotAllowed, "%s is not allowed here", r.Method))
		return
	}
	if r.URL.Path == "/app" {
		http.Redirect(w, r, "/app/", http.StatusMovedPermanently)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/app/")
	if !ok {
		api.Problem(w, r, errs.E(errs.NotFound, "no such resource"))
		return
	}
	if name == "" || !strings.Contains(path.Base(name), ".") || strings.HasPrefix(name, "links/") {
		name = "index.html"
	}
	f, ok := a.assets[name]
	if !ok {
		api.Problem(w, r, errs.E(errs.NotFound, "no such file"))
		return
	}
	fsys, file, size, etag := fs.FS(files), f.name, f.size, f.etag
	if f.gzName != "" {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			// Another representation, so another ETag.
			fsys, file, size, etag = gzipped, f.gzName, f.gzSize, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && match == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = copyFile(w, fsys, file, nil)
}

// Package openapi embeds workgate's OpenAPI document, the machine-readable
// form of the public HTTP contract in API.md, and matches requests against
// its operations.
//
// The service function serves Spec at /openapi.yaml and uses a Router to tell
// a documented operation that is not built yet (501) from a known path with
// another method (405) and an unknown path (404).
package openapi

import (
	"context"
	_ "embed" // for Spec
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/workgate/workgate/shared/errs"
)

// Spec is the OpenAPI 3.0.3 document (YAML) of the whole API.md surface.
//
//go:embed openapi.yaml
var Spec []byte

// Load parses Spec and validates it as an OpenAPI 3 document.
func Load() (*openapi3.T, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Spec)
	if err != nil {
		return nil, fmt.Errorf("openapi.Load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi.Load: %w", err)
	}
	return doc, nil
}

// Router matches requests against the document's operations by path only:
// the host of the document's servers is ignored, so the same router works
// behind any base URL. A Router is immutable and safe for concurrent use.
//
// A literal path segment is preferred to a template parameter when both
// match (a /v1/rooms/self would win over a /v1/rooms/{roomId}), like
// net/http.ServeMux.
type Router struct {
	doc      *openapi3.T
	patterns []pattern // most specific first
}

// pattern is one path template of the document, split into segments.
type pattern struct {
	template string
	segments []segment
	item     *openapi3.PathItem
}

// segment is a literal path segment, or a parameter when param is set.
type segment struct {
	literal string
	param   string
}

var _ routers.Router = (*Router)(nil)

// NewRouter returns the Router over the document's paths. It loads and
// validates the document once per process (some 40 ms); every function
// that asks shares the one immutable Router.
var NewRouter = sync.OnceValues(newRouter)

func newRouter() (*Router, error) {
	doc, err := Load()
	if err != nil {
		return nil, fmt.Errorf("openapi.NewRouter: %w", err)
	}
	r := &Router{doc: doc}
	for template, item := range doc.Paths.Map() {
		p := pattern{template: template, item: item}
		for _, s := range strings.Split(strings.TrimPrefix(template, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				p.segments = append(p.segments, segment{param: s[1 : len(s)-1]})
				continue
			}
			p.segments = append(p.segments, segment{literal: s})
		}
		r.patterns = append(r.patterns, p)
	}
	sort.Slice(r.patterns, func(i, j int) bool {
		return morePrecise(r.patterns[i], r.patterns[j])
	})
	return r, nil
}

// morePrecise is a strict total order on patterns: by number of segments
// (only patterns of the same length can match the same path), then, at the
// first segment where one has a literal and the other a parameter, the
// literal first, then by template.
func morePrecise(a, b pattern) bool {
	if len(a.segments) != len(b.segments) {
		return len(a.segments) < len(b.segments)
	}
	for k := range a.segments {
		aParam, bParam := a.segments[k].param != "", b.segments[k].param != ""
		if aParam != bParam {
			return bParam
		}
	}
	return a.template < b.template
}

// Documented reports whether method and path name an operation of the
// document (operation), and whether any operation has that path, with this
// or another method (pathExists). So (true, true) is a documented call,
// (false, true) is 405 and (false, false) is 404. path is a URL path such as
// r.URL.EscapedPath(); a query string is ignored. HEAD is not implied by GET.
func (r *Router) Documented(method, path string) (operation bool, pathExists bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	matches := r.match(path)
	for _, m := range matches {
		if m.pattern.item.GetOperation(strings.ToUpper(method)) != nil {
			return true, true
		}
	}
	return false, len(matches) > 0
}

// FindRoute returns the operation that req resolves to and its path
// parameters, matching by req.URL's path only. It fails with
// routers.ErrMethodNotAllowed when the path exists with other methods only,
// and with routers.ErrPathNotFound when no path matches. It makes Router a
// routers.Router for openapi3filter's request and response validation.
func (r *Router) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	method := strings.ToUpper(req.Method)
	matches := r.match(req.URL.EscapedPath())
	for _, m := range matches {
		op := m.pattern.item.GetOperation(method)
		if op == nil {
			continue
		}
		route := &routers.Route{
			Spec:      r.doc,
			Path:      m.pattern.template,
			PathItem:  m.pattern.item,
			Method:    method,
			Operation: op,
		}
		return route, m.params, nil
	}
	if len(matches) > 0 {
		return nil, nil, fmt.Errorf("openapi.FindRoute: %s %s: %w", method, req.URL.Path, routers.ErrMethodNotAllowed)
	}
	return nil, nil, fmt.Errorf("openapi.FindRoute: %s %s: %w", method, req.URL.Path, routers.ErrPathNotFound)
}

// match is one pattern that matched a path, with its parameter values.
type match struct {
	pattern *pattern
	params  map[string]string
}

// match returns every pattern that matches the escaped path, most specific
// first. Segments are compared unescaped, so an encoded "/" inside a token
// stays inside its parameter. A parameter never matches an empty segment.
func (r *Router) match(escapedPath string) []match {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil
	}
	raw := strings.Split(escapedPath[1:], "/")
	parts := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil // a malformed escape matches nothing
		}
		parts[i] = u
	}
	var out []match
	for i := range r.patterns {
		p := &r.patterns[i]
		if len(p.segments) != len(parts) {
			continue
		}
		params := map[string]string{}
		ok := true
		for k, s := range p.segments {
			switch {
			case s.param == "" && s.literal != parts[k]:
				ok = false
			case s.param != "" && parts[k] == "":
				ok = false
			case s.param != "":
				params[s.param] = parts[k]
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, match{pattern: p, params: params})
		}
	}
	return out
}

// NotBuilt answers a request no handler took: 501 not_implemented for an
// operation the API documents but no function serves yet, 405 for a
// documented path with another method, 404 otherwise. Each function's mux
// falls back on it for the part of its subtree later features build.
func (r *Router) NotBuilt(method, path string) error {
	switch op, known := r.Documented(method, path); {
	case op:
		return errs.E(errs.NotImplemented, "this part of the API is not available yet")
	case known:
		return errs.Errorf(errs.MethodNotAllowed, "%s is not allowed here", method)
	}
	return errs.E(errs.NotFound, "no such resource")
}

// Fallback is NotBuilt as the handler a function's mux falls back on.
func (r *Router) Fallback(_ http.ResponseWriter, req *http.Request) error {
	return r.NotBuilt(req.Method, req.URL.Path)
}

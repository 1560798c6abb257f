// Package openapi embeds workgate's OpenAPI document, the machine-readable
// form of the public HTTP contract in API.md, and matches requests against
// its operations.
//
// The service function serves Spec at /openapi.yaml, and functions use a
// Router to tell a documented operation that is not built yet (501) from a
// known path with another method (405) and an unknown path (404).
//
// Every function links this package, so it does no work at start: the
// Router matches against a table of the document's operations generated
// from it (routes_gen.go, by go generate; the tests fail when the two
// differ), not the parsed document. Checking traffic against the whole
// document is package contract's, which tests and the dev stack use and
// the image's binary does not link (its JSON Schema engine alone costs
// every process some 15 ms at start).
package openapi

//go:generate go run ./internal/routesgen

import (
	_ "embed" // for Spec
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/workgate/workgate/shared/errs"
)

// Spec is the OpenAPI 3.0.3 document (YAML) of the whole API.md surface.
//
//go:embed openapi.yaml
var Spec []byte

// operation is one path template of the document with the methods of its
// operations, upper case.
type operation struct {
	template string
	methods  []string
}

// Router matches requests against the document's operations by path only:
// the host of the document's servers is ignored, so the same router works
// behind any base URL. A Router is immutable and safe for concurrent use.
//
// A literal path segment is preferred to a template parameter when both
// match (a /v1/rooms/self would win over a /v1/rooms/{roomId}), like
// net/http.ServeMux.
type Router struct {
	patterns []pattern // most specific first
}

// pattern is one path template of the document, split into segments.
type pattern struct {
	operation
	segments []segment
}

// segment is a literal path segment, or a parameter when param is set.
type segment struct {
	literal string
	param   string
}

// NewRouter returns the Router over the document's operations; every
// function that asks shares the one immutable Router.
var NewRouter = sync.OnceValue(newRouter)

func newRouter() *Router {
	r := &Router{}
	for _, op := range operations {
		p := pattern{operation: op}
		for _, s := range strings.Split(strings.TrimPrefix(op.template, "/"), "/") {
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
	return r
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
	matches := r.Match(path)
	for _, m := range matches {
		if m.Has(method) {
			return true, true
		}
	}
	return false, len(matches) > 0
}

// Match is one path template of the document that a path matched, with
// the parameters' values.
type Match struct {
	// Template is the path as the document writes it, such as
	// /v1/rooms/{roomId}.
	Template string
	Params   map[string]string
	methods  []string
}

// Has reports whether the template has an operation for method (in any
// case).
func (m Match) Has(method string) bool {
	method = strings.ToUpper(method)
	for _, x := range m.methods {
		if x == method {
			return true
		}
	}
	return false
}

// Match returns every template of the document that the escaped path
// matches, most specific first. Segments are compared unescaped, so an
// encoded "/" inside a token stays inside its parameter. A parameter never
// matches an empty segment.
func (r *Router) Match(escapedPath string) []Match {
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
	var out []Match
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
			out = append(out, Match{Template: p.template, Params: params, methods: p.methods})
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

package web

import (
	"net/http"

	"github.com/workgate/workgate/shared/errs"
)

// Mux is an http.ServeMux whose misses are problems: 404 for an unknown
// path, 405 (with Allow) for a known path with another method.
type Mux struct {
	mux     *http.ServeMux
	methods map[string][]string // pattern path → methods
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{mux: http.NewServeMux(), methods: map[string][]string{}} }

// Handle registers h for "METHOD /path" (Go ServeMux pattern syntax).
func (m *Mux) Handle(pattern string, h HandlerFunc) {
	m.mux.Handle(pattern, Handle(h))
}

// ServeHTTP dispatches r, or answers 404/405 as problem+json.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := m.mux.Handler(r); pattern != "" {
		m.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := m.mux.Handler(probe); pattern != "" {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		for _, a := range allow {
			w.Header().Add("Allow", a)
		}
		Problem(w, r, errs.Errorf(errs.MethodNotAllowed, "%s is not allowed here", r.Method))
		return
	}
	Problem(w, r, errs.E(errs.NotFound, "no such resource"))
}

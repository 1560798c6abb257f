// Package service is the function that owns every path no other function
// owns: the health check, the JWKS that verifies access tokens, the OpenAPI
// document, and — for paths the API documents but no function serves yet —
// 501 Not Implemented (405 for a documented path with another method).
package service

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "service"

func init() { server.Register(Name, New) }

type healthResponse struct {
	Status string `json:"status"`
}

// New builds the handler.
func New(d *server.Deps) (http.Handler, error) {
	api := openapi.NewRouter()
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return web.JSON(w, http.StatusOK, healthResponse{Status: "ok"})
	}))
	mux.Handle("GET /.well-known/jwks.json", web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if d.Signer == nil {
			return errs.E(errs.Internal, "no signing key configured")
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Type", "application/json")
		return writeJSON(w, d.Signer.JWKS())
	}))
	mux.Handle("GET /openapi.yaml", web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/yaml")
		_, err := w.Write(openapi.Spec)
		return err
	}))
	// Everything else: what the API documents but nobody serves yet is 501.
	mux.Handle("/", web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if strings.HasPrefix(r.URL.Path, "/_dev/") {
			// Dev-only paths exist only in dev mode (where devclock owns them).
			return errs.E(errs.NotFound, "no such resource")
		}
		return api.NotBuilt(r.Method, r.URL.Path)
	}))
	return mux, nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	return json.NewEncoder(w).Encode(v)
}

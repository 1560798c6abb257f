// Package operator is the function behind the platform operators' API,
// /v1/operator/…: a workspace's plan and the approval of organisation
// links (F17). It is authenticated by the operator key alone
// (WORKGATE_OPERATOR_KEY), compared in constant time.
package operator

import (
	"net/http"

	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "operator"

func init() { server.Register(Name, New) }

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	api, err := openapi.NewRouter()
	if err != nil {
		return nil, err
	}
	mux := web.NewMux()
	mux.Handle("/", api.Fallback) // replaced by the operator routes (F17)
	return mux, nil
}

// Package profiles is the function behind profiles and profile sharing:
// a member's own profile, other members' profiles as their workspace shows
// them (F11), profile links with their QR codes and the profile card page
// (F12).
package profiles

import (
	"net/http"

	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "profiles"

func init() { server.Register(Name, New) }

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	api, err := openapi.NewRouter()
	if err != nil {
		return nil, err
	}
	mux := web.NewMux()
	mux.Handle("/", func(w http.ResponseWriter, r *http.Request) error { return api.NotBuilt(r.Method, r.URL.Path) })
	return mux, nil
}

// Package relay is the outbox relay: Cloud Scheduler calls it every minute
// in production (a ticker does locally) to publish the events whose
// request could not publish them.
package relay

import (
	"net/http"

	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "relay"

func init() { server.Register(Name, New) }

type relayResponse struct {
	Published int `json:"published"`
}

// New builds the handler: any POST runs one relay pass.
func New(d *server.Deps) (http.Handler, error) {
	return web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return nil
		}
		n, err := d.Outbox.Relay(r.Context())
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, relayResponse{Published: n})
	}), nil
}

// Package relay is the outbox relay: Cloud Scheduler calls it every minute
// in production (a ticker does locally) to publish the events whose
// request could not publish them.
package relay

import (
	"net/http"
	"strconv"

	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "relay"

func init() { server.Register(Name, New) }

type relayResponse struct {
	Published int `json:"published"`
}

// retryAfter is when a failed pass asks to be called again: the next
// scheduled one.
const retryAfter = 60

// New builds the handler: any POST runs one relay pass. A pass that
// stops on a failure (Pub/Sub or Firestore unavailable: every event
// stays in the outbox for the next pass) answers 503 with Retry-After
// and logs a warning: an outage is expected, not a bug to report.
func New(d *server.Deps) (http.Handler, error) {
	return web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return nil
		}
		n, err := d.Outbox.Relay(r.Context())
		if err != nil {
			logging.From(r.Context()).Warn("relay pass stopped: the rest waits in the outbox", "published", n, "error", err.Error())
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			return web.JSON(w, http.StatusServiceUnavailable, relayResponse{Published: n})
		}
		return web.JSON(w, http.StatusOK, relayResponse{Published: n})
	}), nil
}

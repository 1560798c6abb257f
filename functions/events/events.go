// Package events is the function behind a member's live events (F19):
// GET /v1/me/events, one server-sent-events stream per signed-in device.
// It runs as a service of its own: its requests last up to an hour, and
// must not hold the instances of the short request paths.
package events

import (
	"net/http"

	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "events"

func init() { server.Register(Name, New) }

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	live := d.Live()
	mux := web.NewMux()
	mux.Handle("GET /v1/me/events", live.Serve)
	return mux, nil
}

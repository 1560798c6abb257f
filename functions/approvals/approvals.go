// Package approvals is the background job that sends a new device's
// approval request to those who may decide it (F9): the push endpoint of
// the approval-requested subscription.
package approvals

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "approvals"

func init() { server.Register(Name, New) }

// lease outlasts one run (a few Firestore round trips) with room to spare.
const lease = time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: d.Devices().Ask, Lease: lease}, nil
}

// Package approvals is the background job that sends a new device's
// approval request to those who may decide it (F9): the push endpoint of
// the approval-requested subscription.
package approvals

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/device"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "approvals"

func init() { server.Register(Name, New) }

// lease outlasts one run (a few Firestore round trips) with room to spare.
const lease = time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	s := &device.Service{Store: d.Store, Outbox: d.Outbox, Sealer: d.Sealer, MACer: d.MACer, Clock: d.Clock}
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: s.Ask, Lease: lease}, nil
}

// Package withdrawal is the background job that deletes a withdrawn
// workspace (F18): the push endpoint of the withdrawal subscription of
// workspace-withdrawn. Each run deletes for a bounded time and publishes
// the next run if work is left.
package withdrawal

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "withdrawal"

func init() { server.Register(Name, New) }

// lease outlasts one run (withdrawal.RunBudget of deletions) with room to
// spare; a run whose instance died is taken over once it runs out.
const lease = time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: d.Withdrawals().Run, Lease: lease}, nil
}

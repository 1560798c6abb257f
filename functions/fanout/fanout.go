// Package fanout is the background job that notifies the other members of
// a room of each message posted (F14): the push endpoint of the fanout
// subscription of message-posted.
package fanout

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "fanout"

func init() { server.Register(Name, New) }

// lease outlasts one run (a batch of reads and notifications) with room
// to spare.
const lease = time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: d.Rooms().FanOut, Lease: lease}, nil
}

// Package introductions is the background job that tells a member that
// someone added them as an external member, with the adder's profile and
// a way to add them back (F12): the push endpoint of the
// external-member-added subscription.
package introductions

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "introductions"

func init() { server.Register(Name, New) }

// lease outlasts one run (a few Firestore round trips) with room to spare.
const lease = time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: d.Contacts().Introduce, Lease: lease}, nil
}

// Package push is the background job that sends mobile pushes (F19): the
// push endpoint of the push subscription of push-requested. It sends
// each notification it is asked about to the member's devices without a
// live stream, through FCM HTTP v1.
package push

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/server"
)

// Name is the function's name in the topology.
const Name = "push"

func init() { server.Register(Name, New) }

// lease outlasts one run (a batch of 250 notifications, 16 at a time, a
// few reads and one FCM call each) with room to spare.
const lease = 2 * time.Minute

// New builds the push endpoint.
func New(d *server.Deps) (http.Handler, error) {
	job, err := d.PushJob()
	if err != nil {
		return nil, err
	}
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: job.Send, Lease: lease}, nil
}

// Package delegation hands a workspace's super admin role over to another
// active member (F16): the super admin, re-entering their password, has a
// link valid 24 hours mailed to the member; accepting it with the member's
// own password makes them super admin, the former super admin an admin
// with every permission, and voids the recovery key.
package delegation

import (
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/store"
)

// Service runs the delegation flows.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Sealer *auth.Sealer
	Clock  clock.Clock
	// Login judges re-entered passwords under the lockout.
	Login *login.Service
	// Link returns the public URL of a path (the mailed link).
	Link func(path string) string
}

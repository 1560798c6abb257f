// Package orglink is a workspace's organisation link (F17): on the
// standard plan or higher the super admin applies with an organisation
// name, ID and Korean business registration number; an operator approves
// or rejects it; the super admin names the login method shown on the
// organisation login screen (F6). It also holds the operators' other
// call, setting a workspace's plan.
package orglink

import (
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/store"
)

// Service runs the organisation link flows.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Sealer *auth.Sealer
	Clock  clock.Clock
	// AppURL is where mails send people to log in.
	AppURL string
}

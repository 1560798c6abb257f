// Package contacts keeps a member's contacts outside their workspace:
// external members added through a profile link or added back (F12), the
// notification that tells a member someone added them, and blocks (F13).
package contacts

import (
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/store"
)

// Service is a member's contacts.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Clock  clock.Clock
}

// active reports whether a counterpart is an active member of an active
// workspace.
func active(c *store.Counterpart) bool {
	return c.Member != nil && c.Member.Status == domain.MemberActive &&
		c.Workspace != nil && c.Workspace.Status == domain.WorkspaceActive
}

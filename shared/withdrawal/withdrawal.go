// Package withdrawal is service withdrawal (F18): the super admin,
// re-entering their password and the workspace's name, withdraws the
// workspace; it turns deleting at once, so every token for it stops
// working, and a background job deletes everything of it, and every
// account in no other workspace, in batches that a redelivery resumes.
package withdrawal

import (
	"context"
	"errors"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/store"
)

// Service runs the withdrawal request and the deletion job.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Sealer *auth.Sealer
	Clock  clock.Clock
	// Login judges the re-entered password under the lockout.
	Login *login.Service
	// CrashAfter, if > 0 (dev mode only), aborts the job's request after
	// that many deletion commits, once per process, as if its instance were
	// killed.
	CrashAfter int
}

// Run is the deletion job (topic workspace-withdrawn). Built by F18.
func (s *Service) Run(ctx context.Context, ev events.Event) error {
	return errors.New("withdrawal.Run: not built yet")
}

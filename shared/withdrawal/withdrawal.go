// Package withdrawal is service withdrawal (F18): the super admin,
// re-entering their password and the workspace's name, withdraws the
// workspace; it turns deleting at once, so every token for it stops
// working, and a background job deletes everything of it, and every
// account in no other workspace, in batches that a redelivery resumes.
package withdrawal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/session"
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

	commits atomic.Int64
	crashed atomic.Bool
}

// Request is a withdrawal as the super admin asks for it.
type Request struct {
	WorkspaceID string
	Password    string
	// ConfirmName repeats the workspace's name, exactly.
	ConfirmName string
	Locale      i18n.Locale
}

// Withdraw withdraws the caller's workspace: the caller must be its super
// admin (errs.Forbidden), name it exactly (errs.Invalid) and re-enter
// their password (errs.InvalidCredentials, errs.Locked). One commit turns
// it deleting, creates the withdrawal's record and records the events of
// the deletion job and of the super admin's mail. A workspace already
// deleting (a concurrent withdrawal won) is withdrawn: nil.
func (s *Service) Withdraw(ctx context.Context, p *session.Principal, req Request) error {
	if err := p.In(req.WorkspaceID, ""); err != nil {
		return err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	if req.ConfirmName != p.Workspace.Name {
		return errs.E(errs.Invalid, "confirmName must be the workspace's name, exactly.")
	}
	if err := s.Login.Reauthenticate(ctx, p, req.Password, req.Locale); err != nil {
		return err
	}
	for range 5 {
		ws, seen, err := s.Store.Workspace(ctx, req.WorkspaceID)
		if err != nil {
			return err
		}
		switch {
		case ws.Status == domain.WorkspaceDeleting:
			return nil
		case ws.Status != domain.WorkspaceActive || ws.SuperAdminID != p.AccountID:
			// Changed since the call was authenticated (a delegation).
			return errs.E(errs.Forbidden, "Only the super admin can do this.")
		case ws.Name != req.ConfirmName:
			return errs.E(errs.Invalid, "confirmName must be the workspace's name, exactly.")
		}
		now := s.Clock.Now().Truncate(time.Microsecond)
		rec := &domain.Withdrawal{ID: domain.NewID(), RequestedAt: now}
		run, err := events.NewWithdrawn(events.Withdrawn{WorkspaceID: ws.ID, WithdrawalID: rec.ID}, now)
		if err != nil {
			return fmt.Errorf("withdrawal.Withdraw: %w", err)
		}
		confirm, err := events.NewMail(s.Sealer, mail.WorkspaceWithdrawn, req.Locale, p.Member.Email, mail.Data{
			Name: p.Member.Name, WorkspaceName: ws.Name, WorkspaceID: ws.ID, At: now,
		}, now)
		if err != nil {
			return fmt.Errorf("withdrawal.Withdraw: %w", err)
		}
		evs := []events.Event{run, confirm}
		err = s.Store.Withdraw(ctx, store.Withdrawal{WorkspaceID: ws.ID, WorkspaceSeen: seen, Record: rec, Events: evs})
		if errors.Is(err, store.ErrRaced) {
			continue // read again: a concurrent withdrawal, or another change
		}
		if err != nil {
			return err
		}
		s.Outbox.Dispatch(ctx, evs...)
		return nil
	}
	return store.ErrRaced
}

// RunBudget is how long one run of the job deletes before it hands the
// rest over to the next run; the job's lease (functions/withdrawal) is
// well above it.
const RunBudget = 20 * time.Second

// Run is the deletion job (topic workspace-withdrawn). A run deletes for
// up to RunBudget, then, if work is left, publishes the next run; the
// run that finds nothing left deletes the workspace's document and
// records the end. Each deletion is counted in the record in the same
// commit, under an Exists precondition, so a run redelivered after it
// died, or running beside another, resumes from what is left and counts
// nothing twice. A run of a workspace that is gone, or withdrawn under
// another ID, does nothing.
func (s *Service) Run(ctx context.Context, ev events.Event) error {
	log := logging.From(ctx)
	var w events.Withdrawn
	if err := ev.Decode(&w); err != nil || domain.CheckWorkspaceID(w.WorkspaceID) != nil || !domain.IsID(w.WithdrawalID) || w.Run < 0 {
		log.Error("dropping a malformed workspace-withdrawn event")
		return nil
	}
	ws, _, err := s.Store.Workspace(ctx, w.WorkspaceID)
	if errs.Is(err, errs.NotFound) {
		return nil // finished before
	}
	if err != nil {
		return fmt.Errorf("withdrawal.Run: %w", err)
	}
	if ws.Status != domain.WorkspaceDeleting || ws.WithdrawalID != w.WithdrawalID {
		return nil // another incarnation of the workspace ID
	}
	if _, err := s.Store.WithdrawalRecord(ctx, w.WithdrawalID); err != nil {
		if errs.Is(err, errs.NotFound) {
			log.Error("dropping a withdrawal without its record", "withdrawalId", w.WithdrawalID)
			return nil
		}
		return fmt.Errorf("withdrawal.Run: %w", err)
	}
	deadline := time.Now().Add(RunBudget)
	res, err := Delete(ctx, s.Store, Deletion{
		WorkspaceID: w.WorkspaceID, WithdrawalID: w.WithdrawalID, Run: w.Run, Now: s.Clock.Now(),
		AfterCommit: s.afterCommit,
		Spent:       func() bool { return time.Now().After(deadline) },
	})
	log = log.With("withdrawalId", w.WithdrawalID, "run", w.Run, "deleted", res.Deleted, "updated", res.Updated, "commits", res.Commits, "raced", res.Raced)
	if err != nil {
		return fmt.Errorf("withdrawal.Run: %w", err)
	}
	if !res.Done {
		next, err := events.NewWithdrawn(events.Withdrawn{WorkspaceID: w.WorkspaceID, WithdrawalID: w.WithdrawalID, Run: w.Run + 1}, s.Clock.Now())
		if err != nil {
			return fmt.Errorf("withdrawal.Run: %w", err)
		}
		if err := s.Outbox.Publisher.Publish(ctx, next); err != nil {
			return fmt.Errorf("withdrawal.Run: %w", err)
		}
		log.Info("withdrawal continues in the next run")
		return nil
	}
	if err := s.Store.FinishWithdrawal(ctx, w.WorkspaceID, w.WithdrawalID, w.Run, s.Clock.Now()); err != nil {
		return fmt.Errorf("withdrawal.Run: %w", err)
	}
	log.Info("withdrawal finished")
	return nil
}

// afterCommit is the crash hook (CrashAfter): after that many deletion
// commits, once per process, the run's request is aborted as if its
// instance died — no answer, its claim still leased.
func (s *Service) afterCommit() {
	if s.CrashAfter <= 0 || s.crashed.Load() {
		return
	}
	if s.commits.Add(1) >= int64(s.CrashAfter) && s.crashed.CompareAndSwap(false, true) {
		panic(http.ErrAbortHandler)
	}
}

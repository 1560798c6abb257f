// Package device is the approvers' side of new-device approval (F9): the
// job that asks the members who are online and the account's own trusted
// devices, deciding a request with its match code, nudging a member by
// e-mail, and a member's trusted devices.
package device

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/push"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service runs the approvers' side of F9.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Sealer events.Sealer
	MACer  interface {
		Equal(mac string, parts ...string) bool
	}
	Clock clock.Clock
	// Limiter keeps nudges within their rate per client IP.
	Limiter *ratelimit.Limiter
}

// Ask is the approval job (topic device-approval-requested): it sends a
// pending request to every active member of the workspace seen in the
// last domain.OnlineWindow, and to the account itself if it trusts any
// device, as a notification each. Its reads grow with the members online,
// not with the workspace; a notification that exists is not written again,
// so a redelivered event notifies nobody twice. The notifications are
// pushed to the devices of those asked (F19): a request pops up on a
// phone in a pocket too.
func (s *Service) Ask(ctx context.Context, ev events.Event) error {
	log := logging.From(ctx)
	var req events.ApprovalRequested
	if err := ev.Decode(&req); err != nil || !domain.IsID(req.ApprovalID) {
		log.Error("dropping an undecodable approval request", "error", fmt.Sprint(err))
		return nil
	}
	a, _, err := s.Store.Approval(ctx, req.ApprovalID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	if a.StatusAt(now) != domain.ApprovalPending {
		return nil // decided or expired: nobody to ask
	}
	asked, err := s.Store.Online(ctx, a.WorkspaceID, now.Add(-domain.OnlineWindow))
	if err != nil {
		return err
	}
	if !slices.Contains(asked, a.AccountID) {
		trusts, err := s.Store.HasTrustedDevice(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if trusts {
			asked = append(asked, a.AccountID)
		}
	}
	members, err := s.Store.ActiveMembers(ctx, a.WorkspaceID, asked)
	if err != nil {
		return err
	}
	notes := make([]*domain.Notification, len(members))
	for i, m := range members {
		notes[i] = domain.ApprovalNotification(a, m.AccountID, now)
	}
	n, err := s.Store.Notify(ctx, notes)
	if err != nil {
		return err
	}
	if err := push.Request(ctx, s.Outbox.Publisher, events.PushID(ev.ID), notes, now); err != nil {
		return err
	}
	log.Info("approval request sent", "asked", n)
	return nil
}

// Pending returns the pending requests the caller may decide, newest
// first: those they were asked to decide in their workspace, and their own
// account's from any workspace (every session is on a trusted device).
// It reads the requests still pending and no decided one: its cost grows
// with the requests pending in the workspace and the account's own, not
// with those decided in the last domain.ApprovalTTL.
func (s *Service) Pending(ctx context.Context, p *session.Principal) ([]*domain.Approval, error) {
	now := s.Clock.Now()
	var inWorkspace, own []*domain.Approval
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		inWorkspace, err = s.Store.PendingApprovalsIn(gctx, p.WorkspaceID, now)
		return err
	})
	g.Go(func() (err error) {
		own, err = s.Store.PendingApprovalsOf(gctx, p.AccountID, now)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	asked, err := s.askedOf(ctx, p, inWorkspace)
	if err != nil {
		return nil, err
	}
	out := []*domain.Approval{}
	seen := map[string]bool{}
	for _, a := range append(asked, own...) {
		if seen[a.ID] || a.StatusAt(now) != domain.ApprovalPending || a.DeviceID == p.DeviceID {
			continue
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *domain.Approval) int { return y.RequestedAt.Compare(x.RequestedAt) })
	return out, nil
}

// askedOf returns those of a workspace's requests the caller was asked to
// decide (has the notification of); their own account's need no
// notification, and are left to PendingApprovalsOf.
func (s *Service) askedOf(ctx context.Context, p *session.Principal, as []*domain.Approval) ([]*domain.Approval, error) {
	others := slices.DeleteFunc(slices.Clone(as), func(a *domain.Approval) bool { return a.AccountID == p.AccountID })
	ids := make([]string, len(others))
	for i, a := range others {
		ids[i] = a.ID
	}
	asked, err := s.Store.AskedOf(ctx, p.WorkspaceID, p.AccountID, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(others, func(a *domain.Approval) bool { return !asked[a.ID] }), nil
}

var (
	errNoRequest   = errs.E(errs.NotFound, "There is no such approval request.")
	errNotAsked    = errs.E(errs.Forbidden, "You were not asked to decide this request.")
	errDecided     = errs.E(errs.Conflict, "This request has already been decided.")
	errExpired     = errs.E(errs.Gone, "This request has expired.")
	errNoMatchCode = errs.E(errs.Invalid, "matchCode is required")
)

// Approve approves a request with the match code the new device shows.
// Each code is judged against the state it was read with, and the
// judgement is committed with a precondition on that state, so concurrent
// guesses are judged one after another: the domain.MaxWrongCodes-th wrong
// code denies the request. The approval is mailed to the account.
func (s *Service) Approve(ctx context.Context, p *session.Principal, id, matchCode string) error {
	if matchCode == "" || len(matchCode) > 32 {
		return errNoMatchCode
	}
	return s.decide(ctx, p, id, func(a *domain.Approval) (*events.Event, error) {
		now := s.Clock.Now()
		if !s.MACer.Equal(a.MatchCodeMAC, "match-code", a.ID, matchCode) {
			a.WrongCodes++
			if a.WrongCodes >= domain.MaxWrongCodes {
				a.Status, a.DecidedAt, a.DecidedBy = domain.ApprovalDenied, now, p.AccountID
			}
			return nil, errs.E(errs.InvalidCode, "The match code is not right.").
				With("remainingAttempts", max(domain.MaxWrongCodes-a.WrongCodes, 0))
		}
		a.Status, a.DecidedAt, a.DecidedBy = domain.ApprovalApproved, now, p.AccountID
		ev, err := events.NewMail(s.Sealer, mail.DeviceApproved, i18n.Parse(a.Locale), a.AccountEmail, mail.Data{
			Name: a.AccountName, WorkspaceName: p.Workspace.Name, WorkspaceID: a.WorkspaceID,
			DeviceName: a.Device.Name, Platform: a.Device.Platform, ApprovedBy: p.Member.Name, At: now,
		}, now)
		if err != nil {
			return nil, fmt.Errorf("device.Approve: %w", err)
		}
		return &ev, nil
	})
}

// Deny denies a request.
func (s *Service) Deny(ctx context.Context, p *session.Principal, id string) error {
	return s.decide(ctx, p, id, func(a *domain.Approval) (*events.Event, error) {
		a.Status, a.DecidedAt, a.DecidedBy = domain.ApprovalDenied, s.Clock.Now(), p.AccountID
		return nil, nil
	})
}

// decide applies a decision to a pending request the caller was asked to
// decide. judge changes the request and returns its event, if any, and an
// error to answer after the change is stored (a wrong code). A concurrent
// change makes it read and judge again.
func (s *Service) decide(ctx context.Context, p *session.Principal, id string, judge func(*domain.Approval) (*events.Event, error)) error {
	if !domain.IsID(id) {
		return errNoRequest
	}
	checked := false
	for range 5 {
		a, seen, err := s.request(ctx, id)
		if err != nil {
			return err
		}
		if !checked {
			if err := s.mayDecide(ctx, p, a); err != nil {
				return err
			}
			checked = true
		}
		switch a.StatusAt(s.Clock.Now()) {
		case domain.ApprovalExpired:
			return errExpired
		case domain.ApprovalApproved, domain.ApprovalDenied:
			return errDecided
		}
		ev, answer := judge(a)
		var evs []events.Event
		if ev != nil {
			evs = append(evs, *ev)
		} else if answer != nil && !errs.Is(answer, errs.InvalidCode) {
			return answer
		}
		err = s.Store.SaveApproval(ctx, a, seen, evs)
		if errors.Is(err, store.ErrRaced) {
			continue
		}
		if err != nil {
			return err
		}
		s.Outbox.Dispatch(ctx, evs...)
		return answer
	}
	return store.ErrRaced
}

// request reads an approval request; errNoRequest if there is none.
func (s *Service) request(ctx context.Context, id string) (*domain.Approval, time.Time, error) {
	a, seen, err := s.Store.Approval(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, errNoRequest
	}
	return a, seen, err
}

// mayDecide allows those asked, never on the requesting device: the
// account itself from any of its sessions (each is on a trusted device),
// and a member of the request's workspace with its notification.
func (s *Service) mayDecide(ctx context.Context, p *session.Principal, a *domain.Approval) error {
	if a.DeviceID == p.DeviceID {
		return errNotAsked
	}
	if a.AccountID == p.AccountID {
		return nil
	}
	if a.WorkspaceID != p.WorkspaceID {
		return errNotAsked
	}
	asked, err := s.Store.HasNotification(ctx, p.WorkspaceID, p.AccountID, domain.NotificationID(domain.NotifyDeviceApproval, a.ID))
	if err != nil {
		return err
	}
	if !asked {
		return errNotAsked
	}
	return nil
}

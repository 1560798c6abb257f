package device

import (
	"context"
	"errors"
	"fmt"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/push"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

var errNoMember = errs.E(errs.NotFound, "There is no such member in this workspace.")

// Nudge is "ask someone": the new device, with its poll token, has one
// named member of the workspace mailed to open workgate, and asks them to
// decide (their notification, pushed to their devices). Each member is mailed once per request, and
// at most domain.MaxNudges members per request. Every well-formed call
// counts against the rate of its client (clientIP), before anything is
// read: nobody holding poll tokens can mail members without bound.
func (s *Service) Nudge(ctx context.Context, id, pollToken, memberID, clientIP string, locale i18n.Locale) error {
	if !domain.IsID(id) || pollToken == "" || len(pollToken) > 128 {
		return errNoRequest
	}
	if memberID == "" {
		return errs.E(errs.Invalid, "memberId is required")
	}
	if !domain.IsID(memberID) {
		return errNoMember
	}
	if err := s.Limiter.Take(ctx, ratelimit.Use{Rule: ratelimit.NudgeIP, Key: clientIP}); err != nil {
		return err
	}
	for range 5 {
		a, seen, err := s.request(ctx, id)
		if err != nil {
			return err
		}
		if !s.MACer.Equal(a.PollTokenMAC, "poll-token", pollToken) {
			return errNoRequest
		}
		now := s.Clock.Now()
		switch a.StatusAt(now) {
		case domain.ApprovalExpired:
			return errExpired
		case domain.ApprovalApproved, domain.ApprovalDenied:
			return errDecided
		}
		if memberID == a.AccountID {
			return errs.E(errs.Invalid, "Ask another member: your own devices are asked already.")
		}
		m, err := s.Store.Membership(ctx, a.WorkspaceID, memberID)
		if err != nil {
			return err
		}
		if m.Member == nil || m.Member.Status != domain.MemberActive || m.Workspace == nil {
			return errNoMember
		}
		if a.Nudges >= domain.MaxNudges {
			again, err := s.Store.Nudged(ctx, a.ID, memberID)
			if err != nil || again {
				return err // asked already: once is enough
			}
			return &errs.Error{Kind: errs.RateLimited, Message: "Enough members were asked for this request.", RetryAfter: a.ExpiresAt.Sub(now)}
		}
		a.Nudges++
		ev, err := events.NewMail(s.Sealer, mail.Nudge, locale, m.Member.Email, mail.Data{
			Name: m.Member.Name, RequesterName: a.AccountName, WorkspaceName: m.Workspace.Name, WorkspaceID: a.WorkspaceID,
			DeviceName: a.Device.Name, Platform: a.Device.Platform, At: now,
		}, now)
		if err != nil {
			return fmt.Errorf("device.Nudge: %w", err)
		}
		note := domain.ApprovalNotification(a, memberID, now)
		pushEv, err := push.NewRequest("", []*domain.Notification{note}, now) // to the member's phone too (F19)
		if err != nil {
			return fmt.Errorf("device.Nudge: %w", err)
		}
		err = s.Store.Nudge(ctx, a, seen, note, []events.Event{ev, pushEv})
		switch {
		case errors.Is(err, store.ErrExists):
			return nil // asked already: once is enough
		case errors.Is(err, store.ErrRaced):
			continue
		case err != nil:
			return err
		}
		s.Outbox.Dispatch(ctx, ev, pushEv)
		return nil
	}
	return store.ErrRaced
}

// Devices returns the caller's trusted devices.
func (s *Service) Devices(ctx context.Context, p *session.Principal) ([]*domain.TrustedDevice, error) {
	return s.Store.TrustedDevices(ctx, p.AccountID)
}

// Revoke stops trusting one of the caller's devices: its sessions end at
// once, and its device token needs an approval again.
func (s *Service) Revoke(ctx context.Context, p *session.Principal, deviceID string) error {
	if !domain.IsID(deviceID) {
		return errs.E(errs.NotFound, "There is no such device.")
	}
	err := s.Store.RevokeDevice(ctx, p.AccountID, deviceID, s.Clock.Now())
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.NotFound, "There is no such device.")
	}
	return err
}

// Package delegation hands a workspace's super admin role over to another
// active member (F16): the super admin, re-entering their password, has a
// link valid 24 hours mailed to the member; accepting it with the member's
// own password makes them super admin, the former super admin an admin
// with every permission, and voids the recovery key.
package delegation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/session"
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
}

// PagePath is the path of a delegation link's page, before its token
// (the mailer builds the link, see mail.DelegationPage).
const PagePath = mail.DelegationPage

// maxToken bounds the tokens worth looking up (real ones have 22
// characters).
const maxToken = 128

var (
	errSelf     = errs.E(errs.Invalid, "You are the super admin already: choose another member.")
	errBadID    = errs.E(errs.Invalid, "toMemberId is not a member ID")
	errNoMember = errs.E(errs.NotFound, "There is no such active member in this workspace.")
	errGone     = errs.E(errs.Gone, "This delegation link has expired, has been used, or was replaced by a newer one.")
)

// Offer asks for a delegation: the member the role is offered to, and the
// super admin's password, re-entered.
type Offer struct {
	ToMemberID string
	Password   string
	Locale     i18n.Locale
}

// Offer mails an active member of the caller's workspace a link that makes
// them super admin, valid for domain.DelegationTTL. Only the super admin
// may, re-entering their password (judged under the lockout: 401, 423).
// The new link voids any older one. It returns the delegation stored.
func (s *Service) Offer(ctx context.Context, p *session.Principal, workspaceID string, o Offer) (*domain.Delegation, error) {
	if err := p.In(workspaceID, ""); err != nil {
		return nil, err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return nil, err
	}
	if !domain.IsID(o.ToMemberID) {
		return nil, errBadID
	}
	if o.ToMemberID == p.AccountID {
		return nil, errSelf
	}
	if _, err := s.activeMember(ctx, workspaceID, o.ToMemberID); err != nil {
		return nil, err
	}
	if err := s.Login.Reauthenticate(ctx, p, o.Password, o.Locale); err != nil {
		return nil, err
	}
	for range 3 {
		ws, wsSeen, err := s.Store.Workspace(ctx, workspaceID)
		if err != nil {
			return nil, err
		}
		// The session's view may be older than the password check: judge
		// the workspace as it is now, the state the commit is conditioned on.
		if ws.Status != domain.WorkspaceActive || ws.SuperAdminID != p.AccountID {
			return nil, errs.E(errs.Forbidden, "Only the super admin can do this.")
		}
		to, err := s.activeMember(ctx, workspaceID, o.ToMemberID)
		if err != nil {
			return nil, err
		}
		now := s.Clock.Now().Truncate(time.Microsecond)
		token := auth.NewToken()
		d := &domain.Delegation{
			TokenHash: auth.HashToken(token), WorkspaceID: workspaceID,
			FromAccountID: p.AccountID, FromName: p.Member.Name, ToAccountID: to.AccountID,
			CreatedAt: now, ExpiresAt: now.Add(domain.DelegationTTL), PurgeAt: now.Add(2 * domain.DelegationTTL),
		}
		ev, err := events.NewMail(s.Sealer, mail.Delegation, o.Locale, to.Email, mail.Data{
			Name: to.Name, FromName: d.FromName, WorkspaceName: ws.Name,
			Token: token, ExpiresAt: d.ExpiresAt,
		}, now)
		if err != nil {
			return nil, fmt.Errorf("delegation.Offer: %w", err)
		}
		err = s.Store.OfferDelegation(ctx, d, wsSeen, []events.Event{ev})
		if errors.Is(err, store.ErrRaced) {
			continue // the workspace changed: judge it again
		}
		if err != nil {
			return nil, err
		}
		s.Outbox.Dispatch(ctx, ev)
		return d, nil
	}
	return nil, store.ErrRaced
}

// activeMember returns a workspace's active member; errs.NotFound for
// anyone else (unknown, invited, deleted).
func (s *Service) activeMember(ctx context.Context, workspaceID, accountID string) (*domain.Member, error) {
	m, _, err := s.Store.Member(ctx, workspaceID, accountID)
	if errs.Is(err, errs.NotFound) || (err == nil && m.Status != domain.MemberActive) {
		return nil, errNoMember
	}
	return m, err
}

// Pending is a live delegation as its page shows it.
type Pending struct {
	WorkspaceName string
	WorkspaceLogo string
	FromName      string
	ToName        string
	// ToEmail is the login of the member it is offered to, whose password
	// accepts it (the page's hidden username, for password managers).
	ToEmail string
}

// Pending returns the delegation a link names if it can still be accepted;
// errs.Gone otherwise. It changes nothing (a page opened by GET).
func (s *Service) Pending(ctx context.Context, token string) (*Pending, error) {
	h, err := s.live(ctx, token)
	if err != nil {
		return nil, err
	}
	return &Pending{WorkspaceName: h.Workspace.Name, WorkspaceLogo: h.Workspace.LogoURL, FromName: h.From.Name, ToName: h.To.Name, ToEmail: h.To.Email}, nil
}

// live reads the delegation a token names and everything its acceptance
// depends on, and judges it: errs.Gone unless it is unused and unexpired,
// still the workspace's latest, the workspace active, its offerer still
// the super admin and the member it is offered to still active.
func (s *Service) live(ctx context.Context, token string) (*store.Handover, error) {
	if token == "" || len(token) > maxToken {
		return nil, errGone
	}
	h, err := s.Store.Handover(ctx, auth.HashToken(token))
	if errs.Is(err, errs.NotFound) {
		return nil, errGone
	}
	if err != nil {
		return nil, err
	}
	d, ws := h.Delegation, h.Workspace
	if !d.UsedAt.IsZero() {
		return nil, domain.LinkUsed(errGone)
	}
	switch {
	case !d.Live(s.Clock.Now()),
		ws == nil || ws.Status != domain.WorkspaceActive || ws.Delegation != d.TokenHash || ws.SuperAdminID != d.FromAccountID,
		h.To == nil || h.To.Status != domain.MemberActive,
		h.From == nil || h.From.Status != domain.MemberActive:
		return nil, errGone
	}
	return h, nil
}

// Accepted is the outcome of an acceptance.
type Accepted struct {
	WorkspaceID  string
	SuperAdminID string
}

// Accept consumes a delegation link: password is the password of the
// member it was offered to, judged under their lockout (401, 423). In one
// commit the member becomes super admin, the former super admin an admin
// with every permission, the recovery key is voided and both are mailed.
// Of any number of concurrent acceptances one succeeds; the others, like
// a link that is unknown, expired, used or superseded, get errs.Gone.
func (s *Service) Accept(ctx context.Context, token, password string, locale i18n.Locale) (*Accepted, error) {
	h, err := s.live(ctx, token)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Login.CheckPassword(ctx, h.To.Email, h.To.AccountID, password, locale); err != nil {
		return nil, err
	}
	for range 3 {
		now := s.Clock.Now().Truncate(time.Microsecond)
		if !h.Delegation.Live(now) {
			return nil, errGone // expired while the password was judged
		}
		evs, err := s.changedMails(h, locale, now)
		if err != nil {
			return nil, err
		}
		h.To.Role, h.To.Permissions = domain.RoleSuperAdmin, []string{}
		h.From.Role, h.From.Permissions = domain.RoleAdmin, []string{domain.PermAdminAccess, domain.PermMemberManagement}
		err = s.Store.AcceptDelegation(ctx, h, now, evs)
		if errors.Is(err, store.ErrRaced) {
			// Something changed since it was read (a concurrent
			// acceptance, a newer offer, a profile edit): judge it again.
			// The delegation names the same member, whose password was
			// judged.
			if h, err = s.live(ctx, token); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s.Outbox.Dispatch(ctx, evs...)
		return &Accepted{WorkspaceID: h.Delegation.WorkspaceID, SuperAdminID: h.To.AccountID}, nil
	}
	return nil, store.ErrRaced
}

// changedMails tells the new and the former super admin that the role
// moved.
func (s *Service) changedMails(h *store.Handover, locale i18n.Locale, now time.Time) ([]events.Event, error) {
	var evs []events.Event
	for _, m := range []*domain.Member{h.To, h.From} {
		ev, err := events.NewMail(s.Sealer, mail.SuperAdminChanged, locale, m.Email, mail.Data{
			Name: m.Name, WorkspaceName: h.Workspace.Name, FromName: h.From.Name, ToName: h.To.Name, At: now,
		}, now)
		if err != nil {
			return nil, fmt.Errorf("delegation.Accept: %w", err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

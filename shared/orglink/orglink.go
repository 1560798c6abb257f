// Package orglink is a workspace's organisation link (F17): on the
// standard plan or higher the super admin applies with an organisation
// name, ID and Korean business registration number; an operator approves
// or rejects it; the super admin names the login method shown on the
// organisation login screen (F6). It also holds the operators' other
// call, setting a workspace's plan.
package orglink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service runs the organisation link flows.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Sealer *auth.Sealer
	Clock  clock.Clock
}

// MaxName bounds an organisation's name and a login-method name, in
// characters.
const MaxName = 60

var (
	errNoLink       = errs.E(errs.NotFound, "This workspace has no organisation link.")
	errPlanRequired = errs.E(errs.PlanRequired, "An organisation link needs the standard plan or higher.")
	errApplied      = errs.E(errs.Conflict, "This workspace already has an organisation link, pending or active.")
	errOrgIDTaken   = errs.E(errs.Conflict, "This organisation ID is taken.")
	errInactive     = errs.E(errs.Forbidden, "This workspace is not active.")
)

// Application is a super admin's application for an organisation link.
type Application struct {
	OrgName        string
	OrgID          string
	BusinessNumber string
}

// check validates an application and returns it cleaned (the name
// trimmed). The organisation ID is taken as sent: an upper-case one is
// refused, not lower-cased.
func (a Application) check() (Application, error) {
	name, err := domain.CheckName("orgName", a.OrgName, MaxName)
	if err != nil {
		return Application{}, err
	}
	if err := domain.CheckOrgID(a.OrgID); err != nil {
		return Application{}, err
	}
	if err := domain.CheckBusinessNumber(a.BusinessNumber); err != nil {
		return Application{}, err
	}
	return Application{OrgName: name, OrgID: a.OrgID, BusinessNumber: a.BusinessNumber}, nil
}

// Apply applies for the caller's workspace's organisation link: 403 unless
// the caller is its super admin, 400 for a bad application, 403
// plan_required on the free plan, 409 when the workspace has a pending or
// active link or another link holds the organisation ID. A workspace whose
// link was rejected applies again: its rejected link is replaced (same
// ID) or deleted (another ID) in the same commit, and the login-method
// name set on it is kept.
func (s *Service) Apply(ctx context.Context, p *session.Principal, in Application) error {
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	in, err := in.check()
	if err != nil {
		return err
	}
	for range 3 {
		ws, wsSeen, err := s.Store.Workspace(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		if ws.Status != domain.WorkspaceActive {
			return errInactive
		}
		if ws.SuperAdminID != p.AccountID {
			return errs.E(errs.Forbidden, "Only the super admin can do this.")
		}
		if ws.Plan != domain.PlanStandard && ws.Plan != domain.PlanEnterprise {
			return errPlanRequired
		}
		now := s.Clock.Now().Truncate(time.Microsecond)
		a := store.OrgApplication{
			Link: &domain.OrgLink{
				OrgID: in.OrgID, WorkspaceID: ws.ID, OrgName: in.OrgName, BusinessNumber: in.BusinessNumber,
				Status: domain.OrgLinkPending, AppliedBy: p.AccountID, AppliedAt: now,
			},
			WorkspaceSeen: wsSeen,
		}
		if old, oldSeen, err := s.current(ctx, ws); err != nil {
			return err
		} else if old != nil {
			if old.Status != domain.OrgLinkRejected {
				return errApplied
			}
			a.Rejected, a.RejectedSeen = old, oldSeen
			a.Link.LoginMethodName = old.LoginMethodName
		}
		err = s.Store.ApplyOrgLink(ctx, a)
		if errors.Is(err, store.ErrExists) {
			return errOrgIDTaken
		}
		if errors.Is(err, store.ErrRaced) {
			continue // read the workspace and its link again
		}
		return err
	}
	return store.ErrRaced
}

// current returns the link a workspace names, with the update time it was
// read at, or nil if it names none that is its own.
func (s *Service) current(ctx context.Context, ws *domain.Workspace) (*domain.OrgLink, time.Time, error) {
	if ws.OrgID == "" {
		return nil, time.Time{}, nil
	}
	l, seen, err := s.Store.OrgLink(ctx, ws.OrgID)
	if errs.Is(err, errs.NotFound) || (err == nil && l.WorkspaceID != ws.ID) {
		return nil, time.Time{}, nil
	}
	return l, seen, err
}

// Get returns the caller's workspace's organisation link, in any status:
// 403 unless the caller is its super admin, 404 if it has none.
func (s *Service) Get(ctx context.Context, p *session.Principal) (*domain.OrgLink, error) {
	if err := p.RequireSuperAdmin(); err != nil {
		return nil, err
	}
	l, _, err := s.current(ctx, p.Workspace)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errNoLink
	}
	return l, nil
}

// SetLoginMethodName names the login method shown on the organisation
// login screen (1–60 characters), in any status of the link, and returns
// the link: 403 unless the caller is the super admin, 404 without a link.
func (s *Service) SetLoginMethodName(ctx context.Context, p *session.Principal, name string) (*domain.OrgLink, error) {
	if err := p.RequireSuperAdmin(); err != nil {
		return nil, err
	}
	name, err := domain.CheckName("loginMethodName", name, MaxName)
	if err != nil {
		return nil, err
	}
	for range 3 {
		l, seen, err := s.current(ctx, p.Workspace)
		if err != nil {
			return nil, err
		}
		if l == nil {
			return nil, errNoLink
		}
		err = s.Store.SetLoginMethodName(ctx, l.OrgID, name, seen)
		if errors.Is(err, store.ErrRaced) {
			continue // decided or renamed meanwhile: answer with the new state
		}
		if err != nil {
			return nil, err
		}
		l.LoginMethodName = name
		return l, nil
	}
	return nil, store.ErrRaced
}

var errNoWorkspace = errs.E(errs.NotFound, "There is no such workspace.")

// Plans are the plans an operator may set.
var Plans = []string{domain.PlanFree, domain.PlanStandard, domain.PlanEnterprise}

// SetPlan sets a workspace's plan (an operator's call): 400 for an unknown
// plan, 404 unless the workspace exists and is active.
func (s *Service) SetPlan(ctx context.Context, workspaceID, plan string) error {
	if !slices.Contains(Plans, plan) {
		return errs.E(errs.Invalid, "plan must be one of free, standard, enterprise")
	}
	if domain.CheckWorkspaceID(workspaceID) != nil {
		return errNoWorkspace
	}
	for range 3 {
		ws, seen, err := s.Store.Workspace(ctx, workspaceID)
		if errs.Is(err, errs.NotFound) || (err == nil && ws.Status != domain.WorkspaceActive) {
			return errNoWorkspace
		}
		if err != nil {
			return err
		}
		if ws.Plan == plan {
			return nil
		}
		err = s.Store.SetPlan(ctx, workspaceID, plan, seen)
		if errors.Is(err, store.ErrRaced) {
			continue
		}
		if errs.Is(err, errs.NotFound) {
			return errNoWorkspace
		}
		return err
	}
	return store.ErrRaced
}

var errNoOrg = errs.E(errs.NotFound, "There is no such organisation link.")

// Decide approves (status active) or rejects (status rejected) a pending
// organisation link, an operator's call, and mails the workspace's super
// admin. Deciding a link again the same way changes nothing and succeeds;
// the other way (rejecting an active link, approving a rejected one) is
// 409. 404 for an unknown link, or one whose workspace is gone or no
// longer active.
func (s *Service) Decide(ctx context.Context, orgID string, approve bool) (string, error) {
	status := domain.OrgLinkRejected
	if approve {
		status = domain.OrgLinkActive
	}
	if domain.CheckOrgID(orgID) != nil {
		return "", errNoOrg
	}
	for range 3 {
		l, seen, err := s.Store.OrgLink(ctx, orgID)
		if errs.Is(err, errs.NotFound) {
			return "", errNoOrg
		}
		if err != nil {
			return "", err
		}
		switch l.Status {
		case status:
			return status, nil
		case domain.OrgLinkPending:
		default:
			return "", errs.Errorf(errs.Conflict, "This organisation link is %s already.", l.Status)
		}
		ws, _, err := s.Store.Workspace(ctx, l.WorkspaceID)
		if errs.Is(err, errs.NotFound) || (err == nil && (ws.Status != domain.WorkspaceActive || ws.OrgID != l.OrgID)) {
			return "", errNoOrg
		}
		if err != nil {
			return "", err
		}
		admin, _, err := s.Store.Member(ctx, ws.ID, ws.SuperAdminID)
		if err != nil {
			return "", err
		}
		now := s.Clock.Now().Truncate(time.Microsecond)
		// The operator's language is not the super admin's: the mail is in
		// the product's default language.
		ev, err := events.NewMail(s.Sealer, mail.OrgLinkDecided, i18n.Default, admin.Email, mail.Data{
			Name: admin.Name, WorkspaceName: ws.Name, OrgID: l.OrgID, OrgName: l.OrgName, Status: status,
		}, now)
		if err != nil {
			return "", fmt.Errorf("orglink.Decide: %w", err)
		}
		err = s.Store.DecideOrgLink(ctx, orgID, status, now, seen, []events.Event{ev})
		if errors.Is(err, store.ErrRaced) {
			continue // decided (or renamed) meanwhile: judge the new state
		}
		if err != nil {
			return "", err
		}
		s.Outbox.Dispatch(ctx, ev)
		return status, nil
	}
	return "", store.ErrRaced
}

package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Organisation links (F17) and the operators' plan changes. A link is
// stored at orgLinks/{orgId}, so an organisation ID is unique because it
// is a document's ID; the workspace names its link (Workspace.OrgID).
const colOrgLinks = "orgLinks"

func (s *Store) orgLinkRef(orgID string) *firestore.DocumentRef {
	return s.fs.Collection(colOrgLinks).Doc(docID(orgID))
}

// OrgLink returns an organisation link and the update time it was read
// at; errs.NotFound if there is none.
func (s *Store) OrgLink(ctx context.Context, orgID string) (*domain.OrgLink, time.Time, error) {
	var l domain.OrgLink
	t, err := s.get(ctx, s.orgLinkRef(orgID), &l)
	if err != nil {
		return nil, time.Time{}, wrap("store.OrgLink", err)
	}
	return &l, t, nil
}

// OrgApplication is a workspace's application for an organisation link.
type OrgApplication struct {
	// Link is the new link, pending.
	Link *domain.OrgLink
	// WorkspaceSeen is the update time of the workspace as read: the
	// workspace names the link only if it is unchanged since.
	WorkspaceSeen time.Time
	// Rejected, if set, is the workspace's rejected link, read at
	// RejectedSeen: the application replaces it if it has the same
	// organisation ID, and deletes it otherwise.
	Rejected     *domain.OrgLink
	RejectedSeen time.Time
}

// orgLinkFields lists every field of a link, to replace one that exists
// under a precondition, which a Set cannot carry.
func orgLinkFields(l *domain.OrgLink) []firestore.Update {
	return []firestore.Update{
		{Path: "orgId", Value: l.OrgID},
		{Path: "workspaceId", Value: l.WorkspaceID},
		{Path: "orgName", Value: l.OrgName},
		{Path: "businessNumber", Value: l.BusinessNumber},
		{Path: "status", Value: l.Status},
		{Path: "loginMethodName", Value: l.LoginMethodName},
		{Path: "appliedBy", Value: l.AppliedBy},
		{Path: "appliedAt", Value: l.AppliedAt},
		{Path: "decidedAt", Value: l.DecidedAt},
	}
}

// ApplyOrgLink commits an application in one write: the link is created
// (or replaces the workspace's rejected link of the same ID, or that
// rejected link is deleted), and the workspace names it. ErrExists if
// another link holds the organisation ID; ErrRaced if the workspace or
// its rejected link changed since they were read.
func (s *Store) ApplyOrgLink(ctx context.Context, a OrgApplication) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		ref := s.orgLinkRef(a.Link.OrgID)
		switch {
		case a.Rejected != nil && a.Rejected.OrgID == a.Link.OrgID:
			if err := tx.Update(ref, orgLinkFields(a.Link), firestore.LastUpdateTime(a.RejectedSeen)); err != nil {
				return err
			}
		default:
			if err := tx.Create(ref, a.Link); err != nil {
				return err
			}
			if a.Rejected != nil {
				if err := tx.Delete(s.orgLinkRef(a.Rejected.OrgID), firestore.LastUpdateTime(a.RejectedSeen)); err != nil {
					return err
				}
			}
		}
		return tx.Update(s.fs.Collection(colWorkspaces).Doc(a.Link.WorkspaceID),
			[]firestore.Update{{Path: "orgId", Value: a.Link.OrgID}}, firestore.LastUpdateTime(a.WorkspaceSeen))
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.AlreadyExists:
		return ErrExists
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.ApplyOrgLink", err)
}

// SetLoginMethodName stores the login-method name of a link, if the link
// is unchanged since it was read at seen; ErrRaced otherwise.
func (s *Store) SetLoginMethodName(ctx context.Context, orgID, name string, seen time.Time) error {
	_, err := s.orgLinkRef(orgID).Update(ctx, []firestore.Update{{Path: "loginMethodName", Value: name}}, firestore.LastUpdateTime(seen))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.SetLoginMethodName", err)
}

// DecideOrgLink stores an operator's decision on a link (its status and
// when it was decided) with its events, if the link is unchanged since it
// was read at seen; ErrRaced otherwise.
func (s *Store) DecideOrgLink(ctx context.Context, orgID, status string, at, seen time.Time, evs []events.Event) error {
	updates := []firestore.Update{{Path: "status", Value: status}, {Path: "decidedAt", Value: at}}
	return wrap("store.DecideOrgLink", s.updateUnchanged(ctx, s.orgLinkRef(orgID), updates, seen, evs))
}

// SetPlan stores a workspace's plan, if the workspace is unchanged since
// it was read at seen; ErrRaced if it changed, errs.NotFound if it is
// gone.
func (s *Store) SetPlan(ctx context.Context, workspaceID, plan string, seen time.Time) error {
	_, err := s.fs.Collection(colWorkspaces).Doc(workspaceID).Update(ctx, []firestore.Update{{Path: "plan", Value: plan}}, firestore.LastUpdateTime(seen))
	switch code(err) {
	case codes.FailedPrecondition:
		return ErrRaced
	case codes.NotFound:
		return errs.E(errs.NotFound, "workspace not found")
	}
	return wrap("store.SetPlan", err)
}

// ActiveMembersByLoginPhone returns up to limit active members of a
// workspace whose login phone number (E.164, the one an admin registered)
// is phone: an organisation login by phone number (F6) finds its member
// with it. The number members put in their profiles plays no part.
func (s *Store) ActiveMembersByLoginPhone(ctx context.Context, workspaceID, phone string, limit int) ([]*domain.Member, error) {
	q := s.fs.Collection(colWorkspaces).Doc(workspaceID).Collection(colMembers).
		Where("loginPhone", "==", phone).Where("status", "==", domain.MemberActive).
		Select("accountId", "email", "status", "loginPhone").Limit(limit)
	out, err := queried[domain.Member](ctx, q)
	return out, wrap("store.ActiveMembersByLoginPhone", err)
}

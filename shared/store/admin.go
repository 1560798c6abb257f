package store

import (
	"context"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
)

// A workspace's settings and members as its admins manage them (F15).

// UpdateWorkspace stores a workspace's name, logo, colour and external
// chat setting, if the workspace is unchanged since it was read at seen;
// ErrRaced if it changed (the caller reads again, so that it answers with
// the state it wrote).
func (s *Store) UpdateWorkspace(ctx context.Context, ws *domain.Workspace, seen time.Time) error {
	_, err := s.fs.Collection(colWorkspaces).Doc(ws.ID).Update(ctx, []firestore.Update{
		{Path: "name", Value: ws.Name},
		{Path: "logoUrl", Value: ws.LogoURL},
		{Path: "color", Value: ws.Color},
		{Path: "colorTone", Value: ws.ColorTone},
		{Path: "externalChatAllowed", Value: ws.ExternalChatAllowed},
	}, firestore.LastUpdateTime(seen))
	switch code(err) {
	case codes.FailedPrecondition:
		return ErrRaced
	case codes.NotFound:
		return errs.E(errs.NotFound, "workspace not found")
	}
	return wrap("store.UpdateWorkspace", err)
}

// SetProfileFields replaces a workspace's profile-field settings (F11).
// The settings are one value, replaced whole, so no precondition is
// needed: of two concurrent changes the last one stands.
func (s *Store) SetProfileFields(ctx context.Context, workspaceID string, f domain.ProfileFields) error {
	_, err := s.fs.Collection(colWorkspaces).Doc(workspaceID).Update(ctx, []firestore.Update{{Path: "profileFields", Value: f}})
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "workspace not found")
	}
	return wrap("store.SetProfileFields", err)
}

// MemberCursor is where a page of the member list starts: after the
// member with this sort key and account ID.
type MemberCursor struct {
	SortKey   string
	AccountID string
}

// MemberList asks for a page of a workspace's member list: its active and
// invited members, by sort key, then by account ID.
type MemberList struct {
	WorkspaceID string
	// Key, if set, keeps only the members whose search keys hold it.
	Key string
	// Emails says whether the caller may see e-mail addresses: the search
	// then also matches them (adminSearchKeys), and the addresses are
	// read. Otherwise they are not even read.
	Emails bool
	// After, if set, is the last member of the previous page.
	After *MemberCursor
	Limit int
}

// memberListFields are the fields a member list reads; the search keys,
// which make most of a member document, are left out.
var memberListFields = []string{"accountId", "name", "department", "role", "permissions", "status", "sortKey"}

// MemberPage returns a page of the member list, in one query whatever the
// workspace's size (the indexes are declared in infra/topology.yaml).
func (s *Store) MemberPage(ctx context.Context, l MemberList) ([]*domain.Member, error) {
	q := s.fs.Collection(colWorkspaces).Doc(l.WorkspaceID).Collection(colMembers).
		Where("status", "in", []string{domain.MemberActive, domain.MemberInvited})
	fields := memberListFields
	if l.Emails {
		fields = append(slices.Clip(fields), "email")
	}
	if l.Key != "" {
		keys := "searchKeys"
		if l.Emails {
			keys = "adminSearchKeys"
		}
		q = q.Where(keys, "array-contains", l.Key)
	}
	q = q.OrderBy("sortKey", firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
	if l.After != nil {
		q = q.StartAfter(l.After.SortKey, l.After.AccountID)
	}
	out, err := queried[domain.Member](ctx, q.Select(fields...).Limit(l.Limit))
	return out, wrap("store.MemberPage", err)
}

// SetRole stores a member's role and permissions, if the membership is
// unchanged since it was read at seen; ErrRaced if it changed.
func (s *Store) SetRole(ctx context.Context, m *domain.Member, seen time.Time) error {
	_, err := s.member(m.WorkspaceID, m.AccountID).Update(ctx, roleFields(m), firestore.LastUpdateTime(seen))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.SetRole", err)
}

// roleFields are the fields of a membership that a role change writes
// (SetRole, a delegation): the search keys derive from the name and
// address only.
func roleFields(m *domain.Member) []firestore.Update {
	perms := m.Permissions
	if perms == nil {
		perms = []string{}
	}
	return []firestore.Update{{Path: "role", Value: m.Role}, {Path: "permissions", Value: perms}}
}

// maxRevokedWithDeletion bounds the sessions a deletion revokes in its own
// commit (a commit holds at most 500 writes); RevokeSessions, run after
// it, ends any others.
const maxRevokedWithDeletion = 400

// DeleteMember marks a member deleted (m carries DeletedAt and DeletedBy),
// if the membership is unchanged since it was read at seen; ErrRaced if it
// changed. The same commit revokes the member's live sessions in the
// workspace and deletes their presence, so a deleted member never keeps a
// session that would work again were they to rejoin. A session created by
// a login racing the deletion is not in it: the caller runs
// RevokeSessions after.
func (s *Store) DeleteMember(ctx context.Context, m *domain.Member, seen time.Time) error {
	sessions, err := s.activeSessions(ctx, m.AccountID, "workspaceId", m.WorkspaceID)
	if err != nil {
		return wrap("store.DeleteMember", err)
	}
	sessions = sessions[:min(len(sessions), maxRevokedWithDeletion)]
	err = s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.member(m.WorkspaceID, m.AccountID), []firestore.Update{
			{Path: "status", Value: domain.MemberDeleted},
			{Path: "deletedAt", Value: m.DeletedAt},
			{Path: "deletedBy", Value: m.DeletedBy},
		}, firestore.LastUpdateTime(seen)); err != nil {
			return err
		}
		for _, ref := range sessions {
			if err := tx.Update(ref, revoke(domain.RevokedMember, m.DeletedAt)); err != nil {
				return err
			}
		}
		return tx.Delete(s.presence(m.WorkspaceID, m.AccountID))
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		// The membership changed, or a session was purged since the
		// query: read again.
		return ErrRaced
	}
	return wrap("store.DeleteMember", err)
}

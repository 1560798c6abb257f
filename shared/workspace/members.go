package workspace

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Page sizes of the member list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// MemberQuery asks for one page of the member list, as the client sends
// it: a search text, a page size and the previous page's token, each
// optional.
type MemberQuery struct {
	Q         string
	PageSize  string
	PageToken string
}

// MemberPage is one page of the member list.
type MemberPage struct {
	Members []*domain.Member
	// NextPageToken asks for the next page; "" on the last page.
	NextPageToken string
	// Emails says whether the caller may see the members' e-mail
	// addresses (only then were they read).
	Emails bool
}

// Members returns a page of the caller's workspace's active and invited
// members, by name. A search text keeps the members whose name holds it
// (or starts with it, past 10 characters); for the super admin and admins
// with member_management, whose page shows e-mail addresses, also the
// members whose address starts with it.
//
// A page costs one query of pageSize+1 documents whatever the workspace's
// size: the one more tells whether a next page exists. The page token is
// the last member's position (sort key, account ID), so a page never
// repeats or skips a member that did not change meanwhile.
func (s *Service) Members(ctx context.Context, p *session.Principal, q MemberQuery) (*MemberPage, error) {
	size, err := pageSize(q.PageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor(q.PageToken)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(q.Q) {
		return nil, errs.E(errs.Invalid, "q must be UTF-8 text")
	}
	emails := p.Member.Can(domain.PermMemberManagement)
	ms, err := s.Store.MemberPage(ctx, store.MemberList{
		WorkspaceID: p.WorkspaceID, Key: domain.SearchKey(q.Q), Emails: emails, After: after, Limit: size + 1,
	})
	if err != nil {
		return nil, err
	}
	page := &MemberPage{Members: ms, Emails: emails}
	if len(ms) > size {
		page.Members = ms[:size]
		last := ms[size-1]
		page.NextPageToken = encodeCursor(store.MemberCursor{SortKey: last.SortKey, AccountID: last.AccountID})
	}
	return page, nil
}

// pageSize reads a page size: DefaultPageSize if absent, at most
// MaxPageSize.
func pageSize(s string) (int, error) {
	if s == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errs.Errorf(errs.Invalid, "pageSize must be a whole number from 1 to %d", MaxPageSize)
	}
	return min(n, MaxPageSize), nil
}

// encodeCursor makes the opaque page token of a position in the list.
func encodeCursor(c store.MemberCursor) string { return domain.PageToken(c.SortKey, c.AccountID) }

// decodeCursor reads a page token; nil if there is none.
func decodeCursor(token string) (*store.MemberCursor, error) {
	if token == "" {
		return nil, nil
	}
	key, id, err := domain.ParsePageToken(token)
	if err != nil {
		return nil, err
	}
	return &store.MemberCursor{SortKey: key, AccountID: id}, nil
}

var (
	errNoMember       = errs.E(errs.NotFound, "There is no such member in this workspace.")
	errSuperAdminRole = errs.E(errs.Forbidden, "The super admin's role changes only by delegation to another member.")
	errDeleteSuper    = errs.E(errs.Forbidden, "The super admin cannot be deleted.")
	errDeleteSelf     = errs.E(errs.Forbidden, "A member cannot leave the workspace on their own: an admin deletes them.")
)

// member returns a member of a workspace who is not deleted, and the
// update time it was read at; errNoMember if there is none.
func (s *Service) member(ctx context.Context, workspaceID, memberID string) (*domain.Member, time.Time, error) {
	if !domain.IsID(memberID) {
		return nil, time.Time{}, errNoMember
	}
	m, seen, err := s.Store.Member(ctx, workspaceID, memberID)
	if errs.Is(err, errs.NotFound) || (err == nil && m.Status == domain.MemberDeleted) {
		return nil, time.Time{}, errNoMember
	}
	return m, seen, err
}

// superAdmin reports whether m is the super admin of ws (by either
// record, so that a target is protected if either says so).
func superAdmin(m *domain.Member, ws *domain.Workspace) bool {
	return m.Role == domain.RoleSuperAdmin || m.AccountID == ws.SuperAdminID
}

// RoleChange is a member's new role and permissions.
type RoleChange struct {
	Role string
	// Permissions is required: an empty list for none.
	Permissions []string
}

// checked returns the change with its permissions in a fixed order, or
// what is wrong with it.
func (c RoleChange) checked() (RoleChange, error) {
	if c.Role != domain.RoleAdmin && c.Role != domain.RoleMember {
		return c, errs.E(errs.Invalid, "role must be admin or member")
	}
	if c.Permissions == nil {
		return c, errs.E(errs.Invalid, "permissions is required (an empty list for none)")
	}
	all := []string{domain.PermAdminAccess, domain.PermMemberManagement}
	held := map[string]bool{}
	for _, perm := range c.Permissions {
		if !slices.Contains(all, perm) {
			return c, errs.Errorf(errs.Invalid, "permissions may hold only %s and %s", domain.PermAdminAccess, domain.PermMemberManagement)
		}
		if held[perm] {
			return c, errs.Errorf(errs.Invalid, "permissions holds %s twice", perm)
		}
		held[perm] = true
	}
	if c.Role == domain.RoleMember && len(held) > 0 {
		return c, errs.E(errs.Invalid, "a member holds no permissions: make them an admin")
	}
	out := RoleChange{Role: c.Role, Permissions: []string{}}
	for _, perm := range all {
		if held[perm] {
			out.Permissions = append(out.Permissions, perm)
		}
	}
	return out, nil
}

// SetRole makes a member an admin with permissions, or a plain member,
// and returns the membership after the change. Only the super admin may,
// and not for themselves: the super admin changes only by delegation
// (F16). The change takes effect on the member's next call, since every
// call reads the membership.
func (s *Service) SetRole(ctx context.Context, p *session.Principal, memberID string, c RoleChange) (*domain.Member, error) {
	if err := p.RequireSuperAdmin(); err != nil {
		return nil, err
	}
	c, err := c.checked()
	if err != nil {
		return nil, err
	}
	for range 3 {
		m, seen, err := s.member(ctx, p.WorkspaceID, memberID)
		if err != nil {
			return nil, err
		}
		if superAdmin(m, p.Workspace) {
			return nil, errSuperAdminRole
		}
		unchanged := m.Role == c.Role && slices.Equal(m.Permissions, c.Permissions)
		m.Role, m.Permissions = c.Role, c.Permissions
		if unchanged {
			return m, nil
		}
		err = s.Store.SetRole(ctx, m, seen)
		if errors.Is(err, store.ErrRaced) {
			continue // the membership changed: judge it again
		}
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, store.ErrRaced
}

// DeleteMember deletes a member of the caller's workspace: the membership
// turns deleted (kept, so the address can be registered or invited
// again), and the member's sessions in the workspace end at once. Neither
// the super admin nor the caller themselves can be deleted.
func (s *Service) DeleteMember(ctx context.Context, p *session.Principal, memberID string) error {
	if memberID == p.AccountID {
		return errDeleteSelf
	}
	for range 3 {
		m, seen, err := s.member(ctx, p.WorkspaceID, memberID)
		if err != nil {
			return err
		}
		if superAdmin(m, p.Workspace) {
			return errDeleteSuper
		}
		now := s.Clock.Now()
		m.Status, m.DeletedAt, m.DeletedBy = domain.MemberDeleted, now, p.AccountID
		err = s.Store.DeleteMember(ctx, m, seen)
		if errors.Is(err, store.ErrRaced) {
			continue
		}
		if err != nil {
			return err
		}
		// The deletion revoked the sessions it found; a login racing it
		// may have made one since, refused by every call (the membership
		// is deleted) but ended here too, so that it stays ended if the
		// member ever rejoins.
		return s.Store.RevokeSessions(ctx, m.AccountID, "workspaceId", p.WorkspaceID, domain.RevokedMember, now)
	}
	return store.ErrRaced
}

// Package contacts keeps a member's contacts outside their workspace:
// external members added through a profile link or added back (F12), the
// notification that tells a member someone added them, and blocks (F13).
// Contacts belong to a membership; blocks hold against the account,
// whatever workspace it acts from.
package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/profile"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service is a member's contacts.
type Service struct {
	Store    *store.Store
	Outbox   *bus.Outbox
	Clock    clock.Clock
	Profiles *profile.Service
}

var (
	errSameWorkspace = errs.E(errs.SameWorkspace, "This member is in your own workspace already.")
	errNotAdder      = errs.E(errs.NotFound, "This member has not added you.")
	errUnknown       = errs.E(errs.NotFound, "You know no such member from another workspace.")
)

// Added is an external member just added, with their name as their
// workspace shows it.
type Added struct {
	MemberID, Name string
}

// AddByLink adds the owner of a profile link to the caller's external
// members; a one-time link is used up in the same commit.
func (s *Service) AddByLink(ctx context.Context, p *session.Principal, token string) (*Added, error) {
	sh, err := s.Profiles.OpenAs(ctx, p, token)
	if err != nil {
		return nil, err
	}
	if sh.Colleague {
		return nil, errSameWorkspace
	}
	var link *domain.ProfileLink
	if sh.Link.Type == domain.LinkOneTime {
		link = sh.Link
	}
	return s.add(ctx, p, sh.Relation, sh.Owner, link, sh.LinkSeen)
}

// AddBack adds to the caller's external members someone who added them.
func (s *Service) AddBack(ctx context.Context, p *session.Principal, memberID string) (*Added, error) {
	if !domain.IsID(memberID) {
		return nil, errNotAdder
	}
	rel, err := s.Store.Relation(ctx, p.WorkspaceID, p.AccountID, memberID)
	if err != nil {
		return nil, fmt.Errorf("contacts.AddBack: %w", err)
	}
	if rel.Adder == nil {
		return nil, errNotAdder
	}
	if rel.Colleague() {
		return nil, errSameWorkspace
	}
	adder, err := s.Store.Counterpart(ctx, rel.Adder.WorkspaceID, memberID, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("contacts.AddBack: %w", err)
	}
	if !adder.Active() {
		return nil, errNotAdder
	}
	if err := profile.Reachable(p, rel, adder); err != nil {
		return nil, err
	}
	return s.add(ctx, p, rel, adder, nil, time.Time{})
}

// add commits an addition the rules allow: the caller's entry, the record
// on the other side that lets them add the caller back, the use of a
// one-time link, and the event that tells them.
func (s *Service) add(ctx context.Context, p *session.Principal, rel *store.Relation, other *store.Counterpart, link *domain.ProfileLink, linkSeen time.Time) (*Added, error) {
	if rel.External != nil {
		return nil, errs.E(errs.Conflict, "This member is already one of your external members.")
	}
	now := s.Clock.Now()
	m := other.Member
	ev, err := events.NewMemberAdded(events.MemberAdded{
		AdditionID: domain.NewID(), WorkspaceID: m.WorkspaceID, MemberID: m.AccountID,
		AdderWorkspaceID: p.WorkspaceID, AdderID: p.AccountID,
	}, now)
	if err != nil {
		return nil, fmt.Errorf("contacts.add: %w", err)
	}
	err = s.Store.AddExternalMember(ctx, store.Addition{
		AdderWorkspaceID: p.WorkspaceID, AdderID: p.AccountID,
		Entry:  &domain.ExternalMember{MemberID: m.AccountID, WorkspaceID: m.WorkspaceID, Name: m.Name, AddedAt: now},
		Record: &domain.Adder{MemberID: p.AccountID, WorkspaceID: p.WorkspaceID, Name: p.Member.Name, AddedAt: now},
		Link:   link, LinkSeen: linkSeen, Event: ev,
	})
	if err != nil {
		return nil, err
	}
	s.Outbox.Dispatch(ctx, ev)
	return &Added{MemberID: m.AccountID, Name: other.Workspace.ProfileFields.DisplayName(m)}, nil
}

// External is an external member as the list shows them: the name as
// their workspace shows it now (or as it was when added, if they have
// left), and their workspace.
type External struct {
	MemberID, Name             string
	WorkspaceID, WorkspaceName string
}

// Externals returns the caller's external members, oldest first.
func (s *Service) Externals(ctx context.Context, p *session.Principal) ([]External, error) {
	entries, err := s.Store.ExternalMembers(ctx, p.WorkspaceID, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("contacts.Externals: %w", err)
	}
	refs := make([]store.MemberRef, len(entries))
	for i, e := range entries {
		refs[i] = store.MemberRef{WorkspaceID: e.WorkspaceID, AccountID: e.MemberID}
	}
	now, err := s.Store.Counterparts(ctx, refs, "")
	if err != nil {
		return nil, fmt.Errorf("contacts.Externals: %w", err)
	}
	out := make([]External, len(entries))
	for i, e := range entries {
		out[i] = External{MemberID: e.MemberID, Name: e.Name, WorkspaceID: e.WorkspaceID}
		if c := now[e.MemberID]; c != nil && c.Workspace != nil {
			out[i].WorkspaceName = c.Workspace.Name
			if c.Member != nil {
				out[i].Name = c.Workspace.ProfileFields.DisplayName(c.Member)
			}
		}
	}
	return out, nil
}

// Remove removes one of the caller's external members.
func (s *Service) Remove(ctx context.Context, p *session.Principal, memberID string) error {
	if !domain.IsID(memberID) {
		return errUnknown
	}
	return s.Store.RemoveExternalMember(ctx, p.WorkspaceID, p.AccountID, memberID)
}

// Block blocks a member of another workspace the caller knows (an external
// member, or someone who added them), and removes them from the caller's
// external members in the same commit. A colleague, or the caller, is
// errs.CannotBlockMember.
func (s *Service) Block(ctx context.Context, p *session.Principal, memberID string) (*domain.Block, error) {
	if !domain.IsID(memberID) {
		return nil, errUnknown
	}
	rel, err := s.Store.Relation(ctx, p.WorkspaceID, p.AccountID, memberID)
	if err != nil {
		return nil, fmt.Errorf("contacts.Block: %w", err)
	}
	if rel.Colleague() {
		return nil, errs.E(errs.CannotBlockMember, "Members of your own workspace cannot be blocked.")
	}
	if rel.Block != nil {
		return nil, errs.E(errs.Conflict, "This member is blocked already.")
	}
	// As Firestore keeps it: the answer and the list show the same time.
	b := &domain.Block{MemberID: memberID, BlockedAt: s.Clock.Now().Truncate(time.Microsecond)}
	switch {
	case rel.External != nil:
		b.WorkspaceID, b.Name = rel.External.WorkspaceID, rel.External.Name
	case rel.Adder != nil:
		b.WorkspaceID, b.Name = rel.Adder.WorkspaceID, rel.Adder.Name
	default:
		return nil, errUnknown
	}
	if err := s.Store.Block(ctx, p.WorkspaceID, p.AccountID, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Blocks returns the members the caller blocked, newest first.
func (s *Service) Blocks(ctx context.Context, p *session.Principal) ([]*domain.Block, error) {
	return s.Store.Blocks(ctx, p.WorkspaceID, p.AccountID)
}

// Unblock lifts the caller's block of a member, who can be added again at
// once.
func (s *Service) Unblock(ctx context.Context, p *session.Principal, memberID string) error {
	if !domain.IsID(memberID) {
		return errs.E(errs.NotFound, "This member is not blocked.")
	}
	return s.Store.Unblock(ctx, p.WorkspaceID, p.AccountID, memberID)
}

package store

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

func (s *Store) contact(col, workspaceID, accountID, otherID string) *firestore.DocumentRef {
	return s.member(workspaceID, accountID).Collection(col).Doc(docID(otherID))
}

// Relation is how one member (the viewer) stands to another account, from
// the viewer's side: the other's membership of the viewer's workspace, the
// viewer's external-member entry of them, their record of having added the
// viewer, and the viewer's block of them. Each is nil when there is none.
type Relation struct {
	Member   *domain.Member
	External *domain.ExternalMember
	Adder    *domain.Adder
	Block    *domain.Block
}

// Relation reads, in one round trip, how the member accountID of
// workspaceID stands to the account otherID.
func (s *Store) Relation(ctx context.Context, workspaceID, accountID, otherID string) (*Relation, error) {
	rs, err := s.Relations(ctx, workspaceID, accountID, []string{otherID})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// Relations reads, in one round trip, how the member accountID of
// workspaceID stands to each of the accounts otherIDs, in order.
func (s *Store) Relations(ctx context.Context, workspaceID, accountID string, otherIDs []string) ([]*Relation, error) {
	if len(otherIDs) == 0 {
		return nil, nil
	}
	refs := make([]*firestore.DocumentRef, 0, 4*len(otherIDs))
	for _, id := range otherIDs {
		refs = append(refs,
			s.member(workspaceID, id),
			s.contact(colExternalMembers, workspaceID, accountID, id),
			s.contact(colAddedBy, workspaceID, accountID, id),
			s.contact(colBlocks, workspaceID, accountID, id))
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.Relations", err)
	}
	out := make([]*Relation, len(otherIDs))
	for i := range otherIDs {
		var r Relation
		var e [4]error
		r.Member, e[0] = decoded[domain.Member](snaps[4*i])
		r.External, e[1] = decoded[domain.ExternalMember](snaps[4*i+1])
		r.Adder, e[2] = decoded[domain.Adder](snaps[4*i+2])
		r.Block, e[3] = decoded[domain.Block](snaps[4*i+3])
		if err := errors.Join(e[:]...); err != nil {
			return nil, wrap("store.Relations", err)
		}
		out[i] = &r
	}
	return out, nil
}

// Colleague reports whether the other account is a member (not deleted)
// of the viewer's workspace, the viewer included.
func (r *Relation) Colleague() bool {
	return r.Member != nil && r.Member.Status != domain.MemberDeleted
}

// ExternalWorkspace is the workspace in which the viewer knows the other
// account from outside: their external member's, or the workspace they
// added the viewer from; "" if neither.
func (r *Relation) ExternalWorkspace() string {
	switch {
	case r.External != nil:
		return r.External.WorkspaceID
	case r.Adder != nil:
		return r.Adder.WorkspaceID
	}
	return ""
}

// Counterpart is another workspace's member as a viewer from outside sees
// them: the membership, its workspace, and whether the member blocked the
// viewer.
type Counterpart struct {
	Member       *domain.Member
	Workspace    *domain.Workspace
	BlocksViewer bool
}

// Active reports whether the member is an active member of an active
// workspace.
func (c *Counterpart) Active() bool {
	return c.Member != nil && c.Member.Status == domain.MemberActive &&
		c.Workspace != nil && c.Workspace.Status == domain.WorkspaceActive
}

// Counterpart reads, in one round trip, the member accountID of
// workspaceID, their workspace, and whether they blocked viewerID (if not
// empty). Member or Workspace is nil when missing.
func (s *Store) Counterpart(ctx context.Context, workspaceID, accountID, viewerID string) (*Counterpart, error) {
	cs, err := s.Counterparts(ctx, []MemberRef{{WorkspaceID: workspaceID, AccountID: accountID}}, viewerID)
	if err != nil {
		return nil, err
	}
	return cs[accountID], nil
}

// Addition is what adding an external member (F12) commits: the adder's
// entry, the record on the added member's side that lets them add the
// adder back, the one-time link it uses up (if any), and the event that
// notifies the member added.
type Addition struct {
	AdderWorkspaceID string
	AdderID          string
	Entry            *domain.ExternalMember
	// Record is stored on the side of the member added (Entry.MemberID in
	// Entry.WorkspaceID).
	Record *domain.Adder
	// Link, if set, is a one-time link read at LinkSeen and used up now.
	Link     *domain.ProfileLink
	LinkSeen time.Time
	Event    events.Event
}

// AddExternalMember commits an addition. errs.Conflict if the adder has
// the member already; errs.Gone if the one-time link was used or changed
// since it was read.
func (s *Store) AddExternalMember(ctx context.Context, a Addition) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if a.Link != nil {
			used := []firestore.Update{{Path: "usedAt", Value: a.Record.AddedAt}, {Path: "usedBy", Value: a.AdderID}}
			if err := tx.Update(s.profileLink(a.Link.ID), used, firestore.LastUpdateTime(a.LinkSeen)); err != nil {
				return err
			}
		}
		if err := tx.Create(s.contact(colExternalMembers, a.AdderWorkspaceID, a.AdderID, a.Entry.MemberID), a.Entry); err != nil {
			return err
		}
		if err := tx.Set(s.contact(colAddedBy, a.Entry.WorkspaceID, a.Entry.MemberID, a.AdderID), a.Record); err != nil {
			return err
		}
		return s.addEvents(tx, []events.Event{a.Event})
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.AlreadyExists:
		return errs.E(errs.Conflict, "This member is already one of your external members.")
	case codes.FailedPrecondition, codes.NotFound:
		return errs.E(errs.Gone, "This profile link has already been used.")
	}
	return wrap("store.AddExternalMember", err)
}

// ExternalMembers returns a member's external members, oldest first.
func (s *Store) ExternalMembers(ctx context.Context, workspaceID, accountID string) ([]*domain.ExternalMember, error) {
	q := s.member(workspaceID, accountID).Collection(colExternalMembers).OrderBy("addedAt", firestore.Asc)
	out, err := queried[domain.ExternalMember](ctx, q)
	return out, wrap("store.ExternalMembers", err)
}

// RemoveExternalMember deletes a member's external-member entry;
// errs.NotFound if there is none.
func (s *Store) RemoveExternalMember(ctx context.Context, workspaceID, accountID, otherID string) error {
	_, err := s.contact(colExternalMembers, workspaceID, accountID, otherID).Delete(ctx, firestore.Exists)
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "This member is not one of your external members.")
	}
	return wrap("store.RemoveExternalMember", err)
}

// Block stores a member's block of another account and, in the same
// commit, removes the blocked account from the member's external members.
// errs.Conflict if it is blocked already.
func (s *Store) Block(ctx context.Context, workspaceID, accountID string, b *domain.Block) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(s.contact(colBlocks, workspaceID, accountID, b.MemberID), b); err != nil {
			return err
		}
		return tx.Delete(s.contact(colExternalMembers, workspaceID, accountID, b.MemberID))
	}, firestore.MaxAttempts(1))
	if code(err) == codes.AlreadyExists {
		return errs.E(errs.Conflict, "This member is blocked already.")
	}
	return wrap("store.Block", err)
}

// Unblock deletes a member's block of another account; errs.NotFound if
// there is none.
func (s *Store) Unblock(ctx context.Context, workspaceID, accountID, otherID string) error {
	_, err := s.contact(colBlocks, workspaceID, accountID, otherID).Delete(ctx, firestore.Exists)
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "This member is not blocked.")
	}
	return wrap("store.Unblock", err)
}

// Blocks returns the accounts a member blocked, newest first.
func (s *Store) Blocks(ctx context.Context, workspaceID, accountID string) ([]*domain.Block, error) {
	q := s.member(workspaceID, accountID).Collection(colBlocks).OrderBy("blockedAt", firestore.Desc)
	out, err := queried[domain.Block](ctx, q)
	return out, wrap("store.Blocks", err)
}

// Blocked reports whether the member accountID of workspaceID blocked
// otherID.
func (s *Store) Blocked(ctx context.Context, workspaceID, accountID, otherID string) (bool, error) {
	ok, err := exists(ctx, s.contact(colBlocks, workspaceID, accountID, otherID))
	return ok, wrap("store.Blocked", err)
}

// BlockedEitherWay reports whether the member a (of workspace wsA) and the
// member b (of wsB) blocked one another, either way: then neither sees the
// other's profile, nor opens or posts in a 1:1 room with the other (F13).
func (s *Store) BlockedEitherWay(ctx context.Context, wsA, a, wsB, b string) (bool, error) {
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{
		s.contact(colBlocks, wsA, a, b),
		s.contact(colBlocks, wsB, b, a),
	})
	if err != nil {
		return false, wrap("store.BlockedEitherWay", err)
	}
	return snaps[0].Exists() || snaps[1].Exists(), nil
}

// MemberRef names a membership.
type MemberRef struct{ WorkspaceID, AccountID string }

// Counterparts reads memberships of other workspaces and their workspaces
// in one round trip, by account ID, and whether each blocked viewerID (if
// not empty). Missing members or workspaces are nil.
func (s *Store) Counterparts(ctx context.Context, refs []MemberRef, viewerID string) (map[string]*Counterpart, error) {
	out := make(map[string]*Counterpart, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	docs := make([]*firestore.DocumentRef, 0, 3*len(refs))
	wsIndex := map[string]int{}
	for _, r := range refs {
		docs = append(docs, s.member(r.WorkspaceID, r.AccountID))
	}
	if viewerID != "" {
		for _, r := range refs {
			docs = append(docs, s.contact(colBlocks, r.WorkspaceID, r.AccountID, viewerID))
		}
	}
	for _, r := range refs {
		if _, ok := wsIndex[r.WorkspaceID]; !ok {
			wsIndex[r.WorkspaceID] = len(docs)
			docs = append(docs, s.fs.Collection(colWorkspaces).Doc(r.WorkspaceID))
		}
	}
	snaps, err := s.fs.GetAll(ctx, docs)
	if err != nil {
		return nil, wrap("store.Counterparts", err)
	}
	for i, r := range refs {
		m, err := decoded[domain.Member](snaps[i])
		if err != nil {
			return nil, wrap("store.Counterparts", err)
		}
		ws, err := decoded[domain.Workspace](snaps[wsIndex[r.WorkspaceID]])
		if err != nil {
			return nil, wrap("store.Counterparts", err)
		}
		blocks := viewerID != "" && snaps[len(refs)+i].Exists()
		out[r.AccountID] = &Counterpart{Member: m, Workspace: ws, BlocksViewer: blocks}
	}
	return out, nil
}

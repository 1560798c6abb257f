package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Invite links (F2) live at workspaces/{ws}/inviteLinks/{id}; the hash of
// each link's token is the ID of an inviteTokens document that leads to
// it; a limited link's uses are documents uses/{n} under it.

func (s *Store) inviteLink(workspaceID, id string) *firestore.DocumentRef {
	return s.fs.Collection(colWorkspaces).Doc(docID(workspaceID)).Collection(colInviteLinks).Doc(docID(id))
}

// CreateInviteLink stores a new link and its token's lookup, in one commit.
func (s *Store) CreateInviteLink(ctx context.Context, l *domain.InviteLink) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(s.inviteLink(l.WorkspaceID, l.ID), l); err != nil {
			return err
		}
		return tx.Create(s.fs.Collection(colInviteTokens).Doc(l.TokenHash), domain.InviteToken{WorkspaceID: l.WorkspaceID, LinkID: l.ID})
	}, firestore.MaxAttempts(1))
	return wrap("store.CreateInviteLink", err)
}

// InviteLinks returns every invite link of a workspace, newest first.
func (s *Store) InviteLinks(ctx context.Context, workspaceID string) ([]*domain.InviteLink, error) {
	it := s.fs.Collection(colWorkspaces).Doc(workspaceID).Collection(colInviteLinks).
		OrderBy("createdAt", firestore.Desc).Documents(ctx)
	defer it.Stop()
	out := []*domain.InviteLink{}
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, wrap("store.InviteLinks", err)
		}
		var l domain.InviteLink
		if err := snap.DataTo(&l); err != nil {
			return nil, wrap("store.InviteLinks", err)
		}
		out = append(out, &l)
	}
}

// InviteLink returns one invite link; errs.NotFound if there is none.
func (s *Store) InviteLink(ctx context.Context, workspaceID, id string) (*domain.InviteLink, error) {
	var l domain.InviteLink
	if _, err := s.get(ctx, s.inviteLink(workspaceID, id), &l); err != nil {
		return nil, wrap("store.InviteLink", err)
	}
	return &l, nil
}

// InviteByToken returns the link a token's hash leads to; errs.NotFound if
// none does.
func (s *Store) InviteByToken(ctx context.Context, tokenHash string) (*domain.InviteLink, error) {
	var t domain.InviteToken
	if _, err := s.get(ctx, s.fs.Collection(colInviteTokens).Doc(tokenHash), &t); err != nil {
		return nil, wrap("store.InviteByToken", err)
	}
	l, err := s.InviteLink(ctx, t.WorkspaceID, t.LinkID)
	if err != nil {
		return nil, wrap("store.InviteByToken", err)
	}
	return l, nil
}

// RevokeInviteLink revokes a link at now; errs.NotFound if there is none.
// Revoking a revoked link keeps its first revocation.
func (s *Store) RevokeInviteLink(ctx context.Context, workspaceID, id string, now time.Time) error {
	l, err := s.InviteLink(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	if l.Revoked() {
		return nil
	}
	// No precondition: the link is a hot document while people accept it,
	// and only revokedAt changes here.
	_, err = s.inviteLink(workspaceID, id).Update(ctx, []firestore.Update{{Path: "revokedAt", Value: now}})
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "no such invite link")
	}
	return wrap("store.RevokeInviteLink", err)
}

// InviteAcceptance is what accepting an invite link commits: one use of
// the link, the verification mailed to the address, and its events.
type InviteAcceptance struct {
	// Link is the link as read; its Uses is where the search for a free
	// use starts.
	Link             *domain.InviteLink
	VerificationHash string
	Verification     *domain.Verification
	Events           []events.Event
	Now              time.Time
}

// AcceptInvite takes one use of a link and stores the verification and
// events, in one commit. It never reads the link in a transaction (the link
// is the hot document of a popular invitation): each commit only writes,
// adding 1 to the link's uses. For a limited link the commit also creates
// uses/{n}, which fails if it exists; the search starts after the uses seen
// and moves on to n+1 while n is taken, until a commit succeeds or n passes
// MaxUses (errs.Gone). So uses 1..MaxUses are each taken at most once and
// the count never exceeds MaxUses, however many accept at once (the last
// ones get domain.ErrInviteUsedUp). Since a
// use n is only tried once n-1 exists, the taken uses are always 1..Uses.
func (s *Store) AcceptInvite(ctx context.Context, a InviteAcceptance) error {
	l := a.Link
	linkRef := s.inviteLink(l.WorkspaceID, l.ID)
	commit := func(n int) error {
		return s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if n > 0 {
				use := linkRef.Collection(colInviteUses).Doc(strconv.Itoa(n))
				if err := tx.Create(use, domain.InviteUse{N: n, ClaimedAt: a.Now}); err != nil {
					return err
				}
			}
			if err := tx.Update(linkRef, []firestore.Update{{Path: "uses", Value: firestore.Increment(1)}}); err != nil {
				return err
			}
			if err := tx.Create(s.fs.Collection(colVerifications).Doc(a.VerificationHash), a.Verification); err != nil {
				return err
			}
			return s.addEvents(tx, a.Events)
		}, firestore.MaxAttempts(1))
	}
	if l.MaxUses == 0 {
		err := commit(0)
		if code(err) == codes.NotFound {
			return errs.E(errs.Gone, "This invite link no longer exists.")
		}
		return wrap("store.AcceptInvite", err)
	}
	for n := l.Uses + 1; n <= l.MaxUses; n++ {
		err := commit(n)
		switch code(err) {
		case codes.OK:
			return nil
		case codes.AlreadyExists:
			continue // use n is taken: try the next
		case codes.NotFound:
			return errs.E(errs.Gone, "This invite link no longer exists.")
		}
		return wrap("store.AcceptInvite", err)
	}
	return domain.ErrInviteUsedUp
}

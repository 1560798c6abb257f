package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// colDelegations holds super admin delegations (F16) by the hash of their
// link's token.
const colDelegations = "superAdminDelegations"

func (s *Store) delegation(hash string) *firestore.DocumentRef {
	return s.fs.Collection(colDelegations).Doc(docID(hash))
}

// OfferDelegation stores a new delegation and makes it the workspace's
// latest (Workspace.Delegation), which voids any older link, with its mail,
// in one commit, if the workspace is unchanged since it was read at
// workspaceSeen; ErrRaced otherwise (the caller reads again).
func (s *Store) OfferDelegation(ctx context.Context, d *domain.Delegation, workspaceSeen time.Time, evs []events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(s.delegation(d.TokenHash), d); err != nil {
			return err
		}
		if err := tx.Update(s.fs.Collection(colWorkspaces).Doc(d.WorkspaceID), []firestore.Update{
			{Path: "delegation", Value: d.TokenHash},
		}, firestore.LastUpdateTime(workspaceSeen)); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.OfferDelegation", err)
}

// Handover is what accepting a delegation judges and changes: the
// delegation, its workspace, the member it is offered to and the member
// who offered it, each with the update time it was read at (a nil
// document does not exist).
type Handover struct {
	Delegation     *domain.Delegation
	DelegationSeen time.Time
	Workspace      *domain.Workspace
	WorkspaceSeen  time.Time
	// To is the member the role goes to, From the super admin who offered it.
	To, From         *domain.Member
	ToSeen, FromSeen time.Time
}

// Handover reads a delegation and everything its acceptance depends on;
// errs.NotFound if there is no delegation with that hash.
func (s *Store) Handover(ctx context.Context, hash string) (*Handover, error) {
	var h Handover
	h.Delegation = &domain.Delegation{}
	seen, err := s.get(ctx, s.delegation(hash), h.Delegation)
	if err != nil {
		return nil, wrap("store.Handover", err)
	}
	h.DelegationSeen = seen
	d := h.Delegation
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{
		s.fs.Collection(colWorkspaces).Doc(d.WorkspaceID),
		s.member(d.WorkspaceID, d.ToAccountID),
		s.member(d.WorkspaceID, d.FromAccountID),
	})
	if err != nil {
		return nil, wrap("store.Handover", err)
	}
	if h.Workspace, err = decoded[domain.Workspace](snaps[0]); err != nil {
		return nil, wrap("store.Handover", err)
	}
	if h.To, err = decoded[domain.Member](snaps[1]); err != nil {
		return nil, wrap("store.Handover", err)
	}
	if h.From, err = decoded[domain.Member](snaps[2]); err != nil {
		return nil, wrap("store.Handover", err)
	}
	h.WorkspaceSeen, h.ToSeen, h.FromSeen = snaps[0].UpdateTime, snaps[1].UpdateTime, snaps[2].UpdateTime
	return &h, nil
}

// AcceptDelegation hands the role over in one commit, if none of the four
// documents of h changed since they were read: the delegation is used,
// the workspace names h.To its super admin and no longer a delegation,
// both memberships take the roles h gives them, the recovery key is
// deleted (it was the former super admin's), and the mails are queued.
// ErrRaced if anything changed (of two concurrent acceptances one
// commits; the other reads again and finds the delegation used).
func (s *Store) AcceptDelegation(ctx context.Context, h *Handover, now time.Time, evs []events.Event) error {
	d := h.Delegation
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.delegation(d.TokenHash), []firestore.Update{{Path: "usedAt", Value: now}},
			firestore.LastUpdateTime(h.DelegationSeen)); err != nil {
			return err
		}
		if err := tx.Update(s.fs.Collection(colWorkspaces).Doc(d.WorkspaceID), []firestore.Update{
			{Path: "superAdminId", Value: h.To.AccountID},
			{Path: "delegation", Value: firestore.Delete},
		}, firestore.LastUpdateTime(h.WorkspaceSeen)); err != nil {
			return err
		}
		if err := tx.Update(s.member(d.WorkspaceID, h.To.AccountID), roleFields(h.To), firestore.LastUpdateTime(h.ToSeen)); err != nil {
			return err
		}
		if err := tx.Update(s.member(d.WorkspaceID, h.From.AccountID), roleFields(h.From), firestore.LastUpdateTime(h.FromSeen)); err != nil {
			return err
		}
		if err := tx.Delete(s.fs.Collection(colRecoveryKeys).Doc(d.WorkspaceID)); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.AcceptDelegation", err)
}

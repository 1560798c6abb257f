package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// ErrRaced reports that a concurrent request created the same account
// first; the caller reads again and retries.
var ErrRaced = errs.E(errs.Conflict, "a concurrent request changed the same data; try again")

// CreateWorkspace stores a pending workspace, its owner's verification and
// the events announcing them, in one commit. The ID is taken (errs.Conflict)
// while another workspace holds it, unless that one is pending and its
// verification expired before now: then the ID is reclaimed.
func (s *Store) CreateWorkspace(ctx context.Context, ws *domain.Workspace, verificationHash string, v *domain.Verification, evs []events.Event, now time.Time) error {
	wsRef := s.fs.Collection(colWorkspaces).Doc(ws.ID)
	create := func() error {
		return s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if err := tx.Create(wsRef, ws); err != nil {
				return err
			}
			if err := tx.Create(s.fs.Collection(colVerifications).Doc(verificationHash), v); err != nil {
				return err
			}
			return s.addEvents(tx, evs)
		})
	}
	err := create()
	if code(err) != codes.AlreadyExists {
		return wrap("store.CreateWorkspace", err)
	}
	taken := errs.E(errs.Conflict, "this workspace ID is taken")
	snap, err := wsRef.Get(ctx)
	if err != nil {
		if code(err) == codes.NotFound {
			return taken // gone again between the two calls: let the client retry
		}
		return wrap("store.CreateWorkspace", err)
	}
	var old domain.Workspace
	if err := snap.DataTo(&old); err != nil {
		return wrap("store.CreateWorkspace", err)
	}
	if old.HoldsID(now) {
		return taken
	}
	// Reclaim: delete the stale pending workspace if nobody else changed it,
	// then create ours. Its old verification link dies with it (activation
	// requires the workspace's pendingVerification to match).
	if _, err := wsRef.Delete(ctx, firestore.LastUpdateTime(snap.UpdateTime)); err != nil {
		if code(err) == codes.FailedPrecondition || code(err) == codes.NotFound {
			return taken
		}
		return wrap("store.CreateWorkspace", err)
	}
	if err := create(); err != nil {
		if code(err) == codes.AlreadyExists {
			return taken
		}
		return wrap("store.CreateWorkspace", err)
	}
	return nil
}

// Workspace returns a workspace and the update time it was read at.
func (s *Store) Workspace(ctx context.Context, id string) (*domain.Workspace, time.Time, error) {
	var ws domain.Workspace
	t, err := s.get(ctx, s.fs.Collection(colWorkspaces).Doc(id), &ws)
	if err != nil {
		return nil, time.Time{}, wrap("store.Workspace", err)
	}
	return &ws, t, nil
}

// Member returns the membership of account in workspace and the update
// time it was read at.
func (s *Store) Member(ctx context.Context, workspaceID, accountID string) (*domain.Member, time.Time, error) {
	var m domain.Member
	t, err := s.get(ctx, s.member(workspaceID, accountID), &m)
	if err != nil {
		return nil, time.Time{}, wrap("store.Member", err)
	}
	return &m, t, nil
}

// Account returns an account and the update time it was read at.
func (s *Store) Account(ctx context.Context, id string) (*domain.Account, time.Time, error) {
	var a domain.Account
	t, err := s.get(ctx, s.fs.Collection(colAccounts).Doc(id), &a)
	if err != nil {
		return nil, time.Time{}, wrap("store.Account", err)
	}
	return &a, t, nil
}

// AccountIDByEmail returns the ID of the account with a normalised e-mail
// address, or errs.NotFound.
func (s *Store) AccountIDByEmail(ctx context.Context, email string) (string, error) {
	var idx struct {
		AccountID string `firestore:"accountId"`
	}
	if _, err := s.get(ctx, s.fs.Collection(colAccountEmails).Doc(emailKey(email)), &idx); err != nil {
		return "", wrap("store.AccountIDByEmail", err)
	}
	return idx.AccountID, nil
}

// Verification returns the verification stored under a token hash and the
// update time it was read at; errs.NotFound if there is none.
func (s *Store) Verification(ctx context.Context, hash string) (*domain.Verification, time.Time, error) {
	var v domain.Verification
	t, err := s.get(ctx, s.fs.Collection(colVerifications).Doc(hash), &v)
	if err != nil {
		return nil, time.Time{}, wrap("store.Verification", err)
	}
	return &v, t, nil
}

// Activation is what verifying a workspace owner's e-mail changes.
type Activation struct {
	// VerificationHash and VerificationSeen name the verification and the
	// update time its reader saw: it is consumed only if still unchanged.
	VerificationHash string
	VerificationSeen time.Time
	// WorkspaceSeen is the update time of the pending workspace as read.
	WorkspaceID   string
	WorkspaceSeen time.Time
	// Account is the owner; NewAccount says whether to create it.
	Account    *domain.Account
	NewAccount bool
	Member     *domain.Member
	Events     []events.Event
	Now        time.Time
}

// ActivateWorkspace consumes the owner's verification and, in the same
// commit, activates the workspace with the owner as super admin, creating
// the owner's account if needed. errs.Gone if another request consumed the
// verification or changed the workspace first; ErrRaced if another request
// created an account for the same address first.
func (s *Store) ActivateWorkspace(ctx context.Context, a Activation) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		vRef := s.fs.Collection(colVerifications).Doc(a.VerificationHash)
		// Used: the password hash it carried is no longer needed.
		used := []firestore.Update{{Path: "usedAt", Value: a.Now}, {Path: "passwordHash", Value: firestore.Delete}}
		if err := tx.Update(vRef, used, firestore.LastUpdateTime(a.VerificationSeen)); err != nil {
			return err
		}
		wsRef := s.fs.Collection(colWorkspaces).Doc(a.WorkspaceID)
		if err := tx.Update(wsRef, []firestore.Update{
			{Path: "status", Value: domain.WorkspaceActive},
			{Path: "superAdminId", Value: a.Account.ID},
			{Path: "activatedAt", Value: a.Now},
			{Path: "pendingVerification", Value: firestore.Delete},
			{Path: "purgeAt", Value: firestore.Delete},
		}, firestore.LastUpdateTime(a.WorkspaceSeen)); err != nil {
			return err
		}
		if a.NewAccount {
			if err := s.createAccount(tx, a.Account); err != nil {
				return err
			}
		}
		if err := s.putMember(tx, a.Member, time.Time{}); err != nil {
			return err
		}
		return s.addEvents(tx, a.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.FailedPrecondition, codes.NotFound:
		return errs.E(errs.Gone, "this link has already been used")
	case codes.AlreadyExists:
		return ErrRaced
	}
	return wrap("store.ActivateWorkspace", err)
}

func (s *Store) createAccount(tx *firestore.Transaction, a *domain.Account) error {
	if err := tx.Create(s.fs.Collection(colAccounts).Doc(a.ID), a); err != nil {
		return err
	}
	return tx.Create(s.fs.Collection(colAccountEmails).Doc(emailKey(a.Email)), map[string]any{"accountId": a.ID})
}

func (s *Store) member(workspaceID, accountID string) *firestore.DocumentRef {
	return s.fs.Collection(colWorkspaces).Doc(docID(workspaceID)).Collection(colMembers).Doc(docID(accountID))
}

// get reads one document into v and returns its update time; a missing
// document is errs.NotFound.
func (s *Store) get(ctx context.Context, ref *firestore.DocumentRef, v any) (time.Time, error) {
	snap, err := ref.Get(ctx)
	if err != nil {
		if code(err) == codes.NotFound {
			return time.Time{}, errs.E(errs.NotFound, "not found")
		}
		return time.Time{}, err
	}
	if err := snap.DataTo(v); err != nil {
		return time.Time{}, err
	}
	return snap.UpdateTime, nil
}

// wrap names the operation on unexpected errors; kinded errors pass as they are.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

package store

import (
	"context"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

func (s *Store) loginCode(email string) *firestore.DocumentRef {
	return s.fs.Collection(colLoginCodes).Doc(emailKey(email))
}

// LoginCode returns the login-code state of an address and the update time
// it was read at (zero, with an empty state, if there is none).
func (s *Store) LoginCode(ctx context.Context, email string) (*domain.LoginCode, time.Time, error) {
	var c domain.LoginCode
	t, err := s.get(ctx, s.loginCode(email), &c)
	if errs.Is(err, errs.NotFound) {
		return &domain.LoginCode{}, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, wrap("store.LoginCode", err)
	}
	return &c, t, nil
}

// PutLoginCode stores a new login-code state and its events, if the state
// is unchanged since it was read at seen (zero: did not exist); ErrRaced
// otherwise.
func (s *Store) PutLoginCode(ctx context.Context, email string, c *domain.LoginCode, seen time.Time, evs []events.Event) error {
	ref := s.loginCode(email)
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var err error
		if seen.IsZero() {
			err = tx.Create(ref, c)
		} else {
			err = tx.Update(ref, []firestore.Update{
				{Path: "codes", Value: c.Codes}, {Path: "sends", Value: c.Sends}, {Path: "purgeAt", Value: c.PurgeAt},
			}, firestore.LastUpdateTime(seen))
		}
		if err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.PutLoginCode", err)
}

// noCodes is what consuming or voiding an address's codes leaves.
var noCodes = []firestore.Update{{Path: "codes", Value: []domain.SentCode{}}}

// VoidLoginCode makes every code of an address unusable (too many wrong
// codes).
func (s *Store) VoidLoginCode(ctx context.Context, email string) error {
	_, err := s.loginCode(email).Update(ctx, noCodes)
	if code(err) == codes.NotFound {
		return nil
	}
	return wrap("store.VoidLoginCode", err)
}

// ExchangeLoginCode consumes every code of an address, as read at seen,
// and creates a login ticket under ticketHash, in one commit; errs.Gone if
// the codes changed since they were read (used, voided, or a new one
// sent).
func (s *Store) ExchangeLoginCode(ctx context.Context, email string, seen time.Time, ticketHash string, t *domain.LoginTicket) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.loginCode(email), noCodes, firestore.LastUpdateTime(seen)); err != nil {
			return err
		}
		return tx.Create(s.fs.Collection(colLoginTickets).Doc(ticketHash), t)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.FailedPrecondition, codes.NotFound:
		return errs.E(errs.Gone, "this code has already been used")
	}
	return wrap("store.ExchangeLoginCode", err)
}

// LoginTicket returns the ticket stored under a hash and the update time it
// was read at.
func (s *Store) LoginTicket(ctx context.Context, hash string) (*domain.LoginTicket, time.Time, error) {
	var t domain.LoginTicket
	seen, err := s.get(ctx, s.fs.Collection(colLoginTickets).Doc(hash), &t)
	if err != nil {
		return nil, time.Time{}, wrap("store.LoginTicket", err)
	}
	return &t, seen, nil
}

// Workspaces lists the active workspaces in which an account is an active
// member, by name.
func (s *Store) Workspaces(ctx context.Context, accountID string) ([]*domain.Workspace, error) {
	members, err := s.fs.CollectionGroup(colMembers).
		Where("accountId", "==", accountID).Where("status", "==", domain.MemberActive).
		Select("workspaceId").Documents(ctx).GetAll()
	if err != nil {
		return nil, wrap("store.Workspaces", err)
	}
	if len(members) == 0 {
		return nil, nil
	}
	refs := make([]*firestore.DocumentRef, len(members))
	for i, m := range members {
		refs[i] = m.Ref.Parent.Parent
	}
	all, err := existing[domain.Workspace](ctx, s, refs)
	if err != nil {
		return nil, wrap("store.Workspaces", err)
	}
	return slices.DeleteFunc(all, func(ws *domain.Workspace) bool { return ws.Status != domain.WorkspaceActive }), nil
}

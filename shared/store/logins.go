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
		return tx.Create(s.loginTicket(ticketHash), t)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.FailedPrecondition, codes.NotFound:
		return errs.E(errs.Gone, "this code has already been used")
	}
	return wrap("store.ExchangeLoginCode", err)
}

// ErrNoTicket reports that a login ticket's document does not exist: the
// ticket was used (a session was issued with it), purged, or never issued.
var ErrNoTicket = errs.E(errs.Unauthenticated, "the login ticket was used or never issued")

func (s *Store) loginTicket(hash string) *firestore.DocumentRef {
	return s.fs.Collection(colLoginTickets).Doc(hash)
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

// LoginKeys name what a password login reads besides its lockout counter:
// the account (an ID no account has, for an address without one, so that
// it costs the same), the workspace and the membership, and the device a
// device token names ("" if none); and the login ticket (its hash) that
// must still exist, if the login has one.
type LoginKeys struct {
	Email       string
	AccountID   string
	WorkspaceID string
	DeviceID    string
	TicketHash  string
}

// LoginState is what a password login is judged and committed on, read in
// one round trip, each document with the update time it was read at.
type LoginState struct {
	Attempt
	Account     *domain.Account // nil if it does not exist
	AccountSeen time.Time
	Membership
	Device     *domain.TrustedDevice // nil if none was named, or it does not exist
	DeviceSeen time.Time
}

// CountLogin counts a password attempt of an address (CountAttempt) and
// reads, in the same round trip, the rest of the login's state. Read
// beside the count, the account may be older than it: the login's commit
// requires the account as read (CreateSession, AccountSeen), so a password
// changed since the read fails it. The attempt is counted only if the
// login ticket exists: a used one is ErrNoTicket, with nothing written.
func (s *Store) CountLogin(ctx context.Context, k LoginKeys, now time.Time) (*LoginState, error) {
	var ticket *firestore.DocumentRef
	if k.TicketHash != "" {
		ticket = s.loginTicket(k.TicketHash)
	}
	a, snaps, err := s.countAttempt(ctx, CounterPassword, k.Email, now, ticket, s.loginRefs(k))
	if err != nil {
		return nil, wrap("store.CountLogin", err)
	}
	st, err := loginState(a, snaps)
	return st, wrap("store.CountLogin", err)
}

// ReadLogin reads a login's state again, without counting: after its
// commit raced. A login ticket used since is ErrNoTicket.
func (s *Store) ReadLogin(ctx context.Context, k LoginKeys) (*LoginState, error) {
	cRef, _ := s.counterRefs(CounterPassword, k.Email)
	refs := append([]*firestore.DocumentRef{cRef}, s.loginRefs(k)...)
	if k.TicketHash != "" {
		refs = append(refs, s.loginTicket(k.TicketHash))
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.ReadLogin", err)
	}
	if k.TicketHash != "" {
		if ticket := snaps[len(snaps)-1]; !ticket.Exists() {
			return nil, ErrNoTicket
		}
		snaps = snaps[:len(snaps)-1]
	}
	a, err := attempt(snaps[0])
	if err != nil {
		return nil, wrap("store.ReadLogin", err)
	}
	st, err := loginState(a, snaps[1:])
	return st, wrap("store.ReadLogin", err)
}

// loginRefs are the account, the membership, the workspace and, if one is
// named, the device.
func (s *Store) loginRefs(k LoginKeys) []*firestore.DocumentRef {
	refs := []*firestore.DocumentRef{
		s.fs.Collection(colAccounts).Doc(docID(k.AccountID)),
		s.member(k.WorkspaceID, k.AccountID),
		s.fs.Collection(colWorkspaces).Doc(docID(k.WorkspaceID)),
	}
	if k.DeviceID != "" {
		refs = append(refs, s.device(k.AccountID, k.DeviceID))
	}
	return refs
}

func loginState(a Attempt, snaps []*firestore.DocumentSnapshot) (*LoginState, error) {
	st := &LoginState{Attempt: a}
	var err error
	if st.Account, err = decoded[domain.Account](snaps[0]); err != nil {
		return nil, err
	}
	st.AccountSeen = snaps[0].UpdateTime
	m, err := membership(snaps[1], snaps[2])
	if err != nil {
		return nil, err
	}
	st.Membership = *m
	if len(snaps) > 3 {
		if st.Device, err = decoded[domain.TrustedDevice](snaps[3]); err != nil {
			return nil, err
		}
		st.DeviceSeen = snaps[3].UpdateTime
	}
	return st, nil
}

package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// memberFields lists every field of a membership, to replace one that
// exists (a deleted member registered or invited again) under a
// precondition, which a Set cannot carry.
func memberFields(m *domain.Member) []firestore.Update {
	perms := m.Permissions
	if perms == nil {
		perms = []string{}
	}
	domain.MemberIndex(m)
	return []firestore.Update{
		{Path: "accountId", Value: m.AccountID},
		{Path: "workspaceId", Value: m.WorkspaceID},
		{Path: "name", Value: m.Name},
		{Path: "email", Value: m.Email},
		{Path: "department", Value: m.Department},
		{Path: "title", Value: m.Title},
		{Path: "position", Value: m.Position},
		{Path: "mobile", Value: m.Mobile},
		{Path: "loginPhone", Value: m.LoginPhone},
		{Path: "role", Value: m.Role},
		{Path: "permissions", Value: perms},
		{Path: "status", Value: m.Status},
		{Path: "joinedAt", Value: m.JoinedAt},
		{Path: "nickname", Value: m.Nickname},
		{Path: "landline", Value: m.Landline},
		{Path: "workLocation", Value: m.WorkLocation},
		{Path: "birthday", Value: m.Birthday},
		{Path: "statusMessage", Value: m.StatusMessage},
		{Path: "photoUrl", Value: m.PhotoURL},
		{Path: "sortKey", Value: m.SortKey},
		{Path: "searchKeys", Value: m.SearchKeys},
		{Path: "adminSearchKeys", Value: m.AdminSearchKeys},
		{Path: "deletedAt", Value: firestore.Delete},
		{Path: "deletedBy", Value: firestore.Delete},
		{Path: "mutedUntil", Value: firestore.Delete},
	}
}

// putMember creates a membership (seen is zero) or replaces the one read
// at seen.
func (s *Store) putMember(tx *firestore.Transaction, m *domain.Member, seen time.Time) error {
	ref := s.member(m.WorkspaceID, m.AccountID)
	if seen.IsZero() {
		domain.MemberIndex(m)
		return tx.Create(ref, m)
	}
	return tx.Update(ref, memberFields(m), firestore.LastUpdateTime(seen))
}

// Registration is a member registered by an admin (F3): the membership,
// invited, with the account it belongs to and the set-password link mailed.
type Registration struct {
	// Account is the member's account; NewAccount says whether to create
	// it (without a password).
	Account    *domain.Account
	NewAccount bool
	// Member is the invited membership; MemberSeen is the update time of a
	// deleted membership it replaces (zero: there is none).
	Member           *domain.Member
	MemberSeen       time.Time
	VerificationHash string
	Verification     *domain.Verification
	Events           []events.Event
}

// RegisterMember commits a registration. ErrRaced if a concurrent request
// created the account or the membership, or changed the membership, since
// they were read: the caller reads again.
func (s *Store) RegisterMember(ctx context.Context, r Registration) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if r.NewAccount {
			if err := s.createAccount(tx, r.Account); err != nil {
				return err
			}
		}
		if err := s.putMember(tx, r.Member, r.MemberSeen); err != nil {
			return err
		}
		if err := tx.Create(s.fs.Collection(colVerifications).Doc(r.VerificationHash), r.Verification); err != nil {
			return err
		}
		return s.addEvents(tx, r.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.RegisterMember", err)
}

// Joining is what consuming an invite verification (F2) or a set-password
// link (F3) commits: the token is used, and the account and membership
// change, together.
type Joining struct {
	// VerificationHash and VerificationSeen name the verification and the
	// update time its reader saw: it is consumed only if still unchanged.
	VerificationHash string
	VerificationSeen time.Time
	// Account is the member's account; NewAccount says whether to create it.
	Account    *domain.Account
	NewAccount bool
	// PasswordHash, if set, becomes the existing account's password,
	// provided the account is unchanged since AccountSeen. Only a
	// set-password link sets it: an invite verification never changes an
	// existing account.
	PasswordHash string
	AccountSeen  time.Time
	// Member, if set, is the membership after the change: created if
	// MemberSeen is zero, else replacing the one read at MemberSeen. Nil
	// leaves the membership as it is (already active).
	Member     *domain.Member
	MemberSeen time.Time
	Events     []events.Event
	Now        time.Time
}

// Join commits a joining. ErrRaced if anything it read changed before the
// commit (the verification used, the account or the membership changed or
// created by a concurrent request): the caller reads again, and finds the
// verification used (errs.Gone) or the new state to build on.
func (s *Store) Join(ctx context.Context, j Joining) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		vRef := s.fs.Collection(colVerifications).Doc(j.VerificationHash)
		used := []firestore.Update{{Path: "usedAt", Value: j.Now}, {Path: "passwordHash", Value: firestore.Delete}}
		if err := tx.Update(vRef, used, firestore.LastUpdateTime(j.VerificationSeen)); err != nil {
			return err
		}
		switch {
		case j.NewAccount:
			if err := s.createAccount(tx, j.Account); err != nil {
				return err
			}
		case j.PasswordHash != "":
			if err := tx.Update(s.fs.Collection(colAccounts).Doc(j.Account.ID), []firestore.Update{
				{Path: "passwordHash", Value: j.PasswordHash},
				{Path: "passwordChangedAt", Value: j.Now},
				// A reset link asked for before this change is void.
				{Path: "passwordResetHash", Value: ""},
			}, firestore.LastUpdateTime(j.AccountSeen)); err != nil {
				return err
			}
			// The lockout is lifted, and a login counted before fails
			// its commit (CreateSession).
			if err := s.resetAttempts(tx, CounterPassword, j.Account.Email); err != nil {
				return err
			}
		}
		if j.Member != nil {
			if err := s.putMember(tx, j.Member, j.MemberSeen); err != nil {
				return err
			}
		}
		return s.addEvents(tx, j.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.Join", err)
}

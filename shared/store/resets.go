package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Password reset (F8) keeps two kinds of documents:
//
//   - passwordResets/{tokenHash}: one per reset link mailed. They have a
//     collection of their own rather than a purpose in verifications: a
//     reset token must never be accepted where a sign-up token is (and the
//     other way round), and a link names an existing account instead of
//     carrying a would-be one. The account's passwordResetHash names the
//     newest link; an older link still has its document but no longer
//     matches, which is how a newer request voids it.
//   - passwordResetSends/{emailKey}: the times reset mails were sent to an
//     address in the last window, for the hourly limit. Every request
//     rewrites it, whether or not the address has an account, so requests
//     for unknown addresses do the same work as the others.
//
// Both have a purgeAt for the TTL policy; readers check the times anyway.

// PasswordReset is a reset link, stored under the hash of its token.
type PasswordReset struct {
	AccountID string    `firestore:"accountId"`
	CreatedAt time.Time `firestore:"createdAt"`
	ExpiresAt time.Time `firestore:"expiresAt"`
	// UsedAt is set when the link sets a password.
	UsedAt  time.Time `firestore:"usedAt"`
	PurgeAt time.Time `firestore:"purgeAt"`
}

// Live reports whether the link can still be used at now. The caller also
// checks that it is the account's newest link.
func (r *PasswordReset) Live(now time.Time) bool {
	return r.UsedAt.IsZero() && now.Before(r.ExpiresAt)
}

type resetSends struct {
	Sends   []time.Time `firestore:"sends"`
	PurgeAt time.Time   `firestore:"purgeAt"`
}

func (s *Store) resetSends(email string) *firestore.DocumentRef {
	return s.fs.Collection(colResetSends).Doc(emailKey(email))
}

func (s *Store) passwordReset(tokenHash string) *firestore.DocumentRef {
	return s.fs.Collection(colPasswordResets).Doc(docID(tokenHash))
}

// ResetTarget is what a reset request reads about an address.
type ResetTarget struct {
	// Account is the address's account; nil if it has none.
	Account *domain.Account
	// Sends are the times reset mails were sent to the address (all that
	// are stored: the caller keeps those within its window), and SendsSeen
	// the update time they were read at (zero if none are stored).
	Sends     []time.Time
	SendsSeen time.Time
}

// ResetTarget reads the account of a normalised address, if any, and the
// address's recent reset mails, in the same round trips either way.
func (s *Store) ResetTarget(ctx context.Context, email string) (*ResetTarget, error) {
	accountID, err := s.AccountIDByEmail(ctx, email)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, wrap("store.ResetTarget", err)
	}
	refs := []*firestore.DocumentRef{s.resetSends(email)}
	if accountID != "" {
		refs = append(refs, s.fs.Collection(colAccounts).Doc(accountID))
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.ResetTarget", err)
	}
	t := &ResetTarget{}
	if snaps[0].Exists() {
		var rs resetSends
		if err := snaps[0].DataTo(&rs); err != nil {
			return nil, wrap("store.ResetTarget", err)
		}
		t.Sends, t.SendsSeen = rs.Sends, snaps[0].UpdateTime
	}
	if len(snaps) > 1 && snaps[1].Exists() {
		t.Account = &domain.Account{}
		if err := snaps[1].DataTo(t.Account); err != nil {
			return nil, wrap("store.ResetTarget", err)
		}
	}
	return t, nil
}

// ResetRequest is what a reset request writes.
type ResetRequest struct {
	Email string
	// Sends replace the address's recent reset mails (this one included if
	// it is sent), if they are unchanged since they were read at SendsSeen
	// (zero: there were none).
	Sends     []time.Time
	SendsSeen time.Time
	PurgeAt   time.Time
	// Link, if set, is a new reset link to store under LinkHash; the
	// account's passwordResetHash is pointed at it, which voids every older
	// link. Events announce it (the reset mail).
	LinkHash string
	Link     *PasswordReset
	Events   []events.Event
}

// RequestPasswordReset commits a reset request. ErrRaced if the address's
// recent mails changed since they were read (a concurrent request: the
// caller reads again, so the limit holds) or the account is gone.
func (s *Store) RequestPasswordReset(ctx context.Context, r ResetRequest) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		sends := resetSends{Sends: r.Sends, PurgeAt: r.PurgeAt}
		if sends.Sends == nil {
			sends.Sends = []time.Time{}
		}
		ref := s.resetSends(r.Email)
		var err error
		if r.SendsSeen.IsZero() {
			err = tx.Create(ref, sends)
		} else {
			err = tx.Update(ref, []firestore.Update{
				{Path: "sends", Value: sends.Sends}, {Path: "purgeAt", Value: sends.PurgeAt},
			}, firestore.LastUpdateTime(r.SendsSeen))
		}
		if err != nil {
			return err
		}
		if r.Link == nil {
			return nil
		}
		if err := tx.Create(s.passwordReset(r.LinkHash), r.Link); err != nil {
			return err
		}
		// No precondition: the newest request to commit names the newest link.
		acc := s.fs.Collection(colAccounts).Doc(r.Link.AccountID)
		if err := tx.Update(acc, []firestore.Update{{Path: "passwordResetHash", Value: r.LinkHash}}); err != nil {
			return err
		}
		return s.addEvents(tx, r.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound, codes.Aborted:
		return ErrRaced
	}
	return wrap("store.RequestPasswordReset", err)
}

// ResetLink is a reset link with its account, each with the update time it
// was read at.
type ResetLink struct {
	Reset       *PasswordReset
	ResetSeen   time.Time
	Account     *domain.Account
	AccountSeen time.Time
}

// ResetLink reads the reset link stored under a token hash and its
// account; errs.NotFound if either does not exist.
func (s *Store) ResetLink(ctx context.Context, tokenHash string) (*ResetLink, error) {
	l := &ResetLink{Reset: &PasswordReset{}, Account: &domain.Account{}}
	var err error
	if l.ResetSeen, err = s.get(ctx, s.passwordReset(tokenHash), l.Reset); err != nil {
		return nil, wrap("store.ResetLink", err)
	}
	if l.AccountSeen, err = s.get(ctx, s.fs.Collection(colAccounts).Doc(l.Reset.AccountID), l.Account); err != nil {
		return nil, wrap("store.ResetLink", err)
	}
	return l, nil
}

// PasswordChange is what following a reset link changes.
type PasswordChange struct {
	// LinkHash names the link to consume; LinkSeen and AccountSeen are the
	// update times at which the link and its account were read.
	LinkHash     string
	LinkSeen     time.Time
	AccountID    string
	AccountSeen  time.Time
	PasswordHash string
	// Email is the account's address: its password lockout is lifted.
	Email string
	// Events announce the change (the password-changed mail).
	Events []events.Event
	Now    time.Time
}

// ChangePassword consumes a reset link and, in the same commit, sets the
// account's new password, clears its passwordResetHash, records when the
// password changed and resets the address's password lockout (which fails
// the commit of a login counted before it: CreateSession). Both writes are conditioned on the update times
// read, so of concurrent uses of one link at most one commits, and a newer
// request or a login in between makes it fail: ErrRaced, and the caller
// reads both again to tell which.
func (s *Store) ChangePassword(ctx context.Context, c PasswordChange) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		used := []firestore.Update{{Path: "usedAt", Value: c.Now}}
		if err := tx.Update(s.passwordReset(c.LinkHash), used, firestore.LastUpdateTime(c.LinkSeen)); err != nil {
			return err
		}
		if err := tx.Update(s.fs.Collection(colAccounts).Doc(c.AccountID), []firestore.Update{
			{Path: "passwordHash", Value: c.PasswordHash},
			{Path: "passwordResetHash", Value: ""},
			{Path: "passwordChangedAt", Value: c.Now},
		}, firestore.LastUpdateTime(c.AccountSeen)); err != nil {
			return err
		}
		if err := s.resetAttempts(tx, CounterPassword, c.Email); err != nil {
			return err
		}
		return s.addEvents(tx, c.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.FailedPrecondition, codes.NotFound, codes.Aborted:
		return ErrRaced
	}
	return wrap("store.ChangePassword", err)
}

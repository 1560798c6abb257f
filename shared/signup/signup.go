// Package signup is how people come into workgate: creating a workspace
// and verifying the owner's e-mail (F1), invite links (F2), registration by
// an admin with a set-password link (F3), and the joined mail that every
// one of them sends (F4).
package signup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/store"
)

// VerificationTTL is how long a verification link works.
const VerificationTTL = 24 * time.Hour

// PendingHold is how long a pending workspace holds its ID: after that a
// creation by anyone may reclaim the ID, so nobody can squat free IDs for
// a day with unverified creations. Until then the owner's link still
// works; once the ID is reclaimed it is gone (410).
const PendingHold = time.Hour

// purgeAfter is how long expired verifications are kept before the TTL
// policy deletes them (for support questions about a link).
const purgeAfter = 7 * 24 * time.Hour

// Name lengths.
const (
	maxWorkspaceName = 60
	maxPersonName    = 60
)

// Default look of a new workspace.
const (
	defaultColor     = "#3A5BD9"
	defaultColorTone = "light"
)

// Service runs the sign-up flows.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Hasher *auth.Hasher
	Sealer *auth.Sealer
	Clock  clock.Clock
	// Limiter keeps the sign-up mails within their rates (per address and
	// per client IP).
	Limiter *ratelimit.Limiter
	// Link returns the public URL of a path (an invite link's URL).
	Link func(path string) string
}

// NewWorkspace is a request to create a workspace.
type NewWorkspace struct {
	WorkspaceID   string
	Name          string
	OwnerName     string
	OwnerEmail    string
	OwnerPassword string
	Locale        i18n.Locale
	// ClientIP is the address of the client that asks, as rate limits
	// count it.
	ClientIP string
}

// CreateWorkspace creates a pending workspace and mails its owner a
// verification link. The answer does not depend on whether the e-mail has
// an account (no enumeration); the ID being taken is errs.Conflict. Valid
// input is checked against the sign-up rates (errs.RateLimited) before
// the password is hashed or anything is written.
func (s *Service) CreateWorkspace(ctx context.Context, in NewWorkspace) error {
	if err := domain.CheckWorkspaceID(in.WorkspaceID); err != nil {
		return err
	}
	name, err := domain.CheckName("name", in.Name, maxWorkspaceName)
	if err != nil {
		return err
	}
	ownerName, err := domain.CheckName("owner.name", in.OwnerName, maxPersonName)
	if err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(in.OwnerEmail)
	if err != nil {
		return errs.E(errs.Invalid, "owner.email is not a valid address")
	}
	if err := auth.CheckPassword(in.OwnerPassword); err != nil {
		return err
	}
	// A taken ID is refused before the rates count it or a hash is spent
	// (the store checks again when it creates).
	if err := s.checkFreeID(ctx, in.WorkspaceID); err != nil {
		return err
	}
	if err := s.limit(ctx, email, in.ClientIP); err != nil {
		return err
	}
	// Hashed now, so the password never rests in clear; it is used only if
	// the e-mail has no account yet when the link is followed.
	hash, err := s.Hasher.Hash(ctx, in.OwnerPassword)
	if err != nil {
		return fmt.Errorf("signup.CreateWorkspace: %w", err)
	}
	now := s.Clock.Now()
	token := auth.NewToken()
	tokenHash := auth.HashToken(token)
	ws := &domain.Workspace{
		ID: in.WorkspaceID, Name: name, Color: defaultColor, ColorTone: defaultColorTone,
		Plan: domain.PlanFree, Status: domain.WorkspacePending, ProfileFields: domain.DefaultProfileFields(),
		CreatedAt: now, PendingUntil: now.Add(PendingHold), PendingVerification: tokenHash,
		PurgeAt: now.Add(VerificationTTL + purgeAfter),
	}
	v := &domain.Verification{
		Purpose: domain.VerifyOwner, WorkspaceID: ws.ID, WorkspaceName: name, Email: email, Name: ownerName,
		PasswordHash: hash, Locale: string(in.Locale), CreatedAt: now, ExpiresAt: now.Add(VerificationTTL),
		PurgeAt: now.Add(VerificationTTL + purgeAfter),
	}
	ev, err := events.NewMail(s.Sealer, mail.VerifyEmail, in.Locale, email, mail.Data{
		Name: ownerName, WorkspaceName: name, WorkspaceID: ws.ID,
		Token: token, ExpiresAt: v.ExpiresAt,
	}, now)
	if err != nil {
		return fmt.Errorf("signup.CreateWorkspace: %w", err)
	}
	if err := s.Store.CreateWorkspace(ctx, ws, tokenHash, v, []events.Event{ev}, now); err != nil {
		return err
	}
	s.Outbox.Dispatch(ctx, ev)
	return nil
}

var errIDTaken = errs.E(errs.Conflict, "this workspace ID is taken")

// checkFreeID returns errs.Conflict if a workspace holds the ID.
func (s *Service) checkFreeID(ctx context.Context, id string) error {
	ws, _, err := s.Store.Workspace(ctx, id)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil
	case err != nil:
		return err
	case ws.HoldsID(s.Clock.Now()):
		return errIDTaken
	}
	return nil
}

// limit counts one sign-up mail to email asked by clientIP, or refuses it
// with errs.RateLimited, counting nothing. Both workspace creation and
// invite acceptance count against the same rules: each mails the address
// a name of the asker's choice and costs a password hash.
func (s *Service) limit(ctx context.Context, email, clientIP string) error {
	return s.Limiter.Take(ctx,
		ratelimit.Use{Rule: ratelimit.SignupAddress, Key: email},
		ratelimit.Use{Rule: ratelimit.SignupIP, Key: clientIP},
	)
}

// Pending returns the live verification behind a token, without consuming
// it (the page a link opens shows it); errs.Gone if it is not live, or if
// it would activate a workspace whose ID was reclaimed since.
func (s *Service) Pending(ctx context.Context, token string) (*domain.Verification, error) {
	v, _, err := s.live(ctx, token, domain.VerifyOwner, domain.VerifyInvite)
	if err != nil {
		return nil, err
	}
	if v.Purpose == domain.VerifyOwner {
		if _, _, err := s.pendingWorkspace(ctx, v.WorkspaceID, auth.HashToken(token)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var errNotPending = errs.E(errs.Gone, "this workspace no longer waits for verification")

// pendingWorkspace returns the workspace that the owner verification of
// tokenHash activates, and the update time it was read at; errs.Gone if
// there is none: it was activated, or its ID reclaimed by a later creation
// (PendingHold).
func (s *Service) pendingWorkspace(ctx context.Context, id, tokenHash string) (*domain.Workspace, time.Time, error) {
	ws, seen, err := s.Store.Workspace(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, errNotPending
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	if ws.Status != domain.WorkspacePending || ws.PendingVerification != tokenHash {
		return nil, time.Time{}, errNotPending
	}
	return ws, seen, nil
}

// live returns the live verification behind a token and the update time
// it was read at; errs.Gone if there is none, it is used or expired, or it
// is for none of purposes (a set-password link is not an e-mail
// verification link, nor the other way round).
func (s *Service) live(ctx context.Context, token string, purposes ...string) (*domain.Verification, time.Time, error) {
	if token == "" || len(token) > 128 {
		return nil, time.Time{}, errs.E(errs.Gone, "this link is not valid")
	}
	v, seen, err := s.Store.Verification(ctx, auth.HashToken(token))
	if errs.Is(err, errs.NotFound) {
		return nil, time.Time{}, errs.E(errs.Gone, "this link is not valid")
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	if !slices.Contains(purposes, v.Purpose) {
		return nil, time.Time{}, errs.E(errs.Gone, "this link is not valid")
	}
	if !v.UsedAt.IsZero() {
		return nil, time.Time{}, domain.LinkUsed(errDeadLink)
	}
	if !v.Live(s.Clock.Now()) {
		return nil, time.Time{}, errDeadLink
	}
	return v, seen, nil
}

// errDeadLink is the API's answer to a link that was used or has expired
// (the pages tell the two apart: domain.IsLinkUsed).
var errDeadLink = errs.E(errs.Gone, "this link has expired or has already been used")

// used returns err, or the error of a used link if err is an errs.Gone
// of the commit and the link turns out to be used now: a concurrent use
// won the race, and the pages then say what it did.
func (s *Service) used(ctx context.Context, token string, err error, purposes ...string) error {
	if !errs.Is(err, errs.Gone) || domain.IsLinkUsed(err) {
		return err
	}
	if _, _, lerr := s.live(ctx, token, purposes...); domain.IsLinkUsed(lerr) {
		return lerr
	}
	return err
}

// Verified is the outcome of a verification.
type Verified struct {
	AccountID   string
	WorkspaceID string
}

// Verify consumes a verification token and does what it was for; at most
// one of any number of concurrent uses succeeds, the others get errs.Gone
// (a used link's: domain.IsLinkUsed).
func (s *Service) Verify(ctx context.Context, token string) (Verified, error) {
	// A concurrent sign-up may create the same account between our read
	// and our commit (store.ErrRaced); reading again resolves it.
	for range 3 {
		v, seen, err := s.live(ctx, token, domain.VerifyOwner, domain.VerifyInvite)
		if err != nil {
			return Verified{}, err
		}
		var out Verified
		switch v.Purpose {
		case domain.VerifyOwner:
			out, err = s.activate(ctx, auth.HashToken(token), v, seen)
		case domain.VerifyInvite:
			out, err = s.joinByInvite(ctx, auth.HashToken(token), v, seen)
		default:
			return Verified{}, fmt.Errorf("signup.Verify: unknown purpose %q", v.Purpose)
		}
		if !errors.Is(err, store.ErrRaced) {
			return out, s.used(ctx, token, err, domain.VerifyOwner, domain.VerifyInvite)
		}
	}
	return Verified{}, store.ErrRaced
}

// activate makes the verified owner the super admin of the pending
// workspace, creating their account unless the e-mail already has one:
// then the password given at creation is ignored, as F1 says, whether or
// not the account has a password (one registered by an admin that has
// none sets it through its set-password link or a reset, never through a
// sign-up form).
func (s *Service) activate(ctx context.Context, tokenHash string, v *domain.Verification, seen time.Time) (Verified, error) {
	ws, wsSeen, err := s.pendingWorkspace(ctx, v.WorkspaceID, tokenHash)
	if err != nil {
		return Verified{}, err
	}
	now := s.Clock.Now()
	acc, isNew, err := s.accountFor(ctx, v, now)
	if err != nil {
		return Verified{}, err
	}
	ev, err := events.NewMail(s.Sealer, mail.Joined, i18n.Parse(v.Locale), acc.Email, mail.Data{
		Name: acc.Name, WorkspaceName: ws.Name, WorkspaceID: ws.ID, LoginID: acc.Email,
	}, now)
	if err != nil {
		return Verified{}, fmt.Errorf("signup.activate: %w", err)
	}
	err = s.Store.ActivateWorkspace(ctx, store.Activation{
		VerificationHash: tokenHash, VerificationSeen: seen,
		WorkspaceID: ws.ID, WorkspaceSeen: wsSeen,
		Account: acc, NewAccount: isNew,
		Member: &domain.Member{
			AccountID: acc.ID, WorkspaceID: ws.ID, Name: acc.Name, Email: acc.Email,
			Role: domain.RoleSuperAdmin, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now,
		},
		Events: []events.Event{ev}, Now: now,
	})
	if err != nil {
		return Verified{}, err
	}
	s.Outbox.Dispatch(ctx, ev)
	return Verified{AccountID: acc.ID, WorkspaceID: ws.ID}, nil
}

// accountFor returns the account of the verified address, or a new one to
// create from the verification.
func (s *Service) accountFor(ctx context.Context, v *domain.Verification, now time.Time) (*domain.Account, bool, error) {
	id, err := s.Store.AccountIDByEmail(ctx, v.Email)
	if errs.Is(err, errs.NotFound) {
		return &domain.Account{ID: domain.NewID(), Email: v.Email, Name: v.Name, PasswordHash: v.PasswordHash, CreatedAt: now}, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	acc, _, err := s.Store.Account(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return acc, false, nil
}

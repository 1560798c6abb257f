package signup

import (
	"context"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/store"
)

// NewInviteLink is a request to create an invite link (F2).
type NewInviteLink struct {
	WorkspaceID string
	// CreatedBy is the admin's account ID.
	CreatedBy string
	// ExpiresInHours is 1–720; nil means DefaultInviteHours.
	ExpiresInHours *int
	// MaxUses is 1–10000; nil means unlimited.
	MaxUses *int
}

// CreatedInviteLink is a new link with its token, which is shown only
// this once (only its hash is kept).
type CreatedInviteLink struct {
	Link  *domain.InviteLink
	Token string
	// URL is the link to share: the invite page of the token.
	URL string
}

// CreateInviteLink creates an invite link to a workspace. The caller has
// checked that the admin may.
func (s *Service) CreateInviteLink(ctx context.Context, in NewInviteLink) (*CreatedInviteLink, error) {
	hours := domain.DefaultInviteHours
	if in.ExpiresInHours != nil {
		hours = *in.ExpiresInHours
	}
	if hours < 1 || hours > domain.MaxInviteHours {
		return nil, errs.Errorf(errs.Invalid, "expiresInHours must be 1 to %d", domain.MaxInviteHours)
	}
	maxUses := 0
	if in.MaxUses != nil {
		maxUses = *in.MaxUses
		if maxUses < 1 || maxUses > domain.MaxInviteUses {
			return nil, errs.Errorf(errs.Invalid, "maxUses must be 1 to %d, or absent for no limit", domain.MaxInviteUses)
		}
	}
	// Firestore keeps microseconds: the answer shows what a list will.
	now := s.Clock.Now().Truncate(time.Microsecond)
	token := auth.NewToken()
	l := &domain.InviteLink{
		ID: domain.NewID(), WorkspaceID: in.WorkspaceID, TokenHash: auth.HashToken(token),
		MaxUses: maxUses, CreatedBy: in.CreatedBy, CreatedAt: now, ExpiresAt: now.Add(time.Duration(hours) * time.Hour),
	}
	if err := s.Store.CreateInviteLink(ctx, l); err != nil {
		return nil, err
	}
	return &CreatedInviteLink{Link: l, Token: token, URL: s.InviteURL(token)}, nil
}

// InviteURL is the link to share for an invite token: its sign-up page.
func (s *Service) InviteURL(token string) string { return s.Link("/invite/" + token) }

// InviteLinks lists a workspace's invite links, newest first.
func (s *Service) InviteLinks(ctx context.Context, workspaceID string) ([]*domain.InviteLink, error) {
	return s.Store.InviteLinks(ctx, workspaceID)
}

// RevokeInviteLink revokes an invite link: it can no longer be opened or
// accepted, and sign-ups through it not yet verified are void. Revoking a
// revoked link is not an error; an unknown link is errs.NotFound.
func (s *Service) RevokeInviteLink(ctx context.Context, workspaceID, id string) error {
	if !domain.IsID(id) {
		return errs.E(errs.NotFound, "no such invite link")
	}
	return s.Store.RevokeInviteLink(ctx, workspaceID, id, s.Clock.Now())
}

// Invite is what an invite link's token leads to.
type Invite struct {
	Link      *domain.InviteLink
	Workspace *domain.Workspace
}

var errNoInvite = errs.E(errs.NotFound, "There is no such invite link.")

// Invite returns the usable link behind a token, with its workspace:
// errs.NotFound for an unknown token, errs.Gone for a link revoked,
// expired or used up, or a workspace no longer active.
func (s *Service) Invite(ctx context.Context, token string) (*Invite, error) {
	if token == "" || len(token) > 128 {
		return nil, errNoInvite
	}
	l, err := s.Store.InviteByToken(ctx, auth.HashToken(token))
	if errs.Is(err, errs.NotFound) {
		return nil, errNoInvite
	}
	if err != nil {
		return nil, err
	}
	if err := l.CheckUsable(s.Clock.Now()); err != nil {
		return nil, err
	}
	ws, err := s.activeWorkspace(ctx, l.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return &Invite{Link: l, Workspace: ws}, nil
}

// InviteSignUp is the form of an invite link: who signs up.
type InviteSignUp struct {
	Token    string
	Name     string
	Email    string
	Password string
	Locale   i18n.Locale
	// ClientIP is the address of the client that signs up, as rate limits
	// count it.
	ClientIP string
}

// InvalidFields names the fields of a sign-up that AcceptInvite refuses as
// errs.Invalid (name, email, password, in the form's order), so that a
// form can mark each; none if AcceptInvite would take them.
func (in InviteSignUp) InvalidFields() []string {
	var bad []string
	if _, err := domain.CheckName("name", in.Name, maxPersonName); err != nil {
		bad = append(bad, "name")
	}
	if _, err := domain.NormalizeEmail(in.Email); err != nil {
		bad = append(bad, "email")
	}
	if err := auth.CheckPassword(in.Password); err != nil {
		bad = append(bad, "password")
	}
	return bad
}

// AcceptInvite takes one use of an invite link and mails the address a
// verification link; following it makes the address a member (Verify).
// What it does and answers does not depend on whether the address has an
// account or is a member already (no enumeration): every acceptance hashes
// the password, takes a use and sends the mail. Valid input for a usable
// link is checked against the sign-up rates (errs.RateLimited) before the
// password is hashed or anything is written.
func (s *Service) AcceptInvite(ctx context.Context, in InviteSignUp) error {
	name, err := domain.CheckName("name", in.Name, maxPersonName)
	if err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(in.Password); err != nil {
		return err
	}
	inv, err := s.Invite(ctx, in.Token)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, email, in.ClientIP); err != nil {
		return err
	}
	// Hashed now, so the password never rests in clear; it is used only if
	// the address has no account when the link is followed.
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return fmt.Errorf("signup.AcceptInvite: %w", err)
	}
	now := s.Clock.Now()
	token := auth.NewToken()
	v := &domain.Verification{
		Purpose: domain.VerifyInvite, WorkspaceID: inv.Workspace.ID, WorkspaceName: inv.Workspace.Name, LinkID: inv.Link.ID,
		Email: email, Name: name, PasswordHash: hash, Locale: string(in.Locale),
		CreatedAt: now, ExpiresAt: now.Add(VerificationTTL), PurgeAt: now.Add(VerificationTTL + purgeAfter),
	}
	ev, err := events.NewMail(s.Sealer, mail.VerifyEmail, in.Locale, email, mail.Data{
		Name: name, WorkspaceName: inv.Workspace.Name, WorkspaceID: inv.Workspace.ID,
		Token: token, ExpiresAt: v.ExpiresAt,
	}, now)
	if err != nil {
		return fmt.Errorf("signup.AcceptInvite: %w", err)
	}
	err = s.Store.AcceptInvite(ctx, store.InviteAcceptance{
		Link: inv.Link, VerificationHash: auth.HashToken(token), Verification: v, Events: []events.Event{ev}, Now: now,
	})
	if err != nil {
		return err
	}
	s.Outbox.Dispatch(ctx, ev)
	return nil
}

// joinByInvite makes a verified invite-link sign-up an active member: it
// creates the account if the address has none when the link is followed
// (with the password given at sign-up). An account that exists by then is
// never changed, whether or not it has a password: a sign-up form is open
// to anyone who knows the address, so the password it carries must not
// become an existing account's. A member registered by an admin who has
// not set a password yet keeps none (the set-password link or a reset
// sets it). An address already an active member only uses the token up.
func (s *Service) joinByInvite(ctx context.Context, tokenHash string, v *domain.Verification, seen time.Time) (Verified, error) {
	// A link revoked after the sign-up voids it: revoking is how an admin
	// stops a link that leaked.
	l, err := s.Store.InviteLink(ctx, v.WorkspaceID, v.LinkID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Verified{}, err
	}
	if l == nil || l.Revoked() {
		return Verified{}, errs.E(errs.Gone, "The invite link of this sign-up was revoked.")
	}
	ws, err := s.activeWorkspace(ctx, v.WorkspaceID)
	if err != nil {
		return Verified{}, err
	}
	now := s.Clock.Now()
	j := store.Joining{VerificationHash: tokenHash, VerificationSeen: seen, Now: now}
	acc, err := s.accountByEmail(ctx, v.Email)
	if err != nil {
		return Verified{}, err
	}
	if acc == nil {
		// Created only if still absent at the commit (ErrRaced otherwise,
		// and the retry finds the account and leaves it alone).
		acc = &domain.Account{ID: domain.NewID(), Email: v.Email, Name: v.Name, PasswordHash: v.PasswordHash, CreatedAt: now}
		j.NewAccount = true
	}
	j.Account = acc
	fresh := &domain.Member{
		AccountID: acc.ID, WorkspaceID: ws.ID, Name: v.Name, Email: acc.Email,
		Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now,
	}
	if j.Member, j.MemberSeen, err = s.activation(ctx, ws.ID, acc.ID, fresh, !j.NewAccount); err != nil {
		return Verified{}, err
	}
	if j.Member != nil {
		ev, err := s.joinedMail(v.Locale, acc.Email, j.Member.Name, ws, now)
		if err != nil {
			return Verified{}, err
		}
		j.Events = append(j.Events, ev)
	}
	if err := s.Store.Join(ctx, j); err != nil {
		return Verified{}, err
	}
	s.Outbox.Dispatch(ctx, j.Events...)
	return Verified{AccountID: acc.ID, WorkspaceID: ws.ID}, nil
}

// activation returns the membership that makes an account an active
// member, and the update time of the one it replaces: fresh if there is
// none or it was deleted, the invited one made active, or nil if the
// account is an active member already. exists says whether to look.
func (s *Service) activation(ctx context.Context, workspaceID, accountID string, fresh *domain.Member, exists bool) (*domain.Member, time.Time, error) {
	if !exists {
		return fresh, time.Time{}, nil
	}
	m, seen, err := s.Store.Member(ctx, workspaceID, accountID)
	switch {
	case errs.Is(err, errs.NotFound):
		return fresh, time.Time{}, nil
	case err != nil:
		return nil, time.Time{}, err
	}
	switch m.Status {
	case domain.MemberActive:
		return nil, time.Time{}, nil
	case domain.MemberInvited:
		// Registered by an admin: keep what the admin filled in.
		m.Status, m.JoinedAt = domain.MemberActive, fresh.JoinedAt
		return m, seen, nil
	}
	return fresh, seen, nil
}

// joinedMail is the F4 mail: the recipient joined a workspace, with their
// login ID.
func (s *Service) joinedMail(locale, email, name string, ws *domain.Workspace, now time.Time) (events.Event, error) {
	ev, err := events.NewMail(s.Sealer, mail.Joined, i18n.Parse(locale), email, mail.Data{
		Name: name, WorkspaceName: ws.Name, WorkspaceID: ws.ID, LoginID: email,
	}, now)
	if err != nil {
		return events.Event{}, fmt.Errorf("signup.joinedMail: %w", err)
	}
	return ev, nil
}

// activeWorkspace returns a workspace that accepts members; errs.Gone if
// it is not active (any more).
func (s *Service) activeWorkspace(ctx context.Context, id string) (*domain.Workspace, error) {
	ws, _, err := s.Store.Workspace(ctx, id)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if ws == nil || ws.Status != domain.WorkspaceActive {
		return nil, errs.E(errs.Gone, "This workspace no longer accepts members.")
	}
	return ws, nil
}

// accountByEmail returns the account of an address, or nil if the address
// has none.
func (s *Service) accountByEmail(ctx context.Context, email string) (*domain.Account, error) {
	id, err := s.Store.AccountIDByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	acc, _, err := s.Store.Account(ctx, id)
	if err != nil {
		return nil, err // an index without its account is a defect, not "no account"
	}
	return acc, nil
}

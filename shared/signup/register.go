package signup

import (
	"context"
	"errors"
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

// PasswordSetupTTL is how long a set-password link works (F3).
const PasswordSetupTTL = 7 * 24 * time.Hour

// NewMember is a member an admin registers by e-mail (F3).
type NewMember struct {
	Workspace *domain.Workspace
	// InviterName is the registering admin's name, for the mail.
	InviterName string
	Email       string
	Name        string
	Department  string
	Title       string
	Position    string
	Mobile      string
	Locale      i18n.Locale
}

// RegisterMember registers an invited member and mails them a set-password
// link; it returns the member's ID (their account ID). An address with no
// account gets one, without a password. An address already an invited or
// active member of the workspace is errs.Conflict. The caller has checked
// that the admin may.
func (s *Service) RegisterMember(ctx context.Context, in NewMember) (string, error) {
	m, err := checkNewMember(in)
	if err != nil {
		return "", err
	}
	// A concurrent registration or sign-up may create the same account or
	// membership between our read and our commit (store.ErrRaced); reading
	// again resolves it.
	for range 3 {
		id, err := s.register(ctx, in, m)
		if !errors.Is(err, store.ErrRaced) {
			return id, err
		}
	}
	return "", store.ErrRaced
}

// checkNewMember validates a registration and returns the membership it
// asks for (without its account).
func checkNewMember(in NewMember) (domain.Member, error) {
	m := domain.Member{WorkspaceID: in.Workspace.ID, Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberInvited}
	var err error
	if m.Email, err = domain.NormalizeEmail(in.Email); err != nil {
		return m, err
	}
	if m.Name, err = domain.CheckName("name", in.Name, maxPersonName); err != nil {
		return m, err
	}
	for _, f := range []struct {
		name string
		in   string
		out  *string
	}{{"department", in.Department, &m.Department}, {"title", in.Title, &m.Title}, {"position", in.Position, &m.Position}} {
		if *f.out, err = domain.CheckProfileText(f.name, f.in, domain.MaxProfileText); err != nil {
			return m, err
		}
	}
	if m.Mobile, err = domain.NormalizePhone("mobile", in.Mobile); err != nil {
		return m, err
	}
	m.LoginPhone = m.Mobile // the admin's number is the login ID (F6); the profile's is the member's to edit
	return m, nil
}

var errAlreadyMember = errs.E(errs.Conflict, "This e-mail address is already a member of the workspace.")

func (s *Service) register(ctx context.Context, in NewMember, m domain.Member) (string, error) {
	now := s.Clock.Now()
	r := store.Registration{Member: &m}
	acc, err := s.accountByEmail(ctx, m.Email)
	if err != nil {
		return "", err
	}
	if acc == nil {
		acc = &domain.Account{ID: domain.NewID(), Email: m.Email, Name: m.Name, CreatedAt: now}
		r.NewAccount = true
	} else {
		old, seen, err := s.Store.Member(ctx, m.WorkspaceID, acc.ID)
		switch {
		case errs.Is(err, errs.NotFound):
		case err != nil:
			return "", err
		case old.Status != domain.MemberDeleted:
			return "", errAlreadyMember
		default:
			r.MemberSeen = seen // registered again after being deleted
		}
	}
	r.Account, m.AccountID = acc, acc.ID
	token := auth.NewToken()
	r.VerificationHash = auth.HashToken(token)
	r.Verification = &domain.Verification{
		Purpose: domain.VerifyPasswordSetup, WorkspaceID: m.WorkspaceID, WorkspaceName: in.Workspace.Name,
		Email: m.Email, Name: m.Name, AccountID: acc.ID, Locale: string(in.Locale),
		CreatedAt: now, ExpiresAt: now.Add(PasswordSetupTTL), PurgeAt: now.Add(PasswordSetupTTL + purgeAfter),
	}
	ev, err := events.NewMail(s.Sealer, mail.SetPassword, in.Locale, m.Email, mail.Data{
		Name: m.Name, WorkspaceName: in.Workspace.Name, InviterName: in.InviterName,
		Token: token, ExpiresAt: r.Verification.ExpiresAt,
	}, now)
	if err != nil {
		return "", fmt.Errorf("signup.RegisterMember: %w", err)
	}
	r.Events = []events.Event{ev}
	if err := s.Store.RegisterMember(ctx, r); err != nil {
		return "", err
	}
	s.Outbox.Dispatch(ctx, ev)
	return acc.ID, nil
}

// PendingSetup returns the live set-password verification behind a token,
// without consuming it (the page the link opens shows it); errs.Gone if it
// is not live.
func (s *Service) PendingSetup(ctx context.Context, token string) (*domain.Verification, error) {
	v, _, err := s.live(ctx, token, domain.VerifyPasswordSetup)
	return v, err
}

// SetPassword consumes a set-password link (F3): the account gets the
// password and the membership turns active, with the joined mail (F4).
// At most one of any number of concurrent uses succeeds, the others get
// errs.Gone. An account that had a password already (an existing account
// registered to another workspace) has it replaced as by a reset: its
// sessions end, its password lock is lifted and it is told by mail.
func (s *Service) SetPassword(ctx context.Context, token, password string) (Verified, error) {
	if _, _, err := s.live(ctx, token, domain.VerifyPasswordSetup); err != nil {
		return Verified{}, err
	}
	if err := auth.CheckPassword(password); err != nil {
		return Verified{}, err
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return Verified{}, fmt.Errorf("signup.SetPassword: %w", err)
	}
	for range 3 {
		v, seen, err := s.live(ctx, token, domain.VerifyPasswordSetup)
		if err != nil {
			return Verified{}, err
		}
		out, err := s.setUp(ctx, auth.HashToken(token), v, seen, hash)
		if !errors.Is(err, store.ErrRaced) {
			return out, err
		}
	}
	return Verified{}, store.ErrRaced
}

var errNotInvited = errs.E(errs.Gone, "This invitation was withdrawn.")

func (s *Service) setUp(ctx context.Context, tokenHash string, v *domain.Verification, seen time.Time, hash string) (Verified, error) {
	ws, err := s.activeWorkspace(ctx, v.WorkspaceID)
	if err != nil {
		return Verified{}, err
	}
	acc, accSeen, err := s.Store.Account(ctx, v.AccountID)
	if errs.Is(err, errs.NotFound) {
		return Verified{}, errNotInvited
	}
	if err != nil {
		return Verified{}, err
	}
	m, mSeen, err := s.Store.Member(ctx, v.WorkspaceID, v.AccountID)
	if errs.Is(err, errs.NotFound) {
		return Verified{}, errNotInvited
	}
	if err != nil {
		return Verified{}, err
	}
	if m.Status == domain.MemberDeleted {
		return Verified{}, errNotInvited
	}
	now := s.Clock.Now()
	j := store.Joining{
		VerificationHash: tokenHash, VerificationSeen: seen,
		Account: acc, PasswordHash: hash, AccountSeen: accSeen, Now: now,
	}
	if m.Status == domain.MemberInvited {
		m.Status, m.JoinedAt = domain.MemberActive, now
		j.Member, j.MemberSeen = m, mSeen
		ev, err := s.joinedMail(v.Locale, acc.Email, m.Name, ws, now)
		if err != nil {
			return Verified{}, err
		}
		j.Events = append(j.Events, ev)
	}
	reset := acc.HasPassword()
	if reset {
		ev, err := events.NewMail(s.Sealer, mail.PasswordChanged, i18n.Parse(v.Locale), acc.Email, mail.Data{Name: acc.Name, ChangedAt: now}, now)
		if err != nil {
			return Verified{}, fmt.Errorf("signup.SetPassword: %w", err)
		}
		j.Events = append(j.Events, ev)
	}
	if err := s.Store.Join(ctx, j); err != nil {
		return Verified{}, err
	}
	s.Outbox.Dispatch(ctx, j.Events...)
	if reset {
		// After the commit: a login counted before it and committed after
		// fails on the lockout counter the commit reset (one that trusts a
		// device, on the account's changed update time), and one counted
		// after it reads the new password, so no session made with the
		// old password outlives this.
		if err := s.Store.RevokeSessions(ctx, acc.ID, "", "", domain.RevokedPasswordSet, now); err != nil {
			return Verified{}, err
		}
	}
	return Verified{AccountID: acc.ID, WorkspaceID: ws.ID}, nil
}

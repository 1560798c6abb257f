package login

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
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// The new device's side of F9: polling its approval request, and the
// super admin's recovery key for when no one can approve.

// Poll is the answer to a poll: the request's status, and on the first
// poll after its approval the new device's session (with its device
// token).
type Poll struct {
	Status  string            `json:"status"`
	Session *session.Response `json:"session,omitempty"`
}

var errNoApproval = errs.E(errs.NotFound, "There is no such approval request.")

// PollApproval answers the holder of a request's poll token. The session
// is issued once: the commit that issues it marks the request with a
// precondition, so of concurrent polls one gets it.
func (s *Service) PollApproval(ctx context.Context, id, pollToken string) (*Poll, error) {
	if !domain.IsID(id) || pollToken == "" || len(pollToken) > 128 {
		return nil, errNoApproval
	}
	for range 3 {
		a, seen, err := s.Store.Approval(ctx, id)
		if errs.Is(err, errs.NotFound) {
			return nil, errNoApproval
		}
		if err != nil {
			return nil, err
		}
		if !s.MACer.Equal(a.PollTokenMAC, "poll-token", pollToken) {
			return nil, errNoApproval
		}
		now := s.Clock.Now()
		if !a.Collectable(now) {
			status := a.StatusAt(now)
			if status == domain.ApprovalApproved && !a.SessionIssued {
				status = domain.ApprovalExpired // approved, but not collected in time
			}
			return &Poll{Status: status}, nil
		}
		acc, accSeen, err := s.Store.Account(ctx, a.AccountID)
		if err != nil {
			return nil, err
		}
		m, err := s.Store.Membership(ctx, a.WorkspaceID, a.AccountID)
		if err != nil {
			return nil, err
		}
		// A password changed since the login, or a membership or workspace
		// gone, voids the approval.
		if acc.PasswordChangedAt.After(a.RequestedAt) || m.Member == nil || m.Member.Status != domain.MemberActive ||
			m.Workspace == nil || m.Workspace.Status != domain.WorkspaceActive {
			return &Poll{Status: domain.ApprovalDenied}, nil
		}
		dev, deviceToken := NewTrustedDevice(a.AccountID, a.DeviceID, a.Device, now)
		sess, refresh := s.Sessions.New(a.AccountID, a.WorkspaceID, dev.ID)
		err = s.Store.CreateSession(ctx, store.NewSession{
			Session: sess, Device: dev, AccountSeen: accSeen, Approval: a.ID, ApprovalSeen: seen, Now: now,
		})
		if errors.Is(err, store.ErrRaced) {
			continue // a concurrent poll, or the account changed: read again
		}
		if err != nil {
			return nil, err
		}
		res, err := s.respond(sess, refresh, deviceToken)
		if err != nil {
			return nil, err
		}
		return &Poll{Status: domain.ApprovalApproved, Session: res}, nil
	}
	return nil, store.ErrRaced
}

// recoveryKeyMAC is the form in which a workspace's recovery key is kept:
// a MAC with the ID key, which never rotates, as a recovery key lives
// until it is used.
func (s *Service) recoveryKeyMAC(workspaceID, key string) string {
	return s.IDs.MAC("recovery-key", workspaceID, auth.NormalizeRecoveryKey(key))
}

// superAdmin reports whether a membership is the active super admin's of an
// active workspace.
func superAdmin(m *store.Membership, accountID string) bool {
	return m.Member != nil && m.Member.Status == domain.MemberActive && m.Member.Role == domain.RoleSuperAdmin &&
		m.Workspace != nil && m.Workspace.Status == domain.WorkspaceActive && m.Workspace.SuperAdminID == accountID
}

// CreateRecoveryKey makes a new recovery key for the caller's workspace,
// replacing the old one. Only the super admin may, re-entering their
// password (judged under the lockout like any login). The key is returned
// once; only its MAC is kept (it has 100 bits, so a MAC cannot be guessed
// back).
func (s *Service) CreateRecoveryKey(ctx context.Context, p *session.Principal, workspaceID, password string, locale i18n.Locale) (string, error) {
	if err := p.In(workspaceID, ""); err != nil {
		return "", err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return "", err
	}
	if err := s.Reauthenticate(ctx, p, password, locale); err != nil {
		return "", err
	}
	key := auth.NewRecoveryKey()
	err := s.Store.PutRecoveryKey(ctx, &domain.RecoveryKey{
		WorkspaceID: workspaceID, KeyMAC: s.recoveryKeyMAC(workspaceID, key), CreatedAt: s.Clock.Now(), CreatedBy: p.AccountID,
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// RecoveryLogin is a super admin's login with the workspace's recovery key.
type RecoveryLogin struct {
	WorkspaceID string
	Email       string
	Password    string
	RecoveryKey string
	Device      domain.Device
	Locale      i18n.Locale
}

// errRecovery is the one answer to any recovery login that does not
// succeed on its merits: a wrong, used or replaced key, a workspace with no
// key, an account that is not the workspace's super admin or does not
// exist, and a wrong password with the right key. So the endpoint tells a
// caller nothing they could not know without it: not whether a password is
// right, nor whether an account exists, nor whether it is locked (as long
// as they do not hold the key).
var errRecovery = errs.E(errs.InvalidCredentials, "The recovery key, e-mail address or password is not right, or the key was used already.")

// Recovery logs the super admin in with the workspace's recovery key and
// their password, with no e-mail code and no approval: the device becomes
// trusted and the key is used up in the same commit (of two concurrent
// uses, one succeeds). The account is mailed.
//
// The key, and that the address is the active super admin's of that
// active workspace, are judged before the password: with any of them
// wrong the password is hashed against nothing (so every refusal costs one
// hash, as a login does) and the call touches no lockout counter, so it
// can neither test a password nor lock anyone out. Only the holder of the
// super admin's own key has the password judged, under the lockout as any
// login: a wrong one counts toward the lock (a stolen key must not buy
// unlimited guesses), is answered as a wrong key is, and a lock is then
// answered 423 (the caller proved they hold the key).
func (s *Service) Recovery(ctx context.Context, in RecoveryLogin) (*session.Response, error) {
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if err := checkLoginInput(in.WorkspaceID, in.Password, in.Device); err != nil {
		return nil, err
	}
	key := auth.NormalizeRecoveryKey(in.RecoveryKey)
	if key == "" || len(key) > 64 {
		return nil, errs.E(errs.Invalid, "recoveryKey is required")
	}
	h, err := s.keyHolder(ctx, in.WorkspaceID, email, key)
	if err != nil {
		return nil, err
	}
	if h == nil {
		s.Hasher.VerifyDummy(ctx, in.Password)
		return nil, errRecovery
	}
	if _, _, err = s.judgePassword(ctx, email, h.account, h.accountSeen, in.Password, in.Locale); err != nil {
		if errs.Is(err, errs.InvalidCredentials) {
			return nil, errRecovery
		}
		return nil, err
	}
	for range 3 {
		acc, m, now := h.account, h.membership, s.Clock.Now()
		dev, deviceToken := NewTrustedDevice(acc.ID, domain.NewID(), in.Device, now)
		sess, refresh := s.Sessions.New(acc.ID, in.WorkspaceID, dev.ID)
		ev, err := events.NewMail(s.Sealer, mail.RecoveryLogin, in.Locale, acc.Email, mail.Data{
			Name: acc.Name, WorkspaceName: m.Workspace.Name, WorkspaceID: in.WorkspaceID,
			DeviceName: dev.Name, Platform: dev.Platform, At: now,
		}, now)
		if err != nil {
			return nil, fmt.Errorf("login.Recovery: %w", err)
		}
		err = s.Store.CreateSession(ctx, store.NewSession{
			Session: sess, Device: dev, AccountSeen: h.accountSeen, FirstDevice: acc.FirstDeviceAt.IsZero(),
			RecoveryKeySeen: h.keySeen, Events: []events.Event{ev}, Now: now,
		})
		if errors.Is(err, store.ErrRaced) {
			// The key was used or replaced, or the account changed: judge
			// the key again (a used one is the one answer), and refuse if
			// the password changed.
			if h, err = s.keyHolder(ctx, in.WorkspaceID, email, key); err != nil {
				return nil, err
			}
			if h == nil || h.account.PasswordHash != acc.PasswordHash {
				return nil, errRecovery
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		s.Outbox.Dispatch(ctx, ev)
		return s.respond(sess, refresh, deviceToken)
	}
	return nil, store.ErrRaced
}

// keyHolder is the super admin a recovery key was judged to be for: the
// account and its membership, with the update times the account and the
// key were read at.
type keyHolder struct {
	account     *domain.Account
	accountSeen time.Time
	membership  *store.Membership
	keySeen     time.Time
}

// keyHolder judges a recovery key for a workspace and an address: it
// returns the holder if the key is the workspace's unused key and the
// address is the account of its active super admin, nil otherwise. It
// reads the same documents whatever the outcome, so the time it takes
// tells no more than the answer.
func (s *Service) keyHolder(ctx context.Context, workspaceID, email, key string) (*keyHolder, error) {
	k, keySeen, err := s.Store.RecoveryKey(ctx, workspaceID)
	if errs.Is(err, errs.NotFound) {
		k = &domain.RecoveryKey{}
	} else if err != nil {
		return nil, err
	}
	// Compare even with no key stored, for the same work.
	keyOK := s.IDs.Equal(k.KeyMAC, "recovery-key", workspaceID, key) && k.KeyMAC != ""
	accountID, err := s.Store.AccountIDByEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		accountID = noAccount // a read that finds nothing, as for a known one
	} else if err != nil {
		return nil, err
	}
	acc, accSeen, err := s.Store.Account(ctx, accountID)
	if errs.Is(err, errs.NotFound) {
		acc = nil
	} else if err != nil {
		return nil, err
	}
	m, err := s.Store.Membership(ctx, workspaceID, accountID)
	if err != nil {
		return nil, err
	}
	if !keyOK || acc == nil || !superAdmin(m, acc.ID) {
		return nil, nil
	}
	return &keyHolder{account: acc, accountSeen: accSeen, membership: m, keySeen: keySeen}, nil
}

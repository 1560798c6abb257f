// Package session issues and checks sessions (F10): an EdDSA access JWT of
// 15 minutes that every authenticated call verifies together with the
// session's state, and an opaque refresh token that rotates on every use;
// a reused refresh token revokes its session.
package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// Lifetimes.
const (
	AccessTTL = 15 * time.Minute
	// RefreshTTL is how long a session lives without being refreshed;
	// every rotation extends it.
	RefreshTTL = 30 * 24 * time.Hour
	// keepRotated is how many used refresh secrets a session remembers to
	// recognise their reuse.
	keepRotated = 20
)

// Claims are an access token's claims: sub is the account; iss is the
// deployment's PUBLIC_URL and aud its API, PUBLIC_URL/v1 (auth.Signer).
type Claims struct {
	jwt.RegisteredClaims
	WorkspaceID string `json:"ws"`
	SessionID   string `json:"sid"`
	DeviceID    string `json:"did"`
}

// Service issues and checks sessions.
type Service struct {
	Store  *store.Store
	Signer *auth.Signer
	Clock  clock.Clock
}

// Response is the session response of API.md.
type Response struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	AccountID    string `json:"accountId"`
	WorkspaceID  string `json:"workspaceId"`
	SessionID    string `json:"sessionId"`
	DeviceID     string `json:"deviceId"`
	// DeviceToken is set when this response made the device trusted.
	DeviceToken string `json:"deviceToken,omitempty"`
}

// New returns a new session for an account in a workspace on a device, and
// its refresh token. Nothing is stored: the login commits the session with
// whatever else it changes (store.CreateSession).
func (s *Service) New(accountID, workspaceID, deviceID string) (*domain.Session, string) {
	now := s.Clock.Now()
	sess := &domain.Session{
		ID: domain.NewID(), AccountID: accountID, WorkspaceID: workspaceID, DeviceID: deviceID, Rotated: []string{},
		CreatedAt: now, RefreshedAt: now, ExpiresAt: now.Add(RefreshTTL), PurgeAt: now.Add(RefreshTTL),
	}
	token, hash := auth.NewKeyedToken(sess.ID)
	sess.RefreshHash = hash
	return sess, token
}

// Respond signs an access token for a session and returns the session
// response carrying it and the refresh token.
func (s *Service) Respond(sess *domain.Session, refreshToken string) (*Response, error) {
	now := s.Clock.Now()
	access, err := s.Signer.Sign(Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.Signer.Issuer(), Audience: jwt.ClaimStrings{s.Signer.Audience()}, Subject: sess.AccountID, ID: domain.NewID(),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL)),
		},
		WorkspaceID: sess.WorkspaceID, SessionID: sess.ID, DeviceID: sess.DeviceID,
	})
	if err != nil {
		return nil, fmt.Errorf("session.Respond: %w", err)
	}
	return &Response{
		AccessToken: access, RefreshToken: refreshToken, TokenType: "Bearer", ExpiresIn: int(AccessTTL / time.Second),
		AccountID: sess.AccountID, WorkspaceID: sess.WorkspaceID, SessionID: sess.ID, DeviceID: sess.DeviceID,
	}, nil
}

// Principal is the caller of an authenticated request.
type Principal struct {
	AccountID   string
	WorkspaceID string
	SessionID   string
	DeviceID    string
	Member      *domain.Member
	Workspace   *domain.Workspace
}

var errUnauthenticated = errs.E(errs.Unauthenticated, "Log in to use this.")

// Authenticate checks the request's bearer access token and the state
// behind it: the session must be live, the membership active and the
// workspace active, so logout, revocation, member deletion and withdrawal
// take effect at once. Any failure is errs.Unauthenticated. The caller is
// marked online (F9).
func (s *Service) Authenticate(r *http.Request) (*Principal, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, errUnauthenticated
	}
	var c Claims
	if err := s.Signer.Verify(token, &c); err != nil {
		return nil, err
	}
	if !domain.IsID(c.Subject) || !domain.IsID(c.SessionID) || domain.CheckWorkspaceID(c.WorkspaceID) != nil {
		return nil, errUnauthenticated
	}
	caller, err := s.Store.Caller(r.Context(), c.SessionID, c.WorkspaceID, c.Subject)
	if errs.Is(err, errs.NotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if !s.usable(caller.Session, &caller.Membership, c.WorkspaceID, c.Subject) {
		return nil, errUnauthenticated
	}
	s.markPresent(r.Context(), c.WorkspaceID, c.Subject, caller.SeenAt)
	return &Principal{
		AccountID: c.Subject, WorkspaceID: c.WorkspaceID, SessionID: c.SessionID, DeviceID: c.DeviceID,
		Member: caller.Member, Workspace: caller.Workspace,
	}, nil
}

// markPresent marks the caller online (F9), at most once per
// domain.PresenceEvery. A failure only delays the next mark: it is logged,
// and the call goes on.
func (s *Service) markPresent(ctx context.Context, workspaceID, accountID string, seenAt time.Time) {
	now := s.Clock.Now()
	if now.Sub(seenAt) < domain.PresenceEvery {
		return
	}
	if err := s.Store.MarkPresent(ctx, workspaceID, accountID, now); err != nil {
		logging.From(ctx).Warn("presence not recorded", "error", err.Error())
	}
}

// usable reports whether a session of an account in a workspace can be
// used now: live, with an active membership of an active workspace.
func (s *Service) usable(sess *domain.Session, m *store.Membership, workspaceID, accountID string) bool {
	return sess.AccountID == accountID && sess.WorkspaceID == workspaceID && sess.Active(s.Clock.Now()) &&
		m.Member != nil && m.Member.Status == domain.MemberActive &&
		m.Workspace != nil && m.Workspace.Status == domain.WorkspaceActive
}

// In refuses a caller acting on another workspace than their session's, or
// lacking a permission (none if perm is empty).
func (p *Principal) In(workspaceID, perm string) error {
	if workspaceID != p.WorkspaceID {
		return errs.E(errs.Forbidden, "You are not a member of this workspace.")
	}
	if perm != "" && !p.Member.Can(perm) {
		return errs.E(errs.Forbidden, "You do not have the permission to do this.")
	}
	return nil
}

var errSuperAdminOnly = errs.E(errs.Forbidden, "Only the super admin can do this.")

// RequireSuperAdmin refuses a caller who is not their workspace's super
// admin, by both records: their role and the workspace's superAdminId.
func (p *Principal) RequireSuperAdmin() error {
	if p.Member.Role != domain.RoleSuperAdmin || p.Workspace.SuperAdminID != p.AccountID {
		return errSuperAdminOnly
	}
	return nil
}

var errBadRefresh = errs.E(errs.Unauthenticated, "The refresh token is invalid or has expired.")

// Refresh rotates a refresh token: it returns a new session response and
// the old token stops working. A token that was already rotated is a
// reuse: someone holds a copy, so the whole session is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (*Response, error) {
	id, hash, ok := auth.SplitKeyedToken(token)
	if !ok {
		return nil, errBadRefresh
	}
	for range 3 {
		sess, seen, err := s.Store.Session(ctx, id)
		if errs.Is(err, errs.NotFound) {
			return nil, errBadRefresh
		}
		if err != nil {
			return nil, err
		}
		now := s.Clock.Now()
		if !auth.EqualSecret(hash, sess.RefreshHash) {
			for _, old := range sess.Rotated {
				if auth.EqualSecret(hash, old) {
					if err := s.Store.RevokeSession(ctx, sess.ID, domain.RevokedRefreshReuse, now); err != nil {
						return nil, err
					}
					return nil, errs.E(errs.Unauthenticated, "This refresh token was already used; the session has been ended.")
				}
			}
			return nil, errBadRefresh
		}
		m, err := s.Store.Membership(ctx, sess.WorkspaceID, sess.AccountID)
		if err != nil {
			return nil, err
		}
		if !s.usable(sess, m, sess.WorkspaceID, sess.AccountID) {
			return nil, errBadRefresh
		}
		next, nextHash := auth.NewKeyedToken(sess.ID)
		sess.Rotated = append(sess.Rotated, sess.RefreshHash)
		if len(sess.Rotated) > keepRotated {
			sess.Rotated = sess.Rotated[len(sess.Rotated)-keepRotated:]
		}
		sess.RefreshHash, sess.RefreshedAt = nextHash, now
		sess.ExpiresAt, sess.PurgeAt = now.Add(RefreshTTL), now.Add(RefreshTTL)
		err = s.Store.RotateRefresh(ctx, sess, seen)
		if errs.Is(err, errs.Gone) {
			continue // a concurrent use won: read again (now a reuse, or revoked)
		}
		if err != nil {
			return nil, err
		}
		return s.Respond(sess, next)
	}
	return nil, errBadRefresh
}

// Logout revokes the caller's session, and removes the push token its
// device registered in the session's workspace (F19): a logged-out phone
// gets no pushes. The token goes first: a logout that fails can be tried
// again, which a revoked session could not.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if err := s.Store.DropWorkspacePushToken(ctx, p.AccountID, p.DeviceID, p.WorkspaceID); err != nil {
		return err
	}
	return s.Store.RevokeSession(ctx, p.SessionID, domain.RevokedLogout, s.Clock.Now())
}

// Package profile is what members show of themselves: their own profile and
// its edits (F11), other members' profiles as their workspace's settings
// show them, and profile links, one-time or QR, that share a profile
// outside the workspace (F12).
package profile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service serves profiles and profile links.
type Service struct {
	Store *store.Store
	Clock clock.Clock
	// Link makes an absolute URL of a path (config.PublicLink).
	Link func(path string) string
	// Limiter keeps each member within ratelimit.ProfileLinkMember links
	// created.
	Limiter *ratelimit.Limiter
}

// Edit applies an edit to the caller's own profile and returns the profile
// as it now is. A refused edit changes nothing.
func (s *Service) Edit(ctx context.Context, p *session.Principal, e domain.ProfileEdit) (*domain.Member, error) {
	m := *p.Member
	fields, err := e.Apply(&m, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateProfile(ctx, &m, fields); err != nil {
		return nil, fmt.Errorf("profile.Edit: %w", err)
	}
	return &m, nil
}

// maxQRAttempts bounds the tries of a new QR link that keeps losing to
// concurrent ones (the same member on several devices at once).
const maxQRAttempts = 10

var errNoProfile = errs.E(errs.NotFound, "There is no such member, or you cannot see their profile.")

// View returns another member's profile as the caller may see it: a
// colleague's by the caller's workspace settings; an external member's, or
// an adder's, by their own workspace's settings. Anyone else, and anyone
// blocked either way, is errs.NotFound.
func (s *Service) View(ctx context.Context, p *session.Principal, memberID string) (*domain.VisibleProfile, error) {
	if !domain.IsID(memberID) {
		return nil, errNoProfile
	}
	rel, err := s.Store.Relation(ctx, p.WorkspaceID, p.AccountID, memberID)
	if err != nil {
		return nil, fmt.Errorf("profile.View: %w", err)
	}
	if rel.Block != nil {
		return nil, errNoProfile
	}
	if rel.Colleague() {
		return p.Workspace.ProfileFields.Show(rel.Member), nil
	}
	workspaceID := rel.ExternalWorkspace()
	if workspaceID == "" {
		return nil, errNoProfile
	}
	c, err := s.Store.Counterpart(ctx, workspaceID, memberID, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("profile.View: %w", err)
	}
	if !c.Active() || c.BlocksViewer {
		return nil, errNoProfile
	}
	return c.Workspace.ProfileFields.Show(c.Member), nil
}

// Created is a new profile link with its token and URL, which exist only
// in this answer (the link keeps a hash of the token).
type Created struct {
	Link  *domain.ProfileLink
	Token string
	URL   string
}

// CreateLink creates a profile link of the caller's. A new QR link
// replaces the caller's old one, which stops working. Each creation counts
// towards the caller's ratelimit.ProfileLinkMember.
func (s *Service) CreateLink(ctx context.Context, p *session.Principal, linkType string) (*Created, error) {
	if linkType != domain.LinkOneTime && linkType != domain.LinkQR {
		return nil, errs.E(errs.Invalid, `type must be "one_time" or "qr"`)
	}
	use := ratelimit.Use{Rule: ratelimit.ProfileLinkMember, Key: domain.MemberKey(p.WorkspaceID, p.AccountID)}
	if err := s.Limiter.Take(ctx, use); err != nil {
		return nil, err
	}
	now := s.Clock.Now().Truncate(time.Microsecond) // as Firestore keeps it: the answer and the list agree
	l := &domain.ProfileLink{ID: domain.NewID(), Type: linkType, WorkspaceID: p.WorkspaceID, AccountID: p.AccountID, CreatedAt: now}
	token, hash := auth.NewKeyedToken(l.ID)
	l.SecretHash = hash
	out := &Created{Link: l, Token: token, URL: s.URL(token)}
	if linkType == domain.LinkOneTime {
		l.ExpiresAt = now.Add(domain.OneTimeLinkTTL)
		l.PurgeAt = l.ExpiresAt.Add(30 * 24 * time.Hour)
		if err := s.Store.CreateProfileLink(ctx, l); err != nil {
			return nil, fmt.Errorf("profile.CreateLink: %w", err)
		}
		return out, nil
	}
	for attempt := range maxQRAttempts {
		if attempt > 0 {
			// Another new QR link won: wait a moment, then replace that one.
			time.Sleep(time.Duration(1+rand.IntN(10*attempt)) * time.Millisecond) //nolint:gosec // jitter, not a secret
		}
		oldID, seen, err := s.Store.QRLink(ctx, p.WorkspaceID, p.AccountID)
		if err != nil {
			return nil, fmt.Errorf("profile.CreateLink: %w", err)
		}
		err = s.Store.ReplaceQRLink(ctx, l, oldID, seen)
		if errs.Is(err, errs.Conflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("profile.CreateLink: %w", err)
		}
		return out, nil
	}
	return nil, store.ErrRaced
}

// Links returns the caller's live profile links, newest first.
func (s *Service) Links(ctx context.Context, p *session.Principal) ([]*domain.ProfileLink, error) {
	links, err := s.Store.ProfileLinks(ctx, p.WorkspaceID, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("profile.Links: %w", err)
	}
	now := s.Clock.Now()
	return slices.DeleteFunc(links, func(l *domain.ProfileLink) bool { return !l.Live(now) }), nil
}

// RevokeLink revokes one of the caller's live links.
func (s *Service) RevokeLink(ctx context.Context, p *session.Principal, linkID string) error {
	if !domain.IsID(linkID) {
		return errs.E(errs.NotFound, "You have no such live profile link.")
	}
	for range 3 {
		l, seen, err := s.Store.ProfileLink(ctx, linkID)
		if errs.Is(err, errs.NotFound) || (err == nil && (l.AccountID != p.AccountID || l.WorkspaceID != p.WorkspaceID || !l.Live(s.Clock.Now()))) {
			return errs.E(errs.NotFound, "You have no such live profile link.")
		}
		if err != nil {
			return fmt.Errorf("profile.RevokeLink: %w", err)
		}
		err = s.Store.RevokeProfileLink(ctx, l.ID, seen, s.Clock.Now())
		if errs.Is(err, errs.Conflict) {
			continue // used or revoked meanwhile: read again
		}
		return err
	}
	return store.ErrRaced
}

// Shared is a live profile link with its owner.
type Shared struct {
	Link     *domain.ProfileLink
	LinkSeen time.Time
	// Owner is the owner's membership and workspace, and whether they
	// blocked the member opening the link.
	Owner *store.Counterpart
	// Relation is how the member opening the link stands to its owner; nil
	// when nobody is logged in (the card page, the QR code).
	Relation *store.Relation
	// Colleague says that the owner is a member of the opener's own
	// workspace (or the opener themselves).
	Colleague bool
}

// Profile is the owner's profile as their workspace shows it.
func (sh *Shared) Profile() *domain.VisibleProfile {
	return sh.Owner.Workspace.ProfileFields.Show(sh.Owner.Member)
}

var (
	errNoLink       = errs.E(errs.NotFound, "There is no such profile link.")
	errDeadLink     = errs.E(errs.Gone, "This profile link has expired, has been used or revoked.")
	errExternalChat = errs.E(errs.ExternalChatDisabled, "Chat with members of other workspaces is turned off in your workspace or theirs.")
)

// Open finds the live profile link a token names, and its owner, for
// anyone holding the token (the card page, the QR code). It never uses a
// link up.
func (s *Service) Open(ctx context.Context, token string) (*Shared, error) {
	return s.open(ctx, token, "")
}

// OpenAs opens a profile link for a member: the link as Open finds it,
// then the rules of reaching its owner (F12, F13). Blocked either way is
// errs.NotFound, as if there were no such link. A colleague is always
// reached; a member of another workspace only if both workspaces allow
// external chat (errs.ExternalChatDisabled).
func (s *Service) OpenAs(ctx context.Context, p *session.Principal, token string) (*Shared, error) {
	sh, err := s.open(ctx, token, p.AccountID)
	if err != nil {
		return nil, err
	}
	if sh.Relation, err = s.Store.Relation(ctx, p.WorkspaceID, p.AccountID, sh.Link.AccountID); err != nil {
		return nil, fmt.Errorf("profile.OpenAs: %w", err)
	}
	if sh.Colleague = sh.Relation.Colleague(); sh.Colleague {
		return sh, nil
	}
	if err := Reachable(p, sh.Relation, sh.Owner); err != nil {
		return nil, err
	}
	return sh, nil
}

// Reachable applies the rules of reaching a member of another workspace:
// neither has blocked the other (else errs.NotFound, revealing nothing),
// and both workspaces allow external chat.
func Reachable(p *session.Principal, rel *store.Relation, other *store.Counterpart) error {
	if rel.Block != nil || other.BlocksViewer {
		return errNoProfile
	}
	if !p.Workspace.ExternalChatAllowed || !other.Workspace.ExternalChatAllowed {
		return errExternalChat
	}
	return nil
}

// open reads the link a token names and its owner (with whether they
// blocked viewerID, if set): errs.NotFound for a token that names no
// link, errs.Gone for a link that no longer works (expired, used, revoked,
// or its owner gone).
func (s *Service) open(ctx context.Context, token, viewerID string) (*Shared, error) {
	id, hash, ok := auth.SplitKeyedToken(token)
	if !ok || !domain.IsID(id) {
		return nil, errNoLink
	}
	l, seen, err := s.Store.ProfileLink(ctx, id)
	if errs.Is(err, errs.NotFound) || (err == nil && !auth.EqualSecret(hash, l.SecretHash)) {
		return nil, errNoLink
	}
	if err != nil {
		return nil, fmt.Errorf("profile.Open: %w", err)
	}
	if !l.Live(s.Clock.Now()) {
		return nil, errDeadLink
	}
	owner, err := s.Store.Counterpart(ctx, l.WorkspaceID, l.AccountID, viewerID)
	if err != nil {
		return nil, fmt.Errorf("profile.Open: %w", err)
	}
	if !owner.Active() {
		return nil, errDeadLink
	}
	return &Shared{Link: l, LinkSeen: seen, Owner: owner}, nil
}

// URL is the address a profile link's token opens (its card page), which
// its QR code holds.
func (s *Service) URL(token string) string { return s.Link("/p/" + token) }

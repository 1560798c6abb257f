package domain

import (
	"strings"
	"time"

	"github.com/workgate/workgate/shared/errs"
)

// Invite-link limits (F2).
const (
	DefaultInviteHours = 7 * 24
	MaxInviteHours     = 30 * 24
	MaxInviteUses      = 10000
)

// InviteLink lets anyone who opens it sign up to a workspace (F2). It is
// stored at workspaces/{ws}/inviteLinks/{id}; its token only as a hash, the
// ID of the inviteTokens document that leads to it.
//
// Uses counts acceptances. A limited link (MaxUses > 0) also holds one
// document per use, uses/{n} for n in 1..MaxUses, created (never
// overwritten) by the acceptance that takes the use, so the count can never
// exceed MaxUses however many accept at once.
type InviteLink struct {
	ID          string `firestore:"linkId"`
	WorkspaceID string `firestore:"workspaceId"`
	TokenHash   string `firestore:"tokenHash"`
	// MaxUses is 0 for an unlimited link.
	MaxUses   int       `firestore:"maxUses"`
	Uses      int       `firestore:"uses"`
	CreatedBy string    `firestore:"createdBy"`
	CreatedAt time.Time `firestore:"createdAt"`
	ExpiresAt time.Time `firestore:"expiresAt"`
	// RevokedAt is set when an admin revokes the link.
	RevokedAt time.Time `firestore:"revokedAt"`
}

// Revoked reports whether an admin revoked the link.
func (l *InviteLink) Revoked() bool { return !l.RevokedAt.IsZero() }

// UsedUp reports whether a limited link has no use left.
func (l *InviteLink) UsedUp() bool { return l.MaxUses > 0 && l.Uses >= l.MaxUses }

// Why an invite link is refused: errs.Gone errors, distinct so that a page
// can say which.
var (
	ErrInviteRevoked = errs.E(errs.Gone, "This invite link was revoked.")
	ErrInviteExpired = errs.E(errs.Gone, "This invite link has expired.")
	ErrInviteUsedUp  = errs.E(errs.Gone, "This invite link has been used as many times as it allows.")
)

// CheckUsable refuses a link that is revoked, expired at now or used up.
func (l *InviteLink) CheckUsable(now time.Time) error {
	switch {
	case l.Revoked():
		return ErrInviteRevoked
	case !now.Before(l.ExpiresAt):
		return ErrInviteExpired
	case l.UsedUp():
		return ErrInviteUsedUp
	}
	return nil
}

// InviteToken leads from a token's hash (its document ID, in inviteTokens)
// to its link, so that a token is found without knowing its workspace.
type InviteToken struct {
	WorkspaceID string `firestore:"workspaceId"`
	LinkID      string `firestore:"linkId"`
}

// InviteUse is the claim of one use of a limited link: uses/{n}.
type InviteUse struct {
	N         int       `firestore:"n"`
	ClaimedAt time.Time `firestore:"claimedAt"`
}

// MaxProfileText bounds the free-text profile fields (department, title,
// position), in characters.
const MaxProfileText = 100

// CheckProfileText enforces an optional free-text profile field (department,
// title, position): at most maxLen characters after trimming, no control
// characters. It returns the trimmed text ("" when absent).
func CheckProfileText(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	return CheckName(field, s, maxLen)
}

// Package domain holds workgate's core types (accounts, workspaces, members,
// verifications) and the rules on their fields. It has no I/O.
package domain

import (
	"crypto/rand"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/errs"
)

// Workspace statuses.
const (
	WorkspacePending  = "pending"
	WorkspaceActive   = "active"
	WorkspaceDeleting = "deleting"
	WorkspaceDeleted  = "deleted"
)

// Plans.
const (
	PlanFree       = "free"
	PlanStandard   = "standard"
	PlanEnterprise = "enterprise"
)

// Member roles.
const (
	RoleSuperAdmin = "super_admin"
	RoleAdmin      = "admin"
	RoleMember     = "member"
)

// Admin permissions. The super admin holds both implicitly.
const (
	PermAdminAccess      = "admin_access"
	PermMemberManagement = "member_management"
)

// Member statuses.
const (
	MemberInvited = "invited"
	MemberActive  = "active"
	MemberDeleted = "deleted"
)

// Account is one person, identified by a normalised e-mail address.
type Account struct {
	ID           string    `firestore:"accountId"`
	Email        string    `firestore:"email"`
	Name         string    `firestore:"name"`
	PasswordHash string    `firestore:"passwordHash"`
	Phone        string    `firestore:"phone,omitempty"`
	CreatedAt    time.Time `firestore:"createdAt"`
	// FirstDeviceAt is when the account trusted its first device; until
	// then the next login's device is trusted without approval (F9).
	FirstDeviceAt time.Time `firestore:"firstDeviceAt"`
	// LastDeviceTrustedAt is when the account last trusted a device: the
	// write that makes a login racing a password change fail (one of the
	// two fails on the other's change of the account).
	LastDeviceTrustedAt time.Time `firestore:"lastDeviceTrustedAt"`
	// LastLoginAt is when the account last started a session: the write
	// that makes a login racing a password change fail, as its commit
	// requires the account as the login read it.
	LastLoginAt time.Time `firestore:"lastLoginAt,omitempty"`
	// PasswordResetHash is the hash of the newest reset link's token: a
	// newer request voids older links (F8).
	PasswordResetHash string    `firestore:"passwordResetHash"`
	PasswordChangedAt time.Time `firestore:"passwordChangedAt"`
}

// HasPassword reports whether the account has set a password (a member
// registered by an admin has none until they set it, F3).
func (a *Account) HasPassword() bool { return a.PasswordHash != "" }

// ProfileFields decides what members see of each other's profiles (F11).
type ProfileFields struct {
	Nickname     bool   `firestore:"nickname" json:"nickname"`
	Title        bool   `firestore:"title" json:"title"`
	Position     bool   `firestore:"position" json:"position"`
	Mobile       bool   `firestore:"mobile" json:"mobile"`
	Landline     bool   `firestore:"landline" json:"landline"`
	Email        bool   `firestore:"email" json:"email"`
	WorkLocation bool   `firestore:"workLocation" json:"workLocation"`
	Birthday     bool   `firestore:"birthday" json:"birthday"`
	NameDisplay  string `firestore:"nameDisplay" json:"nameDisplay"`
}

// DefaultProfileFields shows the work contact fields and hides the private
// ones, as a new workspace starts.
func DefaultProfileFields() ProfileFields {
	return ProfileFields{Nickname: true, Title: true, Position: true, Landline: true, Email: true, WorkLocation: true, NameDisplay: "name"}
}

// Workspace is a company or team.
type Workspace struct {
	ID                  string        `firestore:"workspaceId"`
	Name                string        `firestore:"name"`
	LogoURL             string        `firestore:"logoUrl"`
	Color               string        `firestore:"color"`
	ColorTone           string        `firestore:"colorTone"`
	Plan                string        `firestore:"plan"`
	Status              string        `firestore:"status"`
	ExternalChatAllowed bool          `firestore:"externalChatAllowed"`
	SuperAdminID        string        `firestore:"superAdminId"`
	ProfileFields       ProfileFields `firestore:"profileFields"`
	CreatedAt           time.Time     `firestore:"createdAt"`
	// PendingUntil is when an unverified workspace stops holding its ID.
	PendingUntil time.Time `firestore:"pendingUntil"`
	// PendingVerification is the hash of the verification that may activate
	// this pending workspace: a later claim of the ID voids older links.
	PendingVerification string    `firestore:"pendingVerification"`
	ActivatedAt         time.Time `firestore:"activatedAt"`
	// PurgeAt lets the TTL policy delete a workspace never verified; it is
	// removed when the workspace is activated.
	PurgeAt time.Time `firestore:"purgeAt,omitempty"`
	// Delegation is the token hash of the latest super admin delegation
	// (F16); accepting an older one is refused.
	Delegation string `firestore:"delegation,omitempty"`
	// OrgID names the workspace's organisation link (F17), if any.
	OrgID string `firestore:"orgId,omitempty"`
	// WithdrawalID names the withdrawal of a deleting workspace (F18).
	WithdrawalID string `firestore:"withdrawalId,omitempty"`
}

// HoldsID reports whether the workspace keeps its ID from a new creation
// at now: any workspace does, but a pending one only until PendingUntil
// (then a creation reclaims the ID, and the pending one's link dies).
func (w *Workspace) HoldsID(now time.Time) bool {
	return w.Status != WorkspacePending || now.Before(w.PendingUntil)
}

// Member is an account's membership of a workspace. Its ID is the account ID.
// Title (직책), Position (직위) and Mobile are profile fields an admin may
// fill in when registering the member (F3).
type Member struct {
	AccountID   string    `firestore:"accountId"`
	WorkspaceID string    `firestore:"workspaceId"`
	Name        string    `firestore:"name"`
	Email       string    `firestore:"email"`
	Department  string    `firestore:"department"`
	Title       string    `firestore:"title"`
	Position    string    `firestore:"position"`
	Mobile      string    `firestore:"mobile"`
	Role        string    `firestore:"role"`
	Permissions []string  `firestore:"permissions"`
	Status      string    `firestore:"status"`
	JoinedAt    time.Time `firestore:"joinedAt"`
	// The profile fields only the member edits (F11).
	Nickname      string `firestore:"nickname"`
	Landline      string `firestore:"landline"`
	WorkLocation  string `firestore:"workLocation"`
	Birthday      string `firestore:"birthday"` // YYYY-MM-DD
	StatusMessage string `firestore:"statusMessage"`
	PhotoURL      string `firestore:"photoUrl"`
	// SortKey orders the member list; SearchKeys and AdminSearchKeys are
	// what its search matches, for members and for those who may see
	// e-mail addresses (F15). The store derives them (MemberIndex).
	SortKey         string   `firestore:"sortKey"`
	SearchKeys      []string `firestore:"searchKeys"`
	AdminSearchKeys []string `firestore:"adminSearchKeys"`
	// DeletedAt and DeletedBy record a deletion by an admin (F15).
	DeletedAt time.Time `firestore:"deletedAt,omitempty"`
	DeletedBy string    `firestore:"deletedBy,omitempty"`
	// MutedUntil is when the member's muting of message notifications
	// ends (F14); zero when not muted.
	MutedUntil time.Time `firestore:"mutedUntil,omitempty"`
	// LoginPhone is the mobile number (E.164) the member logs in with on
	// the organisation login screen (F6): the one an admin registered
	// (F3), never the profile's Mobile, which the member edits freely (a
	// member typing a colleague's number into their profile must neither
	// log in with it nor make it name no one).
	LoginPhone string `firestore:"loginPhone"`
}

// Verification purposes.
const (
	// VerifyOwner activates a new workspace with its owner (F1).
	VerifyOwner = "workspace_owner"
	// VerifyInvite makes the address a member, through an invite link (F2).
	VerifyInvite = "invite"
	// VerifyPasswordSetup sets the first password of a member registered
	// by an admin, and activates them (F3). Mailed as a set-password link.
	VerifyPasswordSetup = "password_setup"
)

// Verification is a pending e-mail verification, stored under the hash of
// the token mailed to the address.
type Verification struct {
	Purpose       string    `firestore:"purpose"`
	WorkspaceID   string    `firestore:"workspaceId"`
	WorkspaceName string    `firestore:"workspaceName"`
	Email         string    `firestore:"email"`
	Name          string    `firestore:"name"`
	PasswordHash  string    `firestore:"passwordHash"`
	Locale        string    `firestore:"locale"`
	CreatedAt     time.Time `firestore:"createdAt"`
	ExpiresAt     time.Time `firestore:"expiresAt"`
	// UsedAt is set when the verification is consumed.
	UsedAt time.Time `firestore:"usedAt"`
	// PurgeAt is when the TTL policy deletes the document.
	PurgeAt time.Time `firestore:"purgeAt"`
	// AccountID is the registered member's account (VerifyPasswordSetup).
	AccountID string `firestore:"accountId,omitempty"`
	// LinkID is the invite link accepted (VerifyInvite).
	LinkID string `firestore:"linkId,omitempty"`
}

// Live reports whether the verification can still be used at now.
func (v *Verification) Live(now time.Time) bool {
	return v.UsedAt.IsZero() && now.Before(v.ExpiresAt)
}

// CheckWorkspaceID enforces the workspace ID slug: 3–40 of a-z, 0-9 and "-".
func CheckWorkspaceID(id string) error {
	if !isSlug(id) {
		return errs.E(errs.Invalid, "workspaceId must be 3 to 40 characters of a-z, 0-9 and -")
	}
	return nil
}

// NormalizeEmail trims and lower-cases an address and checks its form. The
// result is the address itself, without a display name.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 {
		return "", errs.E(errs.Invalid, "email is not a valid address")
	}
	a, err := mail.ParseAddress(s)
	host := s[strings.LastIndexByte(s, '@')+1:]
	// A host, not an address literal ("[10.0.0.1]"), which SendGrid does
	// not deliver to.
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(host, ".") || strings.ContainsAny(host, "[]") {
		return "", errs.E(errs.Invalid, "email is not a valid address")
	}
	return s, nil
}

// CheckName enforces a display name: 1–maxLen characters after trimming,
// no control characters. It returns the trimmed name.
func CheckName(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 || n > maxLen || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return "", errs.Errorf(errs.Invalid, "%s must be 1 to %d characters", field, maxLen)
	}
	return s, nil
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// IsID reports whether s has the form of an ID that NewID makes (an
// account, a link): 32 of 0-9 and a-f. Anything else names nothing, and
// never reaches Firestore as part of a document path.
func IsID(s string) bool {
	return allBytes(s, 32, 32, func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' })
}

// isSlug reports whether s is 3–40 of a-z, 0-9 and "-" (a workspace's or
// an organisation's ID).
func isSlug(s string) bool {
	return allBytes(s, 3, 40, func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' })
}

// allBytes reports whether s has min to max bytes, each of which ok
// takes. The checks above are loops, not regular expressions: each
// regexp with a counted repetition ({3,40}) is compiled in every
// function's init, the repetition unrolled.
func allBytes(s string, minLen, maxLen int, ok func(byte) bool) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := range len(s) {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// NewID returns a random 128-bit identifier (hex) for accounts and other
// documents whose IDs must not be guessable.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

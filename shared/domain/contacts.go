package domain

import "time"

// Profile link types (F12).
const (
	LinkOneTime = "one_time"
	LinkQR      = "qr"
)

// OneTimeLinkTTL is how long a one-time profile link works (F12).
const OneTimeLinkTTL = time.Hour

// ProfileLink is a member's shared profile (F12), stored at
// profileLinks/{linkId}. Its token is "<linkId>.<secret>"; only the
// secret's hash is kept. A one-time link works for an hour and is used up
// by the first member who adds its owner; a QR link works until revoked
// or replaced by a new one (a member has one at most).
type ProfileLink struct {
	ID          string    `firestore:"linkId"`
	Type        string    `firestore:"type"`
	WorkspaceID string    `firestore:"workspaceId"` // the owner's
	AccountID   string    `firestore:"accountId"`   // the owner
	SecretHash  string    `firestore:"secretHash"`
	CreatedAt   time.Time `firestore:"createdAt"`
	// ExpiresAt is zero for a QR link.
	ExpiresAt time.Time `firestore:"expiresAt"`
	UsedAt    time.Time `firestore:"usedAt"`
	UsedBy    string    `firestore:"usedBy"`
	RevokedAt time.Time `firestore:"revokedAt"`
	// PurgeAt lets the TTL policy delete a one-time link a while after it
	// expired; unset for QR links.
	PurgeAt time.Time `firestore:"purgeAt,omitempty"`
}

// Live reports whether the link can be opened or used at now.
func (l *ProfileLink) Live(now time.Time) bool {
	return l.RevokedAt.IsZero() && l.UsedAt.IsZero() && (l.ExpiresAt.IsZero() || now.Before(l.ExpiresAt))
}

// QRLinkRef names a member's one QR link: stored at
// workspaces/{ws}/members/{acc}/qrLink/current, it lets a new QR link
// replace the old one in one commit.
type QRLinkRef struct {
	LinkID string `firestore:"linkId"`
}

// ExternalMember is a member of another workspace that a member added to
// their contacts (F12), stored at
// workspaces/{ws}/members/{acc}/externalMembers/{memberId}.
type ExternalMember struct {
	MemberID    string    `firestore:"memberId"`
	WorkspaceID string    `firestore:"workspaceId"` // theirs
	Name        string    `firestore:"name"`
	AddedAt     time.Time `firestore:"addedAt"`
}

// Adder records, on the side of the member who was added, who added them
// as an external member (F12): it lets them see the adder's profile and
// add them back. Stored at workspaces/{ws}/members/{acc}/addedBy/{memberId}.
type Adder struct {
	MemberID    string    `firestore:"memberId"`
	WorkspaceID string    `firestore:"workspaceId"` // the adder's
	Name        string    `firestore:"name"`
	AddedAt     time.Time `firestore:"addedAt"`
}

// Block is a member's block of an external member (F13), stored at
// workspaces/{ws}/members/{acc}/blocks/{memberId}. It is kept by account:
// it holds whatever workspace the blocked member acts from.
type Block struct {
	MemberID    string    `firestore:"memberId"`
	WorkspaceID string    `firestore:"workspaceId"` // theirs, when blocked
	Name        string    `firestore:"name"`
	BlockedAt   time.Time `firestore:"blockedAt"`
}

// NotifyExternalMemberAdded is the kind of the notification that someone
// added a member as an external member (F12).
const NotifyExternalMemberAdded = "external_member_added"

// AddedNote is what an external_member_added notification says: the
// adder's profile as their workspace shows it, their workspace, and
// whether the recipient can add them back.
type AddedNote struct {
	Profile       VisibleProfile `firestore:"profile"`
	WorkspaceID   string         `firestore:"workspaceId"`
	WorkspaceName string         `firestore:"workspaceName"`
}

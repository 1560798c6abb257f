package domain

import (
	"slices"
	"time"
)

// Can reports whether the member holds a permission: the super admin holds
// every one, an admin those granted, a plain member none. Only an active
// member holds any.
func (m *Member) Can(perm string) bool {
	if m.Status != MemberActive {
		return false
	}
	switch m.Role {
	case RoleSuperAdmin:
		return true
	case RoleAdmin:
		return slices.Contains(m.Permissions, perm)
	}
	return false
}

// EffectivePermissions lists the permissions the member holds, the super
// admin's implicit ones included.
func (m *Member) EffectivePermissions() []string {
	out := []string{}
	for _, p := range []string{PermAdminAccess, PermMemberManagement} {
		if m.Can(p) {
			out = append(out, p)
		}
	}
	return out
}

// Platforms are the device platforms a login may name.
var Platforms = []string{"mac", "windows", "linux", "ios", "android", "web"}

// Device is a client installation as a login request describes it.
type Device struct {
	Name     string `firestore:"name" json:"name"`
	Platform string `firestore:"platform" json:"platform"`
}

// TrustedDevice is a device an account trusts (F9): it presents its device
// token, "<deviceId>.<secret>", on later logins; only the secret's hash is
// stored. Stored at accounts/{accountId}/devices/{deviceId}.
type TrustedDevice struct {
	ID         string    `firestore:"deviceId"`
	AccountID  string    `firestore:"accountId"`
	Name       string    `firestore:"name"`
	Platform   string    `firestore:"platform"`
	TokenHash  string    `firestore:"tokenHash"`
	TrustedAt  time.Time `firestore:"trustedAt"`
	LastSeenAt time.Time `firestore:"lastSeenAt"`
	// RevokedAt is set when the member revokes the device.
	RevokedAt time.Time `firestore:"revokedAt"`
}

// Session is one login of one account, in one workspace, on one device
// (F10). Its refresh token is "<sessionId>.<secret>"; the hash of the
// current secret is kept, and the hashes of rotated ones so that a reused
// token is recognised and revokes the session.
type Session struct {
	ID          string `firestore:"sessionId"`
	AccountID   string `firestore:"accountId"`
	WorkspaceID string `firestore:"workspaceId"`
	DeviceID    string `firestore:"deviceId"`
	RefreshHash string `firestore:"refreshHash"`
	// Rotated holds the hashes of the refresh secrets already used.
	Rotated     []string  `firestore:"rotated"`
	CreatedAt   time.Time `firestore:"createdAt"`
	RefreshedAt time.Time `firestore:"refreshedAt"`
	// ExpiresAt is when the refresh token stops working unless rotated.
	ExpiresAt time.Time `firestore:"expiresAt"`
	// RevokedAt is set by logout, reuse, reset, device revocation or
	// member deletion; RevokedWhy says which.
	RevokedAt  time.Time `firestore:"revokedAt"`
	RevokedWhy string    `firestore:"revokedWhy"`
	PurgeAt    time.Time `firestore:"purgeAt"`
}

// Active reports whether the session can be used at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// Why a session was revoked.
const (
	RevokedLogout       = "logout"
	RevokedRefreshReuse = "refresh_reuse"
	RevokedPasswordSet  = "password_changed"
	RevokedDevice       = "device_revoked"
	RevokedMember       = "member_deleted"
)

// LoginTicket lets one e-mail, whose login code was verified, try
// passwords until a session is issued (F5). The ticket itself is sealed
// and says its e-mail, account and expiry (login.Service); its document,
// stored under the token's hash, says it is unused: a session deletes it.
type LoginTicket struct {
	Email     string    `firestore:"email"`
	CreatedAt time.Time `firestore:"createdAt"`
	ExpiresAt time.Time `firestore:"expiresAt"`
	PurgeAt   time.Time `firestore:"purgeAt"`
}

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalExpired  = "expired"
)

// Approval is a login from an untrusted device waiting for someone to
// approve it (F9). The new device polls it with its poll token and shows the
// match code that an approver must enter; both are stored as MACs.
//
// DeviceID is the ID the device gets when it is trusted. The request is
// asked of members (their notifications); only those asked may decide it.
type Approval struct {
	ID           string `firestore:"approvalId"`
	AccountID    string `firestore:"accountId"`
	AccountName  string `firestore:"accountName"`
	AccountEmail string `firestore:"accountEmail"`
	WorkspaceID  string `firestore:"workspaceId"`
	DeviceID     string `firestore:"deviceId"`
	Device       Device `firestore:"device"`
	// Locale is the new device's language, for the mails the request
	// causes.
	Locale       string `firestore:"locale"`
	PollTokenMAC string `firestore:"pollTokenMac"`
	MatchCodeMAC string `firestore:"matchCodeMac"`
	Status       string `firestore:"status"`
	// WrongCodes counts wrong match codes; the MaxWrongCodes-th denies.
	WrongCodes int `firestore:"wrongCodes"`
	// Nudges counts the members the new device asked by e-mail.
	Nudges        int       `firestore:"nudges"`
	RequestedAt   time.Time `firestore:"requestedAt"`
	ExpiresAt     time.Time `firestore:"expiresAt"`
	DecidedAt     time.Time `firestore:"decidedAt"`
	DecidedBy     string    `firestore:"decidedBy"`
	SessionIssued bool      `firestore:"sessionIssued"`
	PurgeAt       time.Time `firestore:"purgeAt"`
}

// The rules of F9.
const (
	ApprovalTTL = 10 * time.Minute
	// MaxWrongCodes wrong match codes deny a request.
	MaxWrongCodes = 3
	// MaxNudges members may be nudged per request.
	MaxNudges = 5
	// OnlineWindow: a member seen within it is online, and is asked.
	OnlineWindow = 5 * time.Minute
	// PresenceEvery is how often a member's presence is written at most:
	// calls in between do not write (a member seen is online for
	// OnlineWindow at least, PresenceEvery at most less).
	PresenceEvery = 30 * time.Second
)

// StatusAt is the request's status at now: a pending request past its
// expiry is expired.
func (a *Approval) StatusAt(now time.Time) string {
	if a.Status == ApprovalPending && !now.Before(a.ExpiresAt) {
		return ApprovalExpired
	}
	return a.Status
}

// Collectable reports whether the new device can still collect its session
// at now: approved, not yet collected, within ApprovalTTL of the approval.
func (a *Approval) Collectable(now time.Time) bool {
	return a.Status == ApprovalApproved && !a.SessionIssued && now.Before(a.DecidedAt.Add(ApprovalTTL))
}

// Presence is when a member was last seen (any authenticated call, a
// heartbeat or a login). Stored at workspaces/{ws}/presence/{accountId}.
type Presence struct {
	AccountID  string    `firestore:"accountId"`
	LastSeenAt time.Time `firestore:"lastSeenAt"`
}

// Notification kinds.
const (
	NotifyDeviceApproval = "device_approval"
)

// Notification is one entry of a member's notifications, stored at
// workspaces/{ws}/members/{accountId}/notifications/{id}. Its ID is derived
// from what it is about (NotificationID), so a job that runs twice writes
// it once.
type Notification struct {
	ID          string `firestore:"notificationId"`
	Kind        string `firestore:"kind"`
	WorkspaceID string `firestore:"workspaceId"`
	AccountID   string `firestore:"accountId"` // the recipient
	// FromWorkspaceID is the workspace of whoever caused it (the sender
	// of a message, the adder of an external member): a withdrawal (F18)
	// deletes what its members caused in other workspaces.
	FromWorkspaceID string    `firestore:"fromWorkspaceId,omitempty"`
	CreatedAt       time.Time `firestore:"createdAt"`
	// ExpiresAt is when the notification stops mattering (an approval
	// request's expiry), if ever.
	ExpiresAt time.Time `firestore:"expiresAt"`
	// Approval is set for NotifyDeviceApproval.
	Approval *ApprovalNote `firestore:"approval,omitempty"`
	// Added is set for NotifyExternalMemberAdded.
	Added *AddedNote `firestore:"added,omitempty"`
	// Message is set for NotifyMessage.
	Message *MessageNote `firestore:"message,omitempty"`
	PurgeAt time.Time    `firestore:"purgeAt"`
}

// ApprovalNote is what a device-approval notification says.
type ApprovalNote struct {
	ApprovalID  string `firestore:"approvalId"`
	AccountID   string `firestore:"accountId"`
	AccountName string `firestore:"accountName"`
	Device      Device `firestore:"device"`
}

// NotificationID is the ID of the notification of kind about subject.
func NotificationID(kind, subject string) string { return kind + "-" + subject }

// ApprovalNotification is the notification that asks recipient to decide
// an approval request.
func ApprovalNotification(a *Approval, recipient string, now time.Time) *Notification {
	return &Notification{
		ID: NotificationID(NotifyDeviceApproval, a.ID), Kind: NotifyDeviceApproval,
		WorkspaceID: a.WorkspaceID, AccountID: recipient, CreatedAt: now, ExpiresAt: a.ExpiresAt,
		Approval: &ApprovalNote{ApprovalID: a.ID, AccountID: a.AccountID, AccountName: a.AccountName, Device: a.Device},
		PurgeAt:  a.ExpiresAt.Add(30 * 24 * time.Hour),
	}
}

// RecoveryKey is a workspace's recovery key (F9): only its MAC is kept, and
// using it clears the MAC. Stored at recoveryKeys/{workspaceId}.
type RecoveryKey struct {
	WorkspaceID string    `firestore:"workspaceId"`
	KeyMAC      string    `firestore:"keyMac"`
	CreatedAt   time.Time `firestore:"createdAt"`
	CreatedBy   string    `firestore:"createdBy"`
	UsedAt      time.Time `firestore:"usedAt"`
}

// Recent returns the times within window before now, in order: what a
// rate limit over a sliding window counts.
func Recent(times []time.Time, now time.Time, window time.Duration) []time.Time {
	out := []time.Time{}
	for _, t := range times {
		if now.Sub(t) < window {
			out = append(out, t)
		}
	}
	return out
}

// LoginCode is the e-mail login state of one address (F5): the codes sent
// and still live, as MACs, and the times codes were sent, for the hourly
// limit. Stored under the address's key, for known and unknown addresses
// alike.
//
// Each code is valid until its own expiry, even after a newer one was
// sent: code mails go through Pub/Sub push, which keeps no order, so the
// mail read last may hold the code sent first. A right code consumes them
// all; wrong ones count per address, whichever code they try.
type LoginCode struct {
	Codes   []SentCode  `firestore:"codes"`
	Sends   []time.Time `firestore:"sends"`
	PurgeAt time.Time   `firestore:"purgeAt"`
}

// SentCode is one code mailed: its MAC and when it stops working.
type SentCode struct {
	MAC       string    `firestore:"mac"`
	ExpiresAt time.Time `firestore:"expiresAt"`
}

// LiveCodes returns the codes that can be checked at now.
func (c *LoginCode) LiveCodes(now time.Time) []SentCode {
	out := []SentCode{}
	for _, sc := range c.Codes {
		if sc.MAC != "" && now.Before(sc.ExpiresAt) {
			out = append(out, sc)
		}
	}
	return out
}

package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/errs"
)

// PushFCM is the push provider Firebase Cloud Messaging, the only one
// (F19).
const PushFCM = "fcm"

// MaxPushToken bounds a device's push token (FCM registration tokens are
// about 160 characters; 4 KiB leaves room for any future form).
const MaxPushToken = 4096

// PushToken is where a device gets its mobile pushes (F19): the token its
// app registered with FCM, in the workspace of the session that
// registered it, and the language its pushes are written in. Stored at
// accounts/{accountId}/pushTokens/{deviceId}, apart from the device's own
// document (logins change that one with preconditions).
type PushToken struct {
	DeviceID string `firestore:"deviceId"`
	// AccountID is the account's, set by the store: a withdrawal finds an
	// account's tokens by it.
	AccountID   string    `firestore:"accountId"`
	WorkspaceID string    `firestore:"workspaceId"`
	Provider    string    `firestore:"provider"`
	Token       string    `firestore:"token"`
	Locale      string    `firestore:"locale"`
	UpdatedAt   time.Time `firestore:"updatedAt"`
}

// CheckPushToken checks a push token as a device registers it: a known
// provider and a token of 1 to MaxPushToken bytes of valid UTF-8 without
// spaces or control characters.
func CheckPushToken(provider, token string) error {
	if provider != PushFCM {
		return errs.E(errs.Invalid, `provider must be "fcm"`)
	}
	if token == "" || len(token) > MaxPushToken || !utf8.ValidString(token) ||
		strings.ContainsFunc(token, func(r rune) bool { return isControl(r) || r == ' ' }) {
		return errs.Errorf(errs.Invalid, "token must be 1 to %d bytes, without spaces or control characters", MaxPushToken)
	}
	return nil
}

// PushKinds are the kinds of notification that are pushed to devices.
var PushKinds = []string{NotifyMessage, NotifyDeviceApproval, NotifyExternalMemberAdded}

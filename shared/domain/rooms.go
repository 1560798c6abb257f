package domain

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/errs"
)

// Room types (F14).
const (
	RoomSelf   = "self"
	RoomDirect = "direct"
	RoomGroup  = "group"
)

// Limits of rooms and messages (F14).
const (
	// MaxRoomMembers bounds a group room, its creator included.
	MaxRoomMembers = 1000
	// MaxRoomName bounds a group room's name, in characters.
	MaxRoomName = 50
	// MaxMessageText bounds a message, in characters.
	MaxMessageText = 10000
	// MaxClientMessageID bounds the client's ID of a message.
	MaxClientMessageID = 128
	// MaxSeq is the largest seq: JavaScript clients read every seq up to
	// it exactly (2^53 - 1).
	MaxSeq = 1<<53 - 1
	// NotePreview is how much of a message its notification quotes.
	NotePreview = 100
)

// MemberKey names a membership in a room: the workspace and the account,
// as "ws:acc". An account in two workspaces is two room members.
func MemberKey(workspaceID, accountID string) string { return workspaceID + ":" + accountID }

// SplitMemberKey returns the workspace and account of a member key.
func SplitMemberKey(key string) (workspaceID, accountID string) {
	workspaceID, accountID, _ = strings.Cut(key, ":")
	return workspaceID, accountID
}

// Room is a conversation (F14), stored at rooms/{roomId}. Its members are
// fixed when it is created, and the document is never written again (but
// by the withdrawal of a workspace whose members it holds, F18): a busy
// room writes only documents of its own messages.
type Room struct {
	ID   string `firestore:"roomId"`
	Type string `firestore:"type"`
	Name string `firestore:"name"` // group rooms only; "" for none
	// MemberKeys are the members' MemberKeys, the creator first.
	MemberKeys []string `firestore:"memberKeys"`
	// WorkspaceIDs are the distinct workspaces of MemberKeys, sorted: how
	// a withdrawal (F18) finds the rooms of a workspace.
	WorkspaceIDs []string  `firestore:"workspaceIds"`
	CreatedBy    string    `firestore:"createdBy"` // a MemberKey
	CreatedAt    time.Time `firestore:"createdAt"`
}

// Has reports whether the membership key is a member of the room.
func (r *Room) Has(key string) bool { return slices.Contains(r.MemberKeys, key) }

// MemberIDs returns the members' account IDs, in the room's order.
func (r *Room) MemberIDs() []string {
	ids := make([]string, len(r.MemberKeys))
	for i, k := range r.MemberKeys {
		_, ids[i] = SplitMemberKey(k)
	}
	return ids
}

// Other returns a direct room's member other than key.
func (r *Room) Other(key string) string {
	for _, k := range r.MemberKeys {
		if k != key {
			return k
		}
	}
	return ""
}

// Message is one message of a room, stored at
// rooms/{roomId}/messages/{messageId}. Its ID derives from the room, the
// sender and the client's ID of it, so a repeated post finds the first.
type Message struct {
	ID              string    `firestore:"messageId"`
	RoomID          string    `firestore:"roomId"`
	Seq             int64     `firestore:"seq"`
	SenderKey       string    `firestore:"senderKey"`
	SenderID        string    `firestore:"senderId"`
	ClientMessageID string    `firestore:"clientMessageId"`
	Text            string    `firestore:"text"`
	CreatedAt       time.Time `firestore:"createdAt"`
}

// NextSeq returns the seq of a message accepted at now in a room whose
// latest seq is latest, after a try with `tried` lost (0 if none): the
// time in microseconds, but always above both, so seqs increase in the
// order the server accepts messages even if clocks differ, and a retry
// never reuses a seq. It stays below 2^53 until the year 2255.
func NextSeq(now time.Time, latest, tried int64) int64 {
	return max(now.UnixMicro(), latest+1, tried+1)
}

// CheckMessage checks a message's text (1–10,000 characters, not only
// white space) and the client's ID of it (1–128 characters, no control
// characters).
func CheckMessage(text, clientID string) error {
	n := utf8.RuneCountInString(text)
	if n == 0 || n > MaxMessageText || strings.TrimFunc(text, unicode.IsSpace) == "" {
		return errs.Errorf(errs.Invalid, "text must be 1 to %d characters, not only spaces", MaxMessageText)
	}
	n = utf8.RuneCountInString(clientID)
	if n == 0 || n > MaxClientMessageID || strings.ContainsFunc(clientID, isControl) {
		return errs.Errorf(errs.Invalid, "clientMessageId must be 1 to %d characters", MaxClientMessageID)
	}
	return nil
}

// CheckRoomName returns a group room's name trimmed: "" when none is
// given, at most 50 characters.
func CheckRoomName(name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", nil
	}
	return CheckName("name", name, MaxRoomName)
}

// Preview is the start of a message's text that its notification quotes.
func Preview(text string) string {
	if utf8.RuneCountInString(text) <= NotePreview {
		return text
	}
	return string([]rune(text)[:NotePreview])
}

// MuteMinutes are the periods for which a member may mute notifications
// (F14); 0 unmutes.
var MuteMinutes = []int{0, 30, 60, 120, 240}

// MutedUntil returns when a mute of minutes set at now ends (zero for 0),
// or errs.Invalid for a period not offered.
func MutedUntil(minutes int, now time.Time) (time.Time, error) {
	switch {
	case !slices.Contains(MuteMinutes, minutes):
		return time.Time{}, errs.E(errs.Invalid, "minutes must be 0, 30, 60, 120 or 240")
	case minutes == 0:
		return time.Time{}, nil
	}
	return now.Add(time.Duration(minutes) * time.Minute), nil
}

// NotifyMessage is the kind of the notification of a message posted in a
// room the recipient is in (F14).
const NotifyMessage = "message"

// MessageNote is what a message notification says.
type MessageNote struct {
	RoomID     string `firestore:"roomId"`
	MessageID  string `firestore:"messageId"`
	Seq        int64  `firestore:"seq"`
	SenderID   string `firestore:"senderId"`
	SenderName string `firestore:"senderName"`
	Text       string `firestore:"text"` // the Preview
}

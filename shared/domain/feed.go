package domain

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Live event kinds (F19, API.md "Live events"): what a member's stream
// carries. FeedMessage, FeedRead, FeedRoom and FeedNotification are kept
// in the member's feed; reset and session_revoked are said by the stream
// itself.
const (
	FeedMessage      = "message"
	FeedRead         = "read"
	FeedRoom         = "room"
	FeedNotification = "notification"
	FeedReset        = "reset"
	FeedRevoked      = "session_revoked"
)

// FeedKeep is how far back a reconnecting stream resumes: an older
// Last-Event-ID gets a reset.
const FeedKeep = 24 * time.Hour

// FeedEvent is one entry of a member's live feed, stored at
// workspaces/{ws}/members/{accountId}/feed/{id}. Its ID derives from what
// it is about, so a job that runs twice writes it once, and is the
// stream's event ID; its place in the feed is the commit time the store
// gives it.
type FeedEvent struct {
	ID   string `firestore:"id"`
	Kind string `firestore:"kind"`
	// Data is the event's JSON as API.md defines it.
	Data string `firestore:"data"`
	// FromWorkspaceID is the workspace of whoever caused it (a message's
	// sender, a notification's cause), if another member: a withdrawal
	// (F18) deletes what its members caused in other workspaces.
	FromWorkspaceID string `firestore:"fromWorkspaceId,omitempty"`
	// At is when it was committed (the store sets it): the feed's order.
	At time.Time `firestore:"at,serverTimestamp"`
	// CreatedAt is when it was made, by the product's clock: a resume
	// from it after FeedKeep is refused.
	CreatedAt time.Time `firestore:"createdAt"`
	PurgeAt   time.Time `firestore:"purgeAt"`
}

// CompareFeed orders feed events as the feed does: by commit time, then
// ID.
func CompareFeed(a, b *FeedEvent) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// Expired reports whether a stream can no longer resume from the event.
func (e *FeedEvent) Expired(now time.Time) bool { return !now.Before(e.CreatedAt.Add(FeedKeep)) }

func feedEvent(id, kind string, data any, now time.Time) *FeedEvent {
	b, err := json.Marshal(data)
	if err != nil {
		panic("domain: a feed event that does not encode: " + err.Error()) // only our own types
	}
	return &FeedEvent{ID: id, Kind: kind, Data: string(b), CreatedAt: now, PurgeAt: now.Add(FeedKeep + time.Hour)}
}

// MessageData is the data of a message event.
type MessageData struct {
	RoomID    string    `json:"roomId"`
	MessageID string    `json:"messageId"`
	Seq       int64     `json:"seq"`
	SenderID  string    `json:"senderId"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
}

// MessageEvent is the event of a message posted in one of the member's
// rooms by a member of the workspace senderWS.
func MessageEvent(m MessageData, senderWS string, now time.Time) *FeedEvent {
	m.CreatedAt = m.CreatedAt.UTC()
	e := feedEvent("m-"+m.MessageID, FeedMessage, m, now)
	e.FromWorkspaceID = senderWS
	return e
}

type readData struct {
	RoomID string `json:"roomId"`
	Seq    int64  `json:"seq"`
}

// ReadEvent is the event of the member marking a room read up to seq.
func ReadEvent(roomID string, seq int64, now time.Time) *FeedEvent {
	return feedEvent("r-"+roomID+"-"+strconv.FormatInt(seq, 10), FeedRead, readData{RoomID: roomID, Seq: seq}, now)
}

type roomData struct {
	RoomID string `json:"roomId"`
}

// RoomCreatedEvent is the event of a room created with the member in it.
func RoomCreatedEvent(roomID string, now time.Time) *FeedEvent {
	return feedEvent("c-"+roomID, FeedRoom, roomData{RoomID: roomID}, now)
}

// RoomChangedEvent is the event of a change to one of the member's rooms;
// change names it, so each change is one event.
func RoomChangedEvent(roomID, change string, now time.Time) *FeedEvent {
	return feedEvent("c-"+roomID+"-"+change, FeedRoom, roomData{RoomID: roomID}, now)
}

// NotificationEvent is the event of a notification created for the
// member: the notification as the API lists it.
func NotificationEvent(n *Notification) *FeedEvent {
	e := feedEvent("n-"+n.ID, FeedNotification, n.View(), n.CreatedAt)
	e.FromWorkspaceID = n.FromWorkspaceID
	return e
}

// IsFeedEventID reports whether id can name a feed event: an ID of its
// kind's letter, a dash, then IDs, a room's seq, dashes.
func IsFeedEventID(id string) bool {
	if len(id) < 3 || len(id) > 300 || id[0] < 'a' || id[0] > 'z' || id[1] != '-' {
		return false
	}
	return strings.IndexFunc(id, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_'
	}) < 0
}

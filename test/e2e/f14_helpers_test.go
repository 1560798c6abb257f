package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/domain"
)

// Helpers of the rooms, messages and fan-out tests (PRODUCT.md F14):
// f14_rooms_test.go, f14_messages_test.go and f14_fanout_test.go. A room
// member is a membership ("<workspaceId>:<accountId>"); the API names
// members and senders by account ID.

// message is a message as the API answers it.
type message struct {
	MessageID       string    `json:"messageId"`
	Seq             int64     `json:"seq"`
	SenderID        string    `json:"senderId"`
	Text            string    `json:"text"`
	CreatedAt       time.Time `json:"createdAt"`
	ClientMessageID string    `json:"clientMessageId"`
}

// room is a room as the API answers it.
type room struct {
	RoomID      string    `json:"roomId"`
	Type        string    `json:"type"`
	Name        *string   `json:"name"`
	MemberIDs   []string  `json:"memberIds"`
	IsSelf      bool      `json:"isSelf"`
	UnreadCount int       `json:"unreadCount"`
	LastMessage *message  `json:"lastMessage"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Room types.
const (
	selfRoom   = "self"
	directRoom = "direct"
	groupRoom  = "group"
)

// memberKey is the key a room stores for a membership: "<ws>:<account>".
func memberKey(s session) string { return s.WorkspaceID + ":" + s.AccountID }

// roomDoc is the path of a room's document.
func roomDoc(roomID string) string { return "rooms/" + roomID }

// selfRoom returns the caller's self room (GET /v1/rooms/self), requiring
// 200.
func (e *env) selfRoom(s session) room {
	e.t.Helper()
	r := e.call("GET", "/v1/rooms/self", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out room
	r.JSON(e.t, &out)
	return out
}

// createRoom creates a room as s (POST /v1/rooms); body is JSON-encoded,
// or sent as is when a string.
func (e *env) createRoom(s session, body any) response {
	e.t.Helper()
	return e.call("POST", "/v1/rooms", body, s.bearer()...)
}

// roomBody is the body of a room creation; an empty name is left out.
func roomBody(typ, name string, memberIDs ...string) map[string]any {
	b := map[string]any{"type": typ, "memberIds": append([]string{}, memberIDs...)}
	if name != "" {
		b["name"] = name
	}
	return b
}

// mustCreateRoom creates a room of a type ("direct" or "group") with
// members (account IDs; name "" leaves it out) as s, requires 200 or 201
// and returns it.
func (e *env) mustCreateRoom(s session, typ, name string, memberIDs ...string) room {
	e.t.Helper()
	r := e.createRoom(s, roomBody(typ, name, memberIDs...))
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		e.t.Fatalf("creating a %s room with %v: %d %s", typ, memberIDs, r.Status, r.Body)
	}
	var out room
	r.JSON(e.t, &out)
	return out
}

// roomPage is a page of the room list as the API answers it.
type roomPage struct {
	Rooms         []room  `json:"rooms"`
	NextPageToken *string `json:"nextPageToken"`
}

// roomList asks for a page of the caller's rooms (GET /v1/rooms) with a
// raw query (may be empty).
func (e *env) roomList(s session, query url.Values) response {
	e.t.Helper()
	path := "/v1/rooms"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return e.call("GET", path, nil, s.bearer()...)
}

// roomsPage returns a page of the caller's rooms of pageSize (0: the
// query leaves it out) after token ("": the first page), requiring 200.
func (e *env) roomsPage(s session, pageSize int, token string) roomPage {
	e.t.Helper()
	q := url.Values{}
	if pageSize != 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	if token != "" {
		q.Set("pageToken", token)
	}
	r := e.roomList(s, q)
	requireStatus(e.t, r, http.StatusOK)
	var out roomPage
	r.JSON(e.t, &out)
	return out
}

// rooms lists all the caller's rooms, page after page of the default
// size, requiring 200s.
func (e *env) rooms(s session) []room {
	e.t.Helper()
	out := []room{}
	token := ""
	for {
		p := e.roomsPage(s, 0, token)
		out = append(out, p.Rooms...)
		if p.NextPageToken == nil {
			return out
		}
		token = *p.NextPageToken
	}
}

// findRoom returns the room with an ID from a list, and whether it is there.
func findRoom(rs []room, roomID string) (room, bool) {
	i := slices.IndexFunc(rs, func(r room) bool { return r.RoomID == roomID })
	if i < 0 {
		return room{}, false
	}
	return rs[i], true
}

// roomIDs returns the IDs of rooms, in their order.
func roomIDs(rs []room) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.RoomID)
	}
	return out
}

// sharedRooms asks for the group rooms s shares with a member
// (GET /v1/members/{id}/shared-rooms).
func (e *env) sharedRooms(s session, memberID string) response {
	e.t.Helper()
	return e.call("GET", "/v1/members/"+memberID+"/shared-rooms", nil, s.bearer()...)
}

// mustSharedRooms returns the group rooms s shares with a member,
// requiring 200.
func (e *env) mustSharedRooms(s session, memberID string) []room {
	e.t.Helper()
	r := e.sharedRooms(s, memberID)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Rooms []room `json:"rooms"`
	}
	r.JSON(e.t, &out)
	return out.Rooms
}

// postMessage posts a message in a room as s
// (POST /v1/rooms/{roomId}/messages).
func (e *env) postMessage(s session, roomID, text, clientID string) response {
	e.t.Helper()
	return e.call("POST", "/v1/rooms/"+roomID+"/messages",
		map[string]string{"text": text, "clientMessageId": clientID}, s.bearer()...)
}

// mustPost posts a message with a new clientMessageId as s, requires 201
// and returns it.
func (e *env) mustPost(s session, roomID, text string) message {
	e.t.Helper()
	r := e.postMessage(s, roomID, text, domain.NewID())
	requireStatus(e.t, r, http.StatusCreated)
	var m message
	r.JSON(e.t, &m)
	return m
}

// historyCall reads a room's history as s
// (GET /v1/rooms/{roomId}/messages) with a raw query (may be empty).
func (e *env) historyCall(s session, roomID string, query url.Values) response {
	e.t.Helper()
	path := "/v1/rooms/" + roomID + "/messages"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return e.call("GET", path, nil, s.bearer()...)
}

// history returns a room's messages after afterSeq (0: from the start; it
// is sent only when not 0), at most limit of them (0: the query leaves
// limit out), as s; it requires 200.
func (e *env) history(s session, roomID string, afterSeq int64, limit int) []message {
	e.t.Helper()
	q := url.Values{}
	if afterSeq != 0 {
		q.Set("afterSeq", strconv.FormatInt(afterSeq, 10))
	}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	r := e.historyCall(s, roomID, q)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Messages []message `json:"messages"`
	}
	r.JSON(e.t, &out)
	return out.Messages
}

// markRead moves the caller's read position in a room
// (POST /v1/rooms/{roomId}/read).
func (e *env) markRead(s session, roomID string, seq int64) response {
	e.t.Helper()
	return e.call("POST", "/v1/rooms/"+roomID+"/read", map[string]int64{"seq": seq}, s.bearer()...)
}

// mute mutes the caller's message notifications for some minutes, 0
// unmutes (PUT /v1/me/notification-mute).
func (e *env) mute(s session, minutes int) response {
	e.t.Helper()
	return e.call("PUT", "/v1/me/notification-mute", map[string]int{"minutes": minutes}, s.bearer()...)
}

// mutedUntil is the answer to a mute.
type mutedUntil struct {
	MutedUntil *time.Time `json:"mutedUntil"`
}

// muteState is until when s's message notifications are muted, as
// GET /v1/me/notification-mute says (nil: not muted).
func (e *env) muteState(t testing.TB, s session) *time.Time {
	t.Helper()
	res := e.call("GET", "/v1/me/notification-mute", nil, s.bearer()...)
	requireStatus(t, res, http.StatusOK)
	var got mutedUntil
	res.JSON(t, &got)
	return got.MutedUntil
}

// messageNote is a notification of kind "message" as
// GET /v1/me/notifications shows it.
type messageNote struct {
	NotificationID string    `json:"notificationId"`
	Kind           string    `json:"kind"`
	CreatedAt      time.Time `json:"createdAt"`
	RoomID         string    `json:"roomId"`
	MessageID      string    `json:"messageId"`
	Seq            int64     `json:"seq"`
	SenderID       string    `json:"senderId"`
	SenderName     string    `json:"senderName"`
	Text           string    `json:"text"`
}

// notifyMessage is the kind of a message notification.
const notifyMessage = "message"

// messageNotes returns the caller's notifications of kind "message",
// newest first (of the newest 100 notifications).
func (e *env) messageNotes(s session) []messageNote {
	e.t.Helper()
	r := e.call("GET", "/v1/me/notifications?limit=100", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Notifications []messageNote `json:"notifications"`
	}
	r.JSON(e.t, &out)
	return slices.DeleteFunc(out.Notifications, func(n messageNote) bool { return n.Kind != notifyMessage })
}

// bigRoomWorkspace makes a workspace of size members (jobWorkspace: the
// owner through the API, the others written straight to Firestore, none
// of them online) and returns the owner's session and the account IDs of
// the size-1 others, sorted.
func (e *env) bigRoomWorkspace(ws string, size int) (owner session, memberIDs []string) {
	e.t.Helper()
	owner, _ = e.jobWorkspace(ws, size, 0)
	memberIDs = slices.DeleteFunc(e.docIDs("workspaces/"+ws+"/members"), func(id string) bool { return id == owner.AccountID })
	if len(memberIDs) != size-1 {
		e.t.Fatalf("%s has %d members besides its owner, want %d", ws, len(memberIDs), size-1)
	}
	return owner, memberIDs
}

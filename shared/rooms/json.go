package rooms

import (
	"time"

	"github.com/workgate/workgate/shared/domain"
)

// The answers of the rooms API (API.md), shared by the rooms function and
// the profiles function's shared rooms.

// MessageJSON is a message as the API shows it.
type MessageJSON struct {
	MessageID       string    `json:"messageId"`
	Seq             int64     `json:"seq"`
	SenderID        string    `json:"senderId"`
	Text            string    `json:"text"`
	CreatedAt       time.Time `json:"createdAt"`
	ClientMessageID string    `json:"clientMessageId"`
}

// NewMessageJSON returns the API's form of a message.
func NewMessageJSON(m *domain.Message) MessageJSON {
	return MessageJSON{
		MessageID: m.ID, Seq: m.Seq, SenderID: m.SenderID, Text: m.Text, CreatedAt: m.CreatedAt.UTC(),
		ClientMessageID: m.ClientMessageID,
	}
}

// RoomJSON is a room as the API shows it to one member.
type RoomJSON struct {
	RoomID      string       `json:"roomId"`
	Type        string       `json:"type"`
	Name        *string      `json:"name"`
	MemberIDs   []string     `json:"memberIds"`
	IsSelf      bool         `json:"isSelf"`
	UnreadCount int64        `json:"unreadCount"`
	LastMessage *MessageJSON `json:"lastMessage"`
	CreatedAt   time.Time    `json:"createdAt"`
}

// NewRoomJSON returns the API's form of a room.
func NewRoomJSON(v *View) RoomJSON {
	out := RoomJSON{
		RoomID: v.Room.ID, Type: v.Room.Type, Name: domain.NullIfEmpty(v.Room.Name), MemberIDs: v.Room.MemberIDs(),
		IsSelf: v.Room.Type == domain.RoomSelf, UnreadCount: v.Unread, CreatedAt: v.Room.CreatedAt.UTC(),
	}
	if v.Last != nil {
		m := NewMessageJSON(v.Last)
		out.LastMessage = &m
	}
	return out
}

// RoomListJSON is a list of rooms.
type RoomListJSON struct {
	Rooms []RoomJSON `json:"rooms"`
}

// NewRoomListJSON returns the API's form of a list of rooms.
func NewRoomListJSON(vs []View) RoomListJSON {
	out := RoomListJSON{Rooms: make([]RoomJSON, len(vs))}
	for i := range vs {
		out.Rooms[i] = NewRoomJSON(&vs[i])
	}
	return out
}

// RoomPageJSON is a page of the room list; NextPageToken is null on the
// last page.
type RoomPageJSON struct {
	Rooms         []RoomJSON `json:"rooms"`
	NextPageToken *string    `json:"nextPageToken"`
}

// NewRoomPageJSON returns the API's form of a page of the room list.
func NewRoomPageJSON(p *Page) RoomPageJSON {
	return RoomPageJSON{Rooms: NewRoomListJSON(p.Rooms).Rooms, NextPageToken: domain.NullIfEmpty(p.NextPageToken)}
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// action is one thing a member does, and how often against the others.
type action struct {
	name   string
	weight int
	run    func(m *member, ctx context.Context) error
}

// mix is what members do, by weight: mostly posting and reading, as in a
// work messenger.
var mix = []action{
	{"post a message", 25, (*member).post},
	{"read history", 15, (*member).history},
	{"mark a room read", 10, (*member).markRead},
	{"list rooms", 10, (*member).listRooms},
	{"read a profile", 8, (*member).profile},
	{"read notifications", 8, (*member).notifications},
	{"who am I", 4, (*member).me},
	{"refresh the session", 3, (*member).refresh},
	{"presence", 3, (*member).presence},
	{"start a direct chat", 3, (*member).directChat},
	{"list approvals", 2, (*member).approvals},
	{"shared rooms", 2, (*member).sharedRooms},
	{"own profile", 2, (*member).ownProfile},
	{"list members", 2, (*member).listMembers},
	{"set a status message", 1, (*member).editProfile},
}

var mixWeight = func() int {
	n := 0
	for _, a := range mix {
		n += a.weight
	}
	return n
}()

func pickAction(x int) action {
	for _, a := range mix {
		if x < a.weight {
			return a
		}
		x -= a.weight
	}
	return mix[0]
}

// sentences are what members write.
var sentences = []string{
	"The quarterly figures are in the shared folder, please have a look before Monday.",
	"Can we move the stand-up to 10:30 tomorrow?",
	"Thanks, looks good to me.",
	"I'll be out of the office this afternoon; ping me on mobile if urgent.",
	"회의록 공유드립니다. 확인 부탁드립니다.",
	"네, 알겠습니다!",
	"Deploy went fine, no errors in the logs so far.",
	"Who has the key to the meeting room on the 3rd floor?",
}

// statuses are the status messages members set.
var statuses = []string{"In a meeting", "Working from home", "회의 중", "휴가 중 (月)", "Back at 2pm", "Focus time"}

// pickRoom picks a room to post in or read, as people write at work:
// mostly one to one (55%), then in their teams and projects (35%), now
// and then in the all-hands room (10%). nil asks for a new direct room.
func (m *member) pickRoom() *room {
	var direct, small []*room
	var largest *room
	for _, r := range m.roomList() {
		switch {
		case r.typ == "direct":
			direct = append(direct, r)
		case largest == nil || len(r.members) > len(largest.members):
			if largest != nil {
				small = append(small, largest)
			}
			largest = r
		default:
			small = append(small, r)
		}
	}
	x := m.rnd.Float64()
	switch {
	case x < 0.55 && len(direct) == 0:
		return nil
	case x < 0.55:
		return direct[m.rnd.IntN(len(direct))]
	case x < 0.9 && len(small) > 0:
		return small[m.rnd.IntN(len(small))]
	case largest != nil:
		return largest
	}
	return nil
}

// colleague picks another member of the workspace.
func (m *member) colleague() *member {
	ms := m.ws.members
	for {
		if c := ms[m.rnd.IntN(len(ms))]; c != m && c.accountID != "" {
			return c
		}
	}
}

// post posts a message (F14) with a client message ID of its own: sent
// again when no answer came, it must not post twice.
func (m *member) post(ctx context.Context) error {
	r := m.pickRoom()
	if r == nil {
		var err error
		if r, err = m.createRoom(ctx, "direct", []string{m.colleague().accountID}, ""); err != nil {
			return err
		}
	}
	cmid := fmt.Sprintf("load-%d", m.w.next())
	p := &post{room: r, sender: m, cmid: cmid, start: time.Now()}
	m.w.ledger.addPost(p)
	var msg struct {
		MessageID string `json:"messageId"`
		Seq       int64  `json:"seq"`
	}
	text := fmt.Sprintf("[%s] %s", cmid, sentences[m.rnd.IntN(len(sentences))])
	_, err := m.call(ctx, "POST /v1/rooms/{roomId}/messages", "/v1/rooms/"+r.id+"/messages",
		map[string]string{"text": text, "clientMessageId": cmid}, &msg, true, http.StatusCreated, http.StatusOK)
	if err == nil {
		m.w.ledger.ack(p, msg.MessageID, msg.Seq)
	}
	return err
}

// history reads a room's messages after the last one the member read.
func (m *member) history(ctx context.Context) error {
	rooms := m.roomList()
	if len(rooms) == 0 {
		return nil
	}
	r := rooms[m.rnd.IntN(len(rooms))]
	var page struct {
		Messages []struct {
			Seq int64 `json:"seq"`
		} `json:"messages"`
	}
	q := url.Values{"afterSeq": {fmt.Sprint(m.seen[r.id])}, "limit": {"50"}}
	if _, err := m.call(ctx, "GET /v1/rooms/{roomId}/messages", "/v1/rooms/"+r.id+"/messages?"+q.Encode(), nil, &page, true, http.StatusOK); err != nil {
		return err
	}
	for _, msg := range page.Messages {
		m.seen[r.id] = max(m.seen[r.id], msg.Seq)
	}
	return nil
}

// markRead marks a room read up to the last message the member read
// there (reading one first if the member has read none).
func (m *member) markRead(ctx context.Context) error {
	var read []string
	for id, seq := range m.seen {
		if seq > 0 {
			read = append(read, id)
		}
	}
	if len(read) == 0 {
		return m.history(ctx)
	}
	sort.Strings(read) // map order is random, but not seeded
	id := read[m.rnd.IntN(len(read))]
	_, err := m.call(ctx, "POST /v1/rooms/{roomId}/read", "/v1/rooms/"+id+"/read", map[string]int64{"seq": m.seen[id]}, nil, true, http.StatusNoContent)
	return err
}

func (m *member) listRooms(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/rooms", "/v1/rooms?pageSize=20", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) profile(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/members/{memberId}/profile", "/v1/members/"+m.colleague().accountID+"/profile", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) notifications(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/me/notifications", "/v1/me/notifications?limit=20", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) me(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/me", "/v1/me", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) presence(ctx context.Context) error {
	_, err := m.call(ctx, "POST /v1/me/presence", "/v1/me/presence", nil, nil, true, http.StatusNoContent)
	return err
}

// directChat opens the direct room with a colleague: created the first
// time, the same room after (200), so it is safe to send again.
func (m *member) directChat(ctx context.Context) error {
	c := m.colleague()
	_, err := m.createRoom(ctx, "direct", []string{c.accountID}, "")
	return err
}

// createRoom creates a room (a direct one is idempotent) and records it.
func (m *member) createRoom(ctx context.Context, typ string, memberIDs []string, name string) (*room, error) {
	body := map[string]any{"type": typ, "memberIds": memberIDs}
	if name != "" {
		body["name"] = name
	}
	var out struct {
		RoomID    string   `json:"roomId"`
		MemberIDs []string `json:"memberIds"`
	}
	if _, err := m.call(ctx, "POST /v1/rooms", "/v1/rooms", body, &out, typ == "direct", http.StatusCreated, http.StatusOK); err != nil {
		return nil, err
	}
	return m.w.roomFrom(m.ws, out.RoomID, typ, out.MemberIDs), nil
}

func (m *member) approvals(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/device-approvals", "/v1/device-approvals", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) sharedRooms(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/members/{memberId}/shared-rooms", "/v1/members/"+m.colleague().accountID+"/shared-rooms", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) ownProfile(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/me/profile", "/v1/me/profile", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) listMembers(ctx context.Context) error {
	_, err := m.call(ctx, "GET /v1/workspaces/{ws}/members", "/v1/workspaces/"+m.ws.id+"/members?pageSize=50", nil, nil, true, http.StatusOK)
	return err
}

func (m *member) editProfile(ctx context.Context) error {
	status := statuses[m.rnd.IntN(len(statuses))]
	_, err := m.call(ctx, "PATCH /v1/me/profile", "/v1/me/profile", map[string]string{"statusMessage": status}, nil, true, http.StatusOK)
	return err
}

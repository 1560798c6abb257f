package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// TestRoomEntries: a room is created with an entry of each member, at its
// creation; ActivateRoom moves an entry forward and never back, and makes
// no entry for a member who has none; RoomPage lists a member's entries
// only, the most recently active first, from a cursor on.
func TestRoomEntries(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const amy, bob = "ws:amy", "ws:bob"
	var rooms []*domain.Room
	for i := range 4 {
		r := &domain.Room{ID: domain.NewID(), Type: domain.RoomGroup, MemberKeys: []string{bob, amy}, CreatedBy: bob, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if i == 3 {
			r.MemberKeys = []string{bob} // not amy's
		}
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, r)
	}
	page := func(key string, after *RoomCursor, limit int) []string {
		t.Helper()
		es, err := s.RoomPage(ctx, key, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.RoomID)
		}
		return ids
	}
	if diff := cmp.Diff([]string{rooms[2].ID, rooms[1].ID, rooms[0].ID}, page(amy, nil, 10)); diff != "" {
		t.Errorf("amy's rooms, newest first (-want +got):\n%s", diff)
	}

	// A message in the oldest room moves it first; an older one, or a
	// repeat, does not move it back; nobody gains an entry.
	at := t0.Add(time.Minute).UnixMicro()
	for _, when := range []int64{at, at - 1, t0.UnixMicro()} {
		if err := s.ActivateRoom(ctx, rooms[0].ID, []string{amy, "ws:gone"}, when, nil); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{rooms[0].ID, rooms[2].ID}, page(amy, nil, 2)); diff != "" {
		t.Errorf("amy's first page after a message (-want +got):\n%s", diff)
	}
	rest := page(amy, &RoomCursor{ActiveAt: rooms[2].CreatedAt.UnixMicro(), RoomID: rooms[2].ID}, 10)
	if diff := cmp.Diff([]string{rooms[1].ID}, rest); diff != "" {
		t.Errorf("amy's rooms after the second (-want +got):\n%s", diff)
	}
	if ok, err := exists(ctx, s.entry(rooms[0].ID, "ws:gone")); ok || err != nil {
		t.Errorf("ActivateRoom made an entry for a member without one (%v)", err)
	}
	// bob's entry of that room kept its creation.
	if diff := cmp.Diff([]string{rooms[3].ID, rooms[2].ID, rooms[1].ID, rooms[0].ID}, page(bob, nil, 10)); diff != "" {
		t.Errorf("bob's rooms (-want +got):\n%s", diff)
	}
}

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

// TestMessagesBefore: a page before a seq holds the newest messages below
// it, ascending, and reads only them however long the history is; paging
// back by the first seq of each page gives every message once.
func TestMessagesBefore(t *testing.T) {
	t.Parallel()
	s, m := newStore(t)
	ctx := context.Background()
	room := domain.NewID()
	var seqs []int64
	for i := range 12 {
		seq := t0.UnixMicro() + int64(i)*7 // not consecutive, as real seqs
		msg := &domain.Message{ID: domain.NewID(), RoomID: room, Seq: seq, Text: "m", CreatedAt: t0}
		if _, err := s.message(room, msg.ID).Create(ctx, msg); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	page := func(before int64, limit int) []int64 {
		t.Helper()
		ms, err := s.MessagesBefore(ctx, room, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, x := range ms {
			out = append(out, x.Seq)
		}
		return out
	}
	cases := []struct {
		name   string
		before int64
		limit  int
		want   []int64
	}{
		{"the newest", domain.MaxSeq, 5, seqs[7:]},
		{"all", domain.MaxSeq, 100, seqs},
		{"before the 4th", seqs[3], 5, seqs[:3]},
		{"between two", seqs[6] + 1, 2, seqs[5:7]},
		{"before the first", seqs[0], 5, []int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, page(tc.before, tc.limit)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	r0 := m.Reads()
	page(domain.MaxSeq, 3)
	if n := m.Reads() - r0; n != 3 {
		t.Errorf("a page of 3 read %d documents, want 3", n)
	}

	var all []int64
	for before := int64(domain.MaxSeq); ; {
		p := page(before, 5)
		if len(p) == 0 {
			break
		}
		all = append(p, all...)
		before = p[0]
	}
	if diff := cmp.Diff(seqs, all); diff != "" {
		t.Errorf("paged back (-want +got):\n%s", diff)
	}
}

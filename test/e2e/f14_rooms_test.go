package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// The tests here are F14's rooms (PRODUCT.md F14: "Members create rooms
// (self, direct, group) … A member can list the rooms they share with
// another member. Each member has exactly one self room.") and the room
// half of F13 (PRODUCT.md F13: "While blocked, neither can … create or
// post in a 1:1 room with the other."). Messages and fan-out are in
// f14_messages_test.go and f14_fanout_test.go.

// roomIDPattern is the shape of a room ID: 32 lowercase hex.
var roomIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// roomsWith returns the documents under rooms/ that hold a membership
// ("<ws>:<account>") among their memberKeys.
func (e *env) roomsWith(key string) []map[string]any {
	e.t.Helper()
	snaps, err := e.fs().Collection("rooms").Where("memberKeys", "array-contains", key).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []map[string]any
	for _, s := range snaps {
		out = append(out, s.Data())
	}
	return out
}

// checkRoomDoc checks the stored document of a room against what its
// answer says: ID, type, name (a null name is stored as "" or null),
// member keys in order, the creator first (createdBy), and a creation
// time.
func (e *env) checkRoomDoc(t *testing.T, r room, keys ...string) {
	t.Helper()
	doc := e.doc(roomDoc(r.RoomID))
	var name any = ""
	if r.Name != nil {
		name = *r.Name
	}
	stored := doc["name"]
	if stored == nil {
		stored = ""
	}
	want := map[string]any{"roomId": r.RoomID, "type": r.Type, "name": name, "memberKeys": toAny(keys)}
	got := map[string]any{"roomId": doc["roomId"], "type": doc["type"], "name": stored, "memberKeys": doc["memberKeys"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("document of room %s (-want +got):\n%s", r.RoomID, diff)
	}
	if by := doc["createdBy"]; by != keys[0] {
		t.Errorf("room %s: createdBy = %v, want the creator %s", r.RoomID, by, keys[0])
	}
	if !isTime(doc["createdAt"]) {
		t.Errorf("room %s: createdAt = %v, want a timestamp", r.RoomID, doc["createdAt"])
	}
}

// toAny turns strings into the []any a Firestore array decodes to.
func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// checkNewRoom checks the answer about a room just made: a room ID, the
// type, name and members given, not a self room, nothing posted.
func checkNewRoom(t *testing.T, r room, typ string, name *string, memberIDs ...string) {
	t.Helper()
	if !roomIDPattern.MatchString(r.RoomID) {
		t.Errorf("roomId %q is not 32 lowercase hex", r.RoomID)
	}
	if r.CreatedAt.IsZero() {
		t.Errorf("room %s has no createdAt", r.RoomID)
	}
	want := room{RoomID: r.RoomID, Type: typ, Name: name, MemberIDs: memberIDs, IsSelf: typ == selfRoom, CreatedAt: r.CreatedAt}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("room (-want +got):\n%s", diff)
	}
}

func ptr(s string) *string { return &s }

// TestF14RoomsSelf: each membership has exactly one self room (PRODUCT.md
// F14), made on first use: 10 concurrent first calls make one room
// document and all answer it; later calls answer it again; another
// member's, and the same account's in another workspace, are their own.
func TestF14RoomsSelf(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	b := e.ownerSession("beta", "owner@beta.example")

	var self room
	e.step(t, "concurrent first calls make one room", func(t *testing.T) {
		const n = 10
		got := make([]room, n)
		_, count := race(n, func(i int) int {
			r := e.call("GET", "/v1/rooms/self", nil, c.bearer()...)
			if r.Status == http.StatusOK {
				_ = json.Unmarshal(r.Body, &got[i])
			}
			return r.Status
		})
		if count[http.StatusOK] != n {
			t.Fatalf("statuses %v, want %d × 200", count, n)
		}
		self = got[0]
		for i, r := range got {
			if r.RoomID != self.RoomID {
				t.Errorf("call %d answered room %s, call 0 %s", i, r.RoomID, self.RoomID)
			}
		}
		checkNewRoom(t, self, selfRoom, nil, c.AccountID)
		if docs := e.roomsWith(memberKey(c)); len(docs) != 1 {
			t.Fatalf("%d room documents hold %s, want 1: %v", len(docs), memberKey(c), docs)
		}
		e.checkRoomDoc(t, self, memberKey(c))
		if n := e.count("rooms"); n != 1 {
			t.Errorf("%d rooms, want 1", n)
		}
	})

	e.step(t, "later calls answer the same room", func(t *testing.T) {
		again := e.selfRoom(c)
		if diff := cmp.Diff(self, again); diff != "" {
			t.Errorf("second call (-first +second):\n%s", diff)
		}
		if n := e.count("rooms"); n != 1 {
			t.Errorf("%d rooms, want 1", n)
		}
	})

	e.step(t, "another member's self room is their own", func(t *testing.T) {
		own := e.selfRoom(o)
		if own.RoomID == self.RoomID {
			t.Fatalf("o and c share self room %s", own.RoomID)
		}
		checkNewRoom(t, own, selfRoom, nil, o.AccountID)
		e.checkRoomDoc(t, own, memberKey(o))
	})

	e.step(t, "the same account in another workspace gets its own", func(t *testing.T) {
		cb := e.alsoJoins(c, "c@alpha.example", b)
		if got := e.rooms(cb); len(got) != 0 {
			t.Errorf("c's beta membership lists %v before using its self room, want none of alpha's", roomIDs(got))
		}
		other := e.selfRoom(cb)
		if other.RoomID == self.RoomID {
			t.Fatalf("c's beta membership answered c's alpha self room %s", self.RoomID)
		}
		checkNewRoom(t, other, selfRoom, nil, c.AccountID) // memberIds are account IDs
		e.checkRoomDoc(t, other, memberKey(cb))
		if diff := cmp.Diff([]string{other.RoomID}, roomIDs(e.rooms(cb))); diff != "" {
			t.Errorf("rooms of c in beta (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{self.RoomID}, roomIDs(e.rooms(c))); diff != "" {
			t.Errorf("rooms of c in alpha (-want +got):\n%s", diff)
		}
		if again := e.selfRoom(c); again.RoomID != self.RoomID {
			t.Errorf("c's alpha self room is now %s, was %s", again.RoomID, self.RoomID)
		}
		if n := e.count("rooms"); n != 3 {
			t.Errorf("%d rooms, want 3 (c in alpha, o, c in beta)", n)
		}
	})
}

// TestF14RoomsDirect: a direct room of a pair is created once (201) and
// then answered as it is (200), whichever of the two asks; the caller's
// own ID is dropped and a name ignored; 8 concurrent creations of one pair,
// from both sides, make one room, exactly one answering 201.
func TestF14RoomsDirect(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	d := e.colleague(o, "d")

	e.step(t, "A→B then B→A", func(t *testing.T) {
		r := e.createRoom(o, roomBody(directRoom, "", c.AccountID))
		requireStatus(t, r, http.StatusCreated)
		var first room
		r.JSON(t, &first)
		checkNewRoom(t, first, directRoom, nil, o.AccountID, c.AccountID)
		e.checkRoomDoc(t, first, memberKey(o), memberKey(c))

		for _, tc := range []struct {
			name string
			s    session
			body any
		}{
			{"A→B again", o, roomBody(directRoom, "", c.AccountID)},
			{"B→A", c, roomBody(directRoom, "", o.AccountID)},
			{"with a name, ignored for direct rooms", o, roomBody(directRoom, "Ignored", c.AccountID)},
			{"with the caller's own ID, dropped", o, roomBody(directRoom, "", o.AccountID, c.AccountID)},
			{"B→A with B's own ID first", c, roomBody(directRoom, "", c.AccountID, o.AccountID)},
		} {
			r := e.createRoom(tc.s, tc.body)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %d %s, want 200 with the existing room", tc.name, r.Status, r.Body)
				continue
			}
			var again room
			r.JSON(t, &again)
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("%s (-first +answer):\n%s", tc.name, diff)
			}
		}
		if n := e.count("rooms"); n != 1 {
			t.Errorf("%d rooms, want 1", n)
		}
		e.checkRoomDoc(t, first, memberKey(o), memberKey(c)) // never written after creation
	})

	e.step(t, "concurrent creations of one pair make one room", func(t *testing.T) {
		const n = 8
		got := make([]room, n)
		statuses, count := race(n, func(i int) int {
			from, to := c, d
			if i%2 == 1 {
				from, to = d, c
			}
			r := e.createRoom(from, roomBody(directRoom, "", to.AccountID))
			if r.Status == http.StatusOK || r.Status == http.StatusCreated {
				_ = json.Unmarshal(r.Body, &got[i])
			}
			return r.Status
		})
		if count[http.StatusCreated] != 1 || count[http.StatusOK] != n-1 {
			t.Fatalf("statuses %v, want one 201 and %d × 200", statuses, n-1)
		}
		winner := got[slices.Index(statuses, http.StatusCreated)]
		for i, r := range got {
			if diff := cmp.Diff(winner, r); diff != "" {
				t.Errorf("call %d (-the 201 +this):\n%s", i, diff)
			}
		}
		if !slices.Equal(winner.MemberIDs, []string{c.AccountID, d.AccountID}) && !slices.Equal(winner.MemberIDs, []string{d.AccountID, c.AccountID}) {
			t.Errorf("memberIds %v, want c and d", winner.MemberIDs)
		}
		docs := e.roomsWith(memberKey(d))
		if len(docs) != 1 || docs[0]["roomId"] != winner.RoomID || docs[0]["type"] != directRoom {
			t.Errorf("rooms holding d: %v, want the one direct room %s", docs, winner.RoomID)
		}
		if n := e.count("rooms"); n != 2 {
			t.Errorf("%d rooms, want 2", n)
		}
	})
}

// TestF14RoomsGroup: a group room is always new (201), holds the caller
// first and the others in request order (the caller's own ID dropped),
// and keeps a trimmed name of 1–50 characters, or null.
func TestF14RoomsGroup(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.joinByInvite(o, "alpha", "Lee c", "c@alpha.example")
	d := e.joinByInvite(o, "alpha", "Lee d", "d@alpha.example")
	key := func(id string) string { return "alpha:" + id }
	korean50 := strings.Repeat("가", 50)
	var seen []string
	for _, tc := range []struct {
		name    string
		body    map[string]any
		want    *string
		members []string
	}{
		{"named, trimmed", map[string]any{"type": "group", "memberIds": []string{c, d}, "name": "  Team  "}, ptr("Team"), []string{o.AccountID, c, d}},
		{"the same again is a new room", map[string]any{"type": "group", "memberIds": []string{c, d}, "name": "Team"}, ptr("Team"), []string{o.AccountID, c, d}},
		{"request order kept", map[string]any{"type": "group", "memberIds": []string{d, c}}, nil, []string{o.AccountID, d, c}},
		{"the caller's own ID dropped", map[string]any{"type": "group", "memberIds": []string{c, o.AccountID}}, nil, []string{o.AccountID, c}},
		{"a blank name is null", map[string]any{"type": "group", "memberIds": []string{c}, "name": "   "}, nil, []string{o.AccountID, c}},
		{"an empty name is null", map[string]any{"type": "group", "memberIds": []string{c}, "name": ""}, nil, []string{o.AccountID, c}},
		{"50 characters, not bytes", map[string]any{"type": "group", "memberIds": []string{d}, "name": " " + korean50 + " "}, ptr(korean50), []string{o.AccountID, d}},
	} {
		e.step(t, tc.name, func(t *testing.T) {
			r := e.createRoom(o, tc.body)
			requireStatus(t, r, http.StatusCreated)
			var got room
			r.JSON(t, &got)
			checkNewRoom(t, got, groupRoom, tc.want, tc.members...)
			if slices.Contains(seen, got.RoomID) {
				t.Errorf("room %s answered twice", got.RoomID)
			}
			seen = append(seen, got.RoomID)
			var keys []string
			for _, id := range tc.members {
				keys = append(keys, key(id))
			}
			e.checkRoomDoc(t, got, keys...)
		})
	}
	if n := e.count("rooms"); n != len(seen) {
		t.Errorf("%d rooms, want %d", n, len(seen))
	}
}

// TestF14RoomsCreateRefusals: every refused creation answers its status
// and code in the spec's order (400 → 404 → 403 blocked → 403
// external_chat_disabled) and writes nothing; external contacts may make
// rooms in either direction once both workspaces allow external chat.
func TestF14RoomsCreateRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.joinByInvite(o, "alpha", "Lee c", "c@alpha.example")
	gone := e.joinByInvite(o, "alpha", "Lee gone", "gone@alpha.example")
	e.memberDeleted(o, "alpha", gone)
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")   // added o: a contact of o's
	a2 := e.colleague(b, "a2") // added o, then o blocked them
	g := e.ownerSession("gamma", "owner@gamma.example")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	qr := e.newProfileLink(o, qrLink)
	e.mustAdd(a, byLink(qr.Token))
	e.mustAdd(a2, byLink(qr.Token))
	requireStatus(t, e.block(o, a2.AccountID), http.StatusCreated) // a2's entry of o stays
	// left added o, then was deleted from beta; removed added o, then
	// removed o.
	left := e.colleague(b, "left")
	e.mustAdd(left, byLink(qr.Token))
	e.memberDeleted(b, "beta", left.AccountID)
	removed := e.colleague(b, "removed")
	e.mustAdd(removed, byLink(qr.Token))
	requireStatus(t, e.removeExternal(removed, o.AccountID), http.StatusNoContent)

	create := func(s session, body any) func() response { return func() response { return e.createRoom(s, body) } }
	direct := func(ids ...string) map[string]any { return roomBody(directRoom, "", ids...) }
	group := func(ids ...string) map[string]any { return roomBody(groupRoom, "", ids...) }
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = domain.NewID()
		}
		return out
	}
	unknown := domain.NewID()
	alphaOff := func() { e.setExternalChat(o, false) }
	alphaOn := func() { e.setExternalChat(o, true) }
	betaOff := func() { e.setExternalChat(b, false) }
	betaOn := func() { e.setExternalChat(b, true) }
	const bad, missing, forbidden = http.StatusBadRequest, http.StatusNotFound, http.StatusForbidden

	e.refusals(t, []refusal{
		// 400: the body.
		{name: "type self", call: create(o, map[string]any{"type": "self", "memberIds": []string{c}}), status: bad, code: "invalid_request"},
		{name: "type channel", call: create(o, map[string]any{"type": "channel", "memberIds": []string{c}}), status: bad, code: "invalid_request"},
		{name: "no type", call: create(o, map[string]any{"memberIds": []string{c}}), status: bad, code: "invalid_request"},
		{name: "no memberIds", call: create(o, map[string]any{"type": "group"}), status: bad, code: "invalid_request"},
		{name: "memberIds null", call: create(o, `{"type":"group","memberIds":null}`), status: bad, code: "invalid_request"},
		{name: "empty memberIds", call: create(o, group()), status: bad, code: "invalid_request"},
		{name: "memberIds not a list", call: create(o, `{"type":"group","memberIds":"`+c+`"}`), status: bad, code: "invalid_request"},
		{name: "not JSON", call: create(o, `{"type":"group",`), status: bad, code: "invalid_request"},
		{name: "duplicate member", call: create(o, group(c, c)), status: bad, code: "invalid_request"},
		{name: "duplicate member, direct", call: create(o, direct(c, c)), status: bad, code: "invalid_request"},
		{name: "direct with 2 others", call: create(o, direct(c, a.AccountID)), status: bad, code: "invalid_request"},
		{name: "direct with only oneself", call: create(o, direct(o.AccountID)), status: bad, code: "invalid_request"},
		{name: "group with only oneself", call: create(o, group(o.AccountID)), status: bad, code: "invalid_request"},
		{name: "group with 1000 others", call: create(o, group(ids(1000)...)), status: bad, code: "invalid_request"},
		{name: "name over 50 characters", call: create(o, roomBody(groupRoom, strings.Repeat("가", 51), c)), status: bad, code: "invalid_request"},
		{name: "400 before 404: direct with 2 unknown", call: create(o, direct(ids(2)...)), status: bad, code: "invalid_request"},
		{name: "400 before 404: long name, unknown member", call: create(o, roomBody(groupRoom, strings.Repeat("x", 51), unknown)), status: bad, code: "invalid_request"},
		// 404: who may be in a room.
		{name: "unknown ID", call: create(o, direct(unknown)), status: missing, code: "not_found"},
		{name: "malformed ID", call: create(o, direct("not-an-id")), status: missing, code: "not_found"},
		{name: "31 hex", call: create(o, direct(unknown[:31])), status: missing, code: "not_found"},
		{name: "path-like ID", call: create(o, group(c, "../"+c)), status: missing, code: "not_found"},
		{name: "a colleague and an unknown ID", call: create(o, group(c, unknown)), status: missing, code: "not_found"},
		{name: "999 unknown others (not 400)", call: create(o, group(ids(999)...)), status: missing, code: "not_found"},
		{name: "a member of another workspace, not a contact", call: create(o, direct(g.AccountID)), status: missing, code: "not_found"},
		{name: "…and the other way", call: create(g, direct(o.AccountID)), status: missing, code: "not_found"},
		{name: "a contact's colleague", call: create(o, direct(b.AccountID)), status: missing, code: "not_found"},
		{name: "a contact's colleague, in a group", call: create(a, group(o.AccountID, c)), status: missing, code: "not_found"},
		{name: "a deleted colleague", call: create(o, direct(gone)), status: missing, code: "not_found"},
		{name: "a deleted colleague, in a group", call: create(o, group(c, gone)), status: missing, code: "not_found"},
		{name: "a contact deleted from their workspace", call: create(o, direct(left.AccountID)), status: missing, code: "not_found"},
		// removed no longer has o as an external member; o keeps the record
		// that removed once added them (F12: what add-back relies on).
		{name: "an external member one removed", call: create(removed, direct(o.AccountID)), status: missing, code: "not_found"},
		{name: "404 before blocked", call: create(o, group(a2.AccountID, unknown)), status: missing, code: "not_found"},
		// 403 blocked, either way (F13).
		{name: "direct with someone the caller blocked", call: create(o, direct(a2.AccountID)), status: forbidden, code: "blocked"},
		{name: "direct with someone who blocked the caller", call: create(a2, direct(o.AccountID)), status: forbidden, code: "blocked"},
		{name: "group with someone the caller blocked", call: create(o, group(c, a2.AccountID)), status: forbidden, code: "blocked"},
		{name: "group with someone who blocked the caller", call: create(a2, group(b.AccountID, o.AccountID)), status: forbidden, code: "blocked"},
		{name: "blocked before external chat off", before: alphaOff, after: alphaOn,
			call: create(o, direct(a2.AccountID)), status: forbidden, code: "blocked"},
		// 403 external_chat_disabled, on either side.
		{name: "external chat off on the caller's side", before: alphaOff, after: alphaOn,
			call: create(o, direct(a.AccountID)), status: forbidden, code: "external_chat_disabled"},
		{name: "external chat off on the other side", before: betaOff, after: betaOn,
			call: create(o, direct(a.AccountID)), status: forbidden, code: "external_chat_disabled"},
		{name: "external chat off, from the contact's side", before: alphaOff, after: alphaOn,
			call: create(a, direct(o.AccountID)), status: forbidden, code: "external_chat_disabled"},
		{name: "external chat off, group with an external member", before: betaOff, after: betaOn,
			call: create(o, group(c, a.AccountID)), status: forbidden, code: "external_chat_disabled"},
	})
	if n := e.count("rooms"); n != 0 {
		t.Fatalf("%d rooms after refusals only", n)
	}

	e.step(t, "external contacts, either direction", func(t *testing.T) {
		// o did not add a: a added o. Either counts.
		r := e.createRoom(o, direct(a.AccountID))
		requireStatus(t, r, http.StatusCreated)
		var dm room
		r.JSON(t, &dm)
		checkNewRoom(t, dm, directRoom, nil, o.AccountID, a.AccountID)
		e.checkRoomDoc(t, dm, memberKey(o), memberKey(a))
		r = e.createRoom(a, direct(o.AccountID))
		requireStatus(t, r, http.StatusOK)
		var back room
		r.JSON(t, &back)
		if diff := cmp.Diff(dm, back); diff != "" {
			t.Errorf("a→o (-o→a +a→o):\n%s", diff)
		}
		// A group of a's, with a colleague and a contact in alpha.
		r = e.createRoom(a, roomBody(groupRoom, "Across", o.AccountID, b.AccountID))
		requireStatus(t, r, http.StatusCreated)
		var grp room
		r.JSON(t, &grp)
		checkNewRoom(t, grp, groupRoom, ptr("Across"), a.AccountID, o.AccountID, b.AccountID)
		e.checkRoomDoc(t, grp, memberKey(a), memberKey(o), memberKey(b))
		// And one of o's, with a colleague and a.
		r = e.createRoom(o, group(c, a.AccountID))
		requireStatus(t, r, http.StatusCreated)
		r.JSON(t, &grp)
		checkNewRoom(t, grp, groupRoom, nil, o.AccountID, c, a.AccountID)
		e.checkRoomDoc(t, grp, memberKey(o), "alpha:"+c, memberKey(a))
	})
}

// TestF14RoomsList: GET /v1/rooms lists the rooms of the caller's
// membership only, most recent activity first (the last message, else
// the room's creation), each with its unread count (others' messages
// after the caller's read position) and its last message. A message moves
// its room first once the fan-out job has visited the member.
func TestF14RoomsList(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	d := e.colleague(o, "d")
	b := e.ownerSession("beta", "owner@beta.example")

	self := e.selfRoom(c)
	dm := e.mustCreateRoom(o, directRoom, "", c.AccountID)
	grp := e.mustCreateRoom(o, groupRoom, "G", c.AccountID, d.AccountID)
	other := e.mustCreateRoom(o, directRoom, "", d.AccountID) // not c's

	// listed checks a member's list: its order, and each room's unread
	// count and last message (nil: none).
	type entry struct {
		id     string
		unread int
		last   *message
	}
	listed := func(t *testing.T, s session, want ...entry) {
		t.Helper()
		got := e.rooms(s)
		var wantIDs []string
		for _, w := range want {
			wantIDs = append(wantIDs, w.id)
		}
		if diff := cmp.Diff(wantIDs, roomIDs(got)); diff != "" {
			t.Fatalf("rooms of %s, most recent first (-want +got):\n%s", s.AccountID, diff)
		}
		for i, w := range want {
			if got[i].UnreadCount != w.unread {
				t.Errorf("room %s: unreadCount %d, want %d", w.id, got[i].UnreadCount, w.unread)
			}
			if diff := cmp.Diff(w.last, got[i].LastMessage); diff != "" {
				t.Errorf("room %s: lastMessage (-want +got):\n%s", w.id, diff)
			}
		}
	}

	e.step(t, "nothing posted: newest room first", func(t *testing.T) {
		listed(t, c, entry{grp.RoomID, 0, nil}, entry{dm.RoomID, 0, nil}, entry{self.RoomID, 0, nil})
		got := e.rooms(c)
		for _, want := range []room{grp, dm, self} {
			r, _ := findRoom(got, want.RoomID)
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("listed room (-as created +as listed):\n%s", diff)
			}
		}
		listed(t, o, entry{other.RoomID, 0, nil}, entry{grp.RoomID, 0, nil}, entry{dm.RoomID, 0, nil})
		listed(t, d, entry{other.RoomID, 0, nil}, entry{grp.RoomID, 0, nil})
	})

	var m1, m2, m3, m4, memo message
	e.step(t, "a message moves its room first", func(t *testing.T) {
		m1 = e.mustPost(o, dm.RoomID, "hello")
		e.settle()
		listed(t, c, entry{dm.RoomID, 1, &m1}, entry{grp.RoomID, 0, nil}, entry{self.RoomID, 0, nil})
		listed(t, o, entry{dm.RoomID, 0, &m1}, entry{other.RoomID, 0, nil}, entry{grp.RoomID, 0, nil}) // one's own messages are not unread
	})

	e.step(t, "unread counts others' messages after the read position", func(t *testing.T) {
		m2 = e.mustPost(d, grp.RoomID, "one")
		m3 = e.mustPost(o, grp.RoomID, "two")
		e.settle()
		listed(t, c, entry{grp.RoomID, 2, &m3}, entry{dm.RoomID, 1, &m1}, entry{self.RoomID, 0, nil})
		requireStatus(t, e.markRead(c, grp.RoomID, m2.Seq), http.StatusNoContent)
		listed(t, c, entry{grp.RoomID, 1, &m3}, entry{dm.RoomID, 1, &m1}, entry{self.RoomID, 0, nil})
		memo = e.mustPost(c, self.RoomID, "memo")
		e.settle()
		listed(t, c, entry{self.RoomID, 0, &memo}, entry{grp.RoomID, 1, &m3}, entry{dm.RoomID, 1, &m1})
		m4 = e.mustPost(c, grp.RoomID, "three")
		e.settle()
		listed(t, c, entry{grp.RoomID, 1, &m4}, entry{self.RoomID, 0, &memo}, entry{dm.RoomID, 1, &m1})
		listed(t, d, entry{grp.RoomID, 2, &m4}, entry{other.RoomID, 0, nil}) // m3 and m4; m2 is d's own
		requireStatus(t, e.markRead(c, grp.RoomID, m4.Seq), http.StatusNoContent)
		requireStatus(t, e.markRead(c, dm.RoomID, m1.Seq), http.StatusNoContent)
		listed(t, c, entry{grp.RoomID, 0, &m4}, entry{self.RoomID, 0, &memo}, entry{dm.RoomID, 0, &m1})
	})

	e.step(t, "only the rooms of the caller's membership", func(t *testing.T) {
		cb := e.alsoJoins(c, "c@alpha.example", b)
		if got := e.rooms(cb); len(got) != 0 {
			t.Errorf("c in beta lists %v, want none of c's alpha rooms", roomIDs(got))
		}
		own := e.mustCreateRoom(b, directRoom, "", c.AccountID) // beta's owner and c in beta
		listed(t, cb, entry{own.RoomID, 0, nil})
		listed(t, c, entry{grp.RoomID, 0, &m4}, entry{self.RoomID, 0, &memo}, entry{dm.RoomID, 0, &m1})
		e.checkRoomDoc(t, own, memberKey(b), memberKey(cb))
	})
}

// TestF14RoomsShared: GET /v1/members/{id}/shared-rooms lists the group
// rooms the caller and that account are both in (PRODUCT.md F14), seen
// from either side, external members too; never a direct room; an empty
// list when there is none; 404 for an ID that is not one.
func TestF14RoomsShared(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	d := e.joinByInvite(o, "alpha", "Lee d", "d@alpha.example")
	nobody := e.joinByInvite(o, "alpha", "Lee nobody", "nobody@alpha.example")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	e.mustAdd(a, byLink(e.newProfileLink(o, qrLink).Token))

	g1 := e.mustCreateRoom(o, groupRoom, "One", c.AccountID, d)
	g2 := e.mustCreateRoom(c, groupRoom, "Two", o.AccountID)
	g3 := e.mustCreateRoom(c, groupRoom, "Three", d) // without o
	gx := e.mustCreateRoom(a, groupRoom, "Across", o.AccountID)
	e.mustCreateRoom(o, directRoom, "", c.AccountID) // direct rooms are not listed
	e.mustCreateRoom(o, directRoom, "", nobody)
	e.mustCreateRoom(a, directRoom, "", o.AccountID)
	e.selfRoom(o)

	sorted := func(rs ...room) []string {
		ids := roomIDs(rs)
		slices.Sort(ids)
		return ids
	}
	for _, tc := range []struct {
		name string
		s    session
		of   string
		want []string
	}{
		{"o and c", o, c.AccountID, sorted(g1, g2)},
		{"c and o", c, o.AccountID, sorted(g1, g2)},
		{"o and d", o, d, sorted(g1)},
		{"c and d", c, d, sorted(g1, g3)},
		{"o and an external member", o, a.AccountID, sorted(gx)},
		{"the external member and o", a, o.AccountID, sorted(gx)},
		{"only a direct room shared", o, nobody, []string{}},
		{"nothing shared across workspaces", b, o.AccountID, []string{}},
		{"an unknown ID", o, domain.NewID(), []string{}},
	} {
		e.step(t, tc.name, func(t *testing.T) {
			got := e.mustSharedRooms(tc.s, tc.of)
			ids := roomIDs(got)
			slices.Sort(ids)
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("shared rooms (-want +got):\n%s", diff)
			}
			for _, r := range got {
				if r.Type != groupRoom || !slices.Contains(r.MemberIDs, tc.s.AccountID) || !slices.Contains(r.MemberIDs, tc.of) {
					t.Errorf("listed %+v", r)
				}
			}
		})
	}
	e.step(t, "the answer is the rooms as GET /v1/rooms shows them", func(t *testing.T) {
		got := e.mustSharedRooms(o, d)
		if len(got) != 1 {
			t.Fatalf("shared rooms %v, want g1", roomIDs(got))
		}
		want, _ := findRoom(e.rooms(o), g1.RoomID)
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("g1 (-listed +shared):\n%s", diff)
		}
	})
	e.refusals(t, []refusal{
		{name: "malformed ID", call: func() response { return e.sharedRooms(o, "not-an-id") }, status: http.StatusNotFound, code: "not_found"},
		{name: "31 hex", call: func() response { return e.sharedRooms(o, c.AccountID[:31]) }, status: http.StatusNotFound, code: "not_found"},
		{name: "33 hex", call: func() response { return e.sharedRooms(o, c.AccountID+"0") }, status: http.StatusNotFound, code: "not_found"},
	})
}

// TestF14RoomsBlockedPosting is F13's room half (PRODUCT.md F13: "While
// blocked, neither can … create or post in a 1:1 room with the other."):
// after a block, either way, neither posts in their existing direct room
// (403 blocked, nothing written); unblocking restores it at once; a group
// room holding both still works.
func TestF14RoomsBlockedPosting(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	e.mustAdd(a, byLink(e.newProfileLink(o, qrLink).Token)) // a added o

	dm := e.mustCreateRoom(o, directRoom, "", a.AccountID)
	grp := e.mustCreateRoom(o, groupRoom, "With a", c.AccountID, a.AccountID)
	e.mustPost(o, dm.RoomID, "before")
	e.mustPost(a, dm.RoomID, "before, back")

	post := func(s session, roomID string) func() response {
		return func() response { return e.postMessage(s, roomID, "while blocked", domain.NewID()) }
	}
	posts := func(t *testing.T, what string) {
		t.Helper()
		for _, s := range []session{o, a} {
			if m := e.mustPost(s, dm.RoomID, what); m.SenderID != s.AccountID {
				t.Errorf("posted %+v as %s", m, s.AccountID)
			}
		}
	}
	groupWorks := func(t *testing.T) {
		t.Helper()
		for _, s := range []session{o, a, c} {
			e.mustPost(s, grp.RoomID, "in the group")
		}
	}
	blockedCases := []refusal{
		{name: "the blocker posts", call: post(o, dm.RoomID), status: http.StatusForbidden, code: "blocked"},
		{name: "the one blocked posts", call: post(a, dm.RoomID), status: http.StatusForbidden, code: "blocked"},
	}

	e.step(t, "o blocks a", func(t *testing.T) {
		requireStatus(t, e.block(o, a.AccountID), http.StatusCreated)
		before := len(e.history(o, dm.RoomID, 0, 100))
		e.refusals(t, blockedCases)
		if got := len(e.history(a, dm.RoomID, 0, 100)); got != before {
			t.Errorf("%d messages in the direct room, was %d", got, before)
		}
		groupWorks(t)
	})

	e.step(t, "o unblocks a", func(t *testing.T) {
		requireStatus(t, e.unblock(o, a.AccountID), http.StatusNoContent)
		posts(t, "after unblocking")
	})

	e.step(t, "a blocks o", func(t *testing.T) {
		requireStatus(t, e.block(a, o.AccountID), http.StatusCreated)
		blockedCases[0].call, blockedCases[1].call = post(a, dm.RoomID), post(o, dm.RoomID)
		e.refusals(t, blockedCases)
		groupWorks(t)
		// Blocked comes before external chat off.
		e.refusals(t, []refusal{{name: "blocked, external chat off", before: func() { e.setExternalChat(o, false) },
			after: func() { e.setExternalChat(o, true) }, call: post(o, dm.RoomID), status: http.StatusForbidden, code: "blocked"}})
	})

	e.step(t, "a unblocks o", func(t *testing.T) {
		requireStatus(t, e.unblock(a, o.AccountID), http.StatusNoContent)
		posts(t, "after unblocking, back")
		if n := len(e.history(c, grp.RoomID, 0, 100)); n != 6 {
			t.Errorf("%d messages in the group room, want 6", n)
		}
	})
}

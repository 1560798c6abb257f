// Package rooms is where members talk (F14): each member's self room, a
// direct room per pair, group rooms; posting messages, idempotent on the
// client's ID; history by seq; read positions and unread counts; muting;
// and the job that fans each message out as notifications.
//
// A room's members are memberships (domain.MemberKey): an account in two
// workspaces talks from each separately. Who may share a room follows
// F12 and F13: colleagues, and members of other workspaces in the
// caller's contacts either way, with external chat allowed in both
// workspaces and no block between them.
package rooms

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Service is rooms and messages.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Clock  clock.Clock
	// IDs derives the IDs of self and direct rooms and of messages, so
	// that nobody can tell from an ID who talks to whom. Its key never
	// rotates (config.IDKey): a room's ID must stay the same for good.
	IDs *auth.MACer
	// Limiter keeps each member within ratelimit.RoomMember rooms created
	// and ratelimit.PostMember messages posted.
	Limiter *ratelimit.Limiter
}

var (
	errNoRoom       = errs.E(errs.NotFound, "There is no such room.")
	errNotInRoom    = errs.E(errs.Forbidden, "You are not a member of this room.")
	errNoMember     = errs.E(errs.NotFound, "There is no such member, or you cannot talk with them.")
	errBlocked      = errs.E(errs.Blocked, "You cannot talk with this member: one of you blocked the other.")
	errExternalChat = errs.E(errs.ExternalChatDisabled, "Chat with members of other workspaces is turned off in your workspace or theirs.")
)

// View is a room as one member sees it.
type View struct {
	Room *domain.Room
	store.RoomState
}

// ActiveAt is when the room was last active: its latest message, or its
// creation.
func (v View) ActiveAt() time.Time {
	if v.Last != nil {
		return v.Last.CreatedAt
	}
	return v.Room.CreatedAt
}

// now is the time as Firestore keeps it, so that an answer and a later
// list agree.
func (s *Service) now() time.Time { return s.Clock.Now().Truncate(time.Microsecond) }

// key is the caller's member key.
func key(p *session.Principal) string { return domain.MemberKey(p.WorkspaceID, p.AccountID) }

// derivedID is the ID of a room or message named by its parts.
func (s *Service) derivedID(parts ...string) string { return s.IDs.MAC(parts...)[:32] }

// Self returns the caller's self room, created on first use; concurrent
// first calls create one room.
func (s *Service) Self(ctx context.Context, p *session.Principal) (*View, error) {
	k := key(p)
	id := s.derivedID("room", domain.RoomSelf, k)
	r, err := s.Store.Room(ctx, id)
	if errs.Is(err, errs.NotFound) {
		r = &domain.Room{ID: id, Type: domain.RoomSelf, MemberKeys: []string{k}, CreatedBy: k, CreatedAt: s.now()}
		err = s.Store.CreateRoom(ctx, r)
		if errors.Is(err, store.ErrExists) {
			r, err = s.Store.Room(ctx, id)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("rooms.Self: %w", err)
	}
	return s.view(ctx, k, r)
}

// NewRoom is a request for a direct or group room.
type NewRoom struct {
	Type      string
	MemberIDs []string
	Name      string
}

// Create creates a direct or a group room of the caller and the members
// named. A direct room is one per pair: if it exists, Create returns it
// with created false. Creating a room counts towards the caller's
// ratelimit.RoomMember (so nobody can grow another member's room list
// without bound); opening the existing room of a pair does not.
func (s *Service) Create(ctx context.Context, p *session.Principal, n NewRoom) (v *View, created bool, err error) {
	others, name, err := checkNew(p, n)
	if err != nil {
		return nil, false, err
	}
	keys, err := s.reach(ctx, p, others)
	if err != nil {
		return nil, false, err
	}
	k := key(p)
	r := &domain.Room{Type: n.Type, Name: name, MemberKeys: append([]string{k}, keys...), CreatedBy: k, CreatedAt: s.now()}
	if n.Type == domain.RoomDirect {
		pair := []string{k, keys[0]}
		slices.Sort(pair)
		r.ID = s.derivedID("room", domain.RoomDirect, pair[0], pair[1])
		if v, err := s.existing(ctx, k, r.ID); v != nil || err != nil {
			return v, false, err
		}
	} else {
		r.ID = domain.NewID()
	}
	if err := s.Limiter.Take(ctx, ratelimit.Use{Rule: ratelimit.RoomMember, Key: k}); err != nil {
		return nil, false, err
	}
	err = s.Store.CreateRoom(ctx, r)
	if errors.Is(err, store.ErrExists) {
		v, err := s.existing(ctx, k, r.ID) // the pair's room, created meanwhile
		if v == nil && err == nil {
			err = store.ErrRaced // and gone again (a withdrawal)
		}
		return v, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("rooms.Create: %w", err)
	}
	return &View{Room: r}, true, nil
}

// existing returns the room id as the member k sees it; nil if there is
// no such room.
func (s *Service) existing(ctx context.Context, k, id string) (*View, error) {
	r, err := s.Store.Room(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rooms.Create: %w", err)
	}
	return s.view(ctx, k, r)
}

// checkNew checks a room request's form and returns the other members
// (the caller's own ID dropped) and the name.
func checkNew(p *session.Principal, n NewRoom) ([]string, string, error) {
	if n.Type != domain.RoomDirect && n.Type != domain.RoomGroup {
		return nil, "", errs.E(errs.Invalid, `type must be "direct" or "group"`)
	}
	seen := map[string]bool{}
	var others []string
	for _, id := range n.MemberIDs {
		if seen[id] {
			return nil, "", errs.E(errs.Invalid, "memberIds must not repeat a member")
		}
		seen[id] = true
		if id != p.AccountID {
			others = append(others, id)
		}
	}
	switch {
	case n.Type == domain.RoomDirect && len(others) != 1:
		return nil, "", errs.E(errs.Invalid, "A direct room is with exactly one other member (your own notes are in your self room).")
	case len(others) == 0 || len(others) >= domain.MaxRoomMembers:
		return nil, "", errs.Errorf(errs.Invalid, "A group room has 2 to %d members.", domain.MaxRoomMembers)
	}
	if n.Type == domain.RoomDirect {
		return others, "", nil
	}
	name, err := domain.CheckRoomName(n.Name)
	return others, name, err
}

// reach returns the member keys of the accounts ids as the caller may
// talk with them: active colleagues, and active members of active
// workspaces who are in the caller's contacts either way (F12). Anyone
// else is errs.NotFound; a block either way errs.Blocked (F13); a member
// of another workspace while either workspace has external chat off
// errs.ExternalChatDisabled. Colleagues cost one read each (members of a
// workspace cannot block each other); the others, seven.
func (s *Service) reach(ctx context.Context, p *session.Principal, ids []string) ([]string, error) {
	for _, id := range ids {
		if !domain.IsID(id) {
			return nil, errNoMember
		}
	}
	colleagues, err := s.Store.ActiveMembers(ctx, p.WorkspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("rooms.reach: %w", err)
	}
	keys := make(map[string]string, len(ids))
	for _, m := range colleagues {
		keys[m.AccountID] = domain.MemberKey(p.WorkspaceID, m.AccountID)
	}
	others := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return keys[id] != "" })
	rels, err := s.Store.Relations(ctx, p.WorkspaceID, p.AccountID, others)
	if err != nil {
		return nil, fmt.Errorf("rooms.reach: %w", err)
	}
	outside := make([]store.MemberRef, len(others))
	for i, rel := range rels {
		ws := rel.ExternalWorkspace()
		if rel.Member != nil || ws == "" {
			return nil, errNoMember // a colleague not active, or a stranger
		}
		keys[others[i]] = domain.MemberKey(ws, others[i])
		outside[i] = store.MemberRef{WorkspaceID: ws, AccountID: others[i]}
	}
	cps, err := s.Store.Counterparts(ctx, outside, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("rooms.reach: %w", err)
	}
	for _, c := range cps {
		if !c.Active() {
			return nil, errNoMember
		}
	}
	for i, rel := range rels {
		if rel.Block != nil || cps[others[i]].BlocksViewer {
			return nil, errBlocked
		}
	}
	for _, c := range cps {
		if !p.Workspace.ExternalChatAllowed || !c.Workspace.ExternalChatAllowed {
			return nil, errExternalChat
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = keys[id]
	}
	return out, nil
}

// Shared returns the group rooms that the caller and the account
// memberID are both in, the most recently active first.
func (s *Service) Shared(ctx context.Context, p *session.Principal, memberID string) ([]View, error) {
	if !domain.IsID(memberID) {
		return nil, errNoMember
	}
	rs, err := s.Store.RoomsOf(ctx, key(p), domain.RoomGroup)
	if err != nil {
		return nil, fmt.Errorf("rooms.Shared: %w", err)
	}
	rs = slices.DeleteFunc(rs, func(r *domain.Room) bool { return !slices.Contains(r.MemberIDs(), memberID) })
	return s.views(ctx, key(p), rs)
}

// views returns rooms as the member k sees them, the most recently active
// first.
func (s *Service) views(ctx context.Context, k string, rs []*domain.Room) ([]View, error) {
	states, err := s.Store.RoomStates(ctx, k, rs)
	if err != nil {
		return nil, fmt.Errorf("rooms.views: %w", err)
	}
	out := make([]View, len(rs))
	for i, r := range rs {
		out[i] = View{Room: r, RoomState: states[i]}
	}
	slices.SortFunc(out, func(a, b View) int {
		return cmp.Or(b.ActiveAt().Compare(a.ActiveAt()), cmp.Compare(a.Room.ID, b.Room.ID))
	})
	return out, nil
}

func (s *Service) view(ctx context.Context, k string, r *domain.Room) (*View, error) {
	vs, err := s.views(ctx, k, []*domain.Room{r})
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// member returns a room the caller is a member of: errs.NotFound if there
// is no such room, errs.Forbidden if the caller is not in it.
func (s *Service) member(ctx context.Context, p *session.Principal, roomID string) (*domain.Room, error) {
	if !domain.IsID(roomID) {
		return nil, errNoRoom
	}
	r, err := s.Store.Room(ctx, roomID)
	if errs.Is(err, errs.NotFound) {
		return nil, errNoRoom
	}
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	if !r.Has(key(p)) {
		return nil, errNotInRoom
	}
	return r, nil
}

package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/domain"
)

// What a withdrawal (F18) finds of a workspace, listed for deletion: each
// method lists up to about limit documents of what is still there.

// listAll runs queries at once and joins what they list, up to limit of
// each.
func listAll(ctx context.Context, qs []firestore.Query, limit int) ([]Op, error) {
	found := make([][]Op, len(qs))
	g, ctx := errgroup.WithContext(ctx)
	for i, q := range qs {
		g.Go(func() (err error) {
			found[i], err = list(ctx, q, limit)
			return err
		})
	}
	err := g.Wait()
	return slices.Concat(found...), err
}

// WorkspaceTraces lists what other workspaces hold of a workspace's
// members (their contact, adder and block entries) and the notifications
// and live events its members caused, anywhere.
func (s *Store) WorkspaceTraces(ctx context.Context, workspaceID string, limit int) ([]Op, error) {
	ops, err := listAll(ctx, []firestore.Query{
		s.fs.CollectionGroup(colExternalMembers).Where("workspaceId", "==", workspaceID).OrderBy("addedAt", firestore.Asc),
		s.fs.CollectionGroup(colAddedBy).Where("workspaceId", "==", workspaceID).OrderBy("addedAt", firestore.Asc),
		s.fs.CollectionGroup(colBlocks).Where("workspaceId", "==", workspaceID).OrderBy("blockedAt", firestore.Asc),
		s.fs.CollectionGroup(colNotifications).Where("fromWorkspaceId", "==", workspaceID).OrderBy("createdAt", firestore.Asc),
		s.fs.CollectionGroup(colFeed).Where("fromWorkspaceId", "==", workspaceID).OrderBy("createdAt", firestore.Asc),
	}, limit)
	return ops, wrap("store.WorkspaceTraces", err)
}

// WorkspaceRecords lists a workspace's own top-level documents: its
// sessions, device approval requests (with their nudges), invite tokens,
// profile links, e-mail verifications, super admin delegations,
// organisation link and recovery key.
func (s *Store) WorkspaceRecords(ctx context.Context, workspaceID string, limit int) ([]Unit, error) {
	by := func(col string) firestore.Query {
		return s.fs.Collection(col).Where("workspaceId", "==", workspaceID)
	}
	ops, err := listAll(ctx, []firestore.Query{
		by(colSessions), by(colInviteTokens), by(colProfileLinks), by(colVerifications), by(colDelegations), by(colOrgLinks),
	}, limit)
	if err != nil {
		return nil, wrap("store.WorkspaceRecords", err)
	}
	units := Leaves(ops)
	approvals, err := list(ctx, by(colApprovals), limit)
	if err != nil {
		return nil, wrap("store.WorkspaceRecords", err)
	}
	for _, a := range approvals {
		u, err := s.withTree(ctx, a.ref, limit)
		if err != nil {
			return nil, wrap("store.WorkspaceRecords", err)
		}
		units = append(units, u)
	}
	key := s.fs.Collection(colRecoveryKeys).Doc(workspaceID)
	ok, err := exists(ctx, key)
	if ok {
		units = append(units, Unit{Ops: []Op{deleteOp(key)}})
	}
	return units, wrap("store.WorkspaceRecords", err)
}

// withTree lists a document with its subtree: the document is the
// anchor, if its subtree was listed whole.
func (s *Store) withTree(ctx context.Context, ref *firestore.DocumentRef, limit int) (Unit, error) {
	ops, complete, err := s.tree(ctx, ref, limit)
	u := Unit{Ops: ops}
	if complete {
		u.Anchors = []Op{deleteOp(ref)}
	}
	return u, err
}

// MemberHoldings lists what a workspace's members hold: their
// notifications, contacts, adders, blocks, QR links, live events and
// pushes (one collection-group query of each under the workspace, not one
// per member), and their presence.
func (s *Store) MemberHoldings(ctx context.Context, workspaceID string, limit int) ([]Op, error) {
	ws := s.fs.Collection(colWorkspaces).Doc(workspaceID)
	// Every document under ws: its path sorts after ws's and before that
	// of the next possible workspace ID.
	end := s.fs.Collection(colWorkspaces).Doc(workspaceID + "\x00")
	qs := []firestore.Query{ws.Collection(colPresence).Query}
	for _, col := range subcollections[colMembers] {
		qs = append(qs, s.fs.CollectionGroup(col).Where(firestore.DocumentID, ">", ws).Where(firestore.DocumentID, "<", end))
	}
	ops, err := listAll(ctx, qs, limit)
	return ops, wrap("store.MemberHoldings", err)
}

// WorkspaceRest lists whatever is left under a workspace's document (its
// invite links and their uses, and anything written behind the earlier
// phases). The walk goes through documents already deleted, so what is
// under one is found without it: the documents need no order.
func (s *Store) WorkspaceRest(ctx context.Context, workspaceID string, limit int) ([]Op, error) {
	ops, _, err := s.tree(ctx, s.fs.Collection(colWorkspaces).Doc(workspaceID), limit)
	return ops, wrap("store.WorkspaceRest", err)
}

// FoundRoom is a room a withdrawal found.
type FoundRoom struct {
	domain.Room
	snap *firestore.DocumentSnapshot
}

// RoomsOfWorkspace returns up to limit rooms that members of a workspace
// are in.
func (s *Store) RoomsOfWorkspace(ctx context.Context, workspaceID string, limit int) ([]FoundRoom, error) {
	rooms, err := s.foundRooms(ctx, s.fs.Collection(colRooms).Where("workspaceIds", "array-contains", workspaceID), limit)
	return rooms, wrap("store.RoomsOfWorkspace", err)
}

// RoomsOfMember returns up to limit rooms that a membership (by its
// member key) is in.
func (s *Store) RoomsOfMember(ctx context.Context, key string, limit int) ([]FoundRoom, error) {
	rooms, err := s.foundRooms(ctx, s.fs.Collection(colRooms).Where("memberKeys", "array-contains", key), limit)
	return rooms, wrap("store.RoomsOfMember", err)
}

func (s *Store) foundRooms(ctx context.Context, q firestore.Query, limit int) ([]FoundRoom, error) {
	snaps, err := q.Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	rooms := make([]FoundRoom, len(snaps))
	for i, snap := range snaps {
		rooms[i].snap = snap
		if err := snap.DataTo(&rooms[i].Room); err != nil {
			return nil, err
		}
	}
	return rooms, nil
}

// Contents lists up to about limit documents under a room (its messages,
// seqs and read positions), as a unit whose anchor is the room's
// deletion once all of them are listed.
func (s *Store) Contents(ctx context.Context, r FoundRoom, limit int) (Unit, error) {
	u, err := s.withTree(ctx, r.snap.Ref, limit)
	return u, wrap("store.Contents", err)
}

// Without is the update of a room that members leave: left are the member
// keys that stay, createdBy its creator's key or "" if the creator left.
func (r FoundRoom) Without(left []string, createdBy string) Op {
	return updateOp(r.snap,
		firestore.Update{Path: "memberKeys", Value: left},
		firestore.Update{Path: "workspaceIds", Value: roomWorkspaces(left)},
		firestore.Update{Path: "createdBy", Value: createdBy})
}

// Leavers names the members a room's cleanup takes out: every member of a
// workspace (WorkspaceID), or one membership (Key).
type Leavers struct{ WorkspaceID, Key string }

// Has reports whether a member key is one of the leavers.
func (l Leavers) Has(key string) bool {
	if l.Key != "" {
		return key == l.Key
	}
	return strings.HasPrefix(key, domain.MemberKey(l.WorkspaceID, ""))
}

// sent returns the query of the messages the leavers sent in a room.
func (l Leavers) sent(messages *firestore.CollectionRef) firestore.Query {
	if l.Key != "" {
		return messages.Where("senderKey", "==", l.Key)
	}
	// The keys "ws:…" sort between "ws:" and "ws;" (';' follows ':').
	return messages.Where("senderKey", ">=", l.WorkspaceID+":").Where("senderKey", "<", l.WorkspaceID+";")
}

// LeftBehind lists what leavers leave in a room they leave (it stays):
// up to about limit of their messages, each with the claim of its seq,
// and their read positions; complete reports that it listed all of it.
func (s *Store) LeftBehind(ctx context.Context, r FoundRoom, l Leavers, limit int) (ops []Op, complete bool, err error) {
	// Each message comes with the claim of its seq: two operations.
	page := max(limit/2, 1)
	msgs, err := l.sent(r.snap.Ref.Collection(colMessages)).Select("seq").Limit(page).Documents(ctx).GetAll()
	if err != nil {
		return nil, false, wrap("store.LeftBehind", err)
	}
	var refs []*firestore.DocumentRef
	for _, m := range msgs {
		seq, _ := m.DataAt("seq")
		n, _ := seq.(int64)
		refs = append(refs, r.snap.Ref.Collection(colSeqs).Doc(strconv.FormatInt(n, 10)))
	}
	for _, key := range r.MemberKeys {
		if l.Has(key) {
			refs = append(refs, r.snap.Ref.Collection(colReads).Doc(key))
		}
	}
	docs, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, false, wrap("store.LeftBehind", err)
	}
	for i, m := range msgs {
		ops = append(ops, deleteOp(m.Ref))
		// The seq's claim, if it is this message's.
		if id, err := docs[i].DataAt("messageId"); docs[i].Exists() && err == nil && id == m.Ref.ID {
			ops = append(ops, deleteOp(docs[i].Ref))
		}
	}
	for _, read := range docs[len(msgs):] {
		if read.Exists() {
			ops = append(ops, deleteOp(read.Ref))
		}
	}
	return ops, len(msgs) < page, nil
}

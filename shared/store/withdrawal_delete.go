package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
)

// The deletion of a withdrawn workspace (F18). It runs in phases, each of
// which lists what is still there, deletes it in commits, and lists again
// until nothing is left; a phase deletes the documents that lead to others
// (a member, a room) only after those, so a run killed at any point leaves
// everything still to delete findable by the next. Every commit deletes
// each document with an Exists precondition and adds the number deleted to
// the withdrawal's record in the same commit: a document another run
// deleted first fails the commit (nothing of it is written) instead of
// being counted twice, and the phase lists again. So the record's count is
// exact however runs are killed, redelivered or overlap.
//
// A pass runs every phase; a run ends when a whole pass found nothing at
// all (a document written behind a phase that had finished, by a request
// racing the withdrawal, is found by the next pass), or when its time is
// spent.

// Deletion is one run of a withdrawal's deletion.
type Deletion struct {
	WorkspaceID  string
	WithdrawalID string
	// Run is the number of this run (from 0); the record's runs is the
	// highest run number that committed, plus one.
	Run int
	// Now is the time of the run: an account's verifications in other
	// workspaces that are used or expired by then are deleted with it.
	Now time.Time
	// AfterCommit, if set, is called after each deletion commit, on the
	// goroutine that called DeleteWithdrawn.
	AfterCommit func()
	// Spent, if set, is asked after each commit whether the run has used
	// its time; if so the run ends with work left.
	Spent func() bool
}

// DeletionResult is what a run did.
type DeletionResult struct {
	// Done reports that nothing of the workspace is left but its document.
	Done bool
	// Deleted and Updated count the documents this run deleted and changed
	// (the record counts those of every run).
	Deleted, Updated int64
	Commits          int
	// Raced counts the commits that failed on a document another run
	// deleted or changed first (they wrote nothing, and were listed again).
	Raced int
}

// Sizes of the deletion's listings and commits.
const (
	// commitOps is how many documents one commit deletes or changes: with
	// the record's update, a commit's 500 writes.
	commitOps = 499
	// listOps is about how many operations one listing gathers before
	// they are committed and the phase lists again.
	listOps = 1000
	// roomsPage and membersPage are how many rooms and members one listing
	// takes on (a page's accounts are queried "in" one list: at most 30).
	roomsPage   = 10
	membersPage = 30
	// memberWorkers bounds the members whose documents are read at once.
	memberWorkers = 16
	// perMember bounds what one listing gathers for one member (each of an
	// account's queries, its subtrees); the rest is found by the next.
	perMember = 200
	// maxRaces is how many commits of a phase may fail on a document
	// changed by someone else before the run gives up (and is retried).
	maxRaces = 20
)

// leafCollections are the collections whose documents never have
// subcollections: their documents are listed by a query alone, without
// asking each one for its subcollections.
var leafCollections = map[string]bool{
	colMessages: true, colSeqs: true, colReads: true, colPresence: true, colInviteUses: true, colNudges: true,
	colNotifications: true, colExternalMembers: true, colAddedBy: true, colBlocks: true, colQRLink: true, colDevices: true,
	colApprovalGate: true, colFeed: true, colLiveDevices: true, colPushTokens: true, colPushes: true,
}

// subcollections names the subcollections that documents of a collection
// may have, where the store knows them all: members, accounts and device
// approvals, of which a withdrawal walks thousands. Asking a document for
// its subcollections costs ~35 ms on the emulator, serialised (2.4
// members/s); querying the known ones costs ~5 ms each, in parallel. The
// rest (the workspace's own document, rooms) is asked.
var subcollections = map[string][]string{
	colMembers:   {colNotifications, colExternalMembers, colAddedBy, colBlocks, colQRLink, colFeed, colPushes},
	colAccounts:  {colDevices, colApprovalGate, colLiveDevices, colPushTokens},
	colApprovals: {colNudges},
}

// collections returns the subcollections of a document.
func collections(ctx context.Context, parent *firestore.DocumentRef) ([]*firestore.CollectionRef, error) {
	names, known := subcollections[parent.Parent.ID]
	if !known {
		return parent.Collections(ctx).GetAll()
	}
	cols := make([]*firestore.CollectionRef, len(names))
	for i, name := range names {
		cols[i] = parent.Collection(name)
	}
	return cols, nil
}

// errSpent ends a run whose time is spent.
var errSpent = errors.New("the run's time is spent")

// op is one write of a deletion commit: a deletion, or an update of a
// document of another workspace under the precondition of its update time
// as read.
type op struct {
	ref    *firestore.DocumentRef
	update []firestore.Update
	seen   time.Time
}

func del(ref *firestore.DocumentRef) op { return op{ref: ref} }

// lister lists the next operations of a phase; none when the phase is done.
type lister func(ctx context.Context) ([]op, error)

type deleter struct {
	s      *Store
	d      Deletion
	ws     *firestore.DocumentRef
	record *firestore.DocumentRef
	// prefix is the member keys of the workspace's members: "ws:".
	prefix string
	res    DeletionResult
	// listed counts the operations listed in the current pass.
	listed int
}

// DeleteWithdrawn runs a withdrawal's deletion for one run: it deletes
// what is left of the workspace (but its document: FinishWithdrawal), and
// of every member's account that belongs to no other workspace, until
// nothing is left or the run's time is spent.
func (s *Store) DeleteWithdrawn(ctx context.Context, d Deletion) (DeletionResult, error) {
	x := &deleter{
		s: s, d: d, ws: s.fs.Collection(colWorkspaces).Doc(d.WorkspaceID), record: s.withdrawal(d.WithdrawalID),
		prefix: domain.MemberKey(d.WorkspaceID, ""),
	}
	phases := []lister{
		// 1. What other workspaces hold of this one's members.
		x.query(s.fs.CollectionGroup(colExternalMembers).Where("workspaceId", "==", d.WorkspaceID).OrderBy("addedAt", firestore.Asc), false),
		x.query(s.fs.CollectionGroup(colAddedBy).Where("workspaceId", "==", d.WorkspaceID).OrderBy("addedAt", firestore.Asc), false),
		x.query(s.fs.CollectionGroup(colBlocks).Where("workspaceId", "==", d.WorkspaceID).OrderBy("blockedAt", firestore.Asc), false),
		x.query(s.fs.CollectionGroup(colNotifications).Where("fromWorkspaceId", "==", d.WorkspaceID).OrderBy("createdAt", firestore.Asc), false),
		x.query(s.fs.CollectionGroup(colFeed).Where("fromWorkspaceId", "==", d.WorkspaceID).OrderBy("createdAt", firestore.Asc), false),
		// 2. Rooms.
		x.rooms,
		// 3. The workspace's top-level documents.
		x.query(s.fs.Collection(colSessions).Where("workspaceId", "==", d.WorkspaceID), false),
		x.query(s.fs.Collection(colApprovals).Where("workspaceId", "==", d.WorkspaceID), true),
		x.query(s.fs.Collection(colInviteTokens).Where("workspaceId", "==", d.WorkspaceID), false),
		x.query(s.fs.Collection(colProfileLinks).Where("workspaceId", "==", d.WorkspaceID), false),
		x.query(s.fs.Collection(colVerifications).Where("workspaceId", "==", d.WorkspaceID), false),
		x.query(s.fs.Collection(colDelegations).Where("workspaceId", "==", d.WorkspaceID), false),
		x.query(s.fs.Collection(colOrgLinks).Where("workspaceId", "==", d.WorkspaceID), false),
		x.existing(s.fs.Collection(colRecoveryKeys).Doc(d.WorkspaceID)),
		// 4. Members, and the accounts in no other workspace.
		x.members,
		// 5. The rest of the workspace's subtree.
		x.rest,
	}
	for {
		x.listed = 0
		for _, p := range phases {
			err := x.phase(ctx, p)
			if err != nil {
				if errors.Is(err, errSpent) {
					return x.res, nil
				}
				return x.res, wrap("store.DeleteWithdrawn", err)
			}
		}
		if x.listed == 0 {
			// Every phase found nothing at all (not merely nothing this
			// run could commit, another run having deleted it first).
			x.res.Done = true
			return x.res, nil
		}
	}
}

// phase runs one phase: list, commit, list again, until a listing is empty.
func (x *deleter) phase(ctx context.Context, list lister) error {
	races := 0
	for {
		ops, err := list(ctx)
		if err != nil || len(ops) == 0 {
			return err
		}
		x.listed += len(ops)
		for len(ops) > 0 {
			n := min(len(ops), commitOps)
			err := x.commit(ctx, ops[:n])
			if errors.Is(err, ErrRaced) {
				x.res.Raced++
				if races++; races > maxRaces {
					return fmt.Errorf("%d commits failed on documents changed meanwhile", races)
				}
				break // list again
			}
			if err != nil {
				return err
			}
			ops = ops[n:]
			if x.d.AfterCommit != nil {
				x.d.AfterCommit()
			}
			if x.d.Spent != nil && x.d.Spent() {
				return errSpent
			}
		}
	}
}

// commit deletes and updates the documents of ops, and counts them in the
// record, in one commit; ErrRaced if a document was deleted or changed
// since it was listed (nothing is written then).
func (x *deleter) commit(ctx context.Context, ops []op) error {
	var deleted, updated int64
	for _, o := range ops {
		if o.update == nil {
			deleted++
		} else {
			updated++
		}
	}
	err := x.s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		for _, o := range ops {
			var err error
			if o.update == nil {
				err = tx.Delete(o.ref, firestore.Exists)
			} else {
				err = tx.Update(o.ref, o.update, firestore.LastUpdateTime(o.seen))
			}
			if err != nil {
				return err
			}
		}
		return tx.Update(x.record, []firestore.Update{
			{Path: "deleted", Value: firestore.Increment(deleted)},
			{Path: "updated", Value: firestore.Increment(updated)},
			{Path: "runs", Value: firestore.FieldTransformMaximum(x.d.Run + 1)},
		})
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		x.res.Deleted += deleted
		x.res.Updated += updated
		x.res.Commits++
		return nil
	case codes.NotFound, codes.FailedPrecondition, codes.Aborted:
		return ErrRaced
	}
	return err
}

// query lists the documents a query finds; nested ones with their
// subtrees, each before its document.
func (x *deleter) query(q firestore.Query, nested bool) lister {
	return func(ctx context.Context) ([]op, error) {
		snaps, err := q.Select().Limit(listOps).Documents(ctx).GetAll()
		if err != nil {
			return nil, err
		}
		var ops []op
		for _, snap := range snaps {
			if nested {
				sub, complete, err := x.tree(ctx, snap.Ref, listOps-len(ops))
				ops = append(ops, sub...)
				if err != nil || !complete {
					return ops, err
				}
			}
			ops = append(ops, del(snap.Ref))
			if len(ops) >= listOps {
				break
			}
		}
		return ops, nil
	}
}

// existing lists a document if it exists.
func (x *deleter) existing(ref *firestore.DocumentRef) lister {
	return func(ctx context.Context) ([]op, error) {
		ok, err := exists(ctx, ref)
		if err != nil || !ok {
			return nil, err
		}
		return []op{del(ref)}, nil
	}
}

// tree lists the documents under parent (in its subcollections, and
// theirs), each before the documents it is under, up to about limit of
// them; complete reports that it listed every one. A document that does
// not exist but has subcollections (its own deleted before theirs) is
// walked through, not listed.
func (x *deleter) tree(ctx context.Context, parent *firestore.DocumentRef, limit int) (ops []op, complete bool, err error) {
	cols, err := collections(ctx, parent)
	if err != nil {
		return nil, false, err
	}
	for _, col := range cols {
		if len(ops) >= limit {
			return ops, false, nil
		}
		if leafCollections[col.ID] {
			left := limit - len(ops)
			snaps, err := col.Select().Limit(left + 1).Documents(ctx).GetAll()
			if err != nil {
				return nil, false, err
			}
			for _, snap := range snaps[:min(len(snaps), left)] {
				ops = append(ops, del(snap.Ref))
			}
			if len(snaps) > left {
				return ops, false, nil
			}
			continue
		}
		sub, complete, err := x.nodes(ctx, col, limit-len(ops))
		ops = append(ops, sub...)
		if err != nil || !complete {
			return ops, false, err
		}
	}
	return ops, true, nil
}

// nodes lists the documents of a collection whose documents may have
// subcollections, missing ones included, each after its subtree.
func (x *deleter) nodes(ctx context.Context, col *firestore.CollectionRef, limit int) (ops []op, complete bool, err error) {
	it := col.DocumentRefs(ctx)
	for {
		var refs []*firestore.DocumentRef
		for len(refs) < 100 {
			ref, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return nil, false, err
			}
			refs = append(refs, ref)
		}
		if len(refs) == 0 {
			return ops, true, nil
		}
		snaps, err := x.s.fs.GetAll(ctx, refs)
		if err != nil {
			return nil, false, err
		}
		for i, ref := range refs {
			if len(ops) >= limit {
				return ops, false, nil
			}
			sub, complete, err := x.tree(ctx, ref, limit-len(ops))
			ops = append(ops, sub...)
			if err != nil || !complete {
				return ops, false, err
			}
			if snaps[i].Exists() {
				ops = append(ops, del(ref))
			}
		}
	}
}

// rest lists what is left under the workspace's document: invite links
// and their uses, presence, and anything written behind the phases.
func (x *deleter) rest(ctx context.Context) ([]op, error) {
	ops, _, err := x.tree(ctx, x.ws, listOps)
	return ops, err
}

// keys names the room members a room's cleanup takes out: every member of
// a workspace (the member keys that start with prefix), or one membership.
type keys struct{ prefix, exact string }

func (k keys) has(key string) bool {
	if k.exact != "" {
		return key == k.exact
	}
	return strings.HasPrefix(key, k.prefix)
}

// sent returns the query of the messages they sent in a room.
func (k keys) sent(messages *firestore.CollectionRef) firestore.Query {
	if k.exact != "" {
		return messages.Where("senderKey", "==", k.exact)
	}
	// The keys "ws:…" sort between "ws:" and "ws;" (';' follows ':').
	end := k.prefix[:len(k.prefix)-1] + ";"
	return messages.Where("senderKey", ">=", k.prefix).Where("senderKey", "<", end)
}

// rooms lists the rooms of the workspace's members: a room that is only
// theirs, or a direct room, is deleted whole; a group room shared with
// other workspaces loses their messages and read positions, and then
// their keys.
func (x *deleter) rooms(ctx context.Context) ([]op, error) {
	snaps, err := x.s.fs.Collection(colRooms).Where("workspaceIds", "array-contains", x.d.WorkspaceID).
		Limit(roomsPage).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	var ops []op
	for _, snap := range snaps {
		if len(ops) >= listOps {
			break
		}
		sub, _, err := x.room(ctx, snap, keys{prefix: x.prefix}, listOps-len(ops))
		if err != nil {
			return nil, err
		}
		ops = append(ops, sub...)
	}
	return ops, nil
}

// room lists what a room loses when the members k leave it, up to about
// limit operations; complete reports that it listed all of it (the room's
// own deletion or update is then the last operation).
func (x *deleter) room(ctx context.Context, snap *firestore.DocumentSnapshot, k keys, limit int) (ops []op, complete bool, err error) {
	var r domain.Room
	if err := snap.DataTo(&r); err != nil {
		return nil, false, err
	}
	left := slices.DeleteFunc(slices.Clone(r.MemberKeys), k.has)
	if r.Type != domain.RoomGroup || len(left) == 0 {
		ops, complete, err := x.tree(ctx, snap.Ref, limit)
		if err != nil || !complete {
			return ops, false, err
		}
		return append(ops, del(snap.Ref)), true, nil
	}
	// Each message comes with the claim of its seq: two operations.
	page := max(limit/2, 1)
	msgs, err := k.sent(snap.Ref.Collection(colMessages)).Select("seq").Limit(page).Documents(ctx).GetAll()
	if err != nil {
		return nil, false, err
	}
	var refs []*firestore.DocumentRef
	for _, m := range msgs {
		seq, err := m.DataAt("seq")
		if err != nil {
			return nil, false, err
		}
		n, _ := seq.(int64)
		refs = append(refs, snap.Ref.Collection(colSeqs).Doc(strconv.FormatInt(n, 10)))
	}
	for _, key := range r.MemberKeys {
		if k.has(key) {
			refs = append(refs, snap.Ref.Collection(colReads).Doc(key))
		}
	}
	docs, err := x.s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, false, err
	}
	for i, m := range msgs {
		ops = append(ops, del(m.Ref))
		// The seq's claim, if it is this message's.
		if seq := docs[i]; seq.Exists() {
			if id, err := seq.DataAt("messageId"); err == nil && id == m.Ref.ID {
				ops = append(ops, del(seq.Ref))
			}
		}
	}
	for _, read := range docs[len(msgs):] {
		if read.Exists() {
			ops = append(ops, del(read.Ref))
		}
	}
	if len(msgs) == page {
		return ops, false, nil
	}
	createdBy := r.CreatedBy
	if k.has(createdBy) {
		createdBy = ""
	}
	return append(ops, op{ref: snap.Ref, seen: snap.UpdateTime, update: []firestore.Update{
		{Path: "memberKeys", Value: left},
		{Path: "workspaceIds", Value: roomWorkspaces(left)},
		{Path: "createdBy", Value: createdBy},
	}}), true, nil
}

// work is what a listing found to do for one member: its operations, and
// the deletions of the account and of the membership (anchors: only once
// everything found through them is listed, and then last).
type work struct {
	ops     []op
	anchors []op
}

// leaver is the account of a member that the withdrawal deletes, as a
// listing finds it.
type leaver struct {
	emails    []string
	account   *firestore.DocumentSnapshot
	elsewhere []*firestore.DocumentRef // its deleted memberships of other workspaces
	approvals []*firestore.DocumentRef // its device approval requests
	ops       []op
	complete  bool
}

// members lists the workspace's members, a page at a time, each with
// everything of theirs: their subtree and presence, and — if their account
// belongs to no other workspace (is a member of none, but deleted ones) —
// their account and everything of it. A page's reads are batched: one
// query per kind of document for the whole page (accounts or addresses
// "in" the page's), one read of every account, presence and document kept
// by address, and only the subtrees one by one, in parallel.
func (x *deleter) members(ctx context.Context) ([]op, error) {
	snaps, err := x.ws.Collection(colMembers).OrderBy(firestore.DocumentID, firestore.Asc).
		Select("email").Limit(membersPage).Documents(ctx).GetAll()
	if err != nil || len(snaps) == 0 {
		return nil, err
	}
	ids := make([]string, len(snaps))
	for i, snap := range snaps {
		ids[i] = snap.Ref.ID
	}
	leaving, err := x.leaving(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := x.accounts(ctx, snaps, leaving); err != nil {
		return nil, err
	}
	// The subtrees, one by one.
	type subtrees struct {
		ops      []op
		complete bool
	}
	subs := make([]subtrees, len(snaps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(memberWorkers)
	for i, snap := range snaps {
		g.Go(func() error {
			ops, complete, err := x.tree(gctx, snap.Ref, perMember)
			subs[i] = subtrees{ops, complete}
			if err != nil {
				return err
			}
			l := leaving[snap.Ref.ID]
			if l == nil {
				return nil
			}
			return x.accountTrees(gctx, l)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	presence := make([]*firestore.DocumentRef, len(snaps))
	for i, id := range ids {
		presence[i] = x.s.presence(x.d.WorkspaceID, id)
	}
	present, err := x.s.fs.GetAll(ctx, presence)
	if err != nil {
		return nil, err
	}
	works := make([]work, len(snaps))
	for i, snap := range snaps {
		w := &works[i]
		complete := subs[i].complete
		if l := leaving[snap.Ref.ID]; l != nil {
			w.ops = l.ops
			complete = complete && l.complete
			if l.complete && l.account.Exists() {
				w.anchors = append(w.anchors, del(l.account.Ref))
			}
		}
		w.ops = append(w.ops, subs[i].ops...)
		if present[i].Exists() {
			w.ops = append(w.ops, del(present[i].Ref))
		}
		if complete {
			w.anchors = append(w.anchors, del(snap.Ref))
		}
	}
	return merge(works), nil
}

// leaving reads the memberships of other workspaces of a page's accounts
// and returns those of them that belong to none (that are not a member of
// one, but deleted ones), by account ID.
func (x *deleter) leaving(ctx context.Context, ids []string) (map[string]*leaver, error) {
	snaps, err := x.s.fs.CollectionGroup(colMembers).Where("accountId", "in", ids).
		OrderBy("status", firestore.Asc).Select("status").Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	elsewhere := map[string][]*firestore.DocumentRef{}
	for _, snap := range snaps {
		if snap.Ref.Parent.Parent.ID == x.d.WorkspaceID {
			continue
		}
		if status, _ := snap.DataAt("status"); status != domain.MemberDeleted {
			keep[snap.Ref.ID] = true
		} else {
			elsewhere[snap.Ref.ID] = append(elsewhere[snap.Ref.ID], snap.Ref)
		}
	}
	out := map[string]*leaver{}
	for _, id := range ids {
		if !keep[id] {
			out[id] = &leaver{elsewhere: elsewhere[id], complete: true}
		}
	}
	return out, nil
}

// accounts lists, for the leaving accounts of a page of members, what
// their accounts and addresses lead to: their sessions, password resets,
// login tickets, profile links and approval requests, their addresses'
// verifications in other workspaces (those used or expired), login codes,
// attempt counters and locks, rate counters, the index of the address, and
// the one-time profile links of others they used (which forget who used
// them).
func (x *deleter) accounts(ctx context.Context, members []*firestore.DocumentSnapshot, leaving map[string]*leaver) error {
	if len(leaving) == 0 {
		return nil
	}
	var ids []string
	var refs []*firestore.DocumentRef
	memberEmail := map[string]string{}
	for _, m := range members {
		if leaving[m.Ref.ID] != nil {
			ids = append(ids, m.Ref.ID)
			refs = append(refs, x.s.fs.Collection(colAccounts).Doc(m.Ref.ID))
			v, _ := m.DataAt("email")
			memberEmail[m.Ref.ID], _ = v.(string)
		}
	}
	accs, err := x.s.fs.GetAll(ctx, refs)
	if err != nil {
		return err
	}
	owner := map[string]*leaver{} // by address
	var emails []string
	for i, id := range ids {
		l := leaving[id]
		l.account = accs[i]
		v, _ := accs[i].DataAt("email")
		accEmail, _ := v.(string)
		l.emails = slices.Compact(slices.Sorted(slices.Values([]string{memberEmail[id], accEmail})))
		l.emails = slices.DeleteFunc(l.emails, func(e string) bool { return e == "" })
		for _, e := range l.emails {
			owner[e] = l
			emails = append(emails, e)
		}
	}
	// incomplete marks every account of the page incomplete: a query found
	// as many as it reads, so there may be more.
	incomplete := func(n int) {
		if n >= listOps {
			for _, l := range leaving {
				l.complete = false
			}
		}
	}
	byAccount := func(snap *firestore.DocumentSnapshot, field string) *leaver {
		v, _ := snap.DataAt(field)
		id, _ := v.(string)
		return leaving[id]
	}
	for _, col := range []string{colSessions, colPasswordResets, colLoginTickets, colProfileLinks, colApprovals} {
		snaps, err := x.s.fs.Collection(col).Where("accountId", "in", ids).Select("accountId").Limit(listOps).Documents(ctx).GetAll()
		if err != nil {
			return err
		}
		incomplete(len(snaps))
		for _, snap := range snaps {
			if l := byAccount(snap, "accountId"); l != nil {
				if col == colApprovals {
					l.approvals = append(l.approvals, snap.Ref) // with their nudges: accountTrees
				} else {
					l.ops = append(l.ops, del(snap.Ref))
				}
			}
		}
	}
	// The one-time links of others they used.
	used, err := x.s.fs.Collection(colProfileLinks).Where("usedBy", "in", ids).Select("usedBy").Limit(listOps).Documents(ctx).GetAll()
	if err != nil {
		return err
	}
	incomplete(len(used))
	for _, snap := range used {
		if l := byAccount(snap, "usedBy"); l != nil {
			l.ops = append(l.ops, op{ref: snap.Ref, seen: snap.UpdateTime, update: []firestore.Update{{Path: "usedBy", Value: ""}}})
		}
	}
	if err := x.rateCounters(ctx, ids, emails, leaving, owner, incomplete); err != nil {
		return err
	}
	var keyed []*firestore.DocumentRef
	for chunk := range slices.Chunk(emails, 30) {
		tickets, err := x.s.fs.Collection(colLoginTickets).Where("email", "in", chunk).Select("email").Limit(listOps).Documents(ctx).GetAll()
		if err != nil {
			return err
		}
		incomplete(len(tickets))
		for _, snap := range tickets {
			if l := byAccount(snap, "email"); l != nil {
				l.ops = append(l.ops, del(snap.Ref))
			}
		}
		// Their addresses' verifications in other workspaces (joining one
		// they were deleted from since), but those still to be followed:
		// someone's invitation, which creates an account of its own.
		vs, err := x.s.fs.Collection(colVerifications).Where("email", "in", chunk).
			Select("email", "usedAt", "expiresAt").Limit(listOps).Documents(ctx).GetAll()
		if err != nil {
			return err
		}
		incomplete(len(vs))
		for _, snap := range vs {
			var v struct {
				Email     string    `firestore:"email"`
				UsedAt    time.Time `firestore:"usedAt"`
				ExpiresAt time.Time `firestore:"expiresAt"`
			}
			if err := snap.DataTo(&v); err != nil {
				return err
			}
			if l := owner[v.Email]; l != nil && (!v.UsedAt.IsZero() || !x.d.Now.Before(v.ExpiresAt)) {
				l.ops = append(l.ops, del(snap.Ref))
			}
		}
	}
	for _, e := range emails {
		key := emailKey(e)
		keyed = append(keyed, x.s.fs.Collection(colAccountEmails).Doc(key), x.s.fs.Collection(colLoginCodes).Doc(key), x.s.fs.Collection(colResetSends).Doc(key))
		for _, kind := range []string{CounterPassword, CounterCode} {
			c, l := x.s.counterRefs(kind, e)
			keyed = append(keyed, c, l)
		}
	}
	snaps, err := x.s.fs.GetAll(ctx, keyed)
	if err != nil {
		return err
	}
	const perAddress = 7
	for i, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		l := owner[emails[i/perAddress]]
		if snap.Ref.Parent.ID == colAccountEmails {
			// The address's index, if it still leads to this account.
			if id, _ := snap.DataAt("accountId"); id != l.account.Ref.ID {
				continue
			}
		}
		l.ops = append(l.ops, del(snap.Ref))
	}
	return nil
}

// rateCounters lists the rate counters (ratelimit) of the leaving accounts'
// addresses and IDs, found by the hashed key each counter holds: in
// whichever windows they are, whatever the rule.
func (x *deleter) rateCounters(ctx context.Context, ids, emails []string, leaving, owner map[string]*leaver, incomplete func(int)) error {
	byKey := map[string]*leaver{}
	for _, id := range ids {
		byKey[emailKey(id)] = leaving[id]
	}
	for _, e := range emails {
		byKey[emailKey(e)] = owner[e]
	}
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(byKey)), 30) {
		snaps, err := x.s.fs.Collection(colRateCounters).Where("key", "in", chunk).Select("key").Limit(listOps).Documents(ctx).GetAll()
		if err != nil {
			return err
		}
		incomplete(len(snaps))
		for _, snap := range snaps {
			v, _ := snap.DataAt("key")
			k, _ := v.(string)
			if l := byKey[k]; l != nil {
				l.ops = append(l.ops, del(snap.Ref))
			}
		}
	}
	return nil
}

// accountTrees lists what is under a leaving account's documents: its
// devices, its approval requests' nudges (then the requests), and its
// deleted memberships of other workspaces with what they left in rooms.
func (x *deleter) accountTrees(ctx context.Context, l *leaver) error {
	for _, ref := range l.approvals {
		sub, complete, err := x.tree(ctx, ref, perMember)
		if err != nil {
			return err
		}
		l.ops = append(l.ops, sub...)
		if !complete {
			l.complete = false
			continue
		}
		l.ops = append(l.ops, del(ref))
	}
	sub, complete, err := x.tree(ctx, l.account.Ref, perMember)
	if err != nil {
		return err
	}
	l.ops, l.complete = append(l.ops, sub...), l.complete && complete
	for _, ref := range l.elsewhere {
		left, complete, err := x.formerMember(ctx, ref)
		if err != nil {
			return err
		}
		l.ops, l.complete = append(l.ops, left...), l.complete && complete
	}
	return nil
}

// merge joins the work of several members, in order. Two of them may
// reach the same document (a room both were in elsewhere): it is listed
// once; and of two updates of one document only the first is kept, the
// other member keeping its anchors for the next listing.
func merge(works []work) []op {
	var ops []op
	seen := map[string]bool{}
	for _, w := range works {
		clash := false
		for _, o := range w.ops {
			if seen[o.ref.Path] {
				clash = clash || o.update != nil
				continue
			}
			seen[o.ref.Path] = true
			ops = append(ops, o)
		}
		if clash {
			continue
		}
		for _, o := range w.anchors {
			if !seen[o.ref.Path] {
				seen[o.ref.Path] = true
				ops = append(ops, o)
			}
		}
	}
	return ops
}

// formerMember lists a deleted membership of another workspace: its
// subtree, its presence, what it left in rooms, and then (if all of that
// was listed) the membership.
func (x *deleter) formerMember(ctx context.Context, ref *firestore.DocumentRef) ([]op, bool, error) {
	ws, accountID := ref.Parent.Parent.ID, ref.ID
	ops, complete, err := x.tree(ctx, ref, perMember)
	if err != nil {
		return nil, false, err
	}
	key := domain.MemberKey(ws, accountID)
	rooms, err := x.s.fs.Collection(colRooms).Where("memberKeys", "array-contains", key).Limit(roomsPage).Documents(ctx).GetAll()
	if err != nil {
		return nil, false, err
	}
	complete = complete && len(rooms) < roomsPage
	for _, snap := range rooms {
		sub, ok, err := x.room(ctx, snap, keys{exact: key}, perMember)
		if err != nil {
			return nil, false, err
		}
		ops, complete = append(ops, sub...), complete && ok
	}
	presence := x.s.presence(ws, accountID)
	snaps, err := x.s.fs.GetAll(ctx, []*firestore.DocumentRef{presence, ref})
	if err != nil {
		return nil, false, err
	}
	if snaps[0].Exists() {
		ops = append(ops, del(presence))
	}
	if complete && snaps[1].Exists() {
		ops = append(ops, del(ref))
	}
	return ops, complete, nil
}

package store

import (
	"context"
	"errors"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
)

// The walk of a document's subtree, for the deletion of a withdrawn
// workspace (F18): every document under it, each before the documents it
// is under.

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

// list lists up to limit documents a query finds, by name only.
func list(ctx context.Context, q firestore.Query, limit int) ([]Op, error) {
	snaps, err := q.Select().Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	ops := make([]Op, len(snaps))
	for i, snap := range snaps {
		ops[i] = deleteOp(snap.Ref)
	}
	return ops, nil
}

// tree lists the documents under parent (in its subcollections, and
// theirs), each before the documents it is under, up to about limit of
// them; complete reports that it listed every one. A document that does
// not exist but has subcollections (its own deleted before theirs) is
// walked through, not listed.
func (s *Store) tree(ctx context.Context, parent *firestore.DocumentRef, limit int) (ops []Op, complete bool, err error) {
	cols, err := collections(ctx, parent)
	if err != nil {
		return nil, false, err
	}
	for _, col := range cols {
		left := limit - len(ops)
		if left <= 0 {
			return ops, false, nil
		}
		var sub []Op
		if leafCollections[col.ID] {
			sub, err = list(ctx, col.Query, left+1)
			complete = len(sub) <= left
			sub = sub[:min(len(sub), left)]
		} else {
			sub, complete, err = s.nodes(ctx, col, left)
		}
		ops = append(ops, sub...)
		if err != nil || !complete {
			return ops, false, err
		}
	}
	return ops, true, nil
}

// nodes lists the documents of a collection whose documents may have
// subcollections, missing ones included, each after its subtree.
func (s *Store) nodes(ctx context.Context, col *firestore.CollectionRef, limit int) (ops []Op, complete bool, err error) {
	it := col.DocumentRefs(ctx)
	for {
		refs, err := nextRefs(it, 100)
		if err != nil || len(refs) == 0 {
			return ops, err == nil, err
		}
		snaps, err := s.fs.GetAll(ctx, refs)
		if err != nil {
			return nil, false, err
		}
		for i, ref := range refs {
			if len(ops) >= limit {
				return ops, false, nil
			}
			sub, complete, err := s.tree(ctx, ref, limit-len(ops))
			ops = append(ops, sub...)
			if err != nil || !complete {
				return ops, false, err
			}
			if snaps[i].Exists() {
				ops = append(ops, deleteOp(ref))
			}
		}
	}
}

// nextRefs returns up to n more references of it.
func nextRefs(it *firestore.DocumentRefIterator, n int) ([]*firestore.DocumentRef, error) {
	var refs []*firestore.DocumentRef
	for len(refs) < n {
		ref, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

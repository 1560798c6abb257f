package withdrawal

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/store"
)

// members lists the workspace's members, a page at a time. A member whose
// account is in another workspace (an active, invited or registered
// member of it) goes alone; one whose account is in no other goes with
// everything of the account (store.AccountHoldings) and with what its
// deleted memberships of other workspaces left: their subtrees, presence,
// and messages and read positions in those workspaces' rooms. The member
// is the anchor of it all: deleted last, once all of it is listed.
func (x *deletion) members(ctx context.Context) ([]store.Unit, error) {
	members, err := x.st.MembersLeft(ctx, x.d.WorkspaceID, membersPage)
	if err != nil || len(members) == 0 {
		return nil, err
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.AccountID
	}
	// Which accounts stay is asked beside what every account holds: the
	// holdings of those that stay are dropped (and asked again without
	// them if theirs filled a listing).
	var (
		stays    map[string]bool
		former   map[string][]store.FormerMembership
		holdings map[string]*store.Holdings
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		stays, former, err = x.st.OtherMemberships(gctx, x.d.WorkspaceID, ids)
		return err
	})
	g.Go(func() (err error) {
		holdings, err = x.st.AccountHoldings(gctx, members, x.d.Now, listOps)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if going := goingOnly(members, stays); len(going) < len(members) && !allComplete(holdings) {
		if holdings, err = x.st.AccountHoldings(ctx, going, x.d.Now, listOps); err != nil {
			return nil, err
		}
	}
	units := make([]store.Unit, len(members))
	for i, m := range members {
		u, complete := store.Unit{}, true
		if h := holdings[m.AccountID]; h != nil && !stays[m.AccountID] {
			u, complete, err = x.account(ctx, h, former[m.AccountID])
			if err != nil {
				return nil, err
			}
		}
		if complete {
			u.Anchors = append(u.Anchors, m.Delete())
		}
		units[i] = u
	}
	return merge(units), nil
}

// goingOnly returns the members whose accounts do not stay.
func goingOnly(members []store.FoundMember, stays map[string]bool) []store.FoundMember {
	return slices.DeleteFunc(slices.Clone(members), func(m store.FoundMember) bool { return stays[m.AccountID] })
}

// allComplete reports whether every account's holdings were all listed.
func allComplete(holdings map[string]*store.Holdings) bool {
	for _, h := range holdings {
		if !h.Complete {
			return false
		}
	}
	return true
}

// account joins what goes of an account: its holdings and what its
// deleted memberships of other workspaces left, then its document;
// complete reports that all of it was listed.
func (x *deletion) account(ctx context.Context, h *store.Holdings, former []store.FormerMembership) (store.Unit, bool, error) {
	u := join(h.Units)
	complete := h.Complete
	for _, m := range former {
		left, ok, err := x.remains(ctx, m)
		if err != nil {
			return u, false, err
		}
		u = join([]store.Unit{u, left})
		complete = complete && ok
	}
	if complete && h.Account != nil {
		u.Anchors = append(u.Anchors, *h.Account)
	}
	return u, complete, nil
}

// remains lists what a deleted membership of another workspace left: its
// subtree and presence, what it left in that workspace's rooms, and then
// the membership; ok reports that all of it was listed.
func (x *deletion) remains(ctx context.Context, m store.FormerMembership) (store.Unit, bool, error) {
	u, err := x.st.Remains(ctx, m, perAccount)
	if err != nil {
		return u, false, err
	}
	ok := len(u.Anchors) > 0
	rooms, err := x.st.RoomsOfMember(ctx, m.Key(), roomsPage)
	if err != nil {
		return u, false, err
	}
	ok = ok && len(rooms) < roomsPage
	var inRooms []store.Unit
	for _, r := range rooms {
		left, err := x.leave(ctx, r, store.Leavers{Key: m.Key()}, perAccount)
		if err != nil {
			return u, false, err
		}
		inRooms = append(inRooms, left)
		ok = ok && len(left.Anchors) > 0
	}
	if !ok {
		u.Anchors = nil
	}
	return join(append(inRooms, u)), ok, nil
}

// join makes one unit of several: all their operations before all their
// anchors.
func join(units []store.Unit) store.Unit {
	var j store.Unit
	for _, u := range units {
		j.Ops = append(j.Ops, u.Ops...)
		j.Anchors = append(j.Anchors, u.Anchors...)
	}
	return j
}

// merge drops what two members' units share (a room both were in
// elsewhere): a document is listed once; and of two updates of one
// document only the first is kept, the other unit keeping its anchors for
// the next listing.
func merge(units []store.Unit) []store.Unit {
	seen := map[string]bool{}
	out := make([]store.Unit, 0, len(units))
	for _, u := range units {
		clash := slices.ContainsFunc(slices.Concat(u.Ops, u.Anchors), func(o store.Op) bool { return o.Updates() && seen[o.Path()] })
		var m store.Unit
		m.Ops = unseen(seen, u.Ops)
		if !clash {
			m.Anchors = unseen(seen, u.Anchors)
		}
		out = append(out, m)
	}
	return out
}

// unseen returns the ops not seen yet, and marks them seen.
func unseen(seen map[string]bool, ops []store.Op) []store.Op {
	var out []store.Op
	for _, o := range ops {
		if !seen[o.Path()] {
			seen[o.Path()] = true
			out = append(out, o)
		}
	}
	return out
}

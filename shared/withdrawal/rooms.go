package withdrawal

import (
	"context"
	"slices"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/store"
)

// rooms lists the rooms the workspace's members are in, and what each
// loses.
func (x *deletion) rooms(ctx context.Context) ([]store.Unit, error) {
	rooms, err := x.st.RoomsOfWorkspace(ctx, x.d.WorkspaceID, roomsPage)
	if err != nil {
		return nil, err
	}
	var units []store.Unit
	budget := listOps
	for _, r := range rooms {
		if budget <= 0 {
			break
		}
		u, err := x.leave(ctx, r, store.Leavers{WorkspaceID: x.d.WorkspaceID}, budget)
		if err != nil {
			return nil, err
		}
		units = append(units, u)
		budget -= len(u.Ops) + len(u.Anchors)
	}
	return units, nil
}

// leave lists, up to about limit operations, what a room loses when
// leavers leave it. A direct room, or one nobody else stays in, goes
// whole: its messages, seqs and read positions, then the room. A group
// room that others stay in loses the leavers' messages with their seqs,
// and their read positions, then (once all of those are listed) their
// keys: the room stops naming them, and the creator if they were it.
func (x *deletion) leave(ctx context.Context, r store.FoundRoom, l store.Leavers, limit int) (store.Unit, error) {
	left := slices.DeleteFunc(slices.Clone(r.MemberKeys), l.Has)
	if r.Type != domain.RoomGroup || len(left) == 0 {
		return x.st.Contents(ctx, r, limit)
	}
	ops, complete, err := x.st.LeftBehind(ctx, r, l, limit)
	u := store.Unit{Ops: ops}
	if complete {
		createdBy := r.CreatedBy
		if l.Has(createdBy) {
			createdBy = ""
		}
		u.Anchors = []store.Op{r.Without(left, createdBy)}
	}
	return u, err
}

package rooms

import (
	"context"
	"fmt"
	"strconv"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Page sizes of the room list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 50
)

// Page is one page of a member's room list.
type Page struct {
	Rooms []View
	// NextPageToken asks for the next page; "" on the last page.
	NextPageToken string
}

// List returns a page of the caller's rooms, the most recently active
// first (the latest message, else the room's creation), as the client asks
// for it: a page size (DefaultPageSize if empty) and the previous page's
// token (empty for the first page).
//
// A page costs what its rooms cost, whatever the member's number of rooms
// or messages: one query of pageSize+1 of the member's own room entries
// (the one more tells whether a next page exists), the page's rooms in one
// read, and for each room its latest message and, if unread, two counts.
// The page token is the last room's position (activity, room ID); the
// query names the caller, so a token only positions it within the caller's
// own rooms, whoever made it. A room that becomes active meanwhile moves
// to the top: a client that pages on may miss it until it lists the first
// page again, as in any list ordered by activity.
func (s *Service) List(ctx context.Context, p *session.Principal, pageSize, pageToken string) (*Page, error) {
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor(pageToken)
	if err != nil {
		return nil, err
	}
	k := key(p)
	es, err := s.Store.RoomPage(ctx, k, after, size+1)
	if err != nil {
		return nil, fmt.Errorf("rooms.List: %w", err)
	}
	page := &Page{Rooms: []View{}}
	if len(es) > size {
		es = es[:size]
		page.NextPageToken = encodeCursor(es[size-1].RoomCursor)
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.RoomID
	}
	found, err := s.Store.Rooms(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("rooms.List: %w", err)
	}
	var (
		rs       []*domain.Room
		readSeqs []int64
	)
	for i, r := range found {
		// A room a withdrawal is deleting may be gone before its entries.
		if r != nil && r.Has(k) {
			rs, readSeqs = append(rs, r), append(readSeqs, es[i].ReadSeq)
		}
	}
	states, err := s.Store.RoomStatesFrom(ctx, k, rs, readSeqs)
	if err != nil {
		return nil, fmt.Errorf("rooms.List: %w", err)
	}
	for i, r := range rs {
		page.Rooms = append(page.Rooms, View{Room: r, RoomState: states[i]})
	}
	return page, nil
}

// parsePageSize reads a page size: DefaultPageSize if empty, else a whole
// number from 1 to MaxPageSize.
func parsePageSize(s string) (int, error) {
	if s == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxPageSize {
		return 0, errs.Errorf(errs.Invalid, "pageSize must be a whole number from 1 to %d", MaxPageSize)
	}
	return n, nil
}

// encodeCursor makes the opaque page token of a position in the list.
func encodeCursor(c store.RoomCursor) string {
	return domain.PageToken(strconv.FormatInt(c.ActiveAt, 10), c.RoomID)
}

// decodeCursor reads a page token; nil if there is none.
func decodeCursor(token string) (*store.RoomCursor, error) {
	if token == "" {
		return nil, nil
	}
	at, id, err := domain.ParsePageToken(token)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil || n < 0 {
		return nil, domain.ErrPageToken
	}
	return &store.RoomCursor{ActiveAt: n, RoomID: id}, nil
}

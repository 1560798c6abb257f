package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Collections of rooms (F14). A room's document is written once, when it
// is created; a post writes only documents of its own (the message, the
// claim of its seq, its outbox event), so a busy room has no hot document.
//
// Each member has an entry of their own in each of their rooms (reads/,
// by member key): their read position, and when the room was last active
// (its creation, then its latest message), which orders their room list.
// The entries are created with the room, in its commit; the fan-out job
// moves each member's activity forward as it visits them, with Firestore's
// maximum transform, so a redelivered or late run never moves it back. A
// member's room list is one query of their entries, a page at a time: its
// cost follows the page, not how many rooms the member is in.
const (
	colRooms    = "rooms"
	colMessages = "messages" // under a room, by message ID
	colSeqs     = "seqs"     // under a room, by seq: each seq claimed once
	colReads    = "reads"    // under a room, by member key: each member's entry
)

func (s *Store) room(id string) *firestore.DocumentRef {
	return s.fs.Collection(colRooms).Doc(docID(id))
}

func (s *Store) message(roomID, id string) *firestore.DocumentRef {
	return s.room(roomID).Collection(colMessages).Doc(docID(id))
}

func (s *Store) entry(roomID, key string) *firestore.DocumentRef {
	return s.room(roomID).Collection(colReads).Doc(key)
}

// roomEntry is a member's own entry of a room.
type roomEntry struct {
	MemberKey string `firestore:"memberKey"`
	RoomID    string `firestore:"roomId"`
	// ActiveAt is when the room was last active, in microseconds since
	// the Unix epoch (Firestore's maximum transform takes numbers only).
	ActiveAt int64 `firestore:"activeAt"`
	ReadSeq  int64 `firestore:"readSeq"`
}

// CreateRoom stores a new room, with the workspaces of its members (so a
// withdrawal finds it), each member's entry and the room event of each
// member's live feed, in one commit (a room of 1,000 members is 2,001
// writes, well within a commit's 10 MiB); ErrExists
// if a room with its ID exists (the self room or the direct room of a
// pair, created concurrently).
func (s *Store) CreateRoom(ctx context.Context, r *domain.Room) error {
	r.WorkspaceIDs = roomWorkspaces(r.MemberKeys)
	err := s.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(s.room(r.ID), r); err != nil {
			return err
		}
		for _, k := range r.MemberKeys {
			e := roomEntry{MemberKey: k, RoomID: r.ID, ActiveAt: r.CreatedAt.UnixMicro()}
			if err := tx.Create(s.entry(r.ID, k), e); err != nil {
				return err
			}
			ws, acc := domain.SplitMemberKey(k)
			if err := s.createFeed(tx, []FeedTo{{ws, acc, domain.RoomCreatedEvent(r.ID, r.CreatedAt)}}); err != nil {
				return err
			}
		}
		return nil
	}, firestore.MaxAttempts(1))
	if code(err) == codes.AlreadyExists {
		return ErrExists
	}
	return wrap("store.CreateRoom", err)
}

// roomWorkspaces returns the distinct workspaces of member keys, sorted.
func roomWorkspaces(keys []string) []string {
	out := make([]string, 0, 2)
	for _, k := range keys {
		ws, _ := domain.SplitMemberKey(k)
		out = append(out, ws)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Room returns a room; errs.NotFound if there is none.
func (s *Store) Room(ctx context.Context, id string) (*domain.Room, error) {
	var r domain.Room
	if _, err := s.get(ctx, s.room(id), &r); err != nil {
		return nil, wrap("store.Room", err)
	}
	return &r, nil
}

// RoomsOf returns the rooms a membership is in (by its member key); with
// a type, only rooms of that type.
func (s *Store) RoomsOf(ctx context.Context, key, typ string) ([]*domain.Room, error) {
	q := s.fs.Collection(colRooms).Where("memberKeys", "array-contains", key)
	if typ != "" {
		q = q.Where("type", "==", typ)
	}
	out, err := queried[domain.Room](ctx, q)
	return out, wrap("store.RoomsOf", err)
}

// PostMessage commits a message with the claim of its seq and the event
// that fans it out. ErrExists if the message exists (its sender posted its
// client ID before) or its seq is taken: the caller tells the two apart by
// reading the message.
func (s *Store) PostMessage(ctx context.Context, m *domain.Message, ev events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(s.message(m.RoomID, m.ID), m); err != nil {
			return err
		}
		seq := s.room(m.RoomID).Collection(colSeqs).Doc(strconv.FormatInt(m.Seq, 10))
		if err := tx.Create(seq, map[string]any{"messageId": m.ID}); err != nil {
			return err
		}
		return s.addEvents(tx, []events.Event{ev})
	}, firestore.MaxAttempts(1))
	if code(err) == codes.AlreadyExists {
		return ErrExists
	}
	return wrap("store.PostMessage", err)
}

// Message returns a message; errs.NotFound if there is none.
func (s *Store) Message(ctx context.Context, roomID, id string) (*domain.Message, error) {
	var m domain.Message
	if _, err := s.get(ctx, s.message(roomID, id), &m); err != nil {
		return nil, wrap("store.Message", err)
	}
	return &m, nil
}

// LatestMessage returns a room's message with the greatest seq, or nil if
// the room has none.
func (s *Store) LatestMessage(ctx context.Context, roomID string) (*domain.Message, error) {
	q := s.room(roomID).Collection(colMessages).OrderBy("seq", firestore.Desc).Limit(1)
	ms, err := queried[domain.Message](ctx, q)
	if err != nil || len(ms) == 0 {
		return nil, wrap("store.LatestMessage", err)
	}
	return ms[0], nil
}

// LatestSeq returns the greatest seq of a room's messages, 0 if it has
// none. It reads the seq alone.
func (s *Store) LatestSeq(ctx context.Context, roomID string) (int64, error) {
	snaps, err := s.room(roomID).Collection(colMessages).Select("seq").OrderBy("seq", firestore.Desc).Limit(1).Documents(ctx).GetAll()
	if err != nil || len(snaps) == 0 {
		return 0, wrap("store.LatestSeq", err)
	}
	seq, err := snaps[0].DataAt("seq")
	if err != nil {
		return 0, wrap("store.LatestSeq", err)
	}
	n, _ := seq.(int64)
	return n, nil
}

// Messages returns up to limit messages of a room with a seq above
// afterSeq, ascending.
func (s *Store) Messages(ctx context.Context, roomID string, afterSeq int64, limit int) ([]*domain.Message, error) {
	q := s.room(roomID).Collection(colMessages).Where("seq", ">", afterSeq).OrderBy("seq", firestore.Asc).Limit(limit)
	out, err := queried[domain.Message](ctx, q)
	return out, wrap("store.Messages", err)
}

// MessagesBefore returns up to limit messages of a room with a seq below
// beforeSeq: the newest of them, ascending. It reads them newest first, so
// a page costs limit reads however long the history is.
func (s *Store) MessagesBefore(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]*domain.Message, error) {
	q := s.room(roomID).Collection(colMessages).Where("seq", "<", beforeSeq).OrderBy("seq", firestore.Desc).Limit(limit)
	out, err := queried[domain.Message](ctx, q)
	slices.Reverse(out)
	return out, wrap("store.MessagesBefore", err)
}

// MarkRead moves a member's read position in a room up to seq; a lower
// seq than the position leaves it (Firestore's maximum transform, so two
// devices marking at once cannot move it back). The member's live feed
// gets the read event, so their other devices follow.
func (s *Store) MarkRead(ctx context.Context, roomID, key string, seq int64, now time.Time) error {
	ws, acc := domain.SplitMemberKey(key)
	bw := s.fs.BulkWriter(ctx)
	read, err := bw.Set(s.entry(roomID, key), map[string]any{
		"readSeq": firestore.FieldTransformMaximum(seq), "updatedAt": now,
	}, firestore.MergeAll)
	if err != nil {
		bw.End()
		return wrap("store.MarkRead", err)
	}
	feed, err := s.bulkFeed(bw, []FeedTo{{ws, acc, domain.ReadEvent(roomID, seq, now)}})
	bw.End()
	if err == nil {
		_, err = read.Results()
	}
	return wrap("store.MarkRead", errors.Join(err, createdOrExisting(feed)))
}

// ActivateRoom adds live events to members' feeds (one that exists is
// left), and moves the last activity of a room forward to at
// (microseconds since the Unix epoch) in the entries of the members keys:
// an entry already later keeps its time (Firestore's maximum transform, so
// a redelivered or late fan-out never moves it back), and a member without
// an entry (one a withdrawal took out of the room) gets none.
func (s *Store) ActivateRoom(ctx context.Context, roomID string, keys []string, at int64, feed []FeedTo) error {
	if len(keys) == 0 && len(feed) == 0 {
		return nil
	}
	bw := s.fs.BulkWriter(ctx)
	feedJobs, errAll := s.bulkFeed(bw, feed)
	jobs := make([]*firestore.BulkWriterJob, 0, len(keys))
	for _, k := range keys {
		j, err := bw.Update(s.entry(roomID, k), []firestore.Update{{Path: "activeAt", Value: firestore.FieldTransformMaximum(at)}})
		if err != nil {
			errAll = errors.Join(errAll, err)
			continue
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); code(err) != codes.OK && code(err) != codes.NotFound {
			errAll = errors.Join(errAll, err)
		}
	}
	return wrap("store.ActivateRoom", errors.Join(errAll, createdOrExisting(feedJobs)))
}

// RoomCursor is a position in a member's room list: the last activity
// (microseconds since the Unix epoch) and the ID of a room.
type RoomCursor struct {
	ActiveAt int64
	RoomID   string
}

// RoomEntry is a room as a member's list holds it: its position, and the
// member's read position in it.
type RoomEntry struct {
	RoomCursor
	ReadSeq int64
}

// RoomPage returns up to limit of a member's (by key) room entries after
// the cursor (nil: from the start), the most recently active first, then
// by room ID descending. It is one query: limit reads, however many rooms
// the member is in. The query names the member, so a cursor only
// positions it within their own entries.
func (s *Store) RoomPage(ctx context.Context, key string, after *RoomCursor, limit int) ([]RoomEntry, error) {
	q := s.fs.CollectionGroup(colReads).Where("memberKey", "==", key).
		OrderBy("activeAt", firestore.Desc).OrderBy("roomId", firestore.Desc)
	if after != nil {
		q = q.StartAfter(after.ActiveAt, after.RoomID)
	}
	es, err := queried[roomEntry](ctx, q.Limit(limit))
	if err != nil {
		return nil, wrap("store.RoomPage", err)
	}
	out := make([]RoomEntry, len(es))
	for i, e := range es {
		out[i] = RoomEntry{RoomCursor: RoomCursor{ActiveAt: e.ActiveAt, RoomID: e.RoomID}, ReadSeq: e.ReadSeq}
	}
	return out, nil
}

// Rooms returns rooms by ID in one round trip, in order; nil for a room
// that does not exist.
func (s *Store) Rooms(ctx context.Context, ids []string) ([]*domain.Room, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	refs := make([]*firestore.DocumentRef, len(ids))
	for i, id := range ids {
		refs[i] = s.room(id)
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.Rooms", err)
	}
	out := make([]*domain.Room, len(ids))
	for i, snap := range snaps {
		if out[i], err = decoded[domain.Room](snap); err != nil {
			return nil, wrap("store.Rooms", err)
		}
	}
	return out, nil
}

// RoomState is how a room stands for one member: its latest message (nil
// if none) and how many messages of others the member has not read.
type RoomState struct {
	Last   *domain.Message
	Unread int64
}

// roomStateWorkers bounds the rooms whose state is read at once.
const roomStateWorkers = 16

// RoomStates reads, for a member (by key), the state of each room: their
// read positions, then RoomStatesFrom.
func (s *Store) RoomStates(ctx context.Context, key string, rooms []*domain.Room) ([]RoomState, error) {
	refs := make([]*firestore.DocumentRef, len(rooms))
	for i, r := range rooms {
		refs[i] = s.entry(r.ID, key)
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.RoomStates", err)
	}
	readSeqs := make([]int64, len(rooms))
	for i, snap := range snaps {
		e, err := decoded[roomEntry](snap)
		if err != nil {
			return nil, wrap("store.RoomStates", err)
		}
		if e != nil {
			readSeqs[i] = e.ReadSeq
		}
	}
	return s.RoomStatesFrom(ctx, key, rooms, readSeqs)
}

// RoomStatesFrom reads, for a member (by key) whose read positions in
// rooms are readSeqs, the state of each room: its latest message (one
// query) and, if the member has not read it, the messages above the read
// position less the member's own (two count aggregations); no counter is
// kept per member.
func (s *Store) RoomStatesFrom(ctx context.Context, key string, rooms []*domain.Room, readSeqs []int64) ([]RoomState, error) {
	out := make([]RoomState, len(rooms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(roomStateWorkers)
	for i, r := range rooms {
		g.Go(func() error {
			last, err := s.LatestMessage(gctx, r.ID)
			if err != nil || last == nil || last.Seq <= readSeqs[i] {
				out[i] = RoomState{Last: last}
				return err
			}
			after := s.room(r.ID).Collection(colMessages).Where("seq", ">", readSeqs[i])
			all, err := count(gctx, after)
			if err != nil {
				return err
			}
			own, err := count(gctx, after.Where("senderKey", "==", key))
			out[i] = RoomState{Last: last, Unread: all - own}
			return err
		})
	}
	return out, wrap("store.RoomStatesFrom", g.Wait())
}

// count runs a count aggregation.
func count(ctx context.Context, q firestore.Query) (int64, error) {
	res, err := q.NewAggregationQuery().WithCount("n").Get(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := res["n"].(*pb.Value)
	if !ok {
		return 0, errs.E(errs.Internal, "count aggregation without a count")
	}
	return v.GetIntegerValue(), nil
}

// Mute sets until when a member's message notifications are muted (zero:
// not muted).
func (s *Store) Mute(ctx context.Context, workspaceID, accountID string, until time.Time) error {
	var v any = until
	if until.IsZero() {
		v = firestore.Delete
	}
	_, err := s.member(workspaceID, accountID).Update(ctx, []firestore.Update{{Path: "mutedUntil", Value: v}})
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "member not found")
	}
	return wrap("store.Mute", err)
}

// Recipient is a room member as the fan-out of a message sees them: their
// membership (nil if gone) and whether they blocked the sender.
type Recipient struct {
	Key          string
	Member       *domain.Member
	BlocksSender bool
}

// Recipients reads, in one round trip, the memberships of the room
// members keys and, for those outside the sender's workspace, whether
// they blocked the sender (members of one workspace cannot block each
// other).
func (s *Store) Recipients(ctx context.Context, keys []string, senderKey string) ([]Recipient, error) {
	senderWS, senderID := domain.SplitMemberKey(senderKey)
	refs := make([]*firestore.DocumentRef, 0, len(keys))
	blockAt := make([]int, len(keys))
	for i, k := range keys {
		ws, acc := domain.SplitMemberKey(k)
		refs = append(refs, s.member(ws, acc))
		blockAt[i] = -1
		if ws != senderWS {
			blockAt[i] = len(refs)
			refs = append(refs, s.contact(colBlocks, ws, acc, senderID))
		}
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.Recipients", err)
	}
	out := make([]Recipient, len(keys))
	j := 0
	for i, k := range keys {
		m, err := decoded[domain.Member](snaps[j])
		if err != nil {
			return nil, wrap("store.Recipients", err)
		}
		j++
		out[i] = Recipient{Key: k, Member: m}
		if blockAt[i] >= 0 {
			out[i].BlocksSender = snaps[j].Exists()
			j++
		}
	}
	return out, nil
}

package store

import (
	"context"
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
const (
	colRooms    = "rooms"
	colMessages = "messages" // under a room, by message ID
	colSeqs     = "seqs"     // under a room, by seq: each seq claimed once
	colReads    = "reads"    // under a room, by member key: read positions
)

func (s *Store) room(id string) *firestore.DocumentRef {
	return s.fs.Collection(colRooms).Doc(docID(id))
}

func (s *Store) message(roomID, id string) *firestore.DocumentRef {
	return s.room(roomID).Collection(colMessages).Doc(docID(id))
}

// CreateRoom stores a new room, with the workspaces of its members (so a
// withdrawal finds it); ErrExists if a room with its ID exists (the self
// room or the direct room of a pair, created concurrently).
func (s *Store) CreateRoom(ctx context.Context, r *domain.Room) error {
	r.WorkspaceIDs = roomWorkspaces(r.MemberKeys)
	_, err := s.room(r.ID).Create(ctx, r)
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

// readMark is a member's read position in a room.
type readMark struct {
	ReadSeq   int64     `firestore:"readSeq"`
	UpdatedAt time.Time `firestore:"updatedAt"`
}

// MarkRead moves a member's read position in a room up to seq; a lower
// seq than the position leaves it (Firestore's maximum transform, so two
// devices marking at once cannot move it back).
func (s *Store) MarkRead(ctx context.Context, roomID, key string, seq int64, now time.Time) error {
	_, err := s.room(roomID).Collection(colReads).Doc(key).Set(ctx, map[string]any{
		"readSeq": firestore.FieldTransformMaximum(seq), "updatedAt": now,
	}, firestore.MergeAll)
	return wrap("store.MarkRead", err)
}

// RoomState is how a room stands for one member: its latest message (nil
// if none) and how many messages of others the member has not read.
type RoomState struct {
	Last   *domain.Message
	Unread int64
}

// roomStateWorkers bounds the rooms whose state is read at once.
const roomStateWorkers = 16

// RoomStates reads, for a member (by key), the state of each room. The
// unread count comes from the member's read position: the messages above
// it, less the member's own; no counter is kept per member.
func (s *Store) RoomStates(ctx context.Context, key string, rooms []*domain.Room) ([]RoomState, error) {
	refs := make([]*firestore.DocumentRef, len(rooms))
	for i, r := range rooms {
		refs[i] = s.room(r.ID).Collection(colReads).Doc(key)
	}
	marks, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.RoomStates", err)
	}
	out := make([]RoomState, len(rooms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(roomStateWorkers)
	for i, r := range rooms {
		var mark readMark
		if marks[i].Exists() {
			if err := marks[i].DataTo(&mark); err != nil {
				return nil, wrap("store.RoomStates", err)
			}
		}
		g.Go(func() error {
			last, err := s.LatestMessage(gctx, r.ID)
			if err != nil || last == nil || last.Seq <= mark.ReadSeq {
				out[i] = RoomState{Last: last}
				return err
			}
			after := s.room(r.ID).Collection(colMessages).Where("seq", ">", mark.ReadSeq)
			all, err := count(gctx, after)
			if err != nil {
				return err
			}
			own, err := count(gctx, after.Where("senderKey", "==", key))
			out[i] = RoomState{Last: last, Unread: all - own}
			return err
		})
	}
	return out, wrap("store.RoomStates", g.Wait())
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

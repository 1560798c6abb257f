package rooms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// maxSeqAttempts bounds the tries of a post whose seq other posts keep
// taking (each try takes a greater seq).
const maxSeqAttempts = 10

// Post posts a message in a room. It is idempotent on the client's ID: the
// same sender posting the same clientID in the room again gets the first
// message, with created false.
//
// The message takes a seq above every seq in the room when it is accepted
// (domain.NextSeq); the commit claims the seq with a document of its own,
// so of two posts that chose the same seq one commits and the other tries
// again. Nothing every post writes is shared: the cost of a post is the
// same in any room.
//
// A new message counts towards the sender's ratelimit.PostMember; a
// repeat of a message posted before (a client's retry) is answered
// without counting, even past the limit.
func (s *Service) Post(ctx context.Context, p *session.Principal, roomID, text, clientID string) (m *domain.Message, created bool, err error) {
	if err := domain.CheckMessage(text, clientID); err != nil {
		return nil, false, err
	}
	r, err := s.member(ctx, p, roomID)
	if err != nil {
		return nil, false, err
	}
	if err := s.mayPost(ctx, p, r); err != nil {
		return nil, false, err
	}
	k := key(p)
	id := s.derivedID("message", r.ID, k, clientID)
	first, err := s.Store.Message(ctx, r.ID, id)
	if err == nil {
		return first, false, nil // posted before: a retry takes no slot
	}
	if !errs.Is(err, errs.NotFound) {
		return nil, false, fmt.Errorf("rooms.Post: %w", err)
	}
	if err := s.Limiter.Take(ctx, ratelimit.Use{Rule: ratelimit.PostMember, Key: k}); err != nil {
		return nil, false, err
	}
	var tried int64
	for range maxSeqAttempts {
		latest, err := s.Store.LatestSeq(ctx, r.ID)
		if err != nil {
			return nil, false, fmt.Errorf("rooms.Post: %w", err)
		}
		now := s.now()
		m := &domain.Message{
			ID: id, RoomID: r.ID, Seq: domain.NextSeq(now, latest, tried), SenderKey: k, SenderID: p.AccountID,
			ClientMessageID: clientID, Text: text, CreatedAt: now,
		}
		ev, err := events.NewMessagePosted(events.MessagePosted{
			RoomID: r.ID, MessageID: id, Seq: m.Seq, SenderKey: k,
			SenderName: p.Workspace.ProfileFields.DisplayName(p.Member), Text: domain.Preview(text),
		}, now)
		if err != nil {
			return nil, false, fmt.Errorf("rooms.Post: %w", err)
		}
		err = s.Store.PostMessage(ctx, m, ev)
		if err == nil {
			s.Outbox.Dispatch(ctx, ev)
			return m, true, nil
		}
		if !errors.Is(err, store.ErrExists) {
			return nil, false, fmt.Errorf("rooms.Post: %w", err)
		}
		first, err := s.Store.Message(ctx, r.ID, id)
		if err == nil {
			return first, false, nil // posted before
		}
		if !errs.Is(err, errs.NotFound) {
			return nil, false, fmt.Errorf("rooms.Post: %w", err)
		}
		tried = m.Seq // another message took the seq
	}
	return nil, false, store.ErrRaced
}

// mayPost applies the rules of talking in a room the caller is in: no
// one of a direct room blocked the other (F13), and a member whose
// workspace turned external chat off does not talk with other
// workspaces' members.
func (s *Service) mayPost(ctx context.Context, p *session.Principal, r *domain.Room) error {
	if r.Type == domain.RoomDirect {
		otherWS, other := domain.SplitMemberKey(r.Other(key(p)))
		blocked, err := s.Store.BlockedEitherWay(ctx, p.WorkspaceID, p.AccountID, otherWS, other)
		if err != nil {
			return fmt.Errorf("rooms.mayPost: %w", err)
		}
		if blocked {
			return errBlocked
		}
	}
	external := slices.ContainsFunc(r.MemberKeys, func(k string) bool {
		ws, _ := domain.SplitMemberKey(k)
		return ws != p.WorkspaceID
	})
	if external && !p.Workspace.ExternalChatAllowed {
		return errExternalChat
	}
	return nil
}

// History returns up to limit messages of a room after the seq afterSeq,
// ascending.
func (s *Service) History(ctx context.Context, p *session.Principal, roomID string, afterSeq int64, limit int) ([]*domain.Message, error) {
	r, err := s.member(ctx, p, roomID)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.Messages(ctx, r.ID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("rooms.History: %w", err)
	}
	return ms, nil
}

// HistoryBefore returns up to limit messages of a room before the seq
// beforeSeq: the newest of them, ascending. A client opens a room with
// the newest page and pages back with the first seq it holds.
func (s *Service) HistoryBefore(ctx context.Context, p *session.Principal, roomID string, beforeSeq int64, limit int) ([]*domain.Message, error) {
	r, err := s.member(ctx, p, roomID)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.MessagesBefore(ctx, r.ID, beforeSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("rooms.HistoryBefore: %w", err)
	}
	return ms, nil
}

// MarkRead marks a room read by the caller up to seq (at most up to its
// latest message). A read position never moves back.
func (s *Service) MarkRead(ctx context.Context, p *session.Principal, roomID string, seq int64) error {
	r, err := s.member(ctx, p, roomID)
	if err != nil {
		return err
	}
	latest, err := s.Store.LatestSeq(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("rooms.MarkRead: %w", err)
	}
	if seq = min(seq, latest); seq <= 0 {
		return nil
	}
	if err := s.Store.MarkRead(ctx, r.ID, key(p), seq, s.Clock.Now()); err != nil {
		return fmt.Errorf("rooms.MarkRead: %w", err)
	}
	return nil
}

// MutedUntil is until when the caller's message notifications are muted;
// zero when they are not (never set, unmuted, or the time has passed).
func (s *Service) MutedUntil(p *session.Principal) time.Time {
	if p.Member == nil || !p.Member.MutedUntil.After(s.now()) {
		return time.Time{}
	}
	return p.Member.MutedUntil
}

// Mute mutes the caller's message notifications for minutes (0 unmutes)
// and returns until when (zero: not muted).
func (s *Service) Mute(ctx context.Context, p *session.Principal, minutes int) (time.Time, error) {
	until, err := domain.MutedUntil(minutes, s.now())
	if err != nil {
		return time.Time{}, err
	}
	if err := s.Store.Mute(ctx, p.WorkspaceID, p.AccountID, until); err != nil {
		return time.Time{}, fmt.Errorf("rooms.Mute: %w", err)
	}
	return until, nil
}

// Package ratelimit keeps every sender of mail and every creator of things
// within a rate, so that nobody can fill another person's inbox, spend the
// service's password hashing or its sender reputation, or grow another
// member's data without bound. Rules is the whole table; README.md's
// Security section lists it.
//
// A limit is checked before any hash, mail or write of the request it
// guards: a refused request costs a read, and nothing once this process
// has seen that limit reached (it remembers it until the window ends).
// Windows are fixed (a window
// starts at a multiple of its length), so a caller may use up to twice a
// limit across a window boundary; the limits are set with that in mind.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/store"
)

// Rule is a limit: at most Limit uses per Window, counted per key.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// The rules. Each says what it protects.
var (
	// SignupAddress limits the sign-up mails (workspace creation, invite
	// acceptance) that one address receives: nobody can fill an inbox
	// with verification mails naming a workspace of their choice.
	SignupAddress = Rule{Name: "signup-address", Limit: 3, Window: time.Hour}
	// SignupIP limits sign-ups from one client: each costs an argon2 hash
	// and a mail from our sender, and a workspace creation holds an ID.
	SignupIP = Rule{Name: "signup-ip", Limit: 20, Window: time.Hour}
	// CodeIP limits login-code requests from one client over all
	// addresses (each address also gets at most 5 codes an hour).
	CodeIP = Rule{Name: "code-ip", Limit: 30, Window: time.Hour}
	// ResetIP limits password-reset requests from one client (each
	// address also gets at most a few reset mails an hour).
	ResetIP = Rule{Name: "reset-ip", Limit: 20, Window: time.Hour}
	// NudgeIP limits the nudge mails one client sends (each request can
	// also nudge only a few members).
	NudgeIP = Rule{Name: "nudge-ip", Limit: 20, Window: time.Hour}
	// RoomMember limits the rooms one member creates: nobody can grow
	// another member's room list without bound.
	RoomMember = Rule{Name: "room-member", Limit: 60, Window: time.Hour}
	// PostMember limits the messages one member posts, over all rooms.
	PostMember = Rule{Name: "post-member", Limit: 60, Window: time.Minute}
	// ProfileLinkMember limits the profile links one member creates.
	ProfileLinkMember = Rule{Name: "profile-link-member", Limit: 20, Window: time.Hour}
)

// Use is one use of a rule by a key.
type Use struct {
	Rule Rule
	Key  string
}

// Limiter counts uses in Firestore, on the product's clock (the dev clock
// moves the windows too).
type Limiter struct {
	Store *store.Store
	Clock clock.Clock
	// Factor multiplies every limit (1 in production; load tests and
	// benchmarks that are not about limits raise it). 0 means 1.
	Factor int

	mu sync.Mutex
	// reached holds the counters this process saw at their limit, until
	// their window ends: a caller hammering a limit costs no I/O at all.
	reached map[string]time.Time
}

// maxReached bounds the remembered counters; past it, ended windows are
// forgotten, and if none has ended nothing more is remembered (the store
// still refuses).
const maxReached = 10000

// Take counts one use of each rule, or, if any of them is at its limit,
// refuses with errs.RateLimited and the time until that window ends, and
// counts nothing.
func (l *Limiter) Take(ctx context.Context, uses ...Use) error {
	now := l.Clock.Now()
	factor := max(l.Factor, 1)
	counted := make([]store.RateUse, len(uses))
	for i, u := range uses {
		start := now.Truncate(u.Rule.Window)
		counted[i] = store.RateUse{
			Rule: u.Rule.Name, Key: u.Key, Limit: u.Rule.Limit * factor,
			WindowStart: start, WindowEnd: start.Add(u.Rule.Window),
		}
	}
	for _, u := range counted {
		if l.known(u) {
			return refusal(u, now)
		}
	}
	over, err := l.Store.CountUses(ctx, counted)
	if err != nil {
		return err
	}
	if over < 0 {
		return nil
	}
	l.remember(counted[over], now)
	return refusal(counted[over], now)
}

func refusal(u store.RateUse, now time.Time) error {
	return &errs.Error{
		Kind: errs.RateLimited, Message: "Too many requests. Try again later.",
		RetryAfter: u.WindowEnd.Sub(now),
	}
}

func reachedKey(u store.RateUse) string {
	return u.Rule + "\x00" + u.Key + "\x00" + u.WindowStart.String()
}

// known reports whether this process saw u's counter at its limit.
func (l *Limiter) known(u store.RateUse) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.reached[reachedKey(u)]
	return ok
}

// remember notes that u's counter is at its limit until its window ends.
func (l *Limiter) remember(u store.RateUse, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reached == nil {
		l.reached = map[string]time.Time{}
	}
	if len(l.reached) >= maxReached {
		for k, end := range l.reached {
			if !now.Before(end) {
				delete(l.reached, k)
			}
		}
		if len(l.reached) >= maxReached {
			return
		}
	}
	l.reached[reachedKey(u)] = u.WindowEnd
}

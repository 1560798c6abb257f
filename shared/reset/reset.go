// Package reset is the password reset (F8): a member who forgot their
// password gives their name and e-mail and gets a link, valid one hour, to
// choose a new one. The answer never says whether the name and e-mail
// match an account. A link works once and only while it is the account's
// newest; using it revokes every session of the account, lifts the
// password lock (F7) and keeps trusted devices trusted.
package reset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/store"
)

// The rules of F8.
const (
	// LinkTTL is how long a reset link works.
	LinkTTL = time.Hour
	// MaxSends reset mails are sent per address per SendWindow; further
	// requests are answered alike and send nothing.
	MaxSends   = 5
	SendWindow = time.Hour
)

const (
	// purgeAfter is how long a link's document outlives its expiry before
	// the TTL policy deletes it (for support questions about a link).
	purgeAfter = 7 * 24 * time.Hour
	// maxName bounds the name a request may give; no account has a longer
	// one.
	maxName = 200
	// maxToken bounds the tokens looked up (auth.NewToken makes 43
	// characters).
	maxToken = 128
	// tries bounds the attempts of a request or confirmation that lost a
	// race with a concurrent one.
	tries = 5
)

// Path is the path of a reset link, before its token (the mailer builds
// the link, see mail.PasswordResetPage).
const Path = mail.PasswordResetPage

// Service runs the password reset.
type Service struct {
	Store  *store.Store
	Outbox *bus.Outbox
	Hasher *auth.Hasher
	Sealer *auth.Sealer
	Clock  clock.Clock
	// Limiter keeps reset requests within their rate per client IP.
	Limiter *ratelimit.Limiter
}

// Request mails a reset link if the name matches the account of the
// address (see SameName), unless MaxSends were mailed to it within
// SendWindow. Its answer is the same whatever the outcome, and so is its
// work: the same reads, and one commit that records the address's recent
// mails, whether or not it also stores a link (no enumeration). A client
// (clientIP) over its rate (ratelimit.ResetIP) gets the same answer too,
// and the request does nothing more: nothing is read, written or mailed
// (the rate does not depend on the address, so skipping the work reveals
// nothing about it). Only a malformed name or address is an error.
func (s *Service) Request(ctx context.Context, rawName, rawEmail, clientIP string, locale i18n.Locale) error {
	name, err := domain.CheckName("name", rawName, maxName)
	if err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(rawEmail)
	if err != nil {
		return err
	}
	err = s.Limiter.Take(ctx, ratelimit.Use{Rule: ratelimit.ResetIP, Key: clientIP})
	if errs.Is(err, errs.RateLimited) {
		logging.From(ctx).Info("password reset request over its client's rate: nothing sent")
		return nil
	}
	if err != nil {
		return err
	}
	for range tries {
		t, err := s.Store.ResetTarget(ctx, email)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		req := store.ResetRequest{Email: email, Sends: domain.Recent(t.Sends, now, SendWindow), SendsSeen: t.SendsSeen, PurgeAt: now.Add(SendWindow)}
		if t.Account != nil && SameName(t.Account.Name, name) && len(req.Sends) < MaxSends {
			if err := s.newLink(&req, t.Account, locale, now); err != nil {
				return err
			}
		}
		err = s.Store.RequestPasswordReset(ctx, req)
		if errors.Is(err, store.ErrRaced) {
			continue // a concurrent request for the address: count it first
		}
		if err != nil {
			return err
		}
		if len(req.Events) > 0 {
			// Published after answering: awaiting Pub/Sub here would make
			// the answer measurably slower when the name and e-mail match.
			// The event is committed to the outbox, so if this process
			// stops first the relay publishes it.
			go s.Outbox.Dispatch(context.WithoutCancel(ctx), req.Events...)
		}
		return nil
	}
	// Only a burst of concurrent requests for one address gets here; this
	// one is dropped, and answered like any other.
	logging.From(ctx).Warn("password reset request dropped after repeated races")
	return nil
}

// newLink adds a new reset link for acc, and its mail, to req.
func (s *Service) newLink(req *store.ResetRequest, acc *domain.Account, locale i18n.Locale, now time.Time) error {
	token := auth.NewToken()
	req.LinkHash = auth.HashToken(token)
	req.Link = &store.PasswordReset{
		AccountID: acc.ID, CreatedAt: now, ExpiresAt: now.Add(LinkTTL), PurgeAt: now.Add(LinkTTL + purgeAfter),
	}
	ev, err := events.NewMail(s.Sealer, mail.PasswordReset, locale, acc.Email, mail.Data{
		Name: acc.Name, Token: token, ExpiresAt: req.Link.ExpiresAt,
	}, now)
	if err != nil {
		return fmt.Errorf("reset.Request: %w", err)
	}
	req.Sends = append(req.Sends, now)
	req.Events = []events.Event{ev}
	return nil
}

// SameName reports whether the name a request gives is an account's name:
// compared without regard to case, surrounding spaces, or how many spaces
// separate the words.
func SameName(accountName, given string) bool {
	return strings.EqualFold(collapse(accountName), collapse(given))
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	errInvalidLink = errs.E(errs.Gone, "This reset link is not valid. Request a new one.")
	// errDeadLink answers a link that was used (domain.LinkUsed marks it
	// so for the page), expired or replaced.
	errDeadLink = errs.E(errs.Gone, "This reset link has expired, has already been used, or was replaced by a newer one. Request a new one.")
)

// live reads the link behind a token and checks that it can set a
// password now: unused, unexpired, and the account's newest link.
func (s *Service) live(ctx context.Context, token string) (*store.ResetLink, string, error) {
	if token == "" || len(token) > maxToken {
		return nil, "", errInvalidLink
	}
	hash := auth.HashToken(token)
	l, err := s.Store.ResetLink(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return nil, "", errInvalidLink
	}
	if err != nil {
		return nil, "", err
	}
	if !l.Reset.UsedAt.IsZero() {
		return nil, "", domain.LinkUsed(errDeadLink)
	}
	if !l.Reset.Live(s.Clock.Now()) || !auth.EqualSecret(l.Account.PasswordResetHash, hash) {
		return nil, "", errDeadLink
	}
	return l, hash, nil
}

// Pending returns the account a live link resets, without consuming the
// link (the page the link opens shows it); errs.Gone if it is not live.
func (s *Service) Pending(ctx context.Context, token string) (*domain.Account, error) {
	l, _, err := s.live(ctx, token)
	if err != nil {
		return nil, err
	}
	return l.Account, nil
}

// Confirm sets a new password with a reset link: errs.Gone if the link is
// not live, errs.Invalid if the password breaks the rule (the link stays
// usable). Of concurrent uses of one link at most one succeeds. It
// revokes every session of the account and lifts the password lock; it
// logs nobody in, and trusted devices stay trusted. The account is mailed
// that its password changed.
func (s *Service) Confirm(ctx context.Context, token, password string, locale i18n.Locale) error {
	l, hash, err := s.live(ctx, token)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(password); err != nil {
		return err
	}
	passwordHash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("reset.Confirm: %w", err)
	}
	for range tries {
		now := s.Clock.Now()
		// Sessions are revoked before the commit, so that no failure after
		// it can leave one from before alive, and again after it. A login
		// with the old password counted before the commit and committed
		// after it fails (the commit resets the lockout counter the
		// login's commit is conditioned on: store.CreateSession); one
		// committed before it is revoked by the second revocation; one
		// counted after it reads the new password. A login that trusts a
		// device changes the account, which fails this commit, and the
		// loop revokes again.
		if err := s.Store.RevokeSessions(ctx, l.Account.ID, "", "", domain.RevokedPasswordSet, now); err != nil {
			return err
		}
		ev, err := events.NewMail(s.Sealer, mail.PasswordChanged, locale, l.Account.Email, mail.Data{Name: l.Account.Name, ChangedAt: now}, now)
		if err != nil {
			return fmt.Errorf("reset.Confirm: %w", err)
		}
		err = s.Store.ChangePassword(ctx, store.PasswordChange{
			LinkHash: hash, LinkSeen: l.ResetSeen, AccountID: l.Account.ID, AccountSeen: l.AccountSeen,
			PasswordHash: passwordHash, Email: l.Account.Email, Events: []events.Event{ev}, Now: now,
		})
		if errors.Is(err, store.ErrRaced) {
			// The link or the account changed: used, voided by a newer
			// request (errs.Gone from live), or the account was only
			// touched (a login): try again.
			if l, _, err = s.live(ctx, token); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		s.Outbox.Dispatch(ctx, ev)
		return s.Store.RevokeSessions(ctx, l.Account.ID, "", "", domain.RevokedPasswordSet, s.Clock.Now())
	}
	return store.ErrRaced
}

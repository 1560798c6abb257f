// Package login is how members get a session: an e-mail code (F5), then a
// password into one workspace, guarded by the lockout (F7). Answers never
// say whether an e-mail has an account, and an unknown account costs the
// same password hashing as a known one.
package login

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// The rules of F5 and F7.
const (
	CodeTTL = 10 * time.Minute
	// CodeAttempts wrong codes restrict code login for CodeRestriction.
	CodeAttempts    = 5
	CodeRestriction = 30 * time.Minute
	// CodeSends codes are sent per address per CodeWindow.
	CodeSends  = 5
	CodeWindow = time.Hour
	TicketTTL  = 10 * time.Minute
	// PasswordAttempts wrong passwords in a row lock password login for
	// PasswordLock.
	PasswordAttempts = 10
	PasswordLock     = time.Hour
)

// maxPassword bounds what is hashed on login; a longer password cannot
// have been set (auth.CheckPassword).
const maxPassword = 1024

// Service runs the login flows.
type Service struct {
	Store    *store.Store
	Outbox   *bus.Outbox
	Hasher   *auth.Hasher
	Sealer   *auth.Sealer
	MACer    *auth.MACer
	Clock    clock.Clock
	Sessions *session.Service
	// Limiter keeps code requests within their rate per client IP.
	Limiter *ratelimit.Limiter
	// IDs MACs recovery keys, with the ID key that never rotates.
	IDs *auth.MACer
}

// RequestCode mails a login code to an address if it has an account. The
// request does the same work whether or not it has one: it stores a code
// (an unknown address's is never sent, so checking codes behaves alike
// too), counts it against the hourly limit, and records the mail event
// marked IfAccount; the mailer drops the mail for an unknown address. So
// neither the answer nor its timing tells. A client (clientIP) over its
// rate over all addresses (ratelimit.CodeIP) is refused before anything is
// stored.
func (s *Service) RequestCode(ctx context.Context, rawEmail, clientIP string, locale i18n.Locale) error {
	email, err := domain.NormalizeEmail(rawEmail)
	if err != nil {
		return err
	}
	if err := s.Limiter.Take(ctx, ratelimit.Use{Rule: ratelimit.CodeIP, Key: clientIP}); err != nil {
		return err
	}
	for range 3 {
		lc, seen, err := s.Store.LoginCode(ctx, email)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		recent := domain.Recent(lc.Sends, now, CodeWindow)
		if len(recent) >= CodeSends {
			wait := recent[0].Add(CodeWindow).Sub(now)
			return &errs.Error{Kind: errs.RateLimited, Message: "Too many codes were requested for this e-mail. Try again later.", RetryAfter: wait}
		}
		// The codes sent before stay valid until their own expiry: their
		// mails may arrive after this one's.
		code := auth.NewCode()
		sent := domain.SentCode{MAC: s.codeMAC(email, code), ExpiresAt: now.Add(CodeTTL)}
		next := &domain.LoginCode{
			Codes: append(lc.LiveCodes(now), sent), Sends: append(recent, now), PurgeAt: now.Add(CodeWindow + CodeRestriction),
		}
		ev, err := events.NewMailIfAccount(s.Sealer, mail.LoginCode, locale, email, mail.Data{Code: code, ExpiresAt: sent.ExpiresAt}, now)
		if err != nil {
			return fmt.Errorf("login.RequestCode: %w", err)
		}
		err = s.Store.PutLoginCode(ctx, email, next, seen, []events.Event{ev})
		if errors.Is(err, store.ErrRaced) {
			continue // a concurrent request for the same address: count it first
		}
		if err != nil {
			return err
		}
		s.Outbox.Dispatch(ctx, ev)
		return nil
	}
	return store.ErrRaced
}

func (s *Service) codeMAC(email, code string) string { return s.MACer.MAC("login-code", email, code) }

// Ticket is a verified code's outcome: a login ticket and the account's
// active workspaces.
type Ticket struct {
	Token      string
	ExpiresAt  time.Time
	Workspaces []*domain.Workspace
}

// VerifyCode exchanges a right code for a login ticket. Every attempt is
// counted (per address, whichever code it tries) before the code is
// checked; the CodeAttempts-th wrong one voids every code and restricts
// code login for CodeRestriction. Any live code of the address is right
// (the newest mail may not be the last read); a right one consumes them
// all.
func (s *Service) VerifyCode(ctx context.Context, rawEmail, code string) (*Ticket, error) {
	email, err := domain.NormalizeEmail(rawEmail)
	if err != nil {
		return nil, err
	}
	if code == "" || len(code) > 32 {
		return nil, errs.E(errs.Invalid, "code is required")
	}
	now := s.Clock.Now()
	a, err := s.Store.CountAttempt(ctx, store.CounterCode, email, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkLock(ctx, store.CounterCode, email, nil, a, CodeAttempts, CodeRestriction, "", now); err != nil {
		return nil, err
	}
	t := &domain.LoginTicket{Email: email, CreatedAt: now, ExpiresAt: now.Add(TicketTTL).Truncate(time.Second), PurgeAt: now.Add(TicketTTL + time.Hour)}
	accountID := ""
	for try := range 3 {
		lc, seen, err := s.Store.LoginCode(ctx, email)
		if err != nil {
			return nil, err
		}
		live := lc.LiveCodes(now)
		if len(live) == 0 {
			return nil, errNoCode
		}
		if !s.rightCode(live, email, code) {
			if try > 0 {
				return nil, errNoCode // it was right, and a concurrent use consumed it
			}
			return nil, s.wrongCode(ctx, email, a, now)
		}
		if try == 0 {
			if accountID, err = s.Store.AccountIDByEmail(ctx, email); err != nil && !errs.Is(err, errs.NotFound) {
				return nil, err
			}
		}
		token := s.sealTicket(email, accountID, t.ExpiresAt)
		err = s.Store.ExchangeLoginCode(ctx, email, seen, auth.HashToken(token), t)
		if errs.Is(err, errs.Gone) {
			continue // used by a concurrent attempt, or a new code was sent: read again
		}
		if err != nil {
			return nil, err
		}
		if err := s.Store.ResetAttempts(ctx, store.CounterCode, email); err != nil {
			return nil, err
		}
		out := &Ticket{Token: token, ExpiresAt: t.ExpiresAt}
		if accountID != "" {
			if out.Workspaces, err = s.Store.Workspaces(ctx, accountID); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, errNoCode
}

var errNoCode = errs.E(errs.Gone, "There is no valid code for this e-mail. Request a new one.")

// rightCode reports whether code is one of the live codes, comparing with
// each in constant time.
func (s *Service) rightCode(live []domain.SentCode, email, code string) bool {
	right := false
	for _, sc := range live {
		if s.MACer.Equal(sc.MAC, "login-code", email, code) {
			right = true
		}
	}
	return right
}

// wrongCode answers a wrong code, counted as attempt a: the last allowed
// one voids every code of the address and restricts code login.
func (s *Service) wrongCode(ctx context.Context, email string, a store.Attempt, now time.Time) error {
	remaining := max(CodeAttempts-a.N, 0)
	if remaining == 0 {
		if err := s.Store.VoidLoginCode(ctx, email); err != nil {
			return err
		}
		if err := s.lock(ctx, store.CounterCode, email, nil, now.Add(CodeRestriction), "", now); err != nil {
			return err
		}
	}
	return errs.E(errs.InvalidCode, "The code is not right.").With("remainingAttempts", remaining)
}

// checkLock refuses an attempt while a lock holds, or when more than limit
// attempts were counted: concurrent attempts beyond the limit are not
// judged, and lock (with its mail) if the one that reached the limit has
// not yet.
func (s *Service) checkLock(ctx context.Context, kind, email string, acc *domain.Account, a store.Attempt, limit int, lockFor time.Duration, locale i18n.Locale, now time.Time) error {
	until := a.LockedUntil
	if until.IsZero() && a.N <= limit {
		return nil
	}
	if until.IsZero() {
		until = now.Add(lockFor)
		if err := s.lock(ctx, kind, email, acc, until, locale, now); err != nil {
			return err
		}
	}
	return locked(until, now)
}

func locked(until, now time.Time) error {
	return (&errs.Error{Kind: errs.Locked, Message: "Too many failed attempts. Try again later.", RetryAfter: until.Sub(now)}).
		With("lockedUntil", until.UTC().Format(time.RFC3339))
}

// PasswordLogin is step 3 of F5.
type PasswordLogin struct {
	Ticket      string
	WorkspaceID string
	Email       string
	Password    string
	Device      domain.Device
	DeviceToken string
	Locale      i18n.Locale
}

// Result is a login's outcome: a session, or, for an untrusted device, a
// pending approval.
type Result struct {
	Session  *session.Response
	Approval *Approval
}

// Approval is the approval response of API.md.
type Approval struct {
	Status     string    `json:"status"`
	ApprovalID string    `json:"approvalId"`
	PollToken  string    `json:"pollToken"`
	MatchCode  string    `json:"matchCode"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Password logs in with a login ticket and a password.
func (s *Service) Password(ctx context.Context, in PasswordLogin) (*Result, error) {
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if err := checkLoginInput(in.WorkspaceID, in.Password, in.Device); err != nil {
		return nil, err
	}
	accountID, err := s.openTicket(in.Ticket, email, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	return s.passwordLogin(ctx, email, accountID, in, auth.HashToken(in.Ticket))
}

// passwordLogin judges a login's password for an address (of the account
// accountID, "" if it has none: the same reads, writes and hash) under the
// lockout, and starts a session (start). The attempt is counted, if the
// login ticket (ticketHash) was not used yet, and the login's state read
// in one round trip (store.CountLogin), and a right password commits in
// one more.
func (s *Service) passwordLogin(ctx context.Context, email, accountID string, in PasswordLogin, ticketHash string) (*Result, error) {
	if accountID == "" {
		accountID = noAccount
	}
	keys := store.LoginKeys{Email: email, AccountID: accountID, WorkspaceID: in.WorkspaceID, TicketHash: ticketHash}
	if id, _, ok := auth.SplitKeyedToken(in.DeviceToken); ok {
		keys.DeviceID = id
	}
	now := s.Clock.Now()
	st, err := s.Store.CountLogin(ctx, keys, now)
	if errors.Is(err, store.ErrNoTicket) {
		return nil, errTicket
	}
	if err != nil {
		return nil, err
	}
	if err := s.judge(ctx, email, st.Account, st.Attempt, in.Password, in.Locale, now); err != nil {
		return nil, err
	}
	return s.start(ctx, keys, st, in)
}

func checkLoginInput(workspaceID, password string, d domain.Device) error {
	if err := domain.CheckWorkspaceID(workspaceID); err != nil {
		return err
	}
	if password == "" || len(password) > maxPassword {
		return errs.E(errs.Invalid, "password is required")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(d.Name)); n == 0 || n > 100 {
		return errs.E(errs.Invalid, "device.name must be 1 to 100 characters")
	}
	if !slices.Contains(domain.Platforms, d.Platform) {
		return errs.E(errs.Invalid, "device.platform must be one of mac, windows, linux, ios, android, web")
	}
	return nil
}

// Reauthenticate checks the password a signed-in member re-entered to
// confirm a grave action (a new recovery key, a super admin delegation, a
// withdrawal), judged under the lockout like any login: 401
// invalid_credentials when wrong, 423 locked.
func (s *Service) Reauthenticate(ctx context.Context, p *session.Principal, password string, locale i18n.Locale) error {
	_, _, err := s.CheckPassword(ctx, p.Member.Email, p.AccountID, password, locale)
	return err
}

// CheckPassword judges the password of the account with an e-mail address
// (accountID "" if it has none) under the lockout, as a login does, and
// returns the account with the update time it was read at.
func (s *Service) CheckPassword(ctx context.Context, email, accountID, password string, locale i18n.Locale) (*domain.Account, time.Time, error) {
	if password == "" || len(password) > maxPassword {
		return nil, time.Time{}, errs.E(errs.Invalid, "password is required")
	}
	return s.checkPassword(ctx, email, accountID, password, locale)
}

// noAccount is an account ID no account has (real ones are hex).
const noAccount = "no-account"

var errCredentials = errs.E(errs.InvalidCredentials, "The e-mail or password is not right.")

// checkPassword reads the account with an ID ("" for an address without
// one, at the same cost) and judges a password for its address under the
// lockout (judgePassword). It returns the account and the update time it
// was read at.
func (s *Service) checkPassword(ctx context.Context, email, accountID, password string, locale i18n.Locale) (*domain.Account, time.Time, error) {
	var (
		acc  *domain.Account
		seen time.Time
		err  error
	)
	if accountID == "" {
		// Read a document that never exists, so an unknown address costs
		// the same round trip as a known one.
		accountID = noAccount
	}
	acc, seen, err = s.Store.Account(ctx, accountID)
	if errs.Is(err, errs.NotFound) {
		acc = nil
	} else if err != nil {
		return nil, time.Time{}, err
	}
	return s.judgePassword(ctx, email, acc, seen, password, locale)
}

// judgePassword judges a password for an address under the lockout, that
// of the account acc (read at seen; nil if the address has none): the
// attempt is counted first, then the password hashed, the same work for
// no account as for one. A right one resets the counter.
func (s *Service) judgePassword(ctx context.Context, email string, acc *domain.Account, seen time.Time, password string, locale i18n.Locale) (*domain.Account, time.Time, error) {
	now := s.Clock.Now()
	a, err := s.Store.CountAttempt(ctx, store.CounterPassword, email, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := s.judge(ctx, email, acc, a, password, locale, now); err != nil {
		return nil, time.Time{}, err
	}
	if err := s.Store.ResetAttempts(ctx, store.CounterPassword, email); err != nil {
		return nil, time.Time{}, err
	}
	return acc, seen, nil
}

// judge judges a password for an address, counted as attempt a, against
// the account acc (nil if the address has none: a dummy hash then, the
// same work): nil if it is right; a lock, or the wrong password, with the
// attempts left (the one that reaches the limit locks, with its mail).
func (s *Service) judge(ctx context.Context, email string, acc *domain.Account, a store.Attempt, password string, locale i18n.Locale, now time.Time) error {
	if err := s.checkLock(ctx, store.CounterPassword, email, acc, a, PasswordAttempts, PasswordLock, locale, now); err != nil {
		return err
	}
	ok := false
	if acc != nil && acc.HasPassword() {
		var err error
		if ok, err = s.Hasher.Verify(ctx, acc.PasswordHash, password); err != nil {
			return err
		}
	} else {
		s.Hasher.VerifyDummy(ctx, password)
	}
	if ok {
		return nil
	}
	if a.N >= PasswordAttempts {
		if err := s.lock(ctx, store.CounterPassword, email, acc, now.Add(PasswordLock), locale, now); err != nil {
			return err
		}
	}
	return errCredentials.With("remainingAttempts", max(PasswordAttempts-a.N, 0))
}

// lock locks a counter; a password lock of an account is mailed to it.
// Of concurrent lockers one locks and mails.
func (s *Service) lock(ctx context.Context, kind, email string, acc *domain.Account, until time.Time, locale i18n.Locale, now time.Time) error {
	var evs []events.Event
	if kind == store.CounterPassword && acc != nil {
		ev, err := events.NewMail(s.Sealer, mail.AccountLocked, locale, email, mail.Data{Name: acc.Name, LockedUntil: until}, now)
		if err != nil {
			return fmt.Errorf("login.lock: %w", err)
		}
		evs = append(evs, ev)
	}
	locked, err := s.Store.Lock(ctx, kind, email, until, evs)
	if err != nil {
		return err
	}
	if locked {
		s.Outbox.Dispatch(ctx, evs...)
	}
	return nil
}

// start issues a session to the account of a login whose password was
// right (st, as its count read it), in a workspace it is an active member
// of, on a trusted device; any other device gets a pending approval. The
// commit resets the lockout counter on condition that it is as counted,
// and records the login on the account on condition that it is as read,
// so a password changed since fails it, and uses up the login ticket
// (keys.TicketHash), if any; it is then read again, and a new password or
// a used ticket voids the login.
func (s *Service) start(ctx context.Context, keys store.LoginKeys, st *store.LoginState, in PasswordLogin) (*Result, error) {
	acc := st.Account
	for range 3 {
		if err := activeMember(&st.Membership); err != nil {
			return nil, err
		}
		now := s.Clock.Now()
		trusted := trusts(st.Device, in.DeviceToken)
		first := !trusted && acc.FirstDeviceAt.IsZero()
		if !trusted && !first {
			// The password was right: the count restarts.
			if err := s.Store.ResetAttempts(ctx, store.CounterPassword, keys.Email); err != nil {
				return nil, err
			}
			ap, err := s.requestApproval(ctx, acc, in, now)
			if err != nil {
				return nil, err
			}
			return &Result{Approval: ap}, nil
		}
		n := store.NewSession{
			Counter: &st.Attempt, Email: keys.Email, TicketHash: keys.TicketHash,
			AccountSeen: st.AccountSeen, Now: now,
		}
		var deviceID, deviceToken string
		if first {
			n.Device, deviceToken = NewTrustedDevice(acc.ID, domain.NewID(), in.Device, now)
			n.FirstDevice, deviceID = true, n.Device.ID
		} else {
			n.DeviceSeen, deviceID = st.DeviceSeen, st.Device.ID
		}
		sess, refresh := s.Sessions.New(acc.ID, in.WorkspaceID, deviceID)
		n.Session = sess
		err := s.Store.CreateSession(ctx, n)
		if errors.Is(err, store.ErrRaced) {
			// Something read changed since: a new password or a used
			// ticket voids this login; anything else (a concurrent
			// attempt's count, a revoked device, a concurrent first
			// login), try again.
			if st, err = s.reread(ctx, keys, acc); err != nil {
				return nil, err
			}
			acc = st.Account
			continue
		}
		if err != nil {
			return nil, err
		}
		res, err := s.respond(sess, refresh, deviceToken)
		if err != nil {
			return nil, err
		}
		return &Result{Session: res}, nil
	}
	return nil, store.ErrRaced
}

// activeMember refuses a login into a workspace the account is not an
// active member of, or that is not active.
func activeMember(m *store.Membership) error {
	if m.Member == nil || m.Member.Status != domain.MemberActive || m.Workspace == nil {
		return errs.E(errs.Forbidden, "This account is not a member of the workspace.")
	}
	if m.Workspace.Status != domain.WorkspaceActive {
		return errs.E(errs.Forbidden, "This workspace is not active.")
	}
	return nil
}

// respond returns the session response of a login; deviceToken is set when
// the login made the device trusted.
func (s *Service) respond(sess *domain.Session, refresh, deviceToken string) (*session.Response, error) {
	res, err := s.Sessions.Respond(sess, refresh)
	if err != nil {
		return nil, err
	}
	res.DeviceToken = deviceToken
	return res, nil
}

// reread reads a login's state again after its commit raced: a password
// changed since voids the login, and a lock taken since holds.
func (s *Service) reread(ctx context.Context, keys store.LoginKeys, acc *domain.Account) (*store.LoginState, error) {
	st, err := s.Store.ReadLogin(ctx, keys)
	if errors.Is(err, store.ErrNoTicket) {
		return nil, errTicket
	}
	if err != nil {
		return nil, err
	}
	if st.Account == nil || st.Account.PasswordHash != acc.PasswordHash {
		return nil, errCredentials
	}
	if now := s.Clock.Now(); now.Before(st.LockedUntil) {
		return nil, locked(st.LockedUntil, now)
	}
	return st, nil
}

// NewTrustedDevice returns a device to trust, with its ID, and its device
// token.
func NewTrustedDevice(accountID, deviceID string, d domain.Device, now time.Time) (*domain.TrustedDevice, string) {
	d = cleanDevice(d)
	dev := &domain.TrustedDevice{
		ID: deviceID, AccountID: accountID, Name: d.Name, Platform: d.Platform,
		TrustedAt: now, LastSeenAt: now,
	}
	token, hash := auth.NewKeyedToken(dev.ID)
	dev.TokenHash = hash
	return dev, token
}

// trusts reports whether a device token, "<deviceId>.<secret>", is that of
// the device d (read under the token's ID; nil if none), trusted and not
// revoked.
func trusts(d *domain.TrustedDevice, token string) bool {
	id, hash, ok := auth.SplitKeyedToken(token)
	return ok && d != nil && d.ID == id && d.RevokedAt.IsZero() && auth.EqualSecret(hash, d.TokenHash)
}

// The cap on pending approval requests (F9). A login ticket and the
// password (or the password alone, on an organisation's login screen)
// could otherwise make any number of requests, each asking every online
// member to decide it. While an account has MaxPendingApprovals live,
// undecided requests, or MaxPendingPerDevice of them from a device of the
// same name and platform, a new one is refused (429) until the oldest of
// them expires (or is decided). A live request is not handed out again
// instead: its poll token and match code are kept only as MACs.
const (
	MaxPendingApprovals = 10
	MaxPendingPerDevice = 3
)

// tooManyPending refuses a new approval request for wait.
func tooManyPending(wait time.Duration) error {
	return &errs.Error{Kind: errs.RateLimited, Message: "Too many logins of this account are waiting for approval. Try again later.", RetryAfter: wait}
}

// requestApproval stores a pending approval for a login from an untrusted
// device, with the event that has the approval job ask the members who may
// decide it (shared/device), within the cap on pending requests. The
// account's pending requests are counted after reading its approval gate,
// and the request is created only if the gate is unchanged, so concurrent
// logins cannot exceed the cap.
func (s *Service) requestApproval(ctx context.Context, acc *domain.Account, in PasswordLogin, now time.Time) (*Approval, error) {
	now = now.Truncate(time.Microsecond) // as Firestore keeps it: the answer and the lists show the same expiresAt
	poll, match := auth.NewToken(), auth.NewCode()
	a := &domain.Approval{
		ID: domain.NewID(), AccountID: acc.ID, AccountName: acc.Name, AccountEmail: acc.Email, WorkspaceID: in.WorkspaceID,
		DeviceID: domain.NewID(), Device: cleanDevice(in.Device), Locale: string(in.Locale),
		PollTokenMAC: s.MACer.MAC("poll-token", poll), Status: domain.ApprovalPending,
		RequestedAt: now, ExpiresAt: now.Add(domain.ApprovalTTL), PurgeAt: now.Add(domain.ApprovalTTL + 24*time.Hour),
	}
	a.MatchCodeMAC = s.MACer.MAC("match-code", a.ID, match)
	ev, err := events.NewApprovalRequested(a.ID, now)
	if err != nil {
		return nil, err
	}
	for range 5 {
		gateSeen, err := s.Store.ApprovalGate(ctx, acc.ID)
		if err != nil {
			return nil, err
		}
		pending, err := s.Store.PendingApprovalsOf(ctx, acc.ID, now)
		if err != nil {
			return nil, err
		}
		if err := approvalCap(pending, a.Device, now); err != nil {
			return nil, err
		}
		err = s.Store.CreateApproval(ctx, a, gateSeen, []events.Event{ev})
		if errors.Is(err, store.ErrRaced) {
			continue // another request of the account was created: count again
		}
		if err != nil {
			return nil, err
		}
		s.Outbox.Dispatch(ctx, ev)
		return &Approval{Status: "device_approval_required", ApprovalID: a.ID, PollToken: poll, MatchCode: match, ExpiresAt: a.ExpiresAt}, nil
	}
	return nil, tooManyPending(time.Second) // so many at once that they kept racing
}

// approvalCap refuses a new request of a device when the account's live
// pending requests are at the cap, overall or from a device of the same
// name and platform, saying when enough of them will have expired.
func approvalCap(pending []*domain.Approval, d domain.Device, now time.Time) error {
	var all, same []time.Time
	for _, p := range pending {
		all = append(all, p.ExpiresAt)
		if sameDevice(p.Device, d) {
			same = append(same, p.ExpiresAt)
		}
	}
	free := freeAt(all, MaxPendingApprovals)
	if t := freeAt(same, MaxPendingPerDevice); t.After(free) {
		free = t
	}
	if !free.After(now) {
		return nil
	}
	return tooManyPending(free.Sub(now))
}

// freeAt returns when fewer than limit of the requests expiring at
// expiries will be live (zero if already).
func freeAt(expiries []time.Time, limit int) time.Time {
	if len(expiries) < limit {
		return time.Time{}
	}
	slices.SortFunc(expiries, time.Time.Compare)
	return expiries[len(expiries)-limit]
}

func sameDevice(a, b domain.Device) bool {
	return a.Platform == b.Platform && strings.EqualFold(a.Name, b.Name)
}

func cleanDevice(d domain.Device) domain.Device {
	return domain.Device{Name: strings.TrimSpace(d.Name), Platform: d.Platform}
}

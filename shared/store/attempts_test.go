package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/shared/domain"
)

// TestCountAttemptParallel: 30 concurrent attempts get the numbers 1 to
// 30, each once, so exactly 10 read a count within a limit of 10 — the
// property the lockout rests on — and of 20 concurrent lockers exactly one
// creates the lock.
func TestCountAttemptParallel(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var numbers []int
	var locked atomic.Int32
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			a, err := s.CountAttempt(ctx, CounterPassword, "kim@example.com", t0)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			numbers = append(numbers, a.N)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("30 concurrent attempts got the numbers %v, want 1 to 30", numbers)
		}
	}
	for range 20 {
		wg.Go(func() {
			ok, err := s.Lock(ctx, CounterPassword, "kim@example.com", t0.Add(time.Hour), nil)
			if err != nil {
				t.Error(err)
			}
			if ok {
				locked.Add(1)
			}
		})
	}
	wg.Wait()
	if got := locked.Load(); got != 1 {
		t.Fatalf("%d of 20 concurrent lockers locked, want 1", got)
	}
}

// TestLockLifecycle: a lock holds until its time, is then lifted with the
// count restarted; a reset lifts it at once; counters are per kind and per
// address.
func TestLockLifecycle(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const email = "kim@example.com"
	count := func(kind string, now time.Time) Attempt {
		t.Helper()
		a, err := s.CountAttempt(ctx, kind, email, now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for i := 1; i <= 3; i++ {
		if a := count(CounterPassword, t0); a.N != i || !a.LockedUntil.IsZero() {
			t.Fatalf("attempt %d = %+v", i, a)
		}
	}
	if a := count(CounterCode, t0); a.N != 1 {
		t.Fatalf("code counter shares the password counter: %+v", a)
	}
	if _, err := s.Lock(ctx, CounterPassword, email, t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if a := count(CounterPassword, t0.Add(59*time.Minute)); !a.LockedUntil.Equal(t0.Add(time.Hour)) {
		t.Fatalf("within the hour: %+v", a)
	}
	if a := count(CounterPassword, t0.Add(time.Hour)); a.N != 1 || !a.LockedUntil.IsZero() {
		t.Fatalf("after the hour: %+v", a)
	}
	if _, err := s.Lock(ctx, CounterPassword, email, t0.Add(2*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetAttempts(ctx, CounterPassword, email); err != nil {
		t.Fatal(err)
	}
	if a := count(CounterPassword, t0.Add(time.Hour)); a.N != 1 || !a.LockedUntil.IsZero() {
		t.Fatalf("after a reset: %+v", a)
	}
}

// TestLoginCommitOnCount: a login's commit resets the counter only as its
// count left it, and records the login on the account only as it was read.
// Anything counted or reset since — a concurrent attempt, or a password
// change, which resets the counter in its own commit — fails it
// (ErrRaced), and leaves no session; so does a password change between
// the read and the count (read beside the count, the account may be older
// than it); read again, it commits.
func TestLoginCommitOnCount(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	keys := LoginKeys{Email: "kim@example.com", AccountID: "a1", WorkspaceID: "acme"}
	account := s.fs.Collection(colAccounts).Doc(keys.AccountID)
	if _, err := account.Create(ctx, domain.Account{ID: keys.AccountID, Email: keys.Email, PasswordHash: "old"}); err != nil {
		t.Fatal(err)
	}
	changePassword := func() error {
		err := s.commit(ctx, func(w writer) error {
			if err := w.Update(account, []firestore.Update{{Path: "passwordHash", Value: domain.NewID()}}); err != nil {
				return err
			}
			return s.resetAttempts(w, CounterPassword, keys.Email)
		})
		return err
	}
	login := func(st *LoginState) error {
		id := domain.NewID()
		err := s.CreateSession(ctx, NewSession{
			Session: &domain.Session{ID: id, AccountID: keys.AccountID, WorkspaceID: keys.WorkspaceID, DeviceID: "d1", CreatedAt: t0},
			Counter: &st.Attempt, Email: keys.Email, AccountSeen: st.AccountSeen, Now: t0,
		})
		if ok, xerr := exists(ctx, s.session(id)); xerr != nil || ok != (err == nil) {
			t.Fatalf("session %s exists %v after the commit's %v (%v)", id, ok, err, xerr)
		}
		return err
	}
	for _, between := range []struct {
		name string
		do   func(st *LoginState) error
	}{
		{"another attempt", func(*LoginState) error { _, err := s.CountAttempt(ctx, CounterPassword, keys.Email, t0); return err }},
		{"a password change", func(*LoginState) error { return changePassword() }},
		{"a password change before the count", func(st *LoginState) error {
			// The login's read was before the change, and its count after:
			// the count the commit is conditioned on is this one.
			if err := changePassword(); err != nil {
				return err
			}
			a, err := s.CountAttempt(ctx, CounterPassword, keys.Email, t0)
			st.Attempt = a
			return err
		}},
	} {
		st, err := s.CountLogin(ctx, keys, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := between.do(st); err != nil {
			t.Fatal(err)
		}
		if err := login(st); !errors.Is(err, ErrRaced) {
			t.Fatalf("after %s: the login's commit = %v, want ErrRaced", between.name, err)
		}
		if st, err = s.ReadLogin(ctx, keys); err != nil {
			t.Fatal(err)
		}
		if err := login(st); err != nil {
			t.Fatalf("read again after %s: %v", between.name, err)
		}
		if st, err = s.ReadLogin(ctx, keys); err != nil || st.N != 0 {
			t.Fatalf("after the login the count is %d (%v), want 0", st.N, err)
		}
	}
}

// TestLoginTicketRequired: a login with a ticket is counted only while
// the ticket's document exists, which its session deletes: a used (or
// never issued) ticket is ErrNoTicket with nothing written, its count
// included; the count leaves the ticket as it was; of two commits with
// one ticket, one issues a session.
func TestLoginTicketRequired(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	keys := LoginKeys{Email: "kim@example.com", AccountID: "a1", WorkspaceID: "acme", TicketHash: "t1"}
	if _, err := s.fs.Collection(colAccounts).Doc(keys.AccountID).Create(ctx, domain.Account{ID: keys.AccountID, Email: keys.Email}); err != nil {
		t.Fatal(err)
	}
	ticket := s.loginTicket(keys.TicketHash)
	wr, err := ticket.Create(ctx, domain.LoginTicket{Email: keys.Email, ExpiresAt: t0.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	counted := func() int {
		st, err := s.ReadLogin(ctx, LoginKeys{Email: keys.Email, AccountID: keys.AccountID, WorkspaceID: keys.WorkspaceID})
		if err != nil {
			t.Fatal(err)
		}
		return st.N
	}
	st, err := s.CountLogin(ctx, keys, t0)
	if err != nil || st.N != 1 {
		t.Fatalf("a count with a live ticket: %+v, %v", st, err)
	}
	if snap, err := ticket.Get(ctx); err != nil || !snap.UpdateTime.Equal(wr.UpdateTime) {
		t.Fatalf("the count changed the ticket: %v, %v", snap, err)
	}
	never := keys
	never.TicketHash = "never-issued"
	if _, err := s.CountLogin(ctx, never, t0); !errors.Is(err, ErrNoTicket) {
		t.Fatalf("a count with a ticket never issued: %v, want ErrNoTicket", err)
	}
	if ok, err := exists(ctx, s.loginTicket(never.TicketHash)); ok || err != nil {
		t.Fatalf("the refused count created the ticket (%v)", err)
	}
	if n := counted(); n != 1 {
		t.Fatalf("after a refused count the count is %d, want 1", n)
	}

	login := func(st *LoginState) error {
		return s.CreateSession(ctx, NewSession{
			Session: &domain.Session{ID: domain.NewID(), AccountID: keys.AccountID, WorkspaceID: keys.WorkspaceID, DeviceID: "d1", CreatedAt: t0},
			Counter: &st.Attempt, Email: keys.Email, TicketHash: keys.TicketHash, AccountSeen: st.AccountSeen, Now: t0,
		})
	}
	other, err := s.CountLogin(ctx, keys, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := login(other); err != nil {
		t.Fatalf("the first session: %v", err)
	}
	if err := login(st); !errors.Is(err, ErrRaced) {
		t.Fatalf("a second session with the ticket: %v, want ErrRaced", err)
	}
	if _, err := s.ReadLogin(ctx, keys); !errors.Is(err, ErrNoTicket) {
		t.Fatalf("reading the used ticket's login again: %v, want ErrNoTicket", err)
	}
	for range 2 {
		if _, err := s.CountLogin(ctx, keys, t0); !errors.Is(err, ErrNoTicket) {
			t.Fatalf("a count with the used ticket: %v, want ErrNoTicket", err)
		}
	}
	if n := counted(); n != 0 {
		t.Fatalf("after the used ticket's counts the count is %d, want 0", n)
	}
}

package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/test/testenv"
)

func newStore(tb testing.TB) (*Store, *Meter) {
	tb.Helper()
	testenv.RequireEmulators(tb)
	m := &Meter{}
	s, err := Open(context.Background(), testenv.Project(tb), m, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, m
}

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func pending(id string) (*domain.Workspace, *domain.Verification) {
	ws := &domain.Workspace{ID: id, Name: "Acme", Status: domain.WorkspacePending, Plan: domain.PlanFree, PendingUntil: t0.Add(24 * time.Hour), PendingVerification: "h-" + id, CreatedAt: t0}
	v := &domain.Verification{Purpose: domain.VerifyOwner, WorkspaceID: id, Email: "kim@example.com", Name: "Kim", PasswordHash: "x", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	return ws, v
}

func TestCreateWorkspaceConflictAndReclaim(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	ws, v := pending("acme")
	if err := s.CreateWorkspace(ctx, ws, "h1", v, nil, t0); err != nil {
		t.Fatal(err)
	}
	// Taken while the first one's verification is live.
	ws2, v2 := pending("acme")
	if err := s.CreateWorkspace(ctx, ws2, "h2", v2, nil, t0.Add(time.Hour)); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second create = %v, want conflict", err)
	}
	if _, _, err := s.Verification(ctx, "h2"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("refused create wrote its verification: %v", err)
	}
	// Reclaimed once it expired.
	ws3, v3 := pending("acme")
	ws3.Name = "Acme 2"
	if err := s.CreateWorkspace(ctx, ws3, "h3", v3, nil, t0.Add(25*time.Hour)); err != nil {
		t.Fatalf("reclaim = %v", err)
	}
	got, _, err := s.Workspace(ctx, "acme")
	if err != nil || got.Name != "Acme 2" {
		t.Fatalf("workspace after reclaim = %+v, %v", got, err)
	}
}

// TestActivateOnce: of 10 concurrent activations with the same
// verification, exactly one commits; the others are Gone.
func TestActivateOnce(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	ws, v := pending("race")
	if err := s.CreateWorkspace(ctx, ws, "h", v, nil, t0); err != nil {
		t.Fatal(err)
	}
	_, vSeen, err := s.Verification(ctx, "h")
	if err != nil {
		t.Fatal(err)
	}
	_, wsSeen, err := s.Workspace(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := &domain.Account{ID: "acc-" + string(rune('a'+i)), Email: "kim@example.com", Name: "Kim", CreatedAt: t0}
			ev, _ := events.New(events.TopicMailRequested, 1, map[string]int{"i": i}, t0)
			results <- s.ActivateWorkspace(ctx, Activation{
				VerificationHash: "h", VerificationSeen: vSeen, WorkspaceID: "race", WorkspaceSeen: wsSeen,
				Account: acc, NewAccount: true,
				Member: &domain.Member{AccountID: acc.ID, WorkspaceID: "race", Role: domain.RoleSuperAdmin, Status: domain.MemberActive},
				Events: []events.Event{ev}, Now: t0,
			})
		}()
	}
	wg.Wait()
	close(results)
	ok, gone := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errs.Is(err, errs.Gone):
			gone++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || gone != n-1 {
		t.Fatalf("ok=%d gone=%d, want 1 and %d", ok, gone, n-1)
	}
	evs, err := s.DueEvents(ctx, t0.Add(time.Second), 100)
	if err != nil || len(evs) != 1 {
		t.Fatalf("outbox holds %d events (%v), want exactly the winner's 1", len(evs), err)
	}
	accounts, err := s.fs.Collection(colAccounts).Documents(ctx).GetAll()
	if err != nil || len(accounts) != 1 {
		t.Fatalf("%d accounts (%v), want 1", len(accounts), err)
	}
}

func TestClaimEvent(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	claim := func(now time.Time) Claim {
		t.Helper()
		c, err := s.ClaimEvent(ctx, "mailer", "e1", now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := claim(t0); c != Claimed {
		t.Fatalf("first claim = %v", c)
	}
	if c := claim(t0.Add(time.Second)); c != InProgress {
		t.Fatalf("claim during lease = %v, want InProgress", c)
	}
	if c := claim(t0.Add(2 * time.Minute)); c != Claimed {
		t.Fatalf("claim after lease = %v, want Claimed (take-over)", c)
	}
	if err := s.ReleaseEvent(ctx, "mailer", "e1"); err != nil {
		t.Fatal(err)
	}
	if c := claim(t0.Add(3 * time.Minute)); c != Claimed {
		t.Fatalf("claim after release = %v", c)
	}
	if err := s.FinishEvent(ctx, "mailer", "e1"); err != nil {
		t.Fatal(err)
	}
	if c := claim(t0.Add(time.Hour)); c != AlreadyDone {
		t.Fatalf("claim after finish = %v, want AlreadyDone", c)
	}
	// Another consumer of the same event is independent.
	if c, _ := s.ClaimEvent(ctx, "other", "e1", t0, time.Minute); c != Claimed {
		t.Fatalf("other consumer = %v", c)
	}
}

// TestClaimConcurrent: of concurrent deliveries of one event, exactly one
// claims it.
func TestClaimConcurrent(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	var wg sync.WaitGroup
	claims := make(chan Claim, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.ClaimEvent(context.Background(), "mailer", "e2", t0, time.Minute)
			if err != nil {
				t.Error(err)
			}
			claims <- c
		}()
	}
	wg.Wait()
	close(claims)
	n := 0
	for c := range claims {
		if c == Claimed {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d deliveries claimed the event, want 1", n)
	}
}

func TestMeterCounts(t *testing.T) {
	t.Parallel()
	s, m := newStore(t)
	ctx := context.Background()
	ws, v := pending("meter")
	r0, w0 := m.Reads(), m.Writes()
	if err := s.CreateWorkspace(ctx, ws, "hm", v, nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Workspace(ctx, "meter"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DueEvents(ctx, t0, 10); err != nil { // empty query: one read
		t.Fatal(err)
	}
	if r, w := m.Reads()-r0, m.Writes()-w0; r != 2 || w != 2 {
		t.Fatalf("reads=%d writes=%d, want 2 and 2", r, w)
	}
	// Operations are also counted for the context that caused them.
	opsCtx, ops := WithOps(ctx)
	if _, _, err := s.Workspace(opsCtx, "meter"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountIDByEmail(ctx, "nobody@example.com"); !errs.Is(err, errs.NotFound) { // another context
		t.Fatal(err)
	}
	if ops.Reads() != 1 || ops.Writes() != 0 {
		t.Fatalf("request ops = %d reads %d writes, want 1 and 0", ops.Reads(), ops.Writes())
	}
}

func TestClockOffset(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if off, err := s.ClockOffset(ctx); err != nil || off != 0 {
		t.Fatalf("ClockOffset before any move = %v, %v; want 0", off, err)
	}
	seen := make(chan time.Duration, 10)
	go func() { _ = s.WatchClockOffset(ctx, func(d time.Duration) { seen <- d }) }()
	if d := <-seen; d != 0 {
		t.Fatalf("initial offset %v", d)
	}
	off, err := s.AddClockOffset(ctx, time.Hour)
	if err != nil || off != time.Hour {
		t.Fatalf("AddClockOffset = %v, %v", off, err)
	}
	if off, _ := s.AddClockOffset(ctx, time.Minute); off != time.Hour+time.Minute {
		t.Fatalf("second AddClockOffset = %v", off)
	}
	if off, err := s.ClockOffset(ctx); err != nil || off != time.Hour+time.Minute {
		t.Fatalf("ClockOffset = %v, %v; want 1h1m", off, err)
	}
	for d := range seen {
		if d == time.Hour+time.Minute {
			return
		}
	}
}

// TestDocIDBackstop: an ID given to the store that is not one path segment
// ("a/b/c", as %2F in a URL decodes) names no document below the intended
// one: the call fails, reads nothing and writes nothing. The services
// answer 404 before this; the store is the guard for one that forgot.
func TestDocIDBackstop(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	acc, dev := domain.NewID(), domain.NewID()
	// A document that a crafted device ID would reach: below the device.
	below := s.fs.Doc("accounts/" + acc + "/devices/" + dev + "/x/" + dev)
	if _, err := below.Create(ctx, map[string]any{"id": dev, "accountId": acc, "revokedAt": time.Time{}}); err != nil {
		t.Fatal(err)
	}
	nudge := s.fs.Doc("deviceApprovals/" + dev + "/nudges/" + acc)
	if _, err := nudge.Create(ctx, map[string]any{"at": t0}); err != nil {
		t.Fatal(err)
	}
	crafted := dev + "/x/" + dev
	if err := s.RevokeDevice(ctx, acc, crafted, t0); err == nil {
		t.Error("RevokeDevice with a crafted ID succeeded")
	}
	if _, _, err := s.TrustedDevice(ctx, acc, crafted); err == nil {
		t.Error("TrustedDevice read a document below the intended one")
	}
	if _, _, err := s.Approval(ctx, dev+"/nudges/"+acc); err == nil {
		t.Error("Approval read a nudge as an approval request")
	}
	if _, _, err := s.Session(ctx, ""); err == nil {
		t.Error("Session read an empty ID")
	}
	snap, err := below.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if at, _ := snap.Data()["revokedAt"].(time.Time); !at.IsZero() {
		t.Errorf("the document below the device was written: %v", snap.Data())
	}
	for id, want := range map[string]string{"abc": "abc", "a/b": invalidID, "": invalidID, "a.b": "a.b"} {
		if got := docID(id); got != want {
			t.Errorf("docID(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestPaths: every document of the project, at any depth, in one query;
// a path that only parents others is no document.
func TestPaths(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	for _, p := range []string{"a/1", "a/1/b/2", "c/3/d/4/e/5"} {
		if _, err := s.fs.Doc(p).Set(ctx, map[string]any{"x": 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Paths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"a/1", "a/1/b/2", "c/3/d/4/e/5"}; !slices.Equal(got, want) {
		t.Fatalf("Paths = %v, want %v", got, want)
	}
}

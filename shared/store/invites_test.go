package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
)

func newLink(t *testing.T, s *Store, maxUses int) *domain.InviteLink {
	t.Helper()
	l := &domain.InviteLink{ID: domain.NewID(), WorkspaceID: "acme", TokenHash: domain.NewID(), MaxUses: maxUses, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInviteLink(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// accept runs n acceptances of a link at once, each from the link as it
// was read before any of them (the stalest possible view), and counts the
// outcomes.
func accept(t *testing.T, s *Store, l *domain.InviteLink, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gun := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gun
			seen := *l
			err := s.AcceptInvite(context.Background(), InviteAcceptance{
				Link: &seen, VerificationHash: fmt.Sprintf("v-%s-%d", l.ID, i),
				Verification: &domain.Verification{Purpose: domain.VerifyInvite, WorkspaceID: "acme", LinkID: l.ID}, Now: t0,
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out["ok"]++
			case errors.Is(err, domain.ErrInviteUsedUp):
				out["used up"]++
			default:
				t.Errorf("accept: %v", err)
			}
		}()
	}
	close(gun)
	wg.Wait()
	return out
}

// TestAcceptInviteNeverExceedsMaxUses: many concurrent acceptances of a
// limited link take exactly its uses, numbered 1..MaxUses, and the link's
// count agrees.
func TestAcceptInviteNeverExceedsMaxUses(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	l := newLink(t, s, 5)
	if diff := cmp.Diff(map[string]int{"ok": 5, "used up": 15}, accept(t, s, l, 20)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	got, err := s.InviteLink(ctx, "acme", l.ID)
	if err != nil || got.Uses != 5 {
		t.Fatalf("link = %+v, %v", got, err)
	}
	snaps, err := s.inviteLink("acme", l.ID).Collection(colInviteUses).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, snap := range snaps {
		ids = append(ids, snap.Ref.ID)
	}
	if diff := cmp.Diff([]string{"1", "2", "3", "4", "5"}, ids); diff != "" {
		t.Fatalf("uses (-want +got):\n%s", diff)
	}
	// A later acceptance, even from a stale read, finds none left.
	if diff := cmp.Diff(map[string]int{"used up": 1}, accept(t, s, l, 1)); diff != "" {
		t.Fatalf("late acceptance (-want +got):\n%s", diff)
	}
}

// TestAcceptInviteUnlimited: an unlimited link counts every acceptance and
// keeps no use documents.
func TestAcceptInviteUnlimited(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	l := newLink(t, s, 0)
	if diff := cmp.Diff(map[string]int{"ok": 12}, accept(t, s, l, 12)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	got, err := s.InviteLink(ctx, "acme", l.ID)
	if err != nil || got.Uses != 12 {
		t.Fatalf("link = %+v, %v", got, err)
	}
	if snaps, _ := s.inviteLink("acme", l.ID).Collection(colInviteUses).Documents(ctx).GetAll(); len(snaps) != 0 {
		t.Fatalf("%d use documents for an unlimited link", len(snaps))
	}
	// A link that no longer exists is gone, not an internal error.
	missing := &domain.InviteLink{ID: domain.NewID(), WorkspaceID: "acme"}
	err = s.AcceptInvite(ctx, InviteAcceptance{Link: missing, VerificationHash: "v-missing", Verification: &domain.Verification{}, Now: t0})
	if !errs.Is(err, errs.Gone) {
		t.Fatalf("accepting a missing link = %v", err)
	}
}

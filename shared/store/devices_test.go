package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// TestPendingApprovalsInReadsPendingOnly: a workspace's pending requests
// are found without reading its decided ones, its expired ones, or
// another workspace's: one read per live pending request, however many
// decided ones sit beside them.
func TestPendingApprovalsInReadsPendingOnly(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	put := func(id, ws, status string, expiresAt time.Time) {
		t.Helper()
		a := &domain.Approval{ID: id, AccountID: "acc", WorkspaceID: ws, Status: status, RequestedAt: expiresAt.Add(-domain.ApprovalTTL), ExpiresAt: expiresAt}
		if _, err := s.approval(id).Set(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	live := t0.Add(domain.ApprovalTTL)
	for i, status := range []string{domain.ApprovalApproved, domain.ApprovalDenied, domain.ApprovalApproved, domain.ApprovalDenied} {
		put(fmt.Sprintf("decided%d", i), "acme", status, live)
	}
	put("expired", "acme", domain.ApprovalPending, t0)
	put("elsewhere", "other", domain.ApprovalPending, live)

	cases := []struct {
		name      string
		pending   []string // created before the call
		wantIDs   []string
		wantReads int64
	}{
		{"none pending", nil, nil, 1}, // an empty query costs one read
		{"one pending", []string{"p1"}, []string{"p1"}, 1},
		{"three pending", []string{"p2", "p3"}, []string{"p1", "p2", "p3"}, 3},
	}
	for _, tc := range cases {
		for _, id := range tc.pending {
			put(id, "acme", domain.ApprovalPending, live)
		}
		opsCtx, ops := WithOps(ctx)
		got, err := s.PendingApprovalsIn(opsCtx, "acme", t0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if diff := cmp.Diff(tc.wantIDs, ids); diff != "" {
			t.Errorf("%s: pending (-want +got):\n%s", tc.name, diff)
		}
		if ops.Reads() != tc.wantReads {
			t.Errorf("%s: %d reads, want %d", tc.name, ops.Reads(), tc.wantReads)
		}
	}
}

// TestAskedOf: a member was asked the requests they have the
// notification of, one read per request.
func TestAskedOf(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	a := &domain.Approval{ID: "asked", AccountID: "kim", WorkspaceID: "acme", ExpiresAt: t0.Add(domain.ApprovalTTL)}
	if _, err := s.Notify(ctx, []*domain.Notification{domain.ApprovalNotification(a, "lee", t0)}); err != nil {
		t.Fatal(err)
	}
	opsCtx, ops := WithOps(ctx)
	got, err := s.AskedOf(opsCtx, "acme", "lee", []string{"asked", "not-asked"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"asked": true, "not-asked": false}, got); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	if ops.Reads() != 2 {
		t.Errorf("%d reads, want 2", ops.Reads())
	}
	if got, err := s.AskedOf(opsCtx, "acme", "lee", nil); err != nil || len(got) != 0 || ops.Reads() != 2 {
		t.Errorf("AskedOf of none = %v, %v after %d reads, want nothing read", got, err, ops.Reads())
	}
}

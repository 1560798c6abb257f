package domain

import (
	"fmt"
	"testing"
	"time"
)

func TestApprovalStatusAt(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	pending := &Approval{Status: ApprovalPending, ExpiresAt: t0.Add(ApprovalTTL)}
	approved := &Approval{Status: ApprovalApproved, ExpiresAt: t0.Add(ApprovalTTL), DecidedAt: t0.Add(time.Minute)}
	cases := []struct {
		name        string
		a           *Approval
		at          time.Time
		status      string
		collectable bool
	}{
		{"pending before expiry", pending, t0.Add(ApprovalTTL - time.Second), ApprovalPending, false},
		{"pending at expiry", pending, t0.Add(ApprovalTTL), ApprovalExpired, false},
		{"approved, in time", approved, t0.Add(2 * time.Minute), ApprovalApproved, true},
		{"approved, past the request's expiry but within the collection window", approved, t0.Add(ApprovalTTL + 30*time.Second), ApprovalApproved, true},
		{"approved, collection window over", approved, t0.Add(time.Minute + ApprovalTTL), ApprovalApproved, false},
		{"approved, collected", &Approval{Status: ApprovalApproved, DecidedAt: t0, SessionIssued: true}, t0, ApprovalApproved, false},
		{"denied stays denied after expiry", &Approval{Status: ApprovalDenied, ExpiresAt: t0}, t0.Add(time.Hour), ApprovalDenied, false},
	}
	for _, tc := range cases {
		if got := tc.a.StatusAt(tc.at); got != tc.status {
			t.Errorf("%s: status %q, want %q", tc.name, got, tc.status)
		}
		if got := tc.a.Collectable(tc.at); got != tc.collectable {
			t.Errorf("%s: collectable %v, want %v", tc.name, got, tc.collectable)
		}
	}
}

func TestApprovalNotification(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	a := &Approval{ID: "a1", AccountID: "acc", AccountName: "Kim", WorkspaceID: "acme", Device: Device{Name: "phone", Platform: "ios"}, ExpiresAt: now.Add(ApprovalTTL)}
	n := ApprovalNotification(a, "other", now)
	if n.ID != "device_approval-a1" || n.AccountID != "other" || n.WorkspaceID != "acme" || n.Kind != NotifyDeviceApproval ||
		!n.ExpiresAt.Equal(a.ExpiresAt) || n.Approval.AccountName != "Kim" || n.Approval.Device != a.Device {
		t.Fatalf("notification %+v (%+v)", n, n.Approval)
	}
	// The same request asks the same member under the same ID: a job run
	// twice writes one notification.
	if again := ApprovalNotification(a, "other", now.Add(time.Minute)); again.ID != n.ID {
		t.Fatalf("IDs %q and %q", n.ID, again.ID)
	}
}

// TestLiveCodes: each code sent is live until its own expiry; voided
// (empty) ones never are.
func TestLiveCodes(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	c := &LoginCode{Codes: []SentCode{{MAC: "a", ExpiresAt: t0.Add(10 * time.Minute)}, {MAC: "b", ExpiresAt: t0.Add(16 * time.Minute)}, {ExpiresAt: t0.Add(time.Hour)}}}
	for _, tc := range []struct {
		at   time.Duration
		want []string
	}{{0, []string{"a", "b"}}, {10 * time.Minute, []string{"b"}}, {16 * time.Minute, nil}} {
		var got []string
		for _, sc := range c.LiveCodes(t0.Add(tc.at)) {
			got = append(got, sc.MAC)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("live at +%s = %v, want %v", tc.at, got, tc.want)
		}
	}
}

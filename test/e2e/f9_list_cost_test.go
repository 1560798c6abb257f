package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// listRoute is the route GET /v1/device-approvals logs its requests under.
const listRoute = "GET /v1/device-approvals"

// newDeviceLoginNamed is newDeviceLogin with a login ticket already had
// (a login that asks for approval does not use it up) from a device of its
// own name, so that many requests of one account stay within the cap per
// device.
func (e *env) newDeviceLoginNamed(ticket, workspaceID, email, deviceName string) approvalResponse {
	e.t.Helper()
	device := map[string]string{"name": deviceName, "platform": "ios"}
	body := map[string]any{"loginTicket": ticket, "workspaceId": workspaceID, "email": email, "password": testPassword, "device": device}
	r := e.call("POST", "/v1/login/password", body)
	requireStatus(e.t, r, http.StatusAccepted)
	var a approvalResponse
	r.JSON(e.t, &a)
	return a
}

// listCost lists the requests s may decide and returns them with the
// cost the call logged.
func (e *env) listCost(log *jobLog, s session) ([]pendingApproval, jobLine) {
	e.t.Helper()
	mark := log.mark()
	as := e.approvals(s)
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The line follows the answer (from a process of its own, through
		// a pipe).
		lines := log.routed(mark, listRoute)
		if len(lines) > 1 {
			e.t.Fatalf("%d list requests logged for one call: %+v", len(lines), lines)
		}
		if len(lines) == 1 {
			if lines[0].status != http.StatusOK {
				e.t.Fatalf("the list logged %+v, want status 200", lines[0])
			}
			return as, lines[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no request line logged for %s", listRoute)
		}
		sleep()
	}
}

// TestF9ListCost: a member's list of the requests they may decide reads
// the pending requests asked of them, not the decided ones. Lee, online
// and asked every request of Kim's new devices, lists: nothing asked; 25
// requests decided in the last 10 minutes (approved, denied, denied by
// wrong codes) — the same reads; k requests pending — 2 reads more each
// (the request, and Lee's notification that says Lee was asked), the query
// that found none before finding them; and once those expire undecided,
// the same reads as with none asked again.
func TestF9ListCost(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	const ws, kimEmail, leeEmail = "listcost", "kim@listcost.example", "lee@listcost.example"
	kim := e.ownerSession(ws, kimEmail)
	e.joinByInvite(kim, ws, "Lee Member", leeEmail)
	lee := e.login(ws, leeEmail, "")

	list := func() ([]pendingApproval, int64) {
		as, c := e.listCost(&log, lee)
		return as, c.reads
	}
	as, none := list()
	if len(as) != 0 {
		t.Fatalf("nothing asked, lee lists %+v", as)
	}

	ticket := e.ticket(kimEmail)
	const decided = 25
	for i := range decided {
		a := e.newDeviceLoginNamed(ticket, ws, kimEmail, fmt.Sprintf("decided phone %d", i))
		e.asked(lee, a.ApprovalID)
		switch i % 3 {
		case 0:
			requireStatus(t, e.approve(a.ApprovalID, a.MatchCode, lee.bearer()...), http.StatusOK)
		case 1:
			requireStatus(t, e.deny(a.ApprovalID, lee.bearer()...), http.StatusOK)
		default:
			for range 3 {
				requireStatus(t, e.approve(a.ApprovalID, "000000x", lee.bearer()...), http.StatusBadRequest)
			}
		}
	}
	e.settle()
	as, afterDecided := list()
	if len(as) != 0 {
		t.Fatalf("all %d decided, lee lists %+v", decided, as)
	}
	if afterDecided != none {
		t.Errorf("the list read %d documents with %d requests decided in the last 10 minutes, %d with none asked: it reads decided requests", afterDecided, decided, none)
	}

	const k = 3
	want := map[string]bool{}
	for i := range k {
		a := e.newDeviceLoginNamed(ticket, ws, kimEmail, fmt.Sprintf("pending phone %d", i))
		e.asked(lee, a.ApprovalID)
		want[a.ApprovalID] = true
	}
	e.settle()
	as, withPending := list()
	if len(as) != k {
		t.Fatalf("lee lists %d requests, want the %d pending: %+v", len(as), k, as)
	}
	for i, a := range as {
		if !want[a.ApprovalID] {
			t.Errorf("lee lists %s, not one of the pending requests", a.ApprovalID)
		}
		if i > 0 && a.RequestedAt.After(as[i-1].RequestedAt) {
			t.Errorf("the list is not newest first: %+v", as)
		}
	}
	if withPending != none+2*k-1 {
		t.Errorf("the list read %d documents with %d requests pending, want %d (%d with none asked, + 2 a request, - the empty query's 1)", withPending, k, none+2*k-1, none)
	}

	e.advance(int(10*time.Minute/time.Second) + 1)
	as, afterExpiry := list()
	if len(as) != 0 {
		t.Fatalf("all expired, lee lists %+v", as)
	}
	if afterExpiry != none {
		t.Errorf("the list read %d documents once the pending requests expired, %d with none asked", afterExpiry, none)
	}
	t.Logf("list reads: none asked %d; %d decided %d; %d pending %d; expired %d", none, decided, afterDecided, k, withPending, afterExpiry)
}

package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The helpers here drive F9: a login from a new device, the approval
// requests a member sees, and the new device's poll.

// approvalResponse is the 202 answer to a login from an untrusted device.
type approvalResponse struct {
	Status     string    `json:"status"`
	ApprovalID string    `json:"approvalId"`
	PollToken  string    `json:"pollToken"`
	MatchCode  string    `json:"matchCode"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

var phone = map[string]string{"name": "Kim's phone", "platform": "ios"}

// newDeviceLogin logs an account in to a workspace from a device it does
// not trust yet, and returns the pending approval.
func (e *env) newDeviceLogin(workspaceID, email string) approvalResponse {
	e.t.Helper()
	body := map[string]any{"loginTicket": e.ticket(email), "workspaceId": workspaceID, "email": email, "password": testPassword, "device": phone}
	r := e.call("POST", "/v1/login/password", body)
	requireStatus(e.t, r, http.StatusAccepted)
	var a approvalResponse
	r.JSON(e.t, &a)
	return a
}

// pendingApproval is one entry of GET /v1/device-approvals.
type pendingApproval struct {
	ApprovalID string `json:"approvalId"`
	Account    struct {
		AccountID string `json:"accountId"`
		Name      string `json:"name"`
	} `json:"account"`
	Device      map[string]string `json:"device"`
	RequestedAt time.Time         `json:"requestedAt"`
	ExpiresAt   time.Time         `json:"expiresAt"`
}

// approvals returns the requests a member may decide.
func (e *env) approvals(s session) []pendingApproval {
	e.t.Helper()
	r := e.call("GET", "/v1/device-approvals", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Approvals []pendingApproval `json:"approvals"`
	}
	r.JSON(e.t, &out)
	return out.Approvals
}

// asked waits until the approval job has asked a member to decide a
// request (it runs after the login answered).
func (e *env) asked(s session, approvalID string) pendingApproval {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		as := e.approvals(s)
		if i := slices.IndexFunc(as, func(a pendingApproval) bool { return a.ApprovalID == approvalID }); i >= 0 {
			return as[i]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("approval %s not listed for %s after 30s", approvalID, s.AccountID)
		}
		sleep()
	}
}

// pollResult is the answer to a poll.
type pollResult struct {
	Status  string   `json:"status"`
	Session *session `json:"session"`
}

// poll polls a request with its poll token.
func (e *env) poll(a approvalResponse) pollResult {
	e.t.Helper()
	r := e.call("GET", "/v1/device-approvals/"+a.ApprovalID+"?pollToken="+a.PollToken, nil)
	requireStatus(e.t, r, http.StatusOK)
	var p pollResult
	r.JSON(e.t, &p)
	return p
}

// Mail subjects of F9, Korean and English.
var (
	deviceApprovedSubjects = []string{"A new device was approved", "새 기기의 로그인이 승인되었습니다"}
	recoveryLoginSubjects  = []string{"logged in with the recovery key", "복구 키로 로그인되었습니다"}
	nudgeSubjects          = []string{"asks you to approve their login", "동료가 로그인 승인을 요청했습니다"}
)

// approve approves a request with a match code; headers authenticate the
// call (none: unauthenticated).
func (e *env) approve(id, matchCode string, headers ...string) response {
	e.t.Helper()
	return e.call("POST", "/v1/device-approvals/"+id+"/approve", map[string]string{"matchCode": matchCode}, headers...)
}

// deny denies a request.
func (e *env) deny(id string, headers ...string) response {
	e.t.Helper()
	return e.call("POST", "/v1/device-approvals/"+id+"/deny", nil, headers...)
}

// problem is the problem+json answer of a refused call.
type problem struct {
	Code      string `json:"code"`
	Remaining *int   `json:"remainingAttempts"`
}

// refused requires a refusal with a status and a problem code, and
// returns the problem.
func refused(t testing.TB, r response, status int, code string) problem {
	t.Helper()
	requireStatus(t, r, status)
	var p problem
	r.JSON(t, &p)
	if p.Code != code {
		t.Fatalf("code %q, want %q: %s", p.Code, code, r.Body)
	}
	return p
}

// listed reports whether a list of requests holds one.
func listed(as []pendingApproval, approvalID string) bool {
	return slices.ContainsFunc(as, func(a pendingApproval) bool { return a.ApprovalID == approvalID })
}

// exists reports whether a document exists.
func (e *env) exists(path string) bool {
	e.t.Helper()
	_, err := e.fs().Doc(path).Get(context.Background())
	if status.Code(err) == codes.NotFound {
		return false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return true
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// nApprovals is how many new-device logins F9's chain is timed on.
const nApprovals = 25

// pollEvery is the pause between an online member's polls of their
// pending requests while a chain is timed: it bounds the chain's
// resolution, with the poll's own latency.
const pollEvery = 2 * time.Millisecond

// benchSession is the part of a session response the bench uses.
type benchSession struct {
	AccessToken string `json:"accessToken"`
	AccountID   string `json:"accountId"`
	DeviceID    string `json:"deviceId"`
}

// benchApproval is a 202 answer to a login from an untrusted device.
type benchApproval struct {
	Status     string `json:"status"`
	ApprovalID string `json:"approvalId"`
	PollToken  string `json:"pollToken"`
	MatchCode  string `json:"matchCode"`
}

type benchPending struct {
	Approvals []struct {
		ApprovalID string `json:"approvalId"`
	} `json:"approvals"`
}

type benchPoll struct {
	Status  string        `json:"status"`
	Session *benchSession `json:"session"`
}

// devices measures F9 in a workspace of two: an approver, online, and a
// requester (owner of a workspace of their own, so they trust a device)
// who logs in from a new device again and again. The chain is the time
// from sending the login to the approver's list showing the request: the
// login's commit, its publish, the approvals job's run, and one poll.
// Each request is then approved with its match code and its session
// collected by the new device's poll.
func (b *bench) devices(ctx context.Context, pushFloor time.Duration) error {
	const (
		workspace      = "bench-dev"
		approverEmail  = "approver@devices.bench.example"
		requesterEmail = "requester@devices.bench.example"
	)
	approver, err := b.firstLogin(ctx, workspace, approverEmail)
	if err != nil {
		return err
	}
	requester, err := b.firstLogin(ctx, "bench-dev-req", requesterEmail)
	if err != nil {
		return err
	}
	if err := b.addMember(ctx, workspace, approver.AccountID, requester.AccountID, requesterEmail); err != nil {
		return err
	}

	list := func() (benchPending, error) {
		var p benchPending
		err := b.request("GET", "/v1/device-approvals", "", approver.AccessToken, http.StatusOK, &p)
		return p, err
	}
	var emptyLat []time.Duration
	emptyCost := b.costs.since("GET /v1/device-approvals")
	for range nCalls {
		t := time.Now()
		if _, err := list(); err != nil {
			return err
		}
		emptyLat = append(emptyLat, time.Since(t))
	}
	emptyListCost := emptyCost()

	var presenceLat []time.Duration
	presenceCost := b.costs.since("POST /v1/me/presence")
	for range nCalls {
		t := time.Now()
		if err := b.request("POST", "/v1/me/presence", "", approver.AccessToken, http.StatusNoContent, nil); err != nil {
			return err
		}
		presenceLat = append(presenceLat, time.Since(t))
	}
	presenceCosts := presenceCost()

	var loginLat, chainLat, afterLat, chainPollLat, pendingLat, approveLat, collectLat []time.Duration
	var pendingCost, collectCost cost
	loginCost := b.costs.since("POST /v1/login/password")
	chainPollCost := b.costs.since("GET /v1/device-approvals")
	approveCost := b.costs.since("POST /v1/device-approvals/{id}/approve")
	jobCost := b.costs.since("/_push/approvals")
	for i := range nApprovals {
		ticket, err := b.plantedTicket(ctx, requesterEmail)
		if err != nil {
			return err
		}
		// The approver's list is empty (every earlier request is
		// decided): the first entry it shows is this login's.
		type seen struct {
			ids []string
			at  time.Time
			err error
		}
		got := make(chan seen, 1)
		stop := make(chan struct{})
		go func() {
			for {
				t := time.Now()
				p, err := list()
				if err != nil {
					got <- seen{err: err}
					return
				}
				chainPollLat = append(chainPollLat, time.Since(t))
				if len(p.Approvals) > 0 {
					s := seen{at: time.Now()}
					for _, a := range p.Approvals {
						s.ids = append(s.ids, a.ApprovalID)
					}
					got <- s
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(pollEvery):
				}
			}
		}()
		var ap benchApproval
		t := time.Now()
		err = b.request("POST", "/v1/login/password", fmt.Sprintf(`{"loginTicket":%q,"workspaceId":%q,"email":%q,"password":"correct horse battery","device":{"name":"bench phone %d","platform":"ios"}}`,
			ticket, workspace, requesterEmail, i), "", http.StatusAccepted, &ap)
		if err != nil {
			close(stop)
			return err
		}
		loginLat = append(loginLat, time.Since(t))
		var s seen
		select {
		case s = <-got:
		case <-time.After(30 * time.Second):
			close(stop)
			return fmt.Errorf("devices: request %d not listed for the approver within 30s", i)
		}
		if s.err != nil {
			return s.err
		}
		if !slices.Equal(s.ids, []string{ap.ApprovalID}) {
			return fmt.Errorf("devices: the approver lists %v, want [%s]", s.ids, ap.ApprovalID)
		}
		chainLat = append(chainLat, s.at.Sub(t))
		afterLat = append(afterLat, s.at.Sub(t)-loginLat[len(loginLat)-1])

		pollPath := "/v1/device-approvals/" + ap.ApprovalID + "?pollToken=" + ap.PollToken
		var p benchPoll
		c := b.costs.since("GET /v1/device-approvals/{id}")
		t = time.Now()
		if err := b.request("GET", pollPath, "", "", http.StatusOK, &p); err != nil {
			return err
		}
		pendingLat = append(pendingLat, time.Since(t))
		pendingCost = pendingCost.add(c())
		if p.Status != "pending" {
			return fmt.Errorf("devices: poll before the decision = %q", p.Status)
		}

		t = time.Now()
		if err := b.request("POST", "/v1/device-approvals/"+ap.ApprovalID+"/approve", fmt.Sprintf(`{"matchCode":%q}`, ap.MatchCode), approver.AccessToken, http.StatusOK, nil); err != nil {
			return err
		}
		approveLat = append(approveLat, time.Since(t))

		p = benchPoll{}
		c = b.costs.since("GET /v1/device-approvals/{id}")
		t = time.Now()
		if err := b.request("GET", pollPath, "", "", http.StatusOK, &p); err != nil {
			return err
		}
		collectLat = append(collectLat, time.Since(t))
		collectCost = collectCost.add(c())
		if p.Status != "approved" || p.Session == nil {
			return fmt.Errorf("devices: poll after approval = %+v", p)
		}
	}
	logins, chainPolls, approves, jobs := loginCost(), chainPollCost(), approveCost(), jobCost()

	// The approver's notifications stay until their requests expire (10
	// minutes), decided or not, but the list reads only the requests still
	// pending: 25 decided cost what none asked costs.
	var decidedLat []time.Duration
	decidedCost := b.costs.since("GET /v1/device-approvals")
	for range nCalls {
		t := time.Now()
		p, err := list()
		if err != nil {
			return err
		}
		if len(p.Approvals) != 0 {
			return fmt.Errorf("devices: %d requests still listed after all were approved", len(p.Approvals))
		}
		decidedLat = append(decidedLat, time.Since(t))
	}

	costRow("POST /v1/login/password (new device, 202)", loginLat, logins)
	costRow("GET /v1/device-approvals (nothing asked)", emptyLat, emptyListCost)
	costRow("GET /v1/device-approvals (polls in chain)", chainPollLat, chainPolls)
	costRow(fmt.Sprintf("GET /v1/device-approvals (%d decided <10min)", nApprovals), decidedLat, decidedCost())
	costRow("POST /v1/device-approvals/{id}/approve", approveLat, approves)
	costRow("GET /v1/device-approvals/{id} (pending)", pendingLat, pendingCost)
	costRow("GET /v1/device-approvals/{id} (collects)", collectLat, collectCost)
	costRow("POST /v1/me/presence", presenceLat, presenceCosts)
	opsRow("approvals job (per run, 2 asked)", jobs.n, jobs.reads(), jobs.writes())

	fmt.Println("\nchains (login request → request listed for a member online)")
	row("new-device login → approver's list", chainLat, -1, -1)
	row("  of which: after the 202 answer", afterLat, -1, -1)
	fmt.Printf("  floor: publish→push p50 %s (the login awaits its publish, so part of it falls before the 202);\n"+
		"  the approver polled every %s (+ the poll's own latency)\n", ms(pushFloor), pollEvery)
	return nil
}

// firstLogin creates a workspace, verifies its owner and logs them in on
// their first device (which that makes trusted).
func (b *bench) firstLogin(ctx context.Context, workspace, email string) (benchSession, error) {
	var s benchSession
	wait := b.arrivals.expect(email)
	body := fmt.Sprintf(`{"workspaceId":%q,"name":"Bench devices","owner":{"name":"Devices %s","email":%q,"password":"correct horse battery"}}`, workspace, workspace, email)
	if err := b.do("POST", "/v1/workspaces", body, http.StatusAccepted); err != nil {
		return s, err
	}
	m, _, err := wait()
	if err != nil {
		return s, err
	}
	tok, err := token(m, "/verify-email/")
	if err != nil {
		return s, err
	}
	if err := b.do("POST", "/v1/email-verifications", fmt.Sprintf(`{"token":%q}`, tok), http.StatusOK); err != nil {
		return s, err
	}
	ticket, err := b.plantedTicket(ctx, email)
	if err != nil {
		return s, err
	}
	err = b.request("POST", "/v1/login/password", fmt.Sprintf(`{"loginTicket":%q,"workspaceId":%q,"email":%q,"password":"correct horse battery","device":{"name":"bench laptop","platform":"linux"}}`,
		ticket, workspace, email), "", http.StatusOK, &s)
	return s, err
}

// addMember makes an account an active member of a workspace, in the
// shape of an existing member's document (no invite flow: the bench times
// F9, not F2).
func (b *bench) addMember(ctx context.Context, workspace, like, accountID, email string) error {
	fs := b.s.Deps.Store.Firestore()
	members := fs.Collection("workspaces").Doc(workspace).Collection("members")
	snap, err := members.Doc(like).Get(ctx)
	if err != nil {
		return err
	}
	m := snap.Data()
	m["accountId"], m["name"], m["email"], m["role"], m["permissions"] = accountID, "Requester", email, "member", []string{}
	_, err = members.Doc(accountID).Create(ctx, m)
	return err
}

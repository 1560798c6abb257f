package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/test/client"
)

// extras are the flows mixed in every ExtraEvery, in turn.
var extras = []struct {
	name string
	run  func(w *world, ctx context.Context, ws *workspace, n int64) error
}{
	{"new-device approval", (*world).approval},
	{"invite sign-up and password reset", (*world).inviteSignup},
	{"registration by an admin", (*world).registration},
	{"workspace sign-up", (*world).workspaceSignup},
}

// phone is the device of a new-device login.
var phone = client.Device{Name: "load phone", Platform: "ios"}

// approval logs a member in from a new device (F9): the login waits for
// approval, the device nudges a colleague every other time, the member's
// first device sees the request and approves it with the match code, and
// the new device's poll collects its session, calls once and logs out.
func (w *world) approval(ctx context.Context, ws *workspace, n int64) error {
	m := w.idleMember(ws, int(n), func(m *member) bool { return m.streamer })
	if m == nil {
		return nil
	}
	defer m.busy.Store(false)
	ticket, err := m.ticket(ctx)
	if err != nil {
		return err
	}
	var a client.Approval
	body := map[string]any{"loginTicket": ticket, "workspaceId": ws.id, "email": m.email, "password": m.password, "device": phone}
	if _, err := w.c.Want(ctx, "POST /v1/login/password", "/v1/login/password", "", body, &a, http.StatusAccepted); err != nil {
		return err
	}
	if n%2 == 0 {
		col := m.colleague()
		t := time.Now()
		_, err := w.c.Want(ctx, "POST /v1/device-approvals/{id}/nudge", "/v1/device-approvals/"+a.ApprovalID+"/nudge", "",
			map[string]string{"pollToken": a.PollToken, "memberId": col.accountID}, nil, http.StatusAccepted)
		w.ledger.expectMail(col.email, mail.Nudge, t, err)
		if err != nil {
			return err
		}
	}
	// The approvals job asks the member's trusted device.
	listed := false
	for deadline := time.Now().Add(5 * time.Minute); !listed && time.Now().Before(deadline) && ctx.Err() == nil; {
		var out struct {
			Approvals []struct {
				ApprovalID string `json:"approvalId"`
			} `json:"approvals"`
		}
		if _, err := m.call(ctx, "GET /v1/device-approvals", "/v1/device-approvals", nil, &out, true, http.StatusOK); err != nil {
			return err
		}
		for _, p := range out.Approvals {
			listed = listed || p.ApprovalID == a.ApprovalID
		}
		if !listed {
			sleep(ctx, 500*time.Millisecond)
		}
	}
	if !listed {
		return fmt.Errorf("approval %s never listed for the member's first device", a.ApprovalID)
	}
	t := time.Now()
	_, err = m.call(ctx, "POST /v1/device-approvals/{id}/approve", "/v1/device-approvals/"+a.ApprovalID+"/approve",
		map[string]string{"matchCode": a.MatchCode}, nil, false, http.StatusOK)
	w.ledger.expectMail(m.email, mail.DeviceApproved, t, err)
	if err != nil {
		return err
	}
	var poll struct {
		Status  string          `json:"status"`
		Session *client.Session `json:"session"`
	}
	path := "/v1/device-approvals/" + a.ApprovalID + "?pollToken=" + url.QueryEscape(a.PollToken)
	if _, err := w.c.Want(ctx, "GET /v1/device-approvals/{id}", path, "", nil, &poll, http.StatusOK); err != nil {
		return err
	}
	if poll.Status != "approved" || poll.Session == nil || poll.Session.DeviceToken == "" {
		return fmt.Errorf("approval %s: the poll after approval answered %q without a session and device token", a.ApprovalID, poll.Status)
	}
	if _, err := w.c.Want(ctx, "GET /v1/me", "/v1/me", poll.Session.AccessToken, nil, nil, http.StatusOK); err != nil {
		return err
	}
	_, err = w.c.Want(ctx, "POST /v1/logout", "/v1/logout", poll.Session.AccessToken, nil, nil, http.StatusNoContent)
	return err
}

// newPassword is what an invitee's password reset sets.
const newPassword = "another horse battery staple"

// inviteSignup signs a new member up through the workspace's invite link
// (F2), verifies the address, resets the password (F8), logs in with the
// new one and greets the owner in a direct room.
func (w *world) inviteSignup(ctx context.Context, ws *workspace, n int64) error {
	m := w.newcomer(ws, n, "invitee")
	if _, err := w.c.Want(ctx, "GET /v1/invites/{token}", "/v1/invites/"+ws.inviteToken, "", nil, nil, http.StatusOK); err != nil {
		return err
	}
	before := w.inbox.count(m.email)
	t := time.Now()
	_, err := w.c.Want(ctx, "POST /v1/invites/{token}/accept", "/v1/invites/"+ws.inviteToken+"/accept", "",
		map[string]string{"name": m.name, "email": m.email, "password": m.password}, nil, http.StatusAccepted)
	w.ledger.expectMail(m.email, mail.VerifyEmail, t, err)
	if err != nil {
		return err
	}
	msg, err := w.waitMail(ctx, m.email, before, mail.VerifyEmail)
	if err != nil {
		return err
	}
	token, err := client.LinkToken(msg, mail.VerifyEmailPage)
	if err != nil {
		return err
	}
	var v struct {
		AccountID string `json:"accountId"`
	}
	t = time.Now()
	_, err = w.c.Want(ctx, "POST /v1/email-verifications", "/v1/email-verifications", "", map[string]string{"token": token}, &v, http.StatusOK)
	w.ledger.expectMail(m.email, mail.Joined, t, err)
	if err != nil {
		return err
	}
	w.addMember(m, v.AccountID)

	before = w.inbox.count(m.email)
	t = time.Now()
	_, err = w.c.Want(ctx, "POST /v1/password-resets", "/v1/password-resets", "", map[string]string{"name": m.name, "email": m.email}, nil, http.StatusAccepted)
	w.ledger.expectMail(m.email, mail.PasswordReset, t, err)
	if err != nil {
		return err
	}
	if msg, err = w.waitMail(ctx, m.email, before, mail.PasswordReset); err != nil {
		return err
	}
	if token, err = client.LinkToken(msg, mail.PasswordResetPage); err != nil {
		return err
	}
	t = time.Now()
	_, err = w.c.Want(ctx, "POST /v1/password-resets/confirm", "/v1/password-resets/confirm", "", map[string]string{"token": token, "password": newPassword}, nil, http.StatusOK)
	w.ledger.expectMail(m.email, mail.PasswordChanged, t, err)
	if err != nil {
		return err
	}
	m.password = newPassword

	if err := m.login(ctx); err != nil {
		return err
	}
	if _, err := m.createRoom(ctx, "direct", []string{ws.owner.accountID}, ""); err != nil {
		return err
	}
	return m.post(ctx)
}

// registration registers a new member as the owner (F3); the member sets
// a password from the mail.
func (w *world) registration(ctx context.Context, ws *workspace, n int64) error {
	return w.register(ctx, ws, w.newcomer(ws, n, "registered"))
}

// workspaceSignup signs a new workspace up (F1) and verifies its owner.
func (w *world) workspaceSignup(ctx context.Context, ws *workspace, n int64) error {
	id := fmt.Sprintf("%s-new-%d", ws.id, n)
	return w.signup(ctx, id, "New "+id, "Founder "+id, "founder."+id+"@load.example")
}

// newcomer is a member who joins during the run (not one of the base
// members the mix picks).
func (w *world) newcomer(ws *workspace, n int64, kind string) *member {
	m := &member{w: w, ws: ws, idx: -1, name: fmt.Sprintf("%s %d", kind, n), password: password, seen: map[string]int64{}}
	m.email = fmt.Sprintf("%s%d.%s@load.example", kind, n, ws.id)
	m.rnd = rand.New(rand.NewPCG(uint64(w.cfg.Seed), uint64(1_000_000+n)))
	return m
}

// idleMember takes a logged-in member of the workspace who is doing
// nothing (and that ok takes), marking them busy; nil if none.
func (w *world) idleMember(ws *workspace, from int, ok func(*member) bool) *member {
	ms := ws.members[1:]
	for i := range ms {
		m := ms[(from+i)%len(ms)]
		if m.loggedIn.Load() && ok(m) && m.busy.CompareAndSwap(false, true) {
			return m
		}
	}
	return nil
}

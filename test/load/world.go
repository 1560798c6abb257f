package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/test/client"
)

// password is every virtual member's password.
const password = "correct horse battery staple"

// world is what the generator made and knows: workspaces, members,
// rooms, and the ledger of what it caused.
type world struct {
	cfg     config
	c       *client.Client
	inbox   *inbox
	ledger  *ledger
	streams *http.Client
	// streamCtx ends the live streams (after the effects have settled).
	streamCtx context.Context
	counters  *counters

	workspaces []*workspace
	members    []*member // the base members, owners first in each workspace

	mu        sync.Mutex
	rooms     map[string]*room
	byAccount map[string]*member
	// seq numbers what the generator names (addresses, client message IDs).
	seq atomic.Int64
}

type workspace struct {
	id, name    string
	owner       *member
	members     []*member
	inviteToken string
	groups      []*room
}

// room is a room the generator created or joined.
type room struct {
	id, typ string
	ws      *workspace
	members []*member
}

func newWorld(cfg config, c *client.Client, in *inbox) *world {
	return &world{
		cfg: cfg, c: c, inbox: in, ledger: newLedger(),
		streams: client.StreamClient(cfg.Members + 16),
		rooms:   map[string]*room{}, byAccount: map[string]*member{}, counters: newCounters(),
	}
}

func (w *world) next() int64 { return w.seq.Add(1) }

// setup creates the workspaces (each owner signs up, verifies and logs
// in), registers the other members through the API (the owner registers,
// the member sets a password from the mail), and the group rooms.
func (w *world) setup(ctx context.Context, rnd *rand.Rand) error {
	per := w.cfg.Members / w.cfg.Workspaces
	for i := range w.cfg.Workspaces {
		ws := &workspace{id: fmt.Sprintf("load-%d-%d", time.Now().Unix()%100000, i), name: fmt.Sprintf("Load %d", i)}
		w.workspaces = append(w.workspaces, ws)
		n := per
		if i == w.cfg.Workspaces-1 {
			n = w.cfg.Members - per*(w.cfg.Workspaces-1)
		}
		for j := range n {
			m := &member{w: w, ws: ws, idx: len(w.members), name: fmt.Sprintf("Member %d-%d", i, j), password: password, seen: map[string]int64{}}
			m.email = fmt.Sprintf("m%d-%d.%s@load.example", i, j, ws.id)
			m.rnd = rand.New(rand.NewPCG(uint64(w.cfg.Seed), uint64(m.idx)))
			ws.members = append(ws.members, m)
			w.members = append(w.members, m)
		}
		ws.owner = ws.members[0]
	}
	// The shares of streaming and mobile members, spread over the
	// workspaces; owners stream (they approve and register).
	for _, m := range w.members {
		switch x := rnd.Float64(); {
		case m == m.ws.owner || x < w.cfg.Streams:
			m.streamer = true
		case x < w.cfg.Streams+w.cfg.Mobile:
			m.mobile = true
			m.pushToken = fmt.Sprintf("load-push-%d", m.idx)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	for _, ws := range w.workspaces {
		g.Go(func() error { return w.createWorkspace(gctx, ws) })
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("set-up: workspaces: %w", err)
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, ws := range w.workspaces {
		for _, m := range ws.members[1:] {
			g.Go(func() error { return w.register(gctx, ws, m) })
		}
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("set-up: members: %w", err)
	}
	for _, ws := range w.workspaces {
		if err := w.createGroups(ctx, ws, rnd); err != nil {
			return fmt.Errorf("set-up: rooms: %w", err)
		}
		var link struct {
			Token string `json:"token"`
		}
		if _, err := w.c.Want(ctx, "POST /v1/workspaces/{ws}/invite-links", "/v1/workspaces/"+ws.id+"/invite-links",
			ws.owner.token(), map[string]any{"expiresInHours": 24}, &link, http.StatusCreated); err != nil {
			return fmt.Errorf("set-up: invite link: %w", err)
		}
		ws.inviteToken = link.Token
	}
	return nil
}

// createWorkspace signs a workspace up (F1), verifies its owner, and logs
// the owner in on their first device.
func (w *world) createWorkspace(ctx context.Context, ws *workspace) error {
	o := ws.owner
	if err := w.signup(ctx, ws.id, ws.name, o.name, o.email); err != nil {
		return err
	}
	w.addMember(o, "")
	return o.login(ctx)
}

// signup creates a workspace and verifies its owner's e-mail (F1, F4).
func (w *world) signup(ctx context.Context, wsID, wsName, name, email string) error {
	before := w.inbox.count(email)
	t := time.Now()
	_, err := w.c.Want(ctx, "POST /v1/workspaces", "/v1/workspaces", "", map[string]any{
		"workspaceId": wsID, "name": wsName, "owner": map[string]string{"name": name, "email": email, "password": password},
	}, nil, http.StatusAccepted)
	w.ledger.expectMail(email, mail.VerifyEmail, t, err)
	if err != nil {
		return err
	}
	m, err := w.waitMail(ctx, email, before, mail.VerifyEmail)
	if err != nil {
		return err
	}
	token, err := client.LinkToken(m, mail.VerifyEmailPage)
	if err != nil {
		return err
	}
	t = time.Now()
	_, err = w.c.Want(ctx, "POST /v1/email-verifications", "/v1/email-verifications", "", map[string]string{"token": token}, nil, http.StatusOK)
	w.ledger.expectMail(email, mail.Joined, t, err)
	return err
}

// register registers a member by e-mail (F3) as the workspace's owner,
// and sets the password from the mail it gets (F4's joined mail
// follows).
func (w *world) register(ctx context.Context, ws *workspace, m *member) error {
	var out struct {
		MemberID string `json:"memberId"`
	}
	before := w.inbox.count(m.email)
	t := time.Now()
	_, err := w.c.Want(ctx, "POST /v1/workspaces/{ws}/members", "/v1/workspaces/"+ws.id+"/members", ws.owner.token(),
		map[string]string{"email": m.email, "name": m.name}, &out, http.StatusCreated)
	w.ledger.expectMail(m.email, mail.SetPassword, t, err)
	if err != nil {
		return err
	}
	msg, err := w.waitMail(ctx, m.email, before, mail.SetPassword)
	if err != nil {
		return err
	}
	token, err := client.LinkToken(msg, mail.SetPasswordPage)
	if err != nil {
		return err
	}
	t = time.Now()
	_, err = w.c.Want(ctx, "POST /v1/password-setups", "/v1/password-setups", "", map[string]string{"token": token, "password": password}, nil, http.StatusOK)
	w.ledger.expectMail(m.email, mail.Joined, t, err)
	if err != nil {
		return err
	}
	w.addMember(m, out.MemberID)
	return nil
}

// addMember indexes a member by account (known once registered, or once
// logged in for an owner).
func (w *world) addMember(m *member, accountID string) {
	if accountID == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	m.accountID = accountID
	w.byAccount[accountID] = m
}

// teamSize is the size of the teams a workspace is split into; each
// member is in one team, in the all-hands room, and some in a project.
const teamSize = 8

// createGroups has the owner create the workspace's group rooms: an
// all-hands room of everyone, a room per team (every member in one), and
// two projects of five members picked across teams.
func (w *world) createGroups(ctx context.Context, ws *workspace, rnd *rand.Rand) error {
	others := append([]*member(nil), ws.members[1:]...)
	ids := func(ms []*member) []string {
		out := make([]string, 0, len(ms))
		for _, m := range ms {
			out = append(out, m.accountID)
		}
		return out
	}
	groups := [][]*member{others}
	rnd.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })
	for i := 0; i < len(others); i += teamSize {
		groups = append(groups, others[i:min(i+teamSize, len(others))])
	}
	for range 2 {
		rnd.Shuffle(len(others), func(a, b int) { others[a], others[b] = others[b], others[a] })
		groups = append(groups, others[:min(4, len(others))])
	}
	for i, g := range groups {
		name := fmt.Sprintf("Team %d", i)
		if i == 0 {
			name = "All hands"
		}
		r, err := ws.owner.createRoom(ctx, "group", ids(g), name)
		if err != nil {
			return err
		}
		ws.groups = append(ws.groups, r)
	}
	return nil
}

// roomFrom registers a room the API answered (once per ID) with its
// members, and returns it.
func (w *world) roomFrom(ws *workspace, id, typ string, memberIDs []string) *room {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r, ok := w.rooms[id]; ok {
		return r
	}
	r := &room{id: id, typ: typ, ws: ws}
	for _, acc := range memberIDs {
		if m, ok := w.byAccount[acc]; ok {
			r.members = append(r.members, m)
			m.rooms = append(m.rooms, r)
		}
	}
	w.rooms[id] = r
	return r
}

// waitMail waits (up to 5 minutes: a fault delays mail) for a mail of a
// template to an address, from its after-th mail on.
func (w *world) waitMail(ctx context.Context, to string, after int, template string) (mailsink.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return w.inbox.wait(ctx, to, after, func(m mailsink.Message) bool { return templateOf(m.Subject) == template })
}

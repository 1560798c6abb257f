package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/test/client"
)

// member is one virtual member: an account in one workspace, logged in on
// one trusted device, with a live stream open (streamer) or a push token
// (mobile) or neither.
type member struct {
	w           *world
	ws          *workspace
	idx         int
	name, email string
	password    string
	accountID   string
	streamer    bool
	mobile      bool
	pushToken   string

	// busy is held while one of the member's actions runs: a member does
	// one thing at a time (its refresh token rotates). rnd and seen are
	// used under it.
	busy atomic.Bool
	rnd  *rand.Rand
	seen map[string]int64 // the last seq read, by room

	mu          sync.Mutex
	sess        client.Session
	deviceToken string
	pushSince   time.Time // when the push token was registered
	loggedIn    atomic.Bool

	rooms []*room // under world.mu
	live  *liveState
}

func (m *member) token() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess.AccessToken
}

func (m *member) session() client.Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess
}

func (m *member) setSession(s client.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sess = s
	if s.DeviceToken != "" {
		m.deviceToken = s.DeviceToken
	}
}

// roomList returns the member's rooms.
func (m *member) roomList() []*room {
	m.w.mu.Lock()
	defer m.w.mu.Unlock()
	return append([]*room(nil), m.rooms...)
}

// call makes a call as the member and wants one of the statuses given.
// An idempotent call is tried again, as a careful client would, when it
// is answered 5xx (after Retry-After if given) or not at all: up to 5
// times.
func (m *member) call(ctx context.Context, route, path string, body, out any, idempotent bool, want ...int) (client.Response, error) {
	for attempt := 0; ; attempt++ {
		r, err := m.w.c.Want(ctx, route, path, m.token(), body, out, want...)
		if err == nil || !idempotent || attempt >= 5 || ctx.Err() != nil || !retryable(r, err) {
			return r, err
		}
		sleep(ctx, backoff(r, attempt))
	}
}

// retryable reports whether a failed call may succeed if sent again: no
// answer, a 5xx, or a 429 with Retry-After.
func retryable(r client.Response, err error) bool {
	var se *client.StatusError
	if !errors.As(err, &se) {
		return true // no answer
	}
	return r.Status >= 500 || r.Retryable()
}

// backoff is the wait before attempt+1: Retry-After if the answer set
// it, else half a second doubling.
func backoff(r client.Response, attempt int) time.Duration {
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s)*time.Second + time.Duration(rand.IntN(250))*time.Millisecond
	}
	return 500 * time.Millisecond << attempt
}

// answered reports whether err is an answer other than the one wanted,
// below 500: the call was refused and had no effect.
func answered(err error) bool {
	var se *client.StatusError
	return errors.As(err, &se) && se.Status < 500
}

// laptop is the device each member first logs in on.
var laptop = client.Device{Name: "load laptop", Platform: "linux"}

// login logs the member in (F5): a code by mail, the ticket, the password
// with the device's token if it has one. The first device is trusted at
// once. Then it registers the push token (mobile) or opens the live
// stream (streamer) if not yet done. A failed attempt is tried again.
func (m *member) login(ctx context.Context) error {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			sleep(ctx, 2*time.Second)
		}
		if err = m.tryLogin(ctx); err == nil {
			break
		}
	}
	if err != nil {
		m.w.ledger.abort("login")
		return fmt.Errorf("login of %s: %w", m.email, err)
	}
	if m.mobile && m.pushSince.IsZero() {
		path := "/v1/me/devices/" + m.session().DeviceID + "/push-token"
		if _, err := m.call(ctx, "PUT /v1/me/devices/{deviceId}/push-token", path, map[string]string{"provider": "fcm", "token": m.pushToken}, nil, true, http.StatusNoContent); err != nil {
			return fmt.Errorf("push token of %s: %w", m.email, err)
		}
		m.mu.Lock()
		m.pushSince = time.Now()
		m.mu.Unlock()
	}
	if m.streamer && m.live == nil {
		m.live = newLiveState()
		go m.stream(m.w.streamCtx)
		m.live.awaitOpen(ctx)
	}
	return nil
}

func (m *member) tryLogin(ctx context.Context) error {
	ticket, err := m.ticket(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	deviceToken := m.deviceToken
	m.mu.Unlock()
	var s client.Session
	body := map[string]any{"loginTicket": ticket, "workspaceId": m.ws.id, "email": m.email, "password": m.password, "device": laptop}
	if deviceToken != "" {
		body["deviceToken"] = deviceToken
	}
	if _, err := m.w.c.Want(ctx, "POST /v1/login/password", "/v1/login/password", "", body, &s, http.StatusOK); err != nil {
		return err
	}
	m.setSession(s)
	if m.accountID == "" {
		m.w.addMember(m, s.AccountID)
	}
	m.loggedIn.Store(true)
	return nil
}

// ticket runs F5's first two steps: a code by mail, then the ticket.
func (m *member) ticket(ctx context.Context) (string, error) {
	before := m.w.inbox.count(m.email)
	t := time.Now()
	_, err := m.w.c.Want(ctx, "POST /v1/login/email-code", "/v1/login/email-code", "", map[string]string{"email": m.email}, nil, http.StatusAccepted)
	m.w.ledger.expectMail(m.email, mail.LoginCode, t, err)
	if err != nil {
		return "", err
	}
	msg, err := m.w.waitMail(ctx, m.email, before, mail.LoginCode)
	if err != nil {
		return "", err
	}
	code := client.LoginCode(msg)
	var tk struct {
		LoginTicket string `json:"loginTicket"`
	}
	_, err = m.w.c.Want(ctx, "POST /v1/login/email-code/verify", "/v1/login/email-code/verify", "",
		map[string]string{"email": m.email, "code": code}, &tk, http.StatusOK)
	return tk.LoginTicket, err
}

// refresh rotates the session's tokens (F10). If the answer is lost (no
// answer, 5xx) the server may have rotated them already, and the same
// refresh token sent again is a reuse that ends the session: the member
// then logs in again on its trusted device, as an app would.
func (m *member) refresh(ctx context.Context) error {
	rt := m.session().RefreshToken
	var s client.Session
	_, err := m.w.c.Want(ctx, "POST /v1/token/refresh", "/v1/token/refresh", "", map[string]string{"refreshToken": rt}, &s, http.StatusOK)
	if err == nil {
		m.setSession(s)
		return nil
	}
	if answered(err) {
		return err
	}
	m.w.counters.add("refresh answers lost: logged in again", 1)
	return m.login(ctx)
}

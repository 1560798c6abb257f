package main

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/workgate/workgate/test/client"
)

// liveState is what a member's live stream delivered, over all its
// connections: each reconnect resumes after the last event ID, so each
// message and notification should come exactly once.
type liveState struct {
	mu       sync.Mutex
	opened   time.Time // when the first connection's answer came
	openedCh chan struct{}
	lastID   string
	up       bool
	messages map[string]int // by message ID
	notes    map[string]int // by notification ID
	// reconnects counts the connections after the first; resets the
	// reset events (the cursor was unknown: events may be lost);
	// revoked the session_revoked events; openErrors the connections
	// refused or failed.
	reconnects, resets, revoked, openErrors int
	// ends counts why connections ended (the server ended it, or the
	// error).
	ends map[string]int
}

func newLiveState() *liveState {
	return &liveState{openedCh: make(chan struct{}), messages: map[string]int{}, notes: map[string]int{}, ends: map[string]int{}}
}

// awaitOpen waits until the first connection is open (or 30 s).
func (l *liveState) awaitOpen(ctx context.Context) {
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-l.openedCh:
	case <-ctx.Done():
	case <-t.C:
	}
}

// stream keeps the member's live stream open until ctx ends: when the
// server ends it or the connection breaks, it opens it again with the
// last event ID, as API.md asks of clients.
func (m *member) stream(ctx context.Context) {
	l := m.live
	for first := true; ctx.Err() == nil; first = false {
		l.mu.Lock()
		last := l.lastID
		l.mu.Unlock()
		s, err := client.Open(ctx, m.w.streams, m.w.c.Base, m.token(), last, l.event)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			l.mu.Lock()
			l.openErrors++
			l.mu.Unlock()
			wait := time.Second
			var se *client.StatusError
			if errors.As(err, &se) {
				wait = backoff(se.Response, 1)
			}
			sleep(ctx, wait)
			continue
		}
		l.mu.Lock()
		if l.opened.IsZero() {
			l.opened = time.Now()
			close(l.openedCh)
		}
		if !first {
			l.reconnects++
		}
		l.up = true
		l.mu.Unlock()
		select {
		case <-s.Done():
		case <-ctx.Done():
			s.Close()
			return
		}
		why := "ended by the server"
		if s.Err() != nil {
			why = shortErr(s.Err())
		}
		l.mu.Lock()
		l.up = false
		l.ends[why]++
		l.mu.Unlock()
		sleep(ctx, 200*time.Millisecond)
	}
}

// event records one event.
func (l *liveState) event(ev client.Event) {
	var data struct {
		MessageID      string `json:"messageId"`
		NotificationID string `json:"notificationId"`
	}
	_ = json.Unmarshal([]byte(ev.Data), &data)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ev.ID != "" {
		l.lastID = ev.ID
	}
	switch ev.Name {
	case "message":
		l.messages[data.MessageID]++
	case "notification":
		l.notes[data.NotificationID]++
	case "reset":
		l.resets++
	case "session_revoked":
		l.revoked++
	}
}

// seen is how often the stream delivered a message, and when it was
// first opened.
func (l *liveState) seen(messageID string) (int, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.messages[messageID], l.opened
}

// Package mailsink is a local stand-in for SendGrid and for Firebase Cloud
// Messaging. It accepts POST /v3/mail/send exactly as SendGrid's v3 API does
// (same validation, same error shape, 202 with X-Message-Id) and
// POST /v1/projects/{project}/messages:send as FCM HTTP v1 does (same
// validation, same google.rpc.Status errors, UNREGISTERED for tokens that
// start with "invalid-"), delivers nothing, and keeps every accepted mail
// and push so that tests and developers can read them, through
// GET /api/messages and GET /api/pushes, an HTML inbox at /, or the Go API
// of Sink.
package mailsink

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxMessages and maxPushes bound memory in long local runs; the oldest
// mails and pushes go first.
const (
	maxMessages = 10_000
	maxPushes   = 10_000
)

// Message is one delivered mail: one per personalization of a send request,
// addressed to all of its to, cc and bcc recipients.
type Message struct {
	// ID is the request's X-Message-Id followed by ".N", N being the index of
	// the personalization, like SendGrid's sg_message_id.
	ID      string   `json:"id"`
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	// Text is the text/plain content, HTML the text/html content.
	Text string `json:"text"`
	HTML string `json:"html"`
	// Links are the absolute http(s) URLs in Text and in the href attributes
	// of HTML, deduplicated, in order of first appearance.
	Links      []string  `json:"links"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Sink is the mail sink. It is an http.Handler and is safe for concurrent
// use. The zero value is not usable; call New.
type Sink struct {
	mux *http.ServeMux

	mu        sync.Mutex
	msgs      []Message     // oldest first
	pushes    []Push        // oldest first
	changed   chan struct{} // closed and replaced whenever msgs or pushes grow
	onReceive func(Message)
	onPush    func(Push)
	// refuseUntil, while in the future, makes the SendGrid API answer 500
	// (an outage of SendGrid, for load and fault tests).
	refuseUntil time.Time
	refused     int
}

// LinkPath returns what follows pathPrefix in the path of the first link
// whose path starts with it (the token of a verification link, say).
func (m Message) LinkPath(pathPrefix string) (string, bool) {
	for _, l := range m.Links {
		if u, err := url.Parse(l); err == nil && strings.HasPrefix(u.Path, pathPrefix) {
			return strings.TrimPrefix(u.Path, pathPrefix), true
		}
	}
	return "", false
}

// New returns an empty sink.
func New() *Sink {
	s := &Sink{changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle("POST /v3/mail/send", handle(s.send))
	mux.Handle("GET /api/messages", handle(s.list))
	mux.Handle("DELETE /api/messages", handle(s.deleteAll))
	mux.Handle("GET /{$}", handle(s.inbox))
	mux.Handle("GET /messages/{id}", handle(s.message))
	mux.Handle("POST /v1/projects/{project}/messages:send", handle(s.sendPush))
	mux.Handle("GET /api/pushes", handle(s.listPushes))
	mux.Handle("DELETE /api/pushes", handle(s.deletePushes))
	s.mux = mux
	return s
}

// ServeHTTP serves the SendGrid API, the FCM API, the messages and pushes
// APIs and the inbox pages.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// SetOnReceive sets a function called, synchronously and after storing, for
// each stored message, before the sender gets its answer. Set it before
// serving; nil removes it.
func (s *Sink) SetOnReceive(f func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReceive = f
}

// RefuseMail makes POST /v3/mail/send answer 500, as SendGrid does when
// it fails on its side, until the time given (a time past ends it at
// once): the senders must try again later. Refused mails are not stored.
func (s *Sink) RefuseMail(until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseUntil = until
}

// Refused is how many send requests RefuseMail has refused.
func (s *Sink) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// refusing reports whether a send request is refused now, and counts it.
func (s *Sink) refusing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Now().Before(s.refuseUntil) {
		s.refused++
		return true
	}
	return false
}

// Messages returns the messages to the address to, compared
// case-insensitively after trimming, newest first. An empty to returns all.
func (s *Sink) Messages(to string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matchLocked(to)
}

// Reset forgets every message.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.msgs)
	s.msgs = nil
}

// Wait blocks until at least n messages to the address to exist (all
// messages if to is empty) or ctx ends. It returns the messages newest
// first; when ctx ends first, it returns those there are and an error.
func (s *Sink) Wait(ctx context.Context, to string, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		msgs := s.matchLocked(to)
		changed := s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return msgs, fmt.Errorf("mailsink.Wait: %d of %d messages to %q: %w", len(msgs), n, to, context.Cause(ctx))
		case <-changed:
		}
	}
}

// messageByID returns the message with the given ID.
func (s *Sink) messageByID(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return clone(m), true
		}
	}
	return Message{}, false
}

// store keeps msgs, wakes waiters and then calls the OnReceive function.
func (s *Sink) store(msgs []Message) {
	s.mu.Lock()
	s.msgs = appendBounded(s.msgs, maxMessages, msgs...)
	close(s.changed)
	s.changed = make(chan struct{})
	f := s.onReceive
	s.mu.Unlock()

	if f != nil {
		for _, m := range msgs {
			f(clone(m))
		}
	}
}

// appendBounded appends add to list and drops the oldest entries beyond
// limit, clearing them so that the collector can have them.
func appendBounded[T any](list []T, limit int, add ...T) []T {
	list = append(list, add...)
	if over := len(list) - limit; over > 0 {
		clear(list[:over])
		list = list[over:]
	}
	return list
}

func (s *Sink) matchLocked(to string) []Message {
	to = strings.TrimSpace(to)
	out := []Message{}
	for _, m := range slices.Backward(s.msgs) {
		if to == "" || slices.ContainsFunc(m.To, func(a string) bool { return strings.EqualFold(a, to) }) {
			out = append(out, clone(m))
		}
	}
	return out
}

// clone copies m's slices, so that callers cannot change stored messages.
func clone(m Message) Message {
	m.To = slices.Clone(m.To)
	m.Links = append([]string{}, m.Links...)
	return m
}

// SetOnPush sets a function called, synchronously and after storing, for
// each stored push, before the sender gets its answer. Set it before
// serving; nil removes it.
func (s *Sink) SetOnPush(f func(Push)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onPush = f
}

// Pushes returns the pushes to the device token, newest first. An empty
// token returns all.
func (s *Sink) Pushes(token string) []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matchPushesLocked(token)
}

// ResetPushes forgets every push.
func (s *Sink) ResetPushes() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.pushes)
	s.pushes = nil
}

// WaitPushes blocks until at least n pushes to the device token exist (all
// pushes if token is empty) or ctx ends. It returns the pushes newest
// first; when ctx ends first, it returns those there are and an error.
func (s *Sink) WaitPushes(ctx context.Context, token string, n int) ([]Push, error) {
	for {
		s.mu.Lock()
		pushes := s.matchPushesLocked(token)
		changed := s.changed
		s.mu.Unlock()
		if len(pushes) >= n {
			return pushes, nil
		}
		select {
		case <-ctx.Done():
			return pushes, fmt.Errorf("mailsink.WaitPushes: %d of %d pushes: %w", len(pushes), n, context.Cause(ctx))
		case <-changed:
		}
	}
}

// storePush keeps p, wakes waiters and then calls the OnPush function.
func (s *Sink) storePush(p Push) {
	s.mu.Lock()
	s.pushes = appendBounded(s.pushes, maxPushes, p)
	close(s.changed)
	s.changed = make(chan struct{})
	f := s.onPush
	s.mu.Unlock()

	if f != nil {
		f(clonePush(p))
	}
}

func (s *Sink) matchPushesLocked(token string) []Push {
	out := []Push{}
	for _, p := range slices.Backward(s.pushes) {
		if token == "" || p.Token == token {
			out = append(out, clonePush(p))
		}
	}
	return out
}

// clonePush copies p's data, so that callers cannot change stored pushes.
func clonePush(p Push) Push {
	data := make(map[string]string, len(p.Data))
	maps.Copy(data, p.Data)
	p.Data = data
	return p
}

package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/workgate/workgate/emulator/mailsink"
)

// inbox holds every mail and push the sink accepted, as they arrive
// (mailsink.Sink keeps only the last 10,000 of each): mails by
// recipient, pushes by device token and notification.
type inbox struct {
	mu      sync.Mutex
	mails   map[string][]mailsink.Message // by recipient, oldest first
	changed chan struct{}
	// copies counts each distinct mail (recipient, subject, text):
	// SendGrid has no idempotency key, so a mail sent again is a copy.
	copies map[string]int
	nMails int
	// pushes counts the pushes of each notification to each token.
	pushes map[string]map[string]int
	nPush  int
}

func newInbox() *inbox {
	return &inbox{mails: map[string][]mailsink.Message{}, changed: make(chan struct{}), copies: map[string]int{}, pushes: map[string]map[string]int{}}
}

// mail is the sink's OnReceive.
func (b *inbox) mail(m mailsink.Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, to := range m.To {
		to = strings.ToLower(to)
		b.mails[to] = append(b.mails[to], m)
		b.copies[to+"\x00"+m.Subject+"\x00"+m.Text]++
	}
	b.nMails++
	close(b.changed)
	b.changed = make(chan struct{})
}

// push is the sink's OnPush.
func (b *inbox) push(p mailsink.Push) {
	b.mu.Lock()
	defer b.mu.Unlock()
	byNote := b.pushes[p.Token]
	if byNote == nil {
		byNote = map[string]int{}
		b.pushes[p.Token] = byNote
	}
	byNote[p.Data["notificationId"]]++
	b.nPush++
}

// count is how many mails an address has received.
func (b *inbox) count(to string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.mails[strings.ToLower(to)])
}

// wait returns the first mail to an address, from its after-th on, that
// match takes, waiting for it until ctx ends.
func (b *inbox) wait(ctx context.Context, to string, after int, match func(mailsink.Message) bool) (mailsink.Message, error) {
	to = strings.ToLower(to)
	for {
		b.mu.Lock()
		ms := b.mails[to]
		changed := b.changed
		for i := after; i < len(ms); i++ {
			if match(ms[i]) {
				b.mu.Unlock()
				return ms[i], nil
			}
		}
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return mailsink.Message{}, fmt.Errorf("waiting for a mail to %s: %w", to, context.Cause(ctx))
		case <-changed:
		}
	}
}

// received is how many mails each address received, and how many of them
// were copies of one received before.
func (b *inbox) received() (byTo map[string]int, copies map[string]int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	byTo, copies = map[string]int{}, map[string]int{}
	for to, ms := range b.mails {
		byTo[to] = len(ms)
	}
	for key, n := range b.copies {
		if n > 1 {
			to, _, _ := strings.Cut(key, "\x00")
			copies[to] += n - 1
		}
	}
	return byTo, copies
}

// pushCount is how often a notification was pushed to a token.
func (b *inbox) pushCount(token, notificationID string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pushes[token][notificationID]
}

// pushDoubles is how many pushes repeated one sent before to the same
// token.
func (b *inbox) pushDoubles() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, byNote := range b.pushes {
		for _, c := range byNote {
			n += max(c-1, 0)
		}
	}
	return n
}

func (b *inbox) totals() (mails, pushes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nMails, b.nPush
}

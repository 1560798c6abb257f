package main

import (
	"strings"
	"sync"
	"time"

	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
)

// ledger is what the generator caused, to be checked at the end: the
// messages it posted and the mails its calls should send.
type ledger struct {
	mu    sync.Mutex
	posts []*post
	// mails are the mails expected, by recipient and template.
	mails map[mailKey]*expected
	// aborted counts the flows given up half-way, by kind.
	aborted map[string]int
}

type mailKey struct{ to, template string }

// expected is how many mails of one kind one address should get: at
// least Sure (their calls were answered), at most Sure+Unsure (calls that
// failed without an answer may or may not have caused theirs). Last is
// when the latest was caused.
type expected struct {
	Sure, Unsure int
	Last         time.Time
}

// post is one message posted, with what the API answered.
type post struct {
	room   *room
	sender *member
	// cmid is its clientMessageId, also in its text, in brackets.
	cmid  string
	start time.Time
	// acked: the API answered 201 or 200 with the message (its ID and
	// seq); otherwise no answer came, and the message may or may not
	// exist.
	acked     bool
	messageID string
	seq       int64
	ackedAt   time.Time
}

func newLedger() *ledger {
	return &ledger{mails: map[mailKey]*expected{}, aborted: map[string]int{}}
}

// expectMail records that a call made at t should send a mail of the
// template to an address: surely if it was answered as wanted (err nil),
// maybe if no answer or a 5xx came; not if it was refused (4xx).
func (l *ledger) expectMail(to, template string, t time.Time, err error) {
	if answered(err) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := mailKey{strings.ToLower(to), template}
	e := l.mails[k]
	if e == nil {
		e = &expected{}
		l.mails[k] = e
	}
	if err == nil {
		e.Sure++
	} else {
		e.Unsure++
	}
	if t.After(e.Last) {
		e.Last = t
	}
}

// abort counts a flow given up half-way.
func (l *ledger) abort(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.aborted[kind]++
}

// ack records the API's answer to a post.
func (l *ledger) ack(p *post, messageID string, seq int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p.acked, p.messageID, p.seq, p.ackedAt = true, messageID, seq, time.Now()
}

func (l *ledger) addPost(p *post) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.posts = append(l.posts, p)
}

// allPosts returns the posts (their fields are final once the run is
// over).
func (l *ledger) allPosts() []*post {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*post(nil), l.posts...)
}

func (l *ledger) expectedMails() map[mailKey]expected {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[mailKey]expected, len(l.mails))
	for k, e := range l.mails {
		out[k] = *e
	}
	return out
}

// templates maps each mail subject (they are fixed, per template and
// language) to its template.
var templates = func() map[string]string {
	out := map[string]string{}
	// Data with every field set, so that every template renders.
	now := time.Now()
	sample := mail.Data{
		Name: "n", WorkspaceName: "w", WorkspaceID: "w", LoginID: "x@load.example", Token: "t", InviterName: "i",
		Code: "000000", DeviceName: "d", Platform: "linux", ApprovedBy: "a", RequesterName: "r", FromName: "f", ToName: "t",
		OrgID: "o", OrgName: "o", Status: "active", ExpiresAt: now, LockedUntil: now, ChangedAt: now, At: now,
	}
	for _, t := range []string{
		mail.VerifyEmail, mail.Joined, mail.SetPassword, mail.LoginCode, mail.AccountLocked, mail.PasswordReset,
		mail.PasswordChanged, mail.DeviceApproved, mail.RecoveryLogin, mail.Nudge, mail.Delegation,
		mail.SuperAdminChanged, mail.OrgLinkDecided, mail.WorkspaceWithdrawn,
	} {
		for _, loc := range []i18n.Locale{i18n.Default, "en"} {
			m, err := mail.Render(t, loc, "x@load.example", sample, mail.URLs{Public: "http://x", App: "http://x/app/"})
			if err == nil {
				out[m.Subject] = t
			}
		}
	}
	return out
}()

// templateOf is the template of a mail by its subject ("" if unknown).
func templateOf(subject string) string { return templates[subject] }

func (l *ledger) abortedCounts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.aborted))
	for k, v := range l.aborted {
		out[k] = v
	}
	return out
}

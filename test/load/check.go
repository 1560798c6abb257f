package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/test/client"
)

// effect is one kind of effect the run caused, checked.
type effect struct {
	Name string
	// Caused is how many the generator's calls should have caused; Seen
	// how many were found exactly once.
	Caused, Seen int
	// Lost were not found (an event the Pub/Sub emulator lost when it
	// was stopped counts: the outbox publishes it again); Doubled were
	// found more than once.
	Lost, Doubled int
	// Strict effects fail the run when lost or doubled; the others are
	// reported (a mail sent twice: SendGrid has no idempotency key).
	Strict bool
	Notes  []string
}

func (e *effect) note(format string, args ...any) {
	e.Notes = append(e.Notes, fmt.Sprintf(format, args...))
}

// lost counts one effect not found, caused at t.
func (e *effect) lose() { e.Lost++ }

// delivered is a post whose message exists (acknowledged, or found in
// its room's history after a call that got no answer).
type delivered struct {
	p         *post
	messageID string
}

// pendingState is what the settle loop waits for.
type pendingState struct {
	mails, pushes, live, outbox int
}

func (p pendingState) done() bool { return p.mails+p.pushes+p.live+p.outbox == 0 }

func (p pendingState) String() string {
	return fmt.Sprintf("mails missing %d, pushes missing %d, live events missing %d, outbox %d", p.mails, p.pushes, p.live, p.outbox)
}

// pending counts the effects of acknowledged calls not seen yet, cheaply
// (in memory, and the outbox).
func (w *world) pending(ctx context.Context, e *env) pendingState {
	var ds []delivered
	for _, p := range w.ledger.allPosts() {
		if p.acked {
			ds = append(ds, delivered{p, p.messageID})
		}
	}
	var p pendingState
	p.mails = w.checkMails().Lost
	p.pushes = w.checkPushes(ds).Lost
	p.live = w.checkLive(ds).Lost
	p.outbox, _ = outboxCount(ctx, e)
	return p
}

// check checks every effect, after the run has settled.
func (r *report) check(ctx context.Context) error {
	w, e := r.w, r.e
	ds, history, err := w.checkHistory(ctx)
	if err != nil {
		return err
	}
	notes, err := w.checkNotifications(ctx, e, ds)
	if err != nil {
		return err
	}
	r.effects = []effect{history, notes, w.checkPushes(ds), w.checkLive(ds), w.checkLiveNotes(), w.checkMails()}
	r.outbox, err = outboxCount(ctx, e)
	if err != nil {
		return err
	}
	r.deadLetters, err = deadLetters(ctx, e)
	return err
}

// tagOf is the client message ID a message's text carries.
var tagOf = regexp.MustCompile(`^\[(load-[0-9]+)\]`)

type historyMessage struct {
	MessageID string `json:"messageId"`
	Seq       int64  `json:"seq"`
	Text      string `json:"text"`
}

// checkHistory reads every room's whole history, as one of its members:
// every acknowledged message must be there once, with the seq the API
// answered, the seqs increasing, and no client message ID twice. It
// returns the posts whose message exists.
func (w *world) checkHistory(ctx context.Context) ([]delivered, effect, error) {
	ef := effect{Name: "messages in their room's history", Strict: true}
	byRoom := map[*room][]*post{}
	for _, p := range w.ledger.allPosts() {
		byRoom[p.room] = append(byRoom[p.room], p)
	}
	var ds []delivered
	var unanswered, unansweredFound, orderBroken int
	for r, posts := range byRoom {
		msgs, err := w.readHistory(ctx, r)
		if err != nil {
			return nil, ef, err
		}
		byTag := map[string][]historyMessage{}
		for i, m := range msgs {
			if i > 0 && m.Seq <= msgs[i-1].Seq {
				orderBroken++
			}
			if t := tagOf.FindStringSubmatch(m.Text); t != nil {
				byTag[t[1]] = append(byTag[t[1]], m)
			}
		}
		for _, p := range posts {
			found := byTag[p.cmid]
			if len(found) > 1 {
				ef.Doubled += len(found) - 1
			}
			if !p.acked {
				unanswered++
				if len(found) > 0 {
					unansweredFound++
					ds = append(ds, delivered{p, found[0].MessageID})
				}
				continue
			}
			ef.Caused++
			switch {
			case len(found) == 0:
				ef.lose()
			case found[0].MessageID != p.messageID || found[0].Seq != p.seq:
				ef.Lost++
				ef.note("%s: history has message %s seq %d, the API answered %s seq %d", p.cmid, found[0].MessageID, found[0].Seq, p.messageID, p.seq)
			default:
				ef.Seen++
			}
			ds = append(ds, delivered{p, p.messageID})
		}
	}
	if orderBroken > 0 {
		ef.Doubled += orderBroken
		ef.note("%d messages with a seq not above the one before", orderBroken)
	}
	if unanswered > 0 {
		ef.note("%d posts got no answer after every retry: %d of them are in the history (once), the others were never posted", unanswered, unansweredFound)
	}
	return ds, ef, nil
}

// readHistory pages through a room's messages as one of its members.
func (w *world) readHistory(ctx context.Context, r *room) ([]historyMessage, error) {
	var reader *member
	for _, m := range r.members {
		if m.loggedIn.Load() {
			reader = m
			break
		}
	}
	if reader == nil {
		return nil, fmt.Errorf("room %s: none of its members is logged in to read it", r.id)
	}
	c := *w.c
	c.Observe = nil // the checks are not the load
	var out []historyMessage
	after := int64(0)
	for {
		var page struct {
			Messages []historyMessage `json:"messages"`
		}
		q := url.Values{"afterSeq": {fmt.Sprint(after)}, "limit": {"100"}}
		var err error
		for attempt := range 5 {
			_, err = c.Want(ctx, "GET /v1/rooms/{roomId}/messages", "/v1/rooms/"+r.id+"/messages?"+q.Encode(), reader.token(), nil, &page, http.StatusOK)
			if err == nil {
				break
			}
			if se := (*client.StatusError)(nil); errors.As(err, &se) && se.Status == http.StatusUnauthorized {
				_ = reader.refresh(ctx)
			}
			sleep(ctx, time.Duration(attempt+1)*time.Second)
		}
		if err != nil {
			return nil, fmt.Errorf("reading room %s: %w", r.id, err)
		}
		out = append(out, page.Messages...)
		if len(page.Messages) < 100 {
			return out, nil
		}
		after = page.Messages[len(page.Messages)-1].Seq
	}
}

// checkNotifications: every other member of a message's room has its
// notification (their IDs derive from the message, so two cannot exist;
// the live streams show whether one was delivered twice).
func (w *world) checkNotifications(ctx context.Context, e *env, ds []delivered) (effect, error) {
	ef := effect{Name: "message notifications", Strict: true}
	fs := e.s.Deps.Store.Firestore()
	type want struct {
		ref *firestore.DocumentRef
		at  time.Time
	}
	var wants []want
	for _, d := range ds {
		for _, m := range d.p.room.members {
			if m == d.p.sender {
				continue
			}
			path := fmt.Sprintf("workspaces/%s/members/%s/notifications/%s", d.p.room.ws.id, m.accountID, domain.NotificationID(domain.NotifyMessage, d.messageID))
			wants = append(wants, want{fs.Doc(path), d.p.start})
		}
	}
	for i := 0; i < len(wants); i += 300 {
		batch := wants[i:min(i+300, len(wants))]
		refs := make([]*firestore.DocumentRef, len(batch))
		for j, b := range batch {
			refs[j] = b.ref
		}
		snaps, err := fs.GetAll(ctx, refs)
		if err != nil {
			return ef, fmt.Errorf("reading notifications: %w", err)
		}
		for _, s := range snaps {
			ef.Caused++
			if s.Exists() {
				ef.Seen++
			} else {
				ef.lose()
			}
		}
	}
	return ef, nil
}

// checkPushes: each message notification of a mobile member (posted
// after they registered their push token) is pushed to their token
// once; no push of any kind comes twice.
func (w *world) checkPushes(ds []delivered) effect {
	ef := effect{Name: "pushes of message notifications (mobile members)", Strict: true}
	for _, d := range ds {
		for _, m := range d.p.room.members {
			m.mu.Lock()
			since := m.pushSince
			m.mu.Unlock()
			if m == d.p.sender || !m.mobile || since.IsZero() || !since.Before(d.p.start) {
				continue
			}
			ef.Caused++
			switch n := w.inbox.pushCount(m.pushToken, domain.NotificationID(domain.NotifyMessage, d.messageID)); n {
			case 0:
				ef.lose()
			default:
				ef.Seen++
			}
		}
	}
	ef.Doubled = w.inbox.pushDoubles()
	return ef
}

// liveMargin is how long after a stream first opened a message must be
// posted to be expected on it: the stream may attach to the member's
// feed a moment after its answer's headers.
const liveMargin = time.Second

// checkLive: each message of a streaming member's rooms, posted after the
// stream first opened, came on the stream exactly once, across its
// reconnections.
func (w *world) checkLive(ds []delivered) effect {
	ef := effect{Name: "live message events (streaming members)", Strict: true}
	for _, d := range ds {
		for _, m := range d.p.room.members {
			if m.live == nil {
				continue
			}
			n, opened := m.live.seen(d.messageID)
			if opened.IsZero() || d.p.start.Before(opened.Add(liveMargin)) {
				continue
			}
			ef.Caused++
			switch {
			case n == 0:
				ef.lose()
			case n > 1:
				ef.Doubled += n - 1
				ef.Seen++
			default:
				ef.Seen++
			}
		}
	}
	return ef
}

// checkLiveNotes: no notification came twice on a stream; and the
// streams' reconnections and resets.
func (w *world) checkLiveNotes() effect {
	ef := effect{Name: "live notification events (streaming members)", Strict: true}
	var reconnects, resets, revoked, openErrors int
	ends := map[string]int{}
	for _, m := range w.members {
		if m.live == nil {
			continue
		}
		l := m.live
		l.mu.Lock()
		for _, n := range l.notes {
			ef.Caused++
			ef.Seen++
			ef.Doubled += max(n-1, 0)
		}
		reconnects += l.reconnects
		resets += l.resets
		revoked += l.revoked
		openErrors += l.openErrors
		for k, v := range l.ends {
			ends[k] += v
		}
		l.mu.Unlock()
	}
	ef.note("streams reconnected %d times (resumed with Last-Event-ID), %d reset events, %d session_revoked, %d connections refused", reconnects, resets, revoked, openErrors)
	if len(ends) > 0 {
		ef.note("connections ended: %v", ends)
	}
	return ef
}

// checkMails: every mail the calls asked for arrived: at least as many of
// each kind to each address as surely caused, at most as many as maybe
// caused; copies of one mail are counted (SendGrid has no idempotency
// key: a mail sent again after a lost answer arrives twice).
func (w *world) checkMails() effect {
	ef := effect{Name: "mails", Strict: true}
	got := map[mailKey]int{}
	w.inbox.mu.Lock()
	for to, ms := range w.inbox.mails {
		for _, m := range ms {
			got[mailKey{to, templateOf(m.Subject)}]++
		}
	}
	w.inbox.mu.Unlock()
	extra := 0
	for k, e := range w.ledger.expectedMails() {
		ef.Caused += e.Sure
		n := got[k]
		delete(got, k)
		if n < e.Sure {
			for range e.Sure - n {
				ef.lose()
			}
		}
		ef.Seen += min(n, e.Sure)
		if n > e.Sure+e.Unsure {
			extra += n - e.Sure - e.Unsure
		}
	}
	for k, n := range got {
		extra += n
		ef.note("%d unexpected %q mails to %s", n, k.template, k.to)
	}
	_, copies := w.inbox.received()
	for _, n := range copies {
		ef.Doubled += n
	}
	if extra > 0 {
		ef.note("%d mails more than the calls could cause", extra)
	}
	return ef
}

// outboxCount is how many events wait in the outbox.
func outboxCount(ctx context.Context, e *env) (int, error) {
	res, err := e.s.Deps.Store.Firestore().Collection("outbox").NewAggregationQuery().WithCount("n").Get(ctx)
	if err != nil {
		return 0, fmt.Errorf("counting the outbox: %w", err)
	}
	v, ok := res["n"].(*firestorepb.Value)
	if !ok {
		return 0, errors.New("counting the outbox: no count")
	}
	return int(v.GetIntegerValue()), nil
}

// deadLetters pulls what each dead-letter topic holds (EnsureTopology
// keeps a pull subscription on each, named as the topic), by topic.
func deadLetters(ctx context.Context, e *env) (map[string]int, error) {
	out := map[string]int{}
	admin := e.s.Deps.PubSub.Client().SubscriptionAdminClient
	project := "projects/" + e.s.Deps.Config.Project
	var topics []string
	for _, sub := range e.s.Deps.Topology.Subscriptions {
		topics = append(topics, sub.DeadLetter.Topic)
	}
	sort.Strings(topics)
	for _, t := range topics {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		res, err := admin.Pull(pctx, &pubsubpb.PullRequest{Subscription: project + "/subscriptions/" + t, MaxMessages: 1000})
		cancel()
		if err != nil && status.Code(err) != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
			return out, fmt.Errorf("pulling %s: %w", t, err)
		}
		out[t] = len(res.GetReceivedMessages())
	}
	return out, nil
}

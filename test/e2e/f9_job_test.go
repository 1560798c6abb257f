package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/functions/approvals"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/test/client"
)

// The tests here check the approval job (functions/approvals, consumer
// device.Service.Ask) from the outside: what one run costs, read from the
// request log line of its push, and that a redelivered, late or replayed
// event asks nobody twice and nobody at all once the request is decided.

// jobLine is the Firestore cost of one request, from its log line.
type jobLine struct {
	function, route string
	status          int64
	reads, writes   int64
}

// jobLog records the request log lines of a stack, in one process or
// split (where it reads the JSON lines of the functions' processes); it
// passes warnings and errors on to the test log.
type jobLog struct {
	mu    sync.Mutex
	lines []jobLine
	rest  []byte // a split stack's output not yet a whole line
	out   io.Writer
}

// start runs a stack whose request lines l records, with further options.
func (l *jobLog) start(t testing.TB, opts ...func(*stackOptions)) *env {
	t.Helper()
	l.out = testLog(t)
	base := logging.New(l.out, slog.LevelWarn).Handler()
	return start(t, append([]func(*stackOptions){func(o *stackOptions) {
		o.Log = slog.New(&jobLogHandler{log: l, base: base})
		o.Output = l
	}}, opts...)...)
}

// Write takes a split stack's processes' output: their request lines.
func (l *jobLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rest = append(l.rest, b...)
	for {
		i := bytes.IndexByte(l.rest, '\n')
		if i < 0 {
			break
		}
		line := l.rest[:i]
		e, _ := client.ParseLogLine(line)
		if e.Request() {
			l.lines = append(l.lines, jobLine{function: e.Function, route: e.Route, status: e.Status, reads: e.Reads, writes: e.Writes})
		} else if e.Severity == "WARNING" || e.Severity == "ERROR" {
			_, _ = l.out.Write(append(line, '\n'))
		}
		l.rest = l.rest[i+1:]
	}
	return len(b), nil
}

// mark returns where the lines logged from now on start.
func (l *jobLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// since returns the lines of a function's requests logged since mark.
func (l *jobLog) since(mark int, function string) []jobLine {
	return l.matching(mark, func(c jobLine) bool { return c.function == function })
}

// routed returns the lines of a route's requests logged since mark.
func (l *jobLog) routed(mark int, route string) []jobLine {
	return l.matching(mark, func(c jobLine) bool { return c.route == route })
}

func (l *jobLog) matching(mark int, match func(jobLine) bool) []jobLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []jobLine
	for _, c := range l.lines[mark:] {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

type jobLogHandler struct {
	log   *jobLog
	base  slog.Handler
	attrs []slog.Attr // the function's logger's (its name among them)
}

func (h *jobLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *jobLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &jobLogHandler{log: h.log, base: h.base.WithAttrs(as), attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *jobLogHandler) WithGroup(name string) slog.Handler {
	return &jobLogHandler{log: h.log, base: h.base.WithGroup(name), attrs: h.attrs}
}

func (h *jobLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if e := client.RecordLine(r, h.attrs); e.Request() {
		h.log.mu.Lock()
		h.log.lines = append(h.log.lines, jobLine{function: e.Function, route: e.Route, status: e.Status, reads: e.Reads, writes: e.Writes})
		h.log.mu.Unlock()
	}
	if h.base.Enabled(ctx, r.Level) {
		return h.base.Handle(ctx, r)
	}
	return nil
}

// jobCost is what one run of the job costs.
type jobCost struct{ Reads, Writes int64 }

// askCost is the cost of a run that asks n recipients, the requester
// among the members online (so the trusted-device query is skipped), and
// creates `created` notifications:
//
//	reads:  1 approval + n presence (one per member online)
//	        + n member docs (GetAll)                        = 1 + 2n
//	writes: 1 claim (Create) + created notifications
//	        + 1 claim marked done + 1 outbox event removed  = 3 + created
//
// A run that finds every notification there already creates none (a
// Create that fails is not a write).
func askCost(n, created int64) jobCost { return jobCost{Reads: 1 + 2*n, Writes: 3 + 2*created} }

// jobRuns returns the cost of the push requests since mark that ran the
// job (answered 204 having claimed the event: at least its claim and its
// mark as done written); duplicates acknowledged without running are
// left out.
func (l *jobLog) jobRuns(mark int) []jobCost {
	var out []jobCost
	for _, c := range l.since(mark, approvals.Name) {
		if c.status == http.StatusNoContent && c.writes >= 2 {
			out = append(out, jobCost{c.reads, c.writes})
		}
	}
	return out
}

// jobWorkspace makes a workspace of size members: the owner through the
// API (logged in on their first device, so online and trusting a device),
// and size-1 members written straight to Firestore in the shape of the
// owner's member doc, of whom the first `online` are seen now. It returns
// the owner's session and the accounts online (the owner first).
func (e *env) jobWorkspace(ws string, size, online int) (session, []string) {
	e.t.Helper()
	ctx := context.Background()
	owner := e.ownerSession(ws, "owner@"+ws+".example")
	shape := e.doc("workspaces/" + ws + "/members/" + owner.AccountID)
	now := e.s.Deps.Clock.Now()
	bw := e.fs().BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	onlineIDs := []string{owner.AccountID}
	for i := range size - 1 {
		id := domain.NewID()
		m := make(map[string]any, len(shape))
		for k, v := range shape {
			m[k] = v
		}
		m["accountId"], m["name"], m["email"] = id, fmt.Sprintf("Member %03d", i), fmt.Sprintf("m%03d@%s.example", i, ws)
		m["role"], m["permissions"], m["joinedAt"] = domain.RoleMember, []string{}, now
		j, err := bw.Create(e.fs().Doc("workspaces/"+ws+"/members/"+id), m)
		if err != nil {
			e.t.Fatal(err)
		}
		jobs = append(jobs, j)
		if i < online {
			onlineIDs = append(onlineIDs, id)
			j, err := bw.Create(e.fs().Doc("workspaces/"+ws+"/presence/"+id), domain.Presence{AccountID: id, LastSeenAt: now})
			if err != nil {
				e.t.Fatal(err)
			}
			jobs = append(jobs, j)
		}
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			e.t.Fatal(err)
		}
	}
	return owner, onlineIDs
}

// approvalNotes returns, by recipient, when each notification asking to
// decide a request was created.
func (e *env) approvalNotes(approvalID string) map[string]time.Time {
	e.t.Helper()
	id := domain.NotificationID(domain.NotifyDeviceApproval, approvalID)
	snaps, err := e.fs().CollectionGroup("notifications").Where("notificationId", "==", id).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, snap := range snaps {
		var n domain.Notification
		if err := snap.DataTo(&n); err != nil {
			e.t.Fatal(err)
		}
		if want := "workspaces/" + n.WorkspaceID + "/members/" + n.AccountID + "/notifications/" + id; !strings.HasSuffix(snap.Ref.Path, want) {
			e.t.Fatalf("notification at %s, want …/%s", snap.Ref.Path, want)
		}
		out[n.AccountID] = n.CreatedAt
	}
	return out
}

// forgetAsking deletes a request's notifications, as if the job had not
// run yet.
func (e *env) forgetAsking(approvalID string) {
	e.t.Helper()
	id := domain.NotificationID(domain.NotifyDeviceApproval, approvalID)
	snaps, err := e.fs().CollectionGroup("notifications").Where("notificationId", "==", id).Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, snap := range snaps {
		if _, err := snap.Ref.Delete(context.Background()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// claimedEvents returns the IDs of the events a consumer (a job's name)
// has claimed.
func (e *env) claimedEvents(consumer string) []string {
	e.t.Helper()
	refs, err := e.fs().Collection("processedEvents").DocumentRefs(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ref := range refs {
		if id, ok := strings.CutPrefix(ref.ID, consumer+"_"); ok {
			out = append(out, id)
		}
	}
	return out
}

// dropClaim deletes a job's claim on an event: a crash after the effect
// and before the claim was marked done, or a claim purged, looks like this
// to the next delivery.
func (e *env) dropClaim(consumer, eventID string) {
	e.t.Helper()
	if _, err := e.fs().Doc("processedEvents/" + consumer + "_" + eventID).Delete(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// approvalEvent returns the approval-requested event of a request with
// the given event ID (a new one if empty).
func (e *env) approvalEvent(approvalID, eventID string) events.Event {
	e.t.Helper()
	ev, err := events.NewApprovalRequested(approvalID, e.s.Deps.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if eventID != "" {
		ev.ID = eventID
	}
	return ev
}

// pushJob delivers an event to the job's push endpoint, as Pub/Sub does,
// and returns the status it answered.
func (e *env) pushJob(ev events.Event) int {
	e.t.Helper()
	return e.pushed(approvals.Name, "application/json", envelope(e.t, ev))
}

// recipients returns the accounts of notes, sorted.
func recipients(notes map[string]time.Time) []string {
	out := make([]string, 0, len(notes))
	for id := range notes {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// TestF9JobCostFollowsOnlineMembers: one run of the job reads and writes
// in proportion to the members online (3, plus the requester), not to the
// workspace: 300 members cost what 30 cost, and only those online, and the
// requester, are asked. A requester who is not online costs one query more
// (do they trust a device?) and is asked all the same.
func TestF9JobCostFollowsOnlineMembers(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	const online = 3
	cases := []struct {
		name            string
		ws              string
		size            int
		requesterOnline bool
		want            jobCost
	}{
		// askCost: 1 approval + 4 presence + 4 member docs; claim, 4
		// notifications and their 4 live events, done (and the outbox
		// event removed).
		{"300 members", "size300", 300, true, askCost(online+1, online+1)},
		{"30 members", "size30", 30, true, askCost(online+1, online+1)},
		// 1 approval + 3 presence + 1 trusted device (query, limit 1) + 4
		// member docs; the same writes.
		{"30 members, requester offline", "offline30", 30, false, jobCost{Reads: 1 + online + 1 + (online + 1), Writes: 3 + 2*(online+1)}},
	}
	costs := map[string]jobCost{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			owner, asked := e.jobWorkspace(tc.ws, tc.size, online)
			if !tc.requesterOnline {
				long := e.s.Deps.Clock.Now().Add(-domain.OnlineWindow - time.Minute)
				if _, err := e.fs().Doc("workspaces/"+tc.ws+"/presence/"+owner.AccountID).Set(context.Background(),
					domain.Presence{AccountID: owner.AccountID, LastSeenAt: long}); err != nil {
					t.Fatal(err)
				}
			}
			mark := log.mark()
			a := e.newDeviceLogin(tc.ws, "owner@"+tc.ws+".example")
			e.settle()
			// The job's request line follows its work (and, from a
			// process of its own, travels through a pipe).
			log.pushes(t, approvals.Name, mark, 1)

			runs := log.jobRuns(mark)
			if len(runs) != 1 {
				t.Fatalf("the job ran %d times for one request, want 1 (lines %+v)", len(runs), log.since(mark, approvals.Name))
			}
			got := runs[0]
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("one run in a workspace of %d (-want +got):\n%s", tc.size, diff)
			}
			if got.Reads >= int64(tc.size) {
				t.Errorf("one run read %d documents, as many as the workspace has members (%d)", got.Reads, tc.size)
			}
			costs[tc.name] = got

			slices.Sort(asked)
			if diff := cmp.Diff(asked, recipients(e.approvalNotes(a.ApprovalID))); diff != "" {
				t.Errorf("asked (-want +got); none of the %d idle members may be:\n%s", tc.size-len(asked), diff)
			}
		})
	}
	e.t = t
	if costs["300 members"] != costs["30 members"] {
		t.Errorf("a run cost %+v with 300 members, %+v with 30", costs["300 members"], costs["30 members"])
	}
}

// TestF9JobIdempotent: after the job ran, delivering its event again — the
// same event, the same event after its claim was lost (a crash after the
// effect, before the claim was marked done), a new event for the same
// request, several at once — is acknowledged and asks nobody again: the
// same recipients, each notification as first created.
func TestF9JobIdempotent(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	owner, onlineIDs := e.jobWorkspace("redeliver", 6, 2)
	a := e.newDeviceLogin("redeliver", "owner@redeliver.example")
	e.settle()
	first := e.approvalNotes(a.ApprovalID)
	slices.Sort(onlineIDs)
	if diff := cmp.Diff(onlineIDs, recipients(first)); diff != "" {
		t.Fatalf("first run asked (-want +got):\n%s", diff)
	}
	ids := e.claimedEvents(approvals.Name)
	if len(ids) != 1 {
		t.Fatalf("the job claimed %d events, want 1: %v", len(ids), ids)
	}
	original := ids[0]
	n := int64(len(onlineIDs))

	cases := []struct {
		name string
		// deliver delivers and returns the statuses answered.
		deliver func() []int
		// want is the cost of the runs of the job it caused.
		want []jobCost
	}{
		{
			name:    "same event again",
			deliver: func() []int { return []int{e.pushJob(e.approvalEvent(a.ApprovalID, original))} },
			want:    nil, // acknowledged as done, without running
		},
		{
			name: "same event, claim lost after the effect",
			deliver: func() []int {
				e.dropClaim(approvals.Name, original)
				return []int{e.pushJob(e.approvalEvent(a.ApprovalID, original))}
			},
			want: []jobCost{askCost(n, 0)},
		},
		{
			name:    "new event for the same request",
			deliver: func() []int { return []int{e.pushJob(e.approvalEvent(a.ApprovalID, ""))} },
			want:    []jobCost{askCost(n, 0)},
		},
		{
			name: "one new event delivered 4 times at once",
			deliver: func() []int {
				ev := e.approvalEvent(a.ApprovalID, "")
				statuses, _ := race(4, func(int) int { return e.pushJob(ev) })
				return statuses
			},
			want: []jobCost{askCost(n, 0)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			mark := log.mark()
			acked := 0
			for _, s := range tc.deliver() {
				switch s {
				case http.StatusNoContent:
					acked++
				case http.StatusTooManyRequests: // in progress elsewhere: Pub/Sub redelivers
				default:
					t.Fatalf("push answered %d", s)
				}
			}
			if acked == 0 {
				t.Fatal("no delivery was acknowledged")
			}
			e.settle()
			if diff := cmp.Diff(first, e.approvalNotes(a.ApprovalID)); diff != "" {
				t.Errorf("notifications changed (-first +now):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, log.jobRuns(mark)); diff != "" {
				t.Errorf("runs of the job (-want +got):\n%s", diff)
			}
		})
	}
	e.t = t
	listed := 0
	for _, p := range e.approvals(owner) {
		if p.ApprovalID == a.ApprovalID {
			listed++
		}
	}
	if listed != 1 {
		t.Fatalf("the owner lists the request %d times, want 1", listed)
	}
}

// TestF9JobLateAsksNobody: a request decided or expired before its event
// is handled asks nobody — not the members online, not the requester's
// trusted device. Each request is first asked for real, then its
// notifications and claim are removed so that the event arrives as if for
// the first time; a request still pending is asked again (the control).
func TestF9JobLateAsksNobody(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	owner, onlineIDs := e.jobWorkspace("late", 4, 2)
	slices.Sort(onlineIDs)
	cases := []struct {
		name   string
		before func(a approvalResponse) // happens before the event arrives
		want   []string                 // asked
	}{
		{"still pending", func(approvalResponse) {}, onlineIDs},
		{"denied", func(a approvalResponse) {
			r := e.deny(a.ApprovalID, owner.bearer()...)
			requireStatus(e.t, r, http.StatusOK)
		}, []string{}},
		// Last: the clock stays 11 minutes on. The owner, who trusts a
		// device, would be asked even offline.
		{"expired", func(approvalResponse) { e.advance(int((domain.ApprovalTTL + time.Minute) / time.Second)) }, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			before := e.claimedEvents(approvals.Name)
			a := e.newDeviceLogin("late", "owner@late.example")
			e.settle()
			if got := recipients(e.approvalNotes(a.ApprovalID)); len(got) != len(onlineIDs) {
				t.Fatalf("first run asked %v, want %v", got, onlineIDs)
			}
			var eventID string
			for _, id := range e.claimedEvents(approvals.Name) {
				if !slices.Contains(before, id) {
					eventID = id
				}
			}
			if eventID == "" {
				t.Fatal("no new event claimed by the job")
			}
			tc.before(a)
			e.forgetAsking(a.ApprovalID)
			e.dropClaim(approvals.Name, eventID)

			if s := e.pushJob(e.approvalEvent(a.ApprovalID, eventID)); s != http.StatusNoContent {
				t.Fatalf("push answered %d, want 204", s)
			}
			if s := e.pushJob(e.approvalEvent(a.ApprovalID, "")); s != http.StatusNoContent {
				t.Fatalf("push of a new event answered %d, want 204", s)
			}
			e.settle()
			if diff := cmp.Diff(tc.want, recipients(e.approvalNotes(a.ApprovalID))); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
		})
	}
}

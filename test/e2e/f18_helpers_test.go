package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// The helpers here drive F18: the super admin withdraws a workspace, and
// the withdrawal job deletes it; the tests scan the whole project before
// and after.

// withdrawnSubjects are the subjects of the mail confirming a withdrawal.
var withdrawnSubjects = []string{"Your workspace is being deleted", "워크스페이스를 삭제하고 있습니다"}

// withdraw asks for ws's withdrawal as s.
func (e *env) withdraw(s session, ws, password, confirmName string) response {
	e.t.Helper()
	return e.call("POST", "/v1/workspaces/"+ws+"/withdrawal",
		map[string]string{"password": password, "confirmName": confirmName}, s.bearer()...)
}

// mustWithdraw withdraws ws as its super admin s, named name, requiring
// 202 {"status":"deleting"}, and returns the withdrawal's ID.
func (e *env) mustWithdraw(s session, ws, name string) string {
	e.t.Helper()
	r := e.withdraw(s, ws, testPassword, name)
	requireStatus(e.t, r, http.StatusAccepted)
	var out struct {
		Status string `json:"status"`
	}
	r.JSON(e.t, &out)
	if out.Status != "deleting" {
		e.t.Fatalf("withdrawal answered %s", r.Body)
	}
	return e.withdrawalID(ws)
}

// withdrawalID returns the withdrawal a deleting workspace names.
func (e *env) withdrawalID(ws string) string {
	e.t.Helper()
	doc := e.doc("workspaces/" + ws)
	id, _ := doc["withdrawalId"].(string)
	if doc["status"] != domain.WorkspaceDeleting || !domain.IsID(id) {
		e.t.Fatalf("workspace %s after its withdrawal: %v", ws, doc)
	}
	return id
}

// wdRecord is a withdrawal's record as stored.
type wdRecord struct {
	Deleted, Updated, Runs int64
	Finished               bool
}

// withdrawalRecord reads a withdrawal's record.
func (e *env) withdrawalRecord(id string) wdRecord {
	e.t.Helper()
	var w domain.Withdrawal
	snap, err := e.fs().Doc("withdrawals/" + id).Get(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := snap.DataTo(&w); err != nil {
		e.t.Fatal(err)
	}
	if w.ID != id || w.RequestedAt.IsZero() {
		e.t.Fatalf("withdrawals/%s = %v", id, snap.Data())
	}
	return wdRecord{Deleted: w.Deleted, Updated: w.Updated, Runs: w.Runs, Finished: !w.Finished.IsZero()}
}

// awaitWithdrawn waits until the job deleted the workspace's document and
// recorded the end, and returns the record.
func (e *env) awaitWithdrawn(ws, id string, within time.Duration) wdRecord {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if !e.exists("workspaces/" + ws) {
			if rec := e.withdrawalRecord(id); rec.Finished {
				return rec
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("workspace %s not withdrawn after %v: record %+v", ws, within, e.withdrawalRecord(id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wdSnapshot returns every document of the project (but the dev clock)
// with its data; documents that do not exist but have subcollections are
// left out. It walks the project as e.documents does, asking many
// documents for their subcollections at once.
func (e *env) wdSnapshot() map[string]map[string]any {
	e.t.Helper()
	ctx := context.Background()
	var (
		mu  sync.Mutex
		out = map[string]map[string]any{}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	var walk func(cols []*firestore.CollectionRef) error
	walk = func(cols []*firestore.CollectionRef) error {
		for _, col := range cols {
			if col.Parent == nil && col.ID == "_dev" {
				continue // the dev clock is not the test's data
			}
			snaps, err := col.Documents(gctx).GetAll()
			if err != nil {
				return err
			}
			mu.Lock()
			for _, s := range snaps {
				_, path, _ := strings.Cut(s.Ref.Path, "/documents/")
				out[path] = s.Data()
			}
			mu.Unlock()
			refs, err := col.DocumentRefs(gctx).GetAll() // missing ones too
			if err != nil {
				return err
			}
			for _, ref := range refs {
				f := func() error {
					sub, err := ref.Collections(gctx).GetAll()
					if err != nil || len(sub) == 0 {
						return err
					}
					return walk(sub)
				}
				if !g.TryGo(f) { // every worker busy: walk here
					if err := f(); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	top, err := e.fs().Collections(ctx).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	g.Go(func() error { return walk(top) })
	if err := g.Wait(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// leaks returns what of tokens a document holds: in its path, or in any
// string (or bytes) of its data, however nested.
func leaks(path string, data map[string]any, tokens []string) []string {
	var found []string
	check := func(s string) {
		for _, t := range tokens {
			if strings.Contains(s, t) && !slices.Contains(found, t) {
				found = append(found, t)
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			check(v)
		case []byte:
			check(string(v))
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				check(k)
				walk(x)
			}
		}
	}
	check(path)
	walk(data)
	return found
}

// requireNoLeak fails the test for every document that holds one of tokens.
func (e *env) requireNoLeak(docs map[string]map[string]any, tokens []string) {
	e.t.Helper()
	var bad []string
	for path, data := range docs {
		if found := leaks(path, data, tokens); len(found) > 0 {
			bad = append(bad, fmt.Sprintf("%s holds %q: %v", path, found, data))
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		e.t.Fatalf("%d documents still hold the withdrawn workspace's data:\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

// gone returns the paths of before's documents that after no longer has,
// sorted.
func gone(before, after map[string]map[string]any) []string {
	var out []string
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// withdrawnRun returns the event of a run of a withdrawal, with the given
// event ID (run 0's own random one if empty).
func (e *env) withdrawnRun(ws, id string, run int, eventID string) events.Event {
	e.t.Helper()
	ev, err := events.NewWithdrawn(events.Withdrawn{WorkspaceID: ws, WithdrawalID: id, Run: run}, e.s.Deps.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if eventID != "" {
		ev.ID = eventID
	}
	return ev
}

// awaitDone waits until a consumer has handled an event for good.
func (e *env) awaitDone(consumer, eventID string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		snap, err := e.fs().Doc("processedEvents/" + consumer + "_" + eventID).Get(context.Background())
		if err == nil && snap.Data()["done"] == true {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s did not handle event %s within 30s", consumer, eventID)
		}
		sleep()
	}
}

// withoutClaims returns docs without the consumers' claims (a redelivery
// writes its own).
func withoutClaims(docs map[string]map[string]any) map[string]map[string]any {
	out := make(map[string]map[string]any, len(docs))
	for p, d := range docs {
		if !strings.HasPrefix(p, "processedEvents/") {
			out[p] = d
		}
	}
	return out
}

// seedMessages writes n messages of sender into a room, each with the
// claim of its seq, as the product stores them.
func (e *env) seedMessages(roomID string, sender session, n int) {
	e.t.Helper()
	ctx := context.Background()
	bw := e.fs().BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	now := e.s.Deps.Clock.Now().Truncate(time.Microsecond)
	for i := range n {
		id := domain.NewID()
		seq := now.UnixMicro() + int64(i)
		m := domain.Message{ID: id, RoomID: roomID, Seq: seq, SenderKey: memberKey(sender), SenderID: sender.AccountID,
			ClientMessageID: id, Text: fmt.Sprintf("seeded %d", i), CreatedAt: now}
		for path, v := range map[string]any{
			"rooms/" + roomID + "/messages/" + id:          m,
			"rooms/" + roomID + "/seqs/" + fmt.Sprint(seq): map[string]any{"messageId": id},
		} {
			j, err := bw.Create(e.fs().Doc(path), v)
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
}

// putOrgLink writes an active organisation link of ws straight into
// Firestore (F17's approval), and names it in the workspace.
func (e *env) putOrgLink(ws, orgID, by string) {
	e.t.Helper()
	now := e.s.Deps.Clock.Now().Truncate(time.Microsecond)
	l := domain.OrgLink{OrgID: orgID, WorkspaceID: ws, OrgName: "Org of " + ws, BusinessNumber: "1248100998",
		Status: domain.OrgLinkActive, AppliedBy: by, AppliedAt: now, DecidedAt: now}
	if _, err := e.fs().Doc("orgLinks/"+orgID).Create(context.Background(), l); err != nil {
		e.t.Fatal(err)
	}
	e.updateDoc("workspaces/"+ws, firestore.Update{Path: "orgId", Value: orgID})
}

// concerning returns a test of whether a document of docs concerns a
// withdrawn workspace whose data tokens name: it holds one of them; or it
// is in a room the withdrawal deletes whole (a direct room, or one whose
// members are all the workspace's, as prefix "ws:" names them); or it is
// the claim of a seq whose message concerns it.
func concerning(docs map[string]map[string]any, tokens []string, prefix string) func(path string) bool {
	wholeRoom := func(room string) bool {
		d := docs[room]
		if d == nil || len(leaks(room, d, tokens)) == 0 {
			return false
		}
		keys, _ := d["memberKeys"].([]any)
		if d["type"] != groupRoom {
			return true
		}
		for _, k := range keys {
			if s, _ := k.(string); !strings.HasPrefix(s, prefix) {
				return false
			}
		}
		return true
	}
	var concerns func(path string) bool
	concerns = func(path string) bool {
		if len(leaks(path, docs[path], tokens)) > 0 {
			return true
		}
		parts := strings.Split(path, "/")
		if parts[0] != "rooms" || len(parts) < 4 {
			return false
		}
		room := "rooms/" + parts[1]
		if wholeRoom(room) {
			return true
		}
		if id, _ := docs[path]["messageId"].(string); parts[2] == "seqs" && id != "" {
			return concerns(room + "/messages/" + id)
		}
		return false
	}
	return concerns
}

// seedAccounts writes n members of ws with their accounts (and the index
// of their addresses) straight into Firestore, as the product stores them.
func (e *env) seedAccounts(ws string, n int) {
	e.t.Helper()
	ctx := context.Background()
	bw := e.fs().BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	now := e.s.Deps.Clock.Now().Truncate(time.Microsecond)
	for i := range n {
		id := domain.NewID()
		email := fmt.Sprintf("m%03d@%s.example", i, ws)
		m := &domain.Member{AccountID: id, WorkspaceID: ws, Name: fmt.Sprintf("Member %03d", i), Email: email,
			Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now}
		domain.MemberIndex(m)
		for path, v := range map[string]any{
			"accounts/" + id: domain.Account{ID: id, Email: email, Name: m.Name, CreatedAt: now},
			"accountEmails/" + e.s.Deps.Store.EmailKey(email): map[string]any{"accountId": id},
			"workspaces/" + ws + "/members/" + id:             m,
		} {
			j, err := bw.Create(e.fs().Doc(path), v)
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
}

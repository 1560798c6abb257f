package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/functions/withdrawal"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
	deletion "github.com/workgate/workgate/shared/withdrawal"
)

// TestWithdrawalRefusals: only the super admin withdraws, naming the
// workspace exactly and re-entering their password; every refusal leaves
// every document as it was (a wrong password is counted against the
// lockout, nothing else).
func TestWithdrawalRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("refuse-wd", "kim@refuse-wd.example")
	name := "Acme refuse-wd"
	adminID := e.joinByInvite(owner, "refuse-wd", "Lee admin", "admin@refuse-wd.example")
	e.grant("refuse-wd", adminID, domain.PermAdminAccess, domain.PermMemberManagement)
	admin := e.login("refuse-wd", "admin@refuse-wd.example", "")
	other := e.ownerSession("other-wd", "olive@other-wd.example")
	e.settle()

	// What a refusal may write: the wrong password's attempt count.
	withoutCounters := func(docs map[string]map[string]any) map[string]map[string]any {
		for p := range docs {
			if strings.HasPrefix(p, "attemptCounters/") {
				delete(docs, p)
			}
		}
		return docs
	}
	body := func(password, confirm string) map[string]string {
		return map[string]string{"password": password, "confirmName": confirm}
	}
	path := "/v1/workspaces/refuse-wd/withdrawal"
	cases := []struct {
		name    string
		headers []string
		body    any
		status  int
		code    string
	}{
		{"no token", nil, body(testPassword, name), http.StatusUnauthorized, "unauthenticated"},
		{"forged token", []string{"Authorization", "Bearer x.y.z"}, body(testPassword, name), http.StatusUnauthorized, "unauthenticated"},
		{"admin with every permission", admin.bearer(), body(testPassword, name), http.StatusForbidden, "forbidden"},
		{"super admin of another workspace", other.bearer(), body(testPassword, "Acme other-wd"), http.StatusForbidden, "forbidden"},
		{"name in another case", owner.bearer(), body(testPassword, "acme refuse-wd"), http.StatusBadRequest, "invalid_request"},
		{"name with a space more", owner.bearer(), body(testPassword, name+" "), http.StatusBadRequest, "invalid_request"},
		{"name trimmed of a space", owner.bearer(), body(testPassword, "Acme  refuse-wd"), http.StatusBadRequest, "invalid_request"},
		{"another workspace's name", owner.bearer(), body(testPassword, "Acme other-wd"), http.StatusBadRequest, "invalid_request"},
		{"no name", owner.bearer(), map[string]string{"password": testPassword}, http.StatusBadRequest, "invalid_request"},
		{"no password", owner.bearer(), map[string]string{"confirmName": name}, http.StatusBadRequest, "invalid_request"},
		{"wrong password", owner.bearer(), body("wrong password!", name), http.StatusUnauthorized, "invalid_credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := withoutCounters(e.contents())
			refused(t, e.call("POST", path, tc.body, tc.headers...), tc.status, tc.code)
			if diff := cmp.Diff(before, withoutCounters(e.contents())); diff != "" {
				t.Errorf("a refused withdrawal changed Firestore (-before +after):\n%s", diff)
			}
		})
	}
	// Another workspace's path, as its member: 403 too.
	refused(t, e.call("POST", "/v1/workspaces/other-wd/withdrawal", body(testPassword, "Acme other-wd"), owner.bearer()...),
		http.StatusForbidden, "forbidden")
	if ws := e.doc("workspaces/refuse-wd"); ws["status"] != domain.WorkspaceActive || ws["withdrawalId"] != nil {
		t.Fatalf("workspace after the refusals: %v", ws)
	}
	if n := e.count("withdrawals"); n != 0 {
		t.Fatalf("%d withdrawal records after refusals", n)
	}
	e.settle()
	if ms := e.mailsMatching("kim@refuse-wd.example", withdrawnSubjects...); len(ms) != 0 {
		t.Fatalf("a refused withdrawal mailed %q", ms[0].Subject)
	}
	requireStatus(t, e.call("GET", "/v1/workspaces/refuse-wd", nil, owner.bearer()...), http.StatusOK)
}

// wdScanCast is everyone of the scan test.
type wdScanCast struct {
	kim, ann, bothA, bothO, olive, oscar session
	fay, dee, reg                        string // account IDs of members without a session
	gMix, gKim, gFay                     room
}

// TestWithdrawalScan is F18 end to end: a workspace with every kind of
// data, some of it shared with another workspace, is withdrawn. Its tokens
// stop at once; once the job is done, no document of the project holds the
// workspace's ID, nor the account ID or address of any member whose
// account was deleted; the member who is also in the other workspace keeps
// their account and that workspace; every other document is as it was,
// but the rooms the workspaces shared, which keep the other's members and
// messages; the record counts exactly the documents that disappeared and
// those changed. A redelivered run changes nothing, the workspace ID can
// be taken again.
func TestWithdrawalScan(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.wdScanSetup()
	e.settle()
	before := e.wdSnapshot()
	removed := []string{c.kim.AccountID, c.ann.AccountID, c.fay, c.dee, c.reg}
	tokens := append([]string{"acme-wd", "pending@acme-wd.example"}, removed...)
	// The removed addresses, and the keys of the documents kept by address.
	for _, local := range []string{"kim", "ann", "fay", "dee", "reg"} {
		email := local + "@acme-wd.example"
		tokens = append(tokens, email, e.s.Deps.Store.EmailKey(email))
	}
	held := map[string]bool{}
	for p, d := range before {
		for _, tok := range leaks(p, d, tokens) {
			held[tok] = true
		}
	}
	for _, tok := range tokens {
		if !held[tok] {
			t.Fatalf("no document holds %q before the withdrawal: the scan would prove nothing", tok)
		}
	}

	id := e.mustWithdraw(c.kim, "acme-wd", "Acme acme-wd")
	// At once, every token of the workspace stops: access and refresh.
	for _, s := range []session{c.kim, c.ann, c.bothA} {
		refused(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.refresh(s.RefreshToken), http.StatusUnauthorized, "unauthenticated")
	}
	rec := e.awaitWithdrawn("acme-wd", id, 90*time.Second)
	e.settle()
	after := e.wdSnapshot()
	t.Logf("%d documents before, %d after; record %+v", len(before), len(after), rec)

	e.requireNoLeak(after, tokens)
	// Everything else is as it was: every document that did not concern
	// the workspace is there, unchanged.
	concerns := concerning(before, tokens, "acme-wd:")
	changed := 0
	for p, d := range before {
		a, ok := after[p]
		if ok && !cmp.Equal(d, a) {
			changed++
		}
		if concerns(p) {
			continue
		}
		if !ok {
			t.Errorf("%s was deleted but held nothing of the workspace: %v", p, d)
		} else if diff := cmp.Diff(d, a); diff != "" {
			t.Errorf("%s changed but held nothing of the workspace (-before +after):\n%s", p, diff)
		}
	}
	if del := gone(before, after); rec.Deleted != int64(len(del)) {
		t.Errorf("the record counts %d deletions; %d documents disappeared", rec.Deleted, len(del))
	}
	if rec.Updated != int64(changed) || changed != 5 {
		// 3 rooms shared with the other workspace, 2 of its profile links
		// used by the workspace's super admin.
		t.Errorf("the record counts %d documents changed; %d changed, want 5", rec.Updated, changed)
	}
	if rec.Runs < 1 {
		t.Errorf("record %+v", rec)
	}
	if ms := e.mailsMatching("kim@acme-wd.example", withdrawnSubjects...); len(ms) != 1 || !strings.Contains(ms[0].Text, "acme-wd") {
		t.Errorf("%d withdrawal mails to the super admin, want 1 naming the workspace", len(ms))
	}

	e.step(t, "a redelivered run changes nothing", func(t *testing.T) {
		claimed := e.claimedEvents(withdrawal.Name)
		var run0 string
		for _, ev := range claimed {
			if !strings.Contains(ev, "-r") {
				run0 = ev
			}
		}
		if run0 == "" {
			t.Fatalf("no run 0 among the job's claims %v", claimed)
		}
		fresh := e.withdrawnRun("acme-wd", id, 0, "")
		e.publish(fresh)
		e.awaitDone(withdrawal.Name, fresh.ID)
		e.dropClaim(withdrawal.Name, run0)
		e.publish(e.withdrawnRun("acme-wd", id, 0, run0))
		e.awaitDone(withdrawal.Name, run0)
		e.settle()
		if diff := cmp.Diff(withoutClaims(after), withoutClaims(e.wdSnapshot())); diff != "" {
			t.Fatalf("a redelivered run changed Firestore (-before +after):\n%s", diff)
		}
		if got := e.withdrawalRecord(id); got != rec {
			t.Fatalf("record after redeliveries %+v, was %+v", got, rec)
		}
	})

	e.step(t, "the shared rooms keep the other workspace", func(t *testing.T) {
		for _, tc := range []struct {
			r       room
			as      session
			members []string
		}{
			{c.gMix, c.olive, []string{c.olive.AccountID, c.oscar.AccountID, c.bothO.AccountID}},
			{c.gKim, c.olive, []string{c.olive.AccountID}},
			{c.gFay, c.oscar, []string{c.olive.AccountID, c.oscar.AccountID}},
		} {
			got, ok := findRoom(e.rooms(tc.as), tc.r.RoomID)
			if !ok || !cmp.Equal(got.MemberIDs, tc.members) {
				t.Fatalf("room %q for %s: %+v (listed %v), want members %v", *tc.r.Name, tc.as.AccountID, got, ok, tc.members)
			}
		}
		var senders []string
		for _, m := range e.history(c.olive, c.gMix.RoomID, 0, 0) {
			senders = append(senders, m.SenderID)
		}
		if want := []string{c.olive.AccountID, c.oscar.AccountID}; !cmp.Equal(senders, want) {
			t.Fatalf("the mixed room's messages are from %v, want %v", senders, want)
		}
		// The other workspace's members post on; the fan-out notifies them.
		m := e.mustPost(c.oscar, c.gMix.RoomID, "still here")
		e.settle()
		e.f14RequireNotified(t, m, c.olive, c.bothO)
	})

	e.step(t, "the member of both keeps the other workspace", func(t *testing.T) {
		requireStatus(t, e.call("GET", "/v1/me", nil, c.bothO.bearer()...), http.StatusOK)
		s := e.login("other-ws", "both@shared.example", c.bothO.DeviceToken)
		requireStatus(t, e.call("GET", "/v1/rooms", nil, s.bearer()...), http.StatusOK)
		// Logging in to the withdrawn workspace is refused.
		r := e.passwordLogin(e.ticket("both@shared.example"), "acme-wd", "both@shared.example", testPassword, c.bothO.DeviceToken)
		refused(t, r, http.StatusForbidden, "forbidden")
		refused(t, e.call("GET", "/v1/orgs/acme-wd-org", nil), http.StatusNotFound, "not_found")
	})

	e.step(t, "the workspace ID can be taken again", func(t *testing.T) {
		token := e.create(newWorkspace("acme-wd", "new@fresh.example"))
		requireStatus(t, e.call("POST", "/v1/email-verifications", map[string]string{"token": token}), http.StatusOK)
		// A late run of the old withdrawal leaves the new workspace alone.
		late := e.withdrawnRun("acme-wd", id, 0, "")
		e.publish(late)
		e.awaitDone(withdrawal.Name, late.ID)
		if ws := e.doc("workspaces/acme-wd"); ws["status"] != domain.WorkspaceActive {
			t.Fatalf("the new acme-wd after a late run of the old withdrawal: %v", ws)
		}
	})
}

// wdScanSetup builds the scan test's data: the workspace acme-wd (super
// admin kim, members ann, dee (deleted), reg (registered, invited), fay
// (also a deleted member of other-ws) and both (also a member of
// other-ws)) and other-ws (olive, oscar, both), with everything members
// do, inside a workspace and across the two.
func (e *env) wdScanSetup() wdScanCast {
	e.t.Helper()
	var c wdScanCast
	c.kim = e.ownerSession("acme-wd", "kim@acme-wd.example")
	c.olive = e.ownerSession("other-ws", "olive@other-ws.example")
	e.allowExternalChat(c.kim)
	e.allowExternalChat(c.olive)
	c.ann = e.colleague(c.kim, "ann")
	c.oscar = e.colleague(c.olive, "oscar")
	e.joinByInvite(c.olive, "other-ws", "Lee both", "both@shared.example")
	c.bothO = e.login("other-ws", "both@shared.example", "")
	c.bothA = e.alsoJoins(c.bothO, "both@shared.example", c.kim)

	// fay: a deleted member of other-ws, in one of its rooms; a member of
	// acme-wd, so her account goes with it.
	c.fay = e.joinByInvite(c.olive, "other-ws", "Fay", "fay@acme-wd.example")
	c.gFay = e.mustCreateRoom(c.olive, groupRoom, "Team", c.oscar.AccountID, c.fay)
	e.mustPost(c.oscar, c.gFay.RoomID, "hello team")
	e.memberDeleted(c.olive, "other-ws", c.fay)
	if id := e.joinByInvite(c.kim, "acme-wd", "Fay", "fay@acme-wd.example"); id != c.fay {
		e.t.Fatalf("fay joined acme-wd as %s, not %s", id, c.fay)
	}
	c.dee = e.joinByInvite(c.kim, "acme-wd", "Dee", "dee@acme-wd.example")
	e.memberDeleted(c.kim, "acme-wd", c.dee)
	c.reg = e.registered(c.kim, "acme-wd", "Reg", "reg@acme-wd.example")
	// An invite link of two uses, one taken by an address never verified.
	limited := e.newInviteLink(c.kim, "acme-wd", map[string]any{"maxUses": 2})
	requireStatus(e.t, e.accept(limited.Token, "Pen", "pending@acme-wd.example"), http.StatusAccepted)

	// Profile links and external members, both ways, a block, and the
	// introductions they cause.
	annOnce := e.newProfileLink(c.ann, oneTimeLink)
	e.newProfileLink(c.ann, qrLink)
	e.mustAdd(c.olive, byLink(annOnce.Token))
	e.mustAdd(c.kim, byLink(e.newProfileLink(c.olive, oneTimeLink).Token))
	e.mustAdd(c.kim, byLink(e.newProfileLink(c.oscar, oneTimeLink).Token))
	requireStatus(e.t, e.block(c.oscar, c.kim.AccountID), http.StatusCreated)

	// Rooms of every kind, with messages and read positions.
	self := e.selfRoom(c.kim)
	e.mustPost(c.kim, self.RoomID, "note to self")
	in := e.mustCreateRoom(c.kim, directRoom, "", c.ann.AccountID)
	e.mustPost(c.kim, in.RoomID, "hi ann")
	e.mustPost(c.ann, in.RoomID, "hi kim")
	out := e.mustCreateRoom(c.kim, directRoom, "", c.olive.AccountID)
	e.mustPost(c.kim, out.RoomID, "hi olive")
	e.mustPost(c.olive, out.RoomID, "hi kim")
	inside := e.mustCreateRoom(c.kim, groupRoom, "Inside", c.ann.AccountID, c.bothA.AccountID)
	e.mustPost(c.kim, inside.RoomID, "inside 1")
	e.mustPost(c.bothA, inside.RoomID, "inside 2")
	last := e.mustPost(c.ann, inside.RoomID, "inside 3")
	requireStatus(e.t, e.markRead(c.kim, inside.RoomID, last.Seq), http.StatusNoContent)
	c.gMix = e.mustCreateRoom(c.olive, groupRoom, "Mixed", c.oscar.AccountID, c.ann.AccountID, c.kim.AccountID, c.bothO.AccountID)
	e.mustPost(c.olive, c.gMix.RoomID, "mixed olive")
	e.mustPost(c.ann, c.gMix.RoomID, "mixed ann")
	e.mustPost(c.oscar, c.gMix.RoomID, "mixed oscar")
	last = e.mustPost(c.kim, c.gMix.RoomID, "mixed kim")
	requireStatus(e.t, e.markRead(c.olive, c.gMix.RoomID, last.Seq), http.StatusNoContent)
	requireStatus(e.t, e.markRead(c.ann, c.gMix.RoomID, last.Seq), http.StatusNoContent)
	c.gKim = e.mustCreateRoom(c.kim, groupRoom, "Kim's", c.ann.AccountID, c.olive.AccountID)
	e.mustPost(c.kim, c.gKim.RoomID, "kim's room")
	e.mustPost(c.olive, c.gKim.RoomID, "olive in kim's room")
	requireStatus(e.t, e.mute(c.ann, 30), http.StatusOK)

	// A device approval request, a recovery key, a password reset, a
	// delegation offered and an organisation link.
	a := e.newDeviceLogin("acme-wd", "ann@acme-wd.example")
	e.asked(c.kim, a.ApprovalID)
	requireStatus(e.t, e.call("POST", "/v1/workspaces/acme-wd/recovery-key", map[string]string{"password": testPassword}, c.kim.bearer()...), http.StatusCreated)
	requireStatus(e.t, e.requestReset("Lee ann", "ann@acme-wd.example"), http.StatusAccepted)
	now := e.s.Deps.Clock.Now().Truncate(time.Microsecond)
	hash := auth.HashToken(auth.NewToken())
	d := domain.Delegation{TokenHash: hash, WorkspaceID: "acme-wd", FromAccountID: c.kim.AccountID, FromName: "Kim Workgate",
		ToAccountID: c.ann.AccountID, CreatedAt: now, ExpiresAt: now.Add(domain.DelegationTTL), PurgeAt: now.Add(2 * domain.DelegationTTL)}
	if _, err := e.fs().Doc("superAdminDelegations/"+hash).Create(context.Background(), d); err != nil {
		e.t.Fatal(err)
	}
	e.putOrgLink("acme-wd", "acme-wd-org", c.kim.AccountID)
	return c
}

// TestWithdrawalCrashResumes: the job dies after its first round of commits (the
// crash hook); while its claim is leased nothing resumes, the workspace
// stays deleting (no login, no organisation lookup); once the lease runs
// out Pub/Sub's redelivery takes the run over and finishes it, and every
// document is deleted once: the record counts exactly what disappeared.
// Two concurrent withdrawals both answer 202 and withdraw once.
func TestWithdrawalCrashResumes(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *stackOptions) { o.Configure = func(c *configT) { c.CrashWithdrawalAfter = 1 } })
	email := "kim@crash-wd.example"
	owner := e.ownerSession("crash-wd", email)
	self := e.selfRoom(owner)
	e.seedMessages(self.RoomID, owner, 1200) // more than a commit, and a listing
	e.putOrgLink("crash-wd", "crash-wd-org", owner.AccountID)
	requireStatus(t, e.call("GET", "/v1/orgs/crash-wd-org", nil), http.StatusOK)
	e.settle()
	before := e.wdSnapshot()

	_, got := race(2, func(int) int { return e.withdraw(owner, "crash-wd", testPassword, "Acme crash-wd").Status })
	if got[http.StatusAccepted] != 2 {
		t.Fatalf("two concurrent withdrawals answered %v, want 202 twice", got)
	}
	if ids := e.docIDs("withdrawals"); len(ids) != 1 {
		t.Fatalf("%d withdrawal records, want 1", len(ids))
	}
	id := e.withdrawalID("crash-wd")

	// The first run commits one round and dies.
	deadline := time.Now().Add(30 * time.Second)
	for e.withdrawalRecord(id).Deleted == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the job committed nothing in 30s")
		}
		sleep()
	}
	// The commits in flight with the first end with it.
	first := e.withdrawalRecord(id)
	for settled := false; !settled; {
		time.Sleep(300 * time.Millisecond)
		rec := e.withdrawalRecord(id)
		settled, first = rec == first, rec
	}
	claims := e.claimedEvents(withdrawal.Name)
	if len(claims) != 1 {
		t.Fatalf("claims %v, want run 0's", claims)
	}
	time.Sleep(time.Second) // Pub/Sub redelivers meanwhile; the lease holds it off
	if rec := e.withdrawalRecord(id); rec != first || first.Finished || first.Deleted >= 2400 {
		t.Fatalf("record %+v after the crash, then %+v; want one round of commits', unchanged", first, rec)
	}
	if claim := e.doc("processedEvents/" + withdrawal.Name + "_" + claims[0]); claim["done"] != false {
		t.Fatalf("the crashed run's claim %v", claim)
	}
	// Deleting: no token, no login, no organisation.
	refused(t, e.call("GET", "/v1/me", nil, owner.bearer()...), http.StatusUnauthorized, "unauthenticated")
	refused(t, e.passwordLogin(e.ticket(email), "crash-wd", email, testPassword, owner.DeviceToken), http.StatusForbidden, "forbidden")
	refused(t, e.call("GET", "/v1/orgs/crash-wd-org", nil), http.StatusNotFound, "not_found")
	during := e.wdSnapshot()

	e.advance(61) // past the lease: the next redelivery takes the run over
	rec := e.awaitWithdrawn("crash-wd", id, 90*time.Second)
	e.settle()
	after := e.wdSnapshot()
	e.requireNoLeak(after, []string{"crash-wd", owner.AccountID, email})
	// What existed before or while the run was dead (the refused login's
	// ticket); events waiting in the outbox are the relay's, not the job's.
	existed := map[string]map[string]any{}
	for _, docs := range []map[string]map[string]any{before, during} {
		for p, d := range docs {
			if !strings.HasPrefix(p, "outbox/") {
				existed[p] = d
			}
		}
	}
	if n := len(gone(existed, after)); rec.Deleted != int64(n) || n < 2400 {
		t.Fatalf("the record counts %d deletions; %d documents disappeared", rec.Deleted, n)
	}
	if rec.Updated != 0 || rec.Runs < 1 {
		t.Fatalf("record %+v", rec)
	}
	if ms := e.mailsMatching(email, withdrawnSubjects...); len(ms) != 1 {
		t.Fatalf("%d withdrawal mails, want 1", len(ms))
	}
}

// TestWithdrawalOverlappingRuns: runs that overlap (a redelivery while the
// run it repeats still works) delete each document once: two more runs
// racing the job's, on a workspace of members with accounts and a room of
// many messages, leave the record counting exactly what disappeared.
func TestWithdrawalOverlappingRuns(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("overlap-wd", "kim@overlap-wd.example")
	e.seedAccounts("overlap-wd", 60)
	e.seedMessages(e.selfRoom(owner).RoomID, owner, 600) // 1,200 documents: several commits
	e.settle()
	before := e.wdSnapshot()

	id := e.mustWithdraw(owner, "overlap-wd", "Acme overlap-wd")
	var (
		wg           sync.WaitGroup
		extra, raced atomic.Int64
	)
	for range 2 {
		wg.Go(func() {
			for range 20 {
				res, err := deletion.Delete(context.Background(), e.s.Deps.Store, deletion.Deletion{
					WorkspaceID: "overlap-wd", WithdrawalID: id, Run: 0, Now: e.s.Deps.Clock.Now(),
				})
				extra.Add(res.Deleted)
				raced.Add(int64(res.Raced))
				if err == nil && res.Done {
					return
				}
			}
			t.Error("an extra run never got to the end")
		})
	}
	wg.Wait()
	rec := e.awaitWithdrawn("overlap-wd", id, 90*time.Second)
	e.settle()
	after := e.wdSnapshot()
	e.requireNoLeak(after, []string{"overlap-wd", owner.AccountID})
	if n := len(gone(before, after)); rec.Deleted != int64(n) || n < 1300 {
		t.Fatalf("the record counts %d deletions; %d documents disappeared", rec.Deleted, n)
	}
	t.Logf("the extra runs deleted %d documents (%d commits raced), the job %d", extra.Load(), raced.Load(), rec.Deleted-extra.Load())
}

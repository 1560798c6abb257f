package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/functions/introductions"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// The helpers here drive F12's external members and F13's blocks, for
// f12_external_test.go and f13_test.go: members of several workspaces
// adding each other through profile links, blocking each other, and the
// introductions job that tells a member someone added them.

// colleague makes a new member of the owner's workspace through an invite
// link and logs them in on their first device: "Lee <local>",
// <local>@<ws>.example.
func (e *env) colleague(owner session, local string) session {
	e.t.Helper()
	ws := owner.WorkspaceID
	email := local + "@" + ws + ".example"
	e.joinByInvite(owner, ws, "Lee "+local, email)
	return e.login(ws, email, "")
}

// alsoJoins makes the account of s (whose e-mail is email) a member of the
// owner's workspace too, and logs it in there on the device s trusts.
func (e *env) alsoJoins(s session, email string, owner session) session {
	e.t.Helper()
	ws := owner.WorkspaceID
	if id := e.joinByInvite(owner, ws, "Lee again", email); id != s.AccountID {
		e.t.Fatalf("%s joined %s as a new account %s, want %s", email, ws, id, s.AccountID)
	}
	return e.login(ws, email, s.DeviceToken)
}

// renew refreshes a session whose access token expired (the dev clock
// moved past it).
func (e *env) renew(s session) session {
	e.t.Helper()
	r := e.refresh(s.RefreshToken)
	requireStatus(e.t, r, http.StatusOK)
	var next session
	r.JSON(e.t, &next)
	if next.DeviceToken == "" {
		next.DeviceToken = s.DeviceToken
	}
	return next
}

// renameWorkspace renames the owner's workspace (PATCH
// /v1/workspaces/{ws}, F15; written directly while it answers 501).
func (e *env) renameWorkspace(owner session, name string) {
	e.t.Helper()
	ws := owner.WorkspaceID
	r := e.patchWorkspace(owner, ws, map[string]any{"name": name})
	if r.Status == http.StatusNotImplemented {
		e.updateDoc("workspaces/"+ws, firestore.Update{Path: "name", Value: name})
		return
	}
	requireStatus(e.t, r, http.StatusOK)
}

// byLink and byMember are the two bodies of an addition.
func byLink(token string) map[string]string { return map[string]string{"profileLinkToken": token} }
func byMember(id string) map[string]string  { return map[string]string{"memberId": id} }

// contactDoc returns the path of a document in one of s's contact
// collections (externalMembers, addedBy, blocks) about another account.
func contactDoc(s session, collection, other string) string {
	return "workspaces/" + s.WorkspaceID + "/members/" + s.AccountID + "/" + collection + "/" + other
}

// addExternal adds an external member as s.
func (e *env) addExternal(s session, body any) response {
	e.t.Helper()
	return e.call("POST", "/v1/me/external-members", body, s.bearer()...)
}

// added is the answer to an addition.
type added struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
}

// mustAdd adds an external member as s and returns the answer.
func (e *env) mustAdd(s session, body any) added {
	e.t.Helper()
	r := e.addExternal(s, body)
	requireStatus(e.t, r, http.StatusCreated)
	var a added
	r.JSON(e.t, &a)
	return a
}

// externalEntry is one entry of GET /v1/me/external-members.
type externalEntry struct {
	MemberID  string        `json:"memberId"`
	Name      string        `json:"name"`
	Workspace workspaceName `json:"workspace"`
}

// workspaceName is a workspace as the contacts answers name it.
type workspaceName struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
}

// externalMembers lists the external members of s.
func (e *env) externalMembers(s session) []externalEntry {
	e.t.Helper()
	r := e.call("GET", "/v1/me/external-members", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		ExternalMembers []externalEntry `json:"externalMembers"`
	}
	r.JSON(e.t, &out)
	return out.ExternalMembers
}

// removeExternal removes an external member of s.
func (e *env) removeExternal(s session, memberID string) response {
	e.t.Helper()
	return e.call("DELETE", "/v1/me/external-members/"+memberID, nil, s.bearer()...)
}

// blockEntry is a block as POST /v1/me/blocks answers it and
// GET /v1/me/blocks lists it.
type blockEntry struct {
	MemberID  string    `json:"memberId"`
	Name      string    `json:"name"`
	BlockedAt time.Time `json:"blockedAt"`
}

// block blocks a member as s.
func (e *env) block(s session, memberID string) response {
	e.t.Helper()
	return e.call("POST", "/v1/me/blocks", map[string]string{"memberId": memberID}, s.bearer()...)
}

// unblock unblocks a member as s.
func (e *env) unblock(s session, memberID string) response {
	e.t.Helper()
	return e.call("DELETE", "/v1/me/blocks/"+memberID, nil, s.bearer()...)
}

// blocked lists whom s blocked.
func (e *env) blocked(s session) []blockEntry {
	e.t.Helper()
	r := e.call("GET", "/v1/me/blocks", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Blocked []blockEntry `json:"blocked"`
	}
	r.JSON(e.t, &out)
	return out.Blocked
}

// addedNote is an external_member_added notification as
// GET /v1/me/notifications shows it.
type addedNote struct {
	NotificationID string         `json:"notificationId"`
	Kind           string         `json:"kind"`
	CreatedAt      time.Time      `json:"createdAt"`
	Profile        map[string]any `json:"profile"`
	Workspace      workspaceName  `json:"workspace"`
	AddBack        struct {
		MemberID string `json:"memberId"`
	} `json:"addBack"`
}

// addedNotes returns the external_member_added notifications of s,
// newest first.
func (e *env) addedNotes(s session) []addedNote {
	e.t.Helper()
	r := e.call("GET", "/v1/me/notifications?limit=100", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		Notifications []addedNote `json:"notifications"`
	}
	r.JSON(e.t, &out)
	return slices.DeleteFunc(out.Notifications, func(n addedNote) bool { return n.Kind != domain.NotifyExternalMemberAdded })
}

// contents returns the data of every document by path, but presence marks
// (any authenticated call may write one): what a refused call must leave
// exactly as it was.
func (e *env) contents() map[string]map[string]any {
	e.t.Helper()
	var refs []*firestore.DocumentRef
	for _, p := range e.documents() {
		if !strings.Contains(p, "/presence/") {
			refs = append(refs, e.fs().Doc(p))
		}
	}
	snaps, err := e.fs().GetAll(context.Background(), refs)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make(map[string]map[string]any, len(snaps))
	for _, s := range snaps {
		_, path, _ := strings.Cut(s.Ref.Path, "/documents/")
		out[path] = s.Data()
	}
	return out
}

// pushes waits until n push requests to a job have been logged since
// mark, and returns them.
func (l *jobLog) pushes(t testing.TB, function string, mark, n int) []jobLine {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		lines := l.since(mark, function)
		if len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pushes to %s after 30s, want %d", len(lines), function, n)
		}
		sleep()
	}
}

// newIntroClaim returns the one event the job claimed that is not in before.
func (e *env) newIntroClaim(before []string) string {
	e.t.Helper()
	var fresh []string
	for _, id := range e.claimedEvents(introductions.Name) {
		if !slices.Contains(before, id) {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) != 1 {
		e.t.Fatalf("the introductions job claimed %d new events, want 1: %v", len(fresh), fresh)
	}
	return fresh[0]
}

// noteDoc returns the path of a member's notification.
func noteDoc(s session, notificationID string) string {
	return "workspaces/" + s.WorkspaceID + "/members/" + s.AccountID + "/notifications/" + notificationID
}

// addition rebuilds the external-member-added event of an addition of
// member by adder, from the ID of its notification, with the given event
// ID (a new one if empty).
func (e *env) addition(member, adder session, notificationID, eventID string) events.Event {
	e.t.Helper()
	additionID, ok := strings.CutPrefix(notificationID, domain.NotifyExternalMemberAdded+"-")
	if !ok || additionID == "" {
		e.t.Fatalf("notification ID %q is not external_member_added-{additionId}", notificationID)
	}
	ev, err := events.NewMemberAdded(events.MemberAdded{
		AdditionID: additionID, WorkspaceID: member.WorkspaceID, MemberID: member.AccountID,
		AdderWorkspaceID: adder.WorkspaceID, AdderID: adder.AccountID,
	}, e.s.Deps.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if eventID != "" {
		ev.ID = eventID
	}
	return ev
}

// publish publishes an event through Pub/Sub, as the relay does.
func (e *env) publish(ev events.Event) {
	e.t.Helper()
	if err := e.s.Deps.PubSub.Publish(context.Background(), ev); err != nil {
		e.t.Fatal(err)
	}
}

// step runs a subtest of a test that shares one stack across its steps,
// with e reporting to it.
func (e *env) step(t *testing.T, name string, f func(t *testing.T)) {
	parent := e.t
	t.Run(name, func(t *testing.T) {
		e.t = t
		defer func() { e.t = parent }()
		f(t)
	})
}

// refusal is one row of a table of refused calls.
type refusal struct {
	name string
	// before and after set up and undo what the case needs (after runs
	// even when the case fails).
	before, after func()
	call          func() response
	status        int
	code          string
}

// refusals runs a table of refused calls, each as a subtest: it answers
// its status and problem code and leaves every document as it was.
func (e *env) refusals(t *testing.T, cases []refusal) {
	t.Helper()
	e.settle() // no job still writing while the snapshots are compared
	// A snapshot after one case is the next one's before, unless a case
	// set something up or undid it (walking every document is slow).
	var last map[string]map[string]any
	for _, tc := range cases {
		e.step(t, tc.name, func(t *testing.T) {
			if tc.after != nil {
				defer func() { tc.after(); last = nil }()
			}
			if tc.before != nil {
				tc.before()
				last = nil
			}
			before := last
			if before == nil {
				before = e.contents()
			}
			last = nil
			refused(t, tc.call(), tc.status, tc.code)
			last = e.wroteNothing(before)
		})
	}
}

// wroteNothing fails the test if a document changed since a snapshot of
// contents, and returns the contents now.
func (e *env) wroteNothing(before map[string]map[string]any) map[string]map[string]any {
	e.t.Helper()
	now := e.contents()
	if diff := cmp.Diff(before, now); diff != "" {
		e.t.Errorf("a refused call changed Firestore (-before +after):\n%s", diff)
	}
	return now
}

// isTime reports whether a Firestore value is a timestamp.
func isTime(v any) bool {
	_, ok := v.(time.Time)
	return ok
}

// docIDs returns the sorted IDs of the documents of a collection.
func (e *env) docIDs(collection string) []string {
	e.t.Helper()
	refs, err := e.fs().Collection(collection).DocumentRefs(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := []string{}
	for _, r := range refs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

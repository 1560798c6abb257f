package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/functions/introductions"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
)

// The tests here are F12's external members (PRODUCT.md F12): adding a
// member of another workspace by their profile link or back by member ID,
// the refusals in their order, one-time links used up
// once under concurrency, removal, profiles across workspaces, and the
// introductions job that tells the member added, once per addition.

// TestExternalMemberAdd: members of beta add alpha's owner by a one-time
// link (used up) and by a QR link (usable by many); each addition writes
// the adder's entry and the record on the owner's side, and the list names
// members and workspaces as they are now. Every refusal answers in the
// spec's order and writes nothing; of 6 concurrent uses of one one-time
// link exactly one adds.
func TestExternalMemberAdd(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	p := e.colleague(o, "p") // the concurrent uses' target
	b := e.ownerSession("beta", "owner@beta.example")
	a := make([]session, 6)
	for i := range a {
		a[i] = e.colleague(b, fmt.Sprint("a", i))
	}
	g := e.ownerSession("gamma", "owner@gamma.example") // gamma keeps external chat off
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	// alpha names its members nickname first: the answers carry display names.
	alphaFields := domain.DefaultProfileFields()
	alphaFields.NameDisplay = domain.NicknameThenName
	e.setProfileFields(o, o.WorkspaceID, alphaFields)
	e.patchedProfile(o, map[string]any{"nickname": "Oz"})
	const oName = "Oz (Kim Workgate)"

	var once profileLink
	e.step(t, "one-time link", func(t *testing.T) {
		once = e.newProfileLink(o, oneTimeLink)
		got := e.mustAdd(a[0], byLink(once.Token))
		if diff := cmp.Diff(added{MemberID: o.AccountID, Name: oName}, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		entry := e.doc(contactDoc(a[0], "externalMembers", o.AccountID))
		if entry["memberId"] != o.AccountID || entry["workspaceId"] != "alpha" || !isTime(entry["addedAt"]) {
			t.Errorf("the adder's entry = %v, want memberId %s, workspaceId alpha, addedAt", entry, o.AccountID)
		}
		record := e.doc(contactDoc(o, "addedBy", a[0].AccountID))
		if record["memberId"] != a[0].AccountID || record["workspaceId"] != "beta" || !isTime(record["addedAt"]) {
			t.Errorf("the record on the owner's side = %v, want memberId %s, workspaceId beta, addedAt", record, a[0].AccountID)
		}
		link := e.doc("profileLinks/" + once.LinkID)
		if link["usedBy"] != a[0].AccountID || !isTime(link["usedAt"]) || link["usedAt"].(time.Time).IsZero() {
			t.Errorf("the one-time link = usedBy %v, usedAt %v; want used by %s", link["usedBy"], link["usedAt"], a[0].AccountID)
		}
		want := []externalEntry{{MemberID: o.AccountID, Name: oName, Workspace: workspaceName{"alpha", "Acme alpha"}}}
		if diff := cmp.Diff(want, e.externalMembers(a[0])); diff != "" {
			t.Errorf("the adder's list (-want +got):\n%s", diff)
		}
		if got := e.externalMembers(a[1]); len(got) != 0 {
			t.Errorf("another member lists %v", got)
		}
	})

	var qr profileLink
	e.step(t, "QR link adds many", func(t *testing.T) {
		qr = e.newProfileLink(o, qrLink)
		for _, s := range a[1:3] {
			if got := e.mustAdd(s, byLink(qr.Token)); got.MemberID != o.AccountID {
				t.Errorf("added %+v, want %s", got, o.AccountID)
			}
			if !e.exists(contactDoc(s, "externalMembers", o.AccountID)) {
				t.Errorf("no entry of %s", s.AccountID)
			}
		}
		var link domain.ProfileLink
		snap, err := e.fs().Doc("profileLinks/" + qr.LinkID).Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.DataTo(&link); err != nil {
			t.Fatal(err)
		}
		if !link.UsedAt.IsZero() || link.UsedBy != "" {
			t.Errorf("the QR link was used up: usedAt %v, usedBy %q", link.UsedAt, link.UsedBy)
		}
		var adders []string
		for _, s := range a[:3] {
			adders = append(adders, s.AccountID)
		}
		slices.Sort(adders)
		if diff := cmp.Diff(adders, e.docIDs("workspaces/alpha/members/"+o.AccountID+"/addedBy")); diff != "" {
			t.Errorf("records on the owner's side (-want +got):\n%s", diff)
		}
	})

	e.step(t, "list names as they are now, oldest first", func(t *testing.T) {
		e.mustAdd(a[1], byLink(e.newProfileLink(c, oneTimeLink).Token))
		want := []externalEntry{
			{MemberID: o.AccountID, Name: oName, Workspace: workspaceName{"alpha", "Acme alpha"}},
			{MemberID: c.AccountID, Name: "Lee c", Workspace: workspaceName{"alpha", "Acme alpha"}},
		}
		if diff := cmp.Diff(want, e.externalMembers(a[1])); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		e.renameWorkspace(o, "Alpha Renamed")
		e.patchedProfile(o, map[string]any{"nickname": "Ozzy"})
		defer e.patchedProfile(o, map[string]any{"nickname": "Oz"})
		want = []externalEntry{
			{MemberID: o.AccountID, Name: "Ozzy (Kim Workgate)", Workspace: workspaceName{"alpha", "Alpha Renamed"}},
			{MemberID: c.AccountID, Name: "Lee c", Workspace: workspaceName{"alpha", "Alpha Renamed"}},
		}
		if diff := cmp.Diff(want, e.externalMembers(a[1])); diff != "" {
			t.Errorf("list after the owner's nickname and their workspace's name changed (-want +got):\n%s", diff)
		}
	})

	e.step(t, "refusals", func(t *testing.T) {
		revoked := e.newProfileLink(o, oneTimeLink)
		requireStatus(t, e.revokeProfileLink(o, revoked.LinkID), http.StatusNoContent)
		live := e.newProfileLink(o, qrLink) // replaces qr
		linkID, _, _ := strings.Cut(live.Token, ".")
		alphaOff := func() { e.setExternalChat(o, false) }
		alphaOn := func() { e.setExternalChat(o, true) }
		add := func(s session, body any) func() response { return func() response { return e.addExternal(s, body) } }
		e.refusals(t, []refusal{
			{name: "unknown token", call: add(a[3], byLink("nosuchlink.nosecret")), status: 404, code: "not_found"},
			{name: "a live link's ID with a wrong secret", call: add(a[3], byLink(linkID+".wrongsecret")), status: 404, code: "not_found"},
			{name: "malformed token", call: add(a[3], byLink("not a token")), status: 404, code: "not_found"},
			{name: "one-time link used", call: add(a[3], byLink(once.Token)), status: 410, code: "gone"},
			{name: "revoked link", call: add(a[3], byLink(revoked.Token)), status: 410, code: "gone"},
			{name: "replaced QR link", call: add(a[3], byLink(qr.Token)), status: 410, code: "gone"},
			{name: "a colleague, with a used link (dead before same workspace)", call: add(c, byLink(once.Token)), status: 410, code: "gone"},
			{name: "a colleague", call: add(c, byLink(live.Token)), status: 400, code: "same_workspace"},
			{name: "the owner themselves", call: add(o, byLink(live.Token)), status: 400, code: "same_workspace"},
			{name: "a colleague, external chat off (same workspace first)", before: alphaOff, after: alphaOn,
				call: add(c, byLink(live.Token)), status: 400, code: "same_workspace"},
			{name: "external chat off on the adder's side", call: add(g, byLink(live.Token)), status: 403, code: "external_chat_disabled"},
			{name: "external chat off on the owner's side", before: alphaOff, after: alphaOn,
				call: add(a[3], byLink(live.Token)), status: 403, code: "external_chat_disabled"},
			{name: "already added", call: add(a[0], byLink(live.Token)), status: 409, code: "conflict"},
			{name: "already added, external chat off (external chat first)", before: alphaOff, after: alphaOn,
				call: add(a[0], byLink(live.Token)), status: 403, code: "external_chat_disabled"},
			{name: "both fields", call: add(a[3], map[string]string{"profileLinkToken": live.Token, "memberId": o.AccountID}), status: 400, code: "invalid_request"},
			{name: "neither field", call: add(a[3], map[string]string{}), status: 400, code: "invalid_request"},
		})
		// The control: with everything back on, the same member adds the
		// owner by the same link.
		e.mustAdd(a[3], byLink(live.Token))
	})

	e.step(t, "concurrent uses of one one-time link", func(t *testing.T) {
		link := e.newProfileLink(p, oneTimeLink)
		statuses, count := race(len(a), func(i int) int { return e.addExternal(a[i], byLink(link.Token)).Status })
		if diff := cmp.Diff(map[int]int{http.StatusCreated: 1, http.StatusGone: len(a) - 1}, count); diff != "" {
			t.Fatalf("statuses (-want +got):\n%s", diff)
		}
		winner := a[slices.Index(statuses, http.StatusCreated)]
		for i, s := range a {
			if got, want := e.exists(contactDoc(s, "externalMembers", p.AccountID)), s == winner; got != want {
				t.Errorf("member %d (answered %d) has an entry: %v", i, statuses[i], got)
			}
		}
		if diff := cmp.Diff([]string{winner.AccountID}, e.docIDs("workspaces/alpha/members/"+p.AccountID+"/addedBy")); diff != "" {
			t.Errorf("records on the owner's side (-want +got):\n%s", diff)
		}
		if got := e.doc("profileLinks/" + link.LinkID)["usedBy"]; got != winner.AccountID {
			t.Errorf("usedBy = %v, want the winner %s", got, winner.AccountID)
		}
		e.settle()
		notes := e.addedNotes(p)
		if len(notes) != 1 || notes[0].AddBack.MemberID != winner.AccountID {
			t.Errorf("the owner's notifications = %+v, want one, of %s", notes, winner.AccountID)
		}
	})

	// Last: the dev clock stays an hour on.
	e.step(t, "expired one-time link", func(t *testing.T) {
		link := e.newProfileLink(o, oneTimeLink)
		e.advance(int(domain.OneTimeLinkTTL / time.Second))
		a4 := e.renew(a[4])
		e.refusals(t, []refusal{
			{name: "an hour later", call: func() response { return e.addExternal(a4, byLink(link.Token)) }, status: 410, code: "gone"},
		})
	})
}

// TestExternalMemberNotification: the member added gets, from the
// introductions job, exactly one external_member_added notification per
// addition with the adder's profile as the adder's workspace shows it
// (hidden fields absent), the adder's workspace and an add-back action;
// the same event published again (same event ID) writes nothing, even
// after its claim was lost; a removal and a new addition notify again;
// and nobody is notified of an adder they blocked before the job ran.
func TestExternalMemberNotification(t *testing.T) {
	t.Parallel()
	var log jobLog
	e := log.start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	a2 := e.colleague(b, "a2")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	betaFields := domain.DefaultProfileFields() // mobile and birthday hidden
	betaFields.NameDisplay = domain.NameThenNickname
	e.setProfileFields(b, b.WorkspaceID, betaFields)
	e.patchedProfile(a, map[string]any{"nickname": "Ace", "title": "Lead", "mobile": "+821012345678", "birthday": "1990-05-17", "statusMessage": "at work"})
	qr := e.newProfileLink(o, qrLink)

	var first addedNote
	var firstEvent string
	e.step(t, "one notification per addition", func(t *testing.T) {
		claims := e.claimedEvents(introductions.Name)
		mark := log.mark()
		e.mustAdd(a, byLink(qr.Token))
		e.settle()
		firstEvent = e.newIntroClaim(claims)
		if runs := introRuns(log.since(mark, introductions.Name)); len(runs) != 1 {
			t.Errorf("the job ran %d times for one addition, want 1", len(runs))
		}
		notes := e.addedNotes(o)
		if len(notes) != 1 {
			t.Fatalf("the owner has %d external_member_added notifications, want 1: %+v", len(notes), notes)
		}
		first = notes[0]
		if !strings.HasPrefix(first.NotificationID, domain.NotifyExternalMemberAdded+"-") || !e.exists(noteDoc(o, first.NotificationID)) {
			t.Errorf("notification ID %q, want external_member_added-{additionId}, stored under the owner", first.NotificationID)
		}
		if diff := cmp.Diff(workspaceName{"beta", "Acme beta"}, first.Workspace); diff != "" {
			t.Errorf("workspace (-want +got):\n%s", diff)
		}
		if first.AddBack.MemberID != a.AccountID {
			t.Errorf("addBack.memberId = %q, want the adder %s", first.AddBack.MemberID, a.AccountID)
		}
		// As beta shows a: mobile and birthday hidden (absent), position
		// shown but empty (null), names in beta's display format.
		want := map[string]any{
			"memberId": a.AccountID, "displayName": "Lee a (Ace)", "name": "Lee a", "nickname": "Ace",
			"title": "Lead", "position": nil, "statusMessage": "at work", "email": "a@beta.example",
		}
		for k, v := range want {
			got, ok := first.Profile[k]
			if !ok || !cmp.Equal(v, got) {
				t.Errorf("profile.%s = %v (present %v), want %v", k, got, ok, v)
			}
		}
		for _, k := range []string{"mobile", "birthday"} {
			if v, ok := first.Profile[k]; ok {
				t.Errorf("profile.%s = %v, but beta hides it", k, v)
			}
		}
		if got := e.addedNotes(a); len(got) != 0 {
			t.Errorf("the adder was notified: %+v", got)
		}
	})

	e.step(t, "the same event again writes nothing", func(t *testing.T) {
		stored := e.doc(noteDoc(o, first.NotificationID))
		ev := e.addition(o, a, first.NotificationID, firstEvent)
		cases := []struct {
			name string
			lose bool // the claim is lost first (a crash after the effect)
			// writes of the push: none for a duplicate acknowledged as
			// done; a run writes its claim, its mark as done and the
			// outbox event's removal, and no notification.
			writes int64
		}{
			{"published again", false, 0},
			{"published again after the claim was lost", true, 3},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				if tc.lose {
					e.dropClaim(introductions.Name, firstEvent)
				}
				mark := log.mark()
				e.publish(ev)
				pushes := log.pushes(t, introductions.Name, mark, 1)
				e.settle()
				if p := pushes[0]; p.status != http.StatusNoContent || p.writes != tc.writes {
					t.Errorf("push = %d with %d writes, want 204 with %d", p.status, p.writes, tc.writes)
				}
				notes := e.addedNotes(o)
				if len(notes) != 1 || notes[0].NotificationID != first.NotificationID || !notes[0].CreatedAt.Equal(first.CreatedAt) {
					t.Errorf("notifications = %+v, want only the first", notes)
				}
				if diff := cmp.Diff(stored, e.doc(noteDoc(o, first.NotificationID))); diff != "" {
					t.Errorf("the notification changed (-before +after):\n%s", diff)
				}
			})
		}
	})

	var second addedNote
	var secondEvent string
	e.step(t, "a removal and a new addition notify again", func(t *testing.T) {
		requireStatus(t, e.removeExternal(a, o.AccountID), http.StatusNoContent)
		claims := e.claimedEvents(introductions.Name)
		e.mustAdd(a, byLink(qr.Token))
		e.settle()
		secondEvent = e.newIntroClaim(claims)
		notes := e.addedNotes(o)
		if len(notes) != 2 {
			t.Fatalf("%d notifications after a second addition, want 2: %+v", len(notes), notes)
		}
		second = notes[0]
		if notes[1].NotificationID != first.NotificationID || second.NotificationID == first.NotificationID || second.AddBack.MemberID != a.AccountID {
			t.Errorf("notifications = %+v, want a new one of %s, newest first, then the first", notes, a.AccountID)
		}
	})

	e.step(t, "no notification of an adder blocked before the job ran", func(t *testing.T) {
		// The event of the second addition arrives as for the first time:
		// its notification and claim gone.
		again := func() jobLine {
			if _, err := e.fs().Doc(noteDoc(o, second.NotificationID)).Delete(context.Background()); err != nil {
				t.Fatal(err)
			}
			e.dropClaim(introductions.Name, secondEvent)
			mark := log.mark()
			e.publish(e.addition(o, a, second.NotificationID, secondEvent))
			p := log.pushes(t, introductions.Name, mark, 1)[0]
			e.settle()
			return p
		}
		// The control: not blocked, the job notifies again.
		if again(); !e.exists(noteDoc(o, second.NotificationID)) {
			t.Fatal("the event arriving again did not notify (the control)")
		}
		requireStatus(t, e.block(o, a.AccountID), http.StatusCreated)
		if p := again(); p.status != http.StatusNoContent {
			t.Errorf("push answered %d, want 204", p.status)
		}
		if e.exists(noteDoc(o, second.NotificationID)) {
			t.Error("the owner was notified of an adder they had blocked")
		}
		// Additions the job learns of only now, by hand: of the blocked a,
		// nobody is notified; of a2 (who added the owner too), the owner
		// is (the control).
		e.mustAdd(a2, byLink(qr.Token))
		e.settle()
		ofA := domain.NotifyExternalMemberAdded + "-" + events.NewID()
		ofA2 := domain.NotifyExternalMemberAdded + "-" + events.NewID()
		mark := log.mark()
		e.publish(e.addition(o, a, ofA, ""))
		e.publish(e.addition(o, a2, ofA2, ""))
		log.pushes(t, introductions.Name, mark, 2)
		e.settle()
		if e.exists(noteDoc(o, ofA)) {
			t.Error("an event of a blocked adder notified")
		}
		if !e.exists(noteDoc(o, ofA2)) {
			t.Error("an event of an adder not blocked did not notify (the control)")
		}
	})
}

// introRuns returns the pushes that ran the job (answered 204 having
// written at least its claim and its mark as done); duplicates
// acknowledged without running are left out.
func introRuns(lines []jobLine) []jobLine {
	return slices.DeleteFunc(lines, func(l jobLine) bool { return l.status != http.StatusNoContent || l.writes < 2 })
}

// TestExternalMemberAddBack: the member added sees the adder's profile
// (as the adder's workspace shows it) before adding them back by member
// ID, which works only for someone who added them, once, under the same
// workspace and external-chat rules, and notifies the adder. The adder
// sees the owner's profile as the owner's workspace shows it. Removal
// answers 204 then 404; a removed member's profile is hidden unless they
// added the caller.
func TestExternalMemberAddBack(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	a2 := e.colleague(b, "a2")
	a3 := e.colleague(b, "a3")
	x := e.colleague(b, "x")
	e.setExternalChat(o, true)
	e.setExternalChat(b, true)
	alphaFields := domain.DefaultProfileFields()
	alphaFields.Mobile = true // alpha shows mobiles; beta (default) hides them
	e.setProfileFields(o, o.WorkspaceID, alphaFields)
	e.patchedProfile(o, map[string]any{"mobile": "+821011112222"})
	e.patchedProfile(a, map[string]any{"mobile": "+821033334444"})
	qr := e.newProfileLink(o, qrLink)
	for _, s := range []session{a, a2, a3, x} {
		e.mustAdd(s, byLink(qr.Token))
	}

	e.step(t, "profiles across workspaces", func(t *testing.T) {
		var r map[string]any
		res := e.memberProfile(a, o.AccountID)
		requireStatus(t, res, http.StatusOK)
		res.JSON(t, &r)
		if r["memberId"] != o.AccountID || r["name"] != "Kim Workgate" || r["mobile"] != "+821011112222" {
			t.Errorf("the owner as the adder sees them = %v, want alpha's settings (mobile shown)", r)
		}
		r = nil
		res = e.memberProfile(o, a.AccountID)
		requireStatus(t, res, http.StatusOK)
		res.JSON(t, &r)
		if r["memberId"] != a.AccountID || r["name"] != "Lee a" || r["email"] != "a@beta.example" {
			t.Errorf("the adder as the owner sees them before adding back = %v", r)
		}
		if v, ok := r["mobile"]; ok {
			t.Errorf("the adder's mobile = %v, but beta hides mobiles", v)
		}
		for _, tc := range []struct {
			name   string
			viewer session
			id     string
		}{
			{"a colleague of the adder views the owner", b, o.AccountID},
			{"the owner views a colleague of the adder", o, b.AccountID},
			{"the adder views a colleague of the owner", a, c.AccountID},
			{"unknown account", o, domain.NewID()},
		} {
			if r := e.memberProfile(tc.viewer, tc.id); r.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", tc.name, r.Status)
			}
		}
	})

	e.step(t, "add back", func(t *testing.T) {
		e.settle() // the notifications of the additions above are out
		claims := e.claimedEvents(introductions.Name)
		got := e.mustAdd(o, byMember(a.AccountID))
		if diff := cmp.Diff(added{MemberID: a.AccountID, Name: "Lee a"}, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		entry := e.doc(contactDoc(o, "externalMembers", a.AccountID))
		if entry["memberId"] != a.AccountID || entry["workspaceId"] != "beta" {
			t.Errorf("the owner's entry = %v", entry)
		}
		record := e.doc(contactDoc(a, "addedBy", o.AccountID))
		if record["memberId"] != o.AccountID || record["workspaceId"] != "alpha" {
			t.Errorf("the record on the adder's side = %v", record)
		}
		want := []externalEntry{{MemberID: a.AccountID, Name: "Lee a", Workspace: workspaceName{"beta", "Acme beta"}}}
		if diff := cmp.Diff(want, e.externalMembers(o)); diff != "" {
			t.Errorf("the owner's list (-want +got):\n%s", diff)
		}
		e.settle()
		e.newIntroClaim(claims)
		notes := e.addedNotes(a)
		if len(notes) != 1 {
			t.Fatalf("the adder has %d external_member_added notifications, want 1: %+v", len(notes), notes)
		}
		n := notes[0]
		if n.AddBack.MemberID != o.AccountID || n.Workspace != (workspaceName{"alpha", "Acme alpha"}) ||
			n.Profile["memberId"] != o.AccountID || n.Profile["mobile"] != "+821011112222" {
			t.Errorf("the adder's notification = %+v, want the owner as alpha shows them", n)
		}
	})

	e.step(t, "add back refusals", func(t *testing.T) {
		e.alsoJoins(x, "x@beta.example", o) // x, who added the owner, is now their colleague too
		alphaOff := func() { e.setExternalChat(o, false) }
		alphaOn := func() { e.setExternalChat(o, true) }
		betaOff := func() { e.setExternalChat(b, false) }
		betaOn := func() { e.setExternalChat(b, true) }
		add := func(id string) func() response { return func() response { return e.addExternal(o, byMember(id)) } }
		e.refusals(t, []refusal{
			{name: "already added", call: add(a.AccountID), status: 409, code: "conflict"},
			{name: "never added the caller", call: add(b.AccountID), status: 404, code: "not_found"},
			{name: "a colleague who never added the caller (not an adder first)", call: add(c.AccountID), status: 404, code: "not_found"},
			{name: "unknown account", call: add(domain.NewID()), status: 404, code: "not_found"},
			{name: "oneself", call: add(o.AccountID), status: 404, code: "not_found"},
			{name: "an adder now in the caller's workspace", call: add(x.AccountID), status: 400, code: "same_workspace"},
			{name: "external chat off on the caller's side", before: alphaOff, after: alphaOn, call: add(a2.AccountID), status: 403, code: "external_chat_disabled"},
			{name: "external chat off on the adder's side", before: betaOff, after: betaOn, call: add(a2.AccountID), status: 403, code: "external_chat_disabled"},
			{name: "already added, external chat off (external chat first)", before: alphaOff, after: alphaOn, call: add(a.AccountID), status: 403, code: "external_chat_disabled"},
		})
		// The control: with external chat back on, a2 is added back.
		if got := e.mustAdd(o, byMember(a2.AccountID)); got.MemberID != a2.AccountID {
			t.Errorf("added %+v, want %s", got, a2.AccountID)
		}
	})

	e.step(t, "removal", func(t *testing.T) {
		requireStatus(t, e.removeExternal(a3, o.AccountID), http.StatusNoContent)
		refused(t, e.removeExternal(a3, o.AccountID), http.StatusNotFound, "not_found")
		if e.exists(contactDoc(a3, "externalMembers", o.AccountID)) {
			t.Error("the entry is still there")
		}
		if got := e.externalMembers(a3); len(got) != 0 {
			t.Errorf("list after removal = %v", got)
		}
		// The owner never added a3: their profile is hidden from a3 now.
		refused(t, e.memberProfile(a3, o.AccountID), http.StatusNotFound, "not_found")

		// The owner added a back: a still sees them after removing them.
		requireStatus(t, e.removeExternal(a, o.AccountID), http.StatusNoContent)
		requireStatus(t, e.memberProfile(a, o.AccountID), http.StatusOK)

		refused(t, e.removeExternal(a, c.AccountID), http.StatusNotFound, "not_found")
		refused(t, e.removeExternal(a, domain.NewID()), http.StatusNotFound, "not_found")
	})
}

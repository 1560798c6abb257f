package e2e

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// The test here is F13, blocking (PRODUCT.md F13): a member blocks an
// external member or someone who added them — never a colleague or
// themselves — which removes their entry of them in the same call; while
// blocked, either way, neither sees the other's profile, opens the other's
// profile link or adds the other; unblocking lets them add again at once;
// a block holds for the account whatever workspace it acts from.

// TestBlock: blocking, its refusals, what a block hides in both
// directions, unblocking, and a block of an account that belongs to two
// workspaces.
func TestBlock(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.ownerSession("alpha", "owner@alpha.example")
	c := e.colleague(o, "c")
	b := e.ownerSession("beta", "owner@beta.example")
	a := e.colleague(b, "a")
	a2 := e.colleague(b, "a2")
	x := e.colleague(b, "x")
	g := e.ownerSession("gamma", "owner@gamma.example")
	for _, s := range []session{o, b, g} {
		e.setExternalChat(s, true)
	}
	oq := e.newProfileLink(o, qrLink)
	aq := e.newProfileLink(a, qrLink)
	e.mustAdd(a, byLink(oq.Token))
	e.mustAdd(a, byLink(e.newProfileLink(c, oneTimeLink).Token))
	e.mustAdd(x, byLink(oq.Token))

	// visible checks what a and o see of each other, and whether a can add
	// o by o's QR link and o can add a back (only tried when want is
	// false: a refusal writes nothing, so the check can be repeated).
	visible := func(t *testing.T, want bool) {
		t.Helper()
		status := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[want]
		for _, tc := range []struct {
			name string
			r    response
		}{
			{"a views o's profile", e.memberProfile(a, o.AccountID)},
			{"o views a's profile", e.memberProfile(o, a.AccountID)},
			{"a opens o's link", e.openProfileLink(a, oq.Token)},
			{"o opens a's link", e.openProfileLink(o, aq.Token)},
		} {
			if tc.r.Status != status {
				t.Errorf("%s: %d, want %d: %s", tc.name, tc.r.Status, status, tc.r.Body)
			}
		}
		if want {
			return
		}
		e.refusals(t, []refusal{
			{name: "a adds o by link", call: func() response { return e.addExternal(a, byLink(oq.Token)) }, status: 404, code: "not_found"},
			{name: "o adds a back", call: func() response { return e.addExternal(o, byMember(a.AccountID)) }, status: 404, code: "not_found"},
		})
	}

	var blockedO, blockedC blockEntry
	e.step(t, "block an external member", func(t *testing.T) {
		visible(t, true) // the control
		r := e.block(a, o.AccountID)
		requireStatus(t, r, http.StatusCreated)
		r.JSON(t, &blockedO)
		if blockedO.MemberID != o.AccountID || blockedO.Name != "Kim Workgate" || blockedO.BlockedAt.IsZero() {
			t.Errorf("answer = %+v, want o, their name and when", blockedO)
		}
		doc := e.doc(contactDoc(a, "blocks", o.AccountID))
		if doc["memberId"] != o.AccountID || doc["workspaceId"] != "alpha" || !isTime(doc["blockedAt"]) {
			t.Errorf("block = %v", doc)
		}
		if e.exists(contactDoc(a, "externalMembers", o.AccountID)) {
			t.Error("the blocker's entry of the member blocked is still there")
		}
		want := []externalEntry{{MemberID: c.AccountID, Name: "Lee c", Workspace: workspaceName{"alpha", "Acme alpha"}}}
		if diff := cmp.Diff(want, e.externalMembers(a)); diff != "" {
			t.Errorf("the blocker's external members (-want +got):\n%s", diff)
		}
		r = e.block(a, c.AccountID)
		requireStatus(t, r, http.StatusCreated)
		r.JSON(t, &blockedC)
		if diff := cmp.Diff([]blockEntry{blockedC, blockedO}, e.blocked(a)); diff != "" {
			t.Errorf("blocked, newest first (-want +got):\n%s", diff)
		}
	})

	e.step(t, "refusals", func(t *testing.T) {
		blockBy := func(s session, body any) func() response {
			return func() response { return e.call("POST", "/v1/me/blocks", body, s.bearer()...) }
		}
		blockOf := func(id string) map[string]string { return map[string]string{"memberId": id} }
		e.refusals(t, []refusal{
			{name: "a colleague", call: blockBy(a, blockOf(a2.AccountID)), status: 400, code: "cannot_block_workspace_member"},
			{name: "a colleague who added an external member too", call: blockBy(a, blockOf(x.AccountID)), status: 400, code: "cannot_block_workspace_member"},
			{name: "the super admin", call: blockBy(a, blockOf(b.AccountID)), status: 400, code: "cannot_block_workspace_member"},
			{name: "oneself", call: blockBy(a, blockOf(a.AccountID)), status: 400, code: "cannot_block_workspace_member"},
			{name: "an unrelated account", call: blockBy(a, blockOf(g.AccountID)), status: 404, code: "not_found"},
			{name: "a member of the other's workspace, unrelated", call: blockBy(o, blockOf(a2.AccountID)), status: 404, code: "not_found"},
			{name: "unknown account", call: blockBy(a, blockOf(domain.NewID())), status: 404, code: "not_found"},
			{name: "twice", call: blockBy(a, blockOf(o.AccountID)), status: 409, code: "conflict"},
			{name: "no memberId", call: blockBy(a, map[string]string{}), status: 400, code: "invalid_request"},
			{name: "unblock someone not blocked", call: func() response { return e.unblock(a, g.AccountID) }, status: 404, code: "not_found"},
		})
	})

	e.step(t, "while blocked, neither sees nor adds the other", func(t *testing.T) {
		visible(t, false)
	})

	e.step(t, "unblock", func(t *testing.T) {
		requireStatus(t, e.unblock(a, o.AccountID), http.StatusNoContent)
		refused(t, e.unblock(a, o.AccountID), http.StatusNotFound, "not_found")
		if diff := cmp.Diff([]blockEntry{blockedC}, e.blocked(a)); diff != "" {
			t.Errorf("blocked after unblocking o (-want +got):\n%s", diff)
		}
		// At once, by the same live link.
		if got := e.mustAdd(a, byLink(oq.Token)); got.MemberID != o.AccountID {
			t.Errorf("added %+v, want o", got)
		}
		visible(t, true)
	})

	e.step(t, "blocked by the other side", func(t *testing.T) {
		requireStatus(t, e.block(o, a.AccountID), http.StatusCreated) // a added o
		visible(t, false)                                             // a's addition of o, kept, would be 409: blocked first
		// Blocked comes before external chat: a still gets 404.
		e.refusals(t, []refusal{{
			name: "a adds o, external chat off", before: func() { e.setExternalChat(o, false) }, after: func() { e.setExternalChat(o, true) },
			call: func() response { return e.addExternal(a, byLink(oq.Token)) }, status: 404, code: "not_found",
		}})
		requireStatus(t, e.unblock(o, a.AccountID), http.StatusNoContent)
		// At once, back by member ID.
		if got := e.mustAdd(o, byMember(a.AccountID)); got.MemberID != a.AccountID {
			t.Errorf("added back %+v, want a", got)
		}
		visible(t, true)
	})

	e.step(t, "a block holds for the account in every workspace", func(t *testing.T) {
		xg := e.alsoJoins(x, "x@beta.example", g) // x, who added o from beta, in gamma too
		requireStatus(t, e.openProfileLink(xg, oq.Token), http.StatusOK)
		requireStatus(t, e.memberProfile(o, x.AccountID), http.StatusOK) // the controls
		requireStatus(t, e.block(o, x.AccountID), http.StatusCreated)
		for _, tc := range []struct {
			name string
			r    response
		}{
			{"x, from gamma, opens o's link", e.openProfileLink(xg, oq.Token)},
			{"x, from beta, views o's profile", e.memberProfile(x, o.AccountID)},
			{"o views x's profile", e.memberProfile(o, x.AccountID)},
		} {
			if tc.r.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404: %s", tc.name, tc.r.Status, tc.r.Body)
			}
		}
		e.refusals(t, []refusal{
			{name: "x, from gamma, adds o by link", call: func() response { return e.addExternal(xg, byLink(oq.Token)) }, status: 404, code: "not_found"},
		})
		requireStatus(t, e.openProfileLink(g, oq.Token), http.StatusOK) // gamma's owner still may
	})
}

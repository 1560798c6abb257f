package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// TestF17OrgLink is F17 end to end on one stack: who may apply, the plan
// gate, every validation, the operators' key, the operators' decisions
// (idempotent, 409 the other way, one mail to the super admin each),
// applying again after a rejection, the login-method name, and the
// organisation lookup of F6 that shows only an active link.
func TestF17OrgLink(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	admin := e.colleague(owner, "admin")
	e.grant("acme", admin.AccountID, domain.PermAdminAccess, domain.PermMemberManagement)
	member := e.colleague(owner, "member")
	other := e.ownerSession("other", "other@example.com")
	e.create(newWorkspace("pending-ws", "pending@example.com")) // never verified

	bn := businessNumber("12481009")
	for _, n := range []string{bn, businessNumber("21987654"), "1248100998"} {
		if err := domain.CheckBusinessNumber(n); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	if domain.CheckBusinessNumber(wrongCheckDigit(bn)) == nil {
		t.Fatalf("%s passes", wrongCheckDigit(bn))
	}
	name60 := hangulName(60)
	good := orgApplication(name60, "acme-corp", bn)
	apply := func(s session, body any) func() response {
		return func() response { return e.applyOrg(s, s.WorkspaceID, body) }
	}
	applyAcme := func(s session, body any) func() response {
		return func() response { return e.applyOrg(s, "acme", body) }
	}

	t.Run("refused on the free plan", func(t *testing.T) {
		e.refusals(t, []refusal{
			{name: "no token", call: func() response { return e.call("POST", "/v1/workspaces/acme/org-link", good) }, status: 401, code: "unauthenticated"},
			{name: "member", call: applyAcme(member, good), status: 403, code: "forbidden"},
			{name: "admin with both permissions", call: applyAcme(admin, good), status: 403, code: "forbidden"},
			{name: "another workspace's super admin", call: applyAcme(other, good), status: 403, code: "forbidden"},
			{name: "invalid before the plan", call: applyAcme(owner, orgApplication("", "acme-corp", bn)), status: 400, code: "invalid_request"},
			{name: "free plan", call: applyAcme(owner, good), status: 403, code: "plan_required"},
		})
	})

	e.operatorSetPlan("acme", "standard")
	t.Run("invalid applications", func(t *testing.T) {
		bad := func(orgName, orgID, number string) func() response {
			return applyAcme(owner, orgApplication(orgName, orgID, number))
		}
		cases := []refusal{
			{name: "orgName empty", call: bad("", "acme-corp", bn)},
			{name: "orgName blank", call: bad("   ", "acme-corp", bn)},
			{name: "orgName 61 characters", call: bad(hangulName(61), "acme-corp", bn)},
			{name: "orgId too short", call: bad("Acme", "ac", bn)},
			{name: "orgId 41 characters", call: bad("Acme", strings.Repeat("a", 41), bn)},
			{name: "orgId upper case", call: bad("Acme", "Acme-Corp", bn)},
			{name: "orgId underscore", call: bad("Acme", "acme_corp", bn)},
			{name: "businessNumber check digit", call: bad("Acme", "acme-corp", wrongCheckDigit(bn))},
			{name: "businessNumber 9 digits", call: bad("Acme", "acme-corp", bn[:9])},
			{name: "businessNumber 11 digits", call: bad("Acme", "acme-corp", bn+"0")},
			{name: "businessNumber with dashes", call: bad("Acme", "acme-corp", bn[:3]+"-"+bn[3:5]+"-"+bn[5:])},
			{name: "unknown field", call: applyAcme(owner, map[string]string{"orgName": "Acme", "orgId": "acme-corp", "businessNumber": bn, "plan": "free"})},
		}
		for i := range cases {
			cases[i].status, cases[i].code = 400, "invalid_request"
		}
		e.refusals(t, cases)
	})

	// 60 Korean characters make a valid name.
	r := e.applyOrg(owner, "acme", good)
	requireStatus(t, r, http.StatusAccepted)
	if string(r.Body) != `{"status":"pending"}`+"\n" {
		t.Fatalf("apply = %s", r.Body)
	}
	doc := e.doc("orgLinks/acme-corp")
	for k, want := range map[string]any{
		"orgId": "acme-corp", "workspaceId": "acme", "orgName": name60, "businessNumber": bn,
		"status": "pending", "loginMethodName": "", "appliedBy": owner.AccountID,
	} {
		if doc[k] != want {
			t.Errorf("orgLinks/acme-corp %s = %v, want %v", k, doc[k], want)
		}
	}
	if ws := e.doc("workspaces/acme"); ws["orgId"] != "acme-corp" {
		t.Fatalf("workspace names %v", ws["orgId"])
	}
	if diff := cmp.Diff(orgLinkView{OrgName: name60, OrgID: "acme-corp", Status: "pending", BusinessNumber: bn}, e.orgLink(owner, "acme")); diff != "" {
		t.Fatalf("org link (-want +got):\n%s", diff)
	}

	e.operatorSetPlan("other", "enterprise")
	t.Run("refused while pending", func(t *testing.T) {
		get := func(s session, ws string) func() response {
			return func() response { return e.call("GET", "/v1/workspaces/"+ws+"/org-link", nil, s.bearer()...) }
		}
		patch := func(s session, ws string, name string) func() response {
			return func() response {
				return e.call("PATCH", "/v1/workspaces/"+ws+"/org-link", map[string]string{"loginMethodName": name}, s.bearer()...)
			}
		}
		op := func(method, path, authorization string, body any) func() response {
			return func() response {
				if authorization == "" {
					return e.call(method, path, body)
				}
				return e.call(method, path, body, "Authorization", authorization)
			}
		}
		const approveAcme = "/v1/operator/org-links/acme-corp/approve"
		e.refusals(t, []refusal{
			{name: "second application, same ID", call: applyAcme(owner, good), status: 409, code: "conflict"},
			{name: "second application, another ID", call: applyAcme(owner, orgApplication("Acme", "acme-group", bn)), status: 409, code: "conflict"},
			{name: "ID taken by another workspace", call: apply(other, orgApplication("Other", "acme-corp", bn)), status: 409, code: "conflict"},
			{name: "read by an admin", call: get(admin, "acme"), status: 403, code: "forbidden"},
			{name: "read by a member", call: get(member, "acme"), status: 403, code: "forbidden"},
			{name: "read by another workspace", call: get(other, "acme"), status: 403, code: "forbidden"},
			{name: "no link to read", call: get(other, "other"), status: 404, code: "not_found"},
			{name: "no link to name", call: patch(other, "other", "SSO"), status: 404, code: "not_found"},
			{name: "named by an admin", call: patch(admin, "acme", "SSO"), status: 403, code: "forbidden"},
			{name: "name blank", call: patch(owner, "acme", "  "), status: 400, code: "invalid_request"},
			{name: "name 61 characters", call: patch(owner, "acme", hangulName(61)), status: 400, code: "invalid_request"},
			{name: "lookup while pending", call: func() response { return e.call("GET", "/v1/orgs/acme-corp", nil) }, status: 404, code: "not_found"},
			{name: "login while pending", call: func() response {
				return e.orgLogin("acme-corp", "owner@example.com", testPassword, owner.DeviceToken, nil)
			}, status: 404, code: "not_found"},
			{name: "operator: no key", call: op("POST", approveAcme, "", nil), status: 401, code: "unauthenticated"},
			{name: "operator: wrong key", call: op("POST", approveAcme, "Bearer dev-operator-keY", nil), status: 401, code: "unauthenticated"},
			{name: "operator: key prefix", call: op("POST", approveAcme, "Bearer dev-operator-ke", nil), status: 401, code: "unauthenticated"},
			{name: "operator: key and more", call: op("POST", approveAcme, "Bearer dev-operator-keydev-operator-key", nil), status: 401, code: "unauthenticated"},
			{name: "operator: not a bearer", call: op("POST", approveAcme, "dev-operator-key", nil), status: 401, code: "unauthenticated"},
			{name: "operator: a member's token", call: op("POST", approveAcme, "Bearer "+owner.AccessToken, nil), status: 401, code: "unauthenticated"},
			{name: "operator: plan without the key", call: op("PUT", "/v1/operator/workspaces/acme/plan", "", map[string]string{"plan": "free"}), status: 401, code: "unauthenticated"},
			{name: "operator: reject without the key", call: op("POST", "/v1/operator/org-links/acme-corp/reject", "Bearer wrong", nil), status: 401, code: "unauthenticated"},
			{name: "unknown plan", call: func() response {
				return e.operatorCall("PUT", "/v1/operator/workspaces/acme/plan", map[string]string{"plan": "gold"})
			}, status: 400, code: "invalid_request"},
			{name: "plan of an unknown workspace", call: func() response {
				return e.operatorCall("PUT", "/v1/operator/workspaces/nowhere/plan", map[string]string{"plan": "standard"})
			}, status: 404, code: "not_found"},
			{name: "plan of a pending workspace", call: func() response {
				return e.operatorCall("PUT", "/v1/operator/workspaces/pending-ws/plan", map[string]string{"plan": "standard"})
			}, status: 404, code: "not_found"},
			{name: "decide an unknown link", call: func() response { return e.decideOrg("no-such-org", "approve") }, status: 404, code: "not_found"},
			{name: "decide a malformed ID", call: func() response { return e.decideOrg("Acme-Corp", "reject") }, status: 404, code: "not_found"},
		})
	})

	// Rejected: the super admin is mailed; rejecting again changes
	// nothing; approving a rejected link is 409.
	r = e.decideOrg("acme-corp", "reject")
	requireStatus(t, r, http.StatusOK)
	if string(r.Body) != `{"status":"rejected"}`+"\n" {
		t.Fatalf("reject = %s", r.Body)
	}
	e.settle()
	before := e.contents()
	requireStatus(t, e.decideOrg("acme-corp", "reject"), http.StatusOK)
	refused(t, e.decideOrg("acme-corp", "approve"), http.StatusConflict, "conflict")
	e.wroteNothing(before)
	mails := e.orgDecidedMails("owner@example.com")
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "acme-corp") || !strings.Contains(mails[0].Text, "반려되었습니다") || len(mails[0].Links) == 0 {
		t.Fatalf("rejection mails %+v", mails)
	}
	if l := e.orgLink(owner, "acme"); l.Status != "rejected" {
		t.Fatalf("after rejection: %+v", l)
	}
	if d := e.doc("orgLinks/acme-corp"); !isTime(d["decidedAt"]) || d["decidedAt"].(time.Time).IsZero() {
		t.Fatalf("decidedAt = %v", d["decidedAt"])
	}
	refused(t, e.call("GET", "/v1/orgs/acme-corp", nil), http.StatusNotFound, "not_found")

	// Applying again with another ID deletes the rejected link, whose ID
	// is free again.
	requireStatus(t, e.applyOrg(owner, "acme", orgApplication("Acme Group", "acme-group", bn)), http.StatusAccepted)
	if e.exists("orgLinks/acme-corp") || e.doc("workspaces/acme")["orgId"] != "acme-group" {
		t.Fatal("the rejected link was not replaced")
	}
	requireStatus(t, e.applyOrg(other, "other", orgApplication("Other Corp", "acme-corp", bn)), http.StatusAccepted)

	// Applying again with the same ID replaces the rejected link, keeping
	// its login-method name (which the super admin sets in any status).
	requireStatus(t, e.call("PATCH", "/v1/workspaces/other/org-link", map[string]string{"loginMethodName": "Other SSO"}, other.bearer()...), http.StatusOK)
	requireStatus(t, e.decideOrg("acme-corp", "reject"), http.StatusOK)
	bn2 := businessNumber("21987654")
	requireStatus(t, e.applyOrg(other, "other", orgApplication("Other Corporation", "acme-corp", bn2)), http.StatusAccepted)
	sso := "Other SSO"
	if diff := cmp.Diff(orgLinkView{OrgName: "Other Corporation", OrgID: "acme-corp", Status: "pending", LoginMethodName: &sso, BusinessNumber: bn2}, e.orgLink(other, "other")); diff != "" {
		t.Fatalf("replaced link (-want +got):\n%s", diff)
	}
	if d := e.doc("orgLinks/acme-corp"); d["workspaceId"] != "other" || !d["decidedAt"].(time.Time).IsZero() {
		t.Fatalf("replaced link %v", d)
	}

	// Approved: mailed; approving again changes nothing; rejecting an
	// active link is 409, and so is another application.
	r = e.decideOrg("acme-group", "approve")
	requireStatus(t, r, http.StatusOK)
	if string(r.Body) != `{"status":"active"}`+"\n" {
		t.Fatalf("approve = %s", r.Body)
	}
	e.settle()
	before = e.contents()
	requireStatus(t, e.decideOrg("acme-group", "approve"), http.StatusOK)
	refused(t, e.decideOrg("acme-group", "reject"), http.StatusConflict, "conflict")
	refused(t, e.applyOrg(owner, "acme", orgApplication("Acme", "acme-new", bn)), http.StatusConflict, "conflict")
	e.wroteNothing(before)
	mails = e.orgDecidedMails("owner@example.com")
	if len(mails) != 2 || !strings.Contains(mails[0].Text, "acme-group") || !strings.Contains(mails[0].Text, "승인되었습니다") {
		t.Fatalf("approval mails %+v", mails)
	}

	// The organisation's login screen, before and after the super admin
	// names its login method.
	lookup := func() orgView {
		r := e.call("GET", "/v1/orgs/acme-group", nil)
		requireStatus(t, r, http.StatusOK)
		var o orgView
		r.JSON(t, &o)
		return o
	}
	if diff := cmp.Diff(orgView{OrgID: "acme-group", OrgName: "Acme Group", WorkspaceID: "acme"}, lookup()); diff != "" {
		t.Fatalf("lookup (-want +got):\n%s", diff)
	}
	r = e.call("PATCH", "/v1/workspaces/acme/org-link", map[string]string{"loginMethodName": "  사내 계정 로그인 "}, owner.bearer()...)
	requireStatus(t, r, http.StatusOK)
	method := "사내 계정 로그인"
	var patched orgLinkView
	r.JSON(t, &patched)
	want := orgLinkView{OrgName: "Acme Group", OrgID: "acme-group", Status: "active", LoginMethodName: &method, BusinessNumber: bn}
	if diff := cmp.Diff(want, patched); diff != "" {
		t.Fatalf("patched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, e.orgLink(owner, "acme")); diff != "" {
		t.Fatalf("read after patch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(orgView{OrgID: "acme-group", OrgName: "Acme Group", LoginMethodName: &method, WorkspaceID: "acme"}, lookup()); diff != "" {
		t.Fatalf("lookup after patch (-want +got):\n%s", diff)
	}

	// A workspace being withdrawn has no login screen.
	e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceDeleting})
	refused(t, e.call("GET", "/v1/orgs/acme-group", nil), http.StatusNotFound, "not_found")
	refused(t, e.operatorCall("PUT", "/v1/operator/workspaces/acme/plan", map[string]string{"plan": "free"}), http.StatusNotFound, "not_found")
	e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceActive})
	lookup()

	// Concurrent decisions of one link: the first decision stands; the
	// same decision answers 200, the other 409; one mail.
	statuses, got := race(6, func(i int) int {
		return e.decideOrg("acme-corp", []string{"approve", "reject"}[i%2]).Status
	})
	if got[http.StatusOK] != 3 || got[http.StatusConflict] != 3 {
		t.Fatalf("concurrent decisions answered %v", statuses)
	}
	wantStatus := map[int]string{0: "active", 1: "rejected"}[slices.Index(statuses, http.StatusOK)%2]
	if d := e.doc("orgLinks/acme-corp"); d["status"] != wantStatus {
		t.Fatalf("decided %v, answers %v", d["status"], statuses)
	}
	e.settle()
	if n := len(e.orgDecidedMails("other@example.com")); n != 2 { // the rejection before and this one
		t.Fatalf("%d decision mails to other, want 2", n)
	}
}

// TestF17ConcurrentApplications: a super admin's two applications at once
// (two tabs, two IDs): one is taken, the other is 409, and the workspace
// names the one link that exists.
func TestF17ConcurrentApplications(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.operatorSetPlan("acme", "enterprise")
	ids := []string{"acme-one", "acme-two", "acme-three", "acme-four"}
	statuses, got := race(len(ids), func(i int) int {
		return e.applyOrg(owner, "acme", orgApplication("Acme", ids[i], businessNumber("12481009"))).Status
	})
	if got[http.StatusAccepted] != 1 || got[http.StatusConflict] != len(ids)-1 {
		t.Fatalf("concurrent applications answered %v", statuses)
	}
	won := ids[slices.Index(statuses, http.StatusAccepted)]
	if e.doc("workspaces/acme")["orgId"] != won {
		t.Fatalf("the workspace names %v, want %s", e.doc("workspaces/acme")["orgId"], won)
	}
	if links := e.docIDs("orgLinks"); !slices.Equal(links, []string{won}) {
		t.Fatalf("links %v, want [%s]", links, won)
	}
}

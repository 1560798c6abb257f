package e2e

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/config"
)

// The helpers here drive F17's organisation link, the operators' API and
// F6's login by organisation ID.

// operatorAuth authenticates a call as an operator (the dev key).
var operatorAuth = []string{"Authorization", "Bearer " + config.DevOperatorKey}

// operatorCall calls the operators' API with the operator key.
func (e *env) operatorCall(method, path string, body any) response {
	e.t.Helper()
	return e.call(method, path, body, operatorAuth...)
}

// operatorSetPlan sets a workspace's plan as an operator.
func (e *env) operatorSetPlan(ws, plan string) {
	e.t.Helper()
	r := e.operatorCall("PUT", "/v1/operator/workspaces/"+ws+"/plan", map[string]string{"plan": plan})
	requireStatus(e.t, r, http.StatusOK)
	var got map[string]string
	r.JSON(e.t, &got)
	if got["workspaceId"] != ws || got["plan"] != plan {
		e.t.Fatalf("set plan of %s = %s", ws, r.Body)
	}
}

// decideOrg approves or rejects an organisation link as an operator
// (decision: "approve" or "reject").
func (e *env) decideOrg(orgID, decision string) response {
	e.t.Helper()
	return e.operatorCall("POST", "/v1/operator/org-links/"+orgID+"/"+decision, nil)
}

// orgApplication is the body of an application for an organisation link.
func orgApplication(orgName, orgID, businessNumber string) map[string]string {
	return map[string]string{"orgName": orgName, "orgId": orgID, "businessNumber": businessNumber}
}

// applyOrg applies for ws's organisation link as s.
func (e *env) applyOrg(s session, ws string, body any) response {
	e.t.Helper()
	return e.call("POST", "/v1/workspaces/"+ws+"/org-link", body, s.bearer()...)
}

// orgLinkView is an organisation link as its super admin sees it.
type orgLinkView struct {
	OrgName         string  `json:"orgName"`
	OrgID           string  `json:"orgId"`
	Status          string  `json:"status"`
	LoginMethodName *string `json:"loginMethodName"`
	BusinessNumber  string  `json:"businessNumber"`
}

// orgLink returns ws's organisation link as s sees it.
func (e *env) orgLink(s session, ws string) orgLinkView {
	e.t.Helper()
	r := e.call("GET", "/v1/workspaces/"+ws+"/org-link", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var l orgLinkView
	r.JSON(e.t, &l)
	return l
}

// orgView is an organisation's login screen.
type orgView struct {
	OrgID           string  `json:"orgId"`
	OrgName         string  `json:"orgName"`
	LoginMethodName *string `json:"loginMethodName"`
	WorkspaceID     string  `json:"workspaceId"`
}

// linkedOrg makes s's workspace (on the free plan) an organisation with an
// active link: the operator sets the standard plan, s applies, the
// operator approves.
func (e *env) linkedOrg(s session, orgName, orgID string) {
	e.t.Helper()
	e.operatorSetPlan(s.WorkspaceID, "standard")
	requireStatus(e.t, e.applyOrg(s, s.WorkspaceID, orgApplication(orgName, orgID, businessNumber("12481009"))), http.StatusAccepted)
	requireStatus(e.t, e.decideOrg(orgID, "approve"), http.StatusOK)
}

// orgLogin logs in on an organisation's login screen; deviceToken may be
// empty, device nil (the laptop).
func (e *env) orgLogin(orgID, loginID, password, deviceToken string, device map[string]string) response {
	e.t.Helper()
	if device == nil {
		device = laptop
	}
	body := map[string]any{"orgId": orgID, "loginId": loginID, "password": password, "device": device}
	if deviceToken != "" {
		body["deviceToken"] = deviceToken
	}
	return e.call("POST", "/v1/login/org", body)
}

// orgDecidedSubjects are the subjects of the mail of an operator's
// decision, Korean and English.
var orgDecidedSubjects = []string{"계정 연동 신청 결과", "Your organisation link was reviewed"}

// orgDecidedMails returns the decision mails to an address, newest first.
func (e *env) orgDecidedMails(email string) []mailsink.Message {
	e.t.Helper()
	return e.mailsMatching(email, orgDecidedSubjects...)
}

// businessNumber completes 8 digits into a valid business registration
// number: a ninth digit 5 (so that its tens count) and the check digit.
func businessNumber(first8 string) string {
	n := first8 + "5"
	weights := []int{1, 3, 7, 1, 3, 7, 1, 3, 5}
	sum := 0
	for i, w := range weights {
		sum += int(n[i]-'0') * w
	}
	sum += int(n[8]-'0') * 5 / 10
	return n + strconv.Itoa((10-sum%10)%10)
}

// wrongCheckDigit returns a business number with its check digit changed.
func wrongCheckDigit(n string) string {
	last := int(n[9]-'0'+1) % 10
	return n[:9] + strconv.Itoa(last)
}

// hangulName returns n Korean characters.
func hangulName(n int) string { return strings.Repeat("가", n) }

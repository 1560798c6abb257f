package e2e

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
)

// The helpers here drive F16: the super admin offers their role to a
// member, who accepts it through the mailed link's page or the API.

// f16Offer offers ws's super admin role to a member as s.
func (e *env) f16Offer(s session, ws, toMemberID, password string) response {
	e.t.Helper()
	return e.call("POST", "/v1/workspaces/"+ws+"/super-admin-delegations",
		map[string]string{"toMemberId": toMemberID, "password": password}, s.bearer()...)
}

// f16Sent is the answer to an offer.
type f16Sent struct {
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// f16MustOffer offers ws's role to a member (e-mail to) as s and returns
// the token of the link mailed to them.
func (e *env) f16MustOffer(s session, ws, toMemberID, to string) string {
	e.t.Helper()
	before := len(e.f16OfferMails(to))
	requireStatus(e.t, e.f16Offer(s, ws, toMemberID, testPassword), http.StatusAccepted)
	return e.f16Token(to, before+1)
}

// f16Token waits until an address has n delegation mails and returns the
// token of the newest one's link.
func (e *env) f16Token(to string, n int) string {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if ms := e.f16OfferMails(to); len(ms) >= n {
			return linkToken(e.t, ms[0], "/delegation/")
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d delegation mails to %s after 45s, want %d", len(e.f16OfferMails(to)), to, n)
		}
		sleep()
	}
}

// f16Accept accepts a delegation through the API.
func (e *env) f16Accept(token, password string) response {
	e.t.Helper()
	return e.call("POST", "/v1/super-admin-delegations/accept", map[string]string{"token": token, "password": password})
}

// f16Subjects returns the subjects of a mail template in every language.
func (e *env) f16Subjects(template string) []string {
	e.t.Helper()
	var out []string
	for _, l := range i18n.Locales() {
		m, err := mail.Render(template, l, "x@example.com", mail.Data{
			Name: "x", FromName: "x", ToName: "x", WorkspaceName: "x", Token: "x", ExpiresAt: time.Now(), At: time.Now(),
		}, mail.URLs{Public: "http://x", App: "http://x"})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m.Subject)
	}
	return out
}

// f16OfferMails and f16ChangedMails return the delegation mails and the
// role-changed mails to an address, newest first.
func (e *env) f16OfferMails(to string) []mailsink.Message {
	return e.mailsMatching(to, e.f16Subjects(mail.Delegation)...)
}

func (e *env) f16ChangedMails(to string) []mailsink.Message {
	return e.mailsMatching(to, e.f16Subjects(mail.SuperAdminChanged)...)
}

// f16Doc is the path of the delegation a token names.
func f16Doc(token string) string { return "superAdminDelegations/" + auth.HashToken(token) }

// f16WroteOnlyCounters fails the test if a document other than a password
// attempt counter changed since a snapshot of contents: a wrong password
// counts an attempt, and writes nothing else.
func (e *env) f16WroteOnlyCounters(before map[string]map[string]any) {
	e.t.Helper()
	strip := func(m map[string]map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for p, d := range m {
			if !strings.HasPrefix(p, "attemptCounters/") {
				out[p] = d
			}
		}
		return out
	}
	if diff := cmp.Diff(strip(before), strip(e.contents())); diff != "" {
		e.t.Errorf("a refused call changed Firestore (-before +after):\n%s", diff)
	}
}

// f16Roles returns the role and permissions of ws's members, by account.
func (e *env) f16Roles(ws string, accountIDs ...string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, id := range accountIDs {
		m := e.doc("workspaces/" + ws + "/members/" + id)
		out[id] = fmtRole(m["role"], m["permissions"])
	}
	return out
}

func fmtRole(role, perms any) string {
	var ps []string
	if l, ok := perms.([]any); ok {
		for _, p := range l {
			ps = append(ps, p.(string))
		}
	}
	return role.(string) + "[" + strings.Join(ps, ",") + "]"
}

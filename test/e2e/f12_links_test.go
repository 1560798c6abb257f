package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"cloud.google.com/go/firestore"
	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
)

// urlSafe is what a link's secret is made of.
var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// linkSecret returns the secret part of a profile link's token
// ("<linkId>.<secret>"), checking its form: at least 128 bits, safe in a
// URL path.
func linkSecret(t testing.TB, l profileLink) string {
	t.Helper()
	id, secret, ok := strings.Cut(l.Token, ".")
	if !ok || id != l.LinkID || len(secret) < 22 || !urlSafe.MatchString(secret) {
		t.Fatalf("token %q of link %q is not <linkId>.<secret of 128+ bits>", l.Token, l.LinkID)
	}
	return secret
}

// unsetTime reports whether a stored time is unset (absent, null or the
// zero time).
func unsetTime(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case time.Time:
		return x.IsZero()
	}
	return false
}

// storedProfileLinks returns the stored profile links of an account of a
// type, by link ID.
func (e *env) storedProfileLinks(accountID, typ string) map[string]map[string]any {
	e.t.Helper()
	docs, err := e.fs().Collection("profileLinks").Documents(context.Background()).GetAll()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, d := range docs {
		if m := d.Data(); m["accountId"] == accountID && m["type"] == typ {
			out[d.Ref.ID] = m
		}
	}
	return out
}

// qrPointer returns the link ID a member's QR pointer names.
func (e *env) qrPointer(ws, accountID string) any {
	e.t.Helper()
	return e.doc(profilePath(ws, accountID) + "/qrLink/current")["linkId"]
}

// linkIDs returns the IDs of listed links, in order.
func linkIDs(ls []profileLink) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.LinkID)
	}
	return out
}

// requireDead requires a dead link to be 410 everywhere: opened through
// the API by s, its QR code, and its card page (HTML).
func (e *env) requireDead(t testing.TB, s session, l profileLink) {
	t.Helper()
	refused(t, e.openProfileLink(s, l.Token), http.StatusGone, "gone")
	refused(t, e.profileQR(l.Token), http.StatusGone, "gone")
	requireHTML(t, e.profileCard(l.Token), http.StatusGone)
}

// requireLive requires a link to work everywhere for s.
func (e *env) requireLive(t testing.TB, s session, l profileLink) {
	t.Helper()
	requireStatus(t, e.openProfileLink(s, l.Token), http.StatusOK)
	requireStatus(t, e.profileQR(l.Token), http.StatusOK)
	requireHTML(t, e.profileCard(l.Token), http.StatusOK)
}

// requireHTML requires an HTML page with a status.
func requireHTML(t testing.TB, r response, status int) {
	t.Helper()
	requireStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || len(r.Body) == 0 {
		t.Fatalf("page with Content-Type %q, %d bytes; want HTML", ct, len(r.Body))
	}
}

// hasHangul reports whether s holds Korean letters.
func hasHangul(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Hangul, r) })
}

// TestProfileLinkCreateListRevoke is F12's life of a profile link: one-time
// links (an hour by the dev clock) and QR links (no expiry, one per
// member: a new one, even raced, voids the old), the list of live links,
// revocation, and only a hash of each secret stored.
func TestProfileLinkCreateListRevoke(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.joinByInvite(owner, "acme", "Lee Colleague", "lee@example.com")
	lee := e.login("acme", "lee@example.com", "")
	// The dev clock runs a day ahead of the machine's: expiries follow it.
	e.advance(24 * 3600)
	owner, lee = e.renew(owner), e.renew(lee)

	var one, qr profileLink
	e.step(t, "create", func(t *testing.T) {
		before := e.devNow()
		r := e.call("POST", "/v1/me/profile-links", map[string]string{"type": "one_time"}, owner.bearer()...)
		after := e.devNow()
		requireStatus(t, r, http.StatusCreated)
		r.JSON(t, &one)
		secret := linkSecret(t, one)
		if one.Type != "one_time" || one.URL != e.s.URL+"/p/"+one.Token {
			t.Fatalf("one-time link = %+v; want url %s/p/<token>", one, e.s.URL)
		}
		if one.ExpiresAt == nil || one.ExpiresAt.Before(before.Add(time.Hour-time.Second)) || one.ExpiresAt.After(after.Add(time.Hour+time.Second)) {
			t.Fatalf("one-time link expires at %v; want the dev clock's now + 1h (%v … %v)", one.ExpiresAt, before.Add(time.Hour), after.Add(time.Hour))
		}

		r = e.call("POST", "/v1/me/profile-links", map[string]string{"type": "qr"}, owner.bearer()...)
		requireStatus(t, r, http.StatusCreated)
		r.JSON(t, &qr)
		var raw map[string]any
		r.JSON(t, &raw)
		if v, ok := raw["expiresAt"]; !ok || v != nil {
			t.Fatalf("QR link answer %s: want \"expiresAt\": null", r.Body)
		}
		qrSecret := linkSecret(t, qr)
		if qr.Type != "qr" || qr.URL != e.s.URL+"/p/"+qr.Token || qr.LinkID == one.LinkID || qrSecret == secret {
			t.Fatalf("QR link = %+v", qr)
		}

		// Stored: the hash of the secret, never the secret.
		allowed := []string{"linkId", "type", "workspaceId", "accountId", "secretHash", "createdAt", "expiresAt", "usedAt", "usedBy", "revokedAt", "purgeAt"}
		for _, tc := range []struct {
			l      profileLink
			secret string
		}{{one, secret}, {qr, qrSecret}} {
			d := e.doc("profileLinks/" + tc.l.LinkID)
			for k := range d {
				if !slices.Contains(allowed, k) {
					t.Errorf("stored link %s has a field %q", tc.l.LinkID, k)
				}
			}
			if d["linkId"] != tc.l.LinkID || d["type"] != tc.l.Type || d["workspaceId"] != "acme" || d["accountId"] != owner.AccountID ||
				d["secretHash"] != auth.HashToken(tc.secret) || !unsetTime(d["usedAt"]) || !unsetTime(d["revokedAt"]) {
				t.Errorf("stored link = %v", d)
			}
			created, _ := d["createdAt"].(time.Time)
			if created.Before(before.Add(-time.Second)) || created.After(e.devNow()) {
				t.Errorf("stored createdAt %v; want the dev clock's now (%v)", created, before)
			}
			if tc.l.Type == "qr" && !unsetTime(d["expiresAt"]) {
				t.Errorf("stored QR link expires at %v", d["expiresAt"])
			}
			if exp, _ := d["expiresAt"].(time.Time); tc.l.Type == "one_time" && exp.Sub(*tc.l.ExpiresAt).Abs() > time.Millisecond {
				t.Errorf("stored expiresAt %v, answered %v", exp, tc.l.ExpiresAt)
			}
		}
		if got := e.qrPointer("acme", owner.AccountID); got != qr.LinkID {
			t.Fatalf("QR pointer names %v, want %s", got, qr.LinkID)
		}
		for _, path := range e.documents() {
			text := fmt.Sprint(e.doc(path))
			if strings.Contains(text, secret) || strings.Contains(text, qrSecret) {
				t.Fatalf("%s holds a link's secret in clear", path)
			}
		}
	})

	e.step(t, "bad type", func(t *testing.T) {
		before := e.documents()
		links := len(e.storedProfileLinks(owner.AccountID, "one_time")) + len(e.storedProfileLinks(owner.AccountID, "qr"))
		for _, body := range []string{`{"type":"forever"}`, `{}`, `{"type":""}`, `{"type":"QR"}`, `{"type":1}`, `{"type":null}`, `{"type":`, `[]`} {
			r := e.call("POST", "/v1/me/profile-links", body, owner.bearer()...)
			if r.Status != http.StatusBadRequest || r.Code(t) != "invalid_request" {
				t.Errorf("create with %s = %d %s, want 400 invalid_request", body, r.Status, r.Body)
			}
		}
		if diff := cmp.Diff(before, e.documents()); diff != "" {
			t.Fatalf("refused creations wrote (-before +after):\n%s", diff)
		}
		if n := len(e.storedProfileLinks(owner.AccountID, "one_time")) + len(e.storedProfileLinks(owner.AccountID, "qr")); n != links {
			t.Fatalf("%d links after refusals, want %d", n, links)
		}
	})

	e.step(t, "list", func(t *testing.T) {
		a := e.newProfileLink(owner, oneTimeLink)
		b := e.newProfileLink(owner, oneTimeLink)
		e.newProfileLink(lee, oneTimeLink) // someone else's: never listed
		r := e.call("GET", "/v1/me/profile-links", nil, owner.bearer()...)
		requireStatus(t, r, http.StatusOK)
		var raw struct {
			ProfileLinks []map[string]any `json:"profileLinks"`
		}
		r.JSON(t, &raw)
		for _, l := range raw.ProfileLinks {
			_, hasURL := l["url"]
			_, hasToken := l["token"]
			_, hasExpiry := l["expiresAt"]
			if hasURL || hasToken || !hasExpiry || l["createdAt"] == nil {
				t.Errorf("listed link %v: want linkId, type, expiresAt, createdAt and no url or token", l)
			}
		}
		list := e.profileLinks(owner)
		if diff := cmp.Diff([]string{b.LinkID, a.LinkID, qr.LinkID, one.LinkID}, linkIDs(list)); diff != "" {
			t.Fatalf("listed links, newest first (-want +got):\n%s", diff)
		}
		for i, l := range list {
			if i > 0 && l.CreatedAt.After(list[i-1].CreatedAt) {
				t.Errorf("link %s listed after a newer one", l.LinkID)
			}
			switch l.Type {
			case "qr":
				if l.ExpiresAt != nil {
					t.Errorf("listed QR link expires at %v", l.ExpiresAt)
				}
			case "one_time":
				if l.ExpiresAt == nil || l.ExpiresAt.Sub(l.CreatedAt.Add(time.Hour)).Abs() > time.Second {
					t.Errorf("listed one-time link created %v expires %v", l.CreatedAt, l.ExpiresAt)
				}
			default:
				t.Errorf("listed link of type %q", l.Type)
			}
		}
		if ids := linkIDs(e.profileLinks(lee)); len(ids) != 1 || slices.Contains(ids, a.LinkID) {
			t.Fatalf("lee lists %v", ids)
		}
	})

	e.step(t, "revoke", func(t *testing.T) {
		l := e.newProfileLink(owner, oneTimeLink)
		e.requireLive(t, lee, l)
		requireStatus(t, e.revokeProfileLink(owner, l.LinkID), http.StatusNoContent)
		if slices.Contains(linkIDs(e.profileLinks(owner)), l.LinkID) {
			t.Fatal("a revoked link is still listed")
		}
		if d := e.doc("profileLinks/" + l.LinkID); unsetTime(d["revokedAt"]) {
			t.Fatalf("revoked link stored as %v", d)
		}
		e.requireDead(t, lee, l)
		refused(t, e.revokeProfileLink(owner, l.LinkID), http.StatusNotFound, "not_found")

		// Another member's link: 404, and it stays live.
		refused(t, e.revokeProfileLink(lee, qr.LinkID), http.StatusNotFound, "not_found")
		if !slices.Contains(linkIDs(e.profileLinks(owner)), qr.LinkID) {
			t.Fatal("lee's revocation removed the owner's QR link")
		}
		e.requireLive(t, lee, qr)
		for _, id := range []string{domain.NewID(), "x", qr.Token} {
			refused(t, e.revokeProfileLink(owner, id), http.StatusNotFound, "not_found")
		}

		// A revoked QR link leaves none; a new one then works.
		q := e.newProfileLink(owner, qrLink)
		requireStatus(t, e.revokeProfileLink(owner, q.LinkID), http.StatusNoContent)
		for _, l := range e.profileLinks(owner) {
			if l.Type == "qr" {
				t.Fatalf("QR link %s listed after the QR link was revoked", l.LinkID)
			}
		}
		e.requireDead(t, lee, q)
		qr = e.newProfileLink(owner, qrLink)
		e.requireLive(t, lee, qr)
	})

	e.step(t, "one-time link expires after an hour", func(t *testing.T) {
		l := e.newProfileLink(owner, oneTimeLink)
		e.advance(3600 - 60)
		owner, lee = e.renew(owner), e.renew(lee)
		e.requireLive(t, lee, l)
		if !slices.Contains(linkIDs(e.profileLinks(owner)), l.LinkID) {
			t.Fatal("a one-time link a minute before its expiry is not listed")
		}
		e.advance(61)
		e.requireDead(t, lee, l)
		if slices.Contains(linkIDs(e.profileLinks(owner)), l.LinkID) {
			t.Fatal("an expired one-time link is listed")
		}
		e.requireLive(t, lee, qr) // a QR link does not expire
	})

	e.step(t, "new QR link voids the old", func(t *testing.T) {
		old := qr
		qr = e.newProfileLink(owner, qrLink)
		e.requireDead(t, lee, old)
		e.requireLive(t, lee, qr)
		var qrs []string
		for _, l := range e.profileLinks(owner) {
			if l.Type == "qr" {
				qrs = append(qrs, l.LinkID)
			}
		}
		if diff := cmp.Diff([]string{qr.LinkID}, qrs); diff != "" {
			t.Fatalf("listed QR links (-want +got):\n%s", diff)
		}
		if got := e.qrPointer("acme", owner.AccountID); got != qr.LinkID {
			t.Fatalf("QR pointer names %v, want %s", got, qr.LinkID)
		}
		if d := e.doc("profileLinks/" + old.LinkID); unsetTime(d["revokedAt"]) {
			t.Fatalf("the old QR link is stored unrevoked: %v", d)
		}
	})

	e.step(t, "concurrent QR links", func(t *testing.T) {
		const n = 8
		links := make([]profileLink, n)
		codes := make([]string, n)
		_, count := race(n, func(i int) int {
			r := e.call("POST", "/v1/me/profile-links", map[string]string{"type": "qr"}, owner.bearer()...)
			if r.Status == http.StatusCreated {
				_ = json.Unmarshal(r.Body, &links[i])
			} else {
				var p problem
				_ = json.Unmarshal(r.Body, &p)
				codes[i] = p.Code
			}
			return r.Status
		})
		// The spec asks for one live QR link, not for every racer to win: a
		// creation that loses the race may be refused as a conflict.
		if count[http.StatusCreated] == 0 || count[http.StatusCreated]+count[http.StatusConflict] != n {
			t.Fatalf("statuses %v; want 201s and perhaps 409s", count)
		}
		for i, c := range codes {
			if c != "" && c != "conflict" {
				t.Errorf("racer %d refused with %q, want conflict", i, c)
			}
		}
		t.Logf("%d concurrent QR creations: %v", n, count)
		links = slices.DeleteFunc(links, func(l profileLink) bool { return l.LinkID == "" })
		var live []string
		for id, d := range e.storedProfileLinks(owner.AccountID, "qr") {
			if unsetTime(d["revokedAt"]) {
				live = append(live, id)
			}
		}
		if len(live) != 1 {
			t.Fatalf("%d live QR links stored, want 1: %v", len(live), live)
		}
		if got := e.qrPointer("acme", owner.AccountID); got != live[0] {
			t.Fatalf("QR pointer names %v, the live link is %s", got, live[0])
		}
		var qrs []string
		for _, l := range e.profileLinks(owner) {
			if l.Type == "qr" {
				qrs = append(qrs, l.LinkID)
			}
		}
		if diff := cmp.Diff(live, qrs); diff != "" {
			t.Fatalf("listed QR links (-stored live +listed):\n%s", diff)
		}
		opened := 0
		for _, l := range append(links, qr) {
			switch r := e.openProfileLink(lee, l.Token); r.Status {
			case http.StatusOK:
				opened++
				if l.LinkID != live[0] {
					t.Errorf("link %s opens but %s is the live one", l.LinkID, live[0])
				}
			case http.StatusGone:
			default:
				t.Errorf("open %s = %d %s", l.LinkID, r.Status, r.Body)
			}
		}
		if opened != 1 {
			t.Fatalf("%d of the QR links open, want 1", opened)
		}
		for _, l := range links {
			if l.LinkID == live[0] {
				qr = l
			}
		}
	})

	e.step(t, "anonymous", func(t *testing.T) {
		refused(t, e.call("POST", "/v1/me/profile-links", map[string]string{"type": "qr"}), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.call("GET", "/v1/me/profile-links", nil), http.StatusUnauthorized, "unauthenticated")
		refused(t, e.call("DELETE", "/v1/me/profile-links/"+qr.LinkID, nil), http.StatusUnauthorized, "unauthenticated")
		e.requireLive(t, lee, qr)
	})
}

// TestProfileLinkOpen is F12's opening of a profile link by a member: the
// profile as the owner's workspace shows it and that workspace; across
// workspaces only when both allow external chat, within one always; bad
// tokens 404; a one-time link never consumed by opening; a deleted owner
// or a workspace no longer active 410.
func TestProfileLinkOpen(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@example.com")
	e.joinByInvite(kim, "acme", "Lee Colleague", "lee@example.com")
	lee := e.login("acme", "lee@example.com", "")
	park := e.ownerSession("beta", "park@example.com")
	choi := e.ownerSession("gamma", "choi@example.com")
	if e.doc("workspaces/gamma")["externalChatAllowed"] != false {
		t.Fatalf("a new workspace allows external chat: %v", e.doc("workspaces/gamma"))
	}
	e.allowExternalChat(kim)
	e.allowExternalChat(park) // gamma keeps external chat off

	// The owner's workspace shows some fields; the caller's shows none
	// (its settings must not matter).
	acmeFields := domain.ProfileFields{Nickname: true, Mobile: true, Email: true, NameDisplay: domain.NicknameThenName}
	e.setProfileFields(kim, "acme", acmeFields)
	e.setProfileFields(park, "beta", domain.ProfileFields{NameDisplay: domain.NameOnly})
	e.patchedProfile(kim, map[string]any{
		"nickname": "Kimmy", "title": "CEO", "mobile": "010-1111-2222", "birthday": "1980-01-02",
		"statusMessage": "Hello", "workLocation": "Seoul",
	})
	wantProfile := visibleWant(e.profile(kim), acmeFields, "Kimmy (Kim Workgate)")
	wantWorkspace := map[string]any{"workspaceId": "acme", "name": "Acme acme"}
	one := e.newProfileLink(kim, oneTimeLink)
	qr := e.newProfileLink(kim, qrLink)

	check := func(t *testing.T, who string, v profileLinkView) {
		t.Helper()
		if diff := cmp.Diff(wantProfile, visibleGot(v.Profile)); diff != "" {
			t.Errorf("%s: profile (-want +got):\n%s", who, diff)
		}
		if diff := cmp.Diff(wantWorkspace, only(v.Workspace, "workspaceId", "name")); diff != "" {
			t.Errorf("%s: workspace (-want +got):\n%s", who, diff)
		}
	}

	e.step(t, "member of another workspace", func(t *testing.T) {
		for _, l := range []profileLink{one, qr} {
			stored := e.doc("profileLinks/" + l.LinkID)
			for range 2 {
				check(t, "park opens "+l.Type, e.openedProfileLink(park, l.Token))
			}
			if diff := cmp.Diff(stored, e.doc("profileLinks/"+l.LinkID)); diff != "" {
				t.Fatalf("opening the %s link changed it (-before +after):\n%s", l.Type, diff)
			}
		}
		if !slices.Contains(linkIDs(e.profileLinks(kim)), one.LinkID) {
			t.Fatal("opening used up the one-time link")
		}
		check(t, "park opens the one-time link again", e.openedProfileLink(park, one.Token))
	})

	e.step(t, "same workspace", func(t *testing.T) {
		check(t, "lee", e.openedProfileLink(lee, one.Token))
		check(t, "kim himself", e.openedProfileLink(kim, qr.Token))
	})

	e.step(t, "external chat", func(t *testing.T) {
		cases := []struct {
			name       string
			acme, beta bool
			park       int
		}{
			{"off in the owner's workspace", false, true, http.StatusForbidden},
			{"off in the caller's workspace", true, false, http.StatusForbidden},
			{"off in both", false, false, http.StatusForbidden},
			{"on in both", true, true, http.StatusOK},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				e.setExternalChat(kim, tc.acme)
				e.setExternalChat(park, tc.beta)
				for _, l := range []profileLink{one, qr} {
					r := e.openProfileLink(park, l.Token)
					if tc.park == http.StatusForbidden {
						refused(t, r, http.StatusForbidden, "external_chat_disabled")
					} else {
						requireStatus(t, r, tc.park)
					}
					// Within the workspace the setting does not matter.
					requireStatus(t, e.openProfileLink(lee, l.Token), http.StatusOK)
					requireStatus(t, e.openProfileLink(kim, l.Token), http.StatusOK)
				}
			})
		}
		// gamma never allowed it.
		refused(t, e.openProfileLink(choi, qr.Token), http.StatusForbidden, "external_chat_disabled")
		e.setExternalChat(choi, true)
		check(t, "choi", e.openedProfileLink(choi, qr.Token))
	})

	e.step(t, "bad tokens", func(t *testing.T) {
		secret := linkSecret(t, one)
		for _, tok := range []string{
			"x", "nodot", one.LinkID, one.LinkID + ".", "." + secret, one.LinkID + "." + auth.NewToken(),
			qr.LinkID + "." + secret, domain.NewID() + "." + secret, strings.Repeat("a", 300), strings.Repeat("a", 300) + "." + secret,
		} {
			refused(t, e.openProfileLink(park, tok), http.StatusNotFound, "not_found")
		}
		for _, h := range [][]string{nil, {"Authorization", "Bearer not-a-jwt"}} {
			refused(t, e.call("GET", "/v1/profile-links/"+qr.Token, nil, h...), http.StatusUnauthorized, "unauthenticated")
		}
		check(t, "park after all that", e.openedProfileLink(park, one.Token))
	})

	e.step(t, "owner deleted", func(t *testing.T) {
		l := e.newProfileLink(lee, qrLink)
		requireStatus(t, e.openProfileLink(park, l.Token), http.StatusOK)
		e.memberDeleted(kim, "acme", lee.AccountID)
		refused(t, e.openProfileLink(park, l.Token), http.StatusGone, "gone")
		refused(t, e.openProfileLink(kim, l.Token), http.StatusGone, "gone")
	})

	e.step(t, "workspace not active", func(t *testing.T) {
		// Withdrawal (F18) is another feature's: the workspace's status is
		// written as it would.
		e.updateDoc("workspaces/acme", firestore.Update{Path: "status", Value: domain.WorkspaceDeleting})
		for _, l := range []profileLink{one, qr} {
			refused(t, e.openProfileLink(park, l.Token), http.StatusGone, "gone")
		}
	})
}

// TestProfileLinkQRAndCard is F12's QR code (a PNG of the link's URL,
// for anyone) and profile card page (HTML, escaped, Korean or English),
// neither of which consumes the link.
func TestProfileLinkQRAndCard(t *testing.T) {
	t.Parallel()
	e := start(t)
	kim := e.ownerSession("acme", "kim@example.com")
	// The department is an admin's to set (F3, F15): written directly.
	e.updateDoc(profilePath("acme", kim.AccountID), firestore.Update{Path: "department", Value: "R&D <Lab>"})
	e.setProfileFields(kim, "acme", allProfileFields(domain.NameThenNickname))
	e.patchedProfile(kim, map[string]any{
		"nickname": "Kimmy", "statusMessage": "<script>x</script>", "photoUrl": "https://cdn.example.com/kim.png?a=1&b=2",
	})
	one := e.newProfileLink(kim, oneTimeLink)
	qr := e.newProfileLink(kim, qrLink)
	stored := map[string]map[string]any{one.LinkID: e.doc("profileLinks/" + one.LinkID), qr.LinkID: e.doc("profileLinks/" + qr.LinkID)}

	e.step(t, "qr.png", func(t *testing.T) {
		for _, l := range []profileLink{one, qr} {
			for _, h := range [][]string{nil, kim.bearer()} { // no authentication needed
				r := e.call("GET", "/v1/profile-links/"+l.Token+"/qr.png", nil, h...)
				requireStatus(t, r, http.StatusOK)
				if ct := r.Header.Get("Content-Type"); ct != "image/png" {
					t.Fatalf("Content-Type %q, want image/png", ct)
				}
				if got := decodeQR(t, r.Body); got != l.URL {
					t.Fatalf("the %s QR code reads %q, want the link's url %q", l.Type, got, l.URL)
				}
			}
		}
		for _, tok := range []string{"x", one.LinkID + "." + auth.NewToken(), domain.NewID() + "." + auth.NewToken()} {
			r := e.profileQR(tok)
			refused(t, r, http.StatusNotFound, "not_found")
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("unknown QR code answered %q, want problem+json", ct)
			}
		}
	})

	e.step(t, "card page", func(t *testing.T) {
		for _, l := range []profileLink{one, qr} {
			r := e.profileCard(l.Token)
			requireHTML(t, r, http.StatusOK)
			body := string(r.Body)
			for _, want := range []string{
				"Kim Workgate (Kimmy)", "Acme acme", "R&amp;D &lt;Lab&gt;", "&lt;script&gt;x&lt;/script&gt;",
				"https://cdn.example.com/kim.png?a=1&amp;b=2",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the %s card lacks %q:\n%s", l.Type, want, body)
				}
			}
			if strings.Contains(body, "<script>x</script>") || strings.Contains(body, "R&D <Lab>") {
				t.Errorf("the %s card shows what the member typed unescaped:\n%s", l.Type, body)
			}
			img := regexp.MustCompile(`<img[^>]+src="(` + regexp.QuoteMeta(e.s.URL) + `)?/v1/profile-links/` + regexp.QuoteMeta(l.Token) + `/qr\.png"`)
			if !img.MatchString(body) {
				t.Errorf("the %s card has no <img> of its QR code:\n%s", l.Type, body)
			}
			// On a phone there is nothing to scan the code with: the card
			// opens the link in the web app too.
			if open := `<a class="button" href="` + e.s.URL + `/app/links/` + l.Token + `">`; !strings.Contains(body, open) {
				t.Errorf("the %s card has no %s:\n%s", l.Type, open, body)
			}
		}
	})

	e.step(t, "language", func(t *testing.T) {
		// Everything the member typed is ASCII: Korean comes from the page.
		ko, en := e.profileCard(qr.Token), e.profileCard(qr.Token, "Accept-Language", "en-US,en;q=0.9")
		koExplicit := e.profileCard(qr.Token, "Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5")
		if !hasHangul(string(ko.Body)) || !hasHangul(string(koExplicit.Body)) {
			t.Errorf("the card is not Korean by default or for ko-KR:\n%s", ko.Body)
		}
		if hasHangul(string(en.Body)) || string(en.Body) == string(ko.Body) {
			t.Errorf("the card is not English for en-US:\n%s", en.Body)
		}
		for _, r := range []response{ko, en, koExplicit} {
			if !strings.Contains(string(r.Body), "Kim Workgate (Kimmy)") {
				t.Errorf("a card lacks the name:\n%s", r.Body)
			}
		}
	})

	e.step(t, "never consumed", func(t *testing.T) {
		for id, before := range stored {
			if diff := cmp.Diff(before, e.doc("profileLinks/"+id)); diff != "" {
				t.Errorf("fetching the QR code and card changed link %s (-before +after):\n%s", id, diff)
			}
		}
		e.requireLive(t, kim, one)
	})

	e.step(t, "unknown and dead pages", func(t *testing.T) {
		for _, tok := range []string{"x", one.LinkID + "." + auth.NewToken()} {
			r := e.profileCard(tok)
			requireHTML(t, r, http.StatusNotFound)
			if !hasHangul(string(r.Body)) {
				t.Errorf("the 404 page is not Korean by default:\n%s", r.Body)
			}
			if r := e.profileCard(tok, "Accept-Language", "en"); hasHangul(string(r.Body)) || !strings.Contains(string(r.Body), "This profile link can&#39;t be used") {
				t.Errorf("the English 404 page has Korean, or does not say the link can't be used:\n%s", r.Body)
			}
		}
		requireStatus(t, e.revokeProfileLink(kim, one.LinkID), http.StatusNoContent)
		e.requireDead(t, kim, one)
		if r := e.profileCard(one.Token); strings.Contains(string(r.Body), "Kim Workgate") {
			t.Errorf("the page of a revoked link still shows its owner:\n%s", r.Body)
		}
	})
}

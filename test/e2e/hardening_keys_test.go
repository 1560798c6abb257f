package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/store"
)

// The tests here are issue 15's item 6 on keys and IDs: a path value
// carrying %2F (which ServeMux decodes into "/") names no other document;
// access tokens carry and require iss and aud; and a rotation of the
// signing, sealing and MAC keys logs nobody out, voids no mail or code in
// flight, and forks no room.

// TestHardeningPathIDs: every ID that reaches a document path from a URL
// path, a body or a token is one segment. Each call below carries an ID
// with "/" in it (sent as %2F, as an attacker would, so it stays one path
// segment on the wire): it answers as for an unknown ID and writes nothing.
// The device case plants a document below the caller's device, where
// "device/x/y" leads: before the check, revoking "device/x/y" wrote it.
func TestHardeningPathIDs(t *testing.T) {
	t.Parallel()
	e := start(t)
	const kim = "kim@example.com"
	owner := e.ownerSession("acme", kim)
	lee := e.colleague(owner, "lee")
	a := e.newDeviceLogin("acme", kim)
	e.asked(owner, a.ApprovalID)
	requireStatus(t, e.f9Nudge(a, lee.AccountID), http.StatusAccepted) // a nudge document below the request
	direct := e.mustCreateRoom(owner, directRoom, "", lee.AccountID)
	m := e.mustPost(owner, direct.RoomID, "hello")
	link := e.newProfileLink(owner, oneTimeLink)
	invite := e.newInviteLink(owner, "acme", map[string]any{})
	decoy := "accounts/" + owner.AccountID + "/devices/" + owner.DeviceID + "/x/y"
	if _, err := e.fs().Doc(decoy).Create(context.Background(), map[string]any{
		"id": owner.DeviceID, "accountId": owner.AccountID, "name": "decoy", "platform": "web",
		"trustedAt": time.Now(), "lastSeenAt": time.Now(), "revokedAt": time.Time{},
	}); err != nil {
		t.Fatal(err)
	}

	// esc joins path segments into one, as %2F.
	esc := func(parts ...string) string { return strings.Join(parts, "%2F") }
	nudgeID := esc(a.ApprovalID, "nudges", lee.AccountID)
	notFound := func(name string, call func() response) refusal {
		return refusal{name: name, call: call, status: http.StatusNotFound, code: "not_found"}
	}
	e.refusals(t, []refusal{
		notFound("revoke a device below mine", func() response {
			return e.call("DELETE", "/v1/me/devices/"+esc(owner.DeviceID, "x", "y"), nil, owner.bearer()...)
		}),
		notFound("revoke a device's collection", func() response {
			return e.call("DELETE", "/v1/me/devices/"+esc(owner.DeviceID, "x"), nil, owner.bearer()...)
		}),
		notFound("poll a nudge as a request", func() response {
			return e.call("GET", "/v1/device-approvals/"+nudgeID+"?pollToken="+url.QueryEscape(a.PollToken), nil)
		}),
		notFound("approve a nudge as a request", func() response {
			return e.call("POST", "/v1/device-approvals/"+nudgeID+"/approve", map[string]string{"matchCode": a.MatchCode}, lee.bearer()...)
		}),
		notFound("deny a nudge as a request", func() response {
			return e.call("POST", "/v1/device-approvals/"+nudgeID+"/deny", nil, lee.bearer()...)
		}),
		notFound("nudge through a nudge", func() response {
			return e.call("POST", "/v1/device-approvals/"+nudgeID+"/nudge", map[string]string{"pollToken": a.PollToken, "memberId": lee.AccountID})
		}),
		notFound("nudge a member's notification", func() response {
			return e.f9Nudge(a, lee.AccountID+"/notifications/device_approval-"+a.ApprovalID)
		}),
		notFound("history of a message as a room", func() response {
			return e.call("GET", "/v1/rooms/"+esc(direct.RoomID, "messages", m.MessageID)+"/messages", nil, owner.bearer()...)
		}),
		notFound("profile of a member's contact", func() response {
			return e.call("GET", "/v1/members/"+esc(lee.AccountID, "blocks", owner.AccountID)+"/profile", nil, owner.bearer()...)
		}),
		notFound("delete a member's contact", func() response {
			return e.call("DELETE", "/v1/workspaces/acme/members/"+esc(lee.AccountID, "blocks", owner.AccountID), nil, owner.bearer()...)
		}),
		notFound("unblock below a member", func() response {
			return e.call("DELETE", "/v1/me/blocks/"+esc(lee.AccountID, "x"), nil, owner.bearer()...)
		}),
		notFound("revoke a profile link below mine", func() response {
			return e.call("DELETE", "/v1/me/profile-links/"+esc(link.LinkID, "x"), nil, owner.bearer()...)
		}),
		notFound("revoke an invite link's use", func() response {
			return e.call("DELETE", "/v1/workspaces/acme/invite-links/"+esc(invite.ID, "uses", "1"), nil, owner.bearer()...)
		}),
		notFound("an invite token with a slash", func() response {
			return e.call("GET", "/v1/invites/"+esc(invite.Token, "x"), nil)
		}),
		notFound("an organisation below a workspace", func() response { return e.call("GET", "/v1/orgs/"+esc("acme", "members"), nil) }),
		notFound("an operator's plan of a member", func() response {
			return e.operatorCall("PUT", "/v1/operator/workspaces/"+esc("acme", "members", owner.AccountID)+"/plan", map[string]string{"plan": "standard"})
		}),
		{
			name: "a refresh token naming a document below its session", status: http.StatusUnauthorized, code: "unauthenticated",
			call: func() response {
				id, _, _ := strings.Cut(owner.RefreshToken, ".")
				return e.refresh(id + "/x/y." + auth.NewToken())
			},
		},
	})
	if got := e.doc(decoy)["revokedAt"].(time.Time); !got.IsZero() {
		t.Errorf("the document below the device was revoked at %v", got)
	}
	// The genuine IDs still work: the refusals were for the slash.
	requireStatus(t, e.call("GET", "/v1/rooms/"+direct.RoomID+"/messages", nil, owner.bearer()...), http.StatusOK)
	requireStatus(t, e.call("DELETE", "/v1/me/profile-links/"+link.LinkID, nil, owner.bearer()...), http.StatusNoContent)
}

// newSeed returns a fresh Ed25519 signing key as configuration takes it
// (the base64 of its seed) and the key.
func newSeed(t testing.TB) (string, ed25519.PrivateKey) {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	return base64.StdEncoding.EncodeToString(seed), ed25519.NewKeyFromSeed(seed)
}

// newSecret returns 32 random bytes in base64, a seal, MAC or ID key.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// tokenKID returns the kid in an access token's header.
func tokenKID(t testing.TB, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

// jwksKIDs returns the kids the stack's JWKS lists, in order.
func (e *env) jwksKIDs() []string {
	e.t.Helper()
	var set auth.JWKS
	r := e.call("GET", "/.well-known/jwks.json", nil)
	requireStatus(e.t, r, http.StatusOK)
	r.JSON(e.t, &set)
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// TestHardeningTokenIssuerAudience: an access token names the deployment
// (iss, its PUBLIC_URL) and the API it is for (aud, PUBLIC_URL/v1), and a
// token signed with the deployment's own key but without them, or naming
// another issuer or audience, is refused like a forged one.
func TestHardeningTokenIssuerAudience(t *testing.T) {
	t.Parallel()
	jwtKey, key := newSeed(t)
	e := start(t, func(o *stackOptions) {
		o.Configure = func(c *configT) { c.JWTKey = jwtKey }
	})
	s := e.ownerSession("acme", "kim@example.com")

	issued := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(s.AccessToken, issued); err != nil {
		t.Fatal(err)
	}
	iss, _ := issued.GetIssuer()
	aud, _ := issued.GetAudience()
	if iss != e.s.URL || !slices.Equal(aud, []string{e.s.URL + "/v1"}) {
		t.Fatalf("iss, aud = %q, %q; want %q and [%s/v1]", iss, aud, e.s.URL, e.s.URL)
	}
	kid := tokenKID(t, s.AccessToken)
	// signed re-signs the issued claims, changed, with the stack's key.
	signed := func(change func(jwt.MapClaims)) string {
		t.Helper()
		c := jwt.MapClaims{}
		for k, v := range issued {
			c[k] = v
		}
		change(c)
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = kid
		out, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	me := func(token string) response {
		return e.call("GET", "/v1/me", nil, "Authorization", "Bearer "+token)
	}
	// The control: the same claims re-signed pass, so each refusal below
	// is for the claim it changes.
	requireStatus(t, me(signed(func(jwt.MapClaims) {})), http.StatusOK)
	cases := []struct {
		name   string
		change func(jwt.MapClaims)
	}{
		{"no iss", func(c jwt.MapClaims) { delete(c, "iss") }},
		{"the old constant iss", func(c jwt.MapClaims) { c["iss"] = "workgate" }},
		{"another deployment's iss", func(c jwt.MapClaims) { c["iss"] = "https://staging.workgate.example" }},
		{"no aud", func(c jwt.MapClaims) { delete(c, "aud") }},
		{"another aud", func(c jwt.MapClaims) { c["aud"] = []string{e.s.URL + "/p"} }},
		{"the issuer as aud", func(c jwt.MapClaims) { c["aud"] = e.s.URL }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := me(signed(tc.change))
			if r.Status != http.StatusUnauthorized || r.Code(t) != "unauthenticated" {
				t.Fatalf("GET /v1/me = %d %s, want 401 unauthenticated", r.Status, r.Body)
			}
		})
	}
}

// rotationKeys are the keys of one deployment's configuration.
type rotationKeys struct {
	jwt, seal, mac, id                     string
	jwtPrevious, sealPrevious, macPrevious string
}

// configure sets the keys on a stack's configuration.
func (k rotationKeys) configure(c *configT) {
	c.JWTKey, c.SealKey, c.MACKey, c.IDKey = k.jwt, k.seal, k.mac, k.id
	c.JWTKeyPrevious, c.SealKeyPrevious, c.MACKeyPrevious = k.jwtPrevious, k.sealPrevious, k.macPrevious
}

// TestHardeningKeyRotation replays a rotation of every rotating key: a
// deployment runs with keys A; it restarts with keys B and A as the
// previous ones, behind the same public URL, on the same database, with
// the same ID key. Nobody is logged out (the access token signed with A
// still works, the refresh gives a token signed with B, and the JWKS lists
// both kids), a mail sealed with A and still in the outbox is sent, a
// login code, a poll token and a match code MACed with A still work, and
// the self room, the direct room and a posted message keep their IDs.
func TestHardeningKeyRotation(t *testing.T) {
	t.Parallel()
	jwtA, _ := newSeed(t)
	jwtB, _ := newSeed(t)
	a := rotationKeys{jwt: jwtA, seal: newSecret(), mac: newSecret(), id: newSecret()}
	b := rotationKeys{jwt: jwtB, seal: newSecret(), mac: newSecret(), id: a.id, jwtPrevious: a.jwt, sealPrevious: a.seal, macPrevious: a.mac}
	const kim = "kim@example.com"

	before := start(t, func(o *stackOptions) { o.Configure = a.configure })
	s := before.ownerSession("acme", kim)
	lee := before.colleague(s, "lee")
	self := before.selfRoom(s)
	direct := before.mustCreateRoom(s, directRoom, "", lee.AccountID)
	r := before.postMessage(s, direct.RoomID, "before the rotation", "client-1")
	requireStatus(t, r, http.StatusCreated)
	var posted message
	r.JSON(t, &posted)
	approval := before.newDeviceLogin("acme", kim)
	before.asked(s, approval.ApprovalID)
	code := before.loginCode(kim)
	kidA := tokenKID(t, s.AccessToken)
	if kids := before.jwksKIDs(); !slices.Equal(kids, []string{kidA}) {
		t.Fatalf("JWKS before the rotation = %v, want [%s]", kids, kidA)
	}
	// A mail sealed with A, still in the outbox when the deployment stops.
	now := before.s.Deps.Clock.Now()
	ev, err := events.NewMail(before.s.Deps.Sealer, mail.LoginCode, i18n.English, "pending@example.com",
		mail.Data{Code: "424242", ExpiresAt: now.Add(10 * time.Minute)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.fs().Collection("outbox").Doc(ev.ID).Create(context.Background(), store.OutboxEvent{Event: ev, DueAt: ev.CreatedAt}); err != nil {
		t.Fatal(err)
	}
	project, publicURL := before.s.Deps.Config.Project, before.s.URL
	before.s.Close()

	e := start(t, func(o *stackOptions) {
		o.Project = project
		o.Configure = func(c *configT) {
			b.configure(c)
			c.PublicURL = publicURL // the load balancer's address does not change
			c.OutboxGrace = time.Second
		}
	})
	// Logged in still: the token signed with A, and its refresh.
	requireStatus(t, e.call("GET", "/v1/me", nil, s.bearer()...), http.StatusOK)
	next := e.renew(s)
	kidB := tokenKID(t, next.AccessToken)
	if kidB == kidA {
		t.Fatalf("the refreshed token is signed with the previous key %s", kidA)
	}
	requireStatus(t, e.call("GET", "/v1/me", nil, next.bearer()...), http.StatusOK)
	requireStatus(t, e.call("GET", "/v1/me", nil, lee.bearer()...), http.StatusOK)
	if kids := e.jwksKIDs(); !slices.Equal(kids, []string{kidB, kidA}) {
		t.Errorf("JWKS after the rotation = %v, want [%s %s] (current first)", kids, kidB, kidA)
	}

	// No room forked, no message twice.
	if got := e.selfRoom(next); got.RoomID != self.RoomID {
		t.Errorf("self room after the rotation = %s, want %s", got.RoomID, self.RoomID)
	}
	r = e.createRoom(lee, roomBody(directRoom, "", s.AccountID))
	requireStatus(t, r, http.StatusOK)
	var again room
	r.JSON(t, &again)
	if again.RoomID != direct.RoomID {
		t.Errorf("direct room after the rotation = %s, want %s", again.RoomID, direct.RoomID)
	}
	r = e.postMessage(next, direct.RoomID, "before the rotation", "client-1")
	requireStatus(t, r, http.StatusOK)
	var reposted message
	r.JSON(t, &reposted)
	if reposted.MessageID != posted.MessageID || reposted.Seq != posted.Seq {
		t.Errorf("the message posted again = %s #%d, want %s #%d", reposted.MessageID, reposted.Seq, posted.MessageID, posted.Seq)
	}

	// Sealed with A, sent by a mailer that has B and A.
	var pending []string
	for range 45 * 20 {
		if pending = e.codeMails("pending@example.com"); len(pending) > 0 {
			break
		}
		sleep()
	}
	if len(pending) != 1 || !strings.Contains(pending[0], "424242") {
		t.Errorf("mails of the event sealed before the rotation = %q, want one with its code", pending)
	}

	// MACed with A: the login code, the poll token, the match code.
	r = e.call("POST", "/v1/login/email-code/verify", map[string]string{"email": kim, "code": code})
	requireStatus(t, r, http.StatusOK)
	requireStatus(t, e.approve(approval.ApprovalID, approval.MatchCode, next.bearer()...), http.StatusOK)
	if p := e.poll(approval); p.Status != "approved" || p.Session == nil {
		t.Errorf("poll after the rotation = %+v, want approved with a session", p)
	} else if kid := tokenKID(t, p.Session.AccessToken); kid != kidB {
		t.Errorf("the new device's token has kid %s, want the current key's %s", kid, kidB)
	}
}

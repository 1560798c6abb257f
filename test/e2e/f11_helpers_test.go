package e2e

import (
	"bytes"
	"context"
	"image"
	_ "image/png" // qr.png answers
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/workgate/workgate/shared/domain"
)

// Helpers of the profile tests (F11) and the profile-link tests (F12);
// the external-member and blocking tests (F12, F13) use them too.
//
// Profiles are read as map[string]any so that a field absent from the
// JSON (hidden by the workspace's settings) and a field that is null
// (shown but empty) stay apart.

// profilePath is the member document that holds a member's profile.
func profilePath(ws, accountID string) string { return "workspaces/" + ws + "/members/" + accountID }

// profile returns the caller's own profile (GET /v1/me/profile).
func (e *env) profile(s session) map[string]any {
	e.t.Helper()
	r := e.call("GET", "/v1/me/profile", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var p map[string]any
	r.JSON(e.t, &p)
	return p
}

// patchProfile changes the caller's own profile (PATCH /v1/me/profile);
// body is JSON-encoded, or sent as is when a string.
func (e *env) patchProfile(s session, body any) response {
	e.t.Helper()
	return e.call("PATCH", "/v1/me/profile", body, s.bearer()...)
}

// patchedProfile changes the caller's own profile, requires 200 and
// returns the answer (the whole own profile).
func (e *env) patchedProfile(s session, body any) map[string]any {
	e.t.Helper()
	r := e.patchProfile(s, body)
	requireStatus(e.t, r, http.StatusOK)
	var p map[string]any
	r.JSON(e.t, &p)
	return p
}

// memberProfile asks for a member's profile as s (GET
// /v1/members/{id}/profile).
func (e *env) memberProfile(s session, memberID string) response {
	e.t.Helper()
	return e.call("GET", "/v1/members/"+memberID+"/profile", nil, s.bearer()...)
}

// visibleProfile returns a member's profile as s sees it; it requires 200.
func (e *env) visibleProfile(s session, memberID string) map[string]any {
	e.t.Helper()
	r := e.memberProfile(s, memberID)
	requireStatus(e.t, r, http.StatusOK)
	var p map[string]any
	r.JSON(e.t, &p)
	return p
}

// profileLink is a profile link as the API answers its creation (url and
// token) or lists it (createdAt).
type profileLink struct {
	LinkID    string     `json:"linkId"`
	Type      string     `json:"type"`
	URL       string     `json:"url"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expiresAt"`
	CreatedAt time.Time  `json:"createdAt"`
}

// Profile link types.
const (
	oneTimeLink = "one_time"
	qrLink      = "qr"
)

// newProfileLink creates a profile link of a type ("one_time" or "qr")
// as s.
func (e *env) newProfileLink(s session, typ string) profileLink {
	e.t.Helper()
	r := e.call("POST", "/v1/me/profile-links", map[string]string{"type": typ}, s.bearer()...)
	requireStatus(e.t, r, http.StatusCreated)
	var l profileLink
	r.JSON(e.t, &l)
	return l
}

// profileLinks lists the caller's live profile links.
func (e *env) profileLinks(s session) []profileLink {
	e.t.Helper()
	r := e.call("GET", "/v1/me/profile-links", nil, s.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var out struct {
		ProfileLinks []profileLink `json:"profileLinks"`
	}
	r.JSON(e.t, &out)
	return out.ProfileLinks
}

// revokeProfileLink revokes one of the caller's profile links.
func (e *env) revokeProfileLink(s session, linkID string) response {
	e.t.Helper()
	return e.call("DELETE", "/v1/me/profile-links/"+linkID, nil, s.bearer()...)
}

// openProfileLink opens a profile link by its token as s (GET
// /v1/profile-links/{token}).
func (e *env) openProfileLink(s session, token string) response {
	e.t.Helper()
	return e.call("GET", "/v1/profile-links/"+token, nil, s.bearer()...)
}

// profileLinkView is the answer to opening a profile link.
type profileLinkView struct {
	Profile   map[string]any `json:"profile"`
	Workspace map[string]any `json:"workspace"`
}

// openedProfileLink opens a profile link as s, requires 200 and returns
// the view.
func (e *env) openedProfileLink(s session, token string) profileLinkView {
	e.t.Helper()
	r := e.openProfileLink(s, token)
	requireStatus(e.t, r, http.StatusOK)
	var v profileLinkView
	r.JSON(e.t, &v)
	return v
}

// profileQR fetches a profile link's QR code, without authentication.
func (e *env) profileQR(token string) response {
	e.t.Helper()
	return e.call("GET", "/v1/profile-links/"+token+"/qr.png", nil)
}

// profileCard fetches a profile link's card page (GET /p/{token}) as a
// browser would; headers such as Accept-Language are sent as given.
func (e *env) profileCard(token string, headers ...string) response {
	e.t.Helper()
	return e.call("GET", "/p/"+token, nil, headers...)
}

// decodeQR decodes a PNG holding a QR code and returns its text.
func decodeQR(t testing.TB, png []byte) string {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(png))
	if err != nil || format != "png" {
		t.Fatalf("not a PNG (%q): %v", format, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// Read as a pure code of whole-pixel modules (qr.PNG draws them so):
	// searching the image for finder patterns instead, as in a photo,
	// gozxing misses about 1 of our codes in 100.
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		t.Fatalf("no QR code in the PNG: %v", err)
	}
	return res.GetText()
}

// setExternalChat turns a workspace's external-member chat on or off as
// its owner (PATCH /v1/workspaces/{ws}).
func (e *env) setExternalChat(owner session, allowed bool) {
	e.t.Helper()
	ws := owner.WorkspaceID
	r := e.call("PATCH", "/v1/workspaces/"+ws, map[string]any{"externalChatAllowed": allowed}, owner.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
	var w struct {
		ExternalChatAllowed bool `json:"externalChatAllowed"`
	}
	r.JSON(e.t, &w)
	if w.ExternalChatAllowed != allowed {
		e.t.Fatalf("PATCH externalChatAllowed %v answered %s", allowed, r.Body)
	}
}

// allowExternalChat turns a workspace's external-member chat on as its
// owner.
func (e *env) allowExternalChat(owner session) {
	e.t.Helper()
	e.setExternalChat(owner, true)
}

// allProfileFields shows every optional field, with a name display.
func allProfileFields(nameDisplay string) domain.ProfileFields {
	return domain.ProfileFields{Nickname: true, Title: true, Position: true, Mobile: true, Landline: true,
		Email: true, WorkLocation: true, Birthday: true, NameDisplay: nameDisplay}
}

// setProfileFields sets which profile fields a workspace shows, as its
// owner or an admin with admin_access (PUT /v1/workspaces/{ws}/profile-fields).
func (e *env) setProfileFields(owner session, ws string, f domain.ProfileFields) {
	e.t.Helper()
	r := e.call("PUT", "/v1/workspaces/"+ws+"/profile-fields", f, owner.bearer()...)
	requireStatus(e.t, r, http.StatusOK)
}

// memberDeleted deletes a member as an admin (e.deleteMember, F15),
// requiring 204.
func (e *env) memberDeleted(admin session, ws, memberID string) {
	e.t.Helper()
	requireStatus(e.t, e.deleteMember(admin, ws, memberID), http.StatusNoContent)
}

// updateDoc changes fields of an existing document.
func (e *env) updateDoc(path string, updates ...firestore.Update) {
	e.t.Helper()
	if _, err := e.fs().Doc(path).Update(context.Background(), updates); err != nil {
		e.t.Fatalf("updating %s: %v", path, err)
	}
}

// devNow returns the dev clock's now.
func (e *env) devNow() time.Time {
	e.t.Helper()
	r := e.call("GET", "/_dev/clock", nil)
	requireStatus(e.t, r, http.StatusOK)
	var c struct {
		Now time.Time `json:"now"`
	}
	r.JSON(e.t, &c)
	return c.Now
}

// registeredSession registers a member of ws as admin with the fields of
// body (F3: email, name, department, title, position, mobile), sets their
// password through the mailed link and logs them in.
func (e *env) registeredSession(admin session, ws string, body map[string]string) session {
	e.t.Helper()
	requireStatus(e.t, e.register(admin, ws, body), http.StatusCreated)
	requireStatus(e.t, e.setPassword(e.setupToken(body["email"], 1), testPassword), http.StatusOK)
	return e.login(ws, body["email"], "")
}

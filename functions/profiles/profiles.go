// Package profiles is the function behind profiles and profile sharing:
// a member's own profile, other members' profiles as their workspace shows
// them (F11), profile links with their QR codes and the profile card page
// (F12), and the group rooms the caller shares with another member (F14).
package profiles

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/profile"
	"github.com/workgate/workgate/shared/qr"
	"github.com/workgate/workgate/shared/rooms"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "profiles"

func init() { server.Register(Name, New) }

type handler struct {
	sessions *session.Service
	profiles *profile.Service
	rooms    *rooms.Service
	// appURL is the web app, which the profile card page opens a link in.
	appURL string
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	pages.Parse() // before the first page, not on it
	h := &handler{sessions: d.Sessions(), profiles: d.Profiles(), rooms: d.Rooms(), appURL: d.Config.AppURL}
	mux := web.NewMux()
	mux.Handle("GET /v1/me/profile", h.ownProfile)
	mux.Handle("PATCH /v1/me/profile", h.editProfile)
	mux.Handle("GET /v1/members/{memberId}/profile", h.memberProfile)
	mux.Handle("GET /v1/members/{memberId}/shared-rooms", h.sharedRooms)
	mux.Handle("POST /v1/me/profile-links", h.createLink)
	mux.Handle("GET /v1/me/profile-links", h.listLinks)
	mux.Handle("DELETE /v1/me/profile-links/{linkId}", h.revokeLink)
	mux.Handle("GET /v1/profile-links/{token}", h.openLink)
	mux.Handle("GET /v1/profile-links/{token}/qr.png", h.qrCode)
	mux.Handle("GET /p/{token}", h.cardPage)
	return mux, nil
}

// ownProfile is every field of the caller's own profile; empty ones are
// null.
type ownProfile struct {
	MemberID      string  `json:"memberId"`
	WorkspaceID   string  `json:"workspaceId"`
	Name          string  `json:"name"`
	Email         string  `json:"email"`
	Department    *string `json:"department"`
	Nickname      *string `json:"nickname"`
	Title         *string `json:"title"`
	Position      *string `json:"position"`
	Mobile        *string `json:"mobile"`
	Landline      *string `json:"landline"`
	WorkLocation  *string `json:"workLocation"`
	Birthday      *string `json:"birthday"`
	StatusMessage *string `json:"statusMessage"`
	PhotoURL      *string `json:"photoUrl"`
}

func newOwnProfile(m *domain.Member) ownProfile {
	n := domain.NullIfEmpty
	return ownProfile{
		MemberID: m.AccountID, WorkspaceID: m.WorkspaceID, Name: m.Name, Email: m.Email, Department: n(m.Department),
		Nickname: n(m.Nickname), Title: n(m.Title), Position: n(m.Position), Mobile: n(m.Mobile), Landline: n(m.Landline),
		WorkLocation: n(m.WorkLocation), Birthday: n(m.Birthday), StatusMessage: n(m.StatusMessage), PhotoURL: n(m.PhotoURL),
	}
}

func (h *handler) ownProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newOwnProfile(p.Member))
}

type editProfileRequest struct {
	Nickname      web.Optional `json:"nickname"`
	Title         web.Optional `json:"title"`
	Position      web.Optional `json:"position"`
	Mobile        web.Optional `json:"mobile"`
	Landline      web.Optional `json:"landline"`
	WorkLocation  web.Optional `json:"workLocation"`
	Birthday      web.Optional `json:"birthday"`
	StatusMessage web.Optional `json:"statusMessage"`
	PhotoURL      web.Optional `json:"photoUrl"`
}

func (h *handler) editProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req editProfileRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	m, err := h.profiles.Edit(r.Context(), p, domain.ProfileEdit{
		Nickname: req.Nickname.Ptr(), Title: req.Title.Ptr(), Position: req.Position.Ptr(),
		Mobile: req.Mobile.Ptr(), Landline: req.Landline.Ptr(), WorkLocation: req.WorkLocation.Ptr(),
		Birthday: req.Birthday.Ptr(), StatusMessage: req.StatusMessage.Ptr(), PhotoURL: req.PhotoURL.Ptr(),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newOwnProfile(m))
}

func (h *handler) memberProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	v, err := h.profiles.View(r.Context(), p, r.PathValue("memberId"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}

func (h *handler) sharedRooms(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	vs, err := h.rooms.Shared(r.Context(), p, r.PathValue("memberId"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rooms.NewRoomListJSON(vs))
}

// profileLink is a profile link as the list shows it; ExpiresAt is null
// for a QR link.
type profileLink struct {
	LinkID    string     `json:"linkId"`
	Type      string     `json:"type"`
	ExpiresAt *time.Time `json:"expiresAt"`
	CreatedAt time.Time  `json:"createdAt"`
}

func newProfileLink(l *domain.ProfileLink) profileLink {
	return profileLink{LinkID: l.ID, Type: l.Type, ExpiresAt: domain.NullIfZero(l.ExpiresAt), CreatedAt: l.CreatedAt.UTC()}
}

// profileLinkCreated is a new link with its token and URL, shown only in
// this answer.
type profileLinkCreated struct {
	profileLink
	URL   string `json:"url"`
	Token string `json:"token"`
}

type createLinkRequest struct {
	Type string `json:"type"`
}

func (h *handler) createLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req createLinkRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	c, err := h.profiles.CreateLink(r.Context(), p, req.Type)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, profileLinkCreated{profileLink: newProfileLink(c.Link), URL: c.URL, Token: c.Token})
}

type profileLinkList struct {
	ProfileLinks []profileLink `json:"profileLinks"`
}

func (h *handler) listLinks(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	links, err := h.profiles.Links(r.Context(), p)
	if err != nil {
		return err
	}
	out := profileLinkList{ProfileLinks: make([]profileLink, 0, len(links))}
	for _, l := range links {
		out.ProfileLinks = append(out.ProfileLinks, newProfileLink(l))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (h *handler) revokeLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.profiles.RevokeLink(r.Context(), p, r.PathValue("linkId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type workspaceName struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
}

type sharedProfile struct {
	Profile   *domain.VisibleProfile `json:"profile"`
	Workspace workspaceName          `json:"workspace"`
}

func (h *handler) openLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	sh, err := h.profiles.OpenAs(r.Context(), p, r.PathValue("token"))
	if err != nil {
		return err
	}
	ws := sh.Owner.Workspace
	return web.JSON(w, http.StatusOK, sharedProfile{Profile: sh.Profile(), Workspace: workspaceName{WorkspaceID: ws.ID, Name: ws.Name}})
}

func (h *handler) qrCode(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, err := h.profiles.Open(r.Context(), token); err != nil {
		return err
	}
	return qr.Write(w, h.profiles.URL(token))
}

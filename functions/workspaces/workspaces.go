// Package workspaces is the function behind a workspace's admin API,
// /v1/workspaces/{ws}…: the workspace's settings and members (F15), invite
// links (F2), member registration (F3), the recovery key (F9), the super
// admin's delegation (F16, with its page /delegation/{token} and
// /v1/super-admin-delegations/accept), organisation link (F17) and
// withdrawal (F18).
// Every call is authenticated and authorised by role and workspace.
package workspaces

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/delegation"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/orglink"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/signup"
	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/withdrawal"
	"github.com/workgate/workgate/shared/workspace"
)

// Name is the function's name in the topology.
const Name = "workspaces"

func init() { server.Register(Name, New) }

type handler struct {
	sessions    *session.Service
	signup      *signup.Service
	login       *login.Service
	workspace   *workspace.Service
	delegations *delegation.Service
	orgLinks    *orglink.Service
	withdrawals *withdrawal.Service
	// appURL is the web app, linked from the success pages.
	appURL string
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	pages.Parse() // before the first page, not on it
	api := openapi.NewRouter()
	h := &handler{
		sessions:  d.Sessions(),
		login:     d.Login(),
		workspace: d.Workspace(),
		signup:    d.Signup(),

		delegations: d.Delegations(),
		orgLinks:    d.OrgLinks(),
		withdrawals: d.Withdrawals(),
		appURL:      d.Config.AppURL,
	}
	mux := web.NewMux()
	mux.Handle("GET /v1/workspaces/{ws}", h.getWorkspace)
	mux.Handle("PATCH /v1/workspaces/{ws}", h.updateWorkspace)
	mux.Handle("PUT /v1/workspaces/{ws}/profile-fields", h.setProfileFields)
	mux.Handle("GET /v1/workspaces/{ws}/members", h.listMembers)
	mux.Handle("PUT /v1/workspaces/{ws}/members/{memberId}/role", h.setRole)
	mux.Handle("DELETE /v1/workspaces/{ws}/members/{memberId}", h.deleteMember)
	mux.Handle("POST /v1/workspaces/{ws}/invite-links", h.createInviteLink)
	mux.Handle("GET /v1/workspaces/{ws}/invite-links", h.listInviteLinks)
	mux.Handle("DELETE /v1/workspaces/{ws}/invite-links/{id}", h.revokeInviteLink)
	mux.Handle("POST /v1/workspaces/{ws}/members", h.registerMember)
	mux.Handle("POST /v1/workspaces/{ws}/recovery-key", h.createRecoveryKey)
	mux.Handle("POST /v1/workspaces/{ws}/super-admin-delegations", h.delegate)
	mux.Handle("POST /v1/super-admin-delegations/accept", h.acceptDelegation)
	mux.Handle("GET /delegation/{token}", h.delegationPage)
	mux.Handle("POST /delegation/{token}", h.delegationForm)
	mux.Handle("GET "+delegationDonePath, pages.Done("delegation.done.title", "delegation.done.message", h.appURL))
	mux.Handle("POST /v1/workspaces/{ws}/org-link", h.applyOrgLink)
	mux.Handle("GET /v1/workspaces/{ws}/org-link", h.getOrgLink)
	mux.Handle("PATCH /v1/workspaces/{ws}/org-link", h.updateOrgLink)
	mux.Handle("POST /v1/workspaces/{ws}/withdrawal", h.withdraw)
	// Any other path of the subtree: 404, or 405 for a documented path.
	mux.Handle("/", api.Fallback)
	return mux, nil
}

// authorize authenticates the caller and checks that they act on their own
// workspace and hold perm: 401 without a live session, 403 otherwise.
func (h *handler) authorize(r *http.Request, perm string) (*session.Principal, error) {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return nil, err
	}
	if err := p.In(r.PathValue("ws"), perm); err != nil {
		return nil, err
	}
	return p, nil
}

type createInviteLinkRequest struct {
	ExpiresInHours *int `json:"expiresInHours"`
	MaxUses        *int `json:"maxUses"`
}

// inviteLink is an invite link as the API shows it; MaxUses is null for
// an unlimited link.
type inviteLink struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expiresAt"`
	MaxUses   *int      `json:"maxUses"`
	Uses      int       `json:"uses"`
	Revoked   bool      `json:"revoked"`
	CreatedAt time.Time `json:"createdAt"`
}

func newInviteLink(l *domain.InviteLink) inviteLink {
	out := inviteLink{ID: l.ID, ExpiresAt: l.ExpiresAt.UTC(), Uses: l.Uses, Revoked: l.Revoked(), CreatedAt: l.CreatedAt.UTC()}
	if l.MaxUses > 0 {
		out.MaxUses = &l.MaxUses
	}
	return out
}

// inviteLinkCreated is a new link with its token and URL, shown only in
// this answer.
type inviteLinkCreated struct {
	inviteLink
	URL   string `json:"url"`
	Token string `json:"token"`
}

func (h *handler) createInviteLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermAdminAccess)
	if err != nil {
		return err
	}
	var req createInviteLinkRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	out, err := h.signup.CreateInviteLink(r.Context(), signup.NewInviteLink{
		WorkspaceID: p.WorkspaceID, CreatedBy: p.AccountID, ExpiresInHours: req.ExpiresInHours, MaxUses: req.MaxUses,
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, inviteLinkCreated{inviteLink: newInviteLink(out.Link), URL: out.URL, Token: out.Token})
}

type inviteLinkList struct {
	InviteLinks []inviteLink `json:"inviteLinks"`
}

func (h *handler) listInviteLinks(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermAdminAccess)
	if err != nil {
		return err
	}
	links, err := h.signup.InviteLinks(r.Context(), p.WorkspaceID)
	if err != nil {
		return err
	}
	out := inviteLinkList{InviteLinks: make([]inviteLink, 0, len(links))}
	for _, l := range links {
		out.InviteLinks = append(out.InviteLinks, newInviteLink(l))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (h *handler) revokeInviteLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermAdminAccess)
	if err != nil {
		return err
	}
	if err := h.signup.RevokeInviteLink(r.Context(), p.WorkspaceID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type registerMemberRequest struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Title      string `json:"title"`
	Position   string `json:"position"`
	Mobile     string `json:"mobile"`
}

type registerMemberResponse struct {
	MemberID string `json:"memberId"`
	Status   string `json:"status"`
}

func (h *handler) registerMember(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermMemberManagement)
	if err != nil {
		return err
	}
	var req registerMemberRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	id, err := h.signup.RegisterMember(r.Context(), signup.NewMember{
		Workspace: p.Workspace, InviterName: p.Member.Name,
		Email: req.Email, Name: req.Name, Department: req.Department, Title: req.Title, Position: req.Position, Mobile: req.Mobile,
		Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, registerMemberResponse{MemberID: id, Status: domain.MemberInvited})
}

type passwordRequest struct {
	Password string `json:"password"`
}

type recoveryKey struct {
	RecoveryKey string `json:"recoveryKey"`
}

func (h *handler) createRecoveryKey(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	key, err := h.login.CreateRecoveryKey(r.Context(), p, r.PathValue("ws"), req.Password, i18n.Negotiate(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusCreated, recoveryKey{RecoveryKey: key})
}

// Package signup is the function behind joining workgate: workspace
// creation and e-mail verification (F1: POST /v1/workspaces, POST
// /v1/email-verifications and the page /verify-email/{token}), invite-link
// sign-up (F2: /v1/invites/{token} and the page /invite/{token}) and the
// first password of a member registered by an admin (F3: POST
// /v1/password-setups and the page /set-password/{token}).
package signup

import (
	"net/http"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/signup"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "signup"

func init() { server.Register(Name, New) }

type handler struct {
	svc *signup.Service
	// clientIP is the client of a request, as rate limits count it.
	clientIP func(*http.Request) string
	// appURL is the web app, linked from the success pages.
	appURL string
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	pages.Parse() // before the first page, not on it
	h := &handler{svc: d.Signup(), clientIP: d.ClientIP, appURL: d.Config.AppURL}
	mux := web.NewMux()
	mux.Handle("POST /v1/workspaces", h.createWorkspace)
	mux.Handle("POST /v1/email-verifications", h.verify)
	mux.Handle("GET /verify-email/{token}", h.verifyPage)
	mux.Handle("POST /verify-email/{token}", h.verifyForm)
	mux.Handle("GET "+verifiedPath, pages.Done("verify.done.title", "verify.done.message", h.appURL))
	h.inviteRoutes(mux)
	h.passwordSetupRoutes(mux)
	return mux, nil
}

type createWorkspaceRequest struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
	Owner       struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"owner"`
}

type createWorkspaceResponse struct {
	WorkspaceID string `json:"workspaceId"`
	Status      string `json:"status"`
}

func (h *handler) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var req createWorkspaceRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	err := h.svc.CreateWorkspace(r.Context(), signup.NewWorkspace{
		WorkspaceID: req.WorkspaceID, Name: req.Name,
		OwnerName: req.Owner.Name, OwnerEmail: req.Owner.Email, OwnerPassword: req.Owner.Password,
		Locale: i18n.Negotiate(r.Header.Get("Accept-Language")), ClientIP: h.clientIP(r),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, createWorkspaceResponse{WorkspaceID: req.WorkspaceID, Status: "pending"})
}

type verifyRequest struct {
	Token string `json:"token"`
}

type verifyResponse struct {
	AccountID   string `json:"accountId"`
	WorkspaceID string `json:"workspaceId"`
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) error {
	var req verifyRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return errs.E(errs.Invalid, "token is required")
	}
	out, err := h.svc.Verify(r.Context(), req.Token)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, verifyResponse{AccountID: out.AccountID, WorkspaceID: out.WorkspaceID})
}

// verifyPage shows what the link verifies and a button; opening it never
// consumes the token.
func (h *handler) verifyPage(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	v, err := h.svc.Pending(r.Context(), token)
	if err != nil {
		return h.failurePage(w, locale, err)
	}
	return pages.Render(w, http.StatusOK, pages.Page{
		Locale: locale, Name: "confirm", Title: "verify.title", Message: "verify.message",
		Detail: v.WorkspaceName + " (" + v.WorkspaceID + ") · " + v.Email,
		Action: "/verify-email/" + token, Button: "verify.button",
	})
}

// verifiedPath is the page a verification's form leads to once it has
// verified (Post/Redirect/Get): it needs no token and shows nobody's data.
const verifiedPath = "/verify-email/done"

// verifyForm is the page's button: it consumes the token, then sends the
// browser on to the verified page.
func (h *handler) verifyForm(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	if err := web.Form(r); err != nil {
		return h.failurePage(w, locale, err)
	}
	if _, err := h.svc.Verify(r.Context(), r.PathValue("token")); err != nil {
		return h.failurePage(w, locale, err)
	}
	return pages.Redirect(w, verifiedPath)
}

// failurePage answers a verify page request that failed (pages.Failure).
func (h *handler) failurePage(w http.ResponseWriter, locale i18n.Locale, err error) error {
	return pages.Failure(w, locale, err, pages.Dead{Gone: "gone.message", UsedTitle: "verify.used.title", Used: "verify.used", App: h.appURL})
}

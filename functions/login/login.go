// Package login is the function behind logging in and staying logged in:
// e-mail codes and password login with the lockout (F5, F7), the super
// admin's recovery-key login (F9), password reset (F8) and sessions (F10): /v1/login/…, /v1/token/refresh,
// /v1/logout, /v1/me, /v1/password-resets… and /reset-password/{token}.
package login

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "login"

func init() { server.Register(Name, New) }

type handler struct {
	d        *server.Deps
	login    *login.Service
	sessions *session.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	pages.Parse() // before the first page, not on it
	h := &handler{d: d, sessions: d.Sessions(), login: d.Login()}
	mux := web.NewMux()
	mux.Handle("POST /v1/login/email-code", h.requestCode)
	mux.Handle("POST /v1/login/email-code/verify", h.verifyCode)
	mux.Handle("POST /v1/login/password", h.password)
	mux.Handle("POST /v1/login/recovery", h.recovery)
	mux.Handle("GET /v1/orgs/{orgId}", h.org)
	mux.Handle("POST /v1/login/org", h.orgLogin)
	mux.Handle("POST /v1/token/refresh", h.refresh)
	mux.Handle("POST /v1/logout", h.logout)
	mux.Handle("GET /v1/me", h.me)
	h.resetRoutes(mux)
	// Any other path of the subtree: 404, or 405 for a documented path.
	api := openapi.NewRouter()
	mux.Handle("/", api.Fallback)
	return mux, nil
}

type emailRequest struct {
	Email string `json:"email"`
}

type codeSent struct {
	Status string `json:"status"`
}

func (h *handler) requestCode(w http.ResponseWriter, r *http.Request) error {
	var req emailRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if err := h.login.RequestCode(r.Context(), req.Email, h.d.ClientIP(r), i18n.Negotiate(r.Header.Get("Accept-Language"))); err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, codeSent{Status: "code_sent"})
}

type verifyCodeRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

type ticketWorkspace struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
	LogoURL     string `json:"logoUrl"`
}

type ticketResponse struct {
	LoginTicket string            `json:"loginTicket"`
	ExpiresAt   time.Time         `json:"expiresAt"`
	Workspaces  []ticketWorkspace `json:"workspaces"`
}

func (h *handler) verifyCode(w http.ResponseWriter, r *http.Request) error {
	var req verifyCodeRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	t, err := h.login.VerifyCode(r.Context(), req.Email, req.Code)
	if err != nil {
		return err
	}
	res := ticketResponse{LoginTicket: t.Token, ExpiresAt: t.ExpiresAt.UTC(), Workspaces: []ticketWorkspace{}}
	for _, ws := range t.Workspaces {
		res.Workspaces = append(res.Workspaces, ticketWorkspace{WorkspaceID: ws.ID, Name: ws.Name, LogoURL: ws.LogoURL})
	}
	return web.JSON(w, http.StatusOK, res)
}

type passwordRequest struct {
	LoginTicket string        `json:"loginTicket"`
	WorkspaceID string        `json:"workspaceId"`
	Email       string        `json:"email"`
	Password    string        `json:"password"`
	Device      domain.Device `json:"device"`
	DeviceToken string        `json:"deviceToken"`
}

func (h *handler) password(w http.ResponseWriter, r *http.Request) error {
	var req passwordRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := h.login.Password(r.Context(), login.PasswordLogin{
		Ticket: req.LoginTicket, WorkspaceID: req.WorkspaceID, Email: req.Email, Password: req.Password,
		Device: req.Device, DeviceToken: req.DeviceToken, Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return answerLogin(w, res)
}

// answerLogin answers a password login: a session (200), or a pending
// approval for an untrusted device (202).
func answerLogin(w http.ResponseWriter, res *login.Result) error {
	if res.Approval != nil {
		return web.JSON(w, http.StatusAccepted, res.Approval)
	}
	return web.JSON(w, http.StatusOK, res.Session)
}

type recoveryRequest struct {
	WorkspaceID string        `json:"workspaceId"`
	Email       string        `json:"email"`
	Password    string        `json:"password"`
	RecoveryKey string        `json:"recoveryKey"`
	Device      domain.Device `json:"device"`
}

func (h *handler) recovery(w http.ResponseWriter, r *http.Request) error {
	var req recoveryRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := h.login.Recovery(r.Context(), login.RecoveryLogin{
		WorkspaceID: req.WorkspaceID, Email: req.Email, Password: req.Password, RecoveryKey: req.RecoveryKey,
		Device: req.Device, Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

func (h *handler) refresh(w http.ResponseWriter, r *http.Request) error {
	var req refreshRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := h.sessions.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.sessions.Logout(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	AccountID   string   `json:"accountId"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	WorkspaceID string   `json:"workspaceId"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, meResponse{
		AccountID: p.AccountID, Email: p.Member.Email, Name: p.Member.Name, WorkspaceID: p.WorkspaceID,
		Role: p.Member.Role, Permissions: p.Member.EffectivePermissions(),
	})
}

package signup

import (
	"net/http"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/web"
)

// passwordSetupRoutes adds the first password of a member registered by an
// admin (F3): the API and the page that the set-password link opens.
func (h *handler) passwordSetupRoutes(mux *web.Mux) {
	mux.Handle("POST /v1/password-setups", h.setPassword)
	mux.Handle("GET /set-password/{token}", h.setPasswordPage)
	mux.Handle("POST /set-password/{token}", h.setPasswordForm)
}

type setPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (h *handler) setPassword(w http.ResponseWriter, r *http.Request) error {
	var req setPasswordRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return errs.E(errs.Invalid, "token is required")
	}
	out, err := h.svc.SetPassword(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, verifyResponse{AccountID: out.AccountID, WorkspaceID: out.WorkspaceID})
}

// setPasswordPage shows the password form; opening it never consumes the
// token.
func (h *handler) setPasswordPage(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	v, err := h.svc.PendingSetup(r.Context(), token)
	if err != nil {
		return failurePage(w, locale, err)
	}
	return renderPasswordForm(w, http.StatusOK, locale, token, v.WorkspaceName+" · "+v.Email, "setpw.message")
}

func renderPasswordForm(w http.ResponseWriter, status int, locale i18n.Locale, token, detail, message string) error {
	return pages.Render(w, status, pages.Page{
		Locale: locale, Name: "confirm", Title: "setpw.title", Message: message, Detail: detail,
		Action: "/set-password/" + token, Button: "setpw.button",
		Fields: []pages.Field{{Name: "password", Label: "setpw.field.password", Type: "password", Required: true, MinLength: auth.MinPasswordLen}},
	})
}

// setPasswordForm is the page's form: it consumes the token. A password
// that is refused shows the form again.
func (h *handler) setPasswordForm(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	if err := web.Form(r); err != nil {
		return failurePage(w, locale, err)
	}
	_, err := h.svc.SetPassword(r.Context(), token, r.PostForm.Get("password"))
	if errs.Is(err, errs.Invalid) {
		v, perr := h.svc.PendingSetup(r.Context(), token)
		if perr != nil {
			return failurePage(w, locale, perr)
		}
		return renderPasswordForm(w, http.StatusBadRequest, locale, token, v.WorkspaceName+" · "+v.Email, "setpw.invalid")
	}
	if err != nil {
		return failurePage(w, locale, err)
	}
	return pages.Render(w, http.StatusOK, pages.Page{Locale: locale, Name: "result", Title: "setpw.done.title", Message: "setpw.done.message", OK: true, App: h.appURL})
}

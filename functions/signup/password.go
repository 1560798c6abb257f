package signup

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
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
	mux.Handle("GET "+passwordSetPath, pages.Done("setpw.done.title", "setpw.done.message", h.appURL))
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
		return h.setPasswordFailure(w, locale, err)
	}
	return renderPasswordForm(w, http.StatusOK, locale, token, v, "", "")
}

// renderPasswordForm shows the set-password form of the verification v,
// with an error (a catalogue key) on the password or its confirmation.
func renderPasswordForm(w http.ResponseWriter, status int, locale i18n.Locale, token string, v *domain.Verification, passwordError, confirmError string) error {
	return pages.Render(w, status, pages.Page{
		Locale: locale, Name: "confirm", Title: "setpw.title", Message: "setpw.message", Detail: v.WorkspaceName + " · " + v.Email,
		Action: "/set-password/" + token, Button: "setpw.button", Username: v.Email,
		Fields: pages.NewPassword("setpw.field.password", passwordError, confirmError),
	})
}

// passwordSetPath is the page the set-password form leads to once the
// password is set (Post/Redirect/Get): it needs no token and shows
// nobody's data.
const passwordSetPath = "/set-password/done"

// setPasswordForm is the page's form: it consumes the token, then sends
// the browser on to the done page. A password that is refused, or not
// typed the same twice, shows the form again, the link still usable.
func (h *handler) setPasswordForm(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	if err := web.Form(r); err != nil {
		return h.setPasswordFailure(w, locale, err)
	}
	if !pages.Confirmed(r.PostForm) {
		return h.refusePassword(w, r, locale, "", "form.mismatch")
	}
	_, err := h.svc.SetPassword(r.Context(), token, r.PostForm.Get("password"))
	if errs.Is(err, errs.Invalid) {
		return h.refusePassword(w, r, locale, "setpw.invalid", "")
	}
	if err != nil {
		return h.setPasswordFailure(w, locale, err)
	}
	return pages.Redirect(w, passwordSetPath)
}

// refusePassword shows the set-password form again with an error, if its
// link still works.
func (h *handler) refusePassword(w http.ResponseWriter, r *http.Request, locale i18n.Locale, passwordError, confirmError string) error {
	token := r.PathValue("token")
	v, err := h.svc.PendingSetup(r.Context(), token)
	if err != nil {
		return h.setPasswordFailure(w, locale, err)
	}
	return renderPasswordForm(w, http.StatusBadRequest, locale, token, v, passwordError, confirmError)
}

// setPasswordFailure answers a set-password page request that failed: a
// used link says the password is set, a dead one to ask the admin who
// registered the member for a new one.
func (h *handler) setPasswordFailure(w http.ResponseWriter, locale i18n.Locale, err error) error {
	return pages.Failure(w, locale, err, pages.Dead{Gone: "setpw.gone", UsedTitle: "setpw.used.title", Used: "setpw.used", App: h.appURL})
}

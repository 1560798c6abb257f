package login

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/reset"
	"github.com/workgate/workgate/shared/web"
)

// resetRoutes adds the password reset (F8): POST /v1/password-resets,
// POST /v1/password-resets/confirm and the page /reset-password/{token}.
func (h *handler) resetRoutes(mux *web.Mux) {
	rh := &resetHandler{svc: &reset.Service{
		Store: h.d.Store, Outbox: h.d.Outbox, Hasher: h.d.Hasher, Sealer: h.d.Sealer, Clock: h.d.Clock,
		Limiter: h.d.Limiter(),
	}, clientIP: h.d.ClientIP, appURL: h.d.Config.AppURL}
	mux.Handle("POST /v1/password-resets", rh.request)
	mux.Handle("POST /v1/password-resets/confirm", rh.confirm)
	mux.Handle("GET "+reset.Path+"{token}", rh.page)
	mux.Handle("POST "+reset.Path+"{token}", rh.form)
	mux.Handle("GET "+resetDonePath, pages.Done("reset.done.title", "reset.done.message", rh.appURL))
}

type resetHandler struct {
	svc *reset.Service
	// clientIP is the client of a request, as rate limits count it.
	clientIP func(*http.Request) string
	// appURL is the web app, linked from the success page.
	appURL string
}

type resetRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type resetStatus struct {
	Status string `json:"status"`
}

// resetRequested is the one answer to every well-formed reset request,
// whatever happened (no enumeration).
var resetRequested = resetStatus{Status: "reset_requested"}

func (rh *resetHandler) request(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if err := rh.svc.Request(r.Context(), req.Name, req.Email, rh.clientIP(r), i18n.Negotiate(r.Header.Get("Accept-Language"))); err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, resetRequested)
}

type resetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (rh *resetHandler) confirm(w http.ResponseWriter, r *http.Request) error {
	var req resetConfirmRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return errs.E(errs.Invalid, "token is required")
	}
	if err := rh.svc.Confirm(r.Context(), req.Token, req.Password, i18n.Negotiate(r.Header.Get("Accept-Language"))); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, resetStatus{Status: "password_changed"})
}

// resetForm is the page's form, asking for the new password of acc twice,
// with an error (a catalogue key) on the password or its confirmation.
func resetForm(locale i18n.Locale, token string, acc *domain.Account, passwordError, confirmError string) pages.Page {
	return pages.Page{
		Locale: locale, Name: "confirm", Title: "reset.title", Message: "reset.message", Detail: acc.Email,
		Action: reset.Path + token, Button: "reset.button", Username: acc.Email,
		Fields: pages.NewPassword("reset.password", passwordError, confirmError),
	}
}

// page shows the form to choose a new password, for whom; opening it never
// consumes the link.
func (rh *resetHandler) page(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	acc, err := rh.svc.Pending(r.Context(), token)
	if err != nil {
		return rh.failure(w, locale, err)
	}
	return pages.Render(w, http.StatusOK, resetForm(locale, token, acc, "", ""))
}

// resetDonePath is the page the reset form leads to once the password is
// changed (Post/Redirect/Get): it needs no token and shows nobody's data.
const resetDonePath = reset.Path + "done"

// form is the page's form: it sets the password and consumes the link,
// then sends the browser on to the done page. A password the rule
// refuses, or not typed the same twice, shows the form again, the link
// still usable.
func (rh *resetHandler) form(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	if err := web.Form(r); err != nil {
		return rh.failure(w, locale, err)
	}
	if !pages.Confirmed(r.PostForm) {
		return rh.refuse(w, r, locale, "", "form.mismatch")
	}
	err := rh.svc.Confirm(r.Context(), r.PathValue("token"), r.PostForm.Get("password"), locale)
	if errs.Is(err, errs.Invalid) {
		return rh.refuse(w, r, locale, "reset.weak", "")
	}
	if err != nil {
		return rh.failure(w, locale, err)
	}
	return pages.Redirect(w, resetDonePath)
}

// refuse shows the reset form again with an error, if its link still
// works.
func (rh *resetHandler) refuse(w http.ResponseWriter, r *http.Request, locale i18n.Locale, passwordError, confirmError string) error {
	token := r.PathValue("token")
	acc, err := rh.svc.Pending(r.Context(), token)
	if err != nil {
		return rh.failure(w, locale, err)
	}
	return pages.Render(w, http.StatusBadRequest, resetForm(locale, token, acc, passwordError, confirmError))
}

// failure answers a reset page request that failed (pages.Failure): a
// used link says the password was changed with it.
func (rh *resetHandler) failure(w http.ResponseWriter, locale i18n.Locale, err error) error {
	return pages.Failure(w, locale, err, pages.Dead{Gone: "reset.gone", UsedTitle: "reset.used.title", Used: "reset.used", App: rh.appURL})
}

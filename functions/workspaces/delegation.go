package workspaces

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/delegation"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/web"
)

// The super admin delegation (F16): the offer, its acceptance through the
// API, and the page the mailed link opens.

type delegationRequest struct {
	ToMemberID string `json:"toMemberId"`
	Password   string `json:"password"`
}

type delegationSent struct {
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (h *handler) delegate(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	var req delegationRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	d, err := h.delegations.Offer(r.Context(), p, r.PathValue("ws"), delegation.Offer{
		ToMemberID: req.ToMemberID, Password: req.Password, Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, delegationSent{Status: "sent", ExpiresAt: d.ExpiresAt.UTC()})
}

type acceptDelegationRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type delegationAccepted struct {
	WorkspaceID  string `json:"workspaceId"`
	SuperAdminID string `json:"superAdminId"`
}

func (h *handler) acceptDelegation(w http.ResponseWriter, r *http.Request) error {
	var req acceptDelegationRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return errs.E(errs.Invalid, "token is required")
	}
	out, err := h.delegations.Accept(r.Context(), req.Token, req.Password, i18n.Negotiate(r.Header.Get("Accept-Language")))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, delegationAccepted{WorkspaceID: out.WorkspaceID, SuperAdminID: out.SuperAdminID})
}

// delegationPage shows who offers the role of which workspace, with the
// password form; opening it never consumes the link.
func (h *handler) delegationPage(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	d, err := h.delegations.Pending(r.Context(), token)
	if err != nil {
		return h.delegationFailure(w, locale, err)
	}
	return renderDelegationForm(w, http.StatusOK, locale, token, d, "")
}

// renderDelegationForm shows the delegation page: the offer is its main
// sentence; passwordError is the catalogue key of what is wrong with the
// password, if anything.
func renderDelegationForm(w http.ResponseWriter, status int, locale i18n.Locale, token string, d *delegation.Pending, passwordError string) error {
	return pages.Render(w, status, pages.Page{
		Locale: locale, Name: "confirm", Title: "delegation.title", Message: "delegation.message", Logo: d.WorkspaceLogo,
		Lead:   pages.DelegationOffer(locale, d.FromName, d.WorkspaceName),
		Action: delegation.PagePath + token, Button: "delegation.button", Username: d.ToEmail,
		Fields: []pages.Field{{
			Name: "password", Label: "delegation.password", Type: "password", Autocomplete: "current-password",
			Required: true, MinLength: auth.MinPasswordLen, Error: passwordError,
		}},
	})
}

// delegationDonePath is the page the delegation form leads to once the
// role is handed over (Post/Redirect/Get): it needs no token and shows
// nobody's data.
const delegationDonePath = delegation.PagePath + "done"

// delegationForm is the page's form: it accepts the delegation, then sends
// the browser on to the done page. A wrong or missing password shows the
// form again.
func (h *handler) delegationForm(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	if err := web.Form(r); err != nil {
		return h.delegationFailure(w, locale, err)
	}
	_, err := h.delegations.Accept(r.Context(), token, r.PostForm.Get("password"), locale)
	switch errs.KindOf(err) {
	case errs.InvalidCredentials, errs.Invalid:
		d, perr := h.delegations.Pending(r.Context(), token)
		if perr != nil {
			return h.delegationFailure(w, locale, perr)
		}
		status, message := http.StatusUnauthorized, "delegation.wrong"
		if errs.KindOf(err) == errs.Invalid {
			status, message = http.StatusBadRequest, "delegation.invalid"
		}
		return renderDelegationForm(w, status, locale, token, d, message)
	case errs.Locked:
		return pages.Render(w, http.StatusLocked, pages.Page{Locale: locale, Name: "result", Title: "delegation.locked.title", Message: "delegation.locked"})
	}
	if err != nil {
		return h.delegationFailure(w, locale, err)
	}
	return pages.Redirect(w, delegationDonePath)
}

// delegationFailure answers a delegation page request that failed
// (pages.Failure): a used link says the offer was accepted with it, not
// to ask the super admin (its holder is the super admin now).
func (h *handler) delegationFailure(w http.ResponseWriter, locale i18n.Locale, err error) error {
	return pages.Failure(w, locale, err, pages.Dead{Gone: "delegation.gone", UsedTitle: "delegation.used.title", Used: "delegation.used", App: h.appURL})
}

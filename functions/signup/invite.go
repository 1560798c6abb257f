package signup

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
	"github.com/workgate/workgate/shared/qr"
	"github.com/workgate/workgate/shared/signup"
	"github.com/workgate/workgate/shared/web"
)

// inviteRoutes adds the invite-link sign-up (F2): the API for apps and the
// page that a shared link opens.
func (h *handler) inviteRoutes(mux *web.Mux) {
	mux.Handle("GET /v1/invites/{token}", h.invite)
	mux.Handle("GET /v1/invites/{token}/qr.png", h.inviteQR)
	mux.Handle("POST /v1/invites/{token}/accept", h.acceptInvite)
	mux.Handle("GET /invite/{token}", h.invitePage)
	mux.Handle("POST /invite/{token}", h.inviteForm)
	mux.Handle("GET "+inviteSentPath, pages.Done("invite.sent.title", "invite.sent.message", ""))
}

type inviteResponse struct {
	Workspace inviteWorkspace `json:"workspace"`
	ExpiresAt time.Time       `json:"expiresAt"`
}

type inviteWorkspace struct {
	WorkspaceID string  `json:"workspaceId"`
	Name        string  `json:"name"`
	LogoURL     *string `json:"logoUrl"`
	Color       *string `json:"color"`
}

// orNull is s, or JSON null when it is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handler) invite(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.svc.Invite(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	ws := inv.Workspace
	return web.JSON(w, http.StatusOK, inviteResponse{
		Workspace: inviteWorkspace{WorkspaceID: ws.ID, Name: ws.Name, LogoURL: orNull(ws.LogoURL), Color: orNull(ws.Color)},
		ExpiresAt: inv.Link.ExpiresAt.UTC(),
	})
}

// inviteQR draws the QR code of a usable invite link's URL, for an admin
// to show or print (F21). It answers 404 and 410 as invite does, so a
// revoked, expired or used-up link has no code to scan.
func (h *handler) inviteQR(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, err := h.svc.Invite(r.Context(), token); err != nil {
		return err
	}
	return qr.Write(w, h.svc.InviteURL(token))
}

type acceptInviteRequest struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

type acceptInviteResponse struct {
	Status string `json:"status"`
}

// acceptInvite answers the same whether or not the e-mail has an account
// or is a member already.
func (h *handler) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	var req acceptInviteRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	err := h.svc.AcceptInvite(r.Context(), signup.InviteSignUp{
		Token: r.PathValue("token"), Name: req.Name, Email: req.Email, Password: req.Password,
		Locale: i18n.Negotiate(r.Header.Get("Accept-Language")), ClientIP: h.clientIP(r),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, acceptInviteResponse{Status: "verification_sent"})
}

// inviteFields are the sign-up form of an invite page, holding what was
// typed (never the password) and marking the fields in bad.
func inviteFields(in signup.InviteSignUp, bad []string) []pages.Field {
	fields := []pages.Field{
		{Name: "name", Label: "invite.field.name", Type: "text", Autocomplete: "name", Required: true, Value: in.Name},
		{Name: "email", Label: "invite.field.email", Type: "email", Autocomplete: "email", Required: true, Value: in.Email},
		{Name: "password", Label: "invite.field.password", Type: "password", Autocomplete: "new-password", Required: true, MinLength: auth.MinPasswordLen},
	}
	for i := range fields {
		if slices.Contains(bad, fields[i].Name) {
			fields[i].Error = "invite.error." + fields[i].Name
		}
	}
	return fields
}

// invitePage shows the workspace a link invites to and the sign-up form;
// opening it changes nothing.
func (h *handler) invitePage(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	inv, err := h.svc.Invite(r.Context(), token)
	if err != nil {
		return h.inviteFailure(w, locale, err)
	}
	return renderInviteForm(w, http.StatusOK, locale, token, inv.Workspace, inviteFields(signup.InviteSignUp{}, nil))
}

func renderInviteForm(w http.ResponseWriter, status int, locale i18n.Locale, token string, ws *domain.Workspace, fields []pages.Field) error {
	return pages.Render(w, status, pages.Page{
		Locale: locale, Name: "confirm", Title: "invite.title", Message: "invite.message", Detail: ws.Name, Logo: ws.LogoURL,
		Action: "/invite/" + token, Button: "invite.button", Fields: fields,
	})
}

// inviteSentPath is the page the sign-up form leads to once the mail is on
// its way (Post/Redirect/Get): it needs no token and shows nobody's data,
// the same whatever the address.
const inviteSentPath = "/invite/sent"

// inviteForm is the page's form: it signs up, then sends the browser on to
// the page that says to check the mail. Input that is not right shows the
// form again with what was typed, marking each field to fix.
func (h *handler) inviteForm(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	if err := web.Form(r); err != nil {
		return h.inviteFailure(w, locale, err)
	}
	in := signup.InviteSignUp{
		Token: token, Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"),
		Locale: locale, ClientIP: h.clientIP(r),
	}
	err := h.svc.AcceptInvite(r.Context(), in)
	if errs.Is(err, errs.Invalid) {
		// The link was not checked yet if the input was refused: show the
		// form again only for a link that still works.
		inv, ierr := h.svc.Invite(r.Context(), token)
		if ierr != nil {
			return h.inviteFailure(w, locale, ierr)
		}
		return renderInviteForm(w, http.StatusBadRequest, locale, token, inv.Workspace, inviteFields(in, in.InvalidFields()))
	}
	if err != nil {
		return h.inviteFailure(w, locale, err)
	}
	return pages.Redirect(w, inviteSentPath)
}

// inviteFailure answers an invite page whose link cannot be used, or a
// sign-up over its rate, saying why; other failures go to failurePage.
func (h *handler) inviteFailure(w http.ResponseWriter, locale i18n.Locale, err error) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.RateLimited {
		web.SetRetryAfter(w, e.RetryAfter)
		return pages.Render(w, http.StatusTooManyRequests, pages.Page{Locale: locale, Name: "result", Title: "invite.ratelimited.title", Message: "invite.ratelimited"})
	}
	message := ""
	switch {
	case errors.Is(err, domain.ErrInviteRevoked):
		message = "invite.revoked"
	case errors.Is(err, domain.ErrInviteExpired):
		message = "invite.expired"
	case errors.Is(err, domain.ErrInviteUsedUp):
		message = "invite.usedup"
	case errs.Is(err, errs.Gone):
		message = "invite.closed"
	case errs.Is(err, errs.NotFound):
		message = "invite.notfound"
	default:
		return h.failurePage(w, locale, err)
	}
	return pages.Render(w, web.Status(errs.KindOf(err)), pages.Page{Locale: locale, Name: "result", Title: "invite.unusable.title", Message: message})
}

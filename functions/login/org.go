package login

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/web"
)

// Login by organisation ID (F6): the organisation's login screen and the
// login on it.

// orgResponse is an organisation's login screen; an unset login-method
// name is null.
type orgResponse struct {
	OrgID           string  `json:"orgId"`
	OrgName         string  `json:"orgName"`
	LoginMethodName *string `json:"loginMethodName"`
	WorkspaceID     string  `json:"workspaceId"`
}

func (h *handler) org(w http.ResponseWriter, r *http.Request) error {
	org, err := h.login.Org(r.Context(), r.PathValue("orgId"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, orgResponse{
		OrgID: org.OrgID, OrgName: org.OrgName, LoginMethodName: domain.NullIfEmpty(org.LoginMethodName), WorkspaceID: org.WorkspaceID,
	})
}

type orgLoginRequest struct {
	OrgID       string        `json:"orgId"`
	LoginID     string        `json:"loginId"`
	Password    string        `json:"password"`
	Device      domain.Device `json:"device"`
	DeviceToken string        `json:"deviceToken"`
}

func (h *handler) orgLogin(w http.ResponseWriter, r *http.Request) error {
	var req orgLoginRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := h.login.OrgLogin(r.Context(), login.OrgLogin{
		OrgID: req.OrgID, LoginID: req.LoginID, Password: req.Password,
		Device: req.Device, DeviceToken: req.DeviceToken, Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return answerLogin(w, res)
}

package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/withdrawal"
)

type withdrawalRequest struct {
	Password    string `json:"password"`
	ConfirmName string `json:"confirmName"`
}

type deletingStatus struct {
	Status string `json:"status"`
}

// withdraw is F18: the super admin withdraws the workspace; it is deleted
// in the background.
func (h *handler) withdraw(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	var req withdrawalRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	err = h.withdrawals.Withdraw(r.Context(), p, withdrawal.Request{
		WorkspaceID: p.WorkspaceID, Password: req.Password, ConfirmName: req.ConfirmName,
		Locale: i18n.Negotiate(r.Header.Get("Accept-Language")),
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, deletingStatus{Status: domain.WorkspaceDeleting})
}

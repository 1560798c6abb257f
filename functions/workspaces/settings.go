package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/workspace"
)

// workspaceResponse is a workspace as the API shows it: an empty logo,
// colour or tone is null.
type workspaceResponse struct {
	WorkspaceID         string               `json:"workspaceId"`
	Name                string               `json:"name"`
	LogoURL             *string              `json:"logoUrl"`
	Color               *string              `json:"color"`
	ColorTone           *string              `json:"colorTone"`
	Plan                string               `json:"plan"`
	Status              string               `json:"status"`
	ExternalChatAllowed bool                 `json:"externalChatAllowed"`
	SuperAdminID        string               `json:"superAdminId"`
	ProfileFields       domain.ProfileFields `json:"profileFields"`
}

func newWorkspaceResponse(ws *domain.Workspace) workspaceResponse {
	return workspaceResponse{
		WorkspaceID: ws.ID, Name: ws.Name, LogoURL: domain.NullIfEmpty(ws.LogoURL), Color: domain.NullIfEmpty(ws.Color), ColorTone: domain.NullIfEmpty(ws.ColorTone),
		Plan: ws.Plan, Status: ws.Status, ExternalChatAllowed: ws.ExternalChatAllowed, SuperAdminID: ws.SuperAdminID,
		ProfileFields: ws.ProfileFields,
	}
}

func (h *handler) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newWorkspaceResponse(h.workspace.Get(p)))
}

type updateWorkspaceRequest struct {
	WorkspaceID         web.Optional `json:"workspaceId"`
	Name                web.Optional `json:"name"`
	LogoURL             web.Optional `json:"logoUrl"`
	Color               web.Optional `json:"color"`
	ColorTone           web.Optional `json:"colorTone"`
	ExternalChatAllowed *bool        `json:"externalChatAllowed"`
}

func (h *handler) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermAdminAccess)
	if err != nil {
		return err
	}
	var req updateWorkspaceRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	ws, err := h.workspace.Update(r.Context(), p, workspace.Edit{
		WorkspaceID: req.WorkspaceID.Ptr(), Name: req.Name.Ptr(), LogoURL: req.LogoURL.Ptr(),
		Color: req.Color.Ptr(), ColorTone: req.ColorTone.Ptr(), ExternalChatAllowed: req.ExternalChatAllowed,
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newWorkspaceResponse(ws))
}

// profileFieldsRequest is every setting, each required: a boolean left
// out is nil, and refused.
type profileFieldsRequest struct {
	Nickname     *bool  `json:"nickname"`
	Title        *bool  `json:"title"`
	Position     *bool  `json:"position"`
	Mobile       *bool  `json:"mobile"`
	Landline     *bool  `json:"landline"`
	Email        *bool  `json:"email"`
	WorkLocation *bool  `json:"workLocation"`
	Birthday     *bool  `json:"birthday"`
	NameDisplay  string `json:"nameDisplay"`
}

func (h *handler) setProfileFields(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermAdminAccess)
	if err != nil {
		return err
	}
	var req profileFieldsRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	f, err := h.workspace.SetProfileFields(r.Context(), p, workspace.ProfileFields(req))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, f)
}

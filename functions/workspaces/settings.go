package workspaces

import (
	"encoding/json"
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
		WorkspaceID: ws.ID, Name: ws.Name, LogoURL: orNull(ws.LogoURL), Color: orNull(ws.Color), ColorTone: orNull(ws.ColorTone),
		Plan: ws.Plan, Status: ws.Status, ExternalChatAllowed: ws.ExternalChatAllowed, SuperAdminID: ws.SuperAdminID,
		ProfileFields: ws.ProfileFields,
	}
}

// orNull is s, or JSON null when it is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handler) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newWorkspaceResponse(h.workspace.Get(p)))
}

// nullable is a text field of a PATCH body that tells absent from null:
// absent leaves the field as it is; null goes on as an empty string, which
// clears a field that may be empty and is refused for one that may not.
type nullable struct {
	set   bool
	value string
}

// UnmarshalJSON records that the field was sent, and its value unless null.
func (n *nullable) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &n.value)
}

// ptr is the edit of a field: nil if absent.
func (n nullable) ptr() *string {
	if !n.set {
		return nil
	}
	return &n.value
}

type updateWorkspaceRequest struct {
	WorkspaceID         nullable `json:"workspaceId"`
	Name                nullable `json:"name"`
	LogoURL             nullable `json:"logoUrl"`
	Color               nullable `json:"color"`
	ColorTone           nullable `json:"colorTone"`
	ExternalChatAllowed *bool    `json:"externalChatAllowed"`
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
		WorkspaceID: req.WorkspaceID.ptr(), Name: req.Name.ptr(), LogoURL: req.LogoURL.ptr(),
		Color: req.Color.ptr(), ColorTone: req.ColorTone.ptr(), ExternalChatAllowed: req.ExternalChatAllowed,
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

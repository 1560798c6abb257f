package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/workspace"
)

// memberListItem is a member as the member list shows them; Email only
// to those who may see addresses. Permissions are an admin's grants (the
// admin console shows and edits them beside the role).
type memberListItem struct {
	MemberID    string   `json:"memberId"`
	Name        string   `json:"name"`
	Department  string   `json:"department"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
	Status      string   `json:"status"`
	Email       string   `json:"email,omitempty"`
}

// memberList is a page of the member list; NextPageToken is null on the
// last page.
type memberList struct {
	Members       []memberListItem `json:"members"`
	NextPageToken *string          `json:"nextPageToken"`
}

func (h *handler) listMembers(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	query := r.URL.Query()
	page, err := h.workspace.Members(r.Context(), p, workspace.MemberQuery{
		Q: query.Get("q"), PageSize: query.Get("pageSize"), PageToken: query.Get("pageToken"),
	})
	if err != nil {
		return err
	}
	out := memberList{Members: make([]memberListItem, 0, len(page.Members)), NextPageToken: domain.NullIfEmpty(page.NextPageToken)}
	for _, m := range page.Members {
		item := memberListItem{MemberID: m.AccountID, Name: m.Name, Department: m.Department, Role: m.Role, Permissions: m.Permissions, Status: m.Status}
		if item.Permissions == nil {
			item.Permissions = []string{}
		}
		if page.Emails {
			item.Email = m.Email
		}
		out.Members = append(out.Members, item)
	}
	return web.JSON(w, http.StatusOK, out)
}

type setRoleRequest struct {
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

type roleResponse struct {
	MemberID    string   `json:"memberId"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
}

func (h *handler) setRole(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	var req setRoleRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	m, err := h.workspace.SetRole(r.Context(), p, r.PathValue("memberId"), workspace.RoleChange(req))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, roleResponse{MemberID: m.AccountID, Role: m.Role, Permissions: m.Permissions})
}

func (h *handler) deleteMember(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, domain.PermMemberManagement)
	if err != nil {
		return err
	}
	if err := h.workspace.DeleteMember(r.Context(), p, r.PathValue("memberId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/orglink"
	"github.com/workgate/workgate/shared/web"
)

// The organisation link (F17): the super admin applies, reads it and
// names its login method; operators decide it (functions/operator).

type orgLinkRequest struct {
	OrgName        string `json:"orgName"`
	OrgID          string `json:"orgId"`
	BusinessNumber string `json:"businessNumber"`
}

type orgLinkPending struct {
	Status string `json:"status"`
}

// orgLinkResponse is an organisation link as its super admin sees it; an
// unset login-method name is null.
type orgLinkResponse struct {
	OrgName         string  `json:"orgName"`
	OrgID           string  `json:"orgId"`
	Status          string  `json:"status"`
	LoginMethodName *string `json:"loginMethodName"`
	BusinessNumber  string  `json:"businessNumber"`
}

func newOrgLinkResponse(l *domain.OrgLink) orgLinkResponse {
	return orgLinkResponse{
		OrgName: l.OrgName, OrgID: l.OrgID, Status: l.Status,
		LoginMethodName: domain.NullIfEmpty(l.LoginMethodName), BusinessNumber: l.BusinessNumber,
	}
}

func (h *handler) applyOrgLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	var req orgLinkRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if err := h.orgLinks.Apply(r.Context(), p, orglink.Application{
		OrgName: req.OrgName, OrgID: req.OrgID, BusinessNumber: req.BusinessNumber,
	}); err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, orgLinkPending{Status: domain.OrgLinkPending})
}

func (h *handler) getOrgLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	l, err := h.orgLinks.Get(r.Context(), p)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newOrgLinkResponse(l))
}

type orgLinkPatch struct {
	LoginMethodName string `json:"loginMethodName"`
}

func (h *handler) updateOrgLink(w http.ResponseWriter, r *http.Request) error {
	p, err := h.authorize(r, "")
	if err != nil {
		return err
	}
	if err := p.RequireSuperAdmin(); err != nil {
		return err
	}
	var req orgLinkPatch
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	l, err := h.orgLinks.SetLoginMethodName(r.Context(), p, req.LoginMethodName)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, newOrgLinkResponse(l))
}

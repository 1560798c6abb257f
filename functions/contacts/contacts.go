// Package contacts is the function behind a member's external members
// (F12) and blocks (F13): /v1/me/external-members… and /v1/me/blocks….
package contacts

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/contacts"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "contacts"

func init() { server.Register(Name, New) }

type handler struct {
	sessions *session.Service
	contacts *contacts.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	h := &handler{sessions: d.Sessions(), contacts: d.Contacts()}
	mux := web.NewMux()
	mux.Handle("POST /v1/me/external-members", h.add)
	mux.Handle("GET /v1/me/external-members", h.list)
	mux.Handle("DELETE /v1/me/external-members/{memberId}", h.remove)
	mux.Handle("POST /v1/me/blocks", h.block)
	mux.Handle("GET /v1/me/blocks", h.blocks)
	mux.Handle("DELETE /v1/me/blocks/{memberId}", h.unblock)
	return mux, nil
}

type addRequest struct {
	ProfileLinkToken string `json:"profileLinkToken"`
	MemberID         string `json:"memberId"`
}

type added struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
}

func (h *handler) add(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req addRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	var a *contacts.Added
	switch {
	case (req.ProfileLinkToken == "") == (req.MemberID == ""):
		return errs.E(errs.Invalid, "Send either profileLinkToken or memberId.")
	case req.ProfileLinkToken != "":
		a, err = h.contacts.AddByLink(r.Context(), p, req.ProfileLinkToken)
	default:
		a, err = h.contacts.AddBack(r.Context(), p, req.MemberID)
	}
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, added{MemberID: a.MemberID, Name: a.Name})
}

type workspaceName struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
}

type externalMember struct {
	MemberID  string        `json:"memberId"`
	Name      string        `json:"name"`
	Workspace workspaceName `json:"workspace"`
}

type externalMemberList struct {
	ExternalMembers []externalMember `json:"externalMembers"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	es, err := h.contacts.Externals(r.Context(), p)
	if err != nil {
		return err
	}
	out := externalMemberList{ExternalMembers: make([]externalMember, len(es))}
	for i, e := range es {
		out.ExternalMembers[i] = externalMember{MemberID: e.MemberID, Name: e.Name, Workspace: workspaceName{WorkspaceID: e.WorkspaceID, Name: e.WorkspaceName}}
	}
	return web.JSON(w, http.StatusOK, out)
}

func (h *handler) remove(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.contacts.Remove(r.Context(), p, r.PathValue("memberId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type blockRequest struct {
	MemberID string `json:"memberId"`
}

type blocked struct {
	MemberID  string    `json:"memberId"`
	Name      string    `json:"name"`
	BlockedAt time.Time `json:"blockedAt"`
}

func newBlocked(b *domain.Block) blocked {
	return blocked{MemberID: b.MemberID, Name: b.Name, BlockedAt: b.BlockedAt.UTC()}
}

func (h *handler) block(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req blockRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.MemberID == "" {
		return errs.E(errs.Invalid, "memberId is required.")
	}
	b, err := h.contacts.Block(r.Context(), p, req.MemberID)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, newBlocked(b))
}

type blockList struct {
	Blocked []blocked `json:"blocked"`
}

func (h *handler) blocks(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	bs, err := h.contacts.Blocks(r.Context(), p)
	if err != nil {
		return err
	}
	out := blockList{Blocked: make([]blocked, len(bs))}
	for i, b := range bs {
		out.Blocked[i] = newBlocked(b)
	}
	return web.JSON(w, http.StatusOK, out)
}

func (h *handler) unblock(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.contacts.Unblock(r.Context(), p, r.PathValue("memberId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

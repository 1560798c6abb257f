// Package operator is the function behind the platform operators' API,
// /v1/operator/…: a workspace's plan and the approval of organisation
// links (F17). It is authenticated by the operator key alone
// (WORKGATE_OPERATOR_KEY), compared in constant time.
package operator

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/orglink"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "operator"

func init() { server.Register(Name, New) }

type handler struct {
	key      operatorKey
	orgLinks *orglink.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	api := openapi.NewRouter()
	h := &handler{key: newOperatorKey(d.Config.OperatorKey), orgLinks: d.OrgLinks()}
	mux := web.NewMux()
	mux.Handle("PUT /v1/operator/workspaces/{ws}/plan", h.operator(h.setPlan))
	mux.Handle("POST /v1/operator/org-links/{orgId}/approve", h.operator(h.approve))
	mux.Handle("POST /v1/operator/org-links/{orgId}/reject", h.operator(h.reject))
	// Any other path of the subtree: 404, or 405 for a documented path;
	// to an operator only.
	mux.Handle("/", h.operator(api.Fallback))
	return mux, nil
}

// operatorKey is the SHA-256 of the configured operator key; unset when
// no key is configured, and then every call is refused.
type operatorKey struct {
	sum [sha256.Size]byte
	set bool
}

func newOperatorKey(key string) operatorKey {
	if key == "" {
		return operatorKey{}
	}
	return operatorKey{sum: sha256.Sum256([]byte(key)), set: true}
}

// matches reports whether an Authorization header carries the key, in
// time independent of how much of it is right: both sides are hashed to
// the same length first, then compared in constant time.
func (k operatorKey) matches(authorization string) bool {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 && ok && token != "" && k.set
}

var errOperatorOnly = errs.E(errs.Unauthenticated, "This is the operators' API: send the operator key as a bearer token.")

// operator refuses any call without the operator key (401) before next
// runs.
func (h *handler) operator(next web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !h.key.matches(r.Header.Get("Authorization")) {
			return errOperatorOnly
		}
		return next(w, r)
	}
}

type planRequest struct {
	Plan string `json:"plan"`
}

type planResponse struct {
	WorkspaceID string `json:"workspaceId"`
	Plan        string `json:"plan"`
}

func (h *handler) setPlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	ws := r.PathValue("ws")
	if err := h.orgLinks.SetPlan(r.Context(), ws, req.Plan); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, planResponse{WorkspaceID: ws, Plan: req.Plan})
}

type decision struct {
	Status string `json:"status"`
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, true)
}

func (h *handler) reject(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, false)
}

func (h *handler) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	status, err := h.orgLinks.Decide(r.Context(), r.PathValue("orgId"), approve)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, decision{Status: status})
}

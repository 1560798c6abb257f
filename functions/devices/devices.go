// Package devices is the function behind new-device approval and trusted
// devices (F9): the new device polls its request and nudges a member;
// members list the requests they were asked to decide and approve (with
// the match code) or deny them, send presence heartbeats, list and revoke
// their trusted devices, and set the push token of the device they are on
// (F19).
package devices

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/device"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/push"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "devices"

func init() { server.Register(Name, New) }

type handler struct {
	sessions *session.Service
	login    *login.Service
	devices  *device.Service
	tokens   *push.Tokens
	// clientIP is the client of a request, as rate limits count it.
	clientIP func(*http.Request) string
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	api := openapi.NewRouter()
	h := &handler{sessions: d.Sessions(), login: d.Login(), devices: d.Devices(), tokens: d.PushTokens(), clientIP: d.ClientIP}
	mux := web.NewMux()
	mux.Handle("GET /v1/device-approvals/{id}", h.poll)
	mux.Handle("POST /v1/device-approvals/{id}/nudge", h.nudge)
	mux.Handle("GET /v1/device-approvals", h.pending)
	mux.Handle("POST /v1/device-approvals/{id}/approve", h.approve)
	mux.Handle("POST /v1/device-approvals/{id}/deny", h.deny)
	mux.Handle("POST /v1/me/presence", h.presence)
	mux.Handle("GET /v1/me/devices", h.list)
	mux.Handle("DELETE /v1/me/devices/{deviceId}", h.revoke)
	mux.Handle("PUT /v1/me/devices/{deviceId}/push-token", h.putPushToken)
	mux.Handle("DELETE /v1/me/devices/{deviceId}/push-token", h.deletePushToken)
	mux.Handle("/", api.Fallback)
	return mux, nil
}

func (h *handler) poll(w http.ResponseWriter, r *http.Request) error {
	res, err := h.login.PollApproval(r.Context(), r.PathValue("id"), r.URL.Query().Get("pollToken"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, res)
}

type nudgeRequest struct {
	PollToken string `json:"pollToken"`
	MemberID  string `json:"memberId"`
}

type nudged struct {
	Status string `json:"status"`
}

func (h *handler) nudge(w http.ResponseWriter, r *http.Request) error {
	var req nudgeRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	if err := h.devices.Nudge(r.Context(), r.PathValue("id"), req.PollToken, req.MemberID, h.clientIP(r), locale); err != nil {
		return err
	}
	return web.JSON(w, http.StatusAccepted, nudged{Status: "nudged"})
}

type approvalAccount struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
}

type pendingApproval struct {
	ApprovalID  string          `json:"approvalId"`
	Account     approvalAccount `json:"account"`
	Device      domain.Device   `json:"device"`
	RequestedAt time.Time       `json:"requestedAt"`
	ExpiresAt   time.Time       `json:"expiresAt"`
}

type pendingList struct {
	Approvals []pendingApproval `json:"approvals"`
}

func (h *handler) pending(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	as, err := h.devices.Pending(r.Context(), p)
	if err != nil {
		return err
	}
	res := pendingList{Approvals: []pendingApproval{}}
	for _, a := range as {
		res.Approvals = append(res.Approvals, pendingApproval{
			ApprovalID: a.ID, Account: approvalAccount{AccountID: a.AccountID, Name: a.AccountName},
			Device: a.Device, RequestedAt: a.RequestedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(),
		})
	}
	return web.JSON(w, http.StatusOK, res)
}

type approveRequest struct {
	MatchCode string `json:"matchCode"`
}

type decided struct {
	Status string `json:"status"`
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req approveRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if err := h.devices.Approve(r.Context(), p, r.PathValue("id"), req.MatchCode); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, decided{Status: domain.ApprovalApproved})
}

func (h *handler) deny(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.devices.Deny(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, decided{Status: domain.ApprovalDenied})
}

// presence is the heartbeat: authenticating marks the caller online.
func (h *handler) presence(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.sessions.Authenticate(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type trustedDevice struct {
	DeviceID   string    `json:"deviceId"`
	Name       string    `json:"name"`
	Platform   string    `json:"platform"`
	TrustedAt  time.Time `json:"trustedAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	Current    bool      `json:"current"`
}

type deviceList struct {
	Devices []trustedDevice `json:"devices"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	ds, err := h.devices.Devices(r.Context(), p)
	if err != nil {
		return err
	}
	res := deviceList{Devices: []trustedDevice{}}
	for _, d := range ds {
		res.Devices = append(res.Devices, trustedDevice{
			DeviceID: d.ID, Name: d.Name, Platform: d.Platform, TrustedAt: d.TrustedAt.UTC(), LastSeenAt: d.LastSeenAt.UTC(),
			Current: d.ID == p.DeviceID,
		})
	}
	return web.JSON(w, http.StatusOK, res)
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.devices.Revoke(r.Context(), p, r.PathValue("deviceId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type pushTokenRequest struct {
	Provider string `json:"provider"`
	Token    string `json:"token"`
}

// putPushToken registers the push token of the caller's device, in the
// language of the request (the device's).
func (h *handler) putPushToken(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req pushTokenRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	if err := h.tokens.Register(r.Context(), p, r.PathValue("deviceId"), req.Provider, req.Token, locale); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) deletePushToken(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	if err := h.tokens.Unregister(r.Context(), p, r.PathValue("deviceId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

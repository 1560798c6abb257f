// Package notifications is the function behind a member's notifications:
// GET /v1/me/notifications, newest first, and their muting (PUT
// /v1/me/notification-mute). Background jobs write them (device approval
// requests, F9; someone added the member as an external member, F12; a
// message in one of the member's rooms, F14).
package notifications

import (
	"net/http"
	"strconv"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/rooms"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "notifications"

func init() { server.Register(Name, New) }

// Page sizes.
const (
	defaultLimit = 20
	maxLimit     = 100
)

type handler struct {
	sessions *session.Service
	store    *store.Store
	rooms    *rooms.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	h := &handler{sessions: d.Sessions(), store: d.Store, rooms: d.Rooms()}
	mux := web.NewMux()
	mux.Handle("GET /v1/me/notifications", h.list)
	mux.Handle("PUT /v1/me/notification-mute", h.mute)
	mux.Handle("GET /v1/me/notification-mute", h.muteState)
	return mux, nil
}

type notificationList struct {
	Notifications []domain.NotificationView `json:"notifications"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	limit := defaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.E(errs.Invalid, "limit must be a positive integer")
		}
		limit = min(n, maxLimit)
	}
	ns, err := h.store.Notifications(r.Context(), p.WorkspaceID, p.AccountID, limit)
	if err != nil {
		return err
	}
	res := notificationList{Notifications: make([]domain.NotificationView, len(ns))}
	for i, n := range ns {
		res.Notifications[i] = n.View()
	}
	return web.JSON(w, http.StatusOK, res)
}

type muteRequest struct {
	Minutes *int `json:"minutes"`
}

type muted struct {
	MutedUntil *time.Time `json:"mutedUntil"`
}

// muteState answers until when the caller's message notifications are
// muted (null: not muted), so every device shows the same state.
func (h *handler) muteState(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, muted{MutedUntil: domain.NullIfZero(h.rooms.MutedUntil(p))})
}

func (h *handler) mute(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req muteRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Minutes == nil {
		return errs.E(errs.Invalid, "minutes is required")
	}
	until, err := h.rooms.Mute(r.Context(), p, *req.Minutes)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, muted{MutedUntil: domain.NullIfZero(until)})
}

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
	return mux, nil
}

type approvalAccount struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
}

// notification is a notification as the API shows it: the common fields,
// then those of its kind.
type notification struct {
	ID        string    `json:"notificationId"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"createdAt"`
	// device_approval
	ApprovalID string           `json:"approvalId,omitempty"`
	Account    *approvalAccount `json:"account,omitempty"`
	Device     *domain.Device   `json:"device,omitempty"`
	ExpiresAt  *time.Time       `json:"expiresAt,omitempty"`
	// external_member_added: the adder's profile and workspace, and how to
	// add them back (POST /v1/me/external-members with this memberId).
	Profile   *domain.VisibleProfile `json:"profile,omitempty"`
	Workspace *workspaceName         `json:"workspace,omitempty"`
	AddBack   *addBack               `json:"addBack,omitempty"`
	// message: the room, the message and its sender, and the start of
	// its text.
	RoomID     string `json:"roomId,omitempty"`
	MessageID  string `json:"messageId,omitempty"`
	Seq        int64  `json:"seq,omitempty"`
	SenderID   string `json:"senderId,omitempty"`
	SenderName string `json:"senderName,omitempty"`
	Text       string `json:"text,omitempty"`
}

type workspaceName struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
}

type addBack struct {
	MemberID string `json:"memberId"`
}

type notificationList struct {
	Notifications []notification `json:"notifications"`
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
	res := notificationList{Notifications: []notification{}}
	for _, n := range ns {
		out := notification{ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt.UTC()}
		if a := n.Approval; a != nil {
			exp := n.ExpiresAt.UTC()
			out.ApprovalID, out.ExpiresAt = a.ApprovalID, &exp
			out.Account = &approvalAccount{AccountID: a.AccountID, Name: a.AccountName}
			out.Device = &a.Device
		}
		if a := n.Added; a != nil {
			out.Profile = &a.Profile
			out.Workspace = &workspaceName{WorkspaceID: a.WorkspaceID, Name: a.WorkspaceName}
			out.AddBack = &addBack{MemberID: a.Profile.MemberID}
		}
		if m := n.Message; m != nil {
			out.RoomID, out.MessageID, out.Seq, out.Text = m.RoomID, m.MessageID, m.Seq, m.Text
			out.SenderID, out.SenderName = m.SenderID, m.SenderName
		}
		res.Notifications = append(res.Notifications, out)
	}
	return web.JSON(w, http.StatusOK, res)
}

type muteRequest struct {
	Minutes *int `json:"minutes"`
}

type muted struct {
	MutedUntil *time.Time `json:"mutedUntil"`
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

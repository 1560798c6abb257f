// Package rooms is the function behind rooms and messages (F14):
// /v1/rooms, the caller's self room, posting, history and read positions.
// It publishes each message for the fan-out job.
package rooms

import (
	"net/http"
	"strconv"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/rooms"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "rooms"

func init() { server.Register(Name, New) }

// History page sizes.
const (
	defaultLimit = 50
	maxLimit     = 100
)

type handler struct {
	sessions *session.Service
	rooms    *rooms.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	h := &handler{sessions: d.Sessions(), rooms: d.Rooms()}
	mux := web.NewMux()
	mux.Handle("GET /v1/rooms/self", h.self)
	mux.Handle("POST /v1/rooms", h.create)
	mux.Handle("GET /v1/rooms", h.list)
	mux.Handle("POST /v1/rooms/{roomId}/messages", h.post)
	mux.Handle("GET /v1/rooms/{roomId}/messages", h.history)
	mux.Handle("POST /v1/rooms/{roomId}/read", h.read)
	return mux, nil
}

func (h *handler) self(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	v, err := h.rooms.Self(r.Context(), p)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rooms.NewRoomJSON(v))
}

type createRequest struct {
	Type      string   `json:"type"`
	MemberIDs []string `json:"memberIds"`
	Name      string   `json:"name"`
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req createRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	v, created, err := h.rooms.Create(r.Context(), p, rooms.NewRoom(req))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return web.JSON(w, status, rooms.NewRoomJSON(v))
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := h.rooms.List(r.Context(), p, q.Get("pageSize"), q.Get("pageToken"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rooms.NewRoomPageJSON(page))
}

type postRequest struct {
	Text            string `json:"text"`
	ClientMessageID string `json:"clientMessageId"`
}

func (h *handler) post(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req postRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	m, created, err := h.rooms.Post(r.Context(), p, r.PathValue("roomId"), req.Text, req.ClientMessageID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return web.JSON(w, status, rooms.NewMessageJSON(m))
}

type messageList struct {
	Messages []rooms.MessageJSON `json:"messages"`
}

func (h *handler) history(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("afterSeq") != "" && q.Get("beforeSeq") != "" {
		return errs.Errorf(errs.Invalid, "afterSeq and beforeSeq cannot be combined")
	}
	after, err := intParam(q.Get("afterSeq"), 0, 0, domain.MaxSeq, "afterSeq")
	if err != nil {
		return err
	}
	before, err := intParam(q.Get("beforeSeq"), 0, 1, domain.MaxSeq, "beforeSeq")
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), defaultLimit, 1, maxLimit, "limit")
	if err != nil {
		return err
	}
	var ms []*domain.Message
	if before > 0 {
		ms, err = h.rooms.HistoryBefore(r.Context(), p, r.PathValue("roomId"), before, int(limit))
	} else {
		ms, err = h.rooms.History(r.Context(), p, r.PathValue("roomId"), after, int(limit))
	}
	if err != nil {
		return err
	}
	out := messageList{Messages: make([]rooms.MessageJSON, len(ms))}
	for i, m := range ms {
		out.Messages[i] = rooms.NewMessageJSON(m)
	}
	return web.JSON(w, http.StatusOK, out)
}

// intParam parses an integer query parameter in [lo, hi], def if absent.
func intParam(v string, def, lo, hi int64, name string) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errs.Errorf(errs.Invalid, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

type readRequest struct {
	Seq *int64 `json:"seq"`
}

func (h *handler) read(w http.ResponseWriter, r *http.Request) error {
	p, err := h.sessions.Authenticate(r)
	if err != nil {
		return err
	}
	var req readRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	if req.Seq == nil || *req.Seq < 0 || *req.Seq > domain.MaxSeq {
		return errs.Errorf(errs.Invalid, "seq must be an integer from 0 to %d", int64(domain.MaxSeq))
	}
	if err := h.rooms.MarkRead(r.Context(), p, r.PathValue("roomId"), *req.Seq); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Package devclock serves the dev clock (POST/GET /_dev/clock), which moves
// the time of every function and job forward. It exists only when
// WORKGATE_DEV=1: it is never deployed, and without dev mode it answers 404.
package devclock

import (
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "devclock"

func init() { server.Register(Name, New) }

// maxAdvance bounds one step (10 years), so a typo cannot overflow time.
const maxAdvance = 10 * 365 * 24 * 3600

type clockResponse struct {
	Now time.Time `json:"now"`
}

type advanceRequest struct {
	AdvanceSeconds *int64 `json:"advanceSeconds"`
}

// New builds the handler.
func New(d *server.Deps) (http.Handler, error) {
	mux := web.NewMux()
	if d.DevClock == nil {
		return mux, nil // not dev mode: every path is 404
	}
	mux.Handle("GET /_dev/clock", func(w http.ResponseWriter, r *http.Request) error {
		return web.JSON(w, http.StatusOK, clockResponse{Now: d.DevClock.Now()})
	})
	mux.Handle("POST /_dev/clock", func(w http.ResponseWriter, r *http.Request) error {
		// Only JSON: a page the developer opens could otherwise move the
		// clock (and expire their sessions and codes) with a text/plain POST.
		if err := web.RequireJSON(r); err != nil {
			return err
		}
		var req advanceRequest
		if err := web.Decode(r, &req); err != nil {
			return err
		}
		if req.AdvanceSeconds == nil || *req.AdvanceSeconds < 0 || *req.AdvanceSeconds > maxAdvance {
			return errs.Errorf(errs.Invalid, "advanceSeconds must be a whole number from 0 to %d", maxAdvance)
		}
		now, err := d.DevClock.Advance(r.Context(), time.Duration(*req.AdvanceSeconds)*time.Second)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, clockResponse{Now: now})
	})
	return mux, nil
}

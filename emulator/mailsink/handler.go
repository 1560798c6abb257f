package mailsink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/workgate/workgate/shared/logging"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// that a forgotten return after an error cannot happen.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h: an *apiError is answered as SendGrid would, a
// *statusError as Google APIs would, any other error is logged and
// answered 500.
func handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// apiError is an answer in SendGrid's error shape.
type apiError struct {
	status int
	errs   []fieldError
}

func (e *apiError) Error() string {
	return fmt.Sprintf("mailsink: %d %s", e.status, e.errs[0].Message)
}

// fieldError is one entry of SendGrid's "errors" array. Field and Help are
// null when the error is about no field in particular.
type fieldError struct {
	Message string  `json:"message"`
	Field   *string `json:"field"`
	Help    *string `json:"help"`
}

type errorResponse struct {
	Errors []fieldError `json:"errors"`
}

// newError returns an error with a single entry that names no field.
func newError(status int, message string) *apiError {
	return &apiError{status: status, errs: []fieldError{{Message: message}}}
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if se, ok := errors.AsType[*statusError](err); ok {
		if err := writeJSON(w, se.Code, statusResponse{Error: se}); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		logging.From(r.Context()).ErrorContext(r.Context(), "mailsink: internal error", "error", err.Error())
		ae = newError(http.StatusInternalServerError, "internal error")
	}
	if err := writeJSON(w, ae.status, errorResponse{Errors: ae.errs}); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// writeJSON encodes v before writing anything, so that an encoding failure
// can still be answered with a 500.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // links read better with a plain "&"
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("mailsink.writeJSON: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client is gone; nothing left to do
	return nil
}

type listResponse struct {
	Messages []Message `json:"messages"`
}

// list answers GET /api/messages?to=ADDR.
func (s *Sink) list(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, listResponse{Messages: s.Messages(r.URL.Query().Get("to"))})
}

// deleteAll answers DELETE /api/messages.
func (s *Sink) deleteAll(w http.ResponseWriter, _ *http.Request) error {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type pushListResponse struct {
	Pushes []Push `json:"pushes"`
}

// listPushes answers GET /api/pushes?token=T.
func (s *Sink) listPushes(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, pushListResponse{Pushes: s.Pushes(r.URL.Query().Get("token"))})
}

// deletePushes answers DELETE /api/pushes.
func (s *Sink) deletePushes(w http.ResponseWriter, _ *http.Request) error {
	s.ResetPushes()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

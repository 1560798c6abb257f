// Package web is the HTTP plumbing every function shares: handlers that
// return errors, one place that turns error kinds into problem+json
// responses, strict size-limited JSON decoding, and the middleware that
// limits bodies, recovers panics and logs each request by route.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// MaxBody is the largest request body accepted (64 KiB).
const MaxBody = 64 << 10

// HandlerFunc is an HTTP handler that returns its error instead of writing
// it, so a forgotten return after an error cannot happen.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts h: an error is written as problem+json.
func Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			Problem(w, r, err)
		}
	})
}

// status maps each error kind to its HTTP status.
var status = map[errs.Kind]int{
	errs.Invalid:              http.StatusBadRequest,
	errs.InvalidCode:          http.StatusBadRequest,
	errs.Immutable:            http.StatusBadRequest,
	errs.CannotBlockMember:    http.StatusBadRequest,
	errs.SameWorkspace:        http.StatusBadRequest,
	errs.Unauthenticated:      http.StatusUnauthorized,
	errs.InvalidCredentials:   http.StatusUnauthorized,
	errs.Forbidden:            http.StatusForbidden,
	errs.PlanRequired:         http.StatusForbidden,
	errs.ExternalChatDisabled: http.StatusForbidden,
	errs.Blocked:              http.StatusForbidden,
	errs.NotFound:             http.StatusNotFound,
	errs.MethodNotAllowed:     http.StatusMethodNotAllowed,
	errs.Conflict:             http.StatusConflict,
	errs.Gone:                 http.StatusGone,
	errs.PayloadTooLarge:      http.StatusRequestEntityTooLarge,
	errs.Locked:               http.StatusLocked,
	errs.RateLimited:          http.StatusTooManyRequests,
	errs.NotImplemented:       http.StatusNotImplemented,
	errs.Unavailable:          http.StatusServiceUnavailable,
	errs.Internal:             http.StatusInternalServerError,
}

// Status returns the HTTP status of an error kind.
func Status(k errs.Kind) int {
	if s, ok := status[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// SetRetryAfter sets the Retry-After header to d in whole seconds, rounded
// up, and returns them.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// Problem writes err as an RFC 9457 problem+json response. Errors without a
// kind are internal: logged with their text, answered with a generic 500;
// but a failure of Firestore or Pub/Sub that may pass (contention,
// unavailable, a deadline) is answered 503 with Retry-After, so that the
// client tries again, and logged as a warning.
func Problem(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := errs.As(err)
	switch {
	case !ok && Transient(err):
		logging.From(r.Context()).Warn("dependency unavailable", "method", r.Method, "route", r.Pattern, "error", err.Error())
		e = &errs.Error{Kind: errs.Unavailable, Message: "the service is briefly unavailable; please try again", RetryAfter: time.Second}
	case !ok:
		logging.Report(r.Context(), logging.From(r.Context()), "internal error", err, debug.Stack(), "method", r.Method, "route", r.Pattern)
		e = errs.E(errs.Internal, "something went wrong on our side; please try again")
	}
	code := Status(e.Kind)
	body := map[string]any{}
	for k, v := range e.Extra {
		body[k] = v
	}
	body["type"] = "urn:workgate:problem:" + string(e.Kind)
	body["title"] = http.StatusText(code)
	body["status"] = code
	body["code"] = string(e.Kind)
	body["detail"] = e.Message
	if e.RetryAfter > 0 {
		body["retryAfterSeconds"] = SetRetryAfter(w, e.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// Transient reports whether err is a failure of a gRPC dependency
// (Firestore, Pub/Sub) that may pass if the call is made again:
// contention (Aborted: the Firestore emulator's lock timeout,
// production's "too much contention"), Unavailable, ResourceExhausted, or
// a deadline.
func Transient(err error) bool {
	switch grpcstatus.Code(err) {
	case codes.Aborted, codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// JSON writes v as a JSON response with the given status.
func JSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// Decode reads a JSON body into v, a pointer to a request struct,
// strictly: at most MaxBody bytes (413 beyond); one JSON object of valid
// UTF-8, nothing after it; each member name exactly one of the struct's
// JSON names (no case folding, no unknown fields), and once (400). A
// refusal names the field at fault, never a value.
//
// It decodes with JSON v2 semantics (github.com/go-json-experiment/json,
// the encoding/json/v2 proposal, which Go ships only behind
// GOEXPERIMENT=jsonv2) because encoding/json matches names without
// regard to case, lets a later duplicate member win, and turns invalid
// UTF-8 into U+FFFD: a body that a validator, a proxy or a log reads one
// way could reach the handler another way.
func Decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errTooLarge()
		}
		return errs.E(errs.Invalid, "the body could not be read")
	}
	start := bytes.TrimLeft(body, " \t\r\n")
	if len(start) == 0 {
		return errs.E(errs.Invalid, "the body is empty")
	}
	if start[0] != '{' {
		return errs.E(errs.Invalid, "the body must be a JSON object")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if err := jsonv2.UnmarshalDecode(dec, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return decodeError(err)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "the body must hold one JSON value")
	}
	return nil
}

// RequireJSON refuses (400) a request whose body is not declared as
// application/json. A page on another site can make a browser send a
// "simple" cross-site POST (text/plain, a form) without asking; one
// declared JSON needs a CORS preflight that nothing here grants. The dev
// surface and the push endpoints, which take no credentials in dev mode,
// accept only such requests.
func RequireJSON(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errs.E(errs.Invalid, "the body must be application/json")
	}
	return nil
}

func decodeError(err error) error {
	if se, ok := errors.AsType[*jsonv2.SemanticError](err); ok {
		if errors.Is(err, jsonv2.ErrUnknownName) {
			return errs.Errorf(errs.Invalid, "unknown field %s", fieldName(se.JSONPointer))
		}
		return errs.Errorf(errs.Invalid, "field %s has the wrong type", fieldName(se.JSONPointer))
	}
	if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok && errors.Is(err, jsontext.ErrDuplicateName) {
		return errs.Errorf(errs.Invalid, "field %s appears twice", fieldName(se.JSONPointer))
	}
	return errs.E(errs.Invalid, "the body is not valid JSON")
}

// maxFieldName bounds the field name that a refusal quotes: a name the
// client made up is shown cut, so the answer does not carry the body back.
const maxFieldName = 64

// fieldName is the dotted path of the member at p ("owner.email"), quoted.
func fieldName(p jsontext.Pointer) string {
	name := strings.Join(slices.Collect(p.Tokens()), ".")
	if len(name) > maxFieldName {
		name = strings.ToValidUTF8(name[:maxFieldName], "") + "…"
	}
	return strconv.Quote(name)
}

func errTooLarge() error {
	return errs.Errorf(errs.PayloadTooLarge, "the body is larger than %d KiB", MaxBody>>10)
}

// Form parses a form body (HTML pages) with the same size limit.
func Form(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge()
		}
		return errs.E(errs.Invalid, "the form could not be read")
	}
	return nil
}

// Middleware wraps a function's handler: it refuses bodies declared larger
// than MaxBody, gives the request a logger (with its Cloud Trace ID),
// recovers panics, and logs one line per request by route pattern — never
// the raw path, which can carry a token — with the Firestore operations the
// request caused (counted by the store's Meter).
func Middleware(log *slog.Logger, project, function string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		l := logging.ForRequest(log, r, project).With("function", function)
		ctx, ops := store.WithOps(logging.With(logging.WithService(r.Context(), function), l))
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					// An instance going away (or the withdrawal job's crash
					// hook): no answer at all, as net/http does.
					l.Warn("request aborted", "method", r.Method, "route", r.Pattern)
					panic(p)
				}
				logging.Report(ctx, l, "panic", p, debug.Stack(), "method", r.Method, "route", r.Pattern)
				if !rec.wrote {
					Problem(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			l.Info("request", "method", r.Method, "route", r.Pattern, "status", rec.status,
				"latencyMs", time.Since(start).Milliseconds(),
				"firestoreReads", ops.Reads(), "firestoreWrites", ops.Writes())
		}()
		if r.ContentLength > MaxBody {
			Problem(rec, r, errTooLarge())
			return
		}
		next.ServeHTTP(rec, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ClientIP is the client that sent r, as rate limits count it: behind a
// proxy that appends trustedHops entries to X-Forwarded-For, the leftmost
// of those entries (what the client put before them is its own claim, and
// ignored); with no proxy, the connection's address. An IPv6 client is
// counted by its /64, the block one subscriber usually holds whole.
func ClientIP(r *http.Request, trustedHops int) string {
	ip, ok := forwardedFor(r, trustedHops)
	if !ok {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		ip = ap.Addr()
	}
	if ip = ip.Unmap(); ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

// forwardedFor returns the X-Forwarded-For entry trustedHops from the
// right, if there is one and it is an address.
func forwardedFor(r *http.Request, trustedHops int) (netip.Addr, bool) {
	if trustedHops <= 0 {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for part := range strings.SplitSeq(h, ",") {
			hops = append(hops, strings.TrimSpace(part))
		}
	}
	if len(hops) < trustedHops {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(hops[len(hops)-trustedHops])
	return ip, err == nil
}

// Optional is a text field of a partial update (PATCH) that tells absent
// from null: Ptr is nil when the body left the field out, and points to
// "" when it sent null (which clears a field that may be empty).
type Optional struct {
	set   bool
	value string
}

// UnmarshalJSON records that the field was sent, and its value unless null.
func (o *Optional) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.value)
}

// Ptr is the field's edit: nil if absent.
func (o Optional) Ptr() *string {
	if !o.set {
		return nil
	}
	return &o.value
}

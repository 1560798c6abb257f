// Package logging writes structured JSON logs in the shape Cloud Logging
// understands (severity, message, logging.googleapis.com/trace) and carries
// a request's logger in its context. Nothing secret is ever logged: callers
// log route patterns, never raw paths (tokens travel in paths), and never
// bodies, codes, passwords or e-mail addresses.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
)

// TraceKey is the field Cloud Logging uses to group a request's entries.
const TraceKey = "logging.googleapis.com/trace"

// New returns a JSON logger writing to w in Cloud Logging's shape.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				return slog.String("severity", severity(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				a.Key = "message"
			case slog.TimeKey:
				a.Key = "time"
			}
			return a
		},
	}))
}

func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the logger in ctx, or slog's default.
func From(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// SpanKey and SampledKey are the fields Cloud Logging uses to tie an entry
// to its span in Cloud Trace.
const (
	SpanKey    = "logging.googleapis.com/spanId"
	SampledKey = "logging.googleapis.com/trace_sampled"
)

// ForRequest returns l with the request's trace, if it has one: the W3C
// "traceparent: 00-TRACE_ID-SPAN_ID-FLAGS" that Cloud Run sends, or else
// Google's older "X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1".
func ForRequest(l *slog.Logger, r *http.Request, project string) *slog.Logger {
	trace, span, sampled, ok := traceparent(r.Header.Get("traceparent"))
	if !ok {
		trace, span, sampled, ok = cloudTrace(r.Header.Get("X-Cloud-Trace-Context"))
	}
	if !ok {
		return l
	}
	attrs := []any{TraceKey, "projects/" + project + "/traces/" + trace}
	if span != "" {
		attrs = append(attrs, SpanKey, span)
	}
	return l.With(append(attrs, SampledKey, sampled)...)
}

// traceparent parses a W3C trace context header (version 00). Its hex
// is lower case: the recommendation has a header in upper case ignored,
// and Cloud Trace's IDs are lower case, so a log entry would name a trace
// that does not exist.
func traceparent(h string) (trace, span string, sampled, ok bool) {
	parts := strings.Split(h, "-")
	if len(parts) != 4 || parts[0] != "00" || !isLowerHex(parts[1], 32) || !isLowerHex(parts[2], 16) || !isLowerHex(parts[3], 2) {
		return "", "", false, false
	}
	if strings.Trim(parts[1], "0") == "" || strings.Trim(parts[2], "0") == "" {
		return "", "", false, false // all-zero IDs are invalid
	}
	flags, _ := strconv.ParseUint(parts[3], 16, 8)
	return parts[1], parts[2], flags&1 == 1, true
}

// cloudTrace parses "TRACE_ID/SPAN_ID;o=1", where the span is a decimal
// number (Cloud Logging wants it as 16 hex digits).
func cloudTrace(h string) (trace, span string, sampled, ok bool) {
	rest, options, _ := strings.Cut(h, ";")
	trace, spanID, _ := strings.Cut(rest, "/")
	if !isHex(trace, 32) || strings.Trim(trace, "0") == "" {
		return "", "", false, false // all-zero IDs are invalid
	}
	if n, err := strconv.ParseUint(spanID, 10, 64); err == nil && n != 0 {
		span = fmt.Sprintf("%016x", n)
	}
	return strings.ToLower(trace), span, options == "o=1", true
}

func isLowerHex(s string, n int) bool { return isHex(s, n) && strings.ToLower(s) == s }

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// reportedErrorType makes Error Reporting take an entry even without a
// stack it recognises.
const reportedErrorType = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"

type serviceKey struct{}

// WithService returns ctx naming the function it runs in, for Report.
func WithService(ctx context.Context, service string) context.Context {
	return context.WithValue(ctx, serviceKey{}, service)
}

// Report logs an error for Error Reporting: severity ERROR, the service it
// happened in (as WithService named it), and in stack_trace the error followed by a goroutine stack,
// in the shape of a Go panic ("panic: …\n\ngoroutine 1 [running]:\n…"),
// which Error Reporting parses and groups by. stack is the stack to show
// (debug.Stack() where the error was seen). Other attributes follow.
func Report(ctx context.Context, l *slog.Logger, msg string, cause any, stack []byte, attrs ...any) {
	service, _ := ctx.Value(serviceKey{}).(string)
	if service == "" {
		service = "workgate"
	}
	text := fmt.Sprint(cause)
	attrs = append([]any{
		"@type", reportedErrorType,
		slog.Group("serviceContext", "service", service),
		"error", text,
		"stack_trace", "panic: " + text + "\n\n" + string(stack),
	}, attrs...)
	l.ErrorContext(ctx, msg, attrs...)
}

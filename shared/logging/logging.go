// Package logging writes structured JSON logs in the shape Cloud Logging
// understands (severity, message, logging.googleapis.com/trace) and carries
// a request's logger in its context. Nothing secret is ever logged: callers
// log route patterns, never raw paths (tokens travel in paths), and never
// bodies, codes, passwords or e-mail addresses.
package logging

import (
	"context"
	"io"
	"log/slog"
	"net/http"
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

// ForRequest returns l with the request's Cloud Trace ID, if it has one
// (header "X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1").
func ForRequest(l *slog.Logger, r *http.Request, project string) *slog.Logger {
	h := r.Header.Get("X-Cloud-Trace-Context")
	trace, _, _ := strings.Cut(h, "/")
	if trace == "" || strings.ContainsAny(trace, " \"\\") {
		return l
	}
	return l.With(TraceKey, "projects/"+project+"/traces/"+trace)
}

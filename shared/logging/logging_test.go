package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCloudLoggingShape(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelDebug)
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("X-Cloud-Trace-Context", "105445aa7843bc8bf206b12000100000/1;o=1")
	ForRequest(l, r, "p").Warn("slow", "ms", 12)

	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	delete(got, "time")
	want := map[string]any{
		"severity": "WARNING",
		"message":  "slow",
		"ms":       float64(12),
		TraceKey:   "projects/p/traces/105445aa7843bc8bf206b12000100000",
		SpanKey:    "0000000000000001",
		SampledKey: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("log entry (-want +got):\n%s", diff)
	}
}

func TestTraceHeaders(t *testing.T) {
	cases := []struct {
		name, header, value string
		want                map[string]any // nil: no trace fields
	}{
		{"traceparent", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			map[string]any{TraceKey: "projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736", SpanKey: "00f067aa0ba902b7", SampledKey: true}},
		{"traceparent not sampled", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
			map[string]any{TraceKey: "projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736", SpanKey: "00f067aa0ba902b7", SampledKey: false}},
		{"cloud trace without span", "X-Cloud-Trace-Context", "105445aa7843bc8bf206b12000100000",
			map[string]any{TraceKey: "projects/p/traces/105445aa7843bc8bf206b12000100000", SampledKey: false}},
		{"traceparent all zero", "traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", nil},
		{"traceparent in upper case", "traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", nil},
		{"cloud trace all zero", "X-Cloud-Trace-Context", "00000000000000000000000000000000/1;o=1", nil},
		{"traceparent short", "traceparent", "00-4bf92f35-00f067aa0ba902b7-01", nil},
		{"traceparent other version", "traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", nil},
		{"cloud trace injected", "X-Cloud-Trace-Context", `105445aa7843bc8bf206b1200010000" /1`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := httptest.NewRequest("GET", "/x", nil)
			r.Header.Set(tc.header, tc.value)
			ForRequest(New(&buf, slog.LevelInfo), r, "p").Info("m")
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"time", "severity", "message"} {
				delete(got, k)
			}
			if tc.want == nil {
				tc.want = map[string]any{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("trace fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReportShape(t *testing.T) {
	var buf bytes.Buffer
	Report(WithService(context.Background(), "signup"), New(&buf, slog.LevelInfo), "panic", "boom", debug.Stack(), "route", "POST /v1/x")
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["severity"] != "ERROR" || got["@type"] != reportedErrorType || got["error"] != "boom" || got["route"] != "POST /v1/x" {
		t.Errorf("entry = %v", got)
	}
	if sc, _ := got["serviceContext"].(map[string]any); sc["service"] != "signup" {
		t.Errorf("serviceContext = %v, want service signup", got["serviceContext"])
	}
	stack, _ := got["stack_trace"].(string)
	if !strings.HasPrefix(stack, "panic: boom\n\ngoroutine ") || !strings.Contains(stack, "TestReportShape") {
		t.Errorf("stack_trace is not a Go panic's shape:\n%s", stack)
	}
}

func TestSeverity(t *testing.T) {
	cases := []struct {
		level slog.Level
		want  string
	}{{slog.LevelDebug, "DEBUG"}, {slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARNING"}, {slog.LevelError, "ERROR"}}
	for _, tc := range cases {
		if got := severity(tc.level); got != tc.want {
			t.Errorf("severity(%v) = %q, want %q", tc.level, got, tc.want)
		}
	}
}

package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
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
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("log entry (-want +got):\n%s", diff)
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

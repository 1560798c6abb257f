package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/test/bench/results"
)

// useRecorder makes the bench's printers print to a buffer and record
// with a fixed clock, for one test.
func useRecorder(tb testing.TB, at time.Time) *bytes.Buffer {
	tb.Helper()
	var buf bytes.Buffer
	saved := report
	report = &recorder{out: &buf, now: func() time.Time { return at }}
	tb.Cleanup(func() { report = saved })
	return &buf
}

func TestRecorderRecordsWhatIsPrinted(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
	buf := useRecorder(t, at)
	report.start("workgate bench · test")
	report.section("F14: rooms")
	row("POST /v1/rooms/{id}/messages", []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}, 10, 5)
	row("chain: post → notified", []time.Duration{60 * time.Millisecond}, -1, -1)
	opsRow("fanout job, per post", 4, 1003, 2007)

	want := []results.Row{
		{Section: "F14: rooms", Name: "POST /v1/rooms/{id}/messages", N: 3, P50Ms: results.Ptr(20), P99Ms: results.Ptr(30),
			Reads: results.Ptr(10), Writes: results.Ptr(5), MeasuredAt: at, Run: "workgate bench · test"},
		{Section: "F14: rooms", Name: "chain: post → notified", N: 1, P50Ms: results.Ptr(60), P99Ms: results.Ptr(60),
			MeasuredAt: at, Run: "workgate bench · test"},
		{Section: "F14: rooms", Name: "fanout job, per post", N: 4, Reads: results.Ptr(1003), Writes: results.Ptr(2007),
			MeasuredAt: at, Run: "workgate bench · test"},
	}
	if diff := cmp.Diff(want, report.rows); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	// Each row is printed once, with the figures recorded.
	for _, line := range []string{
		"POST /v1/rooms/{id}/messages                     3     20.0ms     30.0ms       10.0        5.0\n",
		"chain: post → notified                           1     60.0ms     60.0ms                      \n",
		"fanout job, per post                             4                           1003.0     2007.0\n",
	} {
		if n := strings.Count(buf.String(), line); n != 1 {
			t.Errorf("printed %d times, want once: %q\nin:\n%s", n, line, buf.String())
		}
	}
}

func TestRecorderWriteMerges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	earlier := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if err := results.Write(path, results.File{Source: "transcribed", Rows: []results.Row{
		{Section: "F1: create", Name: "POST /v1/workspaces", N: 100, MeasuredAt: earlier, Run: "transcribed"},
		{Section: "F14: rooms", Name: "POST /v1/rooms", N: 100, MeasuredAt: earlier, Run: "transcribed"},
	}}); err != nil {
		t.Fatal(err)
	}
	at := earlier.AddDate(0, 1, 0)
	useRecorder(t, at)
	report.start("run 2")
	report.section("F14: rooms")
	row("POST /v1/rooms/{id}/messages", []time.Duration{time.Millisecond}, 10, 5)
	if err := report.write(path); err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got.Rows {
		names = append(names, r.Section+" / "+r.Name+" / "+r.Run+" / "+r.MeasuredAt.Format(time.DateOnly))
	}
	want := []string{
		"F1: create / POST /v1/workspaces / transcribed / 2026-04-01",
		"F14: rooms / POST /v1/rooms/{id}/messages / run 2 / 2026-05-01",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("rows after a partial run (-want +got):\n%s", diff)
	}
}

func TestRecorderWritesNothingWithoutRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	useRecorder(t, time.Now())
	if err := report.write(path); err != nil {
		t.Fatal(err)
	}
	if f, err := results.Read(path); err != nil || f.Source != "" {
		t.Errorf("a run with no rows wrote %+v, %v", f, err)
	}
}

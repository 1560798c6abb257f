package results

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

func r(section, name string, at time.Time, run string) Row {
	return Row{Section: section, Name: name, N: 1, P50Ms: Ptr(1), MeasuredAt: at, Run: run}
}

func TestMerge(t *testing.T) {
	old := File{Source: "transcribed", Rows: []Row{
		r("floors", "floor A", t0, "old"),
		r("F1", "create", t0, "old"),
		r("F14", "post", t0, "old"),
		r("F14", "fanout (gone from the bench)", t0, "old"),
		r("F19", "stream", t0, "old"),
	}}
	cases := []struct {
		name       string
		run        []Row
		want       []Row
		sourceKept bool
	}{{
		name: "a partial run replaces its sections in place and keeps the others",
		run:  []Row{r("floors", "floor A", t1, "new"), r("F14", "post", t1, "new"), r("F14", "post, group", t1, "new")},
		want: []Row{
			r("floors", "floor A", t1, "new"),
			r("F1", "create", t0, "old"),
			r("F14", "post", t1, "new"),
			r("F14", "post, group", t1, "new"),
			r("F19", "stream", t0, "old"),
		},
		sourceKept: true,
	}, {
		name:       "a new section goes at the end",
		run:        []Row{r("F20", "app", t1, "new")},
		want:       append(append([]Row(nil), old.Rows...), r("F20", "app", t1, "new")),
		sourceKept: true,
	}, {
		name: "a full run replaces everything, rows of a section printed twice included",
		run: []Row{
			r("floors", "floor A", t1, "new"), r("F1", "create", t1, "new"), r("F14", "post", t1, "new"),
			r("F19", "stream", t1, "new"), r("F19", "stream", t1, "new"),
		},
		want: []Row{
			r("floors", "floor A", t1, "new"), r("F1", "create", t1, "new"), r("F14", "post", t1, "new"),
			r("F19", "stream", t1, "new"), r("F19", "stream", t1, "new"),
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := old.Merge(tc.run, "test/bench")
			if diff := cmp.Diff(tc.want, got.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if kept := strings.Contains(got.Source, "earlier runs"); kept != tc.sourceKept || !strings.HasPrefix(got.Source, "test/bench") {
				t.Errorf("source %q: want it to start with the run's, and to mention kept rows: %v", got.Source, tc.sourceKept)
			}
		})
	}
}

func TestReadWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	got, err := Read(path)
	if err != nil || len(got.Rows) != 0 {
		t.Fatalf("Read of a missing file = %+v, %v; want empty, nil", got, err)
	}
	want := File{Source: "s", Rows: []Row{
		{Section: "F14", Name: "post", N: 100, P50Ms: Ptr(24), P99Ms: Ptr(44.7), Reads: Ptr(10), Writes: Ptr(5), MeasuredAt: t0, Run: "run"},
		{Section: "F19", Name: "idle streams", N: 1000, Other: map[string]string{"RSS": "110.6 KiB"}, MeasuredAt: t1, Run: "run"},
	}}
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err = Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if row, ok := got.Find("F14", "post"); !ok || *row.Writes != 5 {
		t.Errorf("Find(F14, post) = %+v, %v", row, ok)
	}
	if _, ok := got.Find("F1", "post"); ok {
		t.Error("Find matched a row of another section")
	}
}

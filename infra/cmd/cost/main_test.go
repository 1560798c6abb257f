package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/workgate/workgate/test/bench/results"
)

// TestFromTheCommittedBench writes the document from docs/bench.json, as
// `make cost` does.
func TestFromTheCommittedBench(t *testing.T) {
	out := filepath.Join(t.TempDir(), "COST.md")
	if err := realMain("../../../docs/bench.json", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## 1,000 members", "## 100,000 members", "a member", "fan-out of the posts", "max_instances"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("COST.md lacks %q", want)
		}
	}
}

func TestMeasuredNamesWhatIsMissing(t *testing.T) {
	f, err := results.Read("../../../docs/bench.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []results.Row
	for _, r := range f.Rows {
		if !strings.HasPrefix(r.Name, "fanout job, group room") {
			rows = append(rows, r)
		}
	}
	f.Rows = rows
	if _, err := measured(f); err == nil || !strings.Contains(err.Error(), "fanout job, group room") {
		t.Errorf("measured without the group room's fan-out: %v; want an error naming it", err)
	}
}

package infra

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadmeFunctions keeps README.md's table of functions true: one row per
// function of the topology, naming its routes or topic and what it
// publishes, and no row for a function that does not exist.
func TestReadmeFunctions(t *testing.T) {
	top, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rowPattern := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|(.*)$")
	rows := map[string]string{}
	for _, m := range rowPattern.FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = m[2]
	}
	var want, got []string
	for _, f := range top.Functions {
		want = append(want, f.Name)
		row, ok := rows[f.Name]
		if !ok {
			continue
		}
		mentions := append(append(append([]string{}, f.HTTP...), f.Publishes...), f.Topic)
		for _, m := range mentions {
			if m != "" && !strings.Contains(row, "`"+m+"`") {
				t.Errorf("README row of %s does not mention `%s`", f.Name, m)
			}
		}
	}
	for name := range rows {
		got = append(got, name)
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README.md function table (-topology +readme):\n%s", diff)
	}
}

// Package results is the machine-readable form of what `make bench`
// prints: every row of its tables, each with the section it belongs to
// and when it was measured, kept in docs/bench.json beside the code so
// that `make cost` works on a clean clone from the latest figures.
//
// A run replaces the rows of the sections it printed and keeps the
// others: a partial run (`-only rooms`) updates its own figures without
// wiping the rest, and each row says which run measured it.
package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// File is docs/bench.json.
type File struct {
	// Source says where the figures come from: test/bench, or a
	// transcription, and whether rows of several runs are mixed.
	Source string `json:"source"`
	Rows   []Row  `json:"rows"`
}

// Row is one printed row. The figures a row has not (a chain has no
// reads, a job no latency) are absent, not zero.
type Row struct {
	// Section is the heading the row was printed under ("floors",
	// "F14: rooms, …").
	Section string `json:"section"`
	// Name is the row's label as printed.
	Name string `json:"name"`
	// N is the sample size: requests timed, job runs, posts.
	N      int      `json:"n"`
	P50Ms  *float64 `json:"p50Ms,omitempty"`
	P99Ms  *float64 `json:"p99Ms,omitempty"`
	Reads  *float64 `json:"readsPerReq,omitempty"`
	Writes *float64 `json:"writesPerReq,omitempty"`
	// Other holds the cells of tables with other columns (memory per
	// stream, cold starts, throughput), by column heading, as printed.
	Other map[string]string `json:"other,omitempty"`
	// MeasuredAt is when the row was measured (printed).
	MeasuredAt time.Time `json:"measuredAt"`
	// Run names the run: the bench's header line, or a transcription.
	Run string `json:"run"`
}

// Ptr returns a pointer to v: the optional figures of a Row.
func Ptr(v float64) *float64 { return &v }

// Read reads a results file; a missing file is an empty File.
func Read(path string) (File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, nil
	}
	if err != nil {
		return File{}, fmt.Errorf("results.Read: %w", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("results.Read %s: %w", path, err)
	}
	return f, nil
}

// Write writes f to path, replacing the file at once (a temporary file
// renamed), so an interrupted write leaves the old figures.
func Write(path string, f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("results.Write: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bench-*.json")
	if err != nil {
		return fmt.Errorf("results.Write: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("results.Write: %w", err)
	}
	return nil
}

// Merge returns f with the rows of a run: the run's rows replace every
// row of f in a section the run printed (in that section's place), and
// rows of other sections are kept. source describes the run; when rows
// of earlier runs remain, the file's Source says so.
func (f File) Merge(run []Row, source string) File {
	ran := map[string]bool{}
	for _, r := range run {
		ran[r.Section] = true
	}
	out := File{Source: source}
	placed := map[string]bool{}
	kept := false
	for _, r := range f.Rows {
		if !ran[r.Section] {
			out.Rows = append(out.Rows, r)
			kept = true
			continue
		}
		if !placed[r.Section] {
			placed[r.Section] = true
			out.Rows = append(out.Rows, inSection(run, r.Section)...)
		}
	}
	for _, r := range run {
		if !placed[r.Section] {
			placed[r.Section] = true
			out.Rows = append(out.Rows, inSection(run, r.Section)...)
		}
	}
	if kept {
		out.Source = source + "; the sections it did not run are kept from earlier runs or a transcription: see each row's run and measuredAt"
	}
	return out
}

// inSection returns the rows of one section, in order.
func inSection(rows []Row, section string) []Row {
	return slices.DeleteFunc(slices.Clone(rows), func(r Row) bool { return r.Section != section })
}

// Find returns the row of a section with the name; ok is false if
// there is none.
func (f File) Find(section, name string) (r Row, ok bool) {
	for _, r := range f.Rows {
		if r.Section == section && r.Name == name {
			return r, true
		}
	}
	return Row{}, false
}

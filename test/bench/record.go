package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/workgate/workgate/test/bench/results"
)

var jsonOut = flag.String("json", "docs/bench.json", "where the run's rows go as JSON (merged: the sections it did not run are kept); empty: nowhere")

// recorder collects every row the bench prints, under the section it is
// printed in, so that the run can be written as JSON (results.File) as
// well as read. Rows are printed and recorded by the one call, emit.
type recorder struct {
	mu      sync.Mutex
	out     io.Writer
	now     func() time.Time
	run     string // the run's header line
	current string // the section being printed
	rows    []results.Row
}

// report is the run's recorder: row and the other printers emit through it.
var report = &recorder{out: os.Stdout, now: time.Now}

// start names the run (its header line) and prints it.
func (r *recorder) start(header string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.run = header
	fmt.Fprintf(r.out, "%s\n\n", header)
}

// section prints a section's heading; the rows after it belong to it.
func (r *recorder) section(title string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current = title
	fmt.Fprintf(r.out, "\n%s\n", title)
}

// emit prints a row's line and records the row, stamped with the
// section, the run and the time.
func (r *recorder) emit(line string, row results.Row) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.out, line)
	row.Section, row.Run, row.MeasuredAt = r.current, r.run, r.now().UTC().Truncate(time.Second)
	r.rows = append(r.rows, row)
}

// write merges the run's rows into the results file at path (the
// sections the run did not print keep their rows).
func (r *recorder) write(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if path == "" || len(r.rows) == 0 {
		return nil
	}
	old, err := results.Read(path)
	if err != nil {
		return err
	}
	return results.Write(path, old.Merge(r.rows, "test/bench (make bench)"))
}

// ops is an optional figure: a negative one means "not a request" and is
// left out.
func ops(v float64) *float64 {
	if v < 0 {
		return nil
	}
	return results.Ptr(v)
}

// msOf is a duration in milliseconds, as a row's figure.
func msOf(d time.Duration) *float64 { return results.Ptr(float64(d.Microseconds()) / 1000) }

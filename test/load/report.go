package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/workgate/workgate/test/client"
)

// report is a run's figures and checks.
type report struct {
	cfg                     config
	w                       *world
	e                       *env
	stats                   *stats
	logs                    *serverLog
	window                  *window
	faultErr                error
	began, mixStart, ended  time.Time
	setupTook, mixTook      time.Duration
	setupCalls, setupFailed int64
	settleTook              time.Duration
	loadBefore, loadAfter   string
	memMu                   sync.Mutex
	mem                     []memSample
	effects                 []effect
	outbox                  int
	deadLetters             map[string]int
}

func (r *report) addMem(s memSample) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	r.mem = append(r.mem, s)
}

func (r *report) memAt(label string) (memSample, bool) {
	r.memMu.Lock()
	defer r.memMu.Unlock()
	for _, s := range r.mem {
		if s.Label == label {
			return s, true
		}
	}
	return memSample{}, false
}

// check is one of the run's verdicts.
type verdict struct {
	Name   string
	OK     bool
	Detail string
}

// verdicts are the run's checks, as the issue states them.
func (r *report) verdicts() []verdict {
	var out []verdict
	add := func(name string, ok bool, format string, args ...any) {
		out = append(out, verdict{name, ok, fmt.Sprintf(format, args...)})
	}
	if r.stats == nil {
		return nil
	}
	f := r.stats.failures(r.window)
	add("no 5xx and no call unanswered outside the fault window", len(f.Out) == 0, "%d (%s)", len(f.Out), describe(f.Out))
	if r.cfg.Fault != "" {
		add("inside the fault window, only 503 with Retry-After", len(f.InOther) == 0,
			"%d retryable 503, %d others (%s)", len(f.InRetryable), len(f.InOther), describe(f.InOther))
	}
	if r.faultErr != nil {
		add("the fault was injected and undone", false, "%v", r.faultErr)
	}
	for _, e := range r.effects {
		if !e.Strict {
			continue
		}
		detail := fmt.Sprintf("%d caused, %d lost, %d doubled", e.Caused, e.Lost, e.Doubled)
		ok := e.Lost == 0 && e.Doubled == 0
		if e.Name == "mails" {
			ok = e.Lost == 0 // copies are reported: SendGrid has no idempotency key
		}
		add(e.Name+": none lost, none doubled", ok, "%s", detail)
	}
	if r.effects != nil {
		add("nothing left in the outbox", r.outbox == 0, "%d events", r.outbox)
		n := 0
		for _, v := range r.deadLetters {
			n += v
		}
		add("nothing in the dead-letter topics", n == 0, "%d messages %v", n, r.deadLetters)
	}
	if r.cfg.MemoryCheck {
		mid, ok1 := r.memAt("middle")
		end, ok2 := r.memAt("end")
		settled, _ := r.memAt("settled")
		if ok1 && ok2 {
			var grew, leaked []string
			for name, e := range end.Procs {
				if strings.HasPrefix(name, "emulator:") {
					continue // the emulators keep the data: they grow with it
				}
				m, ok := mid.Procs[name]
				if !ok || m.PID != e.PID || m.RSS == 0 {
					continue // started or restarted since
				}
				if float64(e.RSS) > 1.10*float64(m.RSS) {
					grew = append(grew, fmt.Sprintf("%s %s→%s", name, mib(m.RSS), mib(e.RSS)))
				}
				// Goroutines are counted once the run has settled: at its
				// end, those of the requests in flight are counted too. A
				// leaked one stays.
				if st, ok := settled.Procs[name]; ok && st.PID == m.PID && m.Goroutines >= 0 && st.Goroutines > m.Goroutines+max(m.Goroutines/10, 10) {
					leaked = append(leaked, fmt.Sprintf("%s %d→%d", name, m.Goroutines, st.Goroutines))
				}
			}
			sort.Strings(grew)
			sort.Strings(leaked)
			add("RSS at the end within 10% of the middle, every process", len(grew) == 0, "%s", orNone(grew))
			add("goroutines flat from the middle to the settled end", len(leaked) == 0, "%s", orNone(leaked))
		}
	}
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none above"
	}
	return strings.Join(s, "; ")
}

// failures returns the verdicts that failed.
func (r *report) failures() []verdict {
	var out []verdict
	for _, v := range r.verdicts() {
		if !v.OK {
			out = append(out, v)
		}
	}
	return out
}

// describe summarises failed calls: by route and status.
func describe(calls []client.Call) string {
	if len(calls) == 0 {
		return "none"
	}
	n := map[string]int{}
	for _, c := range calls {
		what := fmt.Sprint(c.Status)
		if c.Err != nil {
			what = "no answer: " + shortErr(c.Err)
		}
		n[c.Route+" → "+what]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] })
	var parts []string
	for i, k := range keys {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("and %d more kinds", len(keys)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", k, n[k]))
	}
	return strings.Join(parts, ", ")
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// print writes the report as Markdown tables.
func (r *report) print(out io.Writer) {
	cfg := r.cfg
	shape := "one process"
	if cfg.Split {
		shape = "split (every function its own process)"
	}
	fault := "none"
	if cfg.Fault != "" {
		fault = fmt.Sprintf("%s at %s for %s", cfg.Fault, cfg.FaultAt, cfg.FaultFor)
		if cfg.Fault == "kill" {
			fault = fmt.Sprintf("kill %s at %s", cfg.Kill, cfg.FaultAt)
		}
	}
	fmt.Fprintf(out, "\n### Load run: %s, %d members in %d workspaces, fault: %s\n\n", cfg.Duration, cfg.Members, cfg.Workspaces, fault)
	fmt.Fprintf(out, "%s · %s · %d CPUs · load average %s before, %s after · stack: %s\n",
		r.began.UTC().Format(time.RFC3339), runtime.Version(), runtime.NumCPU(), r.loadBefore, r.loadAfter, shape)
	fmt.Fprintf(out, "set-up %s (%d calls, %d failed), mix %s at %.1f actions/s (%.0f%% streaming, %.0f%% mobile), extras every %s, settled in %s\n\n",
		r.setupTook.Round(time.Second), r.setupCalls, r.setupFailed, r.mixTook.Round(time.Second), cfg.Rate, 100*cfg.Streams, 100*cfg.Mobile, cfg.ExtraEvery, r.settleTook.Round(time.Second))
	if w := r.window; w != nil && !w.Start.IsZero() {
		fmt.Fprintf(out, "fault window: %s to %s into the mix (+%s grace): %s\n\n", w.Start.Sub(r.mixStart).Round(100*time.Millisecond),
			w.End.Sub(r.mixStart).Round(100*time.Millisecond), grace, strings.Join(w.Notes, "; "))
	}

	fmt.Fprintln(out, "| check | result | |")
	fmt.Fprintln(out, "|---|---|---|")
	for _, v := range r.verdicts() {
		res := "ok"
		if !v.OK {
			res = "**FAILED**"
		}
		fmt.Fprintf(out, "| %s | %s | %s |\n", v.Name, res, v.Detail)
	}

	if r.stats != nil {
		fmt.Fprintln(out, "\nthe mix's calls (the set-up's apart), by route:")
		fmt.Fprintln(out, "\n| route | calls | p50 | p99 | statuses | 5xx in window | 5xx/unanswered outside | Firestore reads/call | writes/call |")
		fmt.Fprintln(out, "|---|---:|---:|---:|---|---:|---:|---:|---:|")
		f := r.stats.failures(r.window)
		in, outside := map[string]int{}, map[string]int{}
		for _, c := range append(f.InRetryable, f.InOther...) {
			in[c.Route]++
		}
		for _, c := range f.Out {
			outside[c.Route]++
		}
		for _, row := range r.stats.rows() {
			_, reads, writes := r.logs.cost(row.Route)
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %d | %d | %.1f | %.1f |\n", row.Route, row.N, ms(row.P50), ms(row.P99),
				statusText(row.Status, row.Errs), in[row.Route], outside[row.Route], reads, writes)
		}
		fmt.Fprintln(out, "\nbackground jobs, as the functions logged them (per push or scheduled call):")
		fmt.Fprintln(out, "\n| function | calls | statuses | Firestore reads/call | writes/call |")
		fmt.Fprintln(out, "|---|---:|---|---:|---:|")
		for _, row := range r.logs.rows() {
			if !strings.HasPrefix(row.Route, "/") && row.Route != "" {
				continue // an API route: in the table above
			}
			st := map[int]int{}
			for k, v := range row.Status {
				st[k] = int(v)
			}
			fmt.Fprintf(out, "| %s | %d | %s | %.1f | %.1f |\n", row.Function, row.N, statusText(st, 0), row.Reads, row.Writes)
		}
	}

	if len(r.effects) > 0 {
		fmt.Fprintln(out, "\n| effect | caused | seen once | lost | doubled | notes |")
		fmt.Fprintln(out, "|---|---:|---:|---:|---:|---|")
		for _, e := range r.effects {
			fmt.Fprintf(out, "| %s | %d | %d | %d | %d | %s |\n", e.Name, e.Caused, e.Seen, e.Lost, e.Doubled, strings.Join(e.Notes, "; "))
		}
		fmt.Fprintf(out, "| events left in the outbox | | | %d | | |\n", r.outbox)
		n := 0
		for _, v := range r.deadLetters {
			n += v
		}
		fmt.Fprintf(out, "| messages in dead-letter topics | | | %d | | |\n", n)
	}

	r.printMemory(out)

	if r.w != nil {
		fmt.Fprintln(out, "\nwhat the members did:")
		fmt.Fprintln(out)
		c := r.w.counters.all()
		for name, n := range r.w.ledger.abortedCounts() {
			c["flows given up: "+name] = n
		}
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(out, "- %s: %d\n", k, c[k])
		}
	}
	if r.logs != nil {
		ws := r.logs.warnings()
		if len(ws) > 0 {
			fmt.Fprintln(out, "\nwarnings and errors the functions logged:")
			fmt.Fprintln(out)
			for i, x := range ws {
				if i == 15 {
					fmt.Fprintf(out, "- and %d more kinds\n", len(ws)-i)
					break
				}
				fn := x.Function
				if fn == "" {
					fn = "stack"
				}
				sample := ""
				if x.Sample != "" {
					sample = fmt.Sprintf(" (first: %.300s)", x.Sample)
				}
				fmt.Fprintf(out, "- %s %s: %s ×%d%s\n", x.Severity, fn, x.Message, x.N, sample)
			}
		}
	}
}

// printMemory prints each process's RSS and goroutines at each sample.
func (r *report) printMemory(out io.Writer) {
	r.memMu.Lock()
	samples := append([]memSample(nil), r.mem...)
	r.memMu.Unlock()
	if len(samples) == 0 {
		return
	}
	names := map[string]bool{}
	for _, s := range samples {
		for n := range s.Procs {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	head := "| process |"
	sep := "|---|"
	for _, s := range samples {
		head += fmt.Sprintf(" RSS %s |", s.Label)
		sep += "---:|"
	}
	for _, s := range samples {
		head += fmt.Sprintf(" goroutines %s |", s.Label)
		sep += "---:|"
	}
	fmt.Fprintln(out, "\n"+head)
	fmt.Fprintln(out, sep)
	for _, n := range sorted {
		line := "| " + n + " |"
		for _, s := range samples {
			p, ok := s.Procs[n]
			switch {
			case !ok:
				line += " – |"
			case p.PID != samples[0].Procs[n].PID && samples[0].Procs[n].PID != 0:
				line += " " + mib(p.RSS) + " (restarted) |"
			default:
				line += " " + mib(p.RSS) + " |"
			}
		}
		for _, s := range samples {
			p, ok := s.Procs[n]
			if !ok || p.Goroutines < 0 {
				line += " – |"
			} else {
				line += fmt.Sprintf(" %d |", p.Goroutines)
			}
		}
		fmt.Fprintln(out, line)
	}
}

// statusText writes status counts as "200×12 503×1 no answer×2".
func statusText(st map[int]int, errs int) string {
	keys := make([]int, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, st[k]))
	}
	if errs > 0 {
		parts = append(parts, fmt.Sprintf("no answer×%d", errs))
	}
	return strings.Join(parts, " ")
}

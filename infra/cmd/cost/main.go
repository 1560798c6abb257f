// Command cost writes docs/COST.md, the monthly cost of a workspace, from
// the bench's latest figures (docs/bench.json), the usage model of issue
// 22 and list prices (infra/cost). `make cost` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/infra/cost"
	"github.com/workgate/workgate/test/bench/results"
)

func main() {
	in := flag.String("bench", "docs/bench.json", "the bench's results")
	out := flag.String("o", "docs/COST.md", "the document written")
	flag.Parse()
	if err := realMain(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func realMain(in, out string) error {
	f, err := results.Read(in)
	if err != nil {
		return err
	}
	if len(f.Rows) == 0 {
		return fmt.Errorf("%s has no rows: run `make bench`", in)
	}
	m, err := measured(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	u, err := usage()
	if err != nil {
		return err
	}
	doc := render(f, m, u)
	return os.WriteFile(out, []byte(doc), 0o600)
}

// usage is issue 22's usage model with the events function's settings
// from the topology.
func usage() (cost.Usage, error) {
	t, err := infra.Load()
	if err != nil {
		return cost.Usage{}, err
	}
	events, ok := t.Function("events")
	if !ok {
		return cost.Usage{}, fmt.Errorf("no events function in infra/topology.yaml")
	}
	return cost.Usage{
		Members: 1000, Days: 30, LoginsPerDay: 1, PostsPerDay: 50, RoomMin: 2, RoomMax: 50, ReadsPerDay: 200, StreamHours: 8,
		HistoryPage: 20, RefreshEvery: 15 * time.Minute,
		StreamMaxAge: 55 * time.Minute, Heartbeat: 2 * time.Minute,
		StreamConcurrency: events.MaxConcurrency(), Utilization: 0.6,
		CPU: 1, MemoryGiB: 0.5, MinBilled: 100 * time.Millisecond, DocKiB: 1,
	}, nil
}

// measured finds the rows the model uses: by the start of their section
// and name, since some names carry a run's counts.
func measured(f results.File) (cost.Measured, error) {
	var missing []string
	call := func(section, name string) cost.Call {
		for _, r := range f.Rows {
			if strings.HasPrefix(r.Section, section) && strings.HasPrefix(r.Name, name) && r.Reads != nil && r.Writes != nil {
				c := cost.Call{Reads: *r.Reads, Writes: *r.Writes, MeasuredAt: r.MeasuredAt,
					Row: fmt.Sprintf("`%s` (%.0f reads, %.0f writes", r.Name, *r.Reads, *r.Writes)}
				if r.P50Ms != nil {
					c.P50 = time.Duration(*r.P50Ms * float64(time.Millisecond))
					c.Row += fmt.Sprintf(", p50 %.1f ms", *r.P50Ms)
				}
				c.Row += ", " + r.MeasuredAt.Format(time.DateOnly) + ")"
				return c
			}
		}
		missing = append(missing, section+" / "+name)
		return cost.Call{}
	}
	m := cost.Measured{
		CodeRequest:     call("F5,", "POST /v1/login/email-code (known"),
		CodeVerify:      call("F5,", "POST /v1/login/email-code/verify"),
		PasswordLogin:   call("F5,", "POST /v1/login/password (right, trusted)"), // a member's daily login, from their device
		Mailer:          call("F1:", "mailer job"),
		Refresh:         call("F5,", "POST /v1/token/refresh"),
		Post:            call("F14:", "POST …/messages, direct room"),
		RoomList:        call("F14:", "GET /v1/rooms, page 1"),
		FanoutSmall:     call("F14:", "fanout job, direct room"),
		FanoutLarge:     call("F14:", "fanout job, group room"),
		FanoutSmallSize: 2, FanoutLargeSize: 1000,
		StreamLife: call("F19:", "GET /v1/me/events → 200"),
	}
	if len(missing) > 0 {
		return m, fmt.Errorf("no row with reads and writes for %s", strings.Join(missing, ", "))
	}
	return m, nil
}

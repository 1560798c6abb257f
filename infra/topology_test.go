package infra

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	top, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Functions) == 0 || len(top.Subscriptions) == 0 {
		t.Fatalf("empty topology: %+v", top)
	}
}

// TestCompiledTopology: what Load returns (topology_gen.go) is what Parse
// makes of topology.yaml. When it fails, run go generate ./infra.
func TestCompiledTopology(t *testing.T) {
	parsed, err := Parse(topologyYAML)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(parsed, compiled()); diff != "" {
		t.Errorf("topology_gen.go is not topology.yaml (-yaml +generated): run go generate ./infra\n%s", diff)
	}
}

func TestValidateRefuses(t *testing.T) {
	base := `
functions:
  - {name: web, http: ["/", "/a"]}
  - {name: job, topic: things}
topics: [{name: things}, {name: things-dead}]
subscriptions:
  - {name: job, topic: things, function: job, ackDeadlineSeconds: 30,
     retry: {minimumBackoff: 2s, maximumBackoff: 60s},
     deadLetter: {topic: things-dead, maxDeliveryAttempts: 10}}
`
	if _, err := Parse([]byte(base)); err != nil {
		t.Fatalf("base must parse: %v", err)
	}
	cases := []struct{ name, from, to, want string }{
		{"two triggers", `{name: web, http: ["/", "/a"]}`, `{name: web, http: ["/", "/a"], schedule: "* * * * *"}`, "exactly one trigger"},
		{"nobody owns /", `http: ["/", "/a"]`, `http: ["/a"]`, "own route"},
		{"long name", `{name: job, topic`, `{name: job-with-a-name-far-too-long, topic`, "bad name"},
		{"duplicate route", `{name: job, topic: things}`, `{name: job, topic: things, http: ["/a"]}`, "exactly one trigger"},
		{"unknown topic", `deadLetter: {topic: things-dead`, `deadLetter: {topic: nowhere`, "dead-letter"},
		{"dead letter to itself", `deadLetter: {topic: things-dead`, `deadLetter: {topic: things`, "dead-letter"},
		{"too few attempts", `maxDeliveryAttempts: 10`, `maxDeliveryAttempts: 2`, "maxDeliveryAttempts"},
		{"bad backoff", `maximumBackoff: 60s`, `maximumBackoff: 1s`, "retry"},
		{"unknown field", `ackDeadlineSeconds: 30`, `ackDeadline: 30`, "not found"},
		{"subscription to wrong function", `function: job,`, `function: web,`, "subscription"},
		{"route owned twice", `{name: job, topic: things}`, `{name: job, topic: things}
  - {name: other, http: ["/a"]}`, "owned by both"},
		{"bad name", `{name: web,`, `{name: Web,`, "bad name"},
		{"timeout over Cloud Run's hour", `{name: web, http: ["/", "/a"]}`, `{name: web, http: ["/", "/a"], timeoutSeconds: 3601}`, "timeoutSeconds"},
		{"zero timeout", `{name: web, http: ["/", "/a"]}`, `{name: web, http: ["/", "/a"], timeoutSeconds: 0}`, "timeoutSeconds"},
		{"concurrency over Cloud Run's", `{name: web, http: ["/", "/a"]}`, `{name: web, http: ["/", "/a"], concurrency: 1001}`, "concurrency"},
		{"zero concurrency", `{name: web, http: ["/", "/a"]}`, `{name: web, http: ["/", "/a"], concurrency: 0}`, "concurrency"},
		{"affinity without HTTP", `{name: job, topic: things}`, `{name: job, topic: things, sessionAffinity: true}`, "sessionAffinity"},
		{"ack deadline beyond the timeout", `{name: job, topic: things}`, `{name: job, topic: things, timeoutSeconds: 20}`, "exceeds"},
		{"schedule beyond Scheduler's deadline", `{name: job, topic: things}`, `{name: job, topic: things}
  - {name: tick, schedule: "* * * * *", timeoutSeconds: 3600}`, "scheduled"},
		{"schedule under Scheduler's deadline", `{name: job, topic: things}`, `{name: job, topic: things}
  - {name: tick, schedule: "* * * * *", timeoutSeconds: 10}`, "scheduled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, tc.from, tc.to, 1)
			if doc == base {
				t.Fatalf("replacement %q not found", tc.from)
			}
			_, err := Parse([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// TestRunSettings: a function without Cloud Run settings gets the defaults
// of a short request; one with them gets exactly those.
func TestRunSettings(t *testing.T) {
	top, err := Parse([]byte(`
functions:
  - {name: web, http: ["/"]}
  - {name: stream, http: ["/s"], timeoutSeconds: 3600, concurrency: 1000, sessionAffinity: true}
  - {name: tick, schedule: "* * * * *", timeoutSeconds: 15, concurrency: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	type settings struct {
		Timeout     time.Duration
		Concurrency int
		Affinity    bool
	}
	want := map[string]settings{
		"web":    {DefaultTimeoutSeconds * time.Second, DefaultConcurrency, false},
		"stream": {time.Hour, 1000, true},
		"tick":   {15 * time.Second, 1, false},
	}
	got := map[string]settings{}
	for _, f := range top.Functions {
		got[f.Name] = settings{f.Timeout(), f.MaxConcurrency(), f.SessionAffinity}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestIsName(t *testing.T) {
	cases := []struct {
		s  string
		ok bool
	}{
		{"web", true}, {"mail-requested", true}, {"a1b", true}, {"a" + strings.Repeat("b", 26), true},
		{"ab", false}, {"a" + strings.Repeat("b", 27), false}, {"1ab", false}, {"-ab", false}, {"ab-", false}, {"Web", false}, {"a_b", false},
	}
	for _, tc := range cases {
		if got := isName(tc.s); got != tc.ok {
			t.Errorf("isName(%q) = %v, want %v", tc.s, got, tc.ok)
		}
	}
}

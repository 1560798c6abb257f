// Package infra holds workgate's deployment topology: every function with its
// trigger, every topic and subscription. The local runner, the router and the
// Terraform are all derived from it.
package infra

//go:generate go run ./internal/topogen

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed topology.yaml
var topologyYAML []byte

// Topology is the parsed infra/topology.yaml.
type Topology struct {
	Functions     []Function     `yaml:"functions"`
	Topics        []Topic        `yaml:"topics"`
	Subscriptions []Subscription `yaml:"subscriptions"`
	Firestore     Firestore      `yaml:"firestore"`
}

// Function is one deployable: one Cloud Run service in production.
type Function struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// HTTP lists the routes of an HTTP function. A route ending in "/" owns
	// the subtree below it; any other route is one exact path.
	HTTP []string `yaml:"http"`
	// Topic makes the function the push endpoint of the subscription that
	// names it.
	Topic string `yaml:"topic"`
	// Schedule is a cron schedule for Cloud Scheduler (a ticker locally).
	Schedule  string   `yaml:"schedule"`
	Dev       bool     `yaml:"dev"`
	Publishes []string `yaml:"publishes"`
	Secrets   []string `yaml:"secrets"`

	// The Cloud Run settings below are optional; unset, a function gets the
	// defaults that suit a short request. A function whose requests last
	// long (a stream) sets them, and so is a service of its own: its
	// requests never hold the instances of the short request paths.

	// TimeoutSeconds is how long Cloud Run lets one request run before it
	// answers 504 and cuts the connection: 1..3600 (Cloud Run's bounds).
	// A push function's covers its subscriptions' ack deadlines; a
	// scheduled function's is also its job's attempt deadline, which Cloud
	// Scheduler bounds to 15..1800. Absent (nil) means
	// DefaultTimeoutSeconds.
	TimeoutSeconds *int `yaml:"timeoutSeconds"`
	// Concurrency is how many requests one instance serves at once:
	// 1..1000 (Cloud Run's bounds). Absent (nil) means DefaultConcurrency.
	Concurrency *int `yaml:"concurrency"`
	// SessionAffinity asks Cloud Run to send a client's requests to the
	// instance that served its earlier ones (a cookie; best effort: an
	// instance that is gone or full passes the client on). HTTP functions
	// only: Pub/Sub and Scheduler keep no cookie.
	SessionAffinity bool `yaml:"sessionAffinity"`
	// SendsPushes marks a function that sends mobile pushes through FCM:
	// its identity may create FCM messages in the project.
	SendsPushes bool `yaml:"sendsPushes"`
}

// Defaults of a function's Cloud Run settings. infra/terraform/main.tf
// repeats them (Terraform cannot read Go); its test keeps the two equal.
const (
	// DefaultTimeoutSeconds covers every short request and the longest ack
	// deadline of today's push subscriptions.
	DefaultTimeoutSeconds = 60
	// DefaultConcurrency is Cloud Run's own default; argon2id hashing is
	// bounded apart from it (WORKGATE_HASH_CONCURRENCY).
	DefaultConcurrency = 80
)

// Timeout is how long Cloud Run lets one request of the function run.
func (f Function) Timeout() time.Duration {
	if f.TimeoutSeconds == nil {
		return DefaultTimeoutSeconds * time.Second
	}
	return time.Duration(*f.TimeoutSeconds) * time.Second
}

// MaxConcurrency is how many requests one instance of the function serves
// at once.
func (f Function) MaxConcurrency() int {
	if f.Concurrency == nil {
		return DefaultConcurrency
	}
	return *f.Concurrency
}

// Topic is a Pub/Sub topic.
type Topic struct {
	Name string `yaml:"name"`
}

// Subscription is a push subscription delivering a topic to a function.
type Subscription struct {
	Name               string     `yaml:"name"`
	Topic              string     `yaml:"topic"`
	Function           string     `yaml:"function"`
	AckDeadlineSeconds int        `yaml:"ackDeadlineSeconds"`
	Retry              Retry      `yaml:"retry"`
	DeadLetter         DeadLetter `yaml:"deadLetter"`
}

// Retry is a subscription's exponential backoff between redeliveries.
type Retry struct {
	MinimumBackoff time.Duration `yaml:"minimumBackoff"`
	MaximumBackoff time.Duration `yaml:"maximumBackoff"`
}

// DeadLetter is where a message goes after MaxDeliveryAttempts failures.
type DeadLetter struct {
	Topic               string `yaml:"topic"`
	MaxDeliveryAttempts int    `yaml:"maxDeliveryAttempts"`
}

// Firestore declares TTL policies and composite indexes.
type Firestore struct {
	TTL     []TTL   `yaml:"ttl"`
	Indexes []Index `yaml:"indexes"`
}

// TTL is a Firestore TTL policy on one field of a collection group.
type TTL struct {
	CollectionGroup string `yaml:"collectionGroup"`
	Field           string `yaml:"field"`
}

// Index is a composite Firestore index.
type Index struct {
	CollectionGroup string       `yaml:"collectionGroup"`
	QueryScope      string       `yaml:"queryScope"`
	Fields          []IndexField `yaml:"fields"`
}

// IndexField is one field of a composite index: ordered (Order
// ASCENDING or DESCENDING) or an array searched with array-contains
// (ArrayConfig CONTAINS).
type IndexField struct {
	Path        string `yaml:"path"`
	Order       string `yaml:"order,omitempty"`
	ArrayConfig string `yaml:"arrayConfig,omitempty"`
}

// Load returns the embedded topology, parsed and validated. It is parsed
// by go generate (topology_gen.go), not as a function starts:
// TestCompiledTopology checks that the two agree.
func Load() (*Topology, error) {
	return compiled(), nil
}

// Parse parses and validates a topology document.
func Parse(b []byte) (*Topology, error) {
	var t Topology
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("infra.Parse: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("infra.Parse: %w", err)
	}
	return &t, nil
}

// isName bounds names so that derived IDs fit Google's limits (a
// function's service account "fn-<name>" must be at most 30 characters):
// 3-27 of a-z, 0-9 and "-", starting with a letter and not ending with
// "-". A loop, not a regexp compiled in every function's init.
func isName(s string) bool {
	if len(s) < 3 || len(s) > 27 || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Validate checks that names are unique and well formed, that every function
// has exactly one trigger, that no two functions own the same route and that
// every reference names something declared.
func (t *Topology) Validate() error {
	fns := map[string]Function{}
	routes := map[string]string{}
	for _, f := range t.Functions {
		if !isName(f.Name) {
			return fmt.Errorf("function %q: bad name", f.Name)
		}
		if _, dup := fns[f.Name]; dup {
			return fmt.Errorf("function %q declared twice", f.Name)
		}
		fns[f.Name] = f
		triggers := 0
		for _, set := range []bool{len(f.HTTP) > 0, f.Topic != "", f.Schedule != ""} {
			if set {
				triggers++
			}
		}
		if triggers != 1 {
			return fmt.Errorf("function %q: needs exactly one trigger (http, topic or schedule)", f.Name)
		}
		if err := f.validateRun(); err != nil {
			return err
		}
		for _, r := range f.HTTP {
			if !strings.HasPrefix(r, "/") || strings.ContainsAny(r, " {}*") {
				return fmt.Errorf("function %q: bad route %q", f.Name, r)
			}
			if other, dup := routes[r]; dup {
				return fmt.Errorf("route %q owned by both %q and %q", r, other, f.Name)
			}
			routes[r] = f.Name
		}
	}
	if owner, ok := routes["/"]; !ok || fns[owner].Dev {
		return fmt.Errorf("a deployed HTTP function must own route \"/\" (the load balancer's default service)")
	}
	topics := map[string]bool{}
	for _, tp := range t.Topics {
		if !isName(tp.Name) || topics[tp.Name] {
			return fmt.Errorf("topic %q: bad or duplicate name", tp.Name)
		}
		topics[tp.Name] = true
	}
	for _, f := range t.Functions {
		for _, p := range f.Publishes {
			if !topics[p] {
				return fmt.Errorf("function %q publishes to undeclared topic %q", f.Name, p)
			}
		}
		if f.Topic != "" {
			if !topics[f.Topic] {
				return fmt.Errorf("function %q: undeclared topic %q", f.Name, f.Topic)
			}
			if !slices.ContainsFunc(t.Subscriptions, func(s Subscription) bool { return s.Function == f.Name }) {
				return fmt.Errorf("function %q: no subscription pushes to it", f.Name)
			}
		}
	}
	subs := map[string]bool{}
	for _, s := range t.Subscriptions {
		if !isName(s.Name) || subs[s.Name] {
			return fmt.Errorf("subscription %q: bad or duplicate name", s.Name)
		}
		subs[s.Name] = true
		f, ok := fns[s.Function]
		if !ok || f.Topic != s.Topic {
			return fmt.Errorf("subscription %q: function %q is not triggered by topic %q", s.Name, s.Function, s.Topic)
		}
		if !topics[s.DeadLetter.Topic] || s.DeadLetter.Topic == s.Topic {
			return fmt.Errorf("subscription %q: dead-letter topic %q must be declared and differ from its topic", s.Name, s.DeadLetter.Topic)
		}
		// Pub/Sub's own limits.
		if s.DeadLetter.MaxDeliveryAttempts < 5 || s.DeadLetter.MaxDeliveryAttempts > 100 {
			return fmt.Errorf("subscription %q: maxDeliveryAttempts must be 5..100", s.Name)
		}
		if s.AckDeadlineSeconds < 10 || s.AckDeadlineSeconds > 600 {
			return fmt.Errorf("subscription %q: ackDeadlineSeconds must be 10..600", s.Name)
		}
		// A push is acknowledged by its answer: a request cut off by
		// Cloud Run before the deadline is redelivered, and redelivered.
		if time.Duration(s.AckDeadlineSeconds)*time.Second > f.Timeout() {
			return fmt.Errorf("subscription %q: ackDeadlineSeconds %d exceeds function %q's timeout of %s", s.Name, s.AckDeadlineSeconds, f.Name, f.Timeout())
		}
		if s.Retry.MinimumBackoff <= 0 || s.Retry.MaximumBackoff < s.Retry.MinimumBackoff || s.Retry.MaximumBackoff > 600*time.Second {
			return fmt.Errorf("subscription %q: bad retry policy", s.Name)
		}
	}
	return nil
}

// validateRun checks a function's Cloud Run settings against the bounds of
// Cloud Run and Cloud Scheduler.
func (f Function) validateRun() error {
	if t := f.TimeoutSeconds; t != nil && (*t < 1 || *t > 3600) {
		return fmt.Errorf("function %q: timeoutSeconds must be 1..3600", f.Name)
	}
	if f.Schedule != "" && (f.Timeout() < 15*time.Second || f.Timeout() > 1800*time.Second) {
		return fmt.Errorf("function %q: timeoutSeconds of a scheduled function must be 15..1800 (its job's attempt deadline)", f.Name)
	}
	if c := f.MaxConcurrency(); c < 1 || c > 1000 {
		return fmt.Errorf("function %q: concurrency must be 1..1000", f.Name)
	}
	if f.SessionAffinity && len(f.HTTP) == 0 {
		return fmt.Errorf("function %q: sessionAffinity is for HTTP functions only", f.Name)
	}
	return nil
}

// Function returns the function with the given name.
func (t *Topology) Function(name string) (Function, bool) {
	i := slices.IndexFunc(t.Functions, func(f Function) bool { return f.Name == name })
	if i < 0 {
		return Function{}, false
	}
	return t.Functions[i], true
}

// Deployed returns the functions that are deployed to Cloud Run (all but the
// dev-only ones).
func (t *Topology) Deployed() []Function {
	var out []Function
	for _, f := range t.Functions {
		if !f.Dev {
			out = append(out, f)
		}
	}
	return out
}

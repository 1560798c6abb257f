// Package infra holds workgate's deployment topology: every function with its
// trigger, every topic and subscription. The local runner, the router and the
// Terraform are all derived from it.
package infra

import (
	_ "embed"
	"fmt"
	"regexp"
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
	// SendsPushes marks a function that sends mobile pushes through FCM:
	// its identity may create FCM messages in the project.
	SendsPushes bool `yaml:"sendsPushes"`
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

// Load parses and validates the embedded topology.
func Load() (*Topology, error) {
	return Parse(topologyYAML)
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

// namePattern bounds names so that derived IDs fit Google's limits (a
// function's service account "fn-<name>" must be at most 30 characters).
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,25}[a-z0-9]$`)

// Validate checks that names are unique and well formed, that every function
// has exactly one trigger, that no two functions own the same route and that
// every reference names something declared.
func (t *Topology) Validate() error {
	fns := map[string]Function{}
	routes := map[string]string{}
	for _, f := range t.Functions {
		if !namePattern.MatchString(f.Name) {
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
		if !namePattern.MatchString(tp.Name) || topics[tp.Name] {
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
		if !namePattern.MatchString(s.Name) || subs[s.Name] {
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
		if s.Retry.MinimumBackoff <= 0 || s.Retry.MaximumBackoff < s.Retry.MinimumBackoff || s.Retry.MaximumBackoff > 600*time.Second {
			return fmt.Errorf("subscription %q: bad retry policy", s.Name)
		}
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

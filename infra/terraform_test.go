package infra

// The Terraform in infra/terraform derives everything from topology.yaml with
// for_each expressions, and there is no terraform binary here to plan it. So
// these tests plan it themselves: they parse every *.tf, evaluate it as
// `terraform plan` would (Terraform's functions are mostly go-cty's stdlib; the
// few it adds are re-implemented below), expand every for_each and dynamic
// block, and compare each resource instance with what infra.Load() says should
// exist. A reference to another resource evaluates to a stub naming it, e.g.
// google_pubsub_topic.topic["mail-requested"].id, so the tests also see what
// is wired to what.

import (
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"gopkg.in/yaml.v3"

	"github.com/workgate/workgate/shared/config"
)

// tfDir is the Terraform root module, relative to this package.
const tfDir = "terraform"

// tfVars are the values a test plan passes for variables without a default.
var tfVars = map[string]cty.Value{
	"project_id": cty.StringVal("workgate-test"),
	"image":      cty.StringVal("asia-northeast3-docker.pkg.dev/workgate-test/workgate/workgate@sha256:" + strings.Repeat("0", 64)),
	"domain":     cty.StringVal("workgate.example.com"),
	"mail_from":  cty.StringVal("no-reply@workgate.example.com"),
}

// syntheticTopology exercises what today's topology does not: a root owner
// with more routes, exact and subtree routes side by side, several secrets and
// grants, minute durations, subscriptions named apart from their functions, a
// dev HTTP and a dev push function (with their own subscription and
// dead-letter topic), a dev function that sends pushes, a composite
// index, and Cloud Run settings of every kind of function (a stream, a
// slow job, a slow push endpoint).
const syntheticTopology = `
functions:
  - name: web
    http: ["/", "/v1/things", "/files/"]
    secrets: [WEB_KEY]
  - name: api
    http: ["/v1/items", "/v1/items/"]
    publishes: [work]
    secrets: [SHARED_KEY, API_TOKEN]
  - name: stream
    http: ["/v1/stream"]
    timeoutSeconds: 3600
    concurrency: 1000
    sessionAffinity: true
  - name: ticker
    schedule: "*/5 * * * *"
    publishes: [work, other]
    timeoutSeconds: 300
  - name: worker
    topic: work
    secrets: [SHARED_KEY]
    timeoutSeconds: 600
    concurrency: 1
    sendsPushes: true
  - name: other-worker
    topic: other
  - name: devtool
    http: ["/_dev/", "/_dev"]
    publishes: [other]
    secrets: [DEV_ONLY_KEY]
    dev: true
  - name: devpush
    topic: other
    sendsPushes: true
    dev: true
topics: [{name: work}, {name: work-dead}, {name: other}, {name: other-dead}, {name: dev-dead}]
subscriptions:
  - {name: work-to-worker, topic: work, function: worker, ackDeadlineSeconds: 600,
     retry: {minimumBackoff: 1m0s, maximumBackoff: 10m}, deadLetter: {topic: work-dead, maxDeliveryAttempts: 5}}
  - {name: other-to-worker, topic: other, function: other-worker, ackDeadlineSeconds: 10,
     retry: {minimumBackoff: 90s, maximumBackoff: 1m30s}, deadLetter: {topic: other-dead, maxDeliveryAttempts: 100}}
  - {name: other-to-devpush, topic: other, function: devpush, ackDeadlineSeconds: 10,
     retry: {minimumBackoff: 2s, maximumBackoff: 2s}, deadLetter: {topic: dev-dead, maxDeliveryAttempts: 5}}
firestore:
  ttl: [{collectionGroup: sessions, field: expiresAt}]
  indexes:
    - collectionGroup: members
      queryScope: COLLECTION_GROUP
      fields: [{path: workspace, order: ASCENDING}, {path: createdAt, order: DESCENDING}]
`

// topologyDocs are the topologies every derivation is checked with.
func topologyDocs(tb testing.TB) map[string][]byte {
	tb.Helper()
	real, err := os.ReadFile("topology.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return map[string][]byte{"topology.yaml": real, "synthetic": []byte(syntheticTopology)}
}

// perTopology lists the resources that exist once per topology entry: each has
// a for_each over a local, and its instances are exactly these keys.
var perTopology = []struct {
	addr string
	keys func(*Topology) []string
}{
	{"google_service_account.function", func(t *Topology) []string { return deployed(t, nil) }},
	{"google_project_iam_member.datastore_user", func(t *Topology) []string { return deployed(t, nil) }},
	{"google_project_iam_member.push_sender", func(t *Topology) []string { return deployed(t, sendsPushes) }},
	{"google_cloud_run_v2_service.function", func(t *Topology) []string { return deployed(t, nil) }},
	{"google_cloud_run_v2_service_iam_member.public", func(t *Topology) []string { return deployed(t, isHTTP) }},
	{"google_cloud_run_v2_service_iam_member.invoker", func(t *Topology) []string { return deployed(t, isPrivate) }},
	{"google_cloud_scheduler_job.function", func(t *Topology) []string { return deployed(t, isScheduled) }},
	{"google_compute_region_network_endpoint_group.function", func(t *Topology) []string { return deployed(t, isHTTP) }},
	{"google_compute_backend_service.function", func(t *Topology) []string { return deployed(t, isHTTP) }},
	{"google_pubsub_topic.topic", topicNames},
	{"google_pubsub_subscription.push", func(t *Topology) []string { return subscriptionNames(pushSubscriptions(t)) }},
	{"google_pubsub_subscription_iam_member.dead_letter_subscriber", func(t *Topology) []string { return subscriptionNames(pushSubscriptions(t)) }},
	{"google_pubsub_subscription.dead_letter", deadLetterTopics},
	{"google_pubsub_topic_iam_member.dead_letter_publisher", deadLetterTopics},
	{"google_pubsub_topic_iam_member.publisher", publisherGrants},
	{"google_secret_manager_secret.secret", secretEnvs},
	{"google_secret_manager_secret_iam_member.accessor", secretGrants},
	{"google_firestore_field.ttl", ttlKeys},
	{"google_firestore_index.index", indexKeys},
}

func TestTerraformReadsTopology(t *testing.T) {
	m := parseTerraform(t)
	a, ok := m.locals["topology"]
	if !ok {
		t.Fatal("no local.topology")
	}
	outer, ok := a.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || outer.Name != "yamldecode" || len(outer.Args) != 1 {
		t.Fatalf("local.topology = %s, want yamldecode(file(...))", m.source(a.Expr))
	}
	inner, ok := outer.Args[0].(*hclsyntax.FunctionCallExpr)
	if !ok || inner.Name != "file" || len(inner.Args) != 1 {
		t.Fatalf("local.topology = %s, want yamldecode(file(...))", m.source(a.Expr))
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"path": pathValue()}}
	name := eval(t, "local.topology's file", inner.Args[0], ctx)
	if got := filepath.Clean(name.AsString()); got != "topology.yaml" {
		t.Errorf("local.topology reads %s, want infra/topology.yaml", got)
	}
}

func TestTerraformResourceTypes(t *testing.T) {
	m := parseTerraform(t)
	types := map[string]bool{}
	for addr := range m.resources {
		types[strings.Split(addr, ".")[0]] = true
	}
	for _, typ := range []string{
		"google_project_service",
		"google_service_account", "google_project_iam_member", "google_service_account_iam_member",
		"google_project_iam_custom_role",
		"google_pubsub_topic_iam_member", "google_pubsub_subscription_iam_member",
		"google_secret_manager_secret", "google_secret_manager_secret_iam_member",
		"google_cloud_run_v2_service", "google_cloud_run_v2_service_iam_member",
		"google_pubsub_topic", "google_pubsub_subscription",
		"google_cloud_scheduler_job",
		"google_firestore_database", "google_firestore_field", "google_firestore_index",
		"google_compute_region_network_endpoint_group", "google_compute_backend_service",
		"google_compute_url_map", "google_compute_managed_ssl_certificate",
		"google_compute_target_https_proxy", "google_compute_global_address",
		"google_compute_global_forwarding_rule",
	} {
		if !types[typ] {
			t.Errorf("no %s resource", typ)
		}
	}
}

func TestTerraformProvider(t *testing.T) {
	m := parseTerraform(t)
	for _, b := range m.blocks {
		if b.Type != "terraform" {
			continue
		}
		for _, rp := range b.Body.Blocks {
			if rp.Type != "required_providers" {
				continue
			}
			a, ok := rp.Body.Attributes["google"]
			if !ok {
				continue
			}
			v := eval(t, "required_providers.google", a.Expr, nil)
			if src, ver := v.GetAttr("source").AsString(), v.GetAttr("version").AsString(); src != "hashicorp/google" || ver != "~> 6.0" {
				t.Errorf("google provider = %s %s, want hashicorp/google ~> 6.0", src, ver)
			}
			return
		}
	}
	t.Error("no required_providers.google")
}

func TestTerraformForEachOverLocals(t *testing.T) {
	m := parseTerraform(t)
	for _, tc := range perTopology {
		t.Run(tc.addr, func(t *testing.T) {
			b, ok := m.resources[tc.addr]
			if !ok {
				t.Fatalf("no resource %s", tc.addr)
			}
			a, ok := b.Body.Attributes["for_each"]
			if !ok {
				t.Fatalf("%s has no for_each", tc.addr)
			}
			if !slices.ContainsFunc(a.Expr.Variables(), func(tr hcl.Traversal) bool { return tr.RootName() == "local" }) {
				t.Errorf("%s: for_each = %s, want an expression over the topology's locals", tc.addr, m.source(a.Expr))
			}
		})
	}
}

func TestTerraformSkipsDevFunctions(t *testing.T) {
	m := parseTerraform(t)
	a, ok := m.locals["functions"]
	if !ok {
		t.Fatal("no local.functions")
	}
	f, ok := a.Expr.(*hclsyntax.ForExpr)
	if !ok || f.CondExpr == nil || !strings.Contains(m.source(f.CondExpr), "dev") {
		t.Errorf("local.functions = %s, want a for expression whose if clause leaves out dev functions", m.source(a.Expr))
	}
}

func TestTerraformSubscriptionBlocks(t *testing.T) {
	m := parseTerraform(t)
	push := 0
	for addr, b := range m.resources {
		if !strings.HasPrefix(addr, "google_pubsub_subscription.") {
			continue
		}
		pc := childBlocks(b.Body, "push_config")
		if len(pc) == 0 {
			// Only the subscriptions that keep dead letters may be pull.
			if fe, ok := b.Body.Attributes["for_each"]; !ok || !strings.Contains(m.source(fe.Expr), "local.dead_letter_topics") {
				t.Errorf("%s: a subscription without push_config must be a dead-letter holder (for_each = local.dead_letter_topics)", addr)
			}
			continue
		}
		push++
		if len(childBlocks(pc[0].Body, "oidc_token")) != 1 {
			t.Errorf("%s: push_config needs an oidc_token block", addr)
		}
		for _, typ := range []string{"dead_letter_policy", "retry_policy", "expiration_policy"} {
			if len(childBlocks(b.Body, typ)) != 1 {
				t.Errorf("%s: needs a %s block", addr, typ)
			}
		}
	}
	if push == 0 {
		t.Error("no push subscription resource")
	}
}

func TestTerraformURLMapShape(t *testing.T) {
	m := parseTerraform(t)
	b, ok := m.resources["google_compute_url_map.https"]
	if !ok {
		t.Fatal("no google_compute_url_map.https")
	}
	if _, ok := b.Body.Attributes["default_service"]; !ok {
		t.Error("url map has no default_service")
	}
	pm := childBlocks(b.Body, "path_matcher")
	if len(pm) != 1 {
		t.Fatalf("url map has %d path_matcher blocks, want 1", len(pm))
	}
	rules := len(childBlocks(pm[0].Body, "path_rule"))
	for _, d := range childBlocks(pm[0].Body, "dynamic") {
		if d.Labels[0] == "path_rule" {
			rules++
		}
	}
	if rules == 0 {
		t.Error("path_matcher has no path_rule, literal or dynamic")
	}
}

func TestTerraformVariableValidation(t *testing.T) {
	m := parseTerraform(t)
	cases := []struct {
		name, variable, value string
		ok                    bool
	}{
		{"image by digest", "image", tfVars["image"].AsString(), true},
		{"image by tag", "image", "asia-northeast3-docker.pkg.dev/p/workgate/workgate:v1", true},
		{"image without registry", "image", "workgate:latest", false},
		{"image without tag or digest", "image", "gcr.io/p/workgate", false},
		{"domain", "domain", "api.example.com", true},
		{"domain with scheme", "domain", "https://api.example.com", false},
		{"public_url empty", "public_url", "", true},
		{"public_url https", "public_url", "https://workgate.example.com/app", true},
		{"public_url http", "public_url", "http://workgate.example.com", false},
		{"mail_from", "mail_from", "no-reply@example.com", true},
		{"mail_from without @", "mail_from", "workgate", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals := m.variableValues(t, tfVars, false)
			vals[tc.variable] = cty.StringVal(tc.value)
			if err := m.validate(t, vals); (err == nil) != tc.ok {
				t.Errorf("%s = %q: validation error %v, want ok=%v", tc.variable, tc.value, err, tc.ok)
			}
		})
	}
}

// TestLoadBalancerPaths re-derives the URL map in Go: every deployed HTTP route
// is served exactly once, by its own function, and dev routes never are.
func TestLoadBalancerPaths(t *testing.T) {
	validPath := regexp.MustCompile(`^/[^*?#]*(/\*)?$`)
	for name, doc := range topologyDocs(t) {
		t.Run(name, func(t *testing.T) {
			top, err := Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			def, rules := lbRoutes(top)
			owner := map[string]string{}
			for fn, paths := range rules {
				for _, p := range paths {
					if !validPath.MatchString(p) {
						t.Errorf("%s: %q is not a URL map path", fn, p)
					}
					if other, dup := owner[p]; dup {
						t.Errorf("path %q served by both %s and %s", p, other, fn)
					}
					owner[p] = fn
				}
			}
			routes := 0
			for _, f := range top.Functions {
				for _, r := range f.HTTP {
					switch {
					case f.Dev:
						if fn, ok := owner[routePath(r)]; ok || (r == "/" && def == f.Name) {
							t.Errorf("dev route %q of %s is deployed (to %q)", r, f.Name, fn)
						}
					case r == "/":
						if def != f.Name {
							t.Errorf("route / belongs to %s, but the default service is %q", f.Name, def)
						}
					default:
						routes++
						if owner[routePath(r)] != f.Name {
							t.Errorf("route %q of %s is served by %q", r, f.Name, owner[routePath(r)])
						}
					}
				}
			}
			if len(owner) != routes {
				t.Errorf("%d path rules for %d routes: %v", len(owner), routes, owner)
			}
		})
	}
}

// TestTerraformPlan evaluates the module for each topology and checks every
// derived instance against the topology.
func TestTerraformPlan(t *testing.T) {
	m := parseTerraform(t)
	for name, doc := range topologyDocs(t) {
		t.Run(name, func(t *testing.T) {
			top, err := Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			p := planTerraform(t, m, doc)
			t.Run("instances", func(t *testing.T) { checkInstances(t, p, top) })
			t.Run("services", func(t *testing.T) { checkServices(t, p, top) })
			t.Run("identities", func(t *testing.T) { checkIdentities(t, p, top) })
			t.Run("pubsub", func(t *testing.T) { checkPubSub(t, p, top) })
			t.Run("scheduler", func(t *testing.T) { checkScheduler(t, p, top) })
			t.Run("load balancer", func(t *testing.T) { checkLoadBalancer(t, p, top) })
			t.Run("firestore", func(t *testing.T) { checkFirestore(t, p, top) })
			t.Run("outputs", func(t *testing.T) { checkOutputs(t, p, top) })
		})
	}
}

// TestTerraformEventsService: the live event stream (F19) is a Cloud Run
// service of its own, reached through the load balancer at /v1/me/events,
// that lets a stream run past its max age (where the server ends it, by
// the configuration its env gives), holds many idle streams per instance
// and sends a device back to
// the instance of its previous stream; the short request paths keep 60s,
// no affinity and their concurrency.
func TestTerraformEventsService(t *testing.T) {
	doc, err := os.ReadFile("topology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := planTerraform(t, parseTerraform(t), doc)

	svc := p.instance(t, "google_cloud_run_v2_service.function", "events")
	wantStr(t, svc, "template.timeout", "3600s")
	timeout, err := time.ParseDuration(svc.str(t, "template.timeout"))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := envOf(t, svc.block(t, "template.containers"))
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := plain[k]; return v, ok })
	if err != nil {
		t.Fatalf("%s: the configuration its env gives: %v", svc.addr, err)
	}
	if timeout <= cfg.StreamMaxAge {
		t.Errorf("%s: timeout %s does not let a stream reach its max age (%s) and end itself", svc.addr, timeout, cfg.StreamMaxAge)
	}
	wantBool(t, svc, "template.session_affinity", true)
	c := svc.int(t, "template.max_instance_request_concurrency")
	if c <= DefaultConcurrency {
		t.Errorf("%s: concurrency %d, want more than the short paths' %d (an idle stream costs little)", svc.addr, c, DefaultConcurrency)
	}
	// Each stream holds a Firestore listener, and a gRPC connection
	// carries about 100 at once.
	if conns := cfg.FirestoreConnections; conns*100 < int(c)+10 {
		t.Errorf("%s: %d Firestore connections for %d streams (about 100 per connection)", svc.addr, conns, c)
	}
	// Request-based billing: a stream is a request, so it has CPU.
	wantBool(t, svc, "template.containers.resources.cpu_idle", true)

	var rule *tfNode
	for _, r := range p.instance(t, "google_compute_url_map.https", "").block(t, "path_matcher").blocks["path_rule"] {
		if slices.Contains(r.strings(t, "paths"), "/v1/me/events") {
			rule = r
		}
	}
	if rule == nil {
		t.Fatal("no path rule for /v1/me/events")
	}
	wantStr(t, rule, "service", ref("google_compute_backend_service.function", "events", "id"))
	wantStr(t, p.instance(t, "google_compute_backend_service.function", "events"), "backend.group",
		ref("google_compute_region_network_endpoint_group.function", "events", "id"))

	for _, f := range top.Deployed() {
		if f.Name == "events" || !isHTTP(f) {
			continue
		}
		other := p.instance(t, "google_cloud_run_v2_service.function", f.Name)
		wantStr(t, other, "template.timeout", "60s")
		wantBool(t, other, "template.session_affinity", false)
		wantInt(t, other, "template.max_instance_request_concurrency", DefaultConcurrency)
	}
}

func checkInstances(t *testing.T, p *tfPlan, top *Topology) {
	for _, tc := range perTopology {
		want := slices.Sorted(slices.Values(tc.keys(top)))
		got := slices.Sorted(maps.Keys(p.instances[tc.addr]))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s instances (-want +got):\n%s", tc.addr, diff)
		}
	}
	for _, f := range top.Functions {
		if _, ok := p.instances["google_cloud_run_v2_service.function"][f.Name]; f.Dev && ok {
			t.Errorf("dev function %s is deployed", f.Name)
		}
	}
}

func checkServices(t *testing.T, p *tfPlan, top *Topology) {
	for _, f := range top.Deployed() {
		svc := p.instance(t, "google_cloud_run_v2_service.function", f.Name)
		wantStr(t, svc, "name", f.Name)
		ingress := "INGRESS_TRAFFIC_ALL"
		if isHTTP(f) {
			ingress = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
		}
		wantStr(t, svc, "ingress", ingress)
		wantStr(t, svc, "template.service_account", ref("google_service_account.function", f.Name, "email"))
		wantStr(t, svc, "template.containers.image", tfVars["image"].AsString())

		plain, secrets := envOf(t, svc.block(t, "template.containers"))
		for k, want := range map[string]string{
			"FUNCTION_TARGET":      f.Name,
			"GOOGLE_CLOUD_PROJECT": tfVars["project_id"].AsString(),
			"PUBLIC_URL":           "https://" + tfVars["domain"].AsString(),
			"WORKGATE_MAIL_FROM":   tfVars["mail_from"].AsString(),
		} {
			if got, ok := plain[k]; !ok || got != want {
				t.Errorf("%s: env %s = %q, want %q", svc.addr, k, got, want)
			}
		}
		if _, ok := plain["PORT"]; ok {
			t.Errorf("%s: sets PORT, which Cloud Run reserves", svc.addr)
		}
		if _, ok := plain["WORKGATE_DEV"]; ok {
			t.Errorf("%s: sets WORKGATE_DEV, the local development surface", svc.addr)
		}
		// A private function checks the invoker's token of each call
		// itself: it must know the audience its subscription or job puts
		// in the token (which Cloud Run's IAM must take too) and the
		// invoker's e-mail. A public one has no invoker.
		var wantAudiences []string
		wantPush := map[string]string{}
		if isPrivate(f) {
			wantAudiences = []string{invokerAudience(f)}
			wantPush["WORKGATE_PUSH_AUDIENCE"] = invokerAudience(f)
			wantPush["WORKGATE_PUSH_SERVICE_ACCOUNT"] = ref("google_service_account.invoker", "", "email")
		}
		gotPush := map[string]string{}
		for _, k := range []string{"WORKGATE_PUSH_AUDIENCE", "WORKGATE_PUSH_SERVICE_ACCOUNT"} {
			if v, ok := plain[k]; ok {
				gotPush[k] = v
			}
		}
		if diff := cmp.Diff(wantPush, gotPush); diff != "" {
			t.Errorf("%s: push env (-want +got):\n%s", svc.addr, diff)
		}
		if diff := cmp.Diff(wantAudiences, svc.strings(t, "custom_audiences")); diff != "" {
			t.Errorf("%s: custom_audiences (-want +got):\n%s", svc.addr, diff)
		}
		wantSecrets := map[string]string{}
		for _, s := range f.Secrets {
			wantSecrets[s] = ref("google_secret_manager_secret.secret", s, "secret_id")
		}
		if diff := cmp.Diff(wantSecrets, secrets); diff != "" {
			t.Errorf("%s: secret env (-want +got):\n%s", svc.addr, diff)
		}

		// The Cloud Run settings of the topology, its defaults where it
		// has none.
		wantStr(t, svc, "template.timeout", cloudRunSeconds(f.Timeout()))
		wantInt(t, svc, "template.max_instance_request_concurrency", f.MaxConcurrency())
		wantBool(t, svc, "template.session_affinity", f.SessionAffinity)

		// A push request lasts up to the ack deadline; the service must let it.
		timeout, err := time.ParseDuration(svc.str(t, "template.timeout"))
		if err != nil {
			t.Fatalf("%s: timeout: %v", svc.addr, err)
		}
		for _, s := range pushSubscriptions(top) {
			if s.Function == f.Name && timeout < time.Duration(s.AckDeadlineSeconds)*time.Second {
				t.Errorf("%s: timeout %s is shorter than subscription %s's ack deadline %ds", svc.addr, timeout, s.Name, s.AckDeadlineSeconds)
			}
		}

		// argon2id holds 19 MiB per hash; the hashes in flight, bounded
		// explicitly (0 would mean runtime.NumCPU), plus 64 MiB for the
		// rest must fit.
		limits, err := convert.Convert(svc.value(t, "template.containers.resources.limits"), cty.Map(cty.String))
		if err != nil {
			t.Fatalf("%s: limits: %v", svc.addr, err)
		}
		mem := strings.TrimSuffix(limits.Index(cty.StringVal("memory")).AsString(), "Mi")
		mib, err := strconv.Atoi(mem)
		if err != nil {
			t.Fatalf("%s: memory %q is not in Mi", svc.addr, mem)
		}
		hashes, err := strconv.Atoi(plain["WORKGATE_HASH_CONCURRENCY"])
		if err != nil || hashes < 1 {
			t.Errorf("%s: WORKGATE_HASH_CONCURRENCY = %q, want a bound of at least 1", svc.addr, plain["WORKGATE_HASH_CONCURRENCY"])
		}
		if hashes*19+64 > mib {
			t.Errorf("%s: %d concurrent argon2id hashes do not fit in %d MiB", svc.addr, hashes, mib)
		}
	}

	for _, f := range top.Deployed() {
		if isHTTP(f) {
			n := p.instance(t, "google_cloud_run_v2_service_iam_member.public", f.Name)
			wantStr(t, n, "member", "allUsers")
			wantStr(t, n, "role", "roles/run.invoker")
			wantStr(t, n, "name", ref("google_cloud_run_v2_service.function", f.Name, "name"))
		} else {
			n := p.instance(t, "google_cloud_run_v2_service_iam_member.invoker", f.Name)
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account.invoker", "", "email"))
			wantStr(t, n, "role", "roles/run.invoker")
			wantStr(t, n, "name", ref("google_cloud_run_v2_service.function", f.Name, "name"))
		}
	}
	// allUsers reaches public functions only.
	for addr, insts := range p.instances {
		if !strings.HasPrefix(addr, "google_cloud_run_v2_service_iam_member.") {
			continue
		}
		for key, n := range insts {
			if n.str(t, "member") == "allUsers" && !slices.Contains(deployed(top, isHTTP), key) {
				t.Errorf("%s: allUsers may invoke %s, which is not an HTTP function", n.addr, key)
			}
		}
	}
}

func checkIdentities(t *testing.T, p *tfPlan, top *Topology) {
	accountID := regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	ids := map[string]string{}
	for addr, insts := range p.instances {
		if !strings.HasPrefix(addr, "google_service_account.") {
			continue
		}
		for _, n := range insts {
			id := n.str(t, "account_id")
			if !accountID.MatchString(id) {
				t.Errorf("%s: account_id %q is not a valid service account ID (6-30 characters)", n.addr, id)
			}
			if other, dup := ids[id]; dup {
				t.Errorf("account_id %q used by %s and %s", id, other, n.addr)
			}
			ids[id] = n.addr
		}
	}

	for _, f := range top.Deployed() {
		n := p.instance(t, "google_project_iam_member.datastore_user", f.Name)
		wantStr(t, n, "role", "roles/datastore.user")
		wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account.function", f.Name, "email"))
		for _, topic := range f.Publishes {
			n := p.instance(t, "google_pubsub_topic_iam_member.publisher", f.Name+"/"+topic)
			wantStr(t, n, "topic", ref("google_pubsub_topic.topic", topic, "name"))
			wantStr(t, n, "role", "roles/pubsub.publisher")
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account.function", f.Name, "email"))
		}
		for _, s := range f.Secrets {
			n := p.instance(t, "google_secret_manager_secret_iam_member.accessor", f.Name+"/"+s)
			wantStr(t, n, "secret_id", ref("google_secret_manager_secret.secret", s, "secret_id"))
			wantStr(t, n, "role", "roles/secretmanager.secretAccessor")
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account.function", f.Name, "email"))
		}
	}
	for _, s := range secretEnvs(top) {
		wantStr(t, p.instance(t, "google_secret_manager_secret.secret", s), "secret_id", secretID(s))
	}
	// Project-wide roles are the widest grants: Firestore access, and
	// sending FCM messages for the functions that send pushes (FCM has no
	// narrower grant), through a role that may do that alone.
	pushRole := ref("google_project_iam_custom_role.push_sender", "", "id")
	for _, f := range top.Deployed() {
		if sendsPushes(f) {
			n := p.instance(t, "google_project_iam_member.push_sender", f.Name)
			wantStr(t, n, "role", pushRole)
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account.function", f.Name, "email"))
		}
	}
	role := p.instance(t, "google_project_iam_custom_role.push_sender", "")
	if diff := cmp.Diff([]string{"cloudmessaging.messages.create"}, role.strings(t, "permissions")); diff != "" {
		t.Errorf("%s: permissions (-want +got):\n%s", role.addr, diff)
	}
	for addr, insts := range p.instances {
		if strings.HasPrefix(addr, "google_project_iam_member.") {
			for _, n := range insts {
				if addr == "google_project_iam_member.push_sender" {
					wantStr(t, n, "role", pushRole)
				} else {
					wantStr(t, n, "role", "roles/datastore.user")
				}
			}
		}
	}
}

func checkPubSub(t *testing.T, p *tfPlan, top *Topology) {
	agent := "serviceAccount:service-" + ref("data.google_project.this", "", "number") + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	invoker := ref("google_service_account.invoker", "", "email")
	for _, s := range pushSubscriptions(top) {
		n := p.instance(t, "google_pubsub_subscription.push", s.Name)
		uri := ref("google_cloud_run_v2_service.function", s.Function, "uri")
		wantStr(t, n, "name", s.Name)
		wantStr(t, n, "topic", ref("google_pubsub_topic.topic", s.Topic, "id"))
		wantInt(t, n, "ack_deadline_seconds", s.AckDeadlineSeconds)
		wantStr(t, n, "push_config.push_endpoint", uri)
		wantStr(t, n, "push_config.oidc_token.service_account_email", invoker)
		fn, _ := top.Function(s.Function)
		wantStr(t, n, "push_config.oidc_token.audience", invokerAudience(fn))
		wantStr(t, n, "retry_policy.minimum_backoff", pubsubSeconds(s.Retry.MinimumBackoff))
		wantStr(t, n, "retry_policy.maximum_backoff", pubsubSeconds(s.Retry.MaximumBackoff))
		wantStr(t, n, "dead_letter_policy.dead_letter_topic", ref("google_pubsub_topic.topic", s.DeadLetter.Topic, "id"))
		wantInt(t, n, "dead_letter_policy.max_delivery_attempts", s.DeadLetter.MaxDeliveryAttempts)
		wantStr(t, n, "expiration_policy.ttl", "")

		sub := p.instance(t, "google_pubsub_subscription_iam_member.dead_letter_subscriber", s.Name)
		wantStr(t, sub, "subscription", ref("google_pubsub_subscription.push", s.Name, "name"))
		wantStr(t, sub, "role", "roles/pubsub.subscriber")
		wantStr(t, sub, "member", agent)
	}
	for _, topic := range deadLetterTopics(top) {
		n := p.instance(t, "google_pubsub_subscription.dead_letter", topic)
		wantStr(t, n, "topic", ref("google_pubsub_topic.topic", topic, "id"))
		wantStr(t, n, "expiration_policy.ttl", "")
		if len(n.blocks["push_config"]) != 0 {
			t.Errorf("%s: dead letters must wait in a pull subscription", n.addr)
		}
		pub := p.instance(t, "google_pubsub_topic_iam_member.dead_letter_publisher", topic)
		wantStr(t, pub, "topic", ref("google_pubsub_topic.topic", topic, "name"))
		wantStr(t, pub, "role", "roles/pubsub.publisher")
		wantStr(t, pub, "member", agent)
	}
	for _, topic := range topicNames(top) {
		wantStr(t, p.instance(t, "google_pubsub_topic.topic", topic), "name", topic)
	}
	names := map[string]string{}
	for addr, insts := range p.instances {
		if !strings.HasPrefix(addr, "google_pubsub_subscription.") {
			continue
		}
		for _, n := range insts {
			name := n.str(t, "name")
			if other, dup := names[name]; dup {
				t.Errorf("subscription name %q used by %s and %s", name, other, n.addr)
			}
			names[name] = n.addr
		}
	}
	tc := p.instance(t, "google_service_account_iam_member.pubsub_token_creator", "")
	wantStr(t, tc, "service_account_id", ref("google_service_account.invoker", "", "name"))
	wantStr(t, tc, "role", "roles/iam.serviceAccountTokenCreator")
	wantStr(t, tc, "member", agent)
}

func checkScheduler(t *testing.T, p *tfPlan, top *Topology) {
	for _, f := range top.Deployed() {
		if !isScheduled(f) {
			continue
		}
		n := p.instance(t, "google_cloud_scheduler_job.function", f.Name)
		uri := ref("google_cloud_run_v2_service.function", f.Name, "uri")
		wantStr(t, n, "schedule", f.Schedule)
		wantStr(t, n, "http_target.http_method", "POST")
		wantStr(t, n, "http_target.uri", uri)
		wantStr(t, n, "http_target.oidc_token.service_account_email", ref("google_service_account.invoker", "", "email"))
		wantStr(t, n, "http_target.oidc_token.audience", invokerAudience(f))
		// The job waits as long as the service lets the call run.
		wantStr(t, n, "attempt_deadline", cloudRunSeconds(f.Timeout()))
	}
}

func checkLoadBalancer(t *testing.T, p *tfPlan, top *Topology) {
	computeName := regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	for _, f := range top.Deployed() {
		if !isHTTP(f) {
			continue
		}
		neg := p.instance(t, "google_compute_region_network_endpoint_group.function", f.Name)
		wantStr(t, neg, "network_endpoint_type", "SERVERLESS")
		wantStr(t, neg, "region", "asia-northeast3")
		wantStr(t, neg, "cloud_run.service", ref("google_cloud_run_v2_service.function", f.Name, "name"))
		be := p.instance(t, "google_compute_backend_service.function", f.Name)
		wantStr(t, be, "load_balancing_scheme", "EXTERNAL_MANAGED")
		wantStr(t, be, "backend.group", ref("google_compute_region_network_endpoint_group.function", f.Name, "id"))
		// Google refuses a timeout on a backend service of serverless
		// NEGs; the Cloud Run service's timeout is what applies.
		if _, ok := be.attrs["timeout_sec"]; ok {
			t.Errorf("%s: sets timeout_sec, which a serverless NEG backend refuses", be.addr)
		}
		for _, n := range []*tfNode{neg, be} {
			if name := n.str(t, "name"); !computeName.MatchString(name) {
				t.Errorf("%s: name %q is not a valid Compute Engine name", n.addr, name)
			}
		}
	}

	def, rules := lbRoutes(top)
	backend := func(fn string) string { return ref("google_compute_backend_service.function", fn, "id") }
	um := p.instance(t, "google_compute_url_map.https", "")
	wantStr(t, um, "default_service", backend(def))
	pm := um.block(t, "path_matcher")
	wantStr(t, pm, "default_service", backend(def))
	wantStr(t, um, "host_rule.path_matcher", pm.str(t, "name"))
	want := map[string][]string{}
	for fn, paths := range rules {
		want[backend(fn)] = paths
	}
	got := map[string][]string{}
	for _, r := range pm.blocks["path_rule"] {
		got[r.str(t, "service")] = r.strings(t, "paths")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("path rules by backend (-want +got):\n%s", diff)
	}

	proxy := p.instance(t, "google_compute_target_https_proxy.https", "")
	wantStr(t, proxy, "url_map", ref("google_compute_url_map.https", "", "id"))
	if diff := cmp.Diff([]string{ref("google_compute_managed_ssl_certificate.https", "", "id")}, proxy.strings(t, "ssl_certificates")); diff != "" {
		t.Errorf("https proxy certificates (-want +got):\n%s", diff)
	}
	cert := p.instance(t, "google_compute_managed_ssl_certificate.https", "")
	if diff := cmp.Diff([]string{tfVars["domain"].AsString()}, cert.strings(t, "managed.domains")); diff != "" {
		t.Errorf("certificate domains (-want +got):\n%s", diff)
	}
	fr := p.instance(t, "google_compute_global_forwarding_rule.https", "")
	wantStr(t, fr, "port_range", "443")
	wantStr(t, fr, "target", ref("google_compute_target_https_proxy.https", "", "id"))
	wantStr(t, fr, "ip_address", ref("google_compute_global_address.lb", "", "id"))
	wantStr(t, fr, "load_balancing_scheme", "EXTERNAL_MANAGED")
}

func checkFirestore(t *testing.T, p *tfPlan, top *Topology) {
	db := p.instance(t, "google_firestore_database.default", "")
	wantStr(t, db, "name", "(default)")
	wantStr(t, db, "type", "FIRESTORE_NATIVE")
	wantStr(t, db, "location_id", "asia-northeast3")
	for _, ttl := range top.Firestore.TTL {
		n := p.instance(t, "google_firestore_field.ttl", ttl.CollectionGroup+"/"+ttl.Field)
		wantStr(t, n, "collection", ttl.CollectionGroup)
		wantStr(t, n, "field", ttl.Field)
		if len(n.blocks["ttl_config"]) != 1 || len(n.blocks["index_config"]) != 0 {
			t.Errorf("%s: want ttl_config {} and no index_config", n.addr)
		}
	}
	for i, key := range indexKeys(top) {
		idx := top.Firestore.Indexes[i]
		n := p.instance(t, "google_firestore_index.index", key)
		wantStr(t, n, "collection", idx.CollectionGroup)
		wantStr(t, n, "query_scope", queryScope(idx))
		var got []IndexField
		for _, f := range n.blocks["fields"] {
			got = append(got, IndexField{Path: f.str(t, "field_path"), Order: f.optStr(t, "order"), ArrayConfig: f.optStr(t, "array_config")})
		}
		if diff := cmp.Diff(idx.Fields, got); diff != "" {
			t.Errorf("%s fields (-want +got):\n%s", n.addr, diff)
		}
	}
}

func checkOutputs(t *testing.T, p *tfPlan, top *Topology) {
	want := map[string]string{}
	for _, name := range deployed(top, nil) {
		want[name] = ref("google_cloud_run_v2_service.function", name, "uri")
	}
	got := map[string]string{}
	uris := p.outputs["service_uris"]
	for it := uris.ElementIterator(); it.Next(); {
		k, v := it.Element()
		got[k.AsString()] = v.AsString()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output service_uris (-want +got):\n%s", diff)
	}
}

// What the Terraform must derive, worked out in Go from the topology.

// invokerAudience is the audience of the invoker's OIDC tokens for a
// private function: one per function, so that a token for one cannot call
// another, named like the local router's path of the function.
func invokerAudience(f Function) string {
	kind := "_schedule"
	if f.Topic != "" {
		kind = "_push"
	}
	return "https://" + tfVars["domain"].AsString() + "/" + kind + "/" + f.Name
}

func isHTTP(f Function) bool      { return len(f.HTTP) > 0 }
func isPrivate(f Function) bool   { return len(f.HTTP) == 0 }
func isScheduled(f Function) bool { return f.Schedule != "" }
func sendsPushes(f Function) bool { return f.SendsPushes }

// deployed names the deployed functions that match (all if match is nil).
func deployed(top *Topology, match func(Function) bool) []string {
	var out []string
	for _, f := range top.Deployed() {
		if match == nil || match(f) {
			out = append(out, f.Name)
		}
	}
	return out
}

func topicNames(top *Topology) []string {
	var out []string
	for _, tp := range top.Topics {
		out = append(out, tp.Name)
	}
	return out
}

// pushSubscriptions are the subscriptions of deployed functions.
func pushSubscriptions(top *Topology) []Subscription {
	var out []Subscription
	for _, s := range top.Subscriptions {
		if slices.Contains(deployed(top, nil), s.Function) {
			out = append(out, s)
		}
	}
	return out
}

func subscriptionNames(subs []Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.Name)
	}
	return out
}

func deadLetterTopics(top *Topology) []string {
	var out []string
	for _, s := range pushSubscriptions(top) {
		if !slices.Contains(out, s.DeadLetter.Topic) {
			out = append(out, s.DeadLetter.Topic)
		}
	}
	return out
}

func publisherGrants(top *Topology) []string {
	var out []string
	for _, f := range top.Deployed() {
		for _, tp := range f.Publishes {
			out = append(out, f.Name+"/"+tp)
		}
	}
	return out
}

func secretGrants(top *Topology) []string {
	var out []string
	for _, f := range top.Deployed() {
		for _, s := range f.Secrets {
			out = append(out, f.Name+"/"+s)
		}
	}
	return out
}

// secretEnvs are the secret env variables some deployed function reads.
func secretEnvs(top *Topology) []string {
	var out []string
	for _, f := range top.Deployed() {
		for _, s := range f.Secrets {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// secretID is the Secret Manager ID of a secret env variable.
func secretID(env string) string { return strings.ReplaceAll(strings.ToLower(env), "_", "-") }

func ttlKeys(top *Topology) []string {
	var out []string
	for _, t := range top.Firestore.TTL {
		out = append(out, t.CollectionGroup+"/"+t.Field)
	}
	return out
}

func indexKeys(top *Topology) []string {
	var out []string
	for _, idx := range top.Firestore.Indexes {
		parts := []string{idx.CollectionGroup, queryScope(idx)}
		for _, f := range idx.Fields {
			parts = append(parts, f.Path+":"+f.Order+f.ArrayConfig)
		}
		out = append(out, strings.Join(parts, "/"))
	}
	return out
}

// queryScope is an index's query scope, COLLECTION unless it says otherwise.
func queryScope(idx Index) string {
	if idx.QueryScope == "" {
		return "COLLECTION"
	}
	return idx.QueryScope
}

// pubsubSeconds is a duration as Pub/Sub writes it: seconds, then "s".
func pubsubSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// cloudRunSeconds is a duration as Cloud Run and Cloud Scheduler take it
// ("3600s").
func cloudRunSeconds(d time.Duration) string { return fmt.Sprintf("%ds", int(d.Seconds())) }

// routePath is a route as a URL map path: a route ending in "/" owns its
// subtree, any other route is that exact path.
func routePath(r string) string {
	if strings.HasSuffix(r, "/") {
		return r + "*"
	}
	return r
}

// lbRoutes is the URL map: the function owning "/" is the default service,
// and every other route of a deployed function is a path rule of it.
func lbRoutes(top *Topology) (def string, rules map[string][]string) {
	rules = map[string][]string{}
	for _, f := range top.Deployed() {
		for _, r := range f.HTTP {
			if r == "/" {
				def = f.Name
				continue
			}
			rules[f.Name] = append(rules[f.Name], routePath(r))
		}
	}
	return def, rules
}

// The module, parsed.

// tfModule is the parsed infra/terraform directory.
type tfModule struct {
	files     map[string]*hcl.File
	blocks    []*hclsyntax.Block // every top-level block
	locals    map[string]*hclsyntax.Attribute
	variables map[string]*hclsyntax.Block
	resources map[string]*hclsyntax.Block // "type.name"; data sources "data.type.name"
	outputs   map[string]*hclsyntax.Block
	// attrNames are all attribute names the module reads through a
	// reference; resource stubs answer every one of them.
	attrNames []string
}

func parseTerraform(tb testing.TB) *tfModule {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(tfDir, "*.tf"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no %s/*.tf (%v)", tfDir, err)
	}
	m := &tfModule{
		files:     map[string]*hcl.File{},
		locals:    map[string]*hclsyntax.Attribute{},
		variables: map[string]*hclsyntax.Block{},
		resources: map[string]*hclsyntax.Block{},
		outputs:   map[string]*hclsyntax.Block{},
	}
	attrs := map[string]bool{}
	parser := hclparse.NewParser()
	for _, name := range names {
		f, diags := parser.ParseHCLFile(name)
		if len(diags) > 0 {
			tb.Fatal(diags.Error())
		}
		m.files[name] = f
		body := f.Body.(*hclsyntax.Body)
		for _, b := range body.Blocks {
			m.blocks = append(m.blocks, b)
			var dst map[string]*hclsyntax.Block
			var key string
			switch b.Type {
			case "locals":
				for n, a := range b.Body.Attributes {
					if _, dup := m.locals[n]; dup {
						tb.Fatalf("local.%s declared twice", n)
					}
					m.locals[n] = a
				}
				continue
			case "variable":
				dst, key = m.variables, b.Labels[0]
			case "resource":
				dst, key = m.resources, b.Labels[0]+"."+b.Labels[1]
			case "data":
				dst, key = m.resources, "data."+b.Labels[0]+"."+b.Labels[1]
			case "output":
				dst, key = m.outputs, b.Labels[0]
			case "terraform", "provider":
				continue
			default:
				tb.Fatalf("%s: unexpected %s block", b.TypeRange, b.Type)
			}
			if _, dup := dst[key]; dup {
				tb.Fatalf("%s %s declared twice", b.Type, key)
			}
			dst[key] = b
		}
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			var tr hcl.Traversal
			switch e := n.(type) {
			case *hclsyntax.ScopeTraversalExpr:
				tr = e.Traversal
			case *hclsyntax.RelativeTraversalExpr:
				tr = e.Traversal
			}
			for _, step := range tr {
				if a, ok := step.(hcl.TraverseAttr); ok {
					attrs[a.Name] = true
				}
			}
			return nil
		})
	}
	m.attrNames = slices.Sorted(maps.Keys(attrs))
	return m
}

// source is an expression's text.
func (m *tfModule) source(e hcl.Expression) string {
	r := e.Range()
	return string(r.SliceBytes(m.files[r.Filename].Bytes))
}

func childBlocks(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// variableValues gives every variable its value: given, else its default,
// converted to its type; with validate, it also runs the validations.
func (m *tfModule) variableValues(tb testing.TB, given map[string]cty.Value, validate bool) map[string]cty.Value {
	tb.Helper()
	for name := range given {
		if _, ok := m.variables[name]; !ok {
			tb.Fatalf("a value is given for undeclared variable %q", name)
		}
	}
	vals := map[string]cty.Value{}
	for name, b := range m.variables {
		ty := cty.DynamicPseudoType
		if a, ok := b.Body.Attributes["type"]; ok {
			t, diags := typeexpr.TypeConstraint(a.Expr)
			if diags.HasErrors() {
				tb.Fatal(diags.Error())
			}
			ty = t
		}
		v, ok := given[name]
		if !ok {
			a, ok := b.Body.Attributes["default"]
			if !ok {
				tb.Fatalf("variable %q has no default: give it a value in tfVars", name)
			}
			v = eval(tb, "var."+name+" default", a.Expr, nil)
		}
		v, err := convert.Convert(v, ty)
		if err != nil {
			tb.Fatalf("var.%s: %v", name, err)
		}
		vals[name] = v
	}
	if validate {
		if err := m.validate(tb, vals); err != nil {
			tb.Fatal(err)
		}
	}
	return vals
}

// validate runs every variable's validation blocks.
func (m *tfModule) validate(tb testing.TB, vals map[string]cty.Value) error {
	tb.Helper()
	ctx := &hcl.EvalContext{Functions: tfFunctions(nil), Variables: map[string]cty.Value{"var": cty.ObjectVal(vals)}}
	var errs []error
	for name, b := range m.variables {
		for _, v := range childBlocks(b.Body, "validation") {
			if ok := eval(tb, "var."+name+" validation", v.Body.Attributes["condition"].Expr, ctx); !ok.True() {
				msg := eval(tb, "var."+name+" error_message", v.Body.Attributes["error_message"].Expr, ctx)
				errs = append(errs, fmt.Errorf("var.%s: %s", name, msg.AsString()))
			}
		}
	}
	return errors.Join(errs...)
}

// evalLocals evaluates the locals in dependency order into ctx's "local".
func (m *tfModule) evalLocals(tb testing.TB, ctx *hcl.EvalContext) map[string]cty.Value {
	tb.Helper()
	done := map[string]cty.Value{}
	ctx.Variables["local"] = cty.EmptyObjectVal
	for len(done) < len(m.locals) {
		progress := false
		for name, a := range m.locals {
			if _, ok := done[name]; ok {
				continue
			}
			ready := true
			for _, tr := range a.Expr.Variables() {
				if tr.RootName() != "local" || len(tr) < 2 {
					continue
				}
				if step, ok := tr[1].(hcl.TraverseAttr); ok {
					if _, ok := done[step.Name]; !ok {
						ready = false
					}
				}
			}
			if !ready {
				continue
			}
			done[name] = eval(tb, "local."+name, a.Expr, ctx)
			ctx.Variables["local"] = cty.ObjectVal(done)
			progress = true
		}
		if !progress {
			var pending []string
			for name := range m.locals {
				if _, ok := done[name]; !ok {
					pending = append(pending, name)
				}
			}
			tb.Fatalf("locals %v refer to each other in a cycle, or to an undeclared local", pending)
		}
	}
	return done
}

// The module, planned.

// tfPlan is the module evaluated for one topology.
type tfPlan struct {
	locals    map[string]cty.Value
	instances map[string]map[string]*tfNode // address → instance key ("" without for_each)
	outputs   map[string]cty.Value
}

// tfNode is one rendered body: its attribute values and nested blocks, with
// dynamic blocks expanded.
type tfNode struct {
	addr   string
	attrs  map[string]cty.Value
	blocks map[string][]*tfNode
}

// ref is what a reference to an attribute of a resource instance evaluates
// to in a plan; key "" is a resource without for_each.
func ref(addr, key, attr string) string {
	if key == "" {
		return addr + "." + attr
	}
	return fmt.Sprintf("%s[%q].%s", addr, key, attr)
}

func pathValue() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(tfDir),
		"root":   cty.StringVal(tfDir),
		"cwd":    cty.StringVal("."),
	})
}

func planTerraform(tb testing.TB, m *tfModule, doc []byte) *tfPlan {
	tb.Helper()
	ctx := &hcl.EvalContext{
		Functions: tfFunctions(doc),
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(m.variableValues(tb, tfVars, true)),
			"path": pathValue(),
		},
	}
	// Instances depend on locals only (for_each must be known at plan time),
	// so evaluate the locals with resources unknown, expand every for_each,
	// then evaluate again with every resource a stub.
	for addr := range m.resources {
		ctx.Variables[strings.Split(addr, ".")[0]] = cty.DynamicVal
	}
	m.evalLocals(tb, ctx)
	each := map[string]map[string]cty.Value{}
	for addr, b := range m.resources {
		each[addr] = forEach(tb, addr, b, ctx)
	}
	stubResources(m, ctx, each)

	p := &tfPlan{
		locals:    m.evalLocals(tb, ctx),
		instances: map[string]map[string]*tfNode{},
		outputs:   map[string]cty.Value{},
	}
	for addr, b := range m.resources {
		p.instances[addr] = map[string]*tfNode{}
		for key, val := range each[addr] {
			c, name := ctx, addr
			if key != "" {
				c = ctx.NewChild()
				c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": val})}
				name = fmt.Sprintf("%s[%q]", addr, key)
			}
			p.instances[addr][key] = render(tb, name, b.Body, c)
		}
	}
	for name, b := range m.outputs {
		p.outputs[name] = eval(tb, "output."+name, b.Body.Attributes["value"].Expr, ctx)
	}
	return p
}

// forEach expands a resource's for_each into instance key → each.value; a
// resource without one is the single instance "".
func forEach(tb testing.TB, addr string, b *hclsyntax.Block, ctx *hcl.EvalContext) map[string]cty.Value {
	tb.Helper()
	if _, ok := b.Body.Attributes["count"]; ok {
		tb.Fatalf("%s: use for_each over the topology, not count", addr)
	}
	a, ok := b.Body.Attributes["for_each"]
	if !ok {
		return map[string]cty.Value{"": cty.NilVal}
	}
	v := eval(tb, addr+".for_each", a.Expr, ctx)
	ty := v.Type()
	switch {
	case !v.IsWhollyKnown() || v.IsNull():
		tb.Fatalf("%s: for_each is not known at plan time", addr)
	case ty.IsSetType() && ty.ElementType() != cty.String:
		tb.Fatalf("%s: for_each over a set of %s, want strings", addr, ty.ElementType().FriendlyName())
	case !ty.IsSetType() && !ty.IsMapType() && !ty.IsObjectType():
		tb.Fatalf("%s: for_each over a %s, want a map or a set of strings", addr, ty.FriendlyName())
	}
	out := map[string]cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		out[k.AsString()] = val
	}
	return out
}

// stubResources binds every resource (and data source) name in ctx: each
// instance is an object whose attributes are their own ref strings.
func stubResources(m *tfModule, ctx *hcl.EvalContext, each map[string]map[string]cty.Value) {
	stub := func(addr, key string) cty.Value {
		attrs := map[string]cty.Value{}
		for _, a := range m.attrNames {
			attrs[a] = cty.StringVal(ref(addr, key, a))
		}
		return cty.ObjectVal(attrs)
	}
	roots := map[string]map[string]map[string]cty.Value{} // root → type → name (data), or root → "" → name
	for addr, keys := range each {
		parts := strings.Split(addr, ".")
		root, typ, name := parts[0], "", parts[1]
		if root == "data" {
			typ, name = parts[1], parts[2]
		}
		v := stub(addr, "")
		if _, single := keys[""]; !single {
			insts := map[string]cty.Value{}
			for key := range keys {
				insts[key] = stub(addr, key)
			}
			v = cty.ObjectVal(insts)
		}
		if roots[root] == nil {
			roots[root] = map[string]map[string]cty.Value{}
		}
		if roots[root][typ] == nil {
			roots[root][typ] = map[string]cty.Value{}
		}
		roots[root][typ][name] = v
	}
	for root, types := range roots {
		if root != "data" {
			ctx.Variables[root] = cty.ObjectVal(types[""])
			continue
		}
		data := map[string]cty.Value{}
		for typ, names := range types {
			data[typ] = cty.ObjectVal(names)
		}
		ctx.Variables[root] = cty.ObjectVal(data)
	}
}

// render evaluates a body as Terraform would for one instance: preconditions
// first, then attributes (meta-arguments aside), nested and dynamic blocks.
func render(tb testing.TB, addr string, body *hclsyntax.Body, ctx *hcl.EvalContext) *tfNode {
	tb.Helper()
	n := &tfNode{addr: addr, attrs: map[string]cty.Value{}, blocks: map[string][]*tfNode{}}
	for _, lc := range childBlocks(body, "lifecycle") {
		for _, pc := range childBlocks(lc.Body, "precondition") {
			if ok := eval(tb, addr+" precondition", pc.Body.Attributes["condition"].Expr, ctx); !ok.True() {
				msg := eval(tb, addr+" precondition message", pc.Body.Attributes["error_message"].Expr, ctx)
				tb.Fatalf("%s: precondition failed: %s", addr, msg.AsString())
			}
		}
	}
	for name, a := range body.Attributes {
		switch name {
		case "for_each", "count", "depends_on", "provider":
			continue
		}
		n.attrs[name] = eval(tb, addr+"."+name, a.Expr, ctx)
	}
	for _, b := range body.Blocks {
		switch b.Type {
		case "lifecycle":
		case "dynamic":
			label, iter := b.Labels[0], b.Labels[0]
			if a, ok := b.Body.Attributes["iterator"]; ok {
				iter = hcl.ExprAsKeyword(a.Expr)
			}
			content := childBlocks(b.Body, "content")
			if len(content) != 1 {
				tb.Fatalf("%s: dynamic %q needs one content block", addr, label)
			}
			coll := eval(tb, addr+" dynamic "+label+" for_each", b.Body.Attributes["for_each"].Expr, ctx)
			for it := coll.ElementIterator(); it.Next(); {
				k, v := it.Element()
				c := ctx.NewChild()
				c.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				n.blocks[label] = append(n.blocks[label], render(tb, addr+"."+label, content[0].Body, c))
			}
		default:
			n.blocks[b.Type] = append(n.blocks[b.Type], render(tb, addr+"."+b.Type, b.Body, ctx))
		}
	}
	return n
}

func eval(tb testing.TB, what string, e hcl.Expression, ctx *hcl.EvalContext) cty.Value {
	tb.Helper()
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		tb.Fatalf("%s: %s", what, diags.Error())
	}
	return v
}

func (p *tfPlan) instance(tb testing.TB, addr, key string) *tfNode {
	tb.Helper()
	n, ok := p.instances[addr][key]
	if !ok {
		if key != "" {
			addr = fmt.Sprintf("%s[%q]", addr, key)
		}
		tb.Fatalf("no instance %s", addr)
	}
	return n
}

// block is the one nested block at a dotted path ("template.containers").
func (n *tfNode) block(tb testing.TB, path string) *tfNode {
	tb.Helper()
	cur := n
	for _, typ := range strings.Split(path, ".") {
		bs := cur.blocks[typ]
		if len(bs) != 1 {
			tb.Fatalf("%s: %d %s blocks, want 1", cur.addr, len(bs), typ)
		}
		cur = bs[0]
	}
	return cur
}

// value is the attribute at a dotted path of blocks ending in its name.
func (n *tfNode) value(tb testing.TB, path string) cty.Value {
	tb.Helper()
	cur, name := n, path
	if i := strings.LastIndex(path, "."); i >= 0 {
		cur, name = n.block(tb, path[:i]), path[i+1:]
	}
	v, ok := cur.attrs[name]
	if !ok {
		tb.Fatalf("%s: no attribute %s", cur.addr, name)
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		tb.Fatalf("%s: %s is unknown or null", cur.addr, name)
	}
	return v
}

func (n *tfNode) str(tb testing.TB, path string) string {
	tb.Helper()
	v, err := convert.Convert(n.value(tb, path), cty.String)
	if err != nil {
		tb.Fatalf("%s: %s: %v", n.addr, path, err)
	}
	return v.AsString()
}

// optStr is str for an attribute that may be null ("").
func (n *tfNode) optStr(tb testing.TB, path string) string {
	tb.Helper()
	if v, ok := n.attrs[path]; ok && v.IsKnown() && v.IsNull() {
		return ""
	}
	return n.str(tb, path)
}

func (n *tfNode) int(tb testing.TB, path string) int64 {
	tb.Helper()
	v, err := convert.Convert(n.value(tb, path), cty.Number)
	if err != nil {
		tb.Fatalf("%s: %s: %v", n.addr, path, err)
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		tb.Fatalf("%s: %s = %s is not an integer", n.addr, path, v.AsBigFloat())
	}
	return i
}

func (n *tfNode) strings(tb testing.TB, path string) []string {
	tb.Helper()
	v, err := convert.Convert(n.value(tb, path), cty.List(cty.String))
	if err != nil {
		tb.Fatalf("%s: %s: %v", n.addr, path, err)
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		out = append(out, e.AsString())
	}
	return out
}

func wantStr(tb testing.TB, n *tfNode, path, want string) {
	tb.Helper()
	if got := n.str(tb, path); got != want {
		tb.Errorf("%s: %s = %q, want %q", n.addr, path, got, want)
	}
}

func wantBool(tb testing.TB, n *tfNode, path string, want bool) {
	tb.Helper()
	v, err := convert.Convert(n.value(tb, path), cty.Bool)
	if err != nil {
		tb.Fatalf("%s: %s: %v", n.addr, path, err)
	}
	if got := v.True(); got != want {
		tb.Errorf("%s: %s = %v, want %v", n.addr, path, got, want)
	}
}

func wantInt(tb testing.TB, n *tfNode, path string, want int) {
	tb.Helper()
	if got := n.int(tb, path); got != int64(want) {
		tb.Errorf("%s: %s = %d, want %d", n.addr, path, got, want)
	}
}

// envOf splits a container's env into plain values and secret references.
func envOf(tb testing.TB, container *tfNode) (plain, secrets map[string]string) {
	tb.Helper()
	plain, secrets = map[string]string{}, map[string]string{}
	for _, e := range container.blocks["env"] {
		name := e.str(tb, "name")
		if _, dup := plain[name]; dup {
			tb.Errorf("%s: env %s set twice", container.addr, name)
		}
		if _, dup := secrets[name]; dup {
			tb.Errorf("%s: env %s set twice", container.addr, name)
		}
		if len(e.blocks["value_source"]) > 0 {
			secrets[name] = e.str(tb, "value_source.secret_key_ref.secret")
			continue
		}
		plain[name] = e.str(tb, "value")
	}
	return plain, secrets
}

// Terraform's functions, as far as the module uses them.

// tfFunctions is Terraform's function table: go-cty's stdlib under Terraform's
// names, tryfunc's try and can, and the functions Terraform implements itself
// re-implemented below. file reads only ../topology.yaml and answers doc.
func tfFunctions(doc []byte) map[string]function.Function {
	return map[string]function.Function{
		"can":        tryfunc.CanFunc,
		"ceil":       stdlib.CeilFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"endswith":   endsWithFunc,
		"file":       fileFunc(doc),
		"flatten":    stdlib.FlattenFunc,
		"format":     stdlib.FormatFunc,
		"formatdate": stdlib.FormatDateFunc,
		"join":       stdlib.JoinFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"one":        oneFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    stdlib.ReplaceFunc,
		"split":      stdlib.SplitFunc,
		"substr":     stdlib.SubstrFunc,
		"sum":        sumFunc,
		"timeadd":    stdlib.TimeAddFunc,
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"try":        tryfunc.TryFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
		"yamldecode": yamlDecodeFunc,
	}
}

var endsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "suffix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasSuffix(args[0].AsString(), args[1].AsString())), nil
	},
})

// oneFunc is Terraform's one: the only element, null if none, an error if more.
var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.CanIterateElements() {
			return cty.NilVal, errors.New("must be a list, set or tuple")
		}
		switch n := v.LengthInt(); n {
		case 0:
			return cty.NullVal(cty.DynamicPseudoType), nil
		case 1:
			return v.AsValueSlice()[0], nil
		default:
			return cty.NilVal, fmt.Errorf("must have at most one element, has %d", n)
		}
	},
})

var sumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.CanIterateElements() || v.LengthInt() == 0 {
			return cty.NilVal, errors.New("needs a non-empty list of numbers")
		}
		total := cty.Zero
		for _, e := range v.AsValueSlice() {
			n, err := convert.Convert(e, cty.Number)
			if err != nil || n.IsNull() {
				return cty.NilVal, fmt.Errorf("%#v is not a number", e)
			}
			total = total.Add(n)
		}
		return total, nil
	},
})

func fileFunc(doc []byte) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if p := filepath.Clean(args[0].AsString()); p != "topology.yaml" {
				return cty.NilVal, fmt.Errorf("the module may read infra/topology.yaml only, not %s", p)
			}
			return cty.StringVal(string(doc)), nil
		},
	})
}

var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(args[0].AsString()), &n); err != nil {
			return cty.NilVal, err
		}
		return yamlToCty(&n)
	},
})

// yamlToCty converts YAML as Terraform's yamldecode does: mappings become
// objects, sequences tuples, scalars strings, numbers, bools or null by tag.
func yamlToCty(n *yaml.Node) (cty.Value, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return yamlToCty(n.Content[0])
	case yaml.AliasNode:
		return yamlToCty(n.Alias)
	case yaml.SequenceNode:
		vals := []cty.Value{}
		for _, c := range n.Content {
			v, err := yamlToCty(c)
			if err != nil {
				return cty.NilVal, err
			}
			vals = append(vals, v)
		}
		return cty.TupleVal(vals), nil
	case yaml.MappingNode:
		attrs := map[string]cty.Value{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlToCty(n.Content[i+1])
			if err != nil {
				return cty.NilVal, err
			}
			attrs[n.Content[i].Value] = v
		}
		return cty.ObjectVal(attrs), nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return cty.NullVal(cty.DynamicPseudoType), nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return cty.NilVal, err
			}
			return cty.BoolVal(b), nil
		case "!!int", "!!float":
			return cty.ParseNumberVal(n.Value)
		default:
			return cty.StringVal(n.Value), nil
		}
	}
	return cty.NilVal, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

package infra

// infra/terraform is checked by Terraform itself. `make infra-check` builds
// Terraform and a stand-in of the hashicorp/google provider that serves the
// provider's real schema (infra/tfstub) into bin/; these tests then plan the
// module for a topology, with no network and no credentials, and compare
// what the plan creates with what the topology declares
// (terraform_schema_test.go checks every argument against the schema).
//
// The stand-in plans every resource as configured, and gives each
// read-only string a value naming its resource type, instance and
// attribute: the uri of Cloud Run service events plans as
// "google_cloud_run_v2_service(events).uri" (see ref), so the tests see
// what is wired to what.
//
// Without the tools the tests skip, saying so; when make infra-check runs
// them (WORKGATE_INFRA_CHECK=1) a missing tool fails them.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/config"
)

// tfDir is the Terraform root module, relative to this package.
const tfDir = "terraform"

// tfVars are the variable values of a test plan, but secret_versions
// (secretVersions).
var tfVars = map[string]string{
	"project_id": "workgate-test",
	"image":      "asia-northeast3-docker.pkg.dev/workgate-test/workgate/workgate@sha256:" + strings.Repeat("0", 64),
	"domain":     "workgate.example.com",
	"mail_from":  "no-reply@workgate.example.com",
}

// secretVersions pins each secret of a topology to a version of its own
// (1, 2, … in order of first use), so that a secret wired to another's
// version shows.
func secretVersions(top *Topology) map[string]string {
	out := map[string]string{}
	for i, env := range secretEnvs(top) {
		out[env] = strconv.Itoa(i + 1)
	}
	return out
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

// TestTerraformPlan plans the module for each topology and checks every
// planned instance against the topology.
func TestTerraformPlan(t *testing.T) {
	tools := terraformTools(t)
	for name, doc := range topologyDocs(t) {
		t.Run(name, func(t *testing.T) {
			top, err := Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			p := tools.plan(t, doc)
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
// and sends a device back to the instance of its previous stream; the
// short request paths keep 60s, no affinity and their concurrency.
func TestTerraformEventsService(t *testing.T) {
	tools := terraformTools(t)
	doc, err := os.ReadFile("topology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := tools.plan(t, doc)

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
	if conns := cfg.FirestoreConnections; conns*100 < c+10 {
		t.Errorf("%s: %d Firestore connections for %d streams (about 100 per connection)", svc.addr, conns, c)
	}
	// Request-based billing: a stream is a request, so it has CPU.
	wantBool(t, svc, "template.containers.resources.cpu_idle", true)

	var rule *tfNode
	for _, r := range p.instance(t, "google_compute_url_map.https", "").blocks(t, "path_matcher.path_rule") {
		if slices.Contains(r.strings(t, "paths"), "/v1/me/events") {
			rule = &r
		}
	}
	if rule == nil {
		t.Fatal("no path rule for /v1/me/events")
	}
	wantStr(t, *rule, "service", ref("google_compute_backend_service", "workgate-events", "id"))
	wantStr(t, p.instance(t, "google_compute_backend_service.function", "events"), "backend.group",
		ref("google_compute_region_network_endpoint_group", "workgate-events", "id"))

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

// TestTerraformVariableValidation: values a plan must refuse, each for
// the reason it gives.
func TestTerraformVariableValidation(t *testing.T) {
	tools := terraformTools(t)
	doc, err := os.ReadFile("topology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := tools.workdir(t, doc, top)
	versions := secretVersions(top)
	someSecret := secretEnvs(top)[0]
	cases := []struct {
		name, variable, value, want string
	}{
		{"image without registry", "image", "workgate:latest", "full reference"},
		{"image without tag or digest", "image", "gcr.io/p/workgate", "full reference"},
		{"domain with scheme", "domain", "https://api.example.com", "bare host name"},
		{"public_url http", "public_url", "http://workgate.example.com", "https URL"},
		{"mail_from without @", "mail_from", "workgate", "e-mail address"},
		{"secret version latest", "secret_versions", jsonString(t, merged(versions, someSecret, "latest")), "not an alias"},
		{"secret without a version", "secret_versions", jsonString(t, merged(versions, someSecret, "")), "must pin a version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tools.output(dir, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false",
				"-var", tc.variable+"="+tc.value)
			if err == nil {
				t.Fatalf("%s = %s: plan passed", tc.variable, tc.value)
			}
			if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), tc.want) {
				t.Errorf("%s = %s: plan failed, but not with %q:\n%s", tc.variable, tc.value, tc.want, out)
			}
		})
	}
}

// merged is m with key set to value, or removed if value is "".
func merged(m map[string]string, key, value string) map[string]string {
	out := maps.Clone(m)
	out[key] = value
	if value == "" {
		delete(out, key)
	}
	return out
}

func jsonString(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
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
	versions := secretVersions(top)
	for _, f := range top.Deployed() {
		svc := p.instance(t, "google_cloud_run_v2_service.function", f.Name)
		wantStr(t, svc, "name", f.Name)
		// Public functions through the load balancer only; the others
		// from Pub/Sub push and Cloud Scheduler only, which are internal.
		ingress := "INGRESS_TRAFFIC_INTERNAL_ONLY"
		if isHTTP(f) {
			ingress = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
		}
		wantStr(t, svc, "ingress", ingress)
		wantStr(t, svc, "template.service_account", ref("google_service_account", "fn-"+f.Name, "email"))
		container := svc.block(t, "template.containers")
		wantStr(t, container, "image", tfVars["image"])

		// Cloud Run waits for /_ready before it sends a request, and
		// restarts an instance whose /_live fails, both on the port
		// the server listens on.
		port := container.int(t, "ports.container_port")
		for probe, path := range map[string]string{"startup_probe": "/_ready", "liveness_probe": "/_live"} {
			wantStr(t, container, probe+".http_get.path", path)
			wantInt(t, container, probe+".http_get.port", port)
			if period, timeout := container.int(t, probe+".period_seconds"), container.int(t, probe+".timeout_seconds"); timeout > period {
				t.Errorf("%s: %s times out after %ds, past its period of %ds", svc.addr, probe, timeout, period)
			}
		}

		plain, secrets := envOf(t, container)
		for k, want := range map[string]string{
			"FUNCTION_TARGET":      f.Name,
			"GOOGLE_CLOUD_PROJECT": tfVars["project_id"],
			"PUBLIC_URL":           "https://" + tfVars["domain"],
			"WORKGATE_MAIL_FROM":   tfVars["mail_from"],
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
			wantPush["WORKGATE_PUSH_SERVICE_ACCOUNT"] = ref("google_service_account", "wg-invoker", "email")
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
		if diff := cmp.Diff(wantAudiences, svc.optStrings(t, "custom_audiences")); diff != "" {
			t.Errorf("%s: custom_audiences (-want +got):\n%s", svc.addr, diff)
		}
		// Each secret at the version pinned for it, never "latest".
		wantSecrets := map[string]string{}
		for _, s := range f.Secrets {
			wantSecrets[s] = secretID(s) + "@" + versions[s]
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
		mem := strings.TrimSuffix(container.str(t, "resources.limits.memory"), "Mi")
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
			wantStr(t, n, "name", f.Name)
		} else {
			n := p.instance(t, "google_cloud_run_v2_service_iam_member.invoker", f.Name)
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account", "wg-invoker", "email"))
			wantStr(t, n, "role", "roles/run.invoker")
			wantStr(t, n, "name", f.Name)
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
		sa := "serviceAccount:" + ref("google_service_account", "fn-"+f.Name, "email")
		n := p.instance(t, "google_project_iam_member.datastore_user", f.Name)
		wantStr(t, n, "role", "roles/datastore.user")
		wantStr(t, n, "member", sa)
		for _, topic := range f.Publishes {
			n := p.instance(t, "google_pubsub_topic_iam_member.publisher", f.Name+"/"+topic)
			wantStr(t, n, "topic", topic)
			wantStr(t, n, "role", "roles/pubsub.publisher")
			wantStr(t, n, "member", sa)
		}
		for _, s := range f.Secrets {
			n := p.instance(t, "google_secret_manager_secret_iam_member.accessor", f.Name+"/"+s)
			wantStr(t, n, "secret_id", secretID(s))
			wantStr(t, n, "role", "roles/secretmanager.secretAccessor")
			wantStr(t, n, "member", sa)
		}
	}
	for _, s := range secretEnvs(top) {
		wantStr(t, p.instance(t, "google_secret_manager_secret.secret", s), "secret_id", secretID(s))
	}
	// Project-wide roles are the widest grants: Firestore access, and
	// sending FCM messages for the functions that send pushes (FCM has no
	// narrower grant), through a role that may do that alone.
	role := p.instance(t, "google_project_iam_custom_role.push_sender", "")
	pushRole := ref("google_project_iam_custom_role", role.str(t, "role_id"), "id")
	for _, f := range top.Deployed() {
		if sendsPushes(f) {
			n := p.instance(t, "google_project_iam_member.push_sender", f.Name)
			wantStr(t, n, "role", pushRole)
			wantStr(t, n, "member", "serviceAccount:"+ref("google_service_account", "fn-"+f.Name, "email"))
		}
	}
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
	agent := "serviceAccount:service-" + ref("google_project", tfVars["project_id"], "number") + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	invoker := ref("google_service_account", "wg-invoker", "email")
	for _, s := range pushSubscriptions(top) {
		n := p.instance(t, "google_pubsub_subscription.push", s.Name)
		wantStr(t, n, "name", s.Name)
		wantStr(t, n, "topic", ref("google_pubsub_topic", s.Topic, "id"))
		wantInt(t, n, "ack_deadline_seconds", s.AckDeadlineSeconds)
		wantStr(t, n, "push_config.push_endpoint", ref("google_cloud_run_v2_service", s.Function, "uri"))
		wantStr(t, n, "push_config.oidc_token.service_account_email", invoker)
		fn, _ := top.Function(s.Function)
		wantStr(t, n, "push_config.oidc_token.audience", invokerAudience(fn))
		wantStr(t, n, "retry_policy.minimum_backoff", pubsubSeconds(s.Retry.MinimumBackoff))
		wantStr(t, n, "retry_policy.maximum_backoff", pubsubSeconds(s.Retry.MaximumBackoff))
		wantStr(t, n, "dead_letter_policy.dead_letter_topic", ref("google_pubsub_topic", s.DeadLetter.Topic, "id"))
		wantInt(t, n, "dead_letter_policy.max_delivery_attempts", s.DeadLetter.MaxDeliveryAttempts)
		wantStr(t, n, "expiration_policy.ttl", "")

		sub := p.instance(t, "google_pubsub_subscription_iam_member.dead_letter_subscriber", s.Name)
		wantStr(t, sub, "subscription", s.Name)
		wantStr(t, sub, "role", "roles/pubsub.subscriber")
		wantStr(t, sub, "member", agent)
	}
	for _, topic := range deadLetterTopics(top) {
		n := p.instance(t, "google_pubsub_subscription.dead_letter", topic)
		wantStr(t, n, "topic", ref("google_pubsub_topic", topic, "id"))
		wantStr(t, n, "expiration_policy.ttl", "")
		if len(n.optBlocks("push_config")) != 0 {
			t.Errorf("%s: dead letters must wait in a pull subscription", n.addr)
		}
		pub := p.instance(t, "google_pubsub_topic_iam_member.dead_letter_publisher", topic)
		wantStr(t, pub, "topic", topic)
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
	wantStr(t, tc, "service_account_id", ref("google_service_account", "wg-invoker", "name"))
	wantStr(t, tc, "role", "roles/iam.serviceAccountTokenCreator")
	wantStr(t, tc, "member", agent)
}

func checkScheduler(t *testing.T, p *tfPlan, top *Topology) {
	for _, f := range top.Deployed() {
		if !isScheduled(f) {
			continue
		}
		n := p.instance(t, "google_cloud_scheduler_job.function", f.Name)
		wantStr(t, n, "schedule", f.Schedule)
		wantStr(t, n, "http_target.http_method", "POST")
		wantStr(t, n, "http_target.uri", ref("google_cloud_run_v2_service", f.Name, "uri"))
		wantStr(t, n, "http_target.oidc_token.service_account_email", ref("google_service_account", "wg-invoker", "email"))
		wantStr(t, n, "http_target.oidc_token.audience", invokerAudience(f))
		// The job waits as long as the service lets the call run.
		wantStr(t, n, "attempt_deadline", cloudRunSeconds(f.Timeout()))
	}
}

func checkLoadBalancer(t *testing.T, p *tfPlan, top *Topology) {
	computeName := regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	backend := func(fn string) string { return ref("google_compute_backend_service", "workgate-"+fn, "id") }
	for _, f := range top.Deployed() {
		if !isHTTP(f) {
			continue
		}
		neg := p.instance(t, "google_compute_region_network_endpoint_group.function", f.Name)
		wantStr(t, neg, "network_endpoint_type", "SERVERLESS")
		wantStr(t, neg, "region", "asia-northeast3")
		wantStr(t, neg, "cloud_run.service", f.Name)
		be := p.instance(t, "google_compute_backend_service.function", f.Name)
		wantStr(t, be, "load_balancing_scheme", "EXTERNAL_MANAGED")
		wantStr(t, be, "backend.group", ref("google_compute_region_network_endpoint_group", neg.str(t, "name"), "id"))
		if got := ref("google_compute_backend_service", be.str(t, "name"), "id"); got != backend(f.Name) {
			t.Errorf("%s: named %q, want workgate-%s", be.addr, be.str(t, "name"), f.Name)
		}
		for _, n := range []tfNode{neg, be} {
			if name := n.str(t, "name"); !computeName.MatchString(name) {
				t.Errorf("%s: name %q is not a valid Compute Engine name", n.addr, name)
			}
		}
	}

	def, rules := lbRoutes(top)
	um := p.instance(t, "google_compute_url_map.https", "")
	wantStr(t, um, "default_service", backend(def))
	pm := um.block(t, "path_matcher")
	wantStr(t, pm, "default_service", backend(def))
	wantStr(t, um, "host_rule.path_matcher", pm.str(t, "name"))
	// paths is a set: its order is not the topology's.
	want := map[string][]string{}
	for fn, paths := range rules {
		want[backend(fn)] = slices.Sorted(slices.Values(paths))
	}
	got := map[string][]string{}
	for _, r := range pm.optBlocks("path_rule") {
		got[r.str(t, "service")] = slices.Sorted(slices.Values(r.strings(t, "paths")))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("path rules by backend (-want +got):\n%s", diff)
	}

	proxy := p.instance(t, "google_compute_target_https_proxy.https", "")
	wantStr(t, proxy, "url_map", ref("google_compute_url_map", um.str(t, "name"), "id"))
	cert := p.instance(t, "google_compute_managed_ssl_certificate.https", "")
	if diff := cmp.Diff([]string{ref("google_compute_managed_ssl_certificate", cert.str(t, "name"), "id")}, proxy.strings(t, "ssl_certificates")); diff != "" {
		t.Errorf("https proxy certificates (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{tfVars["domain"]}, cert.strings(t, "managed.domains")); diff != "" {
		t.Errorf("certificate domains (-want +got):\n%s", diff)
	}
	addr := p.instance(t, "google_compute_global_address.lb", "")
	fr := p.instance(t, "google_compute_global_forwarding_rule.https", "")
	wantStr(t, fr, "port_range", "443")
	wantStr(t, fr, "target", ref("google_compute_target_https_proxy", proxy.str(t, "name"), "id"))
	wantStr(t, fr, "ip_address", ref("google_compute_global_address", addr.str(t, "name"), "id"))
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
		if len(n.optBlocks("ttl_config")) != 1 || len(n.optBlocks("index_config")) != 0 {
			t.Errorf("%s: want ttl_config {} and no index_config", n.addr)
		}
	}
	for i, key := range indexKeys(top) {
		idx := top.Firestore.Indexes[i]
		n := p.instance(t, "google_firestore_index.index", key)
		wantStr(t, n, "collection", idx.CollectionGroup)
		wantStr(t, n, "query_scope", queryScope(idx))
		var got []IndexField
		for _, f := range n.blocks(t, "fields") {
			got = append(got, IndexField{Path: f.str(t, "field_path"), Order: f.optStr("order"), ArrayConfig: f.optStr("array_config")})
		}
		if diff := cmp.Diff(idx.Fields, got); diff != "" {
			t.Errorf("%s fields (-want +got):\n%s", n.addr, diff)
		}
	}
}

func checkOutputs(t *testing.T, p *tfPlan, top *Topology) {
	want := map[string]any{}
	for _, name := range deployed(top, nil) {
		want[name] = ref("google_cloud_run_v2_service", name, "uri")
	}
	if diff := cmp.Diff(want, p.outputs["service_uris"]); diff != "" {
		t.Errorf("output service_uris (-want +got):\n%s", diff)
	}
}

// What the Terraform must derive, worked out in Go from the topology.

// ref is the value the google provider stand-in plans for a read-only
// string attribute of a resource: its type, the name (or account_id,
// secret_id, role_id, project_id) it is configured with, and the
// attribute.
func ref(typ, name, attr string) string { return fmt.Sprintf("%s(%s).%s", typ, name, attr) }

// invokerAudience is the audience of the invoker's OIDC tokens for a
// private function: one per function, so that a token for one cannot call
// another, named like the local router's path of the function.
func invokerAudience(f Function) string {
	kind := "_schedule"
	if f.Topic != "" {
		kind = "_push"
	}
	return "https://" + tfVars["domain"] + "/" + kind + "/" + f.Name
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

// Terraform, run.

// tfTools are Terraform and the CLI configuration that makes it take the
// google provider stand-in from bin/, both made by make infra-check.
type tfTools struct{ terraform, cliConfig string }

func terraformTools(tb testing.TB) tfTools {
	tb.Helper()
	// make infra-check says where it built them; by hand, bin/.
	bin := os.Getenv("WORKGATE_TOOLS_BIN")
	if bin == "" {
		var err error
		if bin, err = filepath.Abs(filepath.Join("..", "bin")); err != nil {
			tb.Fatal(err)
		}
	}
	tools := tfTools{terraform: filepath.Join(bin, "terraform"), cliConfig: filepath.Join(bin, "terraform.tfrc")}
	var missing []string
	for _, p := range []string{tools.terraform, tools.cliConfig} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if p, _ := filepath.Glob(filepath.Join(bin, "terraform-plugins", "registry.terraform.io", "hashicorp", "google", "*", "*", "terraform-provider-google_*")); len(p) == 0 {
		missing = append(missing, "the google provider stand-in in "+filepath.Join(bin, "terraform-plugins"))
	}
	if len(missing) > 0 {
		msg := "no " + strings.Join(missing, ", ") + ": make infra-check builds them, then runs these tests"
		if os.Getenv("WORKGATE_INFRA_CHECK") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return tools
}

// output runs terraform in dir, offline, and returns what it printed.
func (tt tfTools) output(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(tt.terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+tt.cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (tt tfTools) run(tb testing.TB, dir string, args ...string) []byte {
	tb.Helper()
	out, err := tt.output(dir, args...)
	if err != nil {
		// A failed plan prints the whole plan before its errors.
		if i := bytes.Index(out, []byte("\nError: ")); i >= 0 {
			out = out[i+1:]
		}
		tb.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// workdir lays out a copy of infra/terraform beside a topology document,
// where the module reads it (../topology.yaml), with a local backend for
// the GCS one and the test's variable values, and initializes it.
func (tt tfTools) workdir(tb testing.TB, doc []byte, top *Topology) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "terraform")
	if err := os.Mkdir(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(tfDir, "*.tf"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no %s/*.tf (%v)", tfDir, err)
	}
	vars := map[string]any{"secret_versions": secretVersions(top)}
	for k, v := range tfVars {
		vars[k] = v
	}
	write := map[string][]byte{
		"../topology.yaml":      doc,
		"backend_override.tf":   []byte("terraform {\n  backend \"local\" {}\n}\n"),
		"terraform.tfvars.json": []byte(jsonString(tb, vars)),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		write[filepath.Base(f)] = b
	}
	for name, b := range write {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	tt.run(tb, dir, "init", "-input=false", "-no-color")
	return dir
}

// tfPlan is what a plan makes: each resource's instances by key ("" for a
// resource without for_each), and the outputs.
type tfPlan struct {
	instances map[string]map[string]tfNode
	outputs   map[string]any
}

var plans struct {
	sync.Mutex
	byDoc map[string]*tfPlan
}

// plan plans the module for a topology document, once per document.
func (tt tfTools) plan(tb testing.TB, doc []byte) *tfPlan {
	tb.Helper()
	plans.Lock()
	defer plans.Unlock()
	if p, ok := plans.byDoc[string(doc)]; ok {
		return p
	}
	top, err := Parse(doc)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tt.workdir(tb, doc, top)
	tt.run(tb, dir, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=plan.bin")
	var shown struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value any `json:"value"`
			} `json:"outputs"`
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Mode    string         `json:"mode"`
					Type    string         `json:"type"`
					Name    string         `json:"name"`
					Index   any            `json:"index"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(tt.run(tb, dir, "show", "-json", "plan.bin"), &shown); err != nil {
		tb.Fatal(err)
	}
	p := &tfPlan{instances: map[string]map[string]tfNode{}, outputs: map[string]any{}}
	for _, r := range shown.PlannedValues.RootModule.Resources {
		if r.Mode != "managed" {
			continue
		}
		addr := r.Type + "." + r.Name
		key, _ := r.Index.(string)
		if p.instances[addr] == nil {
			p.instances[addr] = map[string]tfNode{}
		}
		p.instances[addr][key] = tfNode{addr: r.Address, v: r.Values}
	}
	for name, o := range shown.PlannedValues.Outputs {
		p.outputs[name] = o.Value
	}
	if plans.byDoc == nil {
		plans.byDoc = map[string]*tfPlan{}
	}
	plans.byDoc[string(doc)] = p
	return p
}

func (p *tfPlan) instance(tb testing.TB, addr, key string) tfNode {
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

// tfNode is the planned value of a resource instance or of a nested block.
type tfNode struct {
	addr string
	v    map[string]any
}

// get is the value at a dotted path ("template.containers.image"): a step
// into a block of at most one item (a list of one) takes that item.
func (n tfNode) get(path string) (any, bool) {
	var cur any = n.v
	for _, step := range strings.Split(path, ".") {
		if l, ok := cur.([]any); ok && len(l) == 1 {
			cur = l[0]
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[step]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

func (n tfNode) value(tb testing.TB, path string) any {
	tb.Helper()
	v, ok := n.get(path)
	if !ok {
		tb.Fatalf("%s: no %s", n.addr, path)
	}
	return v
}

func (n tfNode) str(tb testing.TB, path string) string {
	tb.Helper()
	s, ok := n.value(tb, path).(string)
	if !ok {
		tb.Fatalf("%s: %s = %v is not a string", n.addr, path, n.value(tb, path))
	}
	return s
}

// optStr is str for an attribute that may be null ("").
func (n tfNode) optStr(path string) string {
	s, _ := n.get(path)
	str, _ := s.(string)
	return str
}

func (n tfNode) int(tb testing.TB, path string) int {
	tb.Helper()
	f, ok := n.value(tb, path).(float64)
	if !ok || f != float64(int(f)) {
		tb.Fatalf("%s: %s = %v is not an integer", n.addr, path, n.value(tb, path))
	}
	return int(f)
}

func (n tfNode) strings(tb testing.TB, path string) []string {
	tb.Helper()
	l, ok := n.value(tb, path).([]any)
	if !ok {
		tb.Fatalf("%s: %s is not a list", n.addr, path)
	}
	var out []string
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			tb.Fatalf("%s: %s has %v, not a string", n.addr, path, e)
		}
		out = append(out, s)
	}
	return out
}

// optStrings is strings for a list that may be null (nil).
func (n tfNode) optStrings(tb testing.TB, path string) []string {
	tb.Helper()
	if _, ok := n.get(path); !ok {
		return nil
	}
	return n.strings(tb, path)
}

// optBlocks are the blocks of a type directly in n, maybe none.
func (n tfNode) optBlocks(typ string) []tfNode {
	l, _ := n.v[typ].([]any)
	var out []tfNode
	for i, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, tfNode{addr: fmt.Sprintf("%s.%s[%d]", n.addr, typ, i), v: m})
		}
	}
	return out
}

// blocks are the blocks at a dotted path, at least one.
func (n tfNode) blocks(tb testing.TB, path string) []tfNode {
	tb.Helper()
	parent, typ := n, path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, typ = n.block(tb, path[:i]), path[i+1:]
	}
	out := parent.optBlocks(typ)
	if len(out) == 0 {
		tb.Fatalf("%s: no %s block", parent.addr, typ)
	}
	return out
}

// block is the one block at a dotted path ("template.containers").
func (n tfNode) block(tb testing.TB, path string) tfNode {
	tb.Helper()
	cur := n
	for _, typ := range strings.Split(path, ".") {
		bs := cur.optBlocks(typ)
		if len(bs) != 1 {
			tb.Fatalf("%s: %d %s blocks, want 1", cur.addr, len(bs), typ)
		}
		cur = bs[0]
	}
	return cur
}

func wantStr(tb testing.TB, n tfNode, path, want string) {
	tb.Helper()
	if got := n.str(tb, path); got != want {
		tb.Errorf("%s: %s = %q, want %q", n.addr, path, got, want)
	}
}

func wantBool(tb testing.TB, n tfNode, path string, want bool) {
	tb.Helper()
	got, ok := n.value(tb, path).(bool)
	if !ok {
		tb.Fatalf("%s: %s is not a bool", n.addr, path)
	}
	if got != want {
		tb.Errorf("%s: %s = %v, want %v", n.addr, path, got, want)
	}
}

func wantInt(tb testing.TB, n tfNode, path string, want int) {
	tb.Helper()
	if got := n.int(tb, path); got != want {
		tb.Errorf("%s: %s = %d, want %d", n.addr, path, got, want)
	}
}

// envOf splits a container's env into plain values and secret references
// (secret ID@version).
func envOf(tb testing.TB, container tfNode) (plain, secrets map[string]string) {
	tb.Helper()
	plain, secrets = map[string]string{}, map[string]string{}
	for _, e := range container.optBlocks("env") {
		name := e.str(tb, "name")
		if _, dup := plain[name]; dup {
			tb.Errorf("%s: env %s set twice", container.addr, name)
		}
		if _, dup := secrets[name]; dup {
			tb.Errorf("%s: env %s set twice", container.addr, name)
		}
		if len(e.optBlocks("value_source")) > 0 {
			secrets[name] = e.str(tb, "value_source.secret_key_ref.secret") + "@" + e.str(tb, "value_source.secret_key_ref.version")
			continue
		}
		plain[name] = e.str(tb, "value")
	}
	return plain, secrets
}

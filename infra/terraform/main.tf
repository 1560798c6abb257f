# workgate in production, derived from infra/topology.yaml. Every function,
# topic, subscription, schedule, route, secret and TTL policy below comes from
# a for_each over the topology, so a function added there gets its service,
# identity, grants and route here with no edit to this file.
# make infra-check keeps it so: Terraform validates this module against the
# google provider's schema and plans it offline, and infra/terraform_test.go
# checks the plan against the topology. Run it after changing either.
#
# First apply, in a fresh project:
#   1. terraform apply -target=google_secret_manager_secret.secret ...
#      then give each secret a value (Terraform never holds secret values):
#        printf %s "$KEY" | gcloud secrets versions add workgate-seal-key --data-file=-
#      A *-previous secret (workgate-jwt-key-previous, …) gets the same value
#      as its key: no rotation under way. workgate-id-key never rotates; a
#      project deployed before it existed gives it workgate-mac-key's value.
#      Then write each secret's version number into var.secret_versions
#      (a tfvars file kept with the deployment, e.g. secrets.auto.tfvars:
#      secret_versions = {WORKGATE_SEAL_KEY = "1", …}).
#   2. terraform apply -var project_id=… -var image=…@sha256:… -var domain=… -var mail_from=…
#
# Secret versions are pinned, never "latest": a revision reads exactly the
# versions the apply that made it names, so a value added to Secret Manager
# reaches no instance until an apply says so, an instance that starts late
# (scaling out, a restart) reads what its siblings read, and going back to
# the previous revision goes back to its secrets too.
# To rotate a secret: add the new value as a new version
# (gcloud secrets versions add …), set its number in var.secret_versions and
# apply: a new revision of every function that reads it rolls out. Disable
# the old version once no revision serving traffic names it.
# To rotate a key that has a *-previous secret (tokens, sealed mails and
# codes made with the old key must stay readable): first add the new key as
# a version of the -previous secret and apply, so every function accepts
# it; then add the new key as a version of the key's secret and the old key
# as a version of the -previous, and apply again; an hour later the
# -previous may take the new key's value (one more apply).
#   3. point the domain's A record at the load_balancer_ip output.
# Whoever applies needs Owner, or enough to enable APIs, grant IAM and act as
# the service accounts below (iam.serviceAccounts.actAs).

locals {
  topology = yamldecode(file("${path.module}/../topology.yaml"))

  # Deployed functions by name, absent keys filled in. A dev: true function
  # exists only locally (WORKGATE_DEV=1) and is never deployed.
  functions = {
    for f in local.topology.functions : f.name => {
      description = try(f.description, "")
      http        = try(f.http, [])
      topic       = try(f.topic, null)
      schedule    = try(f.schedule, null)
      publishes   = try(f.publishes, [])
      # Cloud Run settings, the defaults those of a short request: the
      # same as infra.DefaultTimeoutSeconds and infra.DefaultConcurrency
      # (the test compares them).
      timeout_seconds  = try(f.timeoutSeconds, 60)
      concurrency      = try(f.concurrency, 80)
      session_affinity = try(f.sessionAffinity, false)
      # Sends mobile pushes through FCM (the push job).
      sends_pushes = try(f.sendsPushes, false)
      # Secret env variable → Secret Manager secret ID:
      # WORKGATE_SEAL_KEY → workgate-seal-key, unless var.secret_ids says otherwise.
      secrets = {
        for s in try(f.secrets, []) : s => lookup(var.secret_ids, s, replace(lower(s), "_", "-"))
      }
    } if !try(f.dev, false)
  }

  # HTTP functions are public, behind the load balancer. The others are called
  # only by Pub/Sub push or Cloud Scheduler, with the invoker's OIDC token.
  http_functions      = { for name, f in local.functions : name => f if length(f.http) > 0 }
  private_functions   = { for name, f in local.functions : name => f if length(f.http) == 0 }
  scheduled_functions = { for name, f in local.functions : name => f if f.schedule != null }

  # Every secret a deployed function reads: env variable → secret ID.
  secrets = merge([for f in values(local.functions) : f.secrets]...)

  # Least privilege: a function may publish only to the topics it declares,
  # and read only the secrets it declares.
  publisher_grants = {
    for g in flatten([
      for name, f in local.functions : [for t in f.publishes : { function = name, topic = t }]
    ]) : "${g.function}/${g.topic}" => g
  }
  secret_grants = {
    for g in flatten([
      for name, f in local.functions : [for env, id in f.secrets : { function = name, env = env }]
    ]) : "${g.function}/${g.env}" => g
  }

  # The functions that send FCM messages, each granted the push sender
  # role below.
  push_senders = { for name, f in local.functions : name => f if f.sends_pushes }

  topics = toset([for t in local.topology.topics : t.name])

  # Push subscriptions, for the deployed functions only (a dev function has no
  # service to push to).
  subscriptions = {
    for s in local.topology.subscriptions : s.name => {
      topic                 = s.topic
      function              = s.function
      ack_deadline_seconds  = s.ackDeadlineSeconds
      minimum_backoff       = local.seconds[s.retry.minimumBackoff]
      maximum_backoff       = local.seconds[s.retry.maximumBackoff]
      dead_letter_topic     = s.deadLetter.topic
      max_delivery_attempts = s.deadLetter.maxDeliveryAttempts
    } if contains(keys(local.functions), s.function)
  }

  # Pub/Sub wants durations in seconds ("60s"); the topology has Go durations
  # ("2s", "1m0s", "10m"). Terraform has no duration parser, but timeadd uses
  # Go's, and the time of day at epoch + d is d (Pub/Sub backoffs are at most
  # 600s). Fractions of a second are dropped; the test would notice one.
  seconds = {
    for d in distinct(flatten([
      for s in local.topology.subscriptions : [s.retry.minimumBackoff, s.retry.maximumBackoff]
    ])) :
    d => format("%ds", sum([
      for i, n in split(":", formatdate("hh:mm:ss", timeadd("1970-01-01T00:00:00Z", d))) :
      tonumber(n) * [3600, 60, 1][i]
    ]))
  }

  # Pub/Sub drops what is published to a topic nobody subscribes to, so each
  # dead-letter topic gets a pull subscription that keeps its messages.
  dead_letter_topics = toset([for s in values(local.subscriptions) : s.dead_letter_topic])

  # Pub/Sub's service agent: it mints the push OIDC tokens and moves messages
  # to dead-letter topics, so it gets exactly the grants for that.
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  ttl_fields = {
    for t in try(local.topology.firestore.ttl, []) : "${t.collectionGroup}/${t.field}" => t
  }
  indexes = {
    for i in try(local.topology.firestore.indexes, []) :
    join("/", concat(
      [i.collectionGroup, try(i.queryScope, "COLLECTION")],
      [for f in i.fields : "${f.path}:${try(f.order, f.arrayConfig)}"],
    )) => i
  }

  # The load balancer routes as the local router does: a route ending in "/"
  # owns its subtree ("/verify-email/" → "/verify-email/*"), any other route is
  # that exact path, and "/" is the URL map's default service, not a rule.
  paths = {
    for name, f in local.http_functions :
    name => [for r in f.http : (endswith(r, "/") ? "${r}*" : r) if r != "/"]
  }
  path_rules       = { for name, p in local.paths : name => p if length(p) > 0 }
  default_function = one([for name, f in local.http_functions : name if contains(f.http, "/")])

  public_url = var.public_url != "" ? var.public_url : "https://${var.domain}"

  # The audience of the invoker's OIDC tokens, per private function: its
  # subscription or Scheduler job puts it in each token, Cloud Run's IAM
  # takes it (custom_audiences), and the function checks it itself, with
  # the invoker's e-mail, so a call is refused even if the service were
  # opened by mistake (WORKGATE_PUSH_AUDIENCE, WORKGATE_PUSH_SERVICE_ACCOUNT).
  # One per function: a token meant for one cannot call another. It names
  # the function, like the local router's paths, and is not an address
  # anything answers at; it cannot be the service's own URI, which the
  # service's settings would then depend on.
  invoker_audiences = {
    for name, f in local.private_functions :
    name => "${local.public_url}/${f.topic != null ? "_push" : "_schedule"}/${name}"
  }

  # Each argon2id hash holds 19 MiB while it runs, and is pure CPU work: one
  # at a time per vCPU (WORKGATE_HASH_CONCURRENCY, set here so the bound does
  # not rest on what runtime.NumCPU reports) keeps hashing memory at 19 MiB
  # per vCPU, whatever the request concurrency. 512 MiB then leaves ample
  # room for the ~30 MiB process; GOMEMLIMIT makes the GC work harder before
  # the instance would be killed.
  # The port the server listens on (PORT) and the probes call.
  container_port = 8080

  cpu              = 1
  memory           = "512Mi"
  go_memory_limit  = "450MiB"
  hash_concurrency = local.cpu
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_project_service" "api" {
  for_each = toset([
    "run.googleapis.com",
    "pubsub.googleapis.com",
    "firestore.googleapis.com",
    "cloudscheduler.googleapis.com",
    "secretmanager.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    # Project IAM bindings and the project lookup go through it.
    "cloudresourcemanager.googleapis.com",
    # Firebase Cloud Messaging's HTTP v1 API: the push job's mobile pushes.
    "fcm.googleapis.com",
  ])
  project = var.project_id
  service = each.key
  # Other things in the project may use them too.
  disable_on_destroy = false
}

# ---------------------------------------------------------------------------
# Identities: one service account per function, holding only what its
# topology entry declares.

resource "google_service_account" "function" {
  for_each = local.functions
  project  = var.project_id
  # "fn-" keeps function accounts apart from wg-invoker; IDs are at most 30
  # characters, so function names at most 27.
  account_id   = "fn-${each.key}"
  display_name = "workgate ${each.key}"
  description  = substr(each.value.description, 0, 256)
  depends_on   = [google_project_service.api]
}

# Every function keeps its state in Firestore.
resource "google_project_iam_member" "datastore_user" {
  for_each = local.functions
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

# FCM has no per-resource IAM: sending is a project permission. No
# predefined role is as narrow as sending (roles/firebasecloudmessaging.admin
# also manages the project's FCM settings), so a role of its own holds
# exactly cloudmessaging.messages.create, and only the functions that send
# pushes get it.
resource "google_project_iam_custom_role" "push_sender" {
  project     = var.project_id
  role_id     = "workgatePushSender"
  title       = "workgate push sender"
  description = "Sends FCM messages (messages:send), nothing else."
  permissions = ["cloudmessaging.messages.create"]
  depends_on  = [google_project_service.api]
}

resource "google_project_iam_member" "push_sender" {
  for_each = local.push_senders
  project  = var.project_id
  role     = google_project_iam_custom_role.push_sender.id
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.publisher_grants
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.value.topic].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each  = local.secret_grants
  project   = var.project_id
  secret_id = google_secret_manager_secret.secret[each.value.env].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

# The identity of Pub/Sub push and Cloud Scheduler requests: it may invoke the
# private functions and nothing else.
resource "google_service_account" "invoker" {
  project      = var.project_id
  account_id   = "wg-invoker"
  display_name = "workgate push and scheduler invoker"
  depends_on   = [google_project_service.api]
}

resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# ---------------------------------------------------------------------------
# Secrets: Terraform makes the secrets, never their values (the state would
# hold them); see the first-apply steps at the top.

resource "google_secret_manager_secret" "secret" {
  for_each  = local.secrets
  project   = var.project_id
  secret_id = each.value

  replication {
    auto {}
  }

  depends_on = [google_project_service.api]
}

# ---------------------------------------------------------------------------
# Firestore

resource "google_firestore_database" "default" {
  project     = var.project_id
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
  # The data outlives any apply: refuse deletion, and leave the database in
  # place should it ever leave this file.
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"
  depends_on              = [google_project_service.api]
}

# TTL policies only; index_config stays unset so the field keeps the default
# single-field indexes.
resource "google_firestore_field" "ttl" {
  for_each   = local.ttl_fields
  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.field

  ttl_config {}
}

resource "google_firestore_index" "index" {
  for_each    = local.indexes
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.path
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

# ---------------------------------------------------------------------------
# Pub/Sub

resource "google_pubsub_topic" "topic" {
  for_each   = local.topics
  project    = var.project_id
  name       = each.key
  depends_on = [google_project_service.api]
}

resource "google_pubsub_subscription" "push" {
  for_each             = local.subscriptions
  project              = var.project_id
  name                 = each.key
  topic                = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds = each.value.ack_deadline_seconds

  push_config {
    push_endpoint = google_cloud_run_v2_service.function[each.value.function].uri
    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.invoker_audiences[each.value.function]
    }
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.topic[each.value.dead_letter_topic].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  # The default expires a subscription after 31 idle days; a quiet one must
  # keep working.
  expiration_policy {
    ttl = ""
  }

  # Pushes fail until the agent may mint the token and the invoker may call.
  depends_on = [
    google_service_account_iam_member.pubsub_token_creator,
    google_cloud_run_v2_service_iam_member.invoker,
  ]
}

# Dead letters wait here, for a week, to be read and replayed by hand.
resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = local.dead_letter_topics
  project                    = var.project_id
  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.key].id
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering is done by Pub/Sub's agent: it publishes to the dead-letter
# topic and acknowledges on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.key].name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = local.subscriptions
  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# ---------------------------------------------------------------------------
# Cloud Run: one service per function, all running the same image;
# FUNCTION_TARGET picks the function.

resource "google_cloud_run_v2_service" "function" {
  for_each = local.functions
  project  = var.project_id
  name     = each.key
  location = var.region
  # Public functions take traffic only through the load balancer, so nothing
  # bypasses its routing on run.app. Private ones are called only by Pub/Sub
  # push and Cloud Scheduler of this project, which Cloud Run counts as
  # internal: the internet cannot reach them at all, and IAM (run.invoker
  # for the invoker account only) and the token's audience gate the rest.
  ingress = length(each.value.http) > 0 ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_INTERNAL_ONLY"
  # The service holds no state: removing a function from the topology must
  # remove its service.
  deletion_protection = false
  # The invoker's tokens name the function's audience (private functions).
  custom_audiences = [for name, audience in local.invoker_audiences : audience if name == each.key]

  template {
    service_account = google_service_account.function[each.key].email
    # From the topology: a short request path keeps 60s and 80 requests
    # per instance; a stream (events) gets Cloud Run's longest request and
    # many per instance, on a service of its own so that it never holds
    # the instances of the short paths.
    timeout                          = "${each.value.timeout_seconds}s"
    max_instance_request_concurrency = each.value.concurrency
    # A cookie that sends a client back to the same instance, best effort.
    session_affinity = each.value.session_affinity

    scaling {
      min_instance_count = 0
      max_instance_count = var.max_instances
    }

    containers {
      image = var.image

      ports {
        container_port = local.container_port
      }

      # No request reaches an instance before /_ready answers 200, and an
      # instance whose /_live stops answering is restarted. Both are plain
      # HTTP GETs on the serving port; the server answers them itself, with
      # no authentication and no call to Firestore or Pub/Sub (a slow
      # dependency must not restart every instance at once).
      # Startup: every 2s, for up to 30s.
      startup_probe {
        period_seconds    = 2
        timeout_seconds   = 1
        failure_threshold = 15
        http_get {
          path = "/_ready"
          port = local.container_port
        }
      }
      # Liveness: restarted after 3 misses in a row, 30s; a 3s answer is
      # late, not dead (an instance busy hashing or streaming).
      liveness_probe {
        period_seconds    = 10
        timeout_seconds   = 3
        failure_threshold = 3
        http_get {
          path = "/_live"
          port = local.container_port
        }
      }

      resources {
        limits = {
          cpu    = tostring(local.cpu)
          memory = local.memory
        }
        # CPU only while a request runs: handlers finish their publishes
        # before answering, so nothing needs it in between. An open
        # stream is a request that runs, so its instance has CPU for as
        # long as any stream is open there (request-based billing).
        cpu_idle          = true
        startup_cpu_boost = true
      }

      env {
        name  = "FUNCTION_TARGET"
        value = each.key
      }
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "PUBLIC_URL"
        value = local.public_url
      }
      env {
        name  = "WORKGATE_MAIL_FROM"
        value = var.mail_from
      }
      env {
        name  = "WORKGATE_HASH_CONCURRENCY"
        value = tostring(local.hash_concurrency)
      }
      # The external Application Load Balancer appends the client's address
      # and its own to X-Forwarded-For; ingress lets nothing else in. Rate
      # limits count the first of those two.
      env {
        name  = "WORKGATE_TRUSTED_PROXY_HOPS"
        value = "2"
      }
      env {
        name  = "GOMEMLIMIT"
        value = local.go_memory_limit
      }
      # A gRPC connection to Firestore carries about 100 concurrent
      # streams, and each live stream holds a listener: one connection per
      # 90 concurrent requests (the events service: 12).
      env {
        name  = "WORKGATE_FIRESTORE_CONNECTIONS"
        value = tostring(max(1, ceil(each.value.concurrency / 90)))
      }
      # A private function checks each call's token itself: whose, and for
      # which audience (see local.invoker_audiences).
      dynamic "env" {
        for_each = {
          for name, value in {
            WORKGATE_PUSH_AUDIENCE        = lookup(local.invoker_audiences, each.key, "")
            WORKGATE_PUSH_SERVICE_ACCOUNT = google_service_account.invoker.email
          } : name => value if contains(keys(local.invoker_audiences), each.key)
        }
        content {
          name  = env.key
          value = env.value
        }
      }
      # Read at instance start, at the version var.secret_versions pins
      # (see the rotation steps at the top).
      dynamic "env" {
        for_each = each.value.secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.secret[env.key].secret_id
              version = var.secret_versions[env.key]
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for env in keys(each.value.secrets) : contains(keys(var.secret_versions), env)])
      error_message = "var.secret_versions must pin a version of each secret function ${each.key} reads: ${join(", ", keys(each.value.secrets))}."
    }
  }

  # A revision that cannot read its secrets never becomes ready.
  depends_on = [
    google_project_service.api,
    google_secret_manager_secret_iam_member.accessor,
  ]
}

# Public through the load balancer only (ingress above).
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = local.http_functions
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.function[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = local.private_functions
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.function[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.invoker.email}"
}

# ---------------------------------------------------------------------------
# Cloud Scheduler

resource "google_cloud_scheduler_job" "function" {
  for_each  = local.scheduled_functions
  project   = var.project_id
  region    = var.region
  name      = each.key
  schedule  = each.value.schedule
  time_zone = "Etc/UTC"
  # As long as the service lets a request run. Scheduler does not retry by
  # default: a scheduled function catches up on its next tick.
  attempt_deadline = "${each.value.timeout_seconds}s"

  http_target {
    http_method = "POST"
    uri         = google_cloud_run_v2_service.function[each.key].uri
    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.invoker_audiences[each.key]
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}

# ---------------------------------------------------------------------------
# The load balancer: one HTTPS front for every HTTP function, routed by path.

resource "google_compute_region_network_endpoint_group" "function" {
  for_each              = local.http_functions
  project               = var.project_id
  name                  = "workgate-${each.key}"
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = google_cloud_run_v2_service.function[each.key].name
  }
}

# No timeout_sec here: a backend service of serverless NEGs refuses one
# ("Timeout sec is not supported for a backend service with Serverless
# network endpoint groups"). What bounds a request through the load
# balancer is its Cloud Run service's timeout (template.timeout above):
# 3600s for the event stream, 60s for the rest.
resource "google_compute_backend_service" "function" {
  for_each              = local.http_functions
  project               = var.project_id
  name                  = "workgate-${each.key}"
  load_balancing_scheme = "EXTERNAL_MANAGED"

  backend {
    group = google_compute_region_network_endpoint_group.function[each.key].id
  }
}

resource "google_compute_url_map" "https" {
  project         = var.project_id
  name            = "workgate"
  default_service = google_compute_backend_service.function[local.default_function].id

  host_rule {
    hosts        = ["*"]
    path_matcher = "routes"
  }

  path_matcher {
    name            = "routes"
    default_service = google_compute_backend_service.function[local.default_function].id

    dynamic "path_rule" {
      for_each = local.path_rules
      content {
        paths   = path_rule.value
        service = google_compute_backend_service.function[path_rule.key].id
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.default_function != null
      error_message = "infra/topology.yaml: some deployed HTTP function must own the route \"/\"; it is the load balancer's default service."
    }
  }
}

resource "google_compute_managed_ssl_certificate" "https" {
  project = var.project_id
  name    = "workgate"

  managed {
    domains = [var.domain]
  }
}

resource "google_compute_target_https_proxy" "https" {
  project          = var.project_id
  name             = "workgate"
  url_map          = google_compute_url_map.https.id
  ssl_certificates = [google_compute_managed_ssl_certificate.https.id]
}

resource "google_compute_global_address" "lb" {
  project    = var.project_id
  name       = "workgate"
  depends_on = [google_project_service.api]
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = var.project_id
  name                  = "workgate-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  target                = google_compute_target_https_proxy.https.id
  ip_address            = google_compute_global_address.lb.id
  port_range            = "443"
}

# Plain HTTP on the same address only redirects to HTTPS.
resource "google_compute_url_map" "http" {
  project = var.project_id
  name    = "workgate-http"

  default_url_redirect {
    https_redirect = true
    strip_query    = false
  }
}

resource "google_compute_target_http_proxy" "http" {
  project = var.project_id
  name    = "workgate-http"
  url_map = google_compute_url_map.http.id
}

resource "google_compute_global_forwarding_rule" "http" {
  project               = var.project_id
  name                  = "workgate-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  target                = google_compute_target_http_proxy.http.id
  ip_address            = google_compute_global_address.lb.id
  port_range            = "80"
}

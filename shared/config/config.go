// Package config reads workgate's configuration from the environment into
// typed structs, with defaults and validation, once at start-up.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/workgate/workgate/shared/auth"
)

// Config is the configuration every function reads. Each field names its
// environment variable and default; README.md lists them.
type Config struct {
	// Project is the Google Cloud project (one Firestore database, one set of
	// topics). Locally each test uses its own project to isolate its data.
	Project string `env:"GOOGLE_CLOUD_PROJECT" default:"demo-workgate"`
	// Dev turns on the local development surface (/_dev/clock, dev keys,
	// the dev operator key, pushes taken without a token). Never set in
	// production: dev mode refuses to start on Cloud Run (CloudRunService
	// set) or with a PUBLIC_URL that is not a loopback address.
	Dev bool `env:"WORKGATE_DEV"`
	// CloudRunService is the Cloud Run service this instance belongs to;
	// Cloud Run sets it. Read only to refuse dev mode there.
	CloudRunService string `env:"K_SERVICE"`
	// PublicURL is the base of every link in e-mails and pages.
	PublicURL string `env:"PUBLIC_URL" default:"http://127.0.0.1:8080"`
	// AppURL is where mails send people to open workgate and log in (the
	// web client or the download page); empty means PublicURL + "/app/",
	// the web app that the web function serves.
	AppURL string `env:"WORKGATE_APP_URL"`
	// Port is where the function listens (Cloud Run sets it).
	Port string `env:"PORT" default:"8080"`

	// MailFrom and MailFromName are the sender of every e-mail.
	MailFrom     string `env:"WORKGATE_MAIL_FROM" default:"no-reply@workgate.example"`
	MailFromName string `env:"WORKGATE_MAIL_FROM_NAME" default:"workgate"`
	// SendGridURL is the SendGrid API base: the real API in production, the
	// local mail sink otherwise.
	SendGridURL string `env:"SENDGRID_API_URL" default:"https://api.sendgrid.com"`
	// SendGridKey is the SendGrid API key (a secret).
	SendGridKey string `env:"SENDGRID_API_KEY"`

	// FCMURL is the base of Firebase Cloud Messaging's HTTP v1 API, which
	// mobile pushes go through (F19): the real service in production, the
	// local push sink otherwise. Outside dev mode the push function calls it
	// with its service account's credentials (application default
	// credentials); in dev mode with a dummy token, as nothing calls FCM.
	FCMURL string `env:"WORKGATE_FCM_URL" default:"https://fcm.googleapis.com/"`
	// FCMProject is the Firebase project pushes are sent as (the project
	// the mobile apps are registered in); empty means Project.
	FCMProject string `env:"WORKGATE_FCM_PROJECT"`

	// JWTKey is the Ed25519 signing key for access tokens (a secret: base64
	// seed or PKCS#8 PEM). In dev mode a key is generated into KeyDir.
	JWTKey string `env:"WORKGATE_JWT_KEY"`
	// SealKey is the AES-256 key sealing secrets inside events (a secret,
	// base64). In dev mode a key is generated into KeyDir.
	SealKey string `env:"WORKGATE_SEAL_KEY"`
	// MACKey keys the MACs of short secrets (login codes, match codes,
	// poll tokens), which a plain hash would not protect against brute
	// force (a secret, base64 of at least 32 bytes). In dev mode a key is
	// generated into KeyDir.
	MACKey string `env:"WORKGATE_MAC_KEY"`
	// JWTKeyPrevious, SealKeyPrevious and MACKeyPrevious are the keys the
	// last rotation of JWTKey, SealKey and MACKey replaced (secrets, in the
	// same forms; optional, and equal to the current key when no rotation
	// is under way). What they signed, sealed or MACed is still accepted,
	// so a rotation logs nobody out and voids no mail or code in flight;
	// the JWKS lists both signing keys; new values use the current key.
	// To rotate with no moment in which one instance makes what another
	// cannot check yet: deploy the new key here first, then swap the two;
	// the old one can go after an hour (access tokens live 15 minutes,
	// codes and approvals minutes, queued mails less than an hour).
	JWTKeyPrevious  string `env:"WORKGATE_JWT_KEY_PREVIOUS"`
	SealKeyPrevious string `env:"WORKGATE_SEAL_KEY_PREVIOUS"`
	MACKeyPrevious  string `env:"WORKGATE_MAC_KEY_PREVIOUS"`
	// IDKey derives what must never change (a secret, base64 of at least
	// 32 bytes): the IDs of self rooms, direct rooms and messages, so an ID
	// tells nobody who talks, and the MACs of recovery keys, which live
	// until used. It is never rotated: a new one would fork every self and
	// direct room and void every recovery key. A deployment made before it
	// existed derived those with MACKey: give it MACKey's value once, then
	// MACKey can rotate. In dev mode a key is generated into KeyDir.
	IDKey string `env:"WORKGATE_ID_KEY"`
	// OperatorKey authenticates the platform operators' API (F17, a
	// secret). In dev mode it defaults to DevOperatorKey.
	OperatorKey string `env:"WORKGATE_OPERATOR_KEY"`
	// KeyDir holds the generated dev keys (git-ignored). Dev mode only.
	KeyDir string `env:"WORKGATE_KEY_DIR" default:".workgate/keys"`

	// PushAudience is the audience of the OIDC tokens that Pub/Sub push
	// and Cloud Scheduler send with each call to a function they trigger
	// (the audience their subscription or job names; Terraform sets it per
	// function). Outside dev mode such a function refuses to start without
	// it, and refuses every call whose token is not for it.
	PushAudience string `env:"WORKGATE_PUSH_AUDIENCE"`
	// PushServiceAccount is the e-mail of the service account those
	// tokens are minted for (the invoker); a call with another account's
	// token is refused. Required with PushAudience.
	PushServiceAccount string `env:"WORKGATE_PUSH_SERVICE_ACCOUNT"`

	// HashConcurrency bounds concurrent argon2id hashes (19 MiB each);
	// 0 means one per CPU.
	HashConcurrency int `env:"WORKGATE_HASH_CONCURRENCY"`
	// PublishTimeout bounds the immediate publish after a commit; what it
	// does not publish stays in the outbox for the relay.
	PublishTimeout time.Duration `env:"WORKGATE_PUBLISH_TIMEOUT" default:"2s"`
	// OutboxGrace is how old an outbox event must be before the relay
	// republishes it, so it does not race the request that wrote it.
	OutboxGrace time.Duration `env:"WORKGATE_OUTBOX_GRACE" default:"10s"`
	// OutboxRedeliver is how long after a publish the relay publishes an
	// event again that its consumer has not handled (Pub/Sub lost it):
	// past Pub/Sub's own retries of a failing push.
	OutboxRedeliver time.Duration `env:"WORKGATE_OUTBOX_REDELIVER" default:"10m"`
	// FirestoreConnections is how many gRPC connections to Firestore a
	// function spreads its calls over: each live stream holds one
	// listener, and a connection carries about 100 at once (Terraform
	// raises it for the events service).
	FirestoreConnections int `env:"WORKGATE_FIRESTORE_CONNECTIONS" default:"1"`
	// StreamKeepAlive is how often an idle live stream writes a comment
	// (API.md: at least every 25 s, under proxies' idle timeouts).
	StreamKeepAlive time.Duration `env:"WORKGATE_STREAM_KEEPALIVE" default:"20s"`
	// StreamMaxAge is when the server ends a live stream, under Cloud
	// Run's request timeout (the events service's is 60 minutes); the
	// client reconnects with Last-Event-ID.
	StreamMaxAge time.Duration `env:"WORKGATE_STREAM_MAX_AGE" default:"55m"`
	// StreamHeartbeat is how often an open stream marks its member online
	// (F9: within 5 minutes) and its device live (the push job skips it
	// for 1.5 heartbeats after each).
	StreamHeartbeat time.Duration `env:"WORKGATE_STREAM_HEARTBEAT" default:"2m"`

	// TrustedProxyHops is how many X-Forwarded-For entries, counted from
	// the right, the load balancer in front of the functions appends (2
	// for Google's external Application Load Balancer: the client and the
	// balancer). The client IP that rate limits count is the leftmost of
	// them; entries further left were sent by the client and are ignored.
	// 0 means no proxy: the connection's address is the client.
	TrustedProxyHops int `env:"WORKGATE_TRUSTED_PROXY_HOPS"`
	// RateLimitFactor multiplies every rate limit (shared/ratelimit). 1 in
	// production; load tests raise it.
	RateLimitFactor int `env:"WORKGATE_RATE_LIMIT_FACTOR" default:"1"`

	// CrashWithdrawalAfter, in dev mode only, makes the withdrawal job die
	// (abort its request, as a killed instance would) after that many
	// deletion commits, once per process: the tests show that a redelivery
	// finishes the job.
	CrashWithdrawalAfter int `env:"WORKGATE_DEV_CRASH_WITHDRAWAL_AFTER"`
	// HashMemoryKiB, in dev mode only, is the memory of each new argon2id
	// hash in KiB in place of the product's 19 MiB (passes and lane as
	// ever): the end-to-end suite's stacks hash with 1 MiB, as hashing was
	// about a tenth of its CPU. A hash keeps its parameters, so a password
	// set either way is verified either way; the bench and the load test
	// hash as production does.
	HashMemoryKiB int `env:"WORKGATE_DEV_HASH_MEMORY_KIB"`
	// PushCertsURL, in dev mode only, is where the push and scheduled
	// functions fetch the keys of the invoker's OIDC tokens instead of
	// Google's: the split local stack's token issuer stands in for Google.
	PushCertsURL string `env:"WORKGATE_DEV_PUSH_CERTS_URL"`
}

// DevOperatorKey is the operator key in dev mode when none is set.
const DevOperatorKey = "dev-operator-key"

// Load reads the Config from the environment and validates it.
func Load() (*Config, error) {
	return LoadFrom(os.LookupEnv)
}

// LoadFrom is Load with another source of variables (tests).
func LoadFrom(lookup func(string) (string, bool)) (*Config, error) {
	var c Config
	if err := fill(&c, lookup); err != nil {
		return nil, fmt.Errorf("config.Load: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config.Load: %w", err)
	}
	return &c, nil
}

// Validate checks the values that do not depend on which function runs.
// Secrets are checked by the function that needs them (see server.Open).
func (c *Config) Validate() error {
	var problems []error
	if c.Project == "" {
		problems = append(problems, errors.New("GOOGLE_CLOUD_PROJECT is empty"))
	}
	if u, ok := absoluteURL(c.PublicURL); !ok {
		problems = append(problems, fmt.Errorf("PUBLIC_URL %q is not an absolute http(s) URL", c.PublicURL))
	} else if !c.Dev && u.Scheme != "https" {
		problems = append(problems, errors.New("PUBLIC_URL must be https outside dev mode"))
	} else if c.Dev && !isLoopback(u.Hostname()) {
		problems = append(problems, fmt.Errorf("dev mode (WORKGATE_DEV) runs only on a loopback address; PUBLIC_URL %q is not one", c.PublicURL))
	}
	if c.Dev && c.CloudRunService != "" {
		problems = append(problems, errors.New("dev mode (WORKGATE_DEV) must not run on Cloud Run (K_SERVICE is set)"))
	}
	if c.AppURL == "" {
		c.AppURL = c.PublicLink("/app/")
	} else if _, ok := absoluteURL(c.AppURL); !ok {
		problems = append(problems, fmt.Errorf("WORKGATE_APP_URL %q is not an absolute http(s) URL", c.AppURL))
	}
	if c.FCMProject == "" {
		c.FCMProject = c.Project
	}
	if u, ok := absoluteURL(c.FCMURL); !ok {
		problems = append(problems, fmt.Errorf("WORKGATE_FCM_URL %q is not an absolute http(s) URL", c.FCMURL))
	} else if !c.Dev && u.Scheme != "https" {
		problems = append(problems, errors.New("WORKGATE_FCM_URL must be https outside dev mode (it carries the service account's token)"))
	}
	if !strings.Contains(c.MailFrom, "@") {
		problems = append(problems, fmt.Errorf("WORKGATE_MAIL_FROM %q is not an address", c.MailFrom))
	}
	if c.HashConcurrency < 0 {
		problems = append(problems, errors.New("WORKGATE_HASH_CONCURRENCY must be >= 0"))
	}
	if c.TrustedProxyHops < 0 || c.RateLimitFactor < 1 {
		problems = append(problems, errors.New("WORKGATE_TRUSTED_PROXY_HOPS must be >= 0 and WORKGATE_RATE_LIMIT_FACTOR >= 1"))
	}
	if c.FirestoreConnections < 1 || c.FirestoreConnections > 64 {
		problems = append(problems, errors.New("WORKGATE_FIRESTORE_CONNECTIONS must be in 1..64"))
	}
	if c.StreamKeepAlive <= 0 || c.StreamKeepAlive > 25*time.Second || c.StreamMaxAge <= 0 || c.StreamMaxAge > 59*time.Minute ||
		c.StreamHeartbeat <= 0 || c.StreamHeartbeat > 4*time.Minute {
		problems = append(problems, errors.New("WORKGATE_STREAM_KEEPALIVE must be in (0, 25s], WORKGATE_STREAM_MAX_AGE in (0, 59m], WORKGATE_STREAM_HEARTBEAT in (0, 4m]"))
	}
	if c.PublishTimeout <= 0 || c.OutboxGrace <= 0 || c.OutboxRedeliver <= 0 {
		problems = append(problems, errors.New("WORKGATE_PUBLISH_TIMEOUT, WORKGATE_OUTBOX_GRACE and WORKGATE_OUTBOX_REDELIVER must be > 0"))
	}
	if c.HashMemoryKiB != 0 && (c.HashMemoryKiB < auth.MinHashMemoryKiB || c.HashMemoryKiB > auth.HashMemoryKiB) {
		problems = append(problems, fmt.Errorf("WORKGATE_DEV_HASH_MEMORY_KIB must be in %d..%d", auth.MinHashMemoryKiB, auth.HashMemoryKiB))
	}
	if !c.Dev && (c.CrashWithdrawalAfter != 0 || c.PushCertsURL != "" || c.HashMemoryKiB != 0) {
		problems = append(problems, errors.New("WORKGATE_DEV_* variables are for dev mode only"))
	}
	return errors.Join(problems...)
}

// absoluteURL parses s and reports whether it is an absolute http(s) URL.
func absoluteURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	return u, err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isLoopback reports whether host names this machine only: localhost or
// an address in 127.0.0.0/8 or ::1. Dev mode's surface (a movable clock,
// pushes without tokens) must not be reachable from elsewhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PublicLink returns PublicURL joined with path.
func (c *Config) PublicLink(path string) string {
	return strings.TrimSuffix(c.PublicURL, "/") + path
}

// Environ returns the environment variables that Load reads back into c
// (those of its set fields; defaults included), by name.
func Environ(c *Config) map[string]string {
	rv := reflect.ValueOf(c).Elem()
	rt := rv.Type()
	env := map[string]string{}
	for i := range rt.NumField() {
		name := rt.Field(i).Tag.Get("env")
		if name == "" || rv.Field(i).IsZero() {
			continue
		}
		switch v := rv.Field(i).Interface().(type) {
		case time.Duration:
			env[name] = v.String()
		default:
			env[name] = fmt.Sprint(v)
		}
	}
	return env
}

// fill sets each tagged field of the struct pointed to by v.
func fill(v any, lookup func(string) (string, bool)) error {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	var problems []error
	for i := range rt.NumField() {
		f := rt.Field(i)
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		raw, ok := lookup(name)
		if !ok || raw == "" {
			raw = f.Tag.Get("default")
		}
		if raw == "" {
			continue
		}
		if err := set(rv.Field(i), raw); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(problems...)
}

func set(field reflect.Value, raw string) error {
	switch field.Interface().(type) {
	case string:
		field.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		field.SetBool(b)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return err
		}
		field.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		field.SetInt(int64(d))
	default:
		return fmt.Errorf("unsupported type %s", field.Type())
	}
	return nil
}

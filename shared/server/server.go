// Package server builds what every function needs (configuration, clients,
// keys), registers the functions with functions-framework-go, and assembles
// the local router that serves them all behind one address, by the routes
// of infra/topology.yaml.
package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/live"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/shared/web"
)

// Mailer sends one e-mail.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Deps are the dependencies of every function. Open builds them.
type Deps struct {
	Config   *config.Config
	Log      *slog.Logger
	Topology *infra.Topology
	Clock    clock.Clock
	// DevClock is the movable clock; nil outside dev mode.
	DevClock *clock.Dev
	Store    *store.Store
	PubSub   *bus.PubSub
	Outbox   *bus.Outbox
	Hasher   *auth.Hasher
	Signer   *auth.Signer
	Sealer   *auth.Sealer
	MACer    *auth.MACer
	Mailer   Mailer
	// PushVerifier checks the OIDC token of each call to a function that
	// only Pub/Sub push or Cloud Scheduler call. It is nil in dev mode
	// (the emulator sends no token), unless Options set one.
	PushVerifier *bus.Verifier
	// IDs is keyed with the ID key, which never rotates: derived room and
	// message IDs, recovery-key MACs.
	IDs *auth.MACer

	limiter *ratelimit.Limiter
	hubOnce sync.Once
	hub     *live.Hub

	closers []func() error
}

// Options tune Open.
type Options struct {
	// Meter counts Firestore operations (benchmarks and tests read it);
	// Open makes one if it is nil, so every request log line carries its
	// Firestore cost.
	Meter *store.Meter
	// PubSubHost, if set, is the Pub/Sub emulator to use instead of the one
	// PUBSUB_EMULATOR_HOST names.
	PubSubHost string
	// Log defaults to JSON on stderr.
	Log *slog.Logger
	// Function, if set, is the one function this process serves: outside
	// dev mode, Open refuses to start without the secrets its topology
	// entry lists, or, if Pub/Sub push or Cloud Scheduler call it,
	// without WORKGATE_PUSH_AUDIENCE and WORKGATE_PUSH_SERVICE_ACCOUNT.
	// In dev mode, missing keys are generated into Config.KeyDir.
	Function string
	// PushVerifier, if set, checks the callers of push and scheduled
	// functions even in dev mode (tests, with keys of their own). Outside
	// dev mode Open builds one from the configuration.
	PushVerifier *bus.Verifier
}

// Open builds the dependencies. Close releases them.
func Open(ctx context.Context, cfg *config.Config, opts Options) (_ *Deps, err error) {
	d := &Deps{Config: cfg, Log: opts.Log}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.Log == nil {
		d.Log = logging.New(os.Stderr, slog.LevelInfo)
	}
	// The store first: in dev mode the clock's offset is read at once, and
	// the rest is built while the read is under way.
	if opts.Meter == nil {
		opts.Meter = &store.Meter{}
	}
	if d.Store, err = store.Open(ctx, cfg.Project, opts.Meter, cfg.FirestoreConnections); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.Store.Close)
	d.Clock = clock.System{}
	if cfg.Dev {
		watch, stop := context.WithCancel(context.WithoutCancel(ctx))
		d.closers = append(d.closers, func() error { stop(); return nil })
		d.DevClock = clock.StartDev(watch, d.Store)
		d.Clock = d.DevClock
	}
	if d.Topology, err = infra.Load(); err != nil {
		return nil, err
	}
	if opts.Function != "" {
		fn, ok := d.Topology.Function(opts.Function)
		if !ok {
			return nil, fmt.Errorf("server.Open: function %q is not in the topology", opts.Function)
		}
		if err := checkSecrets(cfg, fn.Secrets); err != nil {
			return nil, fmt.Errorf("server.Open: %w", err)
		}
		if err := checkPushConfig(cfg, fn); err != nil {
			return nil, fmt.Errorf("server.Open: %w", err)
		}
	}
	if d.PushVerifier = opts.PushVerifier; d.PushVerifier == nil && cfg.PushAudience != "" && (!cfg.Dev || cfg.PushCertsURL != "") {
		if d.PushVerifier, err = bus.NewVerifier(ctx, cfg.PushAudience, cfg.PushServiceAccount, bus.CertsAt(cfg.PushCertsURL)); err != nil {
			return nil, fmt.Errorf("server.Open: %w", err)
		}
	}
	if d.PubSub, err = bus.NewPubSub(ctx, cfg.Project, opts.PubSubHost); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.PubSub.Close)

	d.Outbox = &bus.Outbox{Store: d.Store, Publisher: d.PubSub, Clock: d.Clock, Timeout: cfg.PublishTimeout, Grace: cfg.OutboxGrace, Redeliver: cfg.OutboxRedeliver}
	d.Hasher = auth.NewHasher(cfg.HashConcurrency)
	if cfg.HashMemoryKiB != 0 {
		d.Hasher = auth.NewDevHasher(cfg.HashConcurrency, uint32(cfg.HashMemoryKiB)) //nolint:gosec // config bounds it to MinHashMemoryKiB..HashMemoryKiB
	}
	d.limiter = &ratelimit.Limiter{Store: d.Store, Clock: d.Clock, Factor: cfg.RateLimitFactor}
	if err := d.loadKeys(); err != nil {
		return nil, fmt.Errorf("server.Open: %w", err)
	}
	d.Mailer = mail.NewSendGrid(cfg.SendGridKey, cfg.SendGridURL, cfg.MailFrom, cfg.MailFromName)
	if d.DevClock != nil {
		// Nothing may tell the time, nor serve, with the offset unknown.
		if err := d.DevClock.Wait(ctx); err != nil {
			return nil, fmt.Errorf("server.Open: %w", err)
		}
	}
	return d, nil
}

// loadKeys reads the signing, sealing, MAC and ID keys, each with the
// previous key of a rotation if one is set, from the configuration, or in
// dev mode from (or into) the key folder. Outside dev mode a missing key
// leaves its component nil: only functions that list the secret get it,
// and checkSecrets has already refused to start one that lacks it.
func (d *Deps) loadKeys() error {
	cfg := d.Config
	signing, err := configuredKey(cfg.JWTKey, cfg.Dev, cfg.KeyDir, auth.ParseSigningKey, auth.DevSigningKey)
	if err != nil {
		return err
	}
	if signing != nil {
		previousKeys, err := previousKey("WORKGATE_JWT_KEY_PREVIOUS", cfg.JWTKeyPrevious, auth.ParseSigningKey)
		if err != nil {
			return err
		}
		var previous []ed25519.PublicKey
		for _, k := range previousKeys {
			previous = append(previous, k.Public().(ed25519.PublicKey))
		}
		// Tokens are issued by this deployment's public URL, for its API.
		issuer := strings.TrimSuffix(cfg.PublicURL, "/")
		d.Signer = auth.NewSigner(issuer, issuer+"/v1", signing, previous...).WithNow(d.Clock.Now)
	}
	sealKey, err := configuredKey(cfg.SealKey, cfg.Dev, cfg.KeyDir, auth.ParseSealKey, auth.DevSealKey)
	if err != nil {
		return err
	}
	if sealKey != nil {
		previous, err := previousKey("WORKGATE_SEAL_KEY_PREVIOUS", cfg.SealKeyPrevious, auth.ParseSealKey)
		if err != nil {
			return err
		}
		if d.Sealer, err = auth.NewSealer(sealKey, previous...); err != nil {
			return err
		}
	}
	macKey, err := configuredKey(cfg.MACKey, cfg.Dev, cfg.KeyDir, auth.ParseMACKey, auth.DevMACKey)
	if err != nil {
		return err
	}
	if macKey != nil {
		previous, err := previousKey("WORKGATE_MAC_KEY_PREVIOUS", cfg.MACKeyPrevious, auth.ParseMACKey)
		if err != nil {
			return err
		}
		d.MACer = auth.NewMACer(macKey, previous...)
	}
	idKey, err := configuredKey(cfg.IDKey, cfg.Dev, cfg.KeyDir, auth.ParseIDKey, auth.DevIDKey)
	if err != nil {
		return err
	}
	if idKey != nil {
		d.IDs = auth.NewMACer(idKey)
	}
	if cfg.Dev && cfg.OperatorKey == "" {
		cfg.OperatorKey = config.DevOperatorKey
	}
	if cfg.Dev && cfg.SendGridKey == "" {
		cfg.SendGridKey = "dev-sendgrid-key" // the local sink only checks that one is sent
	}
	return nil
}

// configuredKey parses a configured key, or in dev mode without one reads
// (or makes) the dev key; nil if neither.
func configuredKey[K any](value string, dev bool, dir string, parse func(string) (K, error), devKey func(string) (K, error)) (K, error) {
	var none K
	switch {
	case value != "":
		return parse(value)
	case dev:
		return devKey(dir)
	}
	return none, nil
}

// previousKey parses the optional previous key of a rotation.
func previousKey[K any](name, value string, parse func(string) (K, error)) ([]K, error) {
	if value == "" {
		return nil, nil
	}
	k, err := parse(value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return []K{k}, nil
}

// optional are the secrets a function may list and run without: the
// previous keys of a rotation.
var optional = map[string]bool{
	"WORKGATE_JWT_KEY_PREVIOUS": true, "WORKGATE_SEAL_KEY_PREVIOUS": true, "WORKGATE_MAC_KEY_PREVIOUS": true,
}

// Secrets returns the secrets a topology entry may list, by name, with
// their configured values (empty where not set).
func Secrets(cfg *config.Config) map[string]string {
	return map[string]string{
		"WORKGATE_JWT_KEY":  cfg.JWTKey,
		"WORKGATE_SEAL_KEY": cfg.SealKey,
		"WORKGATE_MAC_KEY":  cfg.MACKey,
		"WORKGATE_ID_KEY":   cfg.IDKey,
		"SENDGRID_API_KEY":  cfg.SendGridKey,

		"WORKGATE_OPERATOR_KEY": cfg.OperatorKey,

		"WORKGATE_JWT_KEY_PREVIOUS":  cfg.JWTKeyPrevious,
		"WORKGATE_SEAL_KEY_PREVIOUS": cfg.SealKeyPrevious,
		"WORKGATE_MAC_KEY_PREVIOUS":  cfg.MACKeyPrevious,
	}
}

// checkSecrets refuses to start outside dev mode when a secret the function
// needs is not set.
func checkSecrets(cfg *config.Config, secrets []string) error {
	if cfg.Dev {
		return nil
	}
	set := Secrets(cfg)
	var missing []error
	for _, s := range secrets {
		v, known := set[s]
		if optional[s] {
			continue // a rotation's previous key
		}
		if !known {
			missing = append(missing, fmt.Errorf("unknown secret %s in the topology", s))
		} else if v == "" {
			missing = append(missing, fmt.Errorf("%s is not set", s))
		}
	}
	return errors.Join(missing...)
}

// checkPushConfig refuses to start outside dev mode a function that
// Pub/Sub push or Cloud Scheduler call, unless it knows whose tokens to
// take: it would otherwise do what any caller asks.
func checkPushConfig(cfg *config.Config, fn infra.Function) error {
	if cfg.Dev || !InvokedOnly(fn) || (cfg.PushAudience != "" && cfg.PushServiceAccount != "") {
		return nil
	}
	return errPushConfig(fn)
}

func errPushConfig(fn infra.Function) error {
	return fmt.Errorf("function %s is called by Pub/Sub push or Cloud Scheduler: outside dev mode WORKGATE_PUSH_AUDIENCE and WORKGATE_PUSH_SERVICE_ACCOUNT must be set", fn.Name)
}

// InvokedOnly reports whether only Pub/Sub push or Cloud Scheduler call
// the function, with the invoker's OIDC token.
func InvokedOnly(fn infra.Function) bool { return fn.Topic != "" || fn.Schedule != "" }

// guard answers, before the handler of a function that only Pub/Sub push
// or Cloud Scheduler call, the calls that are not theirs: outside dev mode
// (or with Options.PushVerifier) one without the invoker's valid OIDC
// token, 401; and a push whose body is not declared as JSON, 400, so
// that in dev mode, where no token is asked, a page the developer opens
// cannot push with a cross-site "simple" POST (text/plain or a form).
func (d *Deps) guard(fn infra.Function, h http.Handler) (http.Handler, error) {
	if !InvokedOnly(fn) {
		return h, nil
	}
	v := d.PushVerifier
	if v == nil && !d.Config.Dev {
		return nil, errPushConfig(fn)
	}
	push := fn.Topic != ""
	return web.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if v != nil {
			if err := v.Verify(r); err != nil {
				logging.From(r.Context()).Warn("call refused: not the invoker's token", "reason", err.Error())
				return errs.E(errs.Unauthenticated, "only the invoker's OIDC token is taken here")
			}
		}
		if push {
			if err := web.RequireJSON(r); err != nil {
				return err
			}
		}
		h.ServeHTTP(w, r)
		return nil
	}), nil
}

// Close releases the clients, newest first.
func (d *Deps) Close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		_ = d.closers[i]()
	}
	d.closers = nil
}

// Constructor builds a function's handler from its dependencies.
type Constructor func(d *Deps) (http.Handler, error)

var registry = map[string]Constructor{}

// Register registers a function under its topology name: with
// functions-framework-go (FUNCTION_TARGET=name serves it in Cloud Run) and
// with the local router. Call it from init and nothing else.
func Register(name string, c Constructor) {
	registry[name] = c
	functions.HTTP(name, lazy(name, c))
}

// Registered returns the names of the registered functions, sorted.
func Registered() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lazy builds the function's dependencies on the first request, once, for
// a process that functions-framework-go started (funcframework.Start, as
// Google's buildpacks do); workgate's own binary builds them before it
// serves (Serve). An error is answered with 500 and tried again on the
// next request.
func lazy(name string, c Constructor) http.HandlerFunc {
	var (
		mu    sync.Mutex // held only while building
		built atomic.Pointer[http.Handler]
	)
	get := func(ctx context.Context) (http.Handler, error) {
		mu.Lock()
		defer mu.Unlock()
		if h := built.Load(); h != nil {
			return *h, nil
		}
		cfg, err := config.Load()
		if err != nil {
			return nil, err
		}
		_, _, h, err := build(ctx, cfg, name, c, logging.New(os.Stderr, slog.LevelInfo))
		if err != nil {
			return nil, err
		}
		built.Store(&h)
		return h, nil
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if h := built.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		h, err := get(r.Context())
		if err != nil {
			web.Problem(w, r.WithContext(logging.WithService(r.Context(), name)), fmt.Errorf("function %s failed to start: %w", name, err))
			return
		}
		h.ServeHTTP(w, r)
	}
}

// build opens the dependencies of one function and builds its handler,
// guarded and logged as it is served.
func build(ctx context.Context, cfg *config.Config, name string, c Constructor, log *slog.Logger) (*Deps, infra.Function, http.Handler, error) {
	d, err := Open(context.WithoutCancel(ctx), cfg, Options{Function: name, Log: log})
	if err != nil {
		return nil, infra.Function{}, nil, err
	}
	fn, _ := d.Topology.Function(name) // Open checked it is there
	h, err := c(d)
	if err == nil {
		h, err = d.guard(fn, h)
	}
	if err != nil {
		d.Close()
		return nil, infra.Function{}, nil, err
	}
	return d, fn, web.Middleware(d.Log, cfg.Project, name, h), nil
}

// PushPath is where the local router serves a Pub/Sub-triggered function
// (its push subscription's endpoint). In production the subscription
// pushes to the function's own service URL.
func PushPath(function string) string { return "/_push/" + function }

// SchedulePath is where the local router serves a scheduled function.
func SchedulePath(function string) string { return "/_schedule/" + function }

// Router serves every function of the topology behind one handler, the way
// the load balancer does in production: each HTTP route goes to the
// function that owns it. Pub/Sub-triggered functions are served at
// PushPath, scheduled ones at SchedulePath. Dev-only functions are served
// only in dev mode. If check is not nil, each function's handler goes
// through it, inside the request's logger: the dev stack checks the
// OpenAPI contract so (contract.DevCheck), which the image's binary does
// not link.
func Router(d *Deps, check func(http.Handler) http.Handler) (http.Handler, error) {
	mux := http.NewServeMux()
	for _, f := range d.Topology.Functions {
		c, ok := registry[f.Name]
		if !ok {
			return nil, fmt.Errorf("server.Router: function %q is in the topology but not registered (import its package)", f.Name)
		}
		if f.Dev && !d.Config.Dev {
			continue
		}
		h, err := c(d)
		if err == nil {
			h, err = d.guard(f, h)
		}
		if err != nil {
			return nil, fmt.Errorf("server.Router: %s: %w", f.Name, err)
		}
		if check != nil {
			h = check(h) // inside Middleware: the request's logger
		}
		h = web.Middleware(d.Log, d.Config.Project, f.Name, h)
		for _, route := range f.HTTP {
			mux.Handle(route, h)
		}
		switch {
		case f.Topic != "":
			mux.Handle(PushPath(f.Name), h)
		case f.Schedule != "":
			mux.Handle(SchedulePath(f.Name), h)
		}
	}
	for name := range registry {
		if !slices.ContainsFunc(d.Topology.Functions, func(f infra.Function) bool { return f.Name == name }) {
			return nil, fmt.Errorf("server.Router: function %q is registered but not in the topology", name)
		}
	}
	return mux, nil
}

// Package stack runs workgate's whole local stack against running Firestore
// and Pub/Sub emulators: the SendGrid- and FCM-compatible mail and push
// sink, every function behind the topology's router, the topology's topics
// and push subscriptions, and the outbox relay on a ticker. The functions
// run in this process, or split: each in its own process as in production
// (split.go). `make run` uses it on fixed ports; end-to-end tests and
// benchmarks use it on free ports with a project of their own.
package stack

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/workgate/workgate/emulator/mailsink"
	_ "github.com/workgate/workgate/functions/all" // registers every function
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/openapi/contract"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/store"
)

// Options configure a stack.
type Options struct {
	// Project isolates the stack's data (one Firestore database, one set of
	// topics per project).
	Project string
	// Addr and MailAddr are where the router and the mail and push sink
	// listen; "127.0.0.1:0" picks free ports.
	Addr, MailAddr string
	// RelayEvery is the relay's period (default 1s).
	RelayEvery time.Duration
	// Meter, if set, counts Firestore operations.
	Meter *store.Meter
	// PubSubHost, if set, overrides PUBSUB_EMULATOR_HOST for this stack.
	PubSubHost string
	// Log defaults to slog's default logger.
	Log *slog.Logger
	// Configure, if set, adjusts the configuration before the stack opens.
	Configure func(*config.Config)
	// PushVerifier, if set, makes the push and scheduled functions check
	// their callers' OIDC tokens as they do outside dev mode (the
	// emulator's pushes, which carry none, are then refused). One-process
	// stacks only.
	PushVerifier *bus.Verifier
	// Split runs each function as its own process, as in production (see
	// split), from the binary at Binary (built into a temporary folder if
	// empty). Their output goes to Output (default stderr).
	Split  bool
	Binary string
	Output io.Writer
	// PushKey, if set, signs a split stack's push tokens (as key PushKeyID)
	// instead of a key of the stack's own: a test's stand-in for Google.
	PushKey   *rsa.PrivateKey
	PushKeyID string
	// Unchecked leaves out the router's check of each exchange against the
	// OpenAPI document (dev mode's, which production's URL map does not
	// run): the bench times the functions as deployed.
	Unchecked bool
}

// SplitFromEnv reports whether WORKGATE_STACK=split asks for split stacks
// (the test suites read it).
func SplitFromEnv() bool { return os.Getenv("WORKGATE_STACK") == "split" }

// Stack is a running local stack.
type Stack struct {
	// URL is the router's base URL (also PUBLIC_URL: links in mails).
	URL string
	// MailURL is the mail and push sink's base URL.
	MailURL string
	// Sink holds the mails and pushes sent.
	Sink *mailsink.Sink
	// Deps are the functions' dependencies (store, outbox, clock).
	Deps *server.Deps

	// topologyMu keeps relay passes out while EnsureTopology runs: an event
	// published to a topic whose subscription is not created yet would be
	// dropped by Pub/Sub, and its outbox entry deleted.
	topologyMu    sync.Mutex
	subscriptions []string
	servers       []*http.Server
	// split runs the functions' processes; nil in a one-process stack.
	split *split
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// Start starts a stack. The emulators must be running and named by
// FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.RelayEvery == 0 {
		o.RelayEvery = time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &Stack{Sink: mailsink.New()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	routerLn, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("stack.Start: router: %w", err)
	}
	served := false
	defer func() {
		if !served {
			routerLn.Close()
		}
	}()
	mailLn, err := net.Listen("tcp", o.MailAddr)
	if err != nil {
		return nil, fmt.Errorf("stack.Start: mail sink: %w", err)
	}
	s.URL = "http://" + routerLn.Addr().String()
	s.MailURL = "http://" + mailLn.Addr().String()
	s.serve(mailLn, s.Sink, time.Minute)

	// The stack's own addresses and dev mode win over the environment:
	// mails and pushes go to the stack's sink.
	local := map[string]string{
		"GOOGLE_CLOUD_PROJECT": o.Project, "WORKGATE_DEV": "1",
		"PUBLIC_URL": s.URL, "SENDGRID_API_URL": s.MailURL, "WORKGATE_FCM_URL": s.MailURL + "/",
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) {
		if v, ok := local[k]; ok {
			return v, true
		}
		return os.LookupEnv(k)
	})
	if err != nil {
		return nil, err
	}
	if o.Configure != nil {
		o.Configure(cfg)
	}
	if s.Deps, err = server.Open(ctx, cfg, server.Options{
		Meter: o.Meter, Log: o.Log, PubSubHost: o.PubSubHost, PushVerifier: o.PushVerifier,
	}); err != nil {
		return nil, err
	}
	var router http.Handler
	if o.Split {
		if router, err = s.startSplit(cfg, o); err != nil {
			return nil, err
		}
	} else if router, err = server.Router(s.Deps, func(h http.Handler) http.Handler { return contract.DevCheck(cfg.Dev && !o.Unchecked, h) }); err != nil {
		return nil, err
	}
	// The router writes each answer for as long as its function may run
	// (a live stream: an hour), as the load balancer does.
	s.serve(routerLn, router, s.longestRequest())
	served = true
	if err := s.EnsureTopology(ctx); err != nil {
		return nil, err
	}

	relayCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	s.wg.Add(1)
	go s.relay(relayCtx, o.RelayEvery, o.Log)
	return s, nil
}

// startSplit starts the split stack's push gateway and returns its router
// (the functions' processes start on their first request).
func (s *Stack) startSplit(cfg *config.Config, o Options) (http.Handler, error) {
	bin := o.Binary
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			return nil, err
		}
	}
	output := o.Output
	if output == nil {
		output = os.Stderr
	}
	sp, err := newSplit(cfg, bin, cfg.KeyDir, output, o.PushKey, o.PushKeyID)
	if err != nil {
		return nil, err
	}
	if o.PubSubHost != "" {
		sp.env["PUBSUB_EMULATOR_HOST"] = o.PubSubHost
	}
	gatewayLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("stack.Start: push gateway: %w", err)
	}
	sp.gateway = "http://" + gatewayLn.Addr().String()
	sp.log = o.Log
	s.split = sp
	s.serve(gatewayLn, sp.gatewayHandler(s.Deps.Topology), s.longestRequest())
	return sp.router(s.Deps.Topology, o.Log, !o.Unchecked), nil
}

// Pushing reports whether a split stack's gateway is passing a push or a
// scheduled call on (a job's process may be starting for it); false in one
// process, where a push is the router's request like any other.
func (s *Stack) Pushing() bool { return s.split != nil && s.split.pushing.Load() > 0 }

// Hashes is how many passwords the stack's functions have hashed.
func (s *Stack) Hashes() int64 {
	if s.split != nil {
		return s.split.hashes()
	}
	return s.Deps.Hasher.Hashes()
}

// Kill kills the process of a function of a split stack at once (SIGKILL,
// as a crash would end it) and waits for it to exit; the next request
// that needs the function starts it again, as Cloud Run starts a new
// instance. It reports whether the function's process was running (a
// one-process stack has none).
func (s *Stack) Kill(function string) bool {
	if s.split == nil {
		return false
	}
	return s.split.kill(function)
}

// Processes returns the state of each running function process of a
// split stack (none in a one-process stack); gc asks each for its memory
// after a garbage collection.
func (s *Stack) Processes(ctx context.Context, gc bool) []ProcessInfo {
	if s.split == nil {
		return nil
	}
	return s.split.processes(ctx, gc)
}

// PushURL is where Pub/Sub pushes to a push function (or Cloud Scheduler
// calls a scheduled one): in a split stack through the push gateway,
// which adds the invoker's token.
func (s *Stack) PushURL(function string) string {
	fn, _ := s.Deps.Topology.Function(function)
	path := server.PushPath(function)
	if fn.Schedule != "" {
		path = server.SchedulePath(function)
	}
	return s.pushBase() + path
}

// FunctionURL is where a caller reaches a push or scheduled function
// directly, with no token but its own: the router's path in one process;
// in a split stack the function's own process (started if it is not
// running), as one who found the service's URL would.
func (s *Stack) FunctionURL(ctx context.Context, function string) (string, error) {
	if s.split == nil {
		return s.PushURL(function), nil
	}
	fn, ok := s.Deps.Topology.Function(function)
	if !ok {
		return "", fmt.Errorf("stack.FunctionURL: no function %q", function)
	}
	p, err := s.split.get(ctx, fn)
	if err != nil {
		return "", err
	}
	return p.url + "/", nil
}

// pushBase is where the emulator's pushes go: the router, or in a split
// stack the push gateway.
func (s *Stack) pushBase() string {
	if s.split != nil {
		return s.split.gateway
	}
	return s.URL
}

// longestRequest is the longest a request of any function may run (its
// Cloud Run timeout), with room to write its end.
func (s *Stack) longestRequest() time.Duration {
	longest := time.Duration(0)
	for _, fn := range s.Deps.Topology.Functions {
		longest = max(longest, fn.Timeout())
	}
	return longest + 5*time.Second
}

// serve serves h on ln; an answer may take up to write to be written.
func (s *Stack) serve(ln net.Listener, h http.Handler, write time.Duration) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: write}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

func (s *Stack) relay(ctx context.Context, every time.Duration, log *slog.Logger) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.topologyMu.Lock()
			var err error
			if s.split != nil {
				err = s.split.relay(ctx)
			} else {
				_, err = s.Deps.Outbox.Relay(ctx)
			}
			s.topologyMu.Unlock()
			if err != nil && ctx.Err() == nil {
				log.Warn("relay pass failed", "error", err.Error())
			}
		}
	}
}

// EnsureTopology creates the topology's topics and push subscriptions in
// the project, each subscription pushing to its function's path on this
// stack's router. Existing subscriptions are replaced (a previous run may
// have pointed them elsewhere). A pull subscription on every dead-letter
// topic keeps what lands there, as in production. The relay waits while it
// runs.
func (s *Stack) EnsureTopology(ctx context.Context) error {
	s.topologyMu.Lock()
	defer s.topologyMu.Unlock()
	d := s.Deps
	project := "projects/" + d.Config.Project
	admin := d.PubSub.Client()
	for _, t := range d.Topology.Topics {
		_, err := admin.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: project + "/topics/" + t.Name})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("stack.EnsureTopology: topic %s: %w", t.Name, err)
		}
	}
	s.subscriptions = nil
	create := func(sub *pubsubpb.Subscription) error {
		_ = admin.SubscriptionAdminClient.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: sub.Name})
		if _, err := admin.SubscriptionAdminClient.CreateSubscription(ctx, sub); err != nil {
			return fmt.Errorf("stack.EnsureTopology: subscription %s: %w", sub.Name, err)
		}
		s.subscriptions = append(s.subscriptions, sub.Name)
		return nil
	}
	for _, sub := range d.Topology.Subscriptions {
		err := create(&pubsubpb.Subscription{
			Name:               project + "/subscriptions/" + sub.Name,
			Topic:              project + "/topics/" + sub.Topic,
			PushConfig:         &pubsubpb.PushConfig{PushEndpoint: s.pushBase() + server.PushPath(sub.Function)},
			AckDeadlineSeconds: int32(sub.AckDeadlineSeconds),
			RetryPolicy: &pubsubpb.RetryPolicy{
				MinimumBackoff: durationpb.New(sub.Retry.MinimumBackoff),
				MaximumBackoff: durationpb.New(sub.Retry.MaximumBackoff),
			},
			DeadLetterPolicy: &pubsubpb.DeadLetterPolicy{
				DeadLetterTopic:     project + "/topics/" + sub.DeadLetter.Topic,
				MaxDeliveryAttempts: int32(sub.DeadLetter.MaxDeliveryAttempts),
			},
		})
		if err != nil {
			return err
		}
		err = create(&pubsubpb.Subscription{
			Name:  project + "/subscriptions/" + sub.DeadLetter.Topic,
			Topic: project + "/topics/" + sub.DeadLetter.Topic,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Close stops the relay, deletes the push subscriptions (the emulator would
// otherwise push to these ports forever) and stops the servers.
func (s *Stack) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
	if s.Deps != nil && len(s.subscriptions) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, name := range s.subscriptions {
			_ = s.Deps.PubSub.Client().SubscriptionAdminClient.DeleteSubscription(ctx, &pubsubpb.DeleteSubscriptionRequest{Subscription: name})
		}
		cancel()
	}
	if s.split != nil {
		s.split.stop()
	}
	for _, srv := range s.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			_ = srv.Close()
		}
		cancel()
	}
	if s.Deps != nil {
		s.Deps.Close()
	}
}

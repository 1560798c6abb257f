// Command devstack is `make run`: it starts the Firestore and Pub/Sub
// emulators, the mail and push sink and every workgate function behind one
// router (with WORKGATE_DEV=1), creates the topics and push subscriptions,
// prints the URLs, and on Ctrl-C stops everything it started.
//
// With -split (`make run-split`) every function runs as its own process, as
// its container runs in Cloud Run, behind the router acting as the load
// balancer's URL map, with Pub/Sub pushing to each job's process with an
// OIDC token (see emulator/stack).
//
// Addresses and the project come from the environment (README.md):
// WORKGATE_HTTP_ADDR (127.0.0.1:8080), WORKGATE_MAILSINK_ADDR
// (127.0.0.1:8025), WORKGATE_FIRESTORE_ADDR (127.0.0.1:8088),
// WORKGATE_PUBSUB_ADDR (127.0.0.1:8085), GOOGLE_CLOUD_PROJECT
// (demo-workgate).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/workgate/workgate/emulator/gcloud"
	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/logging"
)

func main() {
	if err := realMain(); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func realMain() (err error) {
	split := flag.Bool("split", false, "run every function as its own process, as in production")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := gcloud.Check(gcloud.Firestore, gcloud.PubSub); err != nil {
		return err
	}
	project := env("GOOGLE_CLOUD_PROJECT", "demo-workgate")
	addrs := map[gcloud.Kind][2]string{
		gcloud.Firestore: {env("WORKGATE_FIRESTORE_ADDR", "127.0.0.1:8088"), "WORKGATE_FIRESTORE_ADDR"},
		gcloud.PubSub:    {env("WORKGATE_PUBSUB_ADDR", "127.0.0.1:8085"), "WORKGATE_PUBSUB_ADDR"},
	}
	if err := os.MkdirAll(".workgate", 0o700); err != nil {
		return err
	}
	logPath := filepath.Join(".workgate", "emulators.log")
	emuLog, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer emuLog.Close()

	type started struct {
		e   *gcloud.Emulator
		err error
	}
	results := make(chan started, 2)
	for kind, a := range addrs {
		go func() {
			e, err := gcloud.Start(ctx, kind, a[0], emuLog, gcloud.WithPortEnv(a[1]))
			results <- started{e, err}
		}()
	}
	var startErr error
	for range addrs {
		r := <-results
		if r.err != nil {
			startErr = errors.Join(startErr, r.err)
			continue
		}
		defer func() { _ = r.e.Stop() }()
		k, v, _ := strings.Cut(r.e.Env(), "=")
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	if startErr != nil {
		return fmt.Errorf("%w (emulator output: %s)", startErr, logPath)
	}
	for k, v := range map[string]string{"GOOGLE_CLOUD_PROJECT": project, "WORKGATE_DEV": "1"} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}

	s, err := stack.Start(ctx, stack.Options{
		Project:  project,
		Addr:     env("WORKGATE_HTTP_ADDR", "127.0.0.1:8080"),
		MailAddr: env("WORKGATE_MAILSINK_ADDR", "127.0.0.1:8025"),
		Log:      logging.New(os.Stdout, slog.LevelInfo),
		Split:    *split,
		Output:   os.Stdout,
	})
	if err != nil {
		return err
	}
	defer s.Close()

	shape := "every function behind one router, in one process"
	if *split {
		shape = "each function its own process, started on its first request"
	}
	fmt.Printf(`
workgate is running (project %s, WORKGATE_DEV=1)

  web app             %s/app/
  API and pages       %s          (%s)
  live events         %s/v1/me/events  (server-sent events, with a bearer token)
  OpenAPI             %s/openapi.yaml
  mail and push inbox %s
  push sink (FCM v1)  %s/v1/projects/%s/messages:send
  Firestore emulator  %s
  Pub/Sub emulator    %s
  emulator output     %s

Ctrl-C stops everything.

`, project, s.URL, s.URL, shape, s.URL, s.URL, s.MailURL, s.MailURL, project, os.Getenv("FIRESTORE_EMULATOR_HOST"), os.Getenv("PUBSUB_EMULATOR_HOST"), logPath)
	<-ctx.Done()
	fmt.Println("\nstopping…")
	return nil
}

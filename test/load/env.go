package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/workgate/workgate/emulator/gcloud"
	"github.com/workgate/workgate/emulator/stack"
	stackconfig "github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/store"
)

// rateLimitFactor multiplies every rate limit of the stack
// (config.RateLimitFactor): a few hundred members behind one client
// address make far more calls than a per-address limit allows.
const rateLimitFactor = 10000

// env is the stack under load and the emulators the generator started.
type env struct {
	cfg     config
	s       *stack.Stack
	logs    *serverLog
	keyDir  string
	started []*gcloud.Emulator // by the generator, stopped at the end
	// pubsub is the Pub/Sub emulator when the generator owns it (the
	// Pub/Sub faults stop, start, pause it).
	pubsubMu sync.Mutex
	pubsub   *gcloud.Emulator
	emuLog   io.Writer
}

// startEnv starts what is missing: the Firestore emulator unless
// FIRESTORE_EMULATOR_HOST names one, a Pub/Sub emulator of its own for
// the Pub/Sub faults or unless PUBSUB_EMULATOR_HOST names one; then the
// stack, on free ports, in a project of its own.
func startEnv(ctx context.Context, cfg config, logs *serverLog) (_ *env, err error) {
	e := &env{cfg: cfg, logs: logs, emuLog: io.Discard}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	var wg sync.WaitGroup
	var fsErr, psErr error
	if os.Getenv("FIRESTORE_EMULATOR_HOST") == "" {
		wg.Go(func() {
			var em *gcloud.Emulator
			if em, fsErr = gcloud.Start(ctx, gcloud.Firestore, "", e.emuLog); fsErr == nil {
				e.add(em)
				fsErr = os.Setenv("FIRESTORE_EMULATOR_HOST", em.HostPort)
			}
		})
	}
	pubsubHost := os.Getenv("PUBSUB_EMULATOR_HOST")
	if pubsubHost == "" || strings.HasPrefix(cfg.Fault, "pubsub") {
		wg.Go(func() {
			var em *gcloud.Emulator
			if em, psErr = gcloud.Start(ctx, gcloud.PubSub, "", e.emuLog); psErr == nil {
				e.add(em)
				e.pubsub = em
			}
		})
	}
	wg.Wait()
	if err := errors.Join(fsErr, psErr); err != nil {
		return nil, err
	}
	if e.pubsub != nil {
		pubsubHost = e.pubsub.HostPort
		// The split stack's processes take the variable from here.
		if err := os.Setenv("PUBSUB_EMULATOR_HOST", pubsubHost); err != nil {
			return nil, err
		}
	}
	if os.Getenv("GOOGLE_CLOUD_PROJECT") == "" {
		_ = os.Setenv("GOOGLE_CLOUD_PROJECT", "demo-workgate-load")
	}
	if e.keyDir, err = os.MkdirTemp("", "workgate-load-keys-"); err != nil {
		return nil, err
	}
	level := slog.LevelInfo // the request lines carry each call's Firestore cost
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	e.s, err = stack.Start(sctx, stack.Options{
		Project: fmt.Sprintf("load-%d", time.Now().UnixNano()), Addr: "127.0.0.1:0", MailAddr: "127.0.0.1:0",
		Meter: &store.Meter{}, Log: slog.New(logs.handler(level)), PubSubHost: pubsubHost,
		Configure: func(c *stackconfig.Config) {
			c.KeyDir = e.keyDir
			c.RateLimitFactor = rateLimitFactor
			// What the Pub/Sub fault loses (the emulator restarts
			// empty) is published again within the settling time.
			c.OutboxRedeliver = time.Minute
		},
		Split: cfg.Split, Output: logs,
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (e *env) add(em *gcloud.Emulator) {
	e.pubsubMu.Lock()
	defer e.pubsubMu.Unlock()
	e.started = append(e.started, em)
}

// close stops the stack and the emulators the generator started.
func (e *env) close() {
	if e.s != nil {
		e.s.Close()
	}
	e.pubsubMu.Lock()
	started := e.started
	e.pubsubMu.Unlock()
	for _, em := range started {
		_ = em.Resume() // a paused one would not take SIGTERM
		_ = em.Stop()
	}
	if e.keyDir != "" {
		_ = os.RemoveAll(e.keyDir)
	}
}

// emulatorRSS is the resident memory of the emulators the generator
// started, by kind.
func (e *env) emulatorRSS() map[string]int64 {
	e.pubsubMu.Lock()
	defer e.pubsubMu.Unlock()
	out := map[string]int64{}
	for _, em := range e.started {
		out["emulator: "+string(em.Kind)] += em.RSS()
	}
	return out
}

// replacePubSub records that the Pub/Sub emulator was started again.
func (e *env) replacePubSub(old, em *gcloud.Emulator) {
	e.pubsubMu.Lock()
	defer e.pubsubMu.Unlock()
	for i, s := range e.started {
		if s == old {
			e.started = append(e.started[:i], e.started[i+1:]...)
			break
		}
	}
	if em != nil {
		e.started = append(e.started, em)
	}
	e.pubsub = em
}

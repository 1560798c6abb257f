// Command workgate is the one binary of every workgate function. In Cloud
// Run, FUNCTION_TARGET names the function the container serves on $PORT:
// built before the port opens, answering the probes, draining on SIGTERM
// (server.Serve). Without FUNCTION_TARGET it serves
// every function behind the topology's router, against whatever Firestore
// and Pub/Sub the environment names (`make run` starts the whole local
// stack instead: emulators, mail sink and this router).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/workgate/workgate/functions/all"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/server"
)

func main() {
	if err := realMain(); err != nil {
		fmt.Fprintln(os.Stderr, "workgate:", err)
		os.Exit(1)
	}
}

func realMain() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if target := os.Getenv("FUNCTION_TARGET"); target != "" {
		// Serve has logged a failure, in JSON, for Error Reporting.
		if err := server.Serve(ctx, target, port, logging.New(os.Stderr, slog.LevelInfo)); err != nil {
			os.Exit(1)
		}
		return nil
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	d, err := server.Open(ctx, cfg, server.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	// No contract check: that would link kin-openapi into every
	// function's binary (make run's router checks it).
	h, err := server.Router(d, nil)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Printf("workgate: every function on http://%s\n", srv.Addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

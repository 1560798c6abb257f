// Command mailsink serves the SendGrid-compatible mail sink and the
// FCM-compatible push sink on their own: point the SendGrid client and the
// FCM client at it, read the mails at GET /api/messages, the pushes at
// GET /api/pushes, or both in a browser at /.
//
// MAILSINK_ADDR sets the address to listen on (default 127.0.0.1:8025).
// SIGINT or SIGTERM stops it.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/logging"
)

const defaultAddr = "127.0.0.1:8025"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	logger := logging.New(os.Stderr, slog.LevelInfo)
	err := realMain(ctx, logger)
	stop()
	if err != nil {
		logger.Error("mailsink stopped", "error", err.Error())
		os.Exit(1)
	}
}

// realMain serves the sink until ctx ends, then lets requests in flight
// finish.
func realMain(ctx context.Context, logger *slog.Logger) error {
	addr := cmp.Or(os.Getenv("MAILSINK_ADDR"), defaultAddr)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mailsink: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           mailsink.New(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a send may carry up to 30 MB
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("mailsink listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("mailsink: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("mailsink: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("mailsink: serve: %w", err)
	}
	logger.Info("mailsink stopped")
	return nil
}

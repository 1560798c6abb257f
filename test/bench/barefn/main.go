// Command barefn is the floor of the bench's cold starts: a bare
// functions-framework-go function (one HTTP hello) that opens what every
// workgate function opens, a Firestore and a Pub/Sub client (to the
// emulators FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST name, for
// GOOGLE_CLOUD_PROJECT), then serves on $PORT. The bench builds it as the
// image's binary is built, so what a function's start costs above it is
// workgate's own.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
)

func init() { functions.HTTP("hello", hello) }

func hello(w http.ResponseWriter, _ *http.Request) { _, _ = fmt.Fprintln(w, "hello") }

func main() {
	if err := realMain(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "barefn:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	began := time.Now()
	project := os.Getenv("GOOGLE_CLOUD_PROJECT")
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		return err
	}
	defer func() { _ = fs.Close() }()
	ps, err := pubsub.NewClient(ctx, project)
	if err != nil {
		return err
	}
	defer func() { _ = ps.Close() }()
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	// As a workgate function logs it (the bench reads it).
	fmt.Printf("{\"msg\":\"function started\",\"buildMs\":%.3f}\n", float64(time.Since(began).Microseconds())/1000)
	return funcframework.Start(port)
}

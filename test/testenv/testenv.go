// Package testenv gives emulator-backed tests what they share: a check that
// the emulators are there (make test starts them) and a unique project ID
// per test, which isolates its data without any clean-up.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// RequireEmulators fails the test unless the Firestore and Pub/Sub emulator
// variables are set. It fails rather than skips: a test that silently skips
// cannot fail. Run tests with `make test`, which starts the emulators.
func RequireEmulators(tb testing.TB) {
	tb.Helper()
	for _, v := range []string{"FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST"} {
		if os.Getenv(v) == "" {
			tb.Fatalf("%s is not set: run the tests with `make test`, which starts the emulators", v)
		}
	}
}

// Project returns a project ID no other test uses.
func Project(tb testing.TB) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(tb.Name()))
	if len(name) > 12 {
		name = name[:12]
	}
	return "t-" + strings.Trim(name, "-") + "-" + hex.EncodeToString(b[:])
}

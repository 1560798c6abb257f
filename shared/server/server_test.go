package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/test/testenv"
)

// TestOpenRefusesMissingSecrets: outside dev mode a function does not start
// without the secrets its topology entry lists, and names what is missing.
func TestOpenRefusesMissingSecrets(t *testing.T) {
	cases := []struct {
		function string
		env      map[string]string
		want     []string // missing secrets named in the error; none = no secret error
	}{
		{"mailer", map[string]string{}, []string{"WORKGATE_SEAL_KEY", "SENDGRID_API_KEY"}},
		{"mailer", map[string]string{"SENDGRID_API_KEY": "k"}, []string{"WORKGATE_SEAL_KEY"}},
		// Pub/Sub push and Cloud Scheduler call these: without knowing
		// whose tokens to take, they would do what anyone asks.
		{"mailer", map[string]string{"SENDGRID_API_KEY": "k", "WORKGATE_SEAL_KEY": "k"}, []string{"WORKGATE_PUSH_AUDIENCE", "WORKGATE_PUSH_SERVICE_ACCOUNT"}},
		{"fanout", map[string]string{"WORKGATE_PUSH_AUDIENCE": "https://workgate.example/_push/fanout"}, []string{"WORKGATE_PUSH_SERVICE_ACCOUNT"}},
		{"relay", map[string]string{"WORKGATE_PUSH_SERVICE_ACCOUNT": "wg-invoker@p.iam.gserviceaccount.com"}, []string{"WORKGATE_PUSH_AUDIENCE"}},
		{"nope", map[string]string{}, []string{"not in the topology"}},
	}
	for _, tc := range cases {
		t.Run(tc.function, func(t *testing.T) {
			env := map[string]string{"PUBLIC_URL": "https://workgate.example"}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			_, err = Open(context.Background(), cfg, Options{Function: tc.function})
			if err == nil {
				t.Fatal("Open started without its secrets")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestLazy: a function builds its dependencies on the first request; a
// failed build answers 500 and is tried again on the next request.
func TestLazy(t *testing.T) {
	testenv.RequireEmulators(t)
	builds := 0
	h := lazy("signup", func(d *Deps) (http.Handler, error) {
		builds++
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }), nil
	})
	serve := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Code
	}
	// Production mode without the function's secrets: refused, every time.
	t.Setenv("WORKGATE_DEV", "")
	t.Setenv("PUBLIC_URL", "https://workgate.example")
	t.Setenv("GOOGLE_CLOUD_PROJECT", testenv.Project(t))
	t.Setenv("WORKGATE_SEAL_KEY", "")
	for range 2 {
		if code := serve(); code != http.StatusInternalServerError {
			t.Fatalf("without secrets = %d, want 500", code)
		}
	}
	// Dev mode (on a loopback address, as it must be): built once, then
	// served.
	t.Setenv("WORKGATE_DEV", "1")
	t.Setenv("PUBLIC_URL", "http://127.0.0.1:8080")
	t.Setenv("WORKGATE_KEY_DIR", t.TempDir())
	for range 3 {
		if code := serve(); code != http.StatusTeapot {
			t.Fatalf("after a good build = %d, want 418", code)
		}
	}
	if builds != 1 {
		t.Fatalf("built %d times, want 1", builds)
	}
}

package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/clock"
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

// TestCheckSecretsPrevious: a rotation's previous keys are optional; every
// other listed secret is required, the ID key among them.
func TestCheckSecretsPrevious(t *testing.T) {
	cases := []struct {
		name    string
		cfg     config.Config
		secrets []string
		want    []string // named as missing
	}{
		{"previous keys unset", config.Config{JWTKey: "j", SealKey: "s", MACKey: "m"},
			[]string{"WORKGATE_JWT_KEY", "WORKGATE_JWT_KEY_PREVIOUS", "WORKGATE_SEAL_KEY_PREVIOUS", "WORKGATE_MAC_KEY_PREVIOUS"}, nil},
		{"ID key unset", config.Config{JWTKey: "j"}, []string{"WORKGATE_JWT_KEY", "WORKGATE_ID_KEY"}, []string{"WORKGATE_ID_KEY"}},
		{"ID key set", config.Config{IDKey: "i"}, []string{"WORKGATE_ID_KEY"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSecrets(&tc.cfg, tc.secrets)
			if (err != nil) != (len(tc.want) > 0) {
				t.Fatalf("checkSecrets = %v, want missing %v", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestLoadKeysRotation: with the previous keys configured, the signer
// signs with the new key and lists both in its JWKS, as an issuer named by
// PUBLIC_URL for its API; the sealer opens what the old key sealed; the
// MACer accepts the old key's MACs; the ID key is a key of its own.
func TestLoadKeysRotation(t *testing.T) {
	key := func(fill byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 32)) }
	open := func(cfg *config.Config) *Deps {
		t.Helper()
		d := &Deps{Config: cfg, Clock: clock.System{}}
		if err := d.loadKeys(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := open(&config.Config{PublicURL: "https://workgate.example/", JWTKey: key(1), SealKey: key(2), MACKey: key(3), IDKey: key(4)})
	after := open(&config.Config{
		PublicURL: "https://workgate.example/", JWTKey: key(5), SealKey: key(6), MACKey: key(7), IDKey: key(4),
		JWTKeyPrevious: key(1), SealKeyPrevious: key(2), MACKeyPrevious: key(3),
	})
	if got := after.Signer.JWKS().Keys; len(got) != 2 || got[0].Kid != after.Signer.KeyID() || got[1].Kid != before.Signer.KeyID() {
		t.Errorf("JWKS after the rotation = %+v, want the new key then the old one", got)
	}
	if after.Signer.Issuer() != "https://workgate.example" || after.Signer.Audience() != "https://workgate.example/v1" {
		t.Errorf("issuer, audience = %q, %q", after.Signer.Issuer(), after.Signer.Audience())
	}
	if got, err := after.Sealer.Open(before.Sealer.Seal("link")); err != nil || got != "link" {
		t.Errorf("opening what the old key sealed = %q, %v", got, err)
	}
	if !after.MACer.Equal(before.MACer.MAC("login-code", "a", "123456"), "login-code", "a", "123456") {
		t.Error("the old MAC key's MAC is refused")
	}
	if after.IDs.MAC("room") != before.IDs.MAC("room") || after.IDs.MAC("room") == after.MACer.MAC("room") {
		t.Error("the ID key does not derive the same IDs across the rotation, or is the MAC key")
	}

	for _, name := range []string{"JWT", "SEAL", "MAC"} {
		cfg := &config.Config{PublicURL: "https://workgate.example", JWTKey: key(1), SealKey: key(2), MACKey: key(3)}
		const junk = "not-a-key-at-all"
		switch name {
		case "JWT":
			cfg.JWTKeyPrevious = junk
		case "SEAL":
			cfg.SealKeyPrevious = junk
		case "MAC":
			cfg.MACKeyPrevious = junk
		}
		err := (&Deps{Config: cfg, Clock: clock.System{}}).loadKeys()
		if err == nil || !strings.Contains(err.Error(), "WORKGATE_"+name+"_KEY_PREVIOUS") || strings.Contains(err.Error(), junk) {
			t.Errorf("a malformed %s previous key: %v, want an error naming it without quoting it", name, err)
		}
	}
}

// TestStartedAddr: the address a function's "function started" line names,
// as the loopback address to reach it at; no other line names one.
func TestStartedAddr(t *testing.T) {
	cases := []struct {
		line, want string
		ok         bool
	}{
		{`{"level":"INFO","message":"function started","function":"api","addr":"[::]:41234"}`, "127.0.0.1:41234", true},
		{`{"message":"function started","addr":"127.0.0.1:8080"}`, "127.0.0.1:8080", true},
		{`{"message":"function started"}`, "", false},
		{`{"message":"request","addr":"[::]:41234"}`, "", false},
		{`function started [::]:41234`, "", false},
		{``, "", false},
	}
	for _, c := range cases {
		if got, ok := StartedAddr([]byte(c.line)); got != c.want || ok != c.ok {
			t.Errorf("StartedAddr(%s) = %q, %v; want %q, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

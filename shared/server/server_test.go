package server

import (
	"context"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/config"
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

package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := LoadFrom(env(map[string]string{"WORKGATE_DEV": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Project != "demo-workgate" || c.PublicURL != "http://127.0.0.1:8080" || !c.Dev || c.PublishTimeout != 2*time.Second {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if want := c.PublicURL + "/app/"; c.AppURL != want {
		t.Fatalf("AppURL defaults to %q, want %q (PUBLIC_URL + /app/)", c.AppURL, want)
	}
	if c.FCMURL != "https://fcm.googleapis.com/" || c.FCMProject != c.Project {
		t.Fatalf("FCM defaults to %q, project %q; want the real FCM as the project", c.FCMURL, c.FCMProject)
	}
	if got := c.PublicLink("/verify-email/x"); got != "http://127.0.0.1:8080/verify-email/x" {
		t.Fatalf("PublicLink = %q", got)
	}
}

// TestDevLoopback: dev mode starts on every loopback address, and
// production mode may run on Cloud Run.
func TestDevLoopback(t *testing.T) {
	cases := []map[string]string{
		{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://127.0.0.1:8080"},
		{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://127.0.0.2:41234/"},
		{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://localhost:8080"},
		{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://LOCALHOST"},
		{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://[::1]:8080"},
		{"WORKGATE_DEV": "0", "PUBLIC_URL": "https://workgate.example", "K_SERVICE": "mailer"},
	}
	for _, vars := range cases {
		t.Run(vars["PUBLIC_URL"], func(t *testing.T) {
			if _, err := LoadFrom(env(vars)); err != nil {
				t.Fatalf("LoadFrom = %v, want it to start", err)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"http outside dev", map[string]string{}, "https"},
		{"bad duration", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_PUBLISH_TIMEOUT": "soon"}, "WORKGATE_PUBLISH_TIMEOUT"},
		{"bad bool", map[string]string{"WORKGATE_DEV": "yes please"}, "WORKGATE_DEV"},
		{"bad url", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "example.com"}, "PUBLIC_URL"},
		{"bad app url", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_APP_URL": "/app"}, "WORKGATE_APP_URL"},
		{"bad sender", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_MAIL_FROM": "nobody"}, "WORKGATE_MAIL_FROM"},
		{"bad FCM url", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_FCM_URL": "fcm.googleapis.com"}, "WORKGATE_FCM_URL"},
		// Outside dev mode the push function sends its service account's
		// token there.
		{"FCM over http outside dev", map[string]string{"PUBLIC_URL": "https://workgate.example", "WORKGATE_FCM_URL": "http://127.0.0.1:8025/"}, "WORKGATE_FCM_URL"},
		{"negative hashes", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_HASH_CONCURRENCY": "-1"}, "HASH_CONCURRENCY"},
		// Cheaper hashes are for the tests' dev stacks only.
		{"cheap hashes outside dev", map[string]string{"PUBLIC_URL": "https://workgate.example", "WORKGATE_DEV_HASH_MEMORY_KIB": "1024"}, "dev mode only"},
		{"hashes of too little memory", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_DEV_HASH_MEMORY_KIB": "8"}, "WORKGATE_DEV_HASH_MEMORY_KIB"},
		{"hashes of more than the product's", map[string]string{"WORKGATE_DEV": "1", "WORKGATE_DEV_HASH_MEMORY_KIB": "65536"}, "WORKGATE_DEV_HASH_MEMORY_KIB"},
		// Dev mode's surface (a movable clock, pushes without a token, dev
		// keys) must never face the network.
		{"dev on Cloud Run", map[string]string{"WORKGATE_DEV": "1", "K_SERVICE": "mailer"}, "K_SERVICE"},
		{"dev on a public host", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "https://workgate.example"}, "loopback"},
		{"dev on a LAN address", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://192.168.0.10:8080"}, "loopback"},
		{"dev on every address", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://0.0.0.0:8080"}, "loopback"},
		{"dev on a name that looks local", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://127.0.0.1.nip.io:8080"}, "loopback"},
		{"dev on a localhost subdomain of another host", map[string]string{"WORKGATE_DEV": "1", "PUBLIC_URL": "http://localhost.workgate.example"}, "loopback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFrom(env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadFrom = %v, want error mentioning %q", err, tc.want)
			}
		})
	}
}

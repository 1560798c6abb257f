package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pkcs8PEM(tb testing.TB, key any) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestParseSigningKey(t *testing.T) {
	t.Parallel()
	// A seed whose encodings use + / - _ and padding, so each alphabet is
	// really exercised.
	seed := bytes.Repeat([]byte{0xfb, 0xef, 0xbe, 0xff}, 8)
	want := ed25519.NewKeyFromSeed(seed)
	pemText := pkcs8PEM(t, want)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		value string
		ok    bool
	}{
		{name: "std base64 seed", value: base64.StdEncoding.EncodeToString(seed), ok: true},
		{name: "std base64 seed unpadded", value: base64.RawStdEncoding.EncodeToString(seed), ok: true},
		{name: "url base64 seed", value: base64.URLEncoding.EncodeToString(seed), ok: true},
		{name: "url base64 seed unpadded", value: base64.RawURLEncoding.EncodeToString(seed), ok: true},
		{name: "seed with surrounding space", value: "  " + base64.StdEncoding.EncodeToString(seed) + "\n", ok: true},
		{name: "PKCS#8 PEM", value: pemText, ok: true},
		{name: "PEM with literal \\n", value: strings.ReplaceAll(pemText, "\n", `\n`), ok: true},
		{name: "PEM with surrounding space", value: "\n\n" + pemText + "  ", ok: true},
		{name: "empty", value: ""},
		{name: "blank", value: "  \n"},
		{name: "31-byte seed", value: base64.StdEncoding.EncodeToString(seed[:31])},
		{name: "33-byte seed", value: base64.StdEncoding.EncodeToString(append(seed, 1))},
		{name: "64-byte private key", value: base64.StdEncoding.EncodeToString(want)},
		{name: "not base64", value: "this is not a key at all, not base64!"},
		{name: "hex seed", value: strings.Repeat("ab", 32)},
		{name: "PEM of a P-256 key", value: pkcs8PEM(t, ec)},
		{name: "PEM of another type", value: strings.ReplaceAll(pemText, "PRIVATE KEY", "EC PRIVATE KEY")},
		{name: "PEM with a broken body", value: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		{name: "PEM header only", value: "-----BEGIN PRIVATE KEY-----"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSigningKey(tc.value)
			if !tc.ok {
				if err == nil {
					t.Fatal("ParseSigningKey accepted a bad key")
				}
				if v := strings.TrimSpace(tc.value); len(v) > 8 && strings.Contains(err.Error(), v) {
					t.Errorf("error %q quotes the value", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSigningKey: %v", err)
			}
			if !got.Equal(want) {
				t.Error("ParseSigningKey returned another key")
			}
		})
	}
}

func TestParseSealKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xfb, 0xef, 0xbe, 0xff}, 8)
	cases := []struct {
		name  string
		value string
		ok    bool
	}{
		{name: "std", value: base64.StdEncoding.EncodeToString(key), ok: true},
		{name: "std unpadded", value: base64.RawStdEncoding.EncodeToString(key), ok: true},
		{name: "url", value: base64.URLEncoding.EncodeToString(key), ok: true},
		{name: "url unpadded", value: base64.RawURLEncoding.EncodeToString(key), ok: true},
		{name: "trailing newline", value: base64.StdEncoding.EncodeToString(key) + "\n", ok: true},
		{name: "empty", value: ""},
		{name: "16 bytes", value: base64.StdEncoding.EncodeToString(key[:16])},
		{name: "31 bytes", value: base64.StdEncoding.EncodeToString(key[:31])},
		{name: "33 bytes", value: base64.StdEncoding.EncodeToString(append(key, 0))},
		{name: "not base64", value: "!!!!not-base64-at-all-but-long-enough!!!!!"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSealKey(tc.value)
			if !tc.ok {
				if err == nil {
					t.Fatalf("ParseSealKey accepted %q", tc.value)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSealKey: %v", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("ParseSealKey = %x, want %x", got, key)
			}
		})
	}
}

func TestParseMACKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    int
		ok   bool
	}{
		{name: "31 bytes", n: 31},
		{name: "32 bytes", n: 32, ok: true},
		{name: "64 bytes", n: 64, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := bytes.Repeat([]byte{7}, tc.n)
			got, err := ParseMACKey(base64.StdEncoding.EncodeToString(key))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseMACKey(%d bytes) error = %v, want ok %v", tc.n, err, tc.ok)
			}
			if tc.ok && !bytes.Equal(got, key) {
				t.Errorf("ParseMACKey = %x, want %x", got, key)
			}
		})
	}
}

// devKeyCases are the Dev* loaders, each as a function returning its key's
// bytes, and the file each keeps.
var devKeyCases = []struct {
	name string
	file string
	load func(dir string) ([]byte, error)
}{
	{name: "DevSigningKey", file: DevSigningKeyFile, load: func(dir string) ([]byte, error) {
		k, err := DevSigningKey(dir)
		return k, err
	}},
	{name: "DevSealKey", file: DevSealKeyFile, load: DevSealKey},
	{name: "DevMACKey", file: DevMACKeyFile, load: DevMACKey},
	{name: "DevIDKey", file: DevIDKeyFile, load: DevIDKey},
}

func mustLoad(tb testing.TB, load func(string) ([]byte, error), dir string) []byte {
	tb.Helper()
	k, err := load(dir)
	if err != nil {
		tb.Fatalf("load %s: %v", dir, err)
	}
	if len(k) == 0 {
		tb.Fatal("empty key")
	}
	return k
}

func TestDevKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range devKeyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "nested", ".keys") // does not exist yet
			first := mustLoad(t, tc.load, dir)
			second := mustLoad(t, tc.load, dir)
			if !bytes.Equal(first, second) {
				t.Error("second load returned another key")
			}
			if other := mustLoad(t, tc.load, t.TempDir()); bytes.Equal(first, other) {
				t.Error("two folders got the same key")
			}

			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{tc.file}, names); diff != "" {
				t.Errorf("folder contents (-want +got):\n%s", diff)
			}
			if runtime.GOOS == "windows" {
				return // no Unix modes
			}
			for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, tc.file): 0o600} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("mode of %s = %v, want %v", path, got, want)
				}
			}
		})
	}
}

func TestDevKeysRace(t *testing.T) {
	t.Parallel()
	const racers = 8
	for _, tc := range devKeyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "keys")
			keys := make([][]byte, racers)
			loadErrs := make([]error, racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					<-start
					keys[i], loadErrs[i] = tc.load(dir)
				})
			}
			close(start)
			wg.Wait()
			for i := range racers {
				if loadErrs[i] != nil {
					t.Fatalf("racer %d: %v", i, loadErrs[i])
				}
				if !bytes.Equal(keys[i], keys[0]) {
					t.Errorf("racer %d got another key than racer 0", i)
				}
			}
			if after := mustLoad(t, tc.load, dir); !bytes.Equal(after, keys[0]) {
				t.Error("the file holds another key than the racers got")
			}
		})
	}
}

func TestDevKeysCorruptFile(t *testing.T) {
	t.Parallel()
	for _, tc := range devKeyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			const junk = "junk-that-is-no-key"
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(junk), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := tc.load(dir)
			if err == nil {
				t.Fatal("loaded a corrupt key file")
			}
			if !strings.Contains(err.Error(), tc.file) || strings.Contains(err.Error(), junk) {
				t.Errorf("error %q should name the file and not quote it", err)
			}
		})
	}
}

func TestDevSigningKeyFileIsPEM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, err := DevSigningKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, DevSigningKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("file is not a PRIVATE KEY PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Equal(parsed) {
		t.Error("the file holds another key than DevSigningKey returned")
	}
}

// TestDevIDKeyKeepsRooms: a dev key folder made before the ID key existed
// derived room IDs with its mac.key, so the ID key starts as a copy of it;
// a fresh folder gets a key of its own, not the MAC key.
func TestDevIDKeyKeepsRooms(t *testing.T) {
	t.Parallel()
	old := t.TempDir()
	mac := mustLoad(t, DevMACKey, old)
	if id := mustLoad(t, DevIDKey, old); !bytes.Equal(id, mac) {
		t.Error("the ID key of a folder with a mac.key is not that key")
	}
	fresh := t.TempDir()
	id := mustLoad(t, DevIDKey, fresh)
	if mac := mustLoad(t, DevMACKey, fresh); bytes.Equal(id, mac) {
		t.Error("a fresh folder's ID key is its MAC key")
	}
	if _, err := ParseIDKey(base64.StdEncoding.EncodeToString(make([]byte, 31))); err == nil {
		t.Error("ParseIDKey accepted 31 bytes")
	}
}

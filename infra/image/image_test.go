package image

import (
	"archive/tar"
	"context"
	"debug/elf"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// machine is a build machine's files, as LocalBase reads them.
func machine() fstest.MapFS {
	return fstest.MapFS{
		"etc/ssl/certs/ca-certificates.crt": {Data: []byte("-----BEGIN CERTIFICATE-----\n")},
		"usr/share/zoneinfo/Asia/Seoul":     {Data: []byte("TZif2")},
		"usr/share/zoneinfo/ROK":            {Data: []byte("Asia/Seoul"), Mode: fs.ModeSymlink},
		"etc/shadow":                        {Data: []byte("not taken")},
	}
}

// entry is one entry of a layer, as the test compares it.
type entry struct {
	Type     byte
	Mode     int64
	UID, GID int
	Link     string
	Body     string
}

func entries(tb testing.TB, img v1.Image) map[string]entry {
	tb.Helper()
	layers, err := img.Layers()
	if err != nil {
		tb.Fatal(err)
	}
	got := map[string]entry{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			tb.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			if _, dup := got[h.Name]; dup {
				tb.Errorf("%s written twice", h.Name)
			}
			if h.ModTime.Unix() != 0 {
				tb.Errorf("%s has time stamp %v, want 0", h.Name, h.ModTime)
			}
			body, _ := io.ReadAll(tr)
			got[h.Name] = entry{h.Typeflag, h.Mode, h.Uid, h.Gid, h.Linkname, string(body)}
		}
		rc.Close()
	}
	return got
}

func TestLocalBase(t *testing.T) {
	img, err := LocalBase(machine(), "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	got := entries(t, img)
	dir := func(mode int64, owner int) entry { return entry{Type: tar.TypeDir, Mode: mode, UID: owner, GID: owner} }
	file := func(body string) entry { return entry{Type: tar.TypeReg, Mode: 0o644, Body: body} }
	want := map[string]entry{
		"etc/":                              dir(0o755, 0),
		"etc/ssl/":                          dir(0o755, 0),
		"etc/ssl/certs/":                    dir(0o755, 0),
		"etc/ssl/certs/ca-certificates.crt": file("-----BEGIN CERTIFICATE-----\n"),
		"etc/group":                         file(baseFiles[0].text),
		"etc/nsswitch.conf":                 file("hosts: files dns\n"),
		"etc/passwd":                        file(baseFiles[2].text),
		"home/":                             dir(0o755, 0),
		"home/nonroot/":                     dir(0o700, Nonroot),
		"tmp/":                              dir(0o1777, 0),
		"usr/":                              dir(0o755, 0),
		"usr/share/":                        dir(0o755, 0),
		"usr/share/zoneinfo/":               dir(0o755, 0),
		"usr/share/zoneinfo/Asia/":          dir(0o755, 0),
		"usr/share/zoneinfo/Asia/Seoul":     file("TZif2"),
		"usr/share/zoneinfo/ROK":            {Type: tar.TypeSymlink, Mode: 0o777, Link: "Asia/Seoul"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layer (-want +got):\n%s", diff)
	}
	if !strings.Contains(got["etc/passwd"].Body, "nonroot:x:65532:65532:nonroot:/home/nonroot:") {
		t.Errorf("/etc/passwd has no nonroot user:\n%s", got["etc/passwd"].Body)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" || cf.Config.User != "65532" || cf.Config.WorkingDir != "/home/nonroot" ||
		!slices.Contains(cf.Config.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
		t.Errorf("config %s/%s user %q dir %q env %q, want linux/amd64, 65532 in /home/nonroot with SSL_CERT_FILE",
			cf.OS, cf.Architecture, cf.Config.User, cf.Config.WorkingDir, cf.Config.Env)
	}

	// The same files make the same image: ko finds it by digest.
	again, err := LocalBase(machine(), "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("two builds from the same files: %s and %s", d1, d2)
	}
}

func TestLocalBaseMachines(t *testing.T) {
	noZoneinfo := machine()
	delete(noZoneinfo, "usr/share/zoneinfo/Asia/Seoul")
	delete(noZoneinfo, "usr/share/zoneinfo/ROK")
	noCerts := machine()
	delete(noCerts, "etc/ssl/certs/ca-certificates.crt")
	cases := []struct {
		name    string
		fsys    fs.FS
		wantErr bool
	}{
		{"no zoneinfo: built without it", noZoneinfo, false},
		{"no CA certificates: refused", noCerts, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LocalBase(tc.fsys, "linux/amd64")
			if (err != nil) != tc.wantErr {
				t.Fatalf("LocalBase: %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// appImage is LocalBase with an app layer on top, as ko would add it.
func appImage(tb testing.TB) v1.Image {
	tb.Helper()
	base, err := LocalBase(machine(), "linux/amd64")
	if err != nil {
		tb.Fatal(err)
	}
	app, err := newLayer(func(w *tarWriter) error {
		w.file("ko-app/workgate", []byte("binary"), 0o555)
		w.file("etc/ssl/certs/ca-certificates.crt", []byte("replaced"), 0o644)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: app, History: v1.History{Comment: "go build output"}})
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func TestOpenDescribeReadFile(t *testing.T) {
	img := appImage(t)
	dir := filepath.Join(t.TempDir(), "image")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	opened, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Describe(opened)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if s.Digest != want || len(s.Layers) != 2 || s.Layers[1].Comment != "go build output" {
		t.Errorf("Describe = %s with %d layers %+v, want %s with the app layer on top", s.Digest, len(s.Layers), s.Layers, want)
	}
	if s.Compressed != s.Layers[0].Size+s.Layers[1].Size || s.Layers[1].Size == 0 {
		t.Errorf("compressed %d, layers %+v", s.Compressed, s.Layers)
	}
	if s.Config.User != "65532" {
		t.Errorf("user %q", s.Config.User)
	}
	for name, want := range map[string]string{"/ko-app/workgate": "binary", "/etc/ssl/certs/ca-certificates.crt": "replaced", "/etc/nsswitch.conf": "hosts: files dns\n"} {
		got, err := ReadFile(opened, name)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := ReadFile(opened, "/etc/shadow"); err == nil {
		t.Error("ReadFile found /etc/shadow, which no layer holds")
	}

	// A layout of two builds is refused: which one would be measured?
	if err := p.AppendImage(mutate.MediaType(empty.Image, "application/vnd.oci.image.manifest.v1+json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open took a layout of two images")
	}
}

// TestKoConfig: the image is built on distroless static nonroot pinned by
// digest, for Cloud Run's platform, from a static, stripped binary.
func TestKoConfig(t *testing.T) {
	c, err := LoadKoConfig("../../.ko.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^gcr\.io/distroless/static-debian12:nonroot@sha256:[0-9a-f]{64}$`).MatchString(c.DefaultBaseImage) {
		t.Errorf("defaultBaseImage %q, want distroless static-debian12 nonroot pinned by digest", c.DefaultBaseImage)
	}
	if !slices.Equal(c.DefaultPlatforms, []string{"linux/amd64"}) {
		t.Errorf("defaultPlatforms %v, want linux/amd64", c.DefaultPlatforms)
	}
	b, _ := c.Build()
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Equal(b.Ldflags, []string{"-s", "-w"}) {
		t.Errorf("build %+v, want CGO_ENABLED=0 and ldflags -s -w", b)
	}
}

func TestLoadKoConfigRefuses(t *testing.T) {
	cases := []struct{ name, yaml string }{
		{"no platform", "builds: [{main: ./functions/cmd/workgate}]\n"},
		{"two platforms", "defaultPlatforms: [linux/amd64, linux/arm64]\nbuilds: [{main: ./functions/cmd/workgate}]\n"},
		{"no build of the binary", "defaultPlatforms: [linux/amd64]\nbuilds: [{main: ./other}]\n"},
		{"not YAML", "defaultPlatforms: [\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), ".ko.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadKoConfig(file); err == nil {
				t.Error("LoadKoConfig took it")
			}
		})
	}
}

// TestGoBuild: a program built as the image's binary is static and
// stripped.
func TestGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	c, err := LoadKoConfig("../../.ko.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":  "module hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"net\"\n\nfunc main() { _, _ = net.LookupHost(\"localhost\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "hello")
	if err := c.GoBuild(context.Background(), dir, ".", out); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("dynamically linked (a PT_INTERP header): CGO_ENABLED=0 was not applied")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("has a symbol table: -ldflags -s was not applied")
	}
}

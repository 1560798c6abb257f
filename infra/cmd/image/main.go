// Command image builds workgate's one image with ko, with no Docker engine,
// into an OCI image layout, then checks and describes what it built
// (`make image`). The base is the one /.ko.yaml pins, by digest, when its
// registry answers; otherwise (a closed network) a stand-in for it made of
// this machine's files (infra/image.LocalBase), which ko reads from its own
// cache, so the build touches no network at all. An image built on the
// stand-in says so in its base annotation: it is for local runs, not for
// deployment.
//
// Push the layout as it is (the digest printed is the one pushed), e.g.
//
//	crane push .workgate/image REGION-docker.pkg.dev/PROJECT/workgate/workgate:TAG
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/workgate/workgate/infra/image"
)

var (
	koPath = flag.String("ko", "bin/ko", "the ko binary (make image installs the pinned version)")
	out    = flag.String("out", ".workgate/image", "the OCI image layout to write (replaced)")
	cache  = flag.String("cache", ".workgate/ko", "ko's cache (KOCACHE): built binaries, and the local base")
	base   = flag.String("base", "auto", "registry: the pinned base (its registry must answer); local: the stand-in made of this machine's files; auto: registry if it answers, else local")
)

func main() {
	flag.Parse()
	if err := realMain(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	cfg, err := image.LoadKoConfig(".ko.yaml")
	if err != nil {
		return err
	}
	cacheDir, err := filepath.Abs(*cache)
	if err != nil {
		return err
	}
	env := append(os.Environ(), "KOCACHE="+cacheDir)
	local := *base == "local"
	switch *base {
	case "registry", "local":
	case "auto":
		if err := reachable(ctx, cfg.DefaultBaseImage); err != nil {
			fmt.Fprintf(os.Stderr, "image: the pinned base's registry does not answer (%v):\n  building on the local stand-in for it, made of this machine's files: for local runs, not for deployment\n", err)
			local = true
		}
	default:
		return fmt.Errorf("-base %q: want registry, local or auto", *base)
	}
	if local {
		ref, err := cacheLocalBase(cacheDir, cfg.DefaultPlatforms[0])
		if err != nil {
			return err
		}
		env = append(env, "KO_DEFAULTBASEIMAGE="+ref)
	}

	// ko appends to a layout that exists: it writes a new one, which
	// replaces the last build once checked.
	next := *out + ".next"
	if err := os.RemoveAll(next); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(next) }()
	//nolint:gosec // the ko that make image installed
	cmd := exec.CommandContext(ctx, *koPath, "build", image.Main, "--push=false", "--oci-layout-path="+next, "--sbom=none")
	// Its stdout is the reference, which report prints.
	cmd.Env, cmd.Stderr = env, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s build: %w", *koPath, err)
	}
	img, err := image.Open(next)
	if err != nil {
		return err
	}
	s, err := image.Describe(img)
	if err != nil {
		return err
	}
	bin, err := image.ReadFile(img, image.Binary)
	if err != nil {
		return err
	}
	if err := check(s); err != nil {
		return fmt.Errorf("the image built: %w", err)
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.Rename(next, *out); err != nil {
		return err
	}
	report(s, len(bin))
	return nil
}

// reachable reports whether the registry of ref answers over HTTPS (any
// answer will do; its /v2/ asks for a token).
func reachable(ctx context.Context, ref string) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+r.Context().RegistryStr()+"/v2/", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// cacheLocalBase builds the local base and puts it where ko looks for a
// base pinned by digest before it pulls one: the OCI image layout of its
// cache, $KOCACHE/img (ko v0.19's commands/cache.go). It returns the
// reference to build on, which is never pulled: its domain cannot resolve.
func cacheLocalBase(cacheDir, platform string) (string, error) {
	img, err := image.LocalBase(os.DirFS("/"), platform)
	if err != nil {
		return "", err
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir, "img")
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return "", err
		}
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return "", err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return "", err
	}
	if !slices.ContainsFunc(m.Manifests, func(d v1.Descriptor) bool { return d.Digest == digest }) {
		if err := p.AppendImage(img); err != nil {
			return "", err
		}
	}
	return image.LocalBaseRepository + "@" + digest.String(), nil
}

// check refuses an image that would not run as the services expect: as
// nonroot, the binary its entrypoint, the function not baked in.
func check(s image.Summary) error {
	var problems []error
	if u := s.Config.User; u != fmt.Sprint(image.Nonroot) && u != "nonroot" && !strings.HasPrefix(u, fmt.Sprint(image.Nonroot)+":") {
		problems = append(problems, fmt.Errorf("runs as %q, want nonroot (%d)", u, image.Nonroot))
	}
	if !slices.Equal(s.Config.Entrypoint, []string{image.Binary}) || len(s.Config.Cmd) > 0 {
		problems = append(problems, fmt.Errorf("entrypoint %q, cmd %q: want [%s] alone", s.Config.Entrypoint, s.Config.Cmd, image.Binary))
	}
	for _, e := range s.Config.Env {
		if strings.HasPrefix(e, "FUNCTION_TARGET=") {
			problems = append(problems, fmt.Errorf("%s is baked in: the service sets it", e))
		}
	}
	return errors.Join(problems...)
}

func report(s image.Summary, binary int) {
	fmt.Printf("%s@%s\n", *out, s.Digest)
	fmt.Printf("  base        %s\n", s.Base)
	fmt.Printf("  user        %s\n  entrypoint  %s\n  env         %s\n", s.Config.User, strings.Join(s.Config.Entrypoint, " "), strings.Join(s.Config.Env, " "))
	for _, l := range s.Layers {
		fmt.Printf("  layer %s  %9s  %s\n", l.Digest.Hex[:12], mb(l.Size), l.Comment)
	}
	fmt.Printf("  %d layers, %s compressed; the binary %s\n", len(s.Layers), mb(s.Compressed), mb(int64(binary)))
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

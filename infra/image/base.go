package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// LocalBaseRepository names the local base in the image it is built on
// (ko records it as org.opencontainers.image.base.name). Its domain can
// never resolve (RFC 2606), so nothing is ever pulled from it: ko finds the
// base by digest in its cache (see the image command).
const LocalBaseRepository = "local.invalid/workgate/base"

// Nonroot is the user the image runs as: distroless's nonroot.
const Nonroot = 65532

// What the local base takes from the machine (Debian's ca-certificates and
// tzdata, as distroless static-debian12 holds them), relative to its root.
const (
	caCertificates = "etc/ssl/certs/ca-certificates.crt"
	zoneinfo       = "usr/share/zoneinfo"
)

// baseFiles are the files the local base writes itself, as distroless's
// base-files and nsswitch do: its users and groups, and the resolver's
// order (Go's resolver reads it).
var baseFiles = []struct {
	name, text string
}{
	{"etc/group", "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"},
	{"etc/nsswitch.conf", "hosts: files dns\n"},
	{"etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
}

// LocalBase is a stand-in for gcr.io/distroless/static-debian12:nonroot made
// only of files on this machine (root is its file system, os.DirFS("/")),
// for platform ("linux/amd64"; nothing in it is a program):
// the CA certificates and, if present, the zoneinfo tree, with users and
// groups of its own; it runs as nonroot (65532) in /home/nonroot with
// SSL_CERT_FILE set, as distroless does. It lets `make image` build where
// no registry can be reached; one built from the same files has the same
// digest (every time stamp is zero).
func LocalBase(root fs.FS, platform string) (v1.Image, error) {
	layer, err := baseLayer(root)
	if err != nil {
		return nil, fmt.Errorf("image.LocalBase: %w", err)
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:   layer,
		History: v1.History{Author: "workgate", CreatedBy: "infra/image.LocalBase", Comment: "CA certificates and zoneinfo of the build machine, users and groups"},
	})
	if err != nil {
		return nil, fmt.Errorf("image.LocalBase: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image.LocalBase: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, _ = strings.Cut(platform, "/")
	cf.Config = v1.Config{
		User:       fmt.Sprint(Nonroot),
		WorkingDir: "/home/nonroot",
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"SSL_CERT_FILE=/" + caCertificates,
		},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image.LocalBase: %w", err)
	}
	return img, nil
}

// baseLayer is the local base's one layer.
func baseLayer(root fs.FS) (v1.Layer, error) {
	return newLayer(func(w *tarWriter) error {
		w.dir("home/nonroot", 0o700, Nonroot)
		w.dir("tmp", 0o777|fs.ModeSticky, 0)
		for _, f := range baseFiles {
			w.file(f.name, []byte(f.text), 0o644)
		}
		certs, err := fs.ReadFile(root, caCertificates)
		if err != nil {
			return fmt.Errorf("the CA certificates (Debian's ca-certificates): %w", err)
		}
		w.file(caCertificates, certs, 0o644)
		if err := w.tree(root, zoneinfo); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("zoneinfo: %w", err)
		}
		return nil
	})
}

// newLayer is the layer of the entries write writes.
func newLayer(write func(w *tarWriter) error) (v1.Layer, error) {
	var buf bytes.Buffer
	w := &tarWriter{tw: tar.NewWriter(&buf), dirs: map[string]bool{}}
	if err := write(w); err != nil {
		return nil, err
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := w.tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// tarWriter writes a layer's entries, their parent directories first, owned
// by root unless said otherwise, with zero time stamps; the first error
// sticks.
type tarWriter struct {
	tw   *tar.Writer
	dirs map[string]bool
	err  error
}

func (w *tarWriter) write(h *tar.Header, body []byte) {
	if w.err != nil {
		return
	}
	w.parents(h.Name)
	h.ModTime, h.Format = time.Unix(0, 0), tar.FormatPAX
	if w.err = w.tw.WriteHeader(h); w.err == nil && len(body) > 0 {
		_, w.err = w.tw.Write(body)
	}
}

func (w *tarWriter) parents(name string) {
	dir := path.Dir(strings.TrimSuffix(name, "/"))
	if dir == "." || w.dirs[dir] {
		return
	}
	w.dir(dir, 0o755, 0)
}

func (w *tarWriter) dir(name string, mode fs.FileMode, owner int) {
	if w.dirs[name] {
		return
	}
	w.dirs[name] = true
	w.write(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(mode.Perm()) | sticky(mode), Uid: owner, Gid: owner}, nil)
}

func sticky(mode fs.FileMode) int64 {
	if mode&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

func (w *tarWriter) file(name string, body []byte, mode fs.FileMode) {
	w.write(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(mode), Size: int64(len(body))}, body)
}

// tree copies the directory dir of root: its directories, regular files
// and symbolic links (as links), in lexical order.
func (w *tarWriter) tree(root fs.FS, dir string) error {
	return fs.WalkDir(root, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			w.dir(name, 0o755, 0)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(root, name)
			if err != nil {
				return err
			}
			w.write(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}, nil)
		case d.Type().IsRegular():
			body, err := fs.ReadFile(root, name)
			if err != nil {
				return err
			}
			w.file(name, body, 0o644)
		}
		return w.err
	})
}

// Package image builds and reads workgate's one container image: the binary
// of every function (functions/cmd/workgate) on distroless static nonroot,
// built by ko as /.ko.yaml says, with no Docker engine, into an OCI image
// layout (`make image`: .workgate/image). FUNCTION_TARGET, set per Cloud
// Run service, picks the function an instance serves; it is not in the
// image. Where no registry can be reached, the image is built on LocalBase,
// a stand-in for distroless made of this machine's files.
package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Binary is where ko puts the binary in the image, and the image's
// entrypoint.
const Binary = "/ko-app/workgate"

// Open returns the one image of the OCI image layout dir.
func Open(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("image.Open: %w", err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("image.Open: %w", err)
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("image.Open: %s holds %d manifests, want the one image", dir, len(m.Manifests))
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		return nil, fmt.Errorf("image.Open: %w", err)
	}
	return img, nil
}

// Summary is what an image is made of, as a registry stores it.
type Summary struct {
	Digest v1.Hash
	// Layers are the layers, base first, with what made them.
	Layers []Layer
	// Compressed is the sum of the layers' compressed sizes: what a
	// registry stores and an instance pulls (manifest and config aside).
	Compressed int64
	// Base is the base image's name, as ko notes it in the manifest.
	Base string
	// Config is the image's runtime configuration.
	Config v1.Config
}

// Layer is one layer of an image.
type Layer struct {
	Digest v1.Hash
	Size   int64 // compressed
	// Comment is the history entry's comment (ko says what the layer holds).
	Comment string
}

// Describe summarises img.
func Describe(img v1.Image) (Summary, error) {
	var s Summary
	var err error
	if s.Digest, err = img.Digest(); err != nil {
		return s, fmt.Errorf("image.Describe: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return s, fmt.Errorf("image.Describe: %w", err)
	}
	s.Base = m.Annotations["org.opencontainers.image.base.name"]
	cf, err := img.ConfigFile()
	if err != nil {
		return s, fmt.Errorf("image.Describe: %w", err)
	}
	s.Config = cf.Config
	var comments []string
	for _, h := range cf.History {
		if !h.EmptyLayer {
			comments = append(comments, h.Comment)
		}
	}
	for i, l := range m.Layers {
		layer := Layer{Digest: l.Digest, Size: l.Size}
		if len(comments) == len(m.Layers) {
			layer.Comment = comments[i]
		}
		s.Layers = append(s.Layers, layer)
		s.Compressed += l.Size
	}
	return s, nil
}

// ReadFile returns the file at name (absolute) in img's file system, as
// the layers stacked make it.
func ReadFile(img v1.Image, name string) ([]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	want := path.Clean(name)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("image.ReadFile: no %s in the image", name)
		}
		if err != nil {
			return nil, fmt.Errorf("image.ReadFile: %w", err)
		}
		if path.Clean("/"+h.Name) == want && h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

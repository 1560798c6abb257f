// Command gzipgen writes the web app's text files gzipped, app/<name> to
// appgz/<name>.gz, and removes the .gz files whose source is gone. Run it
// through go generate whenever a file under app changes:
//
//	go generate ./functions/web
//
// The function embeds both folders, so it starts without compressing
// anything (that took 40-50 ms of each start); TestGzipped fails while
// appgz is not app's.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/workgate/workgate/functions/web/internal/assets"
)

func main() {
	if err := run("app", assets.GzipDir); err != nil {
		fmt.Fprintln(os.Stderr, "gzipgen:", err)
		os.Exit(1)
	}
}

func run(srcDir, dstDir string) error {
	if err := os.MkdirAll(dstDir, 0o750); err != nil {
		return err
	}
	src, err := os.OpenRoot(srcDir)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	dst, err := os.OpenRoot(dstDir)
	if err != nil {
		return err
	}
	defer func() { _ = dst.Close() }()

	want := map[string]bool{}
	err = fs.WalkDir(src.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !assets.Compressible(assets.ContentType(name)) {
			return err
		}
		body, err := fs.ReadFile(src.FS(), name)
		if err != nil {
			return err
		}
		zipped, err := assets.Gzip(body)
		if err != nil {
			return err
		}
		out := name + ".gz"
		want[out] = true
		if old, err := fs.ReadFile(dst.FS(), out); err == nil && bytes.Equal(old, zipped) {
			return nil // unchanged
		}
		if err := dst.MkdirAll(path.Dir(out), 0o750); err != nil {
			return err
		}
		return dst.WriteFile(out, zipped, 0o644)
	})
	if err != nil {
		return err
	}
	// Remove what no longer has a source, then the folders left empty.
	var stale, dirs []string
	err = fs.WalkDir(dst.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && name != ".":
			dirs = append(dirs, name)
		case !d.IsDir() && strings.HasSuffix(name, ".gz") && !want[name]:
			stale = append(stale, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := dst.Remove(name); err != nil {
			return err
		}
	}
	for _, dir := range slices.Backward(dirs) { // deepest first
		if entries, err := fs.ReadDir(dst.FS(), dir); err == nil && len(entries) == 0 {
			if err := dst.Remove(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

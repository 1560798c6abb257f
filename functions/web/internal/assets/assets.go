// Package assets holds what the web function and its generator
// (internal/gzipgen) must agree on: a file's content type, whether it is
// sent gzipped, and how it is gzipped.
package assets

import (
	"bytes"
	"compress/gzip"
	"mime"
	"path"
	"strings"
)

// GzipDir is the folder, beside app, that holds app/<name> gzipped as
// GzipDir/<name>.gz for every file Compressible names.
const GzipDir = "appgz"

// ContentType is the file's type by extension, with a charset for text.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Compressible says whether a file of this type is sent gzipped to the
// browsers that accept it: text, SVG and JSON (images and fonts are
// compressed already).
func Compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.HasPrefix(contentType, "image/svg") || strings.HasPrefix(contentType, "application/json")
}

// Gzip gzips body at the best compression, with no name or time in the
// header, so the same body always gives the same bytes.
func Gzip(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

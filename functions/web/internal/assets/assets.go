// Package assets holds what the web function and its generator
// (internal/gzipgen) must agree on: a file's content type, whether it is
// sent gzipped, and how it is gzipped.
package assets

import (
	"bytes"
	"compress/gzip"
	"path"
	"strings"
)

// GzipDir is the folder, beside app, that holds app/<name> gzipped as
// GzipDir/<name>.gz for every file Compressible names.
const GzipDir = "appgz"

// types are the content types of the files the app may hold, by
// extension: a table, not package mime, whose first lookup reads the
// system's type files (a few ms of the function's start) and whose
// answers differ from one machine to the next (the image has none).
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
}

// ContentType is the file's type by extension, with a charset for text;
// application/octet-stream for an extension the table lacks (the web
// function's tests refuse such a file).
func ContentType(name string) string {
	if t, ok := types[path.Ext(name)]; ok {
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

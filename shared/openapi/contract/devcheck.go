package contract

import (
	"bytes"
	"io"
	"net/http"

	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/web"
)

// maxCheckedBody is the largest JSON response body DevCheck keeps to check;
// a larger one has its status, headers and media type checked only.
const maxCheckedBody = 1 << 20

// DevCheck returns next unchanged outside dev mode. In dev mode it checks
// every exchange of a documented operation against the document by Check's
// rules, and logs an ERROR with the request's logger (method, route,
// status, the broken rule) when the response breaks the contract or a
// 2xx answered a request the document refuses, so that `make run` shows a
// break as the e2e tests do.
//
// It never changes what the client gets: the request body is read ahead
// (at most web.MaxBody and one byte, which is what handlers read) and
// handed on whole; the response is written through as it comes, and only a
// JSON body of at most 1 MiB is copied aside. Streams (the live events),
// files and pages are not kept: their status, headers and media type are
// checked. Undocumented paths (404, 405, the push and schedule endpoints)
// pass untouched. It panics if the embedded document does not load, which
// the package's tests rule out.
func DevCheck(dev bool, next http.Handler) http.Handler {
	if !dev {
		return next
	}
	c, err := New()
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		route, params, err := c.FindRoute(req)
		if err != nil {
			next.ServeHTTP(w, req)
			return
		}
		x := Exchange{Request: req}
		if req.Body != nil && req.Body != http.NoBody {
			body, err := io.ReadAll(io.LimitReader(req.Body, web.MaxBody+1))
			x.RequestBody, x.SkipRequestBody = body, err != nil || len(body) > web.MaxBody
			req.Body = readCloser{io.MultiReader(bytes.NewReader(body), req.Body), req.Body}
		}
		rec := &capture{ResponseWriter: w}
		next.ServeHTTP(rec, req)
		if !rec.wrote { // net/http answers 200 with no body
			rec.status, rec.header = http.StatusOK, w.Header().Clone()
		}
		x.Status, x.Header, x.Body, x.SkipBody = rec.status, rec.header, rec.body.Bytes(), !rec.keep
		if err := c.check(req.Context(), route, params, x); err != nil {
			logging.From(req.Context()).Error("the OpenAPI contract is broken",
				"method", req.Method, "route", route.Path, "status", x.Status, "error", err.Error())
		}
	})
}

// readCloser reads the body read ahead, then the rest, and closes the
// original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// capture writes a response through and keeps what DevCheck checks: the
// status, the headers as sent, and a JSON body of at most maxCheckedBody.
type capture struct {
	http.ResponseWriter
	wrote  bool
	status int
	header http.Header
	keep   bool // the body is JSON and all of it is in body
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) {
	if !c.wrote && (code < 100 || code > 199) {
		c.wrote, c.status = true, code
		c.header = c.ResponseWriter.Header().Clone()
		c.keep = isJSON(c.header.Get("Content-Type"))
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	if c.keep {
		if c.body.Len()+len(b) > maxCheckedBody {
			c.keep = false
			c.body = bytes.Buffer{}
		} else {
			c.body.Write(b)
		}
	}
	return c.ResponseWriter.Write(b)
}

// FlushError is what http.ResponseController.Flush calls (the live event
// stream flushes each event): the status is recorded first, then the flush
// goes through, its error with it.
func (c *capture) FlushError() error {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Exchange is one request and the response it was given, as Check reads
// them.
type Exchange struct {
	// Request is the request sent; its Body is not read.
	Request *http.Request
	// RequestBody is the whole body sent.
	RequestBody []byte
	// SkipRequestBody leaves the request's body unchecked (it was too large
	// to keep).
	SkipRequestBody bool

	Status int
	Header http.Header
	// Body is the whole response body.
	Body []byte
	// SkipBody leaves the response's body unchecked (a stream, a file, or
	// too large to keep); its status, headers and media type still are.
	SkipBody bool
}

// ErrContract is what every error of Check wraps.
var ErrContract = errors.New("breaks the OpenAPI contract")

// Check validates an exchange against the document, by these rules:
//
//  1. A method and path the document does not list must be answered 404
//     or 405.
//  2. A request the document refuses (its parameters, media type or body
//     do not match the operation) must be answered 4xx: any other status,
//     a 2xx above all, means the server took what the contract refuses.
//     A request the document accepts may still be refused, for what no
//     schema says (a wrong code, a spent link, a body over 64 KiB).
//  3. The response must be one the operation lists: a documented status
//     (or its default), the required headers, a listed media type, and for
//     JSON a body that matches the schema. Other media types (HTML, PNG,
//     YAML, the event stream) are strings to the document (the linter's
//     rule non-json-media-string), so only their media type is checked.
//
// Credentials are not checked: the document names which scheme applies;
// whether a token is good is for the server to say (401). Error messages
// name the field and the rule broken, never the value sent.
func (c *Checker) Check(ctx context.Context, x Exchange) error {
	route, params, err := c.FindRoute(x.Request)
	if err != nil {
		if x.Status == http.StatusNotFound || x.Status == http.StatusMethodNotAllowed {
			return nil
		}
		return fmt.Errorf("%w: %s %s answered %d but is not in the document", ErrContract, x.Request.Method, x.Request.URL.Path, x.Status)
	}
	return c.check(ctx, route, params, x)
}

// checkOptions are the options of every validation Check makes.
func checkOptions() *openapi3filter.Options {
	o := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:   true, // the request is read, never changed
		IncludeResponseStatus: true,
	}
	o.WithCustomSchemaErrorFunc(schemaMessage)
	return o
}

// schemaMessage words a schema error as the rule broken and where, without
// the value (it may be a password or a token) or the schema.
func schemaMessage(err *openapi3.SchemaError) string {
	reason := err.Reason
	if reason == "" {
		reason = "does not match " + err.SchemaField
	}
	return fmt.Sprintf("%s at /%s", reason, strings.Join(err.JSONPointer(), "/"))
}

func (c *Checker) check(ctx context.Context, route *routers.Route, params map[string]string, x Exchange) error {
	req := x.Request.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	opts := checkOptions()
	opts.ExcludeRequestBody = x.SkipRequestBody
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}

	var broken []error
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && (x.Status < 400 || x.Status > 499) {
		broken = append(broken, fmt.Errorf("answered %d to a request the document refuses: %w", x.Status, err))
	}
	json := isJSON(x.Header.Get("Content-Type"))
	ropts := checkOptions()
	ropts.ExcludeResponseBody = x.SkipBody || !json
	err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Body: io.NopCloser(bytes.NewReader(x.Body)), Options: ropts,
	})
	if err == nil && ropts.ExcludeResponseBody {
		err = checkMediaType(route.Operation, x.Status, x.Header.Get("Content-Type"))
	}
	if err != nil {
		broken = append(broken, fmt.Errorf("response %d: %w", x.Status, err))
	}
	if len(broken) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s %s: %w", ErrContract, x.Request.Method, route.Path, errors.Join(broken...))
}

// checkMediaType checks the media type of a response whose body is not
// read: ValidateResponse checks it only with the body.
func checkMediaType(op *openapi3.Operation, status int, contentType string) error {
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil
	}
	if ref.Value.Content.Get(contentType) == nil {
		return fmt.Errorf("media type %q is not one the document lists", contentType)
	}
	return nil
}

// isJSON reports whether a Content-Type is JSON (application/json, or a
// +json type such as application/problem+json).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Package contract checks HTTP traffic against workgate's OpenAPI document
// (openapi.Spec) with kin-openapi: the e2e tests check every response they
// get, and the dev stack logs every exchange that breaks the contract.
//
// It is a package apart from openapi so that the image's binary does not
// link kin-openapi: every function serves with openapi.Router's generated
// table, and none pays for parsing and validating the document, nor for
// the init of the JSON Schema engine kin-openapi brings (it compiles every
// draft's meta-schemas, some 15 ms of each process's start).
package contract

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/workgate/workgate/shared/openapi"
)

// Load parses openapi.Spec and validates it as an OpenAPI 3 document.
func Load() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		return nil, fmt.Errorf("contract.Load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract.Load: %w", err)
	}
	return doc, nil
}

// Checker resolves requests to the document's operations, as
// openapi.Router matches them, and checks exchanges against them. A
// Checker is immutable and safe for concurrent use.
type Checker struct {
	doc    *openapi3.T
	routes *openapi.Router
}

var _ routers.Router = (*Checker)(nil)

// New returns the Checker of the document. It loads and validates the
// document once per process (tens of milliseconds); every caller shares
// the one Checker.
var New = sync.OnceValues(newChecker)

func newChecker() (*Checker, error) {
	doc, err := Load()
	if err != nil {
		return nil, fmt.Errorf("contract.New: %w", err)
	}
	return &Checker{doc: doc, routes: openapi.NewRouter()}, nil
}

// FindRoute returns the operation that req resolves to and its path
// parameters, matching by req.URL's path only. It fails with
// routers.ErrMethodNotAllowed when the path exists with other methods only,
// and with routers.ErrPathNotFound when no path matches. It makes Checker a
// routers.Router for openapi3filter's request and response validation.
func (c *Checker) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	method := strings.ToUpper(req.Method)
	matches := c.routes.Match(req.URL.EscapedPath())
	for _, m := range matches {
		item := c.doc.Paths.Value(m.Template)
		if item == nil {
			// The generated table is older than the document; the tests
			// of package openapi fail until go generate is run.
			return nil, nil, fmt.Errorf("contract.FindRoute: %s is not in the document: run go generate ./shared/openapi", m.Template)
		}
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		route := &routers.Route{
			Spec:      c.doc,
			Path:      m.Template,
			PathItem:  item,
			Method:    method,
			Operation: op,
		}
		return route, m.Params, nil
	}
	if len(matches) > 0 {
		return nil, nil, fmt.Errorf("contract.FindRoute: %s %s: %w", method, req.URL.Path, routers.ErrMethodNotAllowed)
	}
	return nil, nil, fmt.Errorf("contract.FindRoute: %s %s: %w", method, req.URL.Path, routers.ErrPathNotFound)
}

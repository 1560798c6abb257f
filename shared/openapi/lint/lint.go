// Package lint checks an OpenAPI 3.0 document the way an OpenAPI linter
// does, offline, so that `make test` refuses a document that breaks the
// specification even where kin-openapi, which validates our traffic,
// accepts it.
//
// Three engines run on the document:
//
//   - libopenapi (pb33f) builds its model, resolving every $ref, and its
//     validator checks the document against the OpenAPI 3.0 JSON Schema:
//     rule "oas3-schema", as Spectral's and vacuum's rule of that name.
//   - kin-openapi, which the service uses, validates it with strict options:
//     rule "kin-openapi" (path parameters, unique operation IDs, security
//     schemes, examples and defaults against their schemas, patterns,
//     formats).
//   - Rules of the recommended rulesets of Spectral (`spectral:oas`), vacuum
//     and Redocly that neither validator implements, each under the name
//     those linters give it, and one of ours (non-json-media-string).
//
// Style-only rules of those rulesets are left out on purpose: descriptions
// beside every summary (operation-description), info contact and license,
// a 4xx on operations that cannot fail (operation-4xx-response), no trailing
// slash (the web app is the directory /app/), and unused components (the
// live events' schemas are named by the x-events extension, which linters do
// not follow).
package lint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel"
	"gopkg.in/yaml.v3"
)

// Finding is one problem a rule found in the document.
type Finding struct {
	Rule    string // the rule's name, as the linter it comes from names it
	Path    string // where, as a dotted path (components.schemas.Room), if known
	Line    int    // 1-based line in the document, 0 if unknown
	Message string
}

// String is the finding as one line: where, which rule, what.
func (f Finding) String() string {
	return fmt.Sprintf("line %d: %s: %s: %s", f.Line, f.Rule, f.Path, f.Message)
}

// Lint returns every problem found in spec, a YAML or JSON OpenAPI 3.0
// document, sorted by line. No finding means the document passes.
func Lint(spec []byte) []Finding {
	var root yaml.Node
	if err := yaml.Unmarshal(spec, &root); err != nil {
		return []Finding{{Rule: "parser", Message: err.Error()}}
	}
	var out []Finding
	out = append(out, libopenapiFindings(spec)...)
	out = append(out, kinFindings(spec)...)
	if len(root.Content) == 1 {
		out = append(out, ruleFindings(root.Content[0])...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// libopenapiFindings builds libopenapi's model (resolving references) and
// validates the document against the OpenAPI JSON Schema of its version.
func libopenapiFindings(spec []byte) []Finding {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler) // its findings are returned, not logged
	doc, err := libopenapi.NewDocumentWithConfiguration(spec, cfg)
	if err != nil {
		return []Finding{{Rule: "oas3-schema", Message: err.Error()}}
	}
	var out []Finding
	if _, err := doc.BuildV3Model(); err != nil {
		out = append(out, Finding{Rule: "oas3-schema", Message: err.Error()})
	}
	if ok, verrs := schema_validation.ValidateOpenAPIDocument(doc); !ok {
		for _, ve := range verrs {
			if len(ve.SchemaValidationErrors) == 0 {
				out = append(out, Finding{Rule: "oas3-schema", Line: ve.SpecLine, Message: ve.Message + ": " + ve.Reason})
			}
			for _, f := range ve.SchemaValidationErrors {
				if strings.HasPrefix(f.Reason, "missing property '$ref'") {
					continue // the other branch of "a schema or a reference"
				}
				out = append(out, Finding{Rule: "oas3-schema", Path: strings.TrimPrefix(f.FieldPath, "$."), Line: f.Line, Message: f.Reason})
			}
		}
	}
	return out
}

// kinFindings loads the document with kin-openapi and validates it with
// every check turned on.
func kinFindings(spec []byte) []Finding {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err == nil {
		err = doc.Validate(context.Background(),
			openapi3.EnableSchemaFormatValidation(),
			openapi3.EnableSchemaPatternValidation(),
			openapi3.EnableSchemaDefaultsValidation(),
			openapi3.EnableExamplesValidation(),
			openapi3.ProhibitExtensionsWithRef(),
			openapi3.EnableMultiError(),
		)
	}
	if err == nil {
		return nil
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []Finding
		for _, e := range me {
			out = append(out, Finding{Rule: "kin-openapi", Message: e.Error()})
		}
		return out
	}
	return []Finding{{Rule: "kin-openapi", Message: err.Error()}}
}

// ruleFindings runs the rules of our own over the document's YAML tree.
func ruleFindings(root *yaml.Node) []Finding {
	var out []Finding
	report := func(rule string, n *yaml.Node, path []string, format string, args ...any) {
		out = append(out, Finding{Rule: rule, Path: strings.Join(path, "."), Line: n.Line, Message: fmt.Sprintf(format, args...)})
	}
	walkRefs(root, nil, func(n *yaml.Node, path []string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "$ref" {
				report("no-$ref-siblings", n.Content[i], path, "%q beside $ref is ignored in OpenAPI 3.0", k)
			}
		}
	})
	walkSchemas(root, func(s *yaml.Node, path []string) {
		checkSchema(s, path, report)
	})
	walkMedia(root, func(mediaType string, s *yaml.Node, path []string) {
		if isJSON(mediaType) || mediaType == "application/x-www-form-urlencoded" || mediaType == "multipart/form-data" {
			return
		}
		if t := value(s, "type"); t != nil && t.Value != "string" && value(s, "$ref") == nil {
			report("non-json-media-string", t, path, "%s is not JSON: its schema must be a string (text, or format binary), not %s", mediaType, t.Value)
		}
	})
	return out
}

// checkSchema applies the schema rules to one Schema Object.
func checkSchema(s *yaml.Node, path []string, report func(rule string, n *yaml.Node, path []string, format string, args ...any)) {
	typ, nullable, enum := value(s, "type"), value(s, "nullable"), value(s, "enum")
	isNullable := nullable != nil && nullable.Value == "true"
	if isNullable && typ == nil {
		report("nullable-type-sibling", nullable, path,
			"nullable needs a type in the same schema (OpenAPI 3.0.3); for a $ref use anyOf: [$ref, NullValue]")
	}
	if enum == nil || enum.Kind != yaml.SequenceNode {
		return
	}
	seen, hasNull := map[string]bool{}, false
	for _, e := range enum.Content {
		key := e.Tag + ":" + e.Value
		if seen[key] {
			report("duplicated-entry-in-enum", e, path, "enum lists %s twice", e.Value)
		}
		seen[key] = true
		if e.Tag == "!!null" {
			hasNull = true
			if !isNullable {
				report("typed-enum", e, path, "enum lists null but the schema is not nullable")
			}
			continue
		}
		if typ != nil && !tagFits(e.Tag, typ.Value) {
			report("typed-enum", e, path, "enum value %s is not of type %s", e.Value, typ.Value)
		}
	}
	if isNullable && !hasNull {
		report("nullable-enum-contains-null", enum, path, "a nullable enum must list null, or null is not one of its values")
	}
}

// tagFits reports whether a YAML scalar of tag is a value of the schema type.
func tagFits(tag, typ string) bool {
	switch typ {
	case "string":
		return tag == "!!str"
	case "integer":
		return tag == "!!int"
	case "number":
		return tag == "!!int" || tag == "!!float"
	case "boolean":
		return tag == "!!bool"
	}
	return true // objects and arrays in enums are rare; the validators check them
}

// isJSON reports whether a media type is JSON (application/json or +json).
func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// value returns the value of key in a mapping node, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// pairs calls f for each key and value of a mapping node, skipping
// extensions (x-…), whose content is not OpenAPI.
func pairs(n *yaml.Node, f func(key string, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !strings.HasPrefix(k, "x-") {
			f(k, n.Content[i+1])
		}
	}
}

// walkRefs calls f for every mapping that holds a $ref, outside examples
// and extensions.
func walkRefs(n *yaml.Node, path []string, f func(n *yaml.Node, path []string)) {
	switch n.Kind {
	case yaml.MappingNode:
		if value(n, "$ref") != nil {
			f(n, path)
		}
		pairs(n, func(k string, v *yaml.Node) {
			if k != "example" && k != "examples" {
				walkRefs(v, append(path, k), f)
			}
		})
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkRefs(c, append(path, strconv.Itoa(i)), f)
		}
	}
}

// walkSchemas calls f for every Schema Object of the document: the
// components' schemas, every `schema` of a parameter, header or media type,
// and the schemas nested in those.
func walkSchemas(root *yaml.Node, f func(s *yaml.Node, path []string)) {
	var schema func(s *yaml.Node, path []string)
	schema = func(s *yaml.Node, path []string) {
		if s == nil || s.Kind != yaml.MappingNode || value(s, "$ref") != nil {
			return
		}
		f(s, path)
		pairs(value(s, "properties"), func(k string, v *yaml.Node) { schema(v, append(path, "properties", k)) })
		for _, k := range []string{"items", "additionalProperties", "not"} {
			schema(value(s, k), append(path, k))
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			if seq := value(s, k); seq != nil && seq.Kind == yaml.SequenceNode {
				for i, c := range seq.Content {
					schema(c, append(path, k, strconv.Itoa(i)))
				}
			}
		}
	}
	pairs(value(value(root, "components"), "schemas"), func(k string, v *yaml.Node) {
		schema(v, []string{"components", "schemas", k})
	})
	var find func(n *yaml.Node, path []string)
	find = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.MappingNode:
			pairs(n, func(k string, v *yaml.Node) {
				switch {
				case k == "schema":
					schema(v, append(path, k))
				case k == "example" || k == "examples" || len(path) == 1 && path[0] == "components" && k == "schemas":
				default:
					find(v, append(path, k))
				}
			})
		case yaml.SequenceNode:
			for i, c := range n.Content {
				find(c, append(path, strconv.Itoa(i)))
			}
		}
	}
	find(root, nil)
}

// walkMedia calls f for the schema of every media type of a request body
// or response (the map under `content`).
func walkMedia(n *yaml.Node, f func(mediaType string, s *yaml.Node, path []string)) {
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.MappingNode:
			pairs(n, func(k string, v *yaml.Node) {
				if k == "example" || k == "examples" || k == "schema" {
					return
				}
				if k == "content" {
					pairs(v, func(mt string, media *yaml.Node) {
						if s := value(media, "schema"); s != nil {
							f(strings.ToLower(mt), s, append(path, k, mt, "schema"))
						}
					})
					return
				}
				walk(v, append(path, k))
			})
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(path, strconv.Itoa(i)))
			}
		}
	}
	walk(n, nil)
}

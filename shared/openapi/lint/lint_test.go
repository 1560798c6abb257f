package lint_test

import (
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/openapi/lint"
)

// TestLintFindsBreaks breaks a copy of workgate's document in one place at
// a time: the linter must report each break under the rule that owns it.
func TestLintFindsBreaks(t *testing.T) {
	t.Parallel()
	const (
		timeRef    = `{$ref: "#/components/schemas/Time"}`
		messageRef = `{$ref: "#/components/schemas/Message"}`
		nullRef    = `{$ref: "#/components/schemas/NullValue"}`
	)
	cases := []struct {
		name     string
		old, new string
		wantRule string
	}{
		{name: "nullable beside allOf", wantRule: "nullable-type-sibling",
			old: "anyOf: [" + messageRef + ", " + nullRef + "]",
			new: "allOf: [" + messageRef + "]\n          nullable: true"},
		{name: "nullable enum without null", wantRule: "nullable-enum-contains-null",
			old: "colorTone: {type: string, nullable: true, enum: [light, dark, null]}\n        plan:",
			new: "colorTone: {type: string, nullable: true, enum: [light, dark]}\n        plan:"},
		{name: "null in an enum that is not nullable", wantRule: "typed-enum",
			old: "enum: [free, standard, enterprise]}\n        status:", new: "enum: [free, standard, enterprise, null]}\n        status:"},
		{name: "enum value of another type", wantRule: "typed-enum",
			old: "enum: [free, standard, enterprise]}\n        status:", new: "enum: [free, standard, 3]}\n        status:"},
		{name: "enum value twice", wantRule: "duplicated-entry-in-enum",
			old: "enum: [free, standard, enterprise]}\n        status:", new: "enum: [free, standard, free]}\n        status:"},
		{name: "YAML text declared as an object", wantRule: "non-json-media-string",
			old: `schema: {type: string, description: "this document, as YAML text"}`, new: "schema: {type: object}"},
		{name: "sibling of a $ref", wantRule: "no-$ref-siblings",
			old: "trustedAt: " + timeRef, new: `trustedAt: {$ref: "#/components/schemas/Time", description: when}`},
		{name: "unknown type", wantRule: "oas3-schema",
			old: "maxUses: {type: integer, nullable: true, description: null means unlimited}\n        uses:",
			new: "maxUses: {type: int, nullable: true, description: null means unlimited}\n        uses:"},
		{name: "path item that is not a path", wantRule: "oas3-schema",
			old: "  /healthz:\n", new: "  healthz:\n"},
		{name: "reference to nothing", wantRule: "kin-openapi",
			old: "trustedAt: " + timeRef, new: `trustedAt: {$ref: "#/components/schemas/Tiem"}`},
		{name: "operation ID twice", wantRule: "kin-openapi",
			old: "operationId: getHealth", new: "operationId: getOpenAPI"},
		{name: "example against its pattern", wantRule: "kin-openapi",
			old: "example: acme-corp", new: "example: Acme Corp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if n := strings.Count(string(openapi.Spec), tc.old); n != 1 {
				t.Fatalf("%q occurs %d times in the document, want once", tc.old, n)
			}
			broken := strings.Replace(string(openapi.Spec), tc.old, tc.new, 1)
			var rules []string
			for _, f := range lint.Lint([]byte(broken)) {
				rules = append(rules, f.Rule)
				if f.Rule == tc.wantRule {
					t.Logf("found: %s", f)
					return
				}
			}
			t.Errorf("no %s finding; found %v", tc.wantRule, rules)
		})
	}
}

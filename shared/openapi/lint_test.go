package openapi

import (
	"testing"

	"github.com/workgate/workgate/shared/openapi/lint"
)

// TestLint gates the document on the linter: OpenAPI 3.0 JSON Schema
// (libopenapi), kin-openapi's strict validation, and the rules of the
// recommended rulesets those miss (see package lint).
func TestLint(t *testing.T) {
	t.Parallel()
	for _, f := range lint.Lint(Spec) {
		t.Errorf("openapi.yaml %s", f)
	}
}

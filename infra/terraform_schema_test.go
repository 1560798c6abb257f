package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// tfSchemaBlock is a body's schema in `terraform providers schema -json`.
type tfSchemaBlock struct {
	Attributes map[string]struct {
		Required bool `json:"required"`
		Optional bool `json:"optional"`
		Computed bool `json:"computed"`
	} `json:"attributes"`
	BlockTypes map[string]struct {
		Block    tfSchemaBlock `json:"block"`
		MinItems int           `json:"min_items"`
		MaxItems int           `json:"max_items"`
	} `json:"block_types"`
}

// metaArguments are what Terraform itself reads in a resource, data or
// provider body; the provider's schema has none of them.
var metaArguments = map[string]bool{"for_each": true, "count": true, "depends_on": true, "provider": true, "alias": true}

// TestTerraformSchema checks every argument and block of every resource,
// data source and provider block in infra/terraform against the schema of
// the provider Terraform uses (terraform providers schema -json): no
// argument the provider does not have (startup_cpu_bost), none that it
// only reads back, every required one, no more blocks than it takes.
// dynamic blocks are checked as the blocks they make. terraform validate
// (make infra-check) makes the same checks and more (types, references);
// this test says what is wrong in one list, line by line.
func TestTerraformSchema(t *testing.T) {
	tools := terraformTools(t)
	doc, err := os.ReadFile("topology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := tools.workdir(t, doc, top)
	var schemas struct {
		ProviderSchemas map[string]struct {
			Provider          struct{ Block tfSchemaBlock }            `json:"provider"`
			ResourceSchemas   map[string]struct{ Block tfSchemaBlock } `json:"resource_schemas"`
			DataSourceSchemas map[string]struct{ Block tfSchemaBlock } `json:"data_source_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal(tools.run(t, dir, "providers", "schema", "-json"), &schemas); err != nil {
		t.Fatal(err)
	}
	google, ok := schemas.ProviderSchemas["registry.terraform.io/hashicorp/google"]
	if !ok {
		t.Fatal("no schema of registry.terraform.io/hashicorp/google")
	}

	files, err := filepath.Glob(filepath.Join(tfDir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s/*.tf (%v)", tfDir, err)
	}
	checked := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			var schema struct{ Block tfSchemaBlock }
			var found bool
			switch {
			case b.Type == "resource" && strings.HasPrefix(b.Labels[0], "google_"):
				schema, found = google.ResourceSchemas[b.Labels[0]]
			case b.Type == "data" && strings.HasPrefix(b.Labels[0], "google_"):
				schema, found = google.DataSourceSchemas[b.Labels[0]]
			case b.Type == "provider" && b.Labels[0] == "google":
				schema, found = google.Provider, true
			default:
				continue
			}
			where := fmt.Sprintf("%s %s", b.Type, strings.Join(b.Labels, "."))
			if !found {
				t.Errorf("%s: %s: the google provider has no %s %s", b.TypeRange, where, b.Type, b.Labels[0])
				continue
			}
			checked++
			for _, err := range checkBody(b.Body, schema.Block, where) {
				t.Error(err)
			}
		}
	}
	if checked == 0 {
		t.Error("no google resource, data source or provider block checked")
	}
}

// checkBody lists what in body does not fit schema.
func checkBody(body *hclsyntax.Body, schema tfSchemaBlock, where string) []error {
	var errs []error
	for name, a := range body.Attributes {
		if metaArguments[name] {
			continue
		}
		s, ok := schema.Attributes[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: %s has no argument %q%s", a.NameRange, where, name, suggest(name, schema)))
		case !s.Required && !s.Optional:
			errs = append(errs, fmt.Errorf("%s: %s: %q is read-only", a.NameRange, where, name))
		}
	}
	for name, s := range schema.Attributes {
		if _, ok := body.Attributes[name]; s.Required && !ok {
			errs = append(errs, fmt.Errorf("%s: %s lacks required argument %q", body.SrcRange, where, name))
		}
	}
	count := map[string]int{}
	dynamic := map[string]bool{}
	for _, b := range body.Blocks {
		typ, inner := b.Type, b.Body
		switch b.Type {
		case "lifecycle", "provisioner", "connection":
			continue
		case "dynamic":
			typ = b.Labels[0]
			dynamic[typ] = true
			inner = nil
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					inner = c.Body
				}
			}
			if inner == nil {
				errs = append(errs, fmt.Errorf("%s: %s: dynamic %q has no content", b.TypeRange, where, typ))
				continue
			}
		}
		s, ok := schema.BlockTypes[typ]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s has no block %q%s", b.TypeRange, where, typ, suggest(typ, schema)))
			continue
		}
		count[typ]++
		errs = append(errs, checkBody(inner, s.Block, where+"."+typ)...)
	}
	for typ, s := range schema.BlockTypes {
		if dynamic[typ] {
			continue // how many it makes is known only when planned
		}
		if n := count[typ]; n < s.MinItems || (s.MaxItems > 0 && n > s.MaxItems) {
			errs = append(errs, fmt.Errorf("%s: %s has %d %s blocks, wants %d to %d", body.SrcRange, where, n, typ, s.MinItems, s.MaxItems))
		}
	}
	return errs
}

// suggest names the schema's arguments and blocks a misspelt name is
// nearest to, if any is near.
func suggest(name string, schema tfSchemaBlock) string {
	var near []string
	for _, names := range [][]string{keys(schema.Attributes), keys(schema.BlockTypes)} {
		for _, n := range names {
			if editDistance(name, n) <= 2 {
				near = append(near, n)
			}
		}
	}
	if len(near) == 0 {
		return ""
	}
	slices.Sort(near)
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// editDistance is the Levenshtein distance of two names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Command terraform-provider-google is a schema-only stand-in for the
// hashicorp/google provider, so that Terraform can validate and plan
// infra/terraform with no network and no Google credentials (make
// infra-check).
//
// It serves the schema in schema.json beside its executable (written by
// cdktf2schema from the provider's own generated bindings), so Terraform
// checks every argument and block against the provider's real names,
// types, required arguments and block bounds. It accepts any
// configuration that fits the schema, plans every resource as its
// configuration says, and gives each read-only string attribute a value
// that names where it comes from: the uri of the Cloud Run service named
// events plans as "google_cloud_run_v2_service(events).uri". Other
// read-only attributes are unknown in a plan and null in a data source. It
// refuses to apply or import anything.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/workgate/workgate/infra/tfstub/cdktf"
)

const source = "registry.terraform.io/hashicorp/google"

func main() {
	p, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-google (workgate stand-in):", err)
		os.Exit(1)
	}
	if err := tf5server.Serve(source, func() tfprotov5.ProviderServer { return p }); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-google (workgate stand-in):", err)
		os.Exit(1)
	}
}

// load reads schema.json beside the executable.
func load() (*provider, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(exe), "schema.json"))
	if err != nil {
		return nil, err
	}
	var doc cdktf.ProviderSchemas
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	ps, ok := doc.ProviderSchemas[source]
	if !ok {
		return nil, fmt.Errorf("schema.json has no %s", source)
	}
	p := &provider{
		config:      schema(ps.Provider),
		resources:   map[string]*tfprotov5.Schema{},
		dataSources: map[string]*tfprotov5.Schema{},
	}
	for name, s := range ps.ResourceSchemas {
		p.resources[name] = schema(s)
	}
	for name, s := range ps.DataSourceSchemas {
		p.dataSources[name] = schema(s)
	}
	return p, nil
}

func schema(s *cdktf.Schema) *tfprotov5.Schema {
	return &tfprotov5.Schema{Version: int64(s.Version), Block: block(s.Block)}
}

func block(b *cdktf.Block) *tfprotov5.SchemaBlock {
	out := &tfprotov5.SchemaBlock{}
	for _, name := range cdktf.Names(b.Attributes) {
		a := b.Attributes[name]
		out.Attributes = append(out.Attributes, &tfprotov5.SchemaAttribute{
			Name: name, Type: ctyType(a.Type), Required: a.Required, Optional: a.Optional, Computed: a.Computed,
		})
	}
	for _, name := range cdktf.Names(b.BlockTypes) {
		nb := b.BlockTypes[name]
		mode := map[string]tfprotov5.SchemaNestedBlockNestingMode{
			"single": tfprotov5.SchemaNestedBlockNestingModeSingle,
			"list":   tfprotov5.SchemaNestedBlockNestingModeList,
			"set":    tfprotov5.SchemaNestedBlockNestingModeSet,
		}[nb.NestingMode]
		out.BlockTypes = append(out.BlockTypes, &tfprotov5.SchemaNestedBlock{
			TypeName: name, Block: block(nb.Block), Nesting: mode, MinItems: int64(nb.MinItems), MaxItems: int64(nb.MaxItems),
		})
	}
	return out
}

// ctyType reads a cty type in its JSON form.
func ctyType(t any) tftypes.Type {
	switch t := t.(type) {
	case string:
		switch t {
		case "string":
			return tftypes.String
		case "number":
			return tftypes.Number
		case "bool":
			return tftypes.Bool
		}
		return tftypes.DynamicPseudoType
	case []any:
		elem := ctyType(t[1])
		switch t[0] {
		case "list":
			return tftypes.List{ElementType: elem}
		case "set":
			return tftypes.Set{ElementType: elem}
		case "map":
			return tftypes.Map{ElementType: elem}
		}
	}
	return tftypes.DynamicPseudoType
}

type provider struct {
	// The calls no Terraform command this project runs makes (ephemeral
	// resources, identities...) panic on this nil interface.
	tfprotov5.ProviderServer

	config      *tfprotov5.Schema
	resources   map[string]*tfprotov5.Schema
	dataSources map[string]*tfprotov5.Schema
}

func refuse(what string) []*tfprotov5.Diagnostic {
	return []*tfprotov5.Diagnostic{{
		Severity: tfprotov5.DiagnosticSeverityError,
		Summary:  "workgate's stand-in for hashicorp/google cannot " + what,
		Detail:   "This provider only serves the google provider's schema, for make infra-check. Apply with the real provider from the Terraform registry.",
	}}
}

func failed(err error) []*tfprotov5.Diagnostic {
	return []*tfprotov5.Diagnostic{{Severity: tfprotov5.DiagnosticSeverityError, Summary: err.Error()}}
}

func (p *provider) GetMetadata(context.Context, *tfprotov5.GetMetadataRequest) (*tfprotov5.GetMetadataResponse, error) {
	resp := &tfprotov5.GetMetadataResponse{ServerCapabilities: &tfprotov5.ServerCapabilities{PlanDestroy: true}}
	for _, name := range cdktf.Names(p.resources) {
		resp.Resources = append(resp.Resources, tfprotov5.ResourceMetadata{TypeName: name})
	}
	for _, name := range cdktf.Names(p.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov5.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (p *provider) GetProviderSchema(context.Context, *tfprotov5.GetProviderSchemaRequest) (*tfprotov5.GetProviderSchemaResponse, error) {
	return &tfprotov5.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov5.ServerCapabilities{PlanDestroy: true},
		Provider:                 p.config,
		ResourceSchemas:          p.resources,
		DataSourceSchemas:        p.dataSources,
		Functions:                map[string]*tfprotov5.Function{},
		EphemeralResourceSchemas: map[string]*tfprotov5.Schema{},
	}, nil
}

func (p *provider) GetResourceIdentitySchemas(context.Context, *tfprotov5.GetResourceIdentitySchemasRequest) (*tfprotov5.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov5.GetResourceIdentitySchemasResponse{}, nil
}

func (p *provider) GetFunctions(context.Context, *tfprotov5.GetFunctionsRequest) (*tfprotov5.GetFunctionsResponse, error) {
	return &tfprotov5.GetFunctionsResponse{Functions: map[string]*tfprotov5.Function{}}, nil
}

func (p *provider) PrepareProviderConfig(_ context.Context, req *tfprotov5.PrepareProviderConfigRequest) (*tfprotov5.PrepareProviderConfigResponse, error) {
	return &tfprotov5.PrepareProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (p *provider) ConfigureProvider(context.Context, *tfprotov5.ConfigureProviderRequest) (*tfprotov5.ConfigureProviderResponse, error) {
	return &tfprotov5.ConfigureProviderResponse{}, nil
}

func (p *provider) StopProvider(context.Context, *tfprotov5.StopProviderRequest) (*tfprotov5.StopProviderResponse, error) {
	return &tfprotov5.StopProviderResponse{}, nil
}

func (p *provider) ValidateResourceTypeConfig(_ context.Context, req *tfprotov5.ValidateResourceTypeConfigRequest) (*tfprotov5.ValidateResourceTypeConfigResponse, error) {
	return &tfprotov5.ValidateResourceTypeConfigResponse{Diagnostics: readOnlySet(p.resources[req.TypeName], req.Config)}, nil
}

func (p *provider) ValidateDataSourceConfig(_ context.Context, req *tfprotov5.ValidateDataSourceConfigRequest) (*tfprotov5.ValidateDataSourceConfigResponse, error) {
	return &tfprotov5.ValidateDataSourceConfigResponse{Diagnostics: readOnlySet(p.dataSources[req.TypeName], req.Config)}, nil
}

// readOnlySet refuses a value for a read-only attribute, as the real
// provider does (Terraform leaves that check to providers).
func readOnlySet(s *tfprotov5.Schema, config *tfprotov5.DynamicValue) []*tfprotov5.Diagnostic {
	v, err := config.Unmarshal(s.ValueType())
	if err != nil {
		return failed(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return failed(err)
	}
	var diags []*tfprotov5.Diagnostic
	for _, a := range s.Block.Attributes {
		if a.Computed && !a.Optional && !a.Required && !attrs[a.Name].IsNull() {
			diags = append(diags, &tfprotov5.Diagnostic{
				Severity:  tfprotov5.DiagnosticSeverityError,
				Summary:   "Value for unconfigurable attribute",
				Detail:    fmt.Sprintf("Can't configure a value for %q: its value will be decided automatically based on the result of applying this configuration.", a.Name),
				Attribute: tftypes.NewAttributePath().WithAttributeName(a.Name),
			})
		}
	}
	return diags
}

func (p *provider) UpgradeResourceState(_ context.Context, req *tfprotov5.UpgradeResourceStateRequest) (*tfprotov5.UpgradeResourceStateResponse, error) {
	ty := p.resources[req.TypeName].ValueType()
	v, err := req.RawState.Unmarshal(ty)
	if err != nil {
		return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: failed(err)}, nil
	}
	dv, err := tfprotov5.NewDynamicValue(ty, v)
	if err != nil {
		return &tfprotov5.UpgradeResourceStateResponse{Diagnostics: failed(err)}, nil
	}
	return &tfprotov5.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

func (p *provider) ReadResource(_ context.Context, req *tfprotov5.ReadResourceRequest) (*tfprotov5.ReadResourceResponse, error) {
	return &tfprotov5.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

func (p *provider) PlanResourceChange(_ context.Context, req *tfprotov5.PlanResourceChangeRequest) (*tfprotov5.PlanResourceChangeResponse, error) {
	s := p.resources[req.TypeName]
	v, err := req.ProposedNewState.Unmarshal(s.ValueType())
	if err != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: failed(err)}, nil
	}
	if v.IsNull() { // destroy
		return &tfprotov5.PlanResourceChangeResponse{PlannedState: req.ProposedNewState}, nil
	}
	planned, err := fill(req.TypeName, s, v, true)
	if err != nil {
		return &tfprotov5.PlanResourceChangeResponse{Diagnostics: failed(err)}, nil
	}
	return &tfprotov5.PlanResourceChangeResponse{PlannedState: planned}, nil
}

func (p *provider) ApplyResourceChange(context.Context, *tfprotov5.ApplyResourceChangeRequest) (*tfprotov5.ApplyResourceChangeResponse, error) {
	return &tfprotov5.ApplyResourceChangeResponse{Diagnostics: refuse("apply")}, nil
}

func (p *provider) ImportResourceState(context.Context, *tfprotov5.ImportResourceStateRequest) (*tfprotov5.ImportResourceStateResponse, error) {
	return &tfprotov5.ImportResourceStateResponse{Diagnostics: refuse("import")}, nil
}

func (p *provider) MoveResourceState(context.Context, *tfprotov5.MoveResourceStateRequest) (*tfprotov5.MoveResourceStateResponse, error) {
	return &tfprotov5.MoveResourceStateResponse{Diagnostics: refuse("move state")}, nil
}

func (p *provider) ReadDataSource(_ context.Context, req *tfprotov5.ReadDataSourceRequest) (*tfprotov5.ReadDataSourceResponse, error) {
	s := p.dataSources[req.TypeName]
	v, err := req.Config.Unmarshal(s.ValueType())
	if err != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: failed(err)}, nil
	}
	state, err := fill(req.TypeName, s, v, false)
	if err != nil {
		return &tfprotov5.ReadDataSourceResponse{Diagnostics: failed(err)}, nil
	}
	return &tfprotov5.ReadDataSourceResponse{State: state}, nil
}

// identifying are the arguments that tell instances of a type apart, the
// first one set naming the instance in the values fill makes up.
var identifying = []string{"name", "account_id", "secret_id", "role_id", "project_id"}

// fill gives each top-level computed attribute the configuration left
// null a value: a string names its resource type, instance and attribute,
// anything else is unknown in a plan (null in a data source, which must be
// known).
func fill(typeName string, s *tfprotov5.Schema, v tftypes.Value, plan bool) (*tfprotov5.DynamicValue, error) {
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return nil, err
	}
	ident := ""
	for _, name := range identifying {
		var str string
		if a, ok := attrs[name]; ok && a.IsKnown() && !a.IsNull() && a.As(&str) == nil && ident == "" {
			ident = str
		}
	}
	for _, a := range s.Block.Attributes {
		if !a.Computed || !attrs[a.Name].IsNull() {
			continue
		}
		switch {
		case a.Type.Is(tftypes.String):
			attrs[a.Name] = tftypes.NewValue(tftypes.String, fmt.Sprintf("%s(%s).%s", typeName, ident, a.Name))
		case plan:
			attrs[a.Name] = tftypes.NewValue(a.Type, tftypes.UnknownValue)
		}
	}
	ty := s.ValueType()
	dv, err := tfprotov5.NewDynamicValue(ty, tftypes.NewValue(ty, attrs))
	if err != nil {
		return nil, err
	}
	return &dv, nil
}

// Command cdktf2schema writes the schema of a Terraform provider, as
// `terraform providers schema -json` prints it, recovered from the
// provider's prebuilt CDK for Terraform bindings (see package cdktf):
//
//	cdktf2schema -source registry.terraform.io/hashicorp/google -o schema.json PACKAGE/lib
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/workgate/workgate/infra/tfstub/cdktf"
)

func main() {
	source := flag.String("source", "registry.terraform.io/hashicorp/google", "the provider's source address")
	out := flag.String("o", "schema.json", "where to write the schema")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: cdktf2schema [-source ADDR] [-o FILE] PACKAGE/lib")
		os.Exit(2)
	}
	s, err := cdktf.Convert(flag.Arg(0), *source)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cdktf2schema:", err)
		os.Exit(1)
	}
	b, err := json.Marshal(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cdktf2schema:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "cdktf2schema:", err)
		os.Exit(1)
	}
	ps := s.ProviderSchemas[*source]
	fmt.Printf("cdktf2schema: %s: %d resources, %d data sources\n", *out, len(ps.ResourceSchemas), len(ps.DataSourceSchemas))
}

package main

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/workgate/workgate/infra/image"
)

func TestCheck(t *testing.T) {
	good := v1.Config{User: "65532", Entrypoint: []string{image.Binary}, Env: []string{"PATH=/usr/bin:/ko-app", "KO_DATA_PATH=/var/run/ko"}}
	cases := []struct {
		name   string
		config func(c *v1.Config)
		ok     bool
	}{
		{"distroless nonroot, ko's entrypoint", func(*v1.Config) {}, true},
		{"nonroot by name", func(c *v1.Config) { c.User = "nonroot" }, true},
		{"nonroot with its group", func(c *v1.Config) { c.User = "65532:65532" }, true},
		{"root", func(c *v1.Config) { c.User = "" }, false},
		{"uid 0", func(c *v1.Config) { c.User = "0" }, false},
		{"another entrypoint", func(c *v1.Config) { c.Entrypoint = []string{"/bin/sh"} }, false},
		{"arguments after it", func(c *v1.Config) { c.Cmd = []string{"-x"} }, false},
		{"a function baked in", func(c *v1.Config) { c.Env = append(c.Env, "FUNCTION_TARGET=signup") }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			c.Env = append([]string(nil), good.Env...)
			tc.config(&c)
			err := check(image.Summary{Config: c})
			if (err == nil) != tc.ok {
				t.Errorf("check = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

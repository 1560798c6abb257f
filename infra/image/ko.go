package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"gopkg.in/yaml.v3"
)

// Main is the main package the image holds.
const Main = "./functions/cmd/workgate"

// KoConfig is what this package reads of /.ko.yaml: the pinned base, the
// platform, and how the binary is built.
type KoConfig struct {
	DefaultBaseImage string    `yaml:"defaultBaseImage"`
	DefaultPlatforms []string  `yaml:"defaultPlatforms"`
	Builds           []KoBuild `yaml:"builds"`
}

// KoBuild is one entry of .ko.yaml's builds.
type KoBuild struct {
	Main    string   `yaml:"main"`
	Env     []string `yaml:"env"`
	Flags   []string `yaml:"flags"`
	Ldflags []string `yaml:"ldflags"`
}

// LoadKoConfig reads the ko configuration file, which must pin one
// platform and say how Main is built.
func LoadKoConfig(file string) (*KoConfig, error) {
	b, err := os.ReadFile(file) //nolint:gosec // the repository's .ko.yaml
	if err != nil {
		return nil, fmt.Errorf("image.LoadKoConfig: %w", err)
	}
	var c KoConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("image.LoadKoConfig: %s: %w", file, err)
	}
	if len(c.DefaultPlatforms) != 1 || !strings.HasPrefix(c.DefaultPlatforms[0], "linux/") {
		return nil, fmt.Errorf("image.LoadKoConfig: %s: defaultPlatforms %v, want one linux platform", file, c.DefaultPlatforms)
	}
	if _, ok := c.Build(); !ok {
		return nil, fmt.Errorf("image.LoadKoConfig: %s: no build of %s", file, Main)
	}
	return &c, nil
}

// Build is how the binary of Main is built.
func (c *KoConfig) Build() (KoBuild, bool) {
	for _, b := range c.Builds {
		if b.Main == Main {
			return b, true
		}
	}
	return KoBuild{}, false
}

// GoBuild builds the main package pkg (of the module in dir) into out, for
// this machine, as ko builds Main for the image: the same go command (the
// build's flags, ko's -trimpath, the build's ldflags) and environment (CGO
// off, then the build's env). On the image's platform, Main built here is
// the image's binary byte for byte; any other program built here is built
// the same way.
func (c *KoConfig) GoBuild(ctx context.Context, dir, pkg, out string) error {
	b, _ := c.Build()
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-trimpath")
	if len(b.Ldflags) > 0 {
		args = append(args, "-ldflags="+strings.Join(b.Ldflags, " "))
	}
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...) //nolint:gosec // the go command, with .ko.yaml's flags
	cmd.Dir = dir
	cmd.Env = append(append([]string{"CGO_ENABLED=0"}, os.Environ()...), b.Env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("image.GoBuild %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

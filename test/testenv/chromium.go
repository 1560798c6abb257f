package testenv

import (
	"os"
	"os/exec"
)

// Chromium is the browser the browser tests and the bench drive: $CHROMIUM,
// or the first Chromium on the PATH (Debian's `chromium`, which .ci/run
// installs); "" when there is none.
func Chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

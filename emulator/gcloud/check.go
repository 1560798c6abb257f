package gcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Install hints for what every kind needs.
const (
	hintGcloud = "install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install"
	hintJava   = "install Java 17, e.g. apt-get install openjdk-17-jre-headless"
)

// minJava is the oldest Java the emulators of this SDK generation accept
// (gcloud itself refuses to start the Firestore emulator on older ones).
const minJava = 11

// Missing is one prerequisite Check did not find, with how to install it.
type Missing struct {
	// What names the missing thing, e.g. "gcloud" or "Firestore emulator".
	What string
	// Fix is the command or page that installs it.
	Fix string
}

// MissingError is returned by Check; it lists every missing prerequisite.
type MissingError struct {
	Missing []Missing
}

func (e *MissingError) Error() string {
	var b strings.Builder
	b.WriteString("gcloud.Check: the emulators cannot run, missing:")
	for _, m := range e.Missing {
		fmt.Fprintf(&b, "\n  - %s: %s", m.What, m.Fix)
	}
	return b.String()
}

// Check reports, for the kinds asked (all kinds if none), exactly what is
// missing to run the emulators and how to install it: the gcloud CLI, Java
// (11 or later) and each emulator component. It returns nil if everything is
// there, else a *MissingError listing every missing thing.
func Check(kinds ...Kind) error {
	return checkPath(os.Getenv("PATH"), kinds...)
}

// checkPath is Check with the executable search path given, so tests can
// simulate a machine without gcloud or Java.
func checkPath(path string, kinds ...Kind) error {
	if len(kinds) == 0 {
		kinds = []Kind{Firestore, PubSub}
	}
	var missing []Missing

	gcloud, gcloudErr := lookPath(path, "gcloud")
	if gcloudErr != nil {
		missing = append(missing, Missing{What: "gcloud (not on PATH)", Fix: hintGcloud})
	}
	if m, ok := checkJava(path); !ok {
		missing = append(missing, m)
	}

	root, packaged := "", false
	if gcloudErr == nil {
		var err error
		root, err = sdkRoot(path, gcloud)
		if err != nil {
			missing = append(missing, Missing{What: "Google Cloud SDK root (" + err.Error() + ")", Fix: hintGcloud})
		} else {
			packaged = packageManaged(root)
		}
	}
	for _, k := range kinds {
		if root != "" && componentInstalled(root, k) {
			continue
		}
		var what string
		switch k {
		case Firestore, PubSub:
			what = k.title() + " emulator"
		default:
			missing = append(missing, Missing{What: fmt.Sprintf("emulator kind %q", k), Fix: "use gcloud.Firestore or gcloud.PubSub"})
			continue
		}
		if gcloudErr != nil {
			what += " (after installing gcloud)"
		}
		missing = append(missing, Missing{What: what, Fix: componentHint(k, packaged)})
	}
	if len(missing) > 0 {
		return &MissingError{Missing: missing}
	}
	return nil
}

// componentHint says how to install the emulator of kind k: through the
// system package manager when gcloud came from apt (its component manager
// is then disabled), else through gcloud components.
func componentHint(k Kind, packaged bool) string {
	switch {
	case k == Firestore && packaged:
		return "apt-get install google-cloud-cli-firestore-emulator"
	case k == Firestore:
		return "gcloud components install cloud-firestore-emulator"
	case packaged:
		return "apt-get install google-cloud-cli-pubsub-emulator"
	default:
		return "gcloud components install pubsub-emulator beta"
	}
}

// componentInstalled looks for the files gcloud runs for the emulator.
func componentInstalled(root string, k Kind) bool {
	platform := filepath.Join(root, "platform")
	switch k {
	case Firestore:
		return isFile(filepath.Join(platform, "cloud-firestore-emulator", "cloud-firestore-emulator.jar"))
	case PubSub:
		jars, _ := filepath.Glob(filepath.Join(platform, "pubsub-emulator", "lib", "cloud-pubsub-emulator-*.jar"))
		return len(jars) > 0 &&
			isFile(filepath.Join(platform, "pubsub-emulator", "bin", "cloud-pubsub-emulator")) &&
			// "gcloud beta emulators pubsub" needs the beta surface.
			isFile(filepath.Join(root, "lib", "surface", "beta", "__init__.py"))
	}
	return false
}

// packageManaged reports whether the SDK was installed by a system package
// manager, which disables "gcloud components install".
func packageManaged(root string) bool {
	b, err := os.ReadFile(filepath.Join(root, "lib", "googlecloudsdk", "core", "config.json"))
	if err != nil {
		return false
	}
	var cfg struct {
		DisableUpdater bool `json:"disable_updater"`
	}
	return json.Unmarshal(b, &cfg) == nil && cfg.DisableUpdater
}

var (
	sdkRootsMu sync.Mutex
	sdkRoots   = map[string]string{} // gcloud path → SDK root
)

// sdkRoot returns the SDK root of the gcloud at path gcloud, caching the
// answer: "gcloud info" takes about half a second.
func sdkRoot(path, gcloud string) (string, error) {
	sdkRootsMu.Lock()
	defer sdkRootsMu.Unlock()
	if root, ok := sdkRoots[gcloud]; ok {
		return root, nil
	}
	root, err := sdkRootFromInfo(path, gcloud)
	if err != nil {
		// gcloud info can fail (offline, broken config): gcloud lives in
		// <root>/bin, usually behind a symlink such as /usr/bin/gcloud.
		resolved, lerr := filepath.EvalSymlinks(gcloud)
		if lerr != nil {
			return "", fmt.Errorf("gcloud info: %w; resolving %s: %w", err, gcloud, lerr)
		}
		bin := filepath.Dir(resolved)
		if filepath.Base(bin) != "bin" {
			return "", fmt.Errorf("gcloud info: %w; %s is not in an SDK bin directory", err, resolved)
		}
		root = filepath.Dir(bin)
	}
	sdkRoots[gcloud] = root
	return root, nil
}

func sdkRootFromInfo(path, gcloud string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gcloud, "info", "--format=value(installation.sdk_root)")
	cmd.Env = append(gcloudEnv(), "PATH="+path)
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	root := strings.TrimSpace(string(out))
	if root == "" {
		return "", errors.New("empty installation.sdk_root")
	}
	return root, nil
}

// javaVersion matches both "1.8.0_392" (major 8) and "17.0.15" (major 17).
var javaVersion = regexp.MustCompile(`version "(?:1\.(\d+)|([1-9]\d*))`)

// checkJava finds java on path the way gcloud does and checks its version.
func checkJava(path string) (Missing, bool) {
	java, err := lookPath(path, "java")
	if err != nil {
		return Missing{What: fmt.Sprintf("Java %d or later (not on PATH)", minJava), Fix: hintJava}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if err != nil {
		return Missing{What: fmt.Sprintf("Java %d or later (%s -version failed: %v)", minJava, java, err), Fix: hintJava}, false
	}
	m := javaVersion.FindSubmatch(out)
	if m == nil {
		return Missing{What: fmt.Sprintf("Java %d or later (cannot read the version of %s)", minJava, java), Fix: hintJava}, false
	}
	major, _ := strconv.Atoi(string(m[1]) + string(m[2])) // one of the two is empty
	if major < minJava {
		return Missing{What: fmt.Sprintf("Java %d or later (%s is Java %d)", minJava, java, major), Fix: hintJava}, false
	}
	return Missing{}, true
}

// lookPath is exec.LookPath over an explicit search path.
func lookPath(path, name string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue // like exec.LookPath, ignore "." implied by empty entries
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// gcloudEnv is the environment for gcloud: ours, without the periodic update
// check and usage reporting, which try the network.
func gcloudEnv() []string {
	return append(os.Environ(),
		"CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true",
		"CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true",
	)
}

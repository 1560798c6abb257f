package gcloud

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckInstalled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs gcloud and java")
	}
	if err := Check(); err != nil {
		t.Errorf("Check() = %v, want nil on this machine", err)
	}
	if err := Check(Firestore); err != nil {
		t.Errorf("Check(Firestore) = %v, want nil on this machine", err)
	}
}

// fakeSDK makes an SDK root without emulators and a bin directory holding a
// gcloud that prints that root for "gcloud info"; packaged makes it look
// installed by apt. It returns the bin directory.
func fakeSDK(tb testing.TB, packaged bool) string {
	tb.Helper()
	root := tb.TempDir()
	if packaged {
		dir := filepath.Join(root, "lib", "googlecloudsdk", "core")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"disable_updater": true}`), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		tb.Fatal(err)
	}
	script := "#!/bin/sh\necho '" + root + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "gcloud"), []byte(script), 0o755); err != nil { //nolint:gosec // an executable script
		tb.Fatal(err)
	}
	return bin
}

// javaDir returns a directory holding only a link to this machine's java.
func javaDir(tb testing.TB) string {
	tb.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		tb.Skip("no java here")
	}
	dir := tb.TempDir()
	if err := os.Symlink(java, filepath.Join(dir, "java")); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestCheckMissing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs java")
	}
	var (
		gcloud     = Missing{What: "gcloud (not on PATH)", Fix: "install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install"}
		java       = Missing{What: "Java 11 or later (not on PATH)", Fix: "install Java 17, e.g. apt-get install openjdk-17-jre-headless"}
		fsNoGcloud = Missing{What: "Firestore emulator (after installing gcloud)", Fix: "gcloud components install cloud-firestore-emulator"}
		psNoGcloud = Missing{What: "Pub/Sub emulator (after installing gcloud)", Fix: "gcloud components install pubsub-emulator beta"}
		fs         = Missing{What: "Firestore emulator", Fix: "gcloud components install cloud-firestore-emulator"}
		ps         = Missing{What: "Pub/Sub emulator", Fix: "gcloud components install pubsub-emulator beta"}
		fsApt      = Missing{What: "Firestore emulator", Fix: "apt-get install google-cloud-cli-firestore-emulator"}
		psApt      = Missing{What: "Pub/Sub emulator", Fix: "apt-get install google-cloud-cli-pubsub-emulator"}
	)
	javaBin := javaDir(t)
	cases := []struct {
		name  string
		path  []string
		kinds []Kind
		want  []Missing
	}{
		{name: "empty PATH", want: []Missing{gcloud, java, fsNoGcloud, psNoGcloud}},
		{name: "java only", path: []string{javaBin}, want: []Missing{gcloud, fsNoGcloud, psNoGcloud}},
		{name: "java only, Firestore asked", path: []string{javaBin}, kinds: []Kind{Firestore}, want: []Missing{gcloud, fsNoGcloud}},
		{name: "gcloud without emulators", path: []string{fakeSDK(t, false), javaBin}, want: []Missing{fs, ps}},
		{name: "apt gcloud without emulators", path: []string{fakeSDK(t, true), javaBin}, want: []Missing{fsApt, psApt}},
		{name: "apt gcloud without emulators or java", path: []string{fakeSDK(t, true)}, kinds: []Kind{PubSub}, want: []Missing{java, psApt}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkPath(strings.Join(tc.path, string(filepath.ListSeparator)), tc.kinds...)
			var missing *MissingError
			if !errors.As(err, &missing) {
				t.Fatalf("checkPath: %v, want a *MissingError", err)
			}
			if diff := cmp.Diff(tc.want, missing.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	t.Parallel()
	err := &MissingError{Missing: []Missing{
		{What: "gcloud (not on PATH)", Fix: hintGcloud},
		{What: "Java 11 or later (not on PATH)", Fix: hintJava},
	}}
	want := "gcloud.Check: the emulators cannot run, missing:\n" +
		"  - gcloud (not on PATH): install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install\n" +
		"  - Java 11 or later (not on PATH): install Java 17, e.g. apt-get install openjdk-17-jre-headless"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

func TestJavaVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, out string
		want      string
	}{
		{name: "openjdk 17", out: "Picked up JAVA_TOOL_OPTIONS: -Xmx512m\nopenjdk version \"17.0.15\" 2025-04-15\n", want: "17"},
		{name: "java 8", out: "java version \"1.8.0_392\"\n", want: "8"},
		{name: "java 21", out: "openjdk version \"21\" 2023-09-19\n", want: "21"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := javaVersion.FindStringSubmatch(tc.out)
			if m == nil {
				t.Fatalf("no version in %q", tc.out)
			}
			if diff := cmp.Diff(tc.want, m[1]+m[2]); diff != "" {
				t.Errorf("major (-want +got):\n%s", diff)
			}
		})
	}
}

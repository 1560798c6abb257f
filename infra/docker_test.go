package infra

// The container image every function runs: infra/Dockerfile and the build
// context .dockerignore lets through.

import (
	"bufio"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDockerfile(t *testing.T) {
	stages := dockerStages(t, "Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if from := build.get("FROM"); !strings.HasPrefix(from, "golang:") || !strings.HasSuffix(from, " AS build") {
		t.Errorf("build stage FROM %q, want golang:… AS build", from)
	}
	if !slices.ContainsFunc(build, func(in dockerInstr) bool {
		return in.cmd == "RUN" && containsAll(in.args,
			"--mount=type=cache,target=/go/pkg/mod", "CGO_ENABLED=0", "go build", "-trimpath",
			"-ldflags='-s -w'", "-o /workgate", "./functions/cmd/workgate")
	}) {
		t.Error("no RUN that builds ./functions/cmd/workgate static (CGO_ENABLED=0, -trimpath, -s -w) to /workgate with a module cache mount")
	}
	for _, want := range []dockerInstr{
		{"FROM", "gcr.io/distroless/static-debian12:nonroot"},
		{"COPY", "--from=build /workgate /workgate"},
		{"USER", "nonroot:nonroot"},
		{"ARG", "FUNCTION_TARGET"},
		{"ENV", "FUNCTION_TARGET=${FUNCTION_TARGET}"},
		{"ENV", "PORT=8080"},
		{"EXPOSE", "8080"},
		{"ENTRYPOINT", `["/workgate"]`},
	} {
		if !slices.Contains(final, want) {
			t.Errorf("runtime stage lacks %s %s", want.cmd, want.args)
		}
	}
	if users := final.all("USER"); len(users) == 0 || users[len(users)-1] != "nonroot:nonroot" {
		t.Errorf("runtime stage runs as %v, want nonroot:nonroot last", users)
	}

	// The binary the image builds must be a main package, once it exists.
	cmdDir := filepath.Join("..", "functions", "cmd", "workgate")
	files, _ := filepath.Glob(filepath.Join(cmdDir, "*.go"))
	if len(files) == 0 {
		t.Logf("%s does not exist yet; the image build would fail", cmdDir)
		return
	}
	isMain := false
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		isMain = isMain || regexp.MustCompile(`(?m)^package main\b`).Match(b)
	}
	if !isMain {
		t.Errorf("%s is not package main", cmdDir)
	}
}

func TestDockerignore(t *testing.T) {
	ignore := readDockerignore(t, filepath.Join("..", ".dockerignore"))
	for _, p := range []string{".git/HEAD", ".workgate/keys.json", "bin/workgate", "docs/notes.md",
		"infra/terraform/main.tf", "infra/terraform/.terraform/providers/x", "functions/signup/.env"} {
		if !ignore.excluded(p) {
			t.Errorf("%s reaches the build context", p)
		}
	}
	// The module must reach the build: go.mod, go.sum, every Go source file
	// and every file one of them embeds.
	needed := []string{"go.mod", "go.sum", "infra/topology.yaml", "functions/cmd/workgate/main.go"}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		needed = append(needed, rel)
		embeds, err := embeddedFiles(p)
		if err != nil {
			return err
		}
		for _, e := range embeds {
			r, _ := filepath.Rel("..", e)
			needed = append(needed, filepath.ToSlash(r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range needed {
		if ignore.excluded(p) {
			t.Errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
}

// dockerInstr is one Dockerfile instruction.
type dockerInstr struct{ cmd, args string }

// dockerStage is the instructions from one FROM to the next.
type dockerStage []dockerInstr

func (s dockerStage) all(cmd string) []string {
	var out []string
	for _, in := range s {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

func (s dockerStage) get(cmd string) string {
	if all := s.all(cmd); len(all) > 0 {
		return all[0]
	}
	return ""
}

// dockerStages reads a Dockerfile's stages: comments dropped, continued lines
// joined, whitespace collapsed.
func dockerStages(tb testing.TB, name string) []dockerStage {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var stages []dockerStage
	var line strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") || (text == "" && line.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(text, `\`); ok {
			line.WriteString(cont + " ")
			continue
		}
		line.WriteString(text)
		fields := strings.Fields(line.String())
		line.Reset()
		in := dockerInstr{strings.ToUpper(fields[0]), strings.Join(fields[1:], " ")}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return stages
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// dockerignore is a .dockerignore, matched as Docker matches it: paths are
// relative to the context root, "*" and "?" stay within a path element, "**"
// spans any number, a matched directory excludes all below it, "!"
// re-includes, and the last matching pattern wins.
type dockerignore []struct {
	re      *regexp.Regexp
	include bool
}

func readDockerignore(tb testing.TB, name string) dockerignore {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	var d dockerignore
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		include := strings.HasPrefix(line, "!")
		pat := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		if strings.ContainsAny(pat, `[\`) {
			tb.Fatalf(".dockerignore: %q: character classes and escapes are not understood by this test", line)
		}
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(pat); i++ {
			switch {
			case strings.HasPrefix(pat[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(pat[i:], "**"):
				re.WriteString(".*")
				i++
			case pat[i] == '*':
				re.WriteString("[^/]*")
			case pat[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(pat[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$")
		d = append(d, struct {
			re      *regexp.Regexp
			include bool
		}{regexp.MustCompile(re.String()), include})
	}
	return d
}

func (d dockerignore) excluded(p string) bool {
	ex := false
	for _, r := range d {
		if r.re.MatchString(p) {
			ex = !r.include
		}
	}
	return ex
}

var embedDirective = regexp.MustCompile(`(?m)^//go:embed\s+(.+)$`)

// embeddedFiles lists the files a Go source file's //go:embed patterns match.
func embeddedFiles(goFile string) ([]string, error) {
	b, err := os.ReadFile(goFile)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range embedDirective.FindAllStringSubmatch(string(b), -1) {
		for _, pat := range strings.Fields(m[1]) {
			pat = strings.TrimPrefix(strings.Trim(pat, "\"`"), "all:")
			matches, err := filepath.Glob(filepath.Join(filepath.Dir(goFile), pat))
			if err != nil {
				return nil, err
			}
			for _, match := range matches {
				err := filepath.WalkDir(match, func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						out = append(out, p)
					}
					return err
				})
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

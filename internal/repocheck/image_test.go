package repocheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// instruction is one line of a Dockerfile: its keyword and the rest.
type instruction struct {
	cmd, args string
	line      int
}

// parseDockerfile reads instructions (continuations joined, comments dropped); an unknown
// keyword or a line that is not an instruction is an error.
func parseDockerfile(text string) ([]instruction, []string) {
	known := map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true, "ADD": true,
		"COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true, "ONBUILD": true,
		"STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true}
	var (
		out      []instruction
		problems []string
		pending  string
		start    int
	)
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if pending == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if pending == "" {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			pending += cont + " "
			continue
		}
		line = pending + line
		pending = ""
		cmd, args, _ := strings.Cut(line, " ")
		if !known[strings.ToUpper(cmd)] {
			problems = append(problems, "line "+itoa(start)+": not an instruction: "+cmd)
			continue
		}
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
	}
	if pending != "" {
		problems = append(problems, "the file ends in a continuation")
	}
	return out, problems
}

func itoa(n int) string { return strconv.Itoa(n) }

// imageProblems checks what the image must be: a multi-stage build whose build stage makes a
// static binary (CGO_ENABLED=0) of cmd/edgeconform, a final stage on distroless/static or scratch
// that copies it from the build stage, a non-root USER, and an exec-form ENTRYPOINT running it.
func imageProblems(text string) []string {
	ins, problems := parseDockerfile(text)
	var stages [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		return append(problems, "not a multi-stage build (want FROM ... AS build, then the final stage)")
	}
	if !regexp.MustCompile(`(?i)^golang:\S+\s+AS\s+build$`).MatchString(stages[0][0].args) {
		problems = append(problems, "the first stage is not FROM golang:... AS build: "+stages[0][0].args)
	}
	static := false
	for _, in := range stages[0] {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "go build") && strings.Contains(in.args, "./cmd/edgeconform") {
			static = true
		}
	}
	if !static {
		problems = append(problems, "the build stage does not run CGO_ENABLED=0 go build ... ./cmd/edgeconform")
	}
	final := stages[len(stages)-1]
	if base := final[0].args; !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		problems = append(problems, "the final stage is not on distroless/static or scratch: "+base)
	}
	var binary, user string
	var entry []string
	for _, in := range final {
		switch in.cmd {
		case "COPY":
			if f := strings.Fields(in.args); len(f) == 3 && f[0] == "--from=build" {
				binary = f[2]
			}
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.args), &entry); err != nil {
				problems = append(problems, "ENTRYPOINT is not in exec form: "+in.args)
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		problems = append(problems, "the final stage runs as root (want a USER that is not root)")
	}
	if binary == "" || len(entry) == 0 || entry[0] != binary || filepath.Base(binary) != "edgeconform" {
		problems = append(problems, "ENTRYPOINT does not run the binary copied from the build stage")
	}
	return problems
}

// The Dockerfile builds a small, static, non-root image of the binary.
func TestDockerfile(t *testing.T) {
	if ps := imageProblems(read(t, "Dockerfile")); len(ps) > 0 {
		t.Errorf("Dockerfile:\n%s", strings.Join(ps, "\n"))
	}
	// Controls: each property, broken, is found.
	good := read(t, "Dockerfile")
	for name, bad := range map[string]string{
		"root":        strings.Replace(good, "USER 65532:65532", "USER root", 1),
		"cgo":         strings.Replace(good, "CGO_ENABLED=0 ", "", 1),
		"single":      "FROM golang:1.26\nRUN CGO_ENABLED=0 go build -o /e ./cmd/edgeconform\nENTRYPOINT [\"/e\"]\n",
		"shell entry": strings.Replace(good, `ENTRYPOINT ["/usr/local/bin/edgeconform"]`, "ENTRYPOINT /usr/local/bin/edgeconform", 1),
		"fat base":    strings.Replace(good, "gcr.io/distroless/static-debian12:nonroot", "ubuntu:24.04", 1),
		"typo":        strings.Replace(good, "WORKDIR", "WORKDRI", 1),
	} {
		if len(imageProblems(bad)) == 0 {
			t.Errorf("control %q: the check finds nothing wrong", name)
		}
	}
}

// makeVar is the value of `NAME ?= value` in the Makefile.
func makeVar(t *testing.T, makefile, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `\s*\??=\s*(\S+)\s*$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatalf("the Makefile does not set %s", name)
	}
	return m[1]
}

// `make image` builds the image the Kubernetes manifests run.
func TestManifestsNameTheImageTheMakefileBuilds(t *testing.T) {
	mk := read(t, "Makefile")
	want := makeVar(t, mk, "IMAGE") + ":" + makeVar(t, mk, "IMAGE_TAG")
	if !regexp.MustCompile(`(?m)^image:`).MatchString(mk) || !strings.Contains(mk, "$(IMAGE):$(IMAGE_TAG)") {
		t.Fatalf("the Makefile has no image target building $(IMAGE):$(IMAGE_TAG)")
	}
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "k8s", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/k8s")
	}
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc any
			if err := dec.Decode(&doc); err != nil {
				break
			}
			for _, img := range images(doc) {
				seen++
				if img != want {
					t.Errorf("%s runs %s; the Makefile builds %s", filepath.Base(f), img, want)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no container image in the manifests")
	}
}

// images finds every "image" value in a decoded YAML document.
func images(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "image" {
				out = append(out, s)
			} else {
				out = append(out, images(val)...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, images(e)...)
		}
	}
	return out
}

// sectionRef is a section sign and a digit: a section of the contract the project was built from,
// unless a document of the repository is named before it ("mock-authors.md" and the sign).
var sectionRef = regexp.MustCompile("\u00a7[0-9]")

func bareSection(text string) bool {
	for _, loc := range sectionRef.FindAllStringIndex(text, -1) {
		if !strings.HasSuffix(text[:loc[0]], ".md ") {
			return true
		}
	}
	return false
}

// The repository documents its own contract: nothing cites a file outside it (the contract the
// project was built from), everything cites docs/protocol.md, whose sections exist.
func TestNoCitationOutsideTheRepository(t *testing.T) {
	out, err := gitFiles()
	if err != nil {
		t.Fatal(err)
	}
	doc := read(t, "docs/protocol.md")
	anchor := regexp.MustCompile(`docs/protocol\.md#([a-z0-9-]+)|\(protocol\.md#([a-z0-9-]+)\)`)
	headings := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(doc, -1) {
		headings[strings.ReplaceAll(strings.ToLower(m[1]), " ", "-")] = true
	}
	cites := 0
	for _, f := range out {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || strings.HasSuffix(f, ".png") {
			continue // a screenshot cites nothing (its bytes may hold a section sign and a digit)
		}
		text := string(data)
		if strings.Contains(text, "interface"+".md") || bareSection(text) {
			t.Errorf("%s cites interface"+".md or its numbered sections, outside the repository: cite docs/protocol.md", f)
		}
		for _, m := range anchor.FindAllStringSubmatch(text, -1) {
			cites++
			a := m[1] + m[2]
			if !headings[a] {
				t.Errorf("%s links docs/protocol.md#%s: no such section", f, a)
			}
		}
	}
	if cites == 0 {
		t.Error("nothing links a section of docs/protocol.md: the check proves nothing")
	}
	// Controls of the section check.
	if !bareSection("the order of \u00a72") || bareSection("see mock-authors.md \u00a74") {
		t.Error("bareSection misjudges its controls")
	}
}

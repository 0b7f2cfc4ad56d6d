package repocheck

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The design card's rooms, plus the documentation, the deployment manifests and internal/. A new
// top-level folder is a decision about the house, not a side effect of a change.
var topLevelFolders = map[string]bool{
	"spec": true, "suites": true, "load": true, "fixtures": true, "cmd": true,
	"docs": true, "deploy": true, "internal": true,
}

// publicPackages are the packages a Go user imports: the spec and its wire, the suites and the
// conformance helper, the load library, and the fixtures room (data embedded for the binary).
// Everything else is machinery under internal/ (or a command under cmd/) and may change.
var publicPackages = map[string]bool{
	"spec":               true,
	"spec/protocol":      true,
	"spec/states":        true,
	"suites/contract":    true,
	"suites/throttle":    true,
	"suites/conformance": true,
	"load":               true,
	"fixtures":           true,
	"cmd/edgeconform":    true, // the binary
}

// misplaced returns the packages (module-relative paths) that are neither public nor under
// internal/: each one is an import path a user could come to depend on by accident.
func misplaced(packages []string) []string {
	var out []string
	for _, p := range packages {
		if publicPackages[p] || p == "internal" || strings.HasPrefix(p, "internal/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// strayFolders returns the top-level folders that are not one of the house's rooms.
func strayFolders(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, ".") && !topLevelFolders[n] {
			out = append(out, n)
		}
	}
	return out
}

func TestLayoutSaysWhatIsPublic(t *testing.T) {
	// Controls: the checks flag what they are meant to flag, and only that.
	if got := misplaced([]string{"spec", "internal/mock", "mock", "spec/gen", "cmd/other"}); strings.Join(got, ",") != "mock,spec/gen,cmd/other" {
		t.Errorf("misplaced control: got %v", got)
	}
	if got := strayFolders([]string{"spec", ".ci", "scripts", "internal"}); strings.Join(got, ",") != "scripts" {
		t.Errorf("strayFolders control: got %v", got)
	}

	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	for _, f := range strayFolders(folders) {
		t.Errorf("top-level folder %s/ is not one of the house's rooms (spec, suites, load, fixtures, cmd, docs, deploy, internal): move it under internal/", f)
	}

	for _, p := range misplaced(modulePackages(t)) {
		t.Errorf("Go package %s is outside internal/ and not on the public list: move it under internal/, or make it public deliberately (publicPackages, README's layout)", p)
	}
}

// modulePackages lists the main module's packages, relative to the module path.
func modulePackages(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	const module = "github.com/edgeconform/edgeconform"
	var pkgs []string
	for _, line := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(line, module), "/")
		if rel == "" {
			rel = "."
		}
		pkgs = append(pkgs, rel)
	}
	sort.Strings(pkgs)
	return pkgs
}

package repocheck

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository's top directory, from this package's.
var root = filepath.Join("..", "..")

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// randomFuzzing finds, in the commands a target would run, those that fuzz at random: a new
// finding would turn CI red on an unrelated commit. The committed corpora run as plain tests.
var randomFuzzing = regexp.MustCompile(`(^|\s)-(test\.)?fuzz(\s|=|$)|fuzz\.sh|fuzz-short|FUZZTIME`)

func nondeterministic(commands []string) []string {
	var out []string
	for _, c := range commands {
		if randomFuzzing.MatchString(c) {
			out = append(out, c)
		}
	}
	return out
}

// The README's test command (`make test`, what .ci/run runs) runs no random fuzzing: what make
// would execute for it (make -n, every prerequisite expanded) holds no -fuzz, no fuzz script.
func TestTestCommandIsDeterministic(t *testing.T) {
	// Positive control: the check finds the recipes it is meant to find.
	for _, bad := range []string{"go test -run '^$' -fuzz ^FuzzX$ ./mock", "FUZZTIME=3s internal/scripts/fuzz.sh", "$(MAKE) fuzz-short", "go test -test.fuzz=FuzzX"} {
		if len(nondeterministic([]string{bad})) == 0 {
			t.Errorf("the check misses %q", bad)
		}
	}
	for _, good := range []string{"go test -race -count=1 ./...", "go test -run 'Sim|AgainstReference' ./load", "gofmt -l fuzz_test.go"} {
		if len(nondeterministic([]string{good})) != 0 {
			t.Errorf("the check flags %q", good)
		}
	}

	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed to expand the test target: %v", err)
	}
	cmd := exec.Command("make", "-n", "test")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 3 || !strings.Contains(string(out), "go test") {
		t.Fatalf("make -n test runs no go test:\n%s", out)
	}
	if bad := nondeterministic(lines); len(bad) > 0 {
		t.Errorf("make test fuzzes at random (random fuzzing belongs in make fuzz):\n%s", strings.Join(bad, "\n"))
	}
}

// .ci/run runs the README's test command, as written in its set-up block.
func TestCIRunsTheReadmeTestCommand(t *testing.T) {
	readme := read(t, "README.md")
	block := fenced(readme, "## Set-up")
	if len(block) == 0 {
		t.Fatal("README.md has no code block under ## Set-up")
	}
	var testCmd string
	for _, line := range block {
		cmd, comment, _ := strings.Cut(line, "#")
		if strings.Contains(comment, "test") && strings.TrimSpace(cmd) != "" {
			testCmd = strings.TrimSpace(cmd)
		}
	}
	if testCmd == "" {
		t.Fatalf("no test command in the README's set-up block: %q", block)
	}
	ci := read(t, ".ci/run")
	found := false
	for _, line := range strings.Split(ci, "\n") {
		if strings.TrimSpace(line) == testCmd {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command %q", testCmd)
	}
}

// fenced returns the lines of the first ``` block after the heading.
func fenced(doc, heading string) []string {
	i := strings.Index(doc, heading)
	if i < 0 {
		return nil
	}
	var lines []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(doc[i:]))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			if in {
				return lines
			}
			in = true
			continue
		}
		if in {
			lines = append(lines, l)
		}
	}
	return nil
}

// gitFiles lists the repository's tracked files (and those added but not yet committed).
func gitFiles() ([]string, error) {
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
)

// contractFiles runs contract with args and returns its stdout, JSON and JUnit reports, with
// what must differ between two runs blanked out: elapsed times, the JUnit timestamp, and the
// reproduce lines of failed cases (they name the run's fresh accounts and jobs).
func contractFiles(t *testing.T, args ...string) (stdout, js, junit string, exit int) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	r := runBin(t, hostileLimit, nil, append([]string{"contract", "--json", jsonPath, "--junit", junitPath}, args...)...)
	r.checkSane(t)
	j, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatalf("no JSON report (exit %d): %v; stderr:\n%s", r.exit, err, r.stderr)
	}
	x, err := os.ReadFile(junitPath)
	if err != nil {
		t.Fatal(err)
	}
	times := regexp.MustCompile(`(time|timestamp)="[^"]*"`)
	elapsed := regexp.MustCompile(` in [0-9.]+(ms|s|µs|m[0-9.]*s)`)
	out := regexp.MustCompile(`(?m)^(\s*reproduce: ).*$`).ReplaceAllString(elapsed.ReplaceAllString(r.stdout, " in T"), "${1}R")
	js = regexp.MustCompile(`(?m)^(\s*"reproduce": ).*$`).ReplaceAllString(string(j), `${1}"R",`)
	junit = regexp.MustCompile(`reproduce: .*?</failure>`).ReplaceAllString(times.ReplaceAllString(string(x), `$1="T"`), "reproduce: R</failure>")
	return out, js, junit, r.exit
}

// The reports are the same whether the cases run one after another or many at once, against a
// conforming reference implementation and against one whose RequestIds repeat (which case keeps
// a repeated RequestId must not depend on which finished first).
func TestContractParallelSameReports(t *testing.T) {
	t.Parallel()
	for name, defects := range map[string][]mock.Defect{"conforming": nil, "reused RequestId": {mock.ReusedRequestID}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ref := startRef(t, defects...)
			args := []string{"--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String()}
			out1, js1, x1, exit1 := contractFiles(t, append(args, "--parallel", "1")...)
			wantExit := 0
			if defects != nil {
				wantExit = 1
				if !strings.Contains(js1, "again (first answered in ") {
					t.Errorf("no repeated RequestId was reported: the comparison proves little")
				}
			}
			if exit1 != wantExit {
				t.Fatalf("--parallel 1: exit %d, want %d; stdout:\n%s", exit1, wantExit, out1)
			}
			for _, n := range []string{"4", "32"} {
				out, js, x, exit := contractFiles(t, append(args, "--parallel", n)...)
				if exit != exit1 {
					t.Errorf("--parallel %s: exit %d, --parallel 1: %d", n, exit, exit1)
				}
				for what, pair := range map[string][2]string{"stdout": {out1, out}, "JSON": {js1, js}, "JUnit": {x1, x}} {
					if pair[0] != pair[1] {
						t.Errorf("--parallel %s: the %s differs from --parallel 1's:\n%s", n, what, firstDiff(pair[0], pair[1]))
					}
				}
			}
		})
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, x, y)
		}
	}
	return "(same lines)"
}

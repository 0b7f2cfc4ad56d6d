package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

func runSpecTest(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	err, stdout, stderr := runMain(t, nil, append([]string{"spec"}, args...)...)
	return stdout, stderr, cli.ExitCode(err)
}

func TestSpecShowListsThePageCodes(t *testing.T) {
	out, _, code := runSpecTest(t, "show")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, row := range []struct{ code, status string }{
		{"MissingParameter", "400"}, {"UserTaskExceed", "400"}, {"InternalError", "500"}, {"UserQuotaExceed", "403"},
		{"OperationDenied", "403"}, {"Forbidden", "403"}, {"JobNotFound", "404"},
	} {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(row.code) + `\s+` + row.status + `\s+.+\s+page$`)
		if !re.MatchString(out) {
			t.Errorf("no row %s %s ... page in:\n%s", row.code, row.status, out)
		}
	}
	if !regexp.MustCompile(`(?m)^Throttling\.User\s+400\s+Request was denied due to user flow control\.\s+common$`).MatchString(out) {
		t.Errorf("no Throttling.User common row in:\n%s", out)
	}
	if !strings.Contains(out, "rate limit: 6000/1m") {
		t.Errorf("no rate limit line in:\n%s", out)
	}
}

func TestSpecValidate(t *testing.T) {
	out, _, code := runSpecTest(t, "validate")
	if code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("embedded spec: exit %d, output %q", code, out)
	}
	out, _, code = runSpecTest(t, "validate", "../../spec/openapi.yaml")
	if code != 0 {
		t.Fatalf("spec/openapi.yaml: exit %d, output %q", code, out)
	}
	out, _, code = runSpecTest(t, "validate", "../../spec/testdata/broken.yaml")
	if code != cli.ExitNonConformant {
		t.Fatalf("broken.yaml: exit %d, want 1; output %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 5 {
		t.Fatalf("want one line per problem (5 or more), got %q", out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "/") || !strings.Contains(l, ": ") {
			t.Errorf("line %q is not POINTER: REASON", l)
		}
	}
	if !strings.Contains(out, "/x-error-codes/6/status: ") {
		t.Errorf("no problem at /x-error-codes/6/status in %q", out)
	}
	if _, _, code = runSpecTest(t, "validate", "no/such/file.yaml"); code != cli.ExitUsage {
		t.Errorf("missing file: exit %d, want 2", code)
	}
}

func TestSpecGenerate(t *testing.T) {
	dir := t.TempDir()
	outFile := filepath.Join(dir, "openapi.yaml")
	if _, errOut, code := runSpecTest(t, "generate", "-o", outFile); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, _ := os.ReadFile(outFile)
	want, _ := os.ReadFile("../../spec/openapi.yaml")
	if !bytes.Equal(got, want) || len(got) == 0 {
		t.Fatal("generate -o differs from the committed spec/openapi.yaml")
	}
	stdout, _, code := runSpecTest(t, "generate")
	if code != 0 || stdout != string(want) {
		t.Fatalf("generate to stdout: exit %d, same=%v", code, stdout == string(want))
	}

	page, _ := os.ReadFile("../../internal/source/StartEdgeTranscodeJob.txt")
	broken := filepath.Join(dir, "page.txt")
	if err := os.WriteFile(broken, bytes.Replace(page, []byte("| 404 | JobNotFound"), []byte("| 4o4 | JobNotFound"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	err, _, _ := runMain(t, nil, "spec", "generate", "-page", broken, "-o", filepath.Join(dir, "x.yaml"))
	if cli.ExitCode(err) != cli.ExitUsage {
		t.Fatalf("broken page: exit %d, want 2", cli.ExitCode(err))
	}
	if !strings.Contains(err.Error(), `table "Error codes", line 82`) {
		t.Errorf("error %q does not name the table and line", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.yaml")); err == nil {
		t.Error("a failed generation wrote its output")
	}
}

func TestSpecUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"validate", "a", "b"}, {"show", "-bogus"}} {
		if _, _, code := runSpecTest(t, args...); code != cli.ExitUsage {
			t.Errorf("spec %v: exit %d, want 2", args, code)
		}
	}
	if _, _, code := runSpecTest(t, "show", "-spec", "../../spec/testdata/broken.yaml"); code != cli.ExitUsage {
		t.Errorf("show -spec broken: exit %d, want 2", code)
	}
}

// spec sources prints the disagreements the issue names, each with what every source says, and
// the list is the one the spec records.
func TestSpecSourcesListsTheDisagreements(t *testing.T) {
	out, _, code := runSpecTest(t, "sources")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		"StartEdgeTranscodeJob errors/UserQuotaExceed/status\n  the page:",
		"the vendor's metadata (2024-06-24):",
		"StartEdgeTranscodeJob parameters/OwnerId\n",
		"the official SDK alibaba-cloud-sdk-go:",
		"StartEdgeTranscodeJob parameters/RegionId\n",
		"the vendor's metadata (2025-12-03):",
		"StartEdgeTranscodeJob errors/JobNotFound/message\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`(?m)^  the page:\s+403$`).FindString(out) == "" || !regexp.MustCompile(`(?m)^  the vendor's metadata \(2024-06-24\):\s+400$`).MatchString(out) {
		t.Errorf("UserQuotaExceed's 403 and 400 are not both shown:\n%s", out)
	}
	if strings.Contains(out, "differ from the") {
		t.Errorf("the embedded sources are out of step with the spec:\n%s", out)
	}
	js, _, code := runSpecTest(t, "sources", "-json")
	var ds []specfacts.Disagreement
	if err := json.Unmarshal([]byte(js), &ds); code != 0 || err != nil {
		t.Fatalf("-json: exit %d, %v", code, err)
	}
	if !reflect.DeepEqual(ds, specfacts.Disagreements(spec.Default())) {
		t.Error("-json differs from the spec's x-edgeconform-disagreements")
	}
}

// A newer metadata snapshot dropped in as published changes the list, and the command says the
// spec must be regenerated.
func TestSpecSourcesReadsANewerSnapshot(t *testing.T) {
	data, err := os.ReadFile("../../internal/source/vendor/api-docs.2024-06-24.StartEdgeTranscodeJob.json")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`"name": "JobId",`), []byte(`"name": "Priority",`), 1)
	path := filepath.Join(t.TempDir(), "api-docs.2026-02-01.StartEdgeTranscodeJob.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runSpecTest(t, "sources", "-metadata", path)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"parameters/Priority", "the vendor's metadata (2026-02-01):", "regenerate spec/openapi.yaml"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

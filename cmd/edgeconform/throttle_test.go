package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/throttle"
	"github.com/edgeconform/edgeconform/spec"
)

// throttleOnce runs the command, again when a busy machine left it without a verdict (exit 3 and
// the report says so): the exit codes under test are 0 and 1.
func throttleOnce(t *testing.T, args ...string) (error, string) {
	t.Helper()
	var err error
	var out string
	for try := 0; try < 3; try++ {
		var stdout, stderr string
		err, stdout, stderr = runMain(t, nil, append([]string{"throttle", "--progress", "none"}, args...)...)
		out = stdout + stderr
		if !inconclusive(err, out) {
			return err, out
		}
		t.Logf("no verdict (busy machine), again: %v", err)
		time.Sleep(2 * time.Second)
	}
	return err, out
}

// inconclusive: the scenario ran and said it could not judge (exit 3 with its report).
func inconclusive(err error, out string) bool {
	return errors.Is(err, throttle.ErrNoVerdict) && strings.Contains(out, "INCONCLUSIVE")
}

// TestThrottleCommandKeepsNoVerdictCause: every call rejected before the throttle (the profile's
// secret is wrong) is a run without a verdict. The command's error still wraps throttle.ErrNoVerdict
// under cli.ErrHarness, so the retry of throttleOnce does run when a busy machine spoils a run.
func TestThrottleCommandKeepsNoVerdictCause(t *testing.T) {
	rl := spec.RateLimit{Calls: 20, Window: 400 * time.Millisecond}
	r, err := mock.Start(context.Background(), mock.WithRateLimit(rl))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profile, []byte(`states:
  "a fresh account":
    - {AccessKeyId: LTAI5tRefAdmin000000001, AccessKeySecret: wrong-secret, ClusterId: c1, JobId: j1}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	err, stdout, stderr := runMain(t, nil, "throttle", "--progress", "none", "--target", r.APIURL, "--profile", profile, "--rate-limit", rl.String())
	out := stdout + stderr
	if got := cli.ExitCode(err); got != cli.ExitHarness {
		t.Fatalf("exit %d (%v), want 3\n%s", got, err, out)
	}
	if !inconclusive(err, out) || !errors.Is(err, cli.ErrHarness) {
		t.Errorf("err %v: want cli.ErrHarness and throttle.ErrNoVerdict, and INCONCLUSIVE in\n%s", err, out)
	}
	// Negative control: a run with a verdict is not retried.
	if inconclusive(fmt.Errorf("%w: throttle: isolation failed", cli.ErrNonConformant), "throttle 20/400ms: FAIL") {
		t.Error("a failed run counts as inconclusive")
	}
}

func TestThrottleCommandPassesEmbedded(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "throttle.json")
	err, out := throttleOnce(t, "--rate-limit", "100/2s", "--json", jsonPath, "--report-dir", filepath.Join(dir, "report"))
	if got := cli.ExitCode(err); got != cli.ExitOK {
		t.Fatalf("exit %d (%v), want 0\n%s", got, err, out)
	}
	if !strings.Contains(out, "throttle 100/2s: PASS") {
		t.Errorf("summary lacks the verdict:\n%s", out)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Verdict        string  `json:"verdict"`
		RateLimit      string  `json:"rate_limit"`
		EstimatedLimit float64 `json:"estimated_limit"`
		Algorithm      string  `json:"algorithm"`
		Checks         []struct {
			Name, Status, Message string
		} `json:"checks"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("--json: %v", err)
	}
	if rep.Verdict != "pass" || rep.RateLimit != "100/2s" || rep.EstimatedLimit < 95 || rep.EstimatedLimit > 105 || len(rep.Checks) != len(throttle.CheckNames()) {
		t.Errorf("--json report: %+v", rep)
	}
	for _, f := range []string{throttle.PlotFile, throttle.ChartFile, throttle.ResultsFile} {
		if fi, err := os.Stat(filepath.Join(dir, "report", f)); err != nil || fi.Size() == 0 {
			t.Errorf("--report-dir: %s: %v", f, err)
		}
	}
}

func TestThrottleCommandFailsBrokenTarget(t *testing.T) {
	rl := spec.RateLimit{Calls: 100, Window: 2 * time.Second}
	r, err := mock.Start(context.Background(), mock.WithRateLimit(rl), mock.WithDefects(mock.GlobalLimit))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	err, out := throttleOnce(t, "--target", r.APIURL, "--state-url", r.AdminURL, "--rate-limit", rl.String())
	if got := cli.ExitCode(err); got != cli.ExitNonConformant {
		t.Fatalf("exit %d (%v), want 1\n%s", got, err, out)
	}
	if !strings.Contains(err.Error(), "isolation") {
		t.Errorf("error %q does not name the failed check", err)
	}
}

func TestThrottleCommandUsageAndHarnessErrors(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profile, []byte(`states:
  "a fresh account":
    - {AccessKeyId: LTAI-one, AccessKeySecret: s3cr3t-one, ClusterId: c1, JobId: j1}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--rate-limit", "lots"}, cli.ExitUsage},
		{[]string{"--rate-limit", "5/1s"}, cli.ExitUsage},
		{[]string{"--junit", "x.xml"}, cli.ExitUsage},
		{[]string{"--state-url", "http://127.0.0.1:1"}, cli.ExitUsage},
		{[]string{"--target", "ftp://x"}, cli.ExitUsage},
		{[]string{"--progress", "loud"}, cli.ExitUsage},
		{[]string{"--signature", "v2"}, cli.ExitUsage},
		// A report that cannot be written: exit 2, as in contract and load.
		{[]string{"--rate-limit", "20/400ms", "--json", filepath.Join(profile, "no-such-dir", "t.json")}, cli.ExitUsage},
		// Nobody listens: no verdict, never a pass or a fail.
		{[]string{"--target", "http://127.0.0.1:1", "--profile", profile, "--rate-limit", "20/400ms"}, cli.ExitHarness},
	} {
		err, stdout, stderr := runMain(t, nil, append([]string{"throttle", "--progress", "none"}, tc.args...)...)
		if got := cli.ExitCode(err); got != tc.want {
			t.Errorf("throttle %v: exit %d (%v), want %d", tc.args, got, err, tc.want)
		}
		if all := stdout + stderr + errString(err); strings.Contains(all, "s3cr3t-one") {
			t.Errorf("throttle %v: output holds the secret", tc.args)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRunCommand builds the binary (the contract suite runs once per process) and runs
// `edgeconform run` on the embedded default with a scaled limit: contract, then throttle.
func TestRunCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the contract suites and a throttle scenario")
	}
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "run.json")
	code, out := runUntilVerdict(t, "run", "--rate-limit", "100/2s", "--progress", "none", "--json", jsonPath, "--explore", "25", "--seed", "4")
	if code != cli.ExitOK {
		t.Fatalf("run: exit %d, want 0\n%s", code, out)
	}
	if n := strings.Count(string(data(t, jsonPath)), `"id": "explore/4/`); n != 25 {
		t.Errorf("run --explore 25 --seed 4: %d cases explore/4/*, want 25", n)
	}
	if i, j := strings.Index(string(out), "== contract"), strings.Index(string(out), "== throttle"); i < 0 || j < i {
		t.Errorf("run did not run contract then throttle:\n%s", out)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Verdict  string `json:"verdict"`
		Contract struct {
			Failed int `json:"failed"`
			Passed int `json:"passed"`
		} `json:"contract"`
		Throttle struct {
			Verdict string `json:"verdict"`
		} `json:"throttle"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("run --json: %v\n%s", err, data)
	}
	if rep.Contract.Passed == 0 || rep.Contract.Failed != 0 || rep.Throttle.Verdict != "pass" || rep.Verdict != "pass" {
		t.Errorf("run --json: %+v", rep)
	}
	if last := lastLine(string(out)); last != "run: PASS (contract pass, throttle pass)" {
		t.Errorf("last line %q", last)
	}
}

func data(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunCommandWorstStatus: contract passes, throttle fails against a shared (global) limit:
// run exits 1 and its JSON holds both reports.
func TestRunCommandWorstStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the contract suites and a throttle scenario")
	}
	rl := spec.RateLimit{Calls: 100, Window: 2 * time.Second}
	r, err := mock.Start(context.Background(), mock.WithRateLimit(rl), mock.WithDefects(mock.GlobalLimit))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "run.json")
	code, out := runUntilVerdict(t, "run", "--target", r.APIURL, "--state-url", r.AdminURL, "--rate-limit", rl.String(), "--progress", "none", "--json", jsonPath)
	if code != cli.ExitNonConformant {
		t.Fatalf("run: exit %d, want 1\n%s", code, out)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Verdict  string                `json:"verdict"`
		Contract *struct{ Passed int } `json:"contract"`
		Throttle struct {
			Verdict string `json:"verdict"`
			Checks  []struct{ Name, Status string }
		} `json:"throttle"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("run --json: %v", err)
	}
	if rep.Contract == nil || rep.Contract.Passed == 0 || rep.Throttle.Verdict != "fail" || rep.Verdict != "fail" {
		t.Errorf("run --json: verdict %q, contract %+v, throttle %q\n%s", rep.Verdict, rep.Contract, rep.Throttle.Verdict, out)
	}
	// (The contract's throttle cases may throttle other cases' accounts too: a global limit.)
	if !regexp.MustCompile(`\nrun: FAIL \(contract (pass|fail), throttle fail\)\n`).Match(out) {
		t.Errorf("run's last line of stdout does not tell the verdict:\n%s", out)
	}
}

// runUntilVerdict runs the built binary with args, again (at most three times in all) while the
// throttle scenario gives no verdict because the busy machine spoiled its timing (its report says
// INCONCLUSIVE; exit 3, or 1 when the contract part failed): not the outcome under test. It returns the last exit status and output.
func runUntilVerdict(t *testing.T, args ...string) (int, []byte) {
	t.Helper()
	var code int
	var out []byte
	for try := 0; try < 3; try++ {
		r := runBin(t, 0, nil, args...)
		out, code = []byte(r.stdout+r.stderr), r.exit
		// `run` exits 1 when the contract part fails, whatever the throttle said: the throttle's
		// report line tells whether it judged.
		if (code != cli.ExitHarness && code != cli.ExitNonConformant) || !strings.Contains(string(out), "INCONCLUSIVE") {
			break
		}
		time.Sleep(2 * time.Second)
	}
	return code, out
}

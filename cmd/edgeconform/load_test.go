package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/load"
	"github.com/edgeconform/edgeconform/mock"
)

// runCmd runs the command in-process and returns its error and output.
func runCmd(t *testing.T, args ...string) (err error, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err = m.Run(context.Background(), args)
	return err, out.String(), errOut.String()
}

func readReport(t *testing.T, path string) load.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r load.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// The thresholds decide the exit status: the same run passes one set and crosses another.
func TestLoadThresholdsDecideExitStatus(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass.json")
	err, stdout, stderr := runCmd(t, "load", "--rate", "200", "--duration", "300ms", "--progress", "none",
		"--threshold", "p99<5s", "--threshold", "errors<1%", "--threshold", "throttled<=0%", "--json", pass)
	if err != nil {
		t.Fatalf("passing thresholds: %v\n%s%s", err, stdout, stderr)
	}
	r := readReport(t, pass)
	if r.Verdict != "pass" || r.Requests == 0 || len(r.Thresholds) != 3 {
		t.Errorf("report: verdict %s, %d requests, %d thresholds", r.Verdict, r.Requests, len(r.Thresholds))
	}
	if !strings.Contains(stdout, "Verdict: pass") {
		t.Errorf("stdout lacks the verdict:\n%s", stdout)
	}

	fail := filepath.Join(dir, "fail.json")
	err, stdout, _ = runCmd(t, "load", "--rate", "200", "--duration", "300ms", "--progress", "none",
		"--threshold", "p99<5s", "--threshold", "rps>=1000000", "--json", fail)
	if !errors.Is(err, cli.ErrNonConformant) || cli.ExitCode(err) != 1 {
		t.Fatalf("crossed threshold: err %v (exit %d), want exit 1", err, cli.ExitCode(err))
	}
	if !strings.Contains(err.Error(), "1 of 2 thresholds crossed") {
		t.Errorf("error %q", err)
	}
	r = readReport(t, fail)
	if r.Verdict != "fail" || r.Thresholds[0].Pass != true || r.Thresholds[1].Pass != false {
		t.Errorf("report: %+v", r.Thresholds)
	}
	if !strings.Contains(stdout, "✗ rps>=1000000") {
		t.Errorf("stdout does not show the crossed threshold:\n%s", stdout)
	}
}

func TestLoadUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--threshold", "p99<fast"}, `bad threshold "p99<fast"`},
		{[]string{"--threshold", "errors<5"}, "did you mean 5%"},
		{[]string{"--threshold", "latency<5ms"}, "unknown metric"},
		{[]string{"--rate", "-1"}, "--rate"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--shard", "3/3"}, "shard"},
		{[]string{"--signature", "v2"}, "v2"},
		{[]string{"--method", "PUT"}, "PUT"},
		{[]string{"--rate-limit", "lots"}, "--rate-limit"},
		{[]string{"--target", "http://127.0.0.1:1"}, "--state-url"},
		{[]string{"--state-url", "http://127.0.0.1:1"}, "without --target"},
		{[]string{"--junit", "x.xml"}, "--junit"},
		{[]string{"--bogus"}, "bogus"},
	} {
		err, _, _ := runCmd(t, append([]string{"load"}, tc.args...)...)
		if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("load %v: err %v (exit %d), want exit 2 mentioning %q", tc.args, err, cli.ExitCode(err), tc.want)
		}
	}
}

func TestLoadUnreachableTargetIsHarnessFailure(t *testing.T) {
	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	// Accounts from a live state endpoint, calls to a port nobody listens on.
	err, _, _ = runCmd(t, "load", "--target", "http://127.0.0.1:1", "--state-url", ref.AdminURL,
		"--rate", "50", "--duration", "100ms", "--progress", "none", "--timeout", "1s")
	if cli.ExitCode(err) != cli.ExitHarness || !strings.Contains(err.Error(), "no call got an answer") {
		t.Fatalf("err %v (exit %d), want exit 3", err, cli.ExitCode(err))
	}
}

// Three shards against one reference implementation, then report merge: the merged counts are
// the sum of the shards'.
func TestLoadShardsThenReportMerge(t *testing.T) {
	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	dir := t.TempDir()
	var files []string
	var sum uint64
	for i := range 3 {
		bin := filepath.Join(dir, fmt.Sprintf("shard%d.bin", i))
		js := filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
		err, stdout, stderr := runCmd(t, "load", "--target", ref.APIURL, "--state-url", ref.AdminURL,
			"--rate", "300", "--duration", "200ms", "--accounts", "6", "--shard", fmt.Sprintf("%d/3", i),
			"--output", bin, "--json", js, "--progress", "none")
		if err != nil {
			t.Fatalf("shard %d: %v\n%s%s", i, err, stdout, stderr)
		}
		r := readReport(t, js)
		if len(r.Accounts) != 2 || r.RateRequested != 100 {
			t.Errorf("shard %d: %d accounts at %v/s, want 2 at 100/s", i, len(r.Accounts), r.RateRequested)
		}
		sum += r.Requests
		files = append(files, bin)
	}
	merged := filepath.Join(dir, "merged.json")
	err, stdout, stderr := runCmd(t, append([]string{"report", "merge", "-o", merged, "--threshold", "errors<1%"}, files...)...)
	if err != nil {
		t.Fatalf("merge: %v\n%s%s", err, stdout, stderr)
	}
	r := readReport(t, merged)
	if r.Requests != sum || sum == 0 {
		t.Errorf("merged %d requests, the shards made %d", r.Requests, sum)
	}
	if len(r.Shards) != 3 || len(r.Accounts) != 6 {
		t.Errorf("merged: shards %v, %d accounts", r.Shards, len(r.Accounts))
	}
	if !strings.Contains(stdout, "Shards") {
		t.Errorf("merged text lacks the shard count:\n%s", stdout)
	}
	// The same files against a threshold they cross: exit 1.
	err, _, _ = runCmd(t, append([]string{"report", "merge", "--threshold", "rps>1000000"}, files...)...)
	if cli.ExitCode(err) != cli.ExitNonConformant {
		t.Errorf("merge with a crossed threshold: err %v, want exit 1", err)
	}
	for _, secret := range []string{"Signature=", "AccessKeySecret"} {
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s contains %q", f, secret)
			}
		}
	}
}

func TestReportMergeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	os.WriteFile(junk, []byte("this is not a results file\x00\x01"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "subcommand"},
		{[]string{"report", "frobnicate"}, "frobnicate"},
		{[]string{"report", "merge"}, "no results files"},
		{[]string{"report", "merge", filepath.Join(dir, "missing.bin")}, "no such file"},
		{[]string{"report", "merge", junk}, "junk.bin"},
		{[]string{"report", "merge", "--threshold", "p99<", junk}, "no value"},
	} {
		err, _, _ := runCmd(t, tc.args...)
		if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v (exit %d), want exit 2 mentioning %q", tc.args, err, cli.ExitCode(err), tc.want)
		}
	}
}

func TestLoadReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	err, stdout, stderr := runCmd(t, "load", "--rate", "100", "--duration", "200ms", "--progress", "lines", "--report-dir", dir)
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	for _, f := range []string{"index.html", "results.bin", "report.json", "report.txt"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(stderr, "calls") {
		t.Errorf("no progress lines on stderr:\n%s", stderr)
	}
	// The saved raw results merge back to the run's count.
	r := readReport(t, filepath.Join(dir, "report.json"))
	err, stdout, _ = runCmd(t, "report", "merge", filepath.Join(dir, "results.bin"))
	if err != nil || !strings.Contains(stdout, fmt.Sprintf("%d, ", r.Requests)) {
		t.Errorf("merge of results.bin: %v\n%s", err, stdout)
	}
}

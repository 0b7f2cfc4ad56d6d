package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/internal/charts/chartstest"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/mock"
)

func readReport(t *testing.T, path string) loadrun.Report {
	return readJSONFile[loadrun.Report](t, path)
}

// The thresholds decide the exit status: the same run passes one set and crosses another.
func TestLoadThresholdsDecideExitStatus(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass.json")
	err, stdout, stderr := runMain(t, nil, "load", "--rate", "200", "--duration", "300ms", "--progress", "none",
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
	err, stdout, _ = runMain(t, nil, "load", "--rate", "200", "--duration", "300ms", "--progress", "none",
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
		{[]string{"--state-url", "http://127.0.0.1:1"}, "without --target"},
		{[]string{"--junit", "x.xml"}, "junit"},                // not a flag of load (help_test.go)
		{[]string{"--access-key-id", "LTAI"}, "access-key-id"}, // its accounts come from provider states
		{[]string{"--emit-targets", "5"}, "needs --target"},
		{[]string{"--bogus"}, "bogus"},
	} {
		err, _, _ := runMain(t, nil, append([]string{"load"}, tc.args...)...)
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
	err, _, _ = runMain(t, nil, "load", "--target", "http://127.0.0.1:1", "--state-url", ref.AdminURL,
		"--rate", "50", "--duration", "100ms", "--progress", "none", "--timeout", "1s")
	if cli.ExitCode(err) != cli.ExitHarness || err.Error() != "harness failed: load: target http://127.0.0.1:1 does not answer (connection refused)" {
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
		err, stdout, stderr := runMain(t, nil, "load", "--target", ref.APIURL, "--state-url", ref.AdminURL,
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
	err, stdout, stderr := runMain(t, nil, append([]string{"report", "merge", "-o", merged, "--threshold", "errors<1%",
		"--report-dir", filepath.Join(dir, "report")}, files...)...)
	if err != nil {
		t.Fatalf("merge: %v\n%s%s", err, stdout, stderr)
	}
	r := readReport(t, merged)
	if r.Requests != sum || sum == 0 {
		t.Errorf("merged %d requests, the shards made %d", r.Requests, sum)
	}
	// The merged charts, drawn by a browser from the merged histograms: every call in the bars.
	if browser := chartstest.Browser(); browser != "" {
		got := chartstest.Check(t, browser, filepath.Join(dir, "report", loadrun.ReportChartFile))
		if got["outcomes"].Sum != int(sum) || got["latency-all"].Drawn == 0 {
			t.Errorf("merged charts: %+v, want bars adding up to %d calls and latencies", got, sum)
		}
	} else {
		t.Log("no Chromium installed: the merged charts are not rendered")
	}
	if len(r.Shards) != 3 || len(r.Accounts) != 6 {
		t.Errorf("merged: shards %v, %d accounts", r.Shards, len(r.Accounts))
	}
	if !strings.Contains(stdout, "Shards") {
		t.Errorf("merged text lacks the shard count:\n%s", stdout)
	}
	// The same files against a threshold they cross: exit 1.
	err, _, _ = runMain(t, nil, append([]string{"report", "merge", "--threshold", "rps>1000000"}, files...)...)
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
		err, _, _ := runMain(t, nil, tc.args...)
		if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v (exit %d), want exit 2 mentioning %q", tc.args, err, cli.ExitCode(err), tc.want)
		}
	}
}

func TestLoadReportDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	err, stdout, stderr := runMain(t, nil, "load", "--rate", "100", "--duration", "200ms", "--progress", "lines", "--report-dir", dir)
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
	err, stdout, _ = runMain(t, nil, "report", "merge", filepath.Join(dir, "results.bin"))
	if err != nil || !strings.Contains(stdout, fmt.Sprintf("%d, ", r.Requests)) {
		t.Errorf("merge of results.bin: %v\n%s", err, stdout)
	}
}

// manifest reads the Kubernetes documents of a file in deploy/k8s.
func manifest(t *testing.T, name string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "deploy", "k8s", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				return docs
			}
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// jobCommand returns the shell command of a Job's only container.
func jobCommand(t *testing.T, job map[string]any) string {
	t.Helper()
	cs, _ := dig(job, "spec", "template", "spec", "containers").([]any)
	if len(cs) != 1 {
		t.Fatalf("job %v: want one container", dig(job, "metadata", "name"))
	}
	cmd, _ := dig(cs[0], "command").([]any)
	args, _ := dig(cs[0], "args").([]any)
	if len(cmd) != 2 || cmd[0] != "/bin/sh" || cmd[1] != "-c" || len(args) != 1 {
		t.Fatalf("job %v: want command [/bin/sh -c] and one args string", dig(job, "metadata", "name"))
	}
	return args[0].(string)
}

// runShell runs a manifest's `exec edgeconform ...` line in-process: variables expanded from env,
// words split on blanks, quotes dropped, globs expanded; /results is dir.
func runShell(t *testing.T, line, dir string, env map[string]string) (error, string) {
	t.Helper()
	line = os.Expand(strings.ReplaceAll(line, "/results", dir), func(k string) string { return env[k] })
	words := strings.Fields(line)
	if len(words) < 2 || words[0] != "exec" || words[1] != "edgeconform" {
		t.Fatalf("want `exec edgeconform ...`, got %q", line)
	}
	var args []string
	for _, w := range words[2:] {
		w = strings.Trim(w, `"'`)
		if strings.Contains(w, "*") {
			m, _ := filepath.Glob(w)
			args = append(args, m...)
			continue
		}
		args = append(args, w)
	}
	err, stdout, stderr := runMain(t, nil, args...)
	return err, stdout + stderr
}

// TestK8sManifestShardsAndMerge runs deploy/k8s's own commands: every index of the Indexed Job
// against the reference implementation on loopback, then the merge Job, and checks the merged
// counts are the shards' sum.
func TestK8sManifestShardsAndMerge(t *testing.T) {
	docs := manifest(t, "indexed-job.yaml")
	var config map[string]any
	var job map[string]any
	for _, d := range docs {
		switch d["kind"] {
		case "ConfigMap":
			config, _ = d["data"].(map[string]any)
		case "Job":
			job = d
		}
	}
	if config == nil || job == nil {
		t.Fatal("indexed-job.yaml: want a ConfigMap and a Job")
	}
	shards, err := strconv.Atoi(fmt.Sprint(config["SHARDS"]))
	if err != nil || shards < 1 {
		t.Fatalf("SHARDS %v", config["SHARDS"])
	}
	spec := job["spec"]
	if dig(spec, "completionMode") != "Indexed" || dig(spec, "completions") != shards || dig(spec, "parallelism") != shards {
		t.Errorf("job spec: completionMode %v, completions %v, parallelism %v; want Indexed, %d, %d",
			dig(spec, "completionMode"), dig(spec, "completions"), dig(spec, "parallelism"), shards, shards)
	}
	if dig(spec, "backoffLimit") != 0 {
		t.Errorf("backoffLimit %v, want 0 (a retried shard sends its calls twice)", dig(spec, "backoffLimit"))
	}

	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	env := map[string]string{}
	for k, v := range config {
		env[k] = fmt.Sprint(v)
	}
	// The manifest's values, but on loopback and short.
	env["TARGET"], env["STATE_URL"] = ref.APIURL, ref.AdminURL
	env["RATE"], env["DURATION"] = "150", "200ms"
	// One start time for every shard, as the manifest's START_AT (whole seconds, as written by hand).
	env["START_AT"] = time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	dir := t.TempDir()
	line := jobCommand(t, job)
	var sum uint64
	for i := range shards {
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i)
		if err, out := runShell(t, line, dir, env); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, out)
		}
		sum += readReport(t, filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))).Requests
	}

	var merge map[string]any
	for _, d := range manifest(t, "merge-job.yaml") {
		if d["kind"] == "Job" {
			merge = d
		}
	}
	if merge == nil {
		t.Fatal("merge-job.yaml: no Job")
	}
	err, out := runShell(t, jobCommand(t, merge), dir, env)
	// The merge's thresholds may hold or not on a busy machine; either way it must have merged.
	if err != nil && cli.ExitCode(err) != cli.ExitNonConformant {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	r := readReport(t, filepath.Join(dir, "merged.json"))
	if r.Requests != sum || sum == 0 || len(r.Shards) != shards {
		t.Errorf("merged %d requests of %d shards, the shards made %d", r.Requests, len(r.Shards), sum)
	}
	if len(r.Paths) != 4 || r.ShardStart == nil || len(r.ShardStart.Shards) != shards || r.ShardStart.Shards[0].Planned != 50 {
		t.Errorf("merged: paths %+v, shard start %+v", r.Paths, r.ShardStart)
	}
	if _, err := os.Stat(filepath.Join(dir, "report", "index.html")); err != nil {
		t.Errorf("merge --report-dir: %v", err)
	}
}

// --emit-targets writes targets that vegeta can send later: each one a valid, distinct call.
func TestLoadEmitTargets(t *testing.T) {
	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	out := filepath.Join(t.TempDir(), "targets.json")
	err, stdout, stderr := runMain(t, nil, "load", "--target", ref.APIURL, "--state-url", ref.AdminURL,
		"--accounts", "2", "--emit-targets", "6", "--output", out)
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := vegeta.NewJSONTargeter(f, nil, nil)
	statuses := map[int]int{}
	for {
		var tgt vegeta.Target
		if err := tr(&tgt); err != nil {
			if errors.Is(err, vegeta.ErrNoTargets) {
				break
			}
			t.Fatal(err)
		}
		req, err := tgt.Request()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	// Two accounts: each job starts once (200), then is running (403); no replay, no bad signature.
	if statuses[200] != 2 || statuses[403] != 4 || len(statuses) != 2 {
		t.Errorf("statuses %v, want 200×2 and 403×4", statuses)
	}
}

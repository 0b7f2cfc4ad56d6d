package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

func TestLoadMixUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mix", "start=1,nope=2"}, `unknown path "nope"`},
		{[]string{"--mix", "start"}, "NAME=WEIGHT"},
		{[]string{"--mix", "start=1", "--accounts", "3"}, "not both"},
		{[]string{"--threshold", "p99{path=denied}<1s"}, "not in the mix"},
		{[]string{"--accounts", "2", "--threshold", "p99{path=start}<1s"}, "not in the mix"},
		{[]string{"--steps", "1000,500"}, "must rise"},
		{[]string{"--steps", "100", "--ramp", "1:2:1"}, "not both"},
		{[]string{"--ramp", "5:1:1"}, "FROM:TO:STEP"},
		{[]string{"--steps", "100,200", "--shard", "0/2"}, "not sharded"},
		{[]string{"--step-duration", "1s"}, "needs --steps"},
		{[]string{"--start-at", "tomorrow"}, "RFC 3339"},
		{[]string{"--start-at", "2999-01-01T00:00:00Z"}, "ahead"},
	} {
		err, _, _ := runMain(t, nil, append([]string{"load"}, tc.args...)...)
		if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("load %v: err %v (exit %d), want exit 2 mentioning %q", tc.args, err, cli.ExitCode(err), tc.want)
		}
	}
}

// A mixed run through the binary's command: per-path results in the text, JSON and HTML reports,
// thresholds per path deciding the exit status.
func TestLoadMixReports(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	err, stdout, stderr := runMain(t, nil, "load", "--rate", "100", "--duration", "400ms", "--progress", "none",
		"--mix", "start=2,denied=1,not-found=1", "--threshold", "p99{path=start}<10s", "--threshold", "errors{path=denied}<=0%",
		"--json", js, "--report-dir", filepath.Join(dir, "html"))
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	r := readReport(t, js)
	if r.Mix != "start=2,denied=1,not-found=1" || len(r.Paths) != 3 || len(r.Accounts) != 0 {
		t.Fatalf("mix %q, paths %+v, %d accounts", r.Mix, r.Paths, len(r.Accounts))
	}
	for _, p := range r.Paths {
		if p.Requests == 0 || p.Expected != p.Requests || p.Pool == nil || p.Pool.Setups == 0 {
			t.Errorf("path %+v", p)
		}
	}
	for _, want := range []string{"Paths start=2,denied=1,not-found=1", "✓ p99{path=start}<10s"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "html", "index.html"))
	if err != nil || !strings.Contains(string(html), `"id":"latency-start"`) || !strings.Contains(string(html), `"id":"latency-denied"`) {
		t.Errorf("index.html lacks the per-path charts: %v", err)
	}
	// The same run judged by a path's threshold it crosses: exit 1.
	err, stdout, _ = runMain(t, nil, "load", "--rate", "100", "--duration", "200ms", "--progress", "none",
		"--mix", "start=1,denied=1", "--threshold", "unexpected{path=start}>=50%")
	if cli.ExitCode(err) != cli.ExitNonConformant || !strings.Contains(stdout, "✗ unexpected{path=start}>=50%") {
		t.Errorf("crossed path threshold: %v (exit %d)\n%s", err, cli.ExitCode(err), stdout)
	}
}

// A capacity run through the command, scaled: the steps climb until rps<400 breaks (it cannot at
// 50/s or 100/s; it does at 1000/s), the report names the capacity, the chart shows the steps.
func TestLoadCapacityRun(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "c.json")
	err, stdout, stderr := runMain(t, nil, "load", "--steps", "50,100,1000,2000", "--step-duration", "400ms", "--progress", "none",
		"--mix", "start=3,denied=1", "--threshold", "rps<400", "--json", js, "--report-dir", filepath.Join(dir, "html"))
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	data, _ := os.ReadFile(js)
	var cr loadrun.CapacityReport
	if err := json.Unmarshal(data, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Capacity != 100 || cr.BrokeAt != 1000 || len(cr.Steps) != 3 || cr.Verdict != "pass" {
		t.Errorf("capacity %d, broke at %d, %d steps, verdict %s", cr.Capacity, cr.BrokeAt, len(cr.Steps), cr.Verdict)
	}
	if !strings.Contains(stdout, "Capacity: 100/s") {
		t.Errorf("stdout:\n%s", stdout)
	}
	html, err := os.ReadFile(filepath.Join(dir, "html", "index.html"))
	if err != nil || !strings.Contains(string(html), `"label":"1000/s"`) || !strings.Contains(string(html), `"label":"crossed at 1000/s","alert":true`) {
		t.Errorf("index.html lacks the steps: %v", err)
	}
}

// Three shards started a second apart, in-process, against one reference implementation: with
// --start-at they begin together; without it (the control) they begin as far apart as they were
// started. The merged report measures it and what share of its planned rate each kept.
func TestLoadStartAtShards(t *testing.T) {
	ref, err := mock.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	run := func(startAt string) *loadrun.ShardStartReport {
		dir := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range 3 {
			if i > 0 {
				time.Sleep(time.Second) // the pods are scheduled at different times
			}
			args := []string{"load", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate", "150", "--duration", "500ms",
				"--shard", fmt.Sprintf("%d/3", i), "--progress", "none", "--output", filepath.Join(dir, fmt.Sprintf("s%d.bin", i))}
			if startAt != "" {
				args = append(args, "--start-at", startAt)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i], _, _ = runMain(t, nil, args...)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("shard %d: %v", i, err)
			}
		}
		js := filepath.Join(dir, "merged.json")
		err, stdout, _ := runMain(t, nil, "report", "merge", "-o", js, filepath.Join(dir, "s0.bin"), filepath.Join(dir, "s1.bin"), filepath.Join(dir, "s2.bin"))
		if err != nil || !strings.Contains(stdout, "Shard start") {
			t.Fatalf("merge: %v\n%s", err, stdout)
		}
		r := readReport(t, js)
		if r.ShardStart == nil || len(r.ShardStart.Shards) != 3 {
			t.Fatalf("shard start %+v", r.ShardStart)
		}
		for _, sh := range r.ShardStart.Shards {
			if sh.Planned != 50 || sh.Kept <= 0 {
				t.Errorf("shard %+v: want 50/s planned and a share kept", sh)
			}
		}
		return r.ShardStart
	}
	// Whole seconds, as a person or a manifest writes it: at least 3s after the first launch.
	at := time.Now().Add(4 * time.Second).Truncate(time.Second).UTC().Format(time.RFC3339)
	with := run(at)
	without := run("")
	if with.Spread >= 0.5 {
		t.Errorf("with --start-at the shards began %.3fs apart, want < 0.5s", with.Spread)
	}
	if without.Spread < 1.5 {
		t.Errorf("control: without --start-at the shards began %.3fs apart, want about 2s", without.Spread)
	}
	t.Logf("spread with --start-at %.3fs, without %.3fs", with.Spread, without.Spread)
}

// The shard recipe of docs/load.md runs as written: three shards of --mix start=80,denied=20 at
// 900/s begin together (--start-at), none runs dry, and their merge keeps its thresholds. Shorter
// than the recipe's 15 s but long enough that the denied path's first identifiers retire behind
// the start path's set-ups (about 2 s in), where the shards used to run dry (issue 23).
func TestLoadShardRecipe(t *testing.T) {
	t.Parallel()
	ref := startRefWith(t)
	dir := t.TempDir()
	at := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	outs := make([]string, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i], outs[i], _ = runMain(t, nil, "load", "--target", ref.APIURL, "--state-url", ref.AdminURL,
				"--rate", "900", "--duration", "4s", "--mix", "start=80,denied=20", "--shard", fmt.Sprintf("%d/3", i),
				"--start-at", at, "--progress", "none", "--output", filepath.Join(dir, fmt.Sprintf("shard-%d.bin", i)))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("shard %d/3: %v\n%s", i, err, outs[i])
		}
	}
	js := filepath.Join(dir, "merged.json")
	err, stdout, _ := runMain(t, nil, "report", "merge", "-o", js, "--threshold", "errors<0.1%",
		filepath.Join(dir, "shard-0.bin"), filepath.Join(dir, "shard-1.bin"), filepath.Join(dir, "shard-2.bin"))
	if err != nil {
		t.Fatalf("merge: %v\n%s", err, stdout)
	}
	r := readReport(t, js)
	if r.Dry != 0 || len(r.Paths) != 2 || r.Verdict != verdict.Pass {
		t.Errorf("merged: %d dry, %d paths, verdict %s\n%s", r.Dry, len(r.Paths), r.Verdict, stdout)
	}
}

package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/charts/chartstest"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/mock"
)

// compareDelay is how much slower the "slower build" of the reference answers; compareRate the
// calls per second of each run. Under the race detector the in-process load generator is several
// times slower: fewer calls, a larger delay, so that the delay still stands out of the noise.
var compareDelay, compareRate = 5 * time.Millisecond, "200"

func init() {
	if raceEnabled {
		compareDelay, compareRate = 20*time.Millisecond, "50"
	}
}

// loadRun makes a bounded loopback run against ref and returns its JSON report and raw results;
// it may run in a goroutine of the test (t.Errorf, not t.Fatalf).
func loadRun(t *testing.T, ref *mock.Running, dir, name, duration string) (js, bin string) {
	js, bin = filepath.Join(dir, name+".json"), filepath.Join(dir, name+".bin")
	err, stdout, stderr := runMain(t, nil, "load", "--target", ref.APIURL, "--state-url", ref.AdminURL,
		"--rate", compareRate, "--duration", duration, "--mix", "start=80,denied=20", "--progress", "none", "--json", js, "--output", bin)
	if err != nil {
		t.Errorf("%s: %v\n%s%s", name, err, stdout, stderr)
	}
	return js, bin
}

// side by side runs one loadRun per server at the same time, so that what else the machine
// does slows them alike (the way to compare two builds on a shared machine: docs/load.md).
func sideBySide(t *testing.T, dir, duration string, refs map[string]*mock.Running) map[string][2]string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string][2]string{}
	for name, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js, bin := loadRun(t, ref, dir, name, duration)
			mu.Lock()
			out[name] = [2]string{js, bin}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// Two runs of the same build against the reference pass thresholds on change far from the noise; a build made slower by a known delay is flagged, with about that size,
// by the JSON, the text and the exit status; the HTML page draws both runs. The three run side by
// side, each against its own server.
func TestReportCompare(t *testing.T) {
	ctx := context.Background()
	start := func(opts ...mock.Option) *mock.Running {
		r, err := mock.Start(ctx, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	servers := map[string]*mock.Running{"base": start(), "again": start(), "slower": start(mock.WithDelay(compareDelay))}
	dir := t.TempDir()
	// A first run warms the servers and this process up (connections, heap), as a release
	// check's warm-up does; its figures are not compared.
	sideBySide(t, filepath.Join(dir, "warm-up"), "1s", servers)
	runs := sideBySide(t, dir, "4s", servers)
	a, b, s := runs["base"][0], runs["again"][1], runs["slower"][0] // raw results on one side: summarised as merge does

	// The same build: thresholds far from any real change hold (exit 0). Whether every interval
	// holds 0 is a claim about this machine's noise, not about the code: the deterministic
	// calibration on synthetic runs (load's TestCompareSameBuildCalibration) makes it.
	same := filepath.Join(dir, "same.json")
	err, stdout, stderr := runMain(t, nil, "report", "compare", "--json", same,
		"--threshold", "p99{path=start}<+400%", "--threshold", "p50<+100%", "--threshold", "throughput>-50%", a, b)
	if err != nil {
		t.Fatalf("same build: %v\n%s%s", err, stdout, stderr)
	}
	if c := readComparison(t, same); len(c.Series) != 3 {
		t.Errorf("same build: %d series, want all, start and denied\n%s", len(c.Series), stdout)
	}

	slower, page := filepath.Join(dir, "slower-cmp.json"), filepath.Join(dir, "slower.html")
	err, stdout, _ = runMain(t, nil, "report", "compare", "--json", slower, "--html", page, "--threshold", "p50<+1ms", "--threshold", "errors<+1%", a, s)
	if cli.ExitCode(err) != cli.ExitNonConformant || !strings.Contains(stdout, "✗ p50<+1ms") || !strings.Contains(stdout, "✓ errors<+1%") {
		t.Fatalf("slower build: %v (exit %d), want exit 1 with p50<+1ms crossed\n%s", err, cli.ExitCode(err), stdout)
	}
	c := readComparison(t, slower)
	want := float64(compareDelay) / float64(time.Millisecond)
	for _, series := range []string{loadrun.SeriesAll, "start", "denied"} {
		m := metricOf(t, c, series, "p50")
		// The delay is a timer: the answers come at least that late, later on a busy machine.
		if m.ChangeLow < 0.5*want || m.Change < 0.9*want || m.Change > 3*want {
			t.Errorf("slower build, %s p50: %+.3fms [%+.3f, %+.3f], want about +%gms leaving out 0", series, m.Change, m.ChangeLow, m.ChangeHigh, want)
		}
	}
	if browser := chartstest.Browser(); browser != "" {
		got := chartstest.Check(t, browser, page)
		if got["compare-all"].Drawn == 0 || got["compare-start"].Drawn == 0 {
			t.Errorf("compare page: %+v", got)
		}
	} else {
		t.Log("no Chromium installed: the compare page is not rendered")
	}
}

func readComparison(t *testing.T, path string) loadrun.Comparison {
	return readJSONFile[loadrun.Comparison](t, path)
}

// readJSONFile decodes the JSON file at path.
func readJSONFile[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func metricOf(t *testing.T, c loadrun.Comparison, series, metric string) loadrun.MetricChange {
	t.Helper()
	for _, s := range c.Series {
		for _, m := range s.Metrics {
			if s.Series == series && m.Metric == metric && !math.IsNaN(m.Change) {
				return m
			}
		}
	}
	t.Fatalf("no %s of %s in %+v", metric, series, c.Series)
	return loadrun.MetricChange{}
}

package loadrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// syntheticRun is a run of n calls at rate per second whose latencies are lognormal (median
// about 400µs) times factor, drawn from the seeded stream rng; failEvery > 0 fails every
// failEvery-th call.
func syntheticRun(rng *rand.Rand, n, rate int, factor float64, failEvery int) *Report {
	s := NewSummary(nil)
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		r := vegeta.Result{Timestamp: start.Add(time.Duration(i) * time.Second / time.Duration(rate)), URL: "http://x/#a",
			Latency: time.Duration(factor*math.Exp(rng.NormFloat64()*0.5+6)) * time.Microsecond,
			Code:    200, Body: []byte(`{"JobId":"j","RequestId":"r"}`)}
		if failEvery > 0 && i%failEvery == 0 {
			r.Code, r.Body = 500, nil
		}
		s.Add(&r)
	}
	return s.Report()
}

func relOf(t *testing.T, c *Comparison, metric string) (v, lo, hi float64) {
	t.Helper()
	m, ok := c.metric(SeriesAll, metric)
	if !ok || m.Relative == nil {
		t.Fatalf("no relative change of %s in %+v", metric, c.Series)
	}
	return *m.Relative, *m.RelLow, *m.RelHigh
}

// A known difference: NEW's latencies are BASE's distribution times 1.2. Every percentile's
// interval holds +20% and leaves out 0; p99<+10% is crossed, p99<+40% holds; the error share
// rose by 1 point, the throughput of answered calls fell by as much.
func TestCompareKnownDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	base := syntheticRun(rng, 20000, 1000, 1, 0)
	slow := syntheticRun(rng, 20000, 1000, 1.2, 100)
	ts, err := ParseChangeThresholds([]string{"p99<+10%", "p99<+40%", "p(95)<=+5%", "throughput>-5%", "errors<+0.5%", "p50<+1ms"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(base, slow, CompareOptions{Thresholds: ts})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"p50", "p90", "p99", "p(95)"} {
		v, lo, hi := relOf(t, c, q)
		if !(lo <= 0.2 && 0.2 <= hi) || lo <= 0 || math.Abs(v-0.2) > 0.05 {
			t.Errorf("%s: %+.3f [%+.3f, %+.3f], want about +0.2 inside an interval leaving out 0", q, v, lo, hi)
		}
	}
	// Throughput counts answered calls: 1% fail.
	if v, lo, hi := relOf(t, c, "throughput"); math.Abs(v+0.01) > 0.001 || !(lo <= v && v <= hi) {
		t.Errorf("throughput: %+.4f [%+.4f, %+.4f], want -0.01 (the failed calls)", v, lo, hi)
	}
	if m, _ := c.metric(SeriesAll, "errors"); math.Abs(m.Change-0.01) > 0.001 || m.ChangeLow <= 0 {
		t.Errorf("errors: %+.4f [%+.4f, %+.4f], want +0.01 leaving out 0", m.Change, m.ChangeLow, m.ChangeHigh)
	}
	want := []bool{false, true, false, true, false, true}
	for i, r := range c.Thresholds {
		if r.Pass != want[i] {
			t.Errorf("%s: pass %v, want %v (%s)", r.Threshold, r.Pass, want[i], r.Message)
		}
	}
	if c.Verdict != VerdictFail {
		t.Errorf("verdict %s, want fail", c.Verdict)
	}
	// Deterministic: the same inputs and seed, the same intervals; another seed moves them a little.
	again, _ := Compare(base, slow, CompareOptions{Thresholds: ts})
	if a, b := again.Series[0].Metrics[2], c.Series[0].Metrics[2]; *a.RelLow != *b.RelLow || *a.RelHigh != *b.RelHigh {
		t.Errorf("p99 interval [%g, %g] then [%g, %g] with the same seed", *b.RelLow, *b.RelHigh, *a.RelLow, *a.RelHigh)
	}
}

// Calibration: pairs of runs drawn from one distribution. About 95% of the intervals hold 0 (a
// bootstrap's percentile interval of a difference; 88%..99% over 60 pairs), and none of the
// thresholds of a release check (+10% on p99) is crossed.
func TestCompareSameBuildCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	ts, _ := ParseChangeThresholds([]string{"p99<+10%", "p50<+10%"})
	held, total, crossed := 0, 0, 0
	for range 60 {
		a, b := syntheticRun(rng, 6000, 1000, 1, 0), syntheticRun(rng, 6000, 1000, 1, 0)
		c, err := Compare(a, b, CompareOptions{Resamples: 400, Thresholds: ts})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"p50", "p90", "p99"} {
			_, lo, hi := relOf(t, c, q)
			total++
			if lo <= 0 && 0 <= hi {
				held++
			}
		}
		if c.Verdict != VerdictPass {
			crossed++
		}
	}
	share := float64(held) / float64(total)
	t.Logf("%d of %d intervals hold 0 (%.1f%%)", held, total, 100*share)
	if share < 0.88 || share > 0.995 {
		t.Errorf("%d of %d intervals hold 0 (%.1f%%), want about 95%%", held, total, 100*share)
	}
	if crossed > 0 {
		t.Errorf("%d of 60 same-build comparisons crossed a +10%% threshold", crossed)
	}
}

// Runs too short for an interval, runs without a timeline, and bad thresholds are told apart.
func TestCompareErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	short := syntheticRun(rng, 50, 1000, 1, 0) // 50 ms: one bucket
	long := syntheticRun(rng, 3000, 1000, 1, 0)
	if _, err := Compare(short, long, CompareOptions{}); !errors.Is(err, ErrTooShort) {
		t.Errorf("a one-bucket run: %v, want ErrTooShort", err)
	}
	old := *long
	old.Timeline = nil
	if _, err := Compare(&old, long, CompareOptions{}); !errors.Is(err, ErrCompare) || !strings.Contains(err.Error(), "timeline") {
		t.Errorf("a report without timeline: %v, want ErrCompare naming the timeline", err)
	}
	for _, bad := range []string{"p99<10", "p99<+x%", "rps>fast", "errors<+5", "mean<+10%", "p99{path=nope}<+1%", "p99"} {
		if _, err := ParseChangeThreshold(bad); !errors.Is(err, ErrThreshold) {
			t.Errorf("%q: %v, want ErrThreshold", bad, err)
		}
	}
}

// ReadRun reads a JSON report and raw results alike (the same run gives the same timeline), and
// refuses a capacity run's report.
func TestReadRun(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	s := NewSummary(nil)
	var raw bytes.Buffer
	enc := vegeta.NewEncoder(&raw)
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		r := vegeta.Result{Timestamp: start.Add(time.Duration(i) * time.Millisecond), URL: "http://x/#a", Code: 200,
			Latency: time.Duration(100+rng.IntN(900)) * time.Microsecond, Body: []byte(`{"JobId":"j"}`)}
		s.Add(&r)
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, s.Report()); err != nil {
		t.Fatal(err)
	}
	var caps bytes.Buffer
	_ = WriteCapacityJSON(&caps, &CapacityReport{Steps: []StepReport{{Rate: 1, Report: s.Report()}}})
	files := map[string][]byte{"r.json": js.Bytes(), "r.bin": raw.Bytes(), "c.json": caps.Bytes()}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fromJSON, err := ReadRun(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromBin, err := ReadRun(filepath.Join(dir, "r.bin"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromJSON.Timeline)
	b, _ := json.Marshal(fromBin.Timeline)
	if fromJSON.Requests != 2000 || string(a) != string(b) {
		t.Errorf("JSON report and raw results differ: %d requests\n%s\n%s", fromJSON.Requests, a, b)
	}
	if _, err := ReadRun(filepath.Join(dir, "c.json")); !errors.Is(err, ErrCompare) || !strings.Contains(err.Error(), "capacity") {
		t.Errorf("a capacity report: %v, want ErrCompare saying so", err)
	}
	if _, err := ReadRun(filepath.Join(dir, "missing")); !errors.Is(err, ErrCompare) {
		t.Errorf("a missing file: %v, want ErrCompare", err)
	}
}

// A path whose calls were all dry (not sent) has no latency or error share to compare: those
// rows are left out (its throughput, 0, stays), and the JSON is still written.
func TestCompareSeriesWithoutAnswers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var runs [2]*Report
	for i := range runs {
		s := NewSummary(nil)
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for j := range 3000 {
			r := vegeta.Result{Timestamp: start.Add(time.Duration(j) * time.Millisecond), URL: "http://x/#start/a", Code: 200,
				Latency: time.Duration(100+rng.IntN(900)) * time.Microsecond, Body: []byte(`{"JobId":"j"}`)}
			if j%10 == 0 {
				r = vegeta.Result{Timestamp: r.Timestamp, URL: "http://x/#denied/" + dryAccount}
			}
			s.Add(&r)
		}
		runs[i] = s.Report()
	}
	c, err := Compare(runs[0], runs[1], CompareOptions{Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCompareJSON(&b, c); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	for _, s := range c.Series {
		for _, m := range s.Metrics {
			if s.Series == "denied" && m.Metric != "throughput" {
				t.Errorf("the dry path has a %s: %+v", m.Metric, m)
			}
		}
	}
}

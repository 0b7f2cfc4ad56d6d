package throttle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/charts/chartstest"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/internal/slowlink"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// testLimit is the scaled limit of the scenario tests: 100 calls per 4s keeps the counts' timing
// noise (rate × p99 latency) well inside the 4% the generator check allows, even on a busy
// machine. THROTTLE_TEST_LIMIT overrides it (e.g. 600/6s).
func testLimit(t testing.TB) spec.RateLimit {
	s := "100/4s"
	if v := os.Getenv("THROTTLE_TEST_LIMIT"); v != "" {
		s = v
	}
	rl, err := spec.ParseRateLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return rl
}

// attempts bounds the reruns of a scenario that ended without a verdict (the machine was too busy
// to keep the plan): the scenario says so itself, and the test asserts on a run that measured.
const attempts = 3

type mockRun struct {
	name string
	opts []mock.Option
	// link, when set, puts a slow link (internal/slowlink) before the API: each way delay ± jitter.
	link struct{ delay, jitter time.Duration }
	rep  *Report
	err  error
	runs int
}

// runAll runs the scenarios concurrently, each against its own reference implementation, at
// most THROTTLE_TEST_PARALLEL (default 8) at a time: the runs are mostly waiting, so a few
// together take about as long as one. A run without a verdict is retried after a pause.
func runAll(t *testing.T, rl spec.RateLimit, runs []*mockRun) {
	t.Helper()
	par := 8
	if v, err := strconv.Atoi(os.Getenv("THROTTLE_TEST_PARALLEL")); err == nil && v > 0 {
		par = v
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r.runs < attempts {
				if r.runs > 0 {
					time.Sleep(time.Duration(r.runs) * rl.Window) // let a burst of load on the machine pass
				}
				sem <- struct{}{}
				r.runs++
				r.rep, r.err = runAgainstMockLink(rl, r.link.delay, r.link.jitter, r.opts...)
				<-sem
				if !errors.Is(r.err, ErrNoVerdict) || r.rep == nil {
					return
				}
				t.Logf("%s: run %d gave no verdict, again: %v", r.name, r.runs, r.err)
			}
		}()
	}
	wg.Wait()
}

// runAgainstMockLink runs the scenario against a reference implementation of its own, behind a
// slow link when delay > 0.
func runAgainstMockLink(rl spec.RateLimit, delay, jitter time.Duration, opts ...mock.Option) (*Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*rl.Window+30*time.Second)
	defer cancel()
	m, err := mock.Start(ctx, append([]mock.Option{mock.WithRateLimit(rl)}, opts...)...)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	target := m.APIURL
	if delay > 0 {
		p, err := slowlink.StartJitter(strings.TrimPrefix(m.APIURL, "http://"), delay, jitter)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		target = p.URL()
	}
	return Run(ctx, Options{Target: target, States: states.NewEndpoint(m.AdminURL), RateLimit: rl})
}

func checkOf(r *Report, name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: "missing"}
}

func logReport(t *testing.T, r *mockRun) {
	t.Helper()
	if r.rep == nil {
		t.Logf("%s: no report (%d runs): %v", r.name, r.runs, r.err)
		return
	}
	var b strings.Builder
	_ = WriteText(&b, r.rep)
	t.Logf("%s (run %d of at most %d):\n%s", r.name, r.runs, attempts, b.String())
}

// assertPasses: a correct limiter passes, every check judged, the limit estimated within its
// uncertainty plus slack calls.
func assertPasses(t *testing.T, rl spec.RateLimit, r *mockRun, slack float64) {
	t.Helper()
	logReport(t, r)
	if r.err != nil {
		t.Fatalf("after %d runs: %v", r.runs, r.err)
	}
	if r.rep.Verdict != "pass" {
		t.Errorf("verdict %q, want pass; failed: %v", r.rep.Verdict, r.rep.Failed())
	}
	if d := r.rep.EstimatedLimit - float64(rl.Calls); d > r.rep.Uncertainty+slack || -d > r.rep.Uncertainty+slack {
		t.Errorf("estimated %.0f±%.0f, want %d", r.rep.EstimatedLimit, r.rep.Uncertainty, rl.Calls)
	}
	for _, c := range r.rep.Checks {
		if c.Status == CheckSkipped {
			t.Errorf("check %s skipped: %s", c.Name, c.Message)
		}
	}
}

// assertFailsOn: a broken limiter fails, on check.
func assertFailsOn(t *testing.T, r *mockRun, check string) {
	t.Helper()
	logReport(t, r)
	if r.rep == nil {
		t.Fatalf("after %d runs: %v", r.runs, r.err)
	}
	if r.rep.Verdict != "fail" {
		t.Errorf("verdict %q, want fail (err %v)", r.rep.Verdict, r.err)
	}
	if c := checkOf(r.rep, check); c.Status != CheckFail {
		t.Errorf("check %s: %s (%s), want fail", check, c.Status, c.Message)
	}
}

// TestThrottleAgainstReference: the reference implementation passes with every algorithm and
// fails, on the right check, with every broken throttle.
func TestThrottleAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a dozen scaled throttle scenarios (about 15s)")
	}
	rl := testLimit(t)
	var good []*mockRun
	for _, alg := range ratelimit.Algorithms() {
		good = append(good, &mockRun{name: string(alg), opts: []mock.Option{mock.WithAlgorithm(alg)}})
	}
	bad := []struct {
		run   *mockRun
		check string
	}{
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.NoLimit)}}, CheckOverAdmission},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.LimitScaled(1.1))}}, CheckOverAdmission},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.LimitScaled(0.9))}}, CheckUnderAdmission},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.GlobalLimit)}}, CheckIsolation},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.PerKeyLimit)}}, CheckKeying},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.NeverLifts)}}, CheckRecovery},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.ThrottleWrongCode)}}, CheckShape},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.ThrottleWrongStatus)}}, CheckShape},
		{&mockRun{opts: []mock.Option{mock.WithDefects(mock.RetryAfterTooLong)}}, CheckShape},
		// The sliding window counter is the slowest to settle: prove the power holds for it too.
		{&mockRun{opts: []mock.Option{mock.WithAlgorithm(ratelimit.SlidingWindow), mock.WithDefects(mock.LimitScaled(1.1))}}, CheckOverAdmission},
		{&mockRun{opts: []mock.Option{mock.WithAlgorithm(ratelimit.TokenBucket), mock.WithDefects(mock.LimitScaled(0.9))}}, CheckUnderAdmission},
	}
	for i, b := range bad {
		b.run.name = []string{"NoLimit", "LimitScaled(1.1)", "LimitScaled(0.9)", "GlobalLimit", "PerKeyLimit", "NeverLifts",
			"ThrottleWrongCode", "ThrottleWrongStatus", "RetryAfterTooLong", "sliding-window+LimitScaled(1.1)", "token-bucket+LimitScaled(0.9)"}[i]
	}
	if raceEnabled {
		// One correct and one broken target: the concurrency is the same, the CPU a fraction.
		good, bad = good[:1], bad[3:4]
	}
	all := append([]*mockRun(nil), good...)
	for _, b := range bad {
		all = append(all, b.run)
	}
	runAll(t, rl, all)

	for _, r := range good {
		t.Run(r.name, func(t *testing.T) { assertPasses(t, rl, r, 2) })
	}
	for _, b := range bad {
		t.Run(b.run.name, func(t *testing.T) {
			r := b.run
			assertFailsOn(t, r, b.check)
			if b.run.name != "NoLimit" && b.run.name != "PerKeyLimit" && b.run.name != "RetryAfterTooLong" {
				return
			}
			// Each check is judged on its own evidence: no limit is over-admission alone, a limit per
			// key is keying alone, a retry-after past the window the shape alone.
			for _, c := range r.rep.Failed() {
				if c.Name != b.check {
					t.Errorf("%s failed too (%s): one defect, one failed check", c.Name, c.Message)
				}
			}
		})
	}
}

// TestThrottleReports: the JSON report parses with its fields; the report directory holds vegeta's
// plot, the account chart and raw results that vegeta's decoder reads back, without signatures.
func TestThrottleReports(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a scaled throttle scenario")
	}
	rl := spec.RateLimit{Calls: 100, Window: 2 * time.Second}
	r := &mockRun{name: "reports"}
	runAll(t, rl, []*mockRun{r})
	if r.rep == nil {
		t.Fatal(r.err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r.rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Verdict        string   `json:"verdict"`
		RateLimit      string   `json:"rate_limit"`
		EstimatedLimit *float64 `json:"estimated_limit"`
		Algorithm      string   `json:"algorithm"`
		Checks         []struct{ Name, Status, Message string }
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, b.String())
	}
	if got.RateLimit != "100/2s" || got.EstimatedLimit == nil || got.Algorithm == "" || (got.Verdict != "pass" && got.Verdict != "inconclusive") {
		t.Errorf("JSON report fields: %+v", got)
	}
	names := map[string]bool{}
	for _, c := range got.Checks {
		names[c.Name] = true
		if c.Status != "pass" && c.Status != "fail" && c.Status != "skipped" {
			t.Errorf("check %s: status %q", c.Name, c.Status)
		}
		if c.Message == "" || strings.Contains(c.Message, "\n") {
			t.Errorf("check %s: message %q is not one line", c.Name, c.Message)
		}
	}
	for _, n := range CheckNames() {
		if !names[n] {
			t.Errorf("JSON report lacks check %q", n)
		}
	}

	dir := t.TempDir()
	if err := WriteReportDir(dir, r.rep); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	dec := vegeta.NewDecoder(bytes.NewReader(raw))
	n := 0
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			break
		}
		n++
		if strings.Contains(res.URL, "Signature") || strings.Contains(res.URL, "?") {
			t.Fatalf("raw result keeps the query (and its signature): %s", res.URL)
		}
	}
	if n != r.rep.Requests {
		t.Errorf("decoded %d results, report counts %d requests", n, r.rep.Requests)
	}
	for _, f := range []string{PlotFile, ChartFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("<html")) && !bytes.Contains(data, []byte("<!DOCTYPE")) {
			t.Errorf("%s is not HTML", f)
		}
	}
	// The latency plot, drawn by a browser: every call in the bars, percentiles of accepted and
	// throttled answers apart.
	if browser := chartstest.Browser(); browser != "" {
		got := chartstest.Check(t, browser, filepath.Join(dir, PlotFile))
		if got["outcomes"].Sum != r.rep.Requests || got["latency-accepted"].Drawn == 0 || got["latency-throttled"].Drawn == 0 {
			t.Errorf("latency plot: %+v, want bars adding up to %d calls and the latencies of accepted and throttled answers", got, r.rep.Requests)
		}
	} else {
		t.Log("no Chromium installed: the latency plot is not rendered")
	}
	chart, _ := os.ReadFile(filepath.Join(dir, ChartFile))
	for _, want := range []string{"<svg", "stroke-dasharray", roleOverload, roleIsolation, "measured window", "first throttled"} {
		if !bytes.Contains(chart, []byte(want)) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

// TestThrottleNoAccounts: without a fresh account the scenario gives no verdict, with the reason.
func TestThrottleNoAccounts(t *testing.T) {
	_, err := Run(context.Background(), Options{Target: "http://127.0.0.1:1", States: arrange.Map{}, RateLimit: spec.RateLimit{Calls: 100, Window: time.Second}})
	if !errors.Is(err, ErrNoVerdict) || !errors.Is(err, states.ErrUnsupported) {
		t.Errorf("err %v, want ErrNoVerdict wrapping ErrUnsupported", err)
	}
	if _, err := Run(context.Background(), Options{Target: "http://127.0.0.1:1", States: arrange.Map{}, RateLimit: spec.RateLimit{Calls: 5, Window: time.Second}}); err == nil {
		t.Error("a limit of 5 calls: want an error")
	}
}

// TestThrottleUnreachableTarget: a target that does not answer gives no verdict (exit 3), not a fail.
func TestThrottleUnreachableTarget(t *testing.T) {
	v := states.Values{arrange.AccessKeyID: "LTAI-x", arrange.AccessKeySecret: "s3cr3t-value", arrange.ClusterID: "c", arrange.JobID: "j"}
	st := arrange.Map{spec.StateFreshAccount: v}
	rep, err := Run(context.Background(), Options{Target: "http://127.0.0.1:1", States: st, RateLimit: spec.RateLimit{Calls: 20, Window: 400 * time.Millisecond}})
	if !errors.Is(err, ErrNoVerdict) {
		t.Fatalf("err %v, want ErrNoVerdict", err)
	}
	if rep == nil || rep.Verdict != "inconclusive" {
		t.Fatalf("report %+v, want verdict inconclusive", rep)
	}
	var b bytes.Buffer
	_ = WriteJSON(&b, rep)
	_ = WriteText(&b, rep)
	dir := t.TempDir()
	if err := WriteReportDir(dir, rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ResultsFile, PlotFile, ChartFile} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		b.Write(data)
	}
	if strings.Contains(b.String(), "s3cr3t-value") {
		t.Error("a report holds the AccessKeySecret")
	}
	// Transport errors quote the URL; a V1 GET has its Signature in the query.
	if strings.Contains(b.String(), "Signature=") {
		t.Error("a report holds a Signature")
	}
	if !strings.Contains(rep.Checks[0].Message, "got no answer") {
		t.Errorf("generator check %q does not say the target did not answer", rep.Checks[0].Message)
	}
}

// TestThrottleRecordRedacts: a kept result loses the query of its URL and of its error (a
// transport error quotes the URL, and a V1 GET carries its Signature there).
func TestThrottleRecordRedacts(t *testing.T) {
	s := newScenario(Options{Spec: spec.Default()})
	r := &vegeta.Result{
		URL:   "http://127.0.0.1:9/?AccessKeyId=LTAI-x&Signature=abc%3D&SignatureNonce=n#overload",
		Error: `Get "http://127.0.0.1:9/?AccessKeyId=LTAI-x&Signature=abc%3D&SignatureNonce=n#overload": dial tcp: connection refused`,
	}
	o := s.record(roleOverload, []string{roleOverload}, r)
	if o.kind != kindTransport {
		t.Errorf("kind %d, want transport", o.kind)
	}
	kept := s.res[0]
	if strings.Contains(kept.URL+kept.Error, "Signature") {
		t.Errorf("kept result holds the signature: %q %q", kept.URL, kept.Error)
	}
	if !strings.Contains(kept.Error, "connection refused") || !strings.HasSuffix(kept.URL, "#overload") {
		t.Errorf("redaction lost what is not secret: %q %q", kept.URL, kept.Error)
	}
}

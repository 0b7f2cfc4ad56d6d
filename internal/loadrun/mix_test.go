package loadrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Every cycle of the mix holds each path exactly its weight's share, interleaved.
func TestMixProportions(t *testing.T) {
	m, err := ParseMix("start=70, not-found=10,denied=10,missing-param=10")
	if err != nil {
		t.Fatal(err)
	}
	got := map[Path]int{}
	longest, run := 0, 0
	var prev Path
	const n = 10 * 10 // ten cycles of 10 (weights reduced by their gcd)
	for c := range uint64(n) {
		p := m.Paths[m.Pick(c)].Path
		got[p]++
		if p == prev {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
		prev = p
	}
	want := map[Path]int{PathStart: 70, PathNotFound: 10, PathDenied: 10, PathMissingParam: 10}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %d of %d calls, want %d", p, got[p], n, w)
		}
	}
	if longest > 4 { // 7 starts around 3 others: runs of 2 to 4
		t.Errorf("a path ran %d calls in a row: not interleaved", longest)
	}
	// Deterministic: the same counter, the same path.
	m2, _ := ParseMix("start=70,not-found=10,denied=10,missing-param=10")
	for c := range uint64(1000) {
		if m.Pick(c) != m2.Pick(c) {
			t.Fatalf("call %d: paths differ between two equal mixes", c)
		}
	}
	// Uneven weights: exact per cycle too.
	m3, _ := ParseMix("start=3,denied=2")
	count := 0
	for c := range uint64(5000) {
		if m3.Paths[m3.Pick(c)].Path == PathStart {
			count++
		}
	}
	if count != 3000 {
		t.Errorf("start=3,denied=2: %d of 5000 start, want 3000", count)
	}
}

func TestParseMixErrors(t *testing.T) {
	for _, bad := range []string{"", "start", "start=x", "start=-1", "nope=1", "start=1,start=2", "start=0", "start=10000,denied=1"} {
		if _, err := ParseMix(bad); !errors.Is(err, ErrMix) {
			t.Errorf("%q: %v, want ErrMix", bad, err)
		}
	}
	if m, err := ParseMix("start=50,denied=0"); err != nil || len(m.Paths) != 1 {
		t.Errorf("a zero weight drops the path: %v %v", m, err)
	}
}

// Each path expects the spec's code for its state.
func TestPathExpectations(t *testing.T) {
	want := map[Path]string{PathStart: spec.CodeOK, PathNotFound: "JobNotFound", PathDenied: "OperationDenied", PathMissingParam: "MissingParameter"}
	for p, code := range want {
		if got := p.Expect(nil); got != code {
			t.Errorf("%s expects %q, want %q", p, got, code)
		}
	}
}

func startReference(t *testing.T) *mock.Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ref, err := mock.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close(); cancel() })
	return ref
}

// runMix runs a mixed load against the reference implementation's API with identifiers from arr.
func runMix(t *testing.T, ref *mock.Running, arr states.Arranger, mix string, rate int, d time.Duration) (*Summary, *Report, *Pools) {
	t.Helper()
	m, err := ParseMix(mix)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pools, err := NewPools(ctx, PoolOptions{Target: ref.APIURL, Mix: m, States: arr, Rate: rate, RateLimit: ref.Server.RateLimit()})
	if err != nil {
		t.Fatal(err)
	}
	defer pools.Close()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := pools.Warm(wctx); err != nil {
		t.Fatal(err)
	}
	s, err := Run(ctx, RunOptions{Target: ref.APIURL, Rate: rate, Duration: d, Pools: pools})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Report()
	SetPoolStats(r, pools.Stats())
	return s, r, pools
}

// A mixed run against the reference implementation: every path gets its share of the calls and
// the answer it expects; thresholds per path judge each on its own figures.
func TestMixedRunAgainstReference(t *testing.T) {
	ref := startReference(t)
	s, r, _ := runMix(t, ref, states.NewEndpoint(ref.AdminURL), "start=70,not-found=10,denied=10,missing-param=10", 200, 500*time.Millisecond)
	if len(r.Paths) != 4 || r.Mix == "" {
		t.Fatalf("paths %+v", r.Paths)
	}
	for _, p := range r.Paths {
		share := map[string]uint64{"start": 70, "not-found": 10, "denied": 10, "missing-param": 10}[p.Path]
		// Exact per cycle of 10; vegeta may drop the last calls on a slow machine: a partial cycle.
		if want := float64(r.Requests*share) / 100; math.Abs(float64(p.Requests)-want) > 2 {
			t.Errorf("%s: %d of %d calls, want %d%%", p.Path, p.Requests, r.Requests, share)
		}
		if p.Expected != p.Requests || p.Failed != 0 || p.Dry != 0 {
			t.Errorf("%s: %d of %d answered %s (codes %v), %d failed, %d dry", p.Path, p.Expected, p.Requests, p.Expect, p.Codes, p.Failed, p.Dry)
		}
	}
	if r.Failed != 0 || r.Codes["MissingParameter"] == 0 {
		t.Errorf("overall: %d failed (MissingParameter is the missing-param path's success), codes %v", r.Failed, r.Codes)
	}
	// Per-path thresholds: the same run passes one and crosses another; the path is what counts.
	ts, err := ParseThresholds([]string{"p99{path=start}<10s", "unexpected{path=denied}<=0%", "rps{path=start}>=1000"})
	if err != nil {
		t.Fatal(err)
	}
	if Apply(ts, s, r) {
		t.Error("rps{path=start}>=1000 held at 140/s")
	}
	if !r.Thresholds[0].Pass || !r.Thresholds[1].Pass || r.Thresholds[2].Pass {
		t.Errorf("thresholds: %+v", r.Thresholds)
	}
	if got := r.Thresholds[2].Actual; got < 100 || got > 180 {
		t.Errorf("rps{path=start} = %.1f, want the start path's ~140/s, not the run's 200/s", got)
	}
	var txt strings.Builder
	WriteText(&txt, r)
	for _, want := range []string{"Paths start=70,not-found=10,denied=10,missing-param=10", "missing-param MissingParameter", "✗ rps{path=start}>=1000"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, txt.String())
		}
	}
}

// A pool that runs dry (a profile with three stopped jobs for a run that needs more) sends no
// call it cannot arrange: the calls are counted as dry, with when, and crossed as a threshold;
// no refusal is counted as an answer.
func TestDryPoolIsReportedNotRefused(t *testing.T) {
	ref := startReference(t)
	ep := states.NewEndpoint(ref.AdminURL)
	var entries []string
	for range 3 {
		v, err := ep.Setup(context.Background(), spec.StateStoppedJob)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, "    - {AccessKeyId: "+v["AccessKeyId"]+", AccessKeySecret: "+v["AccessKeySecret"]+
			", ClusterId: "+v["ClusterId"]+", JobId: "+v["JobId"]+"}")
	}
	prof, err := arrange.ParseProfile("three", []byte("states:\n  \""+spec.StateStoppedJob+"\":\n"+strings.Join(entries, "\n")+"\n"),
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s, r, _ := runMix(t, ref, prof, "start=100", 100, 200*time.Millisecond)
	p := r.Paths[0]
	if p.Requests != 3 || p.OK != 3 || p.Refused != 0 {
		t.Errorf("start: %d calls sent, %d ok, %d refused; want the 3 arranged, all ok", p.Requests, p.OK, p.Refused)
	}
	// 20 planned (vegeta may drop the last one or two when the machine is slow): all but 3 dry.
	if p.Dry < 15 || r.Dry != p.Dry || r.Requests != 3 {
		t.Errorf("dry %d (report %d), requests %d; want the rest of the 20 planned not sent", p.Dry, r.Dry, r.Requests)
	}
	if p.DryTo < p.DryFrom || p.DryTo <= 0 {
		t.Errorf("dry from %.3fs to %.3fs", p.DryFrom, p.DryTo)
	}
	if Apply(nil, s, r) || r.Verdict != "fail" || len(r.Thresholds) != 1 || !strings.Contains(r.Thresholds[0].Message, fmt.Sprintf("%d calls not sent", p.Dry)) {
		t.Errorf("a dry pool must cross a threshold: %+v", r.Thresholds)
	}
	if p.Pool == nil || p.Pool.Setups != 3 || !strings.Contains(p.Pool.Error, "used all 3 entries") {
		t.Errorf("pool stats %+v", p.Pool)
	}
}

// A dry target never reaches the network: vegeta fails it before sending.
func TestDryTargetIsNotSent(t *testing.T) {
	tgt := vegeta.Target{Method: dryMethod, URL: "http://127.0.0.1:1/#start/" + dryAccount}
	if _, err := tgt.Request(); err == nil {
		t.Fatal("a dry target makes a request")
	}
	r := &vegeta.Result{URL: tgt.URL, Error: "net/http: invalid method"}
	if o := NewClassifier(nil).Classify(r); o.Class != ClassDry || o.Path != "start" {
		t.Errorf("dry result classified %+v", o)
	}
}

package throttle

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// BenchmarkThrottleVerdict: how long the scenario takes to its verdict, set-up included, against
// the reference implementation at the spec's limit (6000/1m: about 80–95 s a run). One run per
// iteration: go test -run '^$' -bench ThrottleVerdict -benchtime 1x ./throttle (make bench).
// THROTTLE_BENCH_LIMIT (e.g. 600/6s) and THROTTLE_BENCH_ALGORITHM change the limit and the
// reference's algorithm.
func BenchmarkThrottleVerdict(b *testing.B) {
	rl := spec.Default().RateLimit()
	if v := os.Getenv("THROTTLE_BENCH_LIMIT"); v != "" {
		var err error
		if rl, err = spec.ParseRateLimit(v); err != nil {
			b.Fatal(err)
		}
	}
	alg := mock.DefaultAlgorithm
	if v := os.Getenv("THROTTLE_BENCH_ALGORITHM"); v != "" {
		var err error
		if alg, err = ratelimit.ParseAlgorithm(v); err != nil {
			b.Fatal(err)
		}
	}
	var total time.Duration
	runs := 0
	for b.Loop() {
		var rep *Report
		var took time.Duration
		var err error
		for attempt := 1; attempt <= attempts; attempt++ {
			rep, took, err = verdictRun(rl, alg)
			if !errors.Is(err, ErrNoVerdict) || rep == nil || attempt == attempts {
				break
			}
			// The machine was too busy for the plan (the scenario says so): not a verdict time.
			b.Logf("no verdict after %.1f s (busy machine), again: %v", took.Seconds(), err)
		}
		if err != nil {
			b.Fatal(err)
		}
		total += took
		runs++
		b.Logf("%s against the reference (%s): verdict %s in %.1f s (%.2f W), set-up included; estimated %.0f ± %.0f, %d requests, %s",
			rl, alg, rep.Verdict, took.Seconds(), took.Seconds()/rl.Window.Seconds(), rep.EstimatedLimit, rep.Uncertainty, rep.Requests, rep.Algorithm)
		if rep.Verdict != "pass" {
			b.Errorf("verdict %s: %v", rep.Verdict, rep.Failed())
		}
	}
	b.ReportMetric(total.Seconds()/float64(runs), "verdict-s")
	b.ReportMetric(total.Seconds()/float64(runs)/rl.Window.Seconds(), "windows")
}

// verdictRun is one run against a reference implementation of its own, timed from before the
// scenario arranges its accounts to its verdict.
func verdictRun(rl spec.RateLimit, alg ratelimit.Algorithm) (*Report, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*rl.Window+30*time.Second)
	defer cancel()
	m, err := mock.Start(ctx, mock.WithRateLimit(rl), mock.WithAlgorithm(alg))
	if err != nil {
		return nil, 0, err
	}
	defer m.Close()
	began := time.Now()
	rep, err := Run(ctx, Options{Target: m.APIURL, States: states.NewEndpoint(m.AdminURL), RateLimit: rl})
	return rep, time.Since(began), err
}

// Package load runs a load test of StartEdgeTranscodeJob from Go, as `edgeconform load` does
// (docs/load.md): constant-rate calls, each freshly signed, for a duration, each doing what its
// path says (start a stopped job, start one nobody has, ...), with the identifiers set up ahead
// through the target's provider states, and the figures judged by thresholds written as k6
// users write them.
//
//	rep, err := load.Run(ctx, load.Options{
//		Target: "http://127.0.0.1:8080", States: states.NewEndpoint("http://127.0.0.1:8081"),
//		Rate: 500, Duration: 30 * time.Second, Thresholds: []string{"p99<50ms", "errors<0.1%"},
//	})
//	// err: no verdict (bad options, set-up failed, no answer); rep.Verdict: VerdictPass or VerdictFail
//
// Sharded, stepped (capacity) and compared runs are the command's (`edgeconform load --shard`,
// `--ramp`, `edgeconform report compare`).
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Options configure Run. Target, States, Rate (or MaxWorkers at rate 0) and Duration are needed;
// the rest have defaults.
type Options struct {
	// Target is the base URL of the implementation under test.
	Target string
	// States sets up the identifiers each path's calls use (a stopped job for start, a running
	// one for denied, ...): a provider-state endpoint (states.NewEndpoint) or any other
	// states.Arranger. They are torn down when the run ends unless KeepIdentifiers.
	States states.Arranger
	// Mix says what the calls do, "NAME=WEIGHT,..." of start, not-found, denied and
	// missing-param (docs/load.md#paths---mix); empty: start=100.
	Mix string
	// Rate is calls per second; 0 sends as fast as MaxWorkers allow.
	Rate int
	// Duration is how long calls are sent.
	Duration time.Duration
	// Thresholds are the pass conditions, k6 style: "p99<50ms", "p(95)<=20ms", "errors<0.1%",
	// "throttled<1%", "rps>=1900", "unexpected<0.1%", one path's "p99{path=start}<50ms".
	// None: the run passes unless a pool runs dry.
	Thresholds []string
	// RateLimit is the target's throttle per account (zero: the spec's, 6000/1m): an identifier
	// serves at most half its budget, so the throttle never decides the figures.
	RateLimit spec.RateLimit
	Method    string                    // GET (default) or POST
	Signature protocol.SignatureVersion // protocol.SignatureV1 (default) or SignatureV3
	Format    protocol.Format           // the answers' Format: JSON (default) or another of the spec's formats
	// Timeout bounds each call (default 10s).
	Timeout time.Duration
	// MaxWorkers caps the attack's workers (0: unbounded at a fixed rate, 64 at rate 0).
	MaxWorkers uint64
	// Spec names the operation and its answers (nil: spec.Default()).
	Spec *spec.Spec
	// KeepIdentifiers leaves the identifiers set up (an implementation that frees them itself,
	// such as an embedded reference): Run then keeps none of their values either.
	KeepIdentifiers bool
}

// Report is a run's figures and verdict, as `edgeconform load --json` writes them
// (docs/protocol.md#reports): Verdict is "pass", "fail" (a threshold crossed) or "inconclusive"
// (Reason says why).
type Report = loadrun.Report

// WriteText writes r as the command prints it: the figures, each threshold and the verdict line.
func WriteText(w io.Writer, r *Report) error { return loadrun.WriteText(w, r) }

// WriteJSON writes r as the JSON report of `edgeconform load --json`.
func WriteJSON(w io.Writer, r *Report) error { return loadrun.WriteJSON(w, r) }

// Run sets up the identifiers, sends the calls and judges the figures. It returns the report and,
// when the report decides nothing (the run could not be made, the target answered none of the
// first calls, ctx ended before the duration), an error saying why; a crossed threshold is the
// report's verdict "fail", not an error. A Report returned with an error is "inconclusive".
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.States == nil {
		return nil, errors.New("load: Options.States is needed: it sets up the calls' identifiers")
	}
	ts, err := loadrun.ParseThresholds(o.Thresholds)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	mix := loadrun.DefaultMix()
	if o.Mix != "" {
		if mix, err = loadrun.ParseMix(o.Mix); err != nil {
			return nil, fmt.Errorf("load: mix: %w", err)
		}
	}
	for _, t := range ts {
		if p := t.Path(); p != "" && !mix.Has(loadrun.Path(p)) {
			return nil, fmt.Errorf("load: threshold %s: path %s is not in the mix (%s)", t.Expr, p, mix)
		}
	}
	if o.Duration <= 0 || o.Rate < 0 {
		return nil, fmt.Errorf("load: rate %d for %s: want a rate of 0 or more for a positive duration", o.Rate, o.Duration)
	}
	rl := o.RateLimit
	if rl.Calls == 0 {
		rl = specOf(o).RateLimit()
	}
	maxWorkers := o.MaxWorkers
	if o.Rate == 0 && maxWorkers == 0 {
		maxWorkers = 64
	}

	pools, release, err := loadrun.OpenPools(ctx, loadrun.PoolOptions{
		Target: o.Target, Mix: mix, States: o.States, Rate: o.Rate, RateLimit: rl,
		Method: o.Method, Signature: o.Signature, Format: o.Format, Spec: o.Spec, NoTeardown: o.KeepIdentifiers,
	}, nil) // a teardown error is best effort: the run's figures stand without it
	if err != nil {
		return nil, err
	}
	defer release()

	s, cause := loadrun.Run(ctx, loadrun.RunOptions{
		Target: o.Target, Rate: o.Rate, Duration: o.Duration, MaxWorkers: maxWorkers, Timeout: o.Timeout,
		Spec: o.Spec, Name: "load", Pools: pools,
	})
	if s == nil || s.Counts().Requests+s.Counts().Dry == 0 {
		if cause == nil {
			cause = loadrun.ErrNoResults
		}
		return nil, cause
	}
	if cause == nil && ctx.Err() != nil {
		cause = fmt.Errorf("load: stopped (%w) before the planned %s: the figures cover the calls made so far", context.Cause(ctx), o.Duration)
	}
	r := s.Report()
	r.Target, r.RateRequested, r.Interrupted = o.Target, float64(o.Rate), ctx.Err() != nil
	loadrun.SetPoolStats(r, pools.Stats())
	if _, reason := loadrun.Judge(ts, s, r, cause); reason != nil {
		r.Inconclusive(strings.TrimPrefix(reason.Error(), "load: "))
		return r, reason
	}
	return r, nil
}

func specOf(o Options) *spec.Spec {
	if o.Spec != nil {
		return o.Spec
	}
	return spec.Default()
}

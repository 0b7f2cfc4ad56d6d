package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// mixFlags are the flags of `load` for mixed, stepped and synchronised runs (docs/protocol.md#load-runs).
type mixFlags struct {
	mixSpec      string
	steps        string
	ramp         string
	stepDuration time.Duration
	startAt      string

	mix       *loadrun.Mix
	stepRates []int
	startTime time.Time
}

func (f *mixFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.mixSpec, "mix", "", "what the calls do, `NAME=WEIGHT,...` of start (a stopped job: success), not-found (JobNotFound), denied (a running job: OperationDenied), missing-param (MissingParameter); default start=100")
	fs.StringVar(&f.steps, "steps", "", "capacity run: rising rates `R1,R2,...` per second, each for --step-duration, until a threshold is crossed")
	fs.StringVar(&f.ramp, "ramp", "", "capacity run: rates `FROM:TO:STEP` per second (as --steps FROM,FROM+STEP,...,TO)")
	fs.DurationVar(&f.stepDuration, "step-duration", 0, "how long each capacity step lasts (default: --duration)")
	fs.StringVar(&f.startAt, "start-at", "", "send the first call at `TIME` (RFC 3339, e.g. 2026-11-30T01:00:00Z), so that shards begin together; identifiers are set up before")
}

// maxStartAhead bounds how far ahead --start-at may be: further is taken for a typo.
const maxStartAhead = 24 * time.Hour

// checkMix parses the flags above; ts are the run's thresholds (each path they name must be in
// the mix).
func (o *loadOptions) checkMix(ts []loadrun.Threshold, sh loadrun.Shard) error {
	f := &o.mixFlags
	if o.accounts > 0 && f.mixSpec != "" {
		return cli.Usagef("load: give --mix (identifiers from provider states per path) or --accounts (repeat calls over K accounts), not both")
	}
	var err error
	f.mix = loadrun.DefaultMix()
	if f.mixSpec != "" {
		if f.mix, err = loadrun.ParseMix(f.mixSpec); err != nil {
			return cli.Usagef("load: --mix: %v", err)
		}
	}
	for _, t := range ts {
		if p := t.Path(); p != "" && (!o.pooled() || !f.mix.Has(loadrun.Path(p))) {
			return cli.Usagef("load: --threshold %s: path %s is not in the mix (%s)", t.Expr, p, f.mix)
		}
	}
	if f.stepRates, err = loadrun.ParseSteps(f.steps, f.ramp); err != nil {
		return cli.Usagef("load: %v", err)
	}
	if f.stepDuration < 0 {
		return cli.Usagef("load: --step-duration must be positive")
	}
	if f.stepDuration > 0 && len(f.stepRates) == 0 {
		return cli.Usagef("load: --step-duration needs --steps or --ramp")
	}
	if len(f.stepRates) > 0 {
		switch {
		case sh.Count > 1:
			return cli.Usagef("load: a capacity run (--steps/--ramp) is not sharded: run it from one process")
		case o.emit > 0 || o.accounts > 0:
			return cli.Usagef("load: a capacity run (--steps/--ramp) draws its calls from --mix, not --accounts or --emit-targets")
		}
		if f.stepDuration == 0 {
			f.stepDuration = o.duration
		}
	}
	if f.startAt != "" {
		if f.startTime, err = time.Parse(time.RFC3339, f.startAt); err != nil {
			return cli.Usagef("load: --start-at %q: want an RFC 3339 time such as 2026-11-30T01:00:00Z", f.startAt)
		}
		if time.Until(f.startTime) > maxStartAhead {
			return cli.Usagef("load: --start-at %s is more than %s ahead", f.startAt, maxStartAhead)
		}
	}
	return nil
}

// pooled: the run draws its calls from per-path pools (the default), not from --accounts.
func (o *loadOptions) pooled() bool { return o.accounts == 0 && o.emit == 0 }

// runPooled is a mixed run (or a capacity run) with identifiers from the provider states.
func (o *loadOptions) runPooled(ctx context.Context, m *Main, a *arrangement, ts []loadrun.Threshold, sh loadrun.Shard,
	sig protocol.SignatureVersion, rl spec.RateLimit) error {
	f := &o.mixFlags
	rate, name, maxWorkers, err := o.share(sh)
	if err != nil {
		return err
	}
	firstRate := rate
	if len(f.stepRates) > 0 {
		firstRate = f.stepRates[0]
	}
	// The embedded implementation goes away with its identifiers: nothing to tear down.
	pools, release, err := loadrun.OpenPools(ctx, loadrun.PoolOptions{
		Target: a.target, Mix: f.mix, States: a.states, Rate: firstRate, Shard: sh, RateLimit: rl,
		Method: o.method, Signature: sig, Format: o.answer, NoTeardown: a.embedded,
	}, func(err error) { fmt.Fprintf(m.Stderr, "load: teardown: %v\n", err) })
	if err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	defer release()
	if !f.startTime.IsZero() {
		if late := time.Since(f.startTime); late > 0 {
			fmt.Fprintf(m.Stderr, "load: --start-at %s passed %s ago: starting now\n", f.startAt, late.Round(time.Millisecond))
		} else {
			fmt.Fprintf(m.Stderr, "load: identifiers ready; starting at %s (in %s)\n", f.startAt, (-late).Round(time.Millisecond))
		}
	}

	sinks, err := o.openSinks()
	if err != nil {
		return err
	}
	defer sinks.closeAll()
	ro := loadrun.RunOptions{
		Target: a.target, Rate: rate, Duration: o.duration, Workers: o.workers, MaxWorkers: maxWorkers,
		Timeout: o.timeout, Name: name, Results: sinks.results, Pools: pools, StartAt: f.startTime,
	}
	if len(f.stepRates) > 0 {
		return o.runSteps(ctx, m, a.target, ro, ts, sinks)
	}
	fmt.Fprintf(m.Stderr, "load: %s at %s for %s, mix %s (%s %s, %s)\n", a.target, rateString(rate), o.duration, f.mix, o.method, sig, name)
	s, cause, err := o.attack(ctx, m, ro, sinks)
	if err != nil {
		return err
	}
	r := s.Report()
	r.Target = a.target
	r.RateRequested = float64(rate)
	loadrun.SetPoolStats(r, pools.Stats())
	return o.finish(m, s, r, ts, "edgeconform load: "+a.target, cause)
}

// runSteps is a capacity run: the steps until a threshold is crossed.
func (o *loadOptions) runSteps(ctx context.Context, m *Main, target string, ro loadrun.RunOptions, ts []loadrun.Threshold, sinks *sinks) error {
	f := &o.mixFlags
	fmt.Fprintf(m.Stderr, "load: capacity run against %s: steps %v/s of %s each, mix %s\n", target, f.stepRates, f.stepDuration, f.mix)
	cr, err := loadrun.RunCapacity(ctx, loadrun.CapacityOptions{
		Run: ro, Steps: f.stepRates, StepDuration: f.stepDuration, Thresholds: ts,
		OnStep: func(st loadrun.StepReport) {
			verdict := "kept every threshold"
			if !st.Pass {
				verdict = "crossed a threshold"
			}
			fmt.Fprintf(m.Stderr, "load: step %d/s: %d calls, %.1f/s sent, p99 %.3fms: %s\n",
				st.Rate, st.Report.Requests, st.Report.Rate, st.Report.Latency.P99, verdict)
		},
	})
	if cerr := sinks.closeAll(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return harnessError("load", err)
	}
	stop := o.stop()
	if stop != nil {
		cr.Verdict, cr.Interrupted = verdict.Inconclusive, true
		cr.Reason = fmt.Sprintf("%s after %d of %d steps: the figures cover the steps made so far", stop, len(cr.Steps), len(f.stepRates))
	}
	o.reported = true
	if err := loadrun.WriteCapacityText(m.Stdout, cr); err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if err := writeOutput("load", "json", o.jsonReport, func(w io.Writer) error { return loadrun.WriteCapacityJSON(w, cr) }); err != nil {
		return err
	}
	if o.reportDir != "" {
		if err := loadrun.WriteCapacityDir(o.reportDir, cr, "edgeconform load (capacity): "+target); err != nil {
			return outputError("load", "report-dir", err)
		}
	}
	if stop != nil {
		return harnessError("load", errors.New(cr.Reason))
	}
	if cr.Capacity == 0 {
		return fmt.Errorf("%w: no step kept every threshold (the first, %d/s, crossed: %s)", cli.ErrNonConformant, cr.BrokeAt, cr.Crossed)
	}
	return nil
}

// Package loadrun is the load-run library behind `edgeconform load` and `edgeconform report`
// (docs/load.md): constant-rate runs over accounts or per-path pools of identifiers, their
// summaries and reports, k6-style thresholds, shards and their merge, capacity steps, timelines,
// charts and the comparison of two runs. Package load is its public face for Go users.
package loadrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// RunOptions configure a general load run: constant-rate signed calls for a duration.
type RunOptions struct {
	Target   string           // base URL of the implementation under test
	Accounts []attack.Account // the callers, round-robin
	// Rate is calls per second; 0 sends as fast as MaxWorkers allow.
	Rate     int
	Duration time.Duration
	// Workers is the attacker's initial worker count (default 10); MaxWorkers caps it (default:
	// unbounded at a fixed rate, Workers at rate 0).
	Workers    uint64
	MaxWorkers uint64
	Timeout    time.Duration // per request (default 10s)
	MaxBody    int64         // bytes of each answer kept (default 4096: answers are small)
	Method     string        // GET (default) or POST
	Signature  protocol.SignatureVersion
	Format     protocol.Format // JSON (default) or another of the spec's formats
	Spec       *spec.Spec
	// Name labels this run's results (vegeta's attack name), e.g. "shard 1/3"; merge counts shards by it.
	Name string
	// Results, when set, receives every result in vegeta's binary format, with the query (and
	// so any V1 Signature) dropped from its URL.
	Results io.Writer
	// Plot, when set, receives every result for the HTML chart.
	Plot *plot.Plot
	// Progress, when set, is called about every ProgressEvery (default 250ms) and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Pools, when set, make a mixed run: each call's path and identifiers come from them, and
	// Accounts, Method, Signature and Format are the pools' (NewPools).
	Pools *Pools
	// StartAt, when set, is when the first call goes out: shards given the same time begin
	// together. Run waits for it (a time past starts at once).
	StartAt time.Time
	// Summary, when set, receives the results (a capacity run's steps share nothing else).
	Summary *Summary
}

// Progress is a snapshot of a running load run.
type Progress struct {
	Elapsed   time.Duration
	Duration  time.Duration
	Requests  uint64
	Failed    uint64
	Throttled uint64
	Done      bool
}

// ErrNoResults: the run made no request at all (the context ended before the first one).
var ErrNoResults = errors.New("load: no requests were made")

// Run attacks o.Target and returns the summary of the results. A failed call is data in the
// summary, not an error; Run's error means the run could not be made (bad options, results not
// writable). Cancelling ctx stops the attack early and returns what was gathered.
func Run(ctx context.Context, o RunOptions) (*Summary, error) {
	if o.Duration <= 0 {
		return nil, errors.New("load: duration must be positive")
	}
	if o.Rate < 0 {
		return nil, errors.New("load: rate must not be negative")
	}
	topts := signingOptions(o.Spec, o.Method, o.Signature, o.Format)
	var tr vegeta.Targeter
	if o.Pools != nil {
		tr = o.Pools.Targeter()
	} else {
		var err error
		if tr, err = attack.NewTargeter(o.Target, o.Accounts, topts...); err != nil {
			return nil, err
		}
	}
	workers := o.Workers
	if workers == 0 {
		workers = vegeta.DefaultWorkers
	}
	maxWorkers := o.MaxWorkers
	if maxWorkers == 0 {
		maxWorkers = vegeta.DefaultMaxWorkers
		if o.Rate == 0 {
			maxWorkers = workers
		}
	}
	if workers > maxWorkers {
		workers = maxWorkers
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = vegeta.DefaultTimeout
	}
	maxBody := o.MaxBody
	if maxBody == 0 {
		maxBody = 4096
	}
	atk := attack.NewAttacker(attack.AttackerOptions{Workers: workers, MaxWorkers: maxWorkers, Timeout: timeout, MaxBody: maxBody})

	var enc vegeta.Encoder
	var bw *bufio.Writer
	if o.Results != nil {
		bw = bufio.NewWriterSize(o.Results, 64<<10)
		enc = vegeta.NewEncoder(bw)
	}

	s := o.Summary
	if s == nil {
		s = NewSummary(NewClassifier(o.Spec))
	}
	if o.Pools != nil {
		s.SetMix(o.Pools.Mix())
	}
	if !o.StartAt.IsZero() {
		wait := time.NewTimer(time.Until(o.StartAt))
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return s, ErrNoResults
		}
	}
	var requests, failed, throttled atomic.Uint64
	began := time.Now()
	snapshot := func(done bool) Progress {
		return Progress{Elapsed: time.Since(began), Duration: o.Duration, Requests: requests.Load(),
			Failed: failed.Load(), Throttled: throttled.Load(), Done: done}
	}

	var progress func()
	if o.Progress != nil {
		progress = func() { o.Progress(snapshot(false)) }
	}
	stopTicker := attack.Ticker(o.ProgressEvery, progress)

	var writeErr, silentErr error
	// A target that answers none of the first calls is given up on at once, not attacked for the
	// whole duration.
	silent := giveup.New("target", o.Target, timeout)
	pacer := vegeta.ConstantPacer{Freq: o.Rate, Per: time.Second}
	attack.Attack(ctx, atk, tr, pacer, o.Duration, o.Name, func(r *vegeta.Result) bool {
		if err := silent.ObserveResult(r.Code, r.Error); err != nil {
			if silentErr == nil {
				silentErr = fmt.Errorf("load: %w", err)
			}
			return false
		}
		out := s.Add(r)
		requests.Add(1)
		switch out.Class {
		case ClassFailed:
			failed.Add(1)
		case ClassThrottled:
			throttled.Add(1)
		}
		if o.Plot != nil {
			_ = o.Plot.Add(r) // only fails on a result it has seen: cannot happen here
		}
		if enc != nil && writeErr == nil {
			Redact(r)
			r.Headers = nil // not needed to classify; saves most of the encoding cost
			if err := enc.Encode(r); err != nil {
				writeErr = fmt.Errorf("load: write results: %w", err)
				return false
			}
		}
		return true
	})
	if bw != nil && writeErr == nil {
		if err := bw.Flush(); err != nil {
			writeErr = fmt.Errorf("load: write results: %w", err)
		}
	}
	stopTicker() // end the ticker before the final call
	if o.Progress != nil {
		o.Progress(snapshot(true))
	}
	if writeErr != nil {
		return s, writeErr
	}
	if silentErr != nil {
		return s, silentErr
	}
	if c := s.Counts(); c.Requests == 0 && c.Dry == 0 {
		return s, ErrNoResults
	}
	return s, nil
}

// signingOptions are the targeter options of a run's signing settings ("" keeps a default).
func signingOptions(s *spec.Spec, method string, sig protocol.SignatureVersion, format protocol.Format) []attack.TargeterOption {
	opts := []attack.TargeterOption{attack.WithSpec(s)}
	if method != "" {
		opts = append(opts, attack.WithMethod(method))
	}
	if sig != "" {
		opts = append(opts, attack.WithSignature(sig))
	}
	if format != "" {
		opts = append(opts, attack.WithFormat(format))
	}
	return opts
}

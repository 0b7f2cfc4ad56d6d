package load

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// The simulation drives the scenario's plan against ratelimit's algorithms on a virtual clock, for
// many alignments of the run to the epoch: a deterministic proof that the bounds documented in
// throttle_analysis.go hold with margin for every correct algorithm and catch the broken ones.

type simDefect int

const (
	simNone simDefect = iota
	simGlobal
	simPerKey
	simNeverLifts
	simNoLimit
)

type sim struct {
	rl      spec.RateLimit
	l       ratelimit.Limiter
	defect  simDefect
	stuck   map[string]bool
	latency time.Duration
}

func (s *sim) decide(account string, key int, now time.Time) answerKind {
	k := account
	switch s.defect {
	case simGlobal:
		k = ""
	case simPerKey:
		k = fmt.Sprintf("%s/%d", account, key)
	case simNoLimit:
		return kindAccepted
	}
	if s.stuck[k] {
		return kindThrottled
	}
	if s.l.Allow(k, now).Allowed {
		return kindAccepted
	}
	if s.defect == simNeverLifts {
		s.stuck[k] = true
	}
	return kindThrottled
}

const simRequestID = "8D5F4C3A-1B2C-4D3E-9F8A-7B6C5D4E3F2A"

// simulate plays the plan from start (calls in time order across roles, as a server sees them).
func (s *sim) simulate(start time.Time, twoKeys bool) ([]*observation, map[string]*attackPlan) {
	w := s.rl.Window
	n := float64(s.rl.Calls)
	span := time.Duration(overloadWindows * float64(w))
	plans := map[string]*attackPlan{}
	var obs []*observation
	mk := func(role string, factor float64) *attackPlan {
		freq := int(factor*n + 0.5)
		p := &attackPlan{role: role, rate: float64(freq) / w.Seconds(), began: start}
		plans[role] = p
		return p
	}
	interval := func(p *attackPlan) time.Duration { return time.Duration(float64(time.Second) / p.rate) }
	// The constant roles, merged in time order with the recovery role, one call at a time.
	type stream struct {
		p    *attackPlan
		next uint64
		stop time.Time
	}
	streams := []*stream{}
	for _, r := range []struct {
		role   string
		factor float64
	}{{roleOverload, overloadFactor}, {roleBelow, belowFactor}, {roleIsolation, isolationFactor}, {roleRecovery, overloadFactor}} {
		p := mk(r.role, r.factor)
		stop := start.Add(span)
		if r.role == roleRecovery {
			stop = start.Add(2 * w)
		}
		streams = append(streams, &stream{p: p, stop: stop})
	}
	var probeNext, probeEnd time.Time
	probing, recovered := false, false
	for {
		// Next event: the earliest stream call or probe.
		var best *stream
		var bestAt time.Time
		for _, st := range streams {
			at := st.p.began.Add(time.Duration(st.next+1) * interval(st.p))
			if !at.Before(st.stop) {
				continue
			}
			if best == nil || at.Before(bestAt) {
				best, bestAt = st, at
			}
		}
		if probing && !recovered && probeNext.Before(probeEnd) && (best == nil || probeNext.Before(bestAt)) {
			o := &observation{role: roleRecovery, sent: probeNext, latency: s.latency, status: 200, code: spec.CodeOK}
			o.kind = s.decide(roleRecovery, 0, o.at())
			if o.kind == kindThrottled {
				o.status, o.code, o.requestID = 400, "Throttling.User", simRequestID
			} else {
				recovered = true
			}
			obs = append(obs, o)
			probeNext = probeNext.Add(w / probesPerWindow)
			continue
		}
		if best == nil {
			break
		}
		key := 0
		if twoKeys && best.p.role == roleOverload {
			key = int(best.next % 2)
		}
		o := &observation{role: best.p.role, key: key, seq: best.next, sent: bestAt, latency: s.latency, status: 200, code: spec.CodeOK}
		o.kind = s.decide(best.p.role, key, o.at())
		if o.kind == kindThrottled {
			o.status, o.code, o.requestID = 400, "Throttling.User", simRequestID
		}
		obs = append(obs, o)
		best.p.stopped = bestAt
		best.next++
		if best.p.role == roleRecovery && o.kind == kindThrottled && !probing {
			best.stop = bestAt // the generator stops at the first throttled answer
			probing = true
			best.p.probing = true
			probeNext = bestAt.Add(w / probesPerWindow)
			probeEnd = bestAt.Add(w + time.Duration(recoveryGrace*float64(w)) + 2*w/probesPerWindow)
		}
	}
	return obs, plans
}

func simRun(t *testing.T, alg ratelimit.Algorithm, calls int, defect simDefect, phase float64, opts ...ratelimit.Option) analysis {
	t.Helper()
	rl := spec.RateLimit{Calls: 600, Window: 6 * time.Second}
	l, err := ratelimit.New(alg, calls, rl.Window, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{rl: rl, l: l, defect: defect, stuck: map[string]bool{}, latency: time.Millisecond}
	// An epoch-aligned start plus phase windows.
	start := time.Unix(1_800_000_000, 0).Truncate(rl.Window).Add(time.Duration(phase * float64(rl.Window)))
	obs, plans := s.simulate(start, true)
	return analyze(rl, spec.Default(), obs, plans, true)
}

func statusOf(a analysis, name string) Check {
	for _, c := range a.checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: "missing"}
}

var simPhases = []float64{0, 0.1, 0.25, 0.4, 0.49, 0.5, 0.51, 0.6, 0.75, 0.9, 0.999}

func TestSimulatedCorrectAlgorithmsPass(t *testing.T) {
	type variant struct {
		alg  ratelimit.Algorithm
		opts []ratelimit.Option
		name string
	}
	var vs []variant
	for _, a := range ratelimit.Algorithms() {
		vs = append(vs, variant{a, nil, string(a)})
	}
	for _, b := range []int{1, 10, 300} {
		vs = append(vs, variant{ratelimit.GCRA, []ratelimit.Option{ratelimit.WithBurst(b)}, fmt.Sprintf("gcra-burst-%d", b)})
		vs = append(vs, variant{ratelimit.TokenBucket, []ratelimit.Option{ratelimit.WithBurst(b)}, fmt.Sprintf("token-bucket-burst-%d", b)})
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			for _, ph := range simPhases {
				a := simRun(t, v.alg, 600, simNone, ph, v.opts...)
				if a.noVerdict != "" {
					t.Fatalf("phase %.3f: no verdict: %s", ph, a.noVerdict)
				}
				for _, c := range a.checks {
					if c.Status == CheckFail {
						t.Errorf("phase %.3f: %s failed: %s", ph, c.Name, c.Message)
					}
				}
				if a.estimate < 600-a.uncertainty-18 || a.estimate > 600+a.uncertainty+18 {
					t.Errorf("phase %.3f: estimate %.0f, want 600 ± 3%%", ph, a.estimate)
				}
			}
		})
	}
}

func TestSimulatedBrokenLimitersFail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		calls  int
		defect simDefect
		check  string
	}{
		{"no limit", 600, simNoLimit, CheckOverAdmission},
		{"limit +10%", 660, simNone, CheckOverAdmission},
		{"limit -10%", 540, simNone, CheckUnderAdmission},
		{"global limit", 600, simGlobal, CheckIsolation},
		{"per-key limit", 600, simPerKey, CheckKeying},
		{"never lifts", 600, simNeverLifts, CheckRecovery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, alg := range ratelimit.Algorithms() {
				for _, ph := range simPhases {
					a := simRun(t, alg, tc.calls, tc.defect, ph)
					if c := statusOf(a, tc.check); c.Status != CheckFail {
						t.Errorf("%s phase %.3f: %s %s (%s), want fail", alg, ph, c.Name, c.Status, c.Message)
					}
				}
			}
		})
	}
}

// TestSimulatedAlgorithmNames: the report names the family of the limiter it measured.
func TestSimulatedAlgorithmNames(t *testing.T) {
	want := map[ratelimit.Algorithm]string{
		ratelimit.FixedWindowEpoch:     "fixed window aligned to the epoch",
		ratelimit.FixedWindowFirstCall: "fixed window aligned to the first call, or sliding log",
		ratelimit.SlidingLog:           "fixed window aligned to the first call, or sliding log",
		ratelimit.SlidingWindow:        "sliding window counter",
		ratelimit.TokenBucket:          "token bucket or GCRA (burst ≈ 600)",
		ratelimit.GCRA:                 "token bucket or GCRA (burst ≈ 600)",
	}
	for _, alg := range ratelimit.Algorithms() {
		for _, ph := range []float64{0.3, 0.6, 0.9} {
			if got := simRun(t, alg, 600, simNone, ph).algorithm; got != want[alg] {
				t.Errorf("%s at phase %.1f: named %q, want %q", alg, ph, got, want[alg])
			}
		}
	}
	a := simRun(t, ratelimit.GCRA, 600, simNone, 0.3, ratelimit.WithBurst(100))
	if a.algorithm != "token bucket or GCRA (burst ≈ 100)" {
		t.Errorf("GCRA burst 100: named %q", a.algorithm)
	}
}

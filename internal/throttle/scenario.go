package throttle

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
)

// scenario drives the accounts and records every answer as an observation.
type scenario struct {
	o           Options
	lim         spec.RateLimit
	cls         *loadrun.Classifier
	throttling  []string // the spec's throttling codes
	rateHeaders []string // the spec's rate-limit headers, the API's own first

	mu    sync.Mutex
	plans map[string]*attackPlan
	obs   []*observation
	res   []vegeta.Result

	requests, accepted, throttled atomic.Uint64
	noVerdict                     string
}

func newScenario(o Options) *scenario {
	return &scenario{o: o, lim: o.RateLimit, cls: loadrun.NewClassifier(o.Spec), throttling: specfacts.ThrottlingCodes(o.Spec),
		rateHeaders: specfacts.RateLimitHeaders(o.Spec), plans: map[string]*attackPlan{}}
}

func (s *scenario) attacker() *vegeta.Attacker {
	// MaxWorkers is a bound: a target slower than the plan shows as lateness (no verdict), not as
	// a runaway number of connections. 64 from the start: at 4N/W over a link of 150 ms round trips
	// (400/s at 6000/1m: 60 calls in flight), growing from a few would fall behind in the seconds
	// before the recovery account's first throttle, and its rate would miss the plan.
	return attack.NewAttacker(attack.AttackerOptions{Workers: 64, MaxWorkers: 512, Timeout: s.o.Timeout, MaxBody: 16 << 10})
}

// record classifies one result and keeps it.
func (s *scenario) record(role string, names []string, r *vegeta.Result) *observation {
	o := &observation{role: role, seq: r.Seq, sent: r.Timestamp, latency: r.Latency, status: r.Code}
	out := s.cls.Classify(r)
	o.code = out.Code
	if len(names) > 1 && out.Account == names[1] {
		o.key = 1
	}
	switch {
	case r.Code == 0:
		o.kind = kindTransport
	case out.Class == loadrun.ClassThrottled:
		o.kind = kindThrottled
	case out.Code == loadrun.CodeNone:
		o.kind = kindMalformed
	case s.gateway(out.Code):
		o.kind = kindRejected
	default:
		o.kind = kindAccepted
	}
	if o.kind == kindThrottled {
		o.requestID = requestID(r.Body)
	}
	if r.Headers != nil {
		var v string
		for _, h := range s.rateHeaders {
			if v = r.Headers.Get(h); v != "" {
				break
			}
		}
		if o.kind == kindThrottled {
			o.retryAfter = r.Headers.Get(specfacts.HeaderRetryAfter)
		}
		if v != "" {
			h, err := parseRateHeader(v)
			if err != nil {
				o.rlErr = err.Error()
			}
			o.rl = h
		}
	}
	s.requests.Add(1)
	switch o.kind {
	case kindAccepted:
		s.accepted.Add(1)
	case kindThrottled:
		s.throttled.Add(1)
	}
	loadrun.Redact(r) // the URL's query and any quoted in the error: a V1 GET carries its Signature there
	r.Body = nil      // answers are small but many; the codes are in the observations
	if o.kind == kindTransport {
		o.transportErr = r.Error
	}
	s.mu.Lock()
	s.obs = append(s.obs, o)
	s.res = append(s.res, *r)
	s.mu.Unlock()
	return o
}

// gateway: a common code other than throttling, answered before the throttle (signature, nonce,
// key, version ...): such calls do not count against the limit.
func (s *scenario) gateway(code string) bool {
	e, ok := s.o.Spec.Error(code)
	return ok && e.Source == specfacts.SourceCommon && !slices.Contains(s.throttling, code)
}

func requestID(body []byte) string {
	var v struct{ RequestId string }
	if json.Unmarshal(body, &v) == nil && v.RequestId != "" {
		return v.RequestId
	}
	if xml.Unmarshal(body, &v) == nil {
		return v.RequestId
	}
	return ""
}

// drive attacks one role's accounts at rate for du (0: until stop returns true for an answer) and
// returns when the attack is over.
func (s *scenario) drive(ctx context.Context, role, name string, accts []attack.Account, rate float64, du time.Duration, stop func(*observation) bool) (began, last time.Time, err error) {
	tr, err := attack.NewTargeter(s.o.Target, accts, attack.WithSignature(s.o.Signature), attack.WithSpec(s.o.Spec))
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.Name
	}
	// Paced per window: Freq calls per W is exact for any limit, where per second would round.
	freq := max(1, int(math.Round(rate*s.lim.Window.Seconds())))
	began = time.Now()
	attack.Attack(ctx, s.attacker(), tr, vegeta.ConstantPacer{Freq: freq, Per: s.lim.Window}, du, name, func(r *vegeta.Result) bool {
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		o := s.record(role, names, r)
		return stop == nil || !stop(o)
	})
	return began, last, nil
}

func (s *scenario) plan(role string, rate float64, names ...string) *attackPlan {
	// The rate the pacer keeps: a whole number of calls per window.
	w := s.lim.Window.Seconds()
	rate = float64(max(1, int(math.Round(rate*w)))) / w
	p := &attackPlan{role: role, rate: rate, keyNames: names}
	s.mu.Lock()
	s.plans[role] = p
	s.mu.Unlock()
	return p
}

func (s *scenario) run(ctx context.Context, accounts map[string][]attack.Account) (*Report, error) {
	n, w := float64(s.lim.Calls), s.lim.Window
	perSec := n / w.Seconds()
	span := time.Duration(overloadWindows * float64(w))
	planned := Planned(s.lim)
	started := time.Now()
	phase := atomic.Value{}
	phase.Store("overload")

	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	// The overload ends when the end rule holds (analysis.go), at the latest after span; the
	// below-limit and isolation loads end with it.
	var ended atomic.Bool
	en := newEnder(s.lim, len(accounts[roleOverload]) > 1)
	var maxLat time.Duration
	var decidedAt time.Time // read after wg.Wait
	decided := func(o *observation) bool {
		maxLat = max(maxLat, o.latency)
		en.add(o)
		// Calls decided up to two round trips ago have answered by now (or count as slow).
		if !ended.Load() && en.done(time.Now().Add(-2*maxLat-s.lim.Window/200)) {
			decidedAt = time.Now()
			ended.Store(true)
		}
		return ended.Load()
	}
	constant := func(role string, factor float64, stop func(*observation) bool) {
		accts, ok := accounts[role]
		if !ok {
			return
		}
		p := s.plan(role, factor*perSec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			began, last, err := s.drive(ctx, role, role, accts, p.rate, span, stop)
			if role == roleOverload {
				ended.Store(true) // decided or the cap: the others stop too
			}
			if err != nil {
				fail(err)
			}
			s.mu.Lock()
			p.began, p.stopped = began, last
			s.mu.Unlock()
		}()
	}
	withOverload := func(*observation) bool { return ended.Load() }
	constant(roleOverload, overloadFactor, decided)
	constant(roleBelow, belowFactor, withOverload)
	constant(roleIsolation, isolationFactor, func(o *observation) bool { en.addIsolation(o); return ended.Load() })
	if accts, ok := accounts[roleRecovery]; ok {
		p := s.plan(roleRecovery, overloadFactor*perSec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Overload until the first throttled answer (at most recoveryLoadWindows), then probe until served.
			du := time.Duration(recoveryLoadWindows * float64(w))
			// It stops with the overload too: a target that has not throttled it by then never will
			// before the verdict (the overload ends early only when every check is decided).
			began, last, err := s.drive(ctx, roleRecovery, roleRecovery, accts, p.rate, du, func(o *observation) bool { return o.kind == kindThrottled || ended.Load() })
			if err != nil {
				fail(err)
				return
			}
			s.mu.Lock()
			p.began, p.stopped = began, last
			throttled := false
			for _, o := range s.obs {
				if o.role == roleRecovery && o.kind == kindThrottled {
					throttled = true
					break
				}
			}
			p.probing = throttled
			s.mu.Unlock()
			if !throttled || ctx.Err() != nil {
				return
			}
			phase.Store("recovery")
			deadline := w + time.Duration(recoveryGrace*float64(w)) + 2*w/probesPerWindow + s.o.Timeout/4
			_, _, err = s.drive(ctx, roleRecovery, roleRecovery+" probes", accts, probesPerWindow/w.Seconds(), deadline, func(o *observation) bool { return o.kind == kindAccepted })
			if err != nil {
				fail(err)
			}
		}()
	}

	snapshot := func(done bool) Progress {
		return Progress{Elapsed: time.Since(started), Planned: planned, Phase: phase.Load().(string),
			Requests: s.requests.Load(), Accepted: s.accepted.Load(), Throttled: s.throttled.Load(), Done: done}
	}
	var tick func()
	if s.o.Progress != nil {
		tick = func() { s.o.Progress(snapshot(false)) }
	}
	stopTicker := attack.Ticker(s.o.ProgressEvery, tick)
	wg.Wait()
	stopTicker()
	if s.o.Progress != nil {
		s.o.Progress(snapshot(true))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("throttle: %w", errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: interrupted: %w", ErrNoVerdict, err)
	}

	twoKeys := len(accounts[roleOverload]) > 1
	a := analyze(s.lim, s.o.Spec, s.obs, s.plans, twoKeys)
	rep := &Report{
		RateLimit:      s.lim.String(),
		EstimatedLimit: a.estimate,
		Uncertainty:    a.uncertainty,
		Algorithm:      a.algorithm,
		Checks:         a.checks,
		Requests:       len(s.obs),
		DurationSec:    math.Round(time.Since(started).Seconds()*10) / 10,
		limit:          s.lim,
		started:        started,
		results:        s.res,
		obs:            s.obs,
		roles:          roles,
		firstThrottle:  a.firstThrottle,
		windowEnd:      a.windowEnd,
		ended:          decidedAt,
	}
	switch {
	case a.noVerdict != "":
		rep.Verdict = verdict.Inconclusive
		s.noVerdict = a.noVerdict
	case len(rep.Failed()) > 0:
		rep.Verdict = verdict.Fail
	default:
		rep.Verdict = verdict.Pass
	}
	return rep, nil
}

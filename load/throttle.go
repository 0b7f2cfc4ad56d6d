package load

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// ErrNoVerdict: the throttle scenario could not measure (accounts could not be arranged, the target
// did not answer, the generator could not keep its plan). The CLI exits 3: no pass, no fail.
var ErrNoVerdict = errors.New("throttle: no verdict")

// ThrottleOptions configure the throttle scenario.
type ThrottleOptions struct {
	Target    string          // base URL of the implementation under test
	States    states.Arranger // arranges spec.StateFreshAccount (§3 endpoint or fixture profile)
	RateLimit spec.RateLimit  // the limit to verify (default: the spec's)
	Spec      *spec.Spec      // default spec.Default()
	Signature protocol.SignatureVersion
	Timeout   time.Duration // per request (default: W/20, at most 10s)
	// Progress, when set, is called about every ProgressEvery (default 250ms) and once at the end.
	Progress      func(ThrottleProgress)
	ProgressEvery time.Duration
}

// ThrottleProgress is a snapshot of a running scenario.
type ThrottleProgress struct {
	Elapsed, Planned time.Duration
	Phase            string
	Requests         uint64
	Accepted         uint64
	Throttled        uint64
	Done             bool
}

// ThrottleReport is the scenario's outcome: the §5 JSON report plus what the text summary and the
// report directory need.
type ThrottleReport struct {
	Verdict        Verdict `json:"verdict"` // VerdictInconclusive comes with ErrNoVerdict
	RateLimit      string  `json:"rate_limit"`
	EstimatedLimit float64 `json:"estimated_limit"`
	Uncertainty    float64 `json:"estimated_limit_uncertainty"`
	Algorithm      string  `json:"algorithm"`
	Checks         []Check `json:"checks"`
	Requests       int     `json:"requests"`
	DurationSec    float64 `json:"duration_seconds"`

	limit   spec.RateLimit
	started time.Time
	results []vegeta.Result // every result, URL redacted, in send order per attack
	obs     []*observation
	roles   []string
}

// Failed lists the checks that failed.
func (r *ThrottleReport) Failed() []Check {
	var f []Check
	for _, c := range r.Checks {
		if c.Status == CheckFail {
			f = append(f, c)
		}
	}
	return f
}

// account roles to arrange, in order of importance: the scenario needs the first.
var throttleRoles = []string{roleOverload, roleRecovery, roleBelow, roleIsolation}

// RunThrottle runs the throttle scenario: it arranges fresh accounts, drives them with the plan
// described at the top of throttle_analysis.go, and judges the answers. The error wraps
// ErrNoVerdict when the run cannot support a verdict; the report is returned whenever calls were
// made, so it can still be written.
func RunThrottle(ctx context.Context, o ThrottleOptions) (*ThrottleReport, error) {
	if o.Spec == nil {
		o.Spec = spec.Default()
	}
	if o.RateLimit.Calls == 0 {
		o.RateLimit = o.Spec.RateLimit()
	}
	lim := o.RateLimit
	if lim.Calls < 10 || lim.Window <= 0 {
		return nil, fmt.Errorf("throttle: rate limit %s: need at least 10 calls per window", lim)
	}
	if o.Signature == "" {
		o.Signature = protocol.SignatureV1
	}
	if o.States == nil {
		return nil, errors.New("throttle: no provider states to arrange fresh accounts with")
	}
	w := lim.Window
	if o.Timeout <= 0 {
		o.Timeout = min(10*time.Second, max(w/20, time.Second))
	}

	// Arrange the accounts.
	accounts := map[string][]Account{}
	var arranged []states.Values
	defer func() {
		// Teardown on a fresh context: the run's may be cancelled, the target's accounts still need freeing.
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, v := range arranged {
			_ = o.States.Teardown(tctx, spec.StateFreshAccount, v)
		}
	}()
	for i, role := range throttleRoles {
		v, err := o.States.Setup(ctx, spec.StateFreshAccount)
		if err == nil {
			err = v.Require(states.AccessKeyID, states.AccessKeySecret, states.ClusterID, states.JobID)
			arranged = append(arranged, v)
		}
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("%w: arranging %q: %w", ErrNoVerdict, spec.StateFreshAccount, err)
			}
			break // fewer accounts: the checks that need them are skipped with the reason
		}
		accounts[role] = []Account{{Name: role, Credentials: protocol.Credentials{AccessKeyID: v[states.AccessKeyID], AccessKeySecret: v[states.AccessKeySecret]}, ClusterID: v[states.ClusterID], JobID: v[states.JobID]}}
		if role == roleOverload && v[states.AccessKeyID2] != "" && v[states.AccessKeySecret2] != "" {
			a2 := accounts[role][0]
			a2.Name = role + ".key2"
			a2.Credentials = protocol.Credentials{AccessKeyID: v[states.AccessKeyID2], AccessKeySecret: v[states.AccessKeySecret2]}
			accounts[role] = append(accounts[role], a2)
		}
	}

	r := &scenario{o: o, lim: lim, cls: NewClassifier(o.Spec), plans: map[string]*attackPlan{}, rateHeaders: o.Spec.RateLimitHeaders()}
	rep, err := r.run(ctx, accounts)
	if err != nil {
		return rep, err
	}
	if rep.Verdict == VerdictInconclusive {
		return rep, fmt.Errorf("%w: %s", ErrNoVerdict, r.noVerdict)
	}
	return rep, nil
}

type scenario struct {
	o     ThrottleOptions
	lim   spec.RateLimit
	cls   *Classifier
	mu    sync.Mutex
	plans map[string]*attackPlan
	obs   []*observation
	res   []vegeta.Result

	rateHeaders []string // the spec's rate-limit headers, the API's own first

	requests, accepted, throttled atomic.Uint64
	noVerdict                     string
}

func (s *scenario) attacker() *vegeta.Attacker {
	return vegeta.NewAttacker(
		vegeta.Workers(8),
		// A bound: a target slower than the plan shows as lateness (no verdict), not as a
		// runaway number of connections.
		vegeta.MaxWorkers(512),
		vegeta.Timeout(s.o.Timeout),
		vegeta.MaxBody(16<<10),
		vegeta.KeepAlive(true),
		// A redirect is the target's answer: following it would send signed calls elsewhere.
		vegeta.Redirects(vegeta.NoFollow),
	)
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
	case out.Class == ClassThrottled:
		o.kind = kindThrottled
	case out.Code == CodeNone:
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
	Redact(r)    // the URL's query and any quoted in the error: a V1 GET carries its Signature there
	r.Body = nil // answers are small but many; the codes are in the observations
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
	return ok && e.Source == spec.SourceCommon && !s.cls.throttling[code]
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
func (s *scenario) drive(ctx context.Context, role, name string, accts []Account, rate float64, du time.Duration, stop func(*observation) bool) (began, last time.Time, err error) {
	tr, err := NewTargeter(s.o.Target, accts, WithSignature(s.o.Signature), WithSpec(s.o.Spec))
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.name()
	}
	atk := s.attacker()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	// Paced per window: Freq calls per W is exact for any limit, where per second would round.
	freq := max(1, int(math.Round(rate*s.lim.Window.Seconds())))
	began = time.Now()
	for r := range atk.Attack(tr, vegeta.ConstantPacer{Freq: freq, Per: s.lim.Window}, du, name) {
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		o := s.record(role, names, r)
		if stop != nil && stop(o) {
			atk.Stop()
		}
	}
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

func (s *scenario) run(ctx context.Context, accounts map[string][]Account) (*ThrottleReport, error) {
	n, w := float64(s.lim.Calls), s.lim.Window
	perSec := n / w.Seconds()
	span := time.Duration(overloadWindows * float64(w))
	planned := span + w/5
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
	constant := func(role string, factor float64) {
		accts, ok := accounts[role]
		if !ok {
			return
		}
		p := s.plan(role, factor*perSec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			began, last, err := s.drive(ctx, role, role, accts, p.rate, span, nil)
			if err != nil {
				fail(err)
			}
			s.mu.Lock()
			p.began, p.stopped = began, last
			s.mu.Unlock()
		}()
	}
	constant(roleOverload, overloadFactor)
	constant(roleBelow, belowFactor)
	constant(roleIsolation, isolationFactor)
	if accts, ok := accounts[roleRecovery]; ok {
		p := s.plan(roleRecovery, overloadFactor*perSec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Overload until the first throttled answer (at most 2W), then probe until served.
			began, last, err := s.drive(ctx, roleRecovery, roleRecovery, accts, p.rate, 2*w, func(o *observation) bool { return o.kind == kindThrottled })
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

	// Progress.
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	snapshot := func(done bool) ThrottleProgress {
		return ThrottleProgress{Elapsed: time.Since(started), Planned: planned, Phase: phase.Load().(string),
			Requests: s.requests.Load(), Accepted: s.accepted.Load(), Throttled: s.throttled.Load(), Done: done}
	}
	go func() {
		defer close(progressDone)
		if s.o.Progress == nil {
			return
		}
		every := s.o.ProgressEvery
		if every <= 0 {
			every = 250 * time.Millisecond
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.o.Progress(snapshot(false))
			case <-stopProgress:
				return
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	<-progressDone
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
	rep := &ThrottleReport{
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
		roles:          throttleRoles,
	}
	switch {
	case a.noVerdict != "":
		rep.Verdict = VerdictInconclusive
		s.noVerdict = a.noVerdict
	case len(rep.Failed()) > 0:
		rep.Verdict = VerdictFail
	default:
		rep.Verdict = VerdictPass
	}
	return rep, nil
}

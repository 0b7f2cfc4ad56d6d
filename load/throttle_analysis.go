package load

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/spec"
)

// The bounds the throttle scenario holds a target to, for a limit of N calls per window W.
//
// Notation: the overloaded account is offered r = 2N/W calls, evenly paced, for 2.5W. t_f is the
// decision time of its first throttled answer, "accepted(I)" the accepted calls whose decision time
// (send time + latency/2) falls in I, tol = max(2, 3% of N), and u(e) the calls whose side of an
// edge e is uncertain: those whose span from the earlier of planned and actual send time to the end
// of the round trip contains e (the server decided somewhere in the round trip; a late call and its
// catch-up may have crossed the edge). A window's certain count is accepted(I) − u(start) − u(end).
//
// Every correct limiter admits, under that constant overload:
//
//   - fixed window (epoch or first call): the window holding t_f is full; each later window fills
//     in its first N/r = W/2 and refuses the rest, so any interval of length W starting at or after
//     t_f holds exactly N (the tail of one window plus the head of the next add up to N);
//   - sliding log: the N calls admitted before t_f expire one by one, each freeing one slot: any
//     W-interval from t_f on holds N;
//   - token bucket or GCRA with any burst b ≤ N: at t_f the bucket is empty and refills N per W:
//     any W-interval from t_f on holds at most N+1;
//   - sliding window counter: at most N per W-interval from t_f on; after the (epoch) window that
//     holds t_f ends it admits N/W uniformly, before that it may admit less.
//
// Hence the checks:
//
//	over-admission:  certain([s, s+W)) ≤ N + tol      for every s ≥ t_f, and
//	                 certain([s, s+W)) ≤ 2N + tol     for every s (the initial burst adds ≤ N)
//	under-admission: accepted([E-W, E)) + u(E-W) + u(E) + unanswered ≥ N − tol   (E: the
//	                 overload's last throttled answer, when the limiter was full: a sliding log then
//	                 holds N calls of (E-W, E], a fixed window N of [start, E), an empty bucket
//	                 admitted N in (E-W, E]; a steady sliding window counter about N. All are
//	                 steady by then: t_f ≤ W at r = 2N/W, the counter's transient ends by 1.5W)
//
// A limit 10% off moves the steady count by 0.1N, more than tol plus the measured window's
// uncertainty, which the generator check keeps within 4% of N (else: no verdict).
//
// The other accounts, started with the overload: one at 0.8N per window (below-limit: never
// throttled by any algorithm above; a GCRA of burst 1 only while the generator's jitter stays under
// 0.25 W/N, a burst of 2 or more tolerates a full interval), one at N/4 (isolation: no throttled
// answer while the overload is throttled), and one driven at 2N/W until its first throttled answer,
// then probed W/40 apart (recovery: served again within W plus 10%, a probe interval and a latency).
// At 2N/W every correct algorithm throttles by t_f ≤ W: a bucket of burst N empties in W; a fixed
// or sliding window started at offset o fills W/2 later if o ≤ W/2, else W/2 into the next window.
// The run takes 2.5W plus set-up: 6000/1m ends in under three minutes.
const (
	overloadFactor  = 2.0  // the overloaded accounts are offered 2N per window
	overloadWindows = 2.5  // for 2.5 windows
	belowFactor     = 0.8  // the below-limit account: 80% of N
	isolationFactor = 0.25 // the isolation account: a quarter of N
	tolerance       = 0.03 // of N, beyond the calls whose window is uncertain
	recoveryGrace   = 0.10 // of W, beyond the one window a throttle may last after the load stops
	probesPerWindow = 40   // recovery probes
)

// Roles of the accounts the scenario drives.
const (
	roleOverload  = "overload"    // driven at 2N/W for 2.5W: admission, keying, estimate
	roleRecovery  = "recovery"    // driven at 2N/W until throttled, then probed until served
	roleIsolation = "isolation"   // N/4 per window, must pass while the overload is throttled
	roleBelow     = "below-limit" // 0.8N per window, must never be throttled
)

// answerKind is what one call's answer means for the scenario.
type answerKind uint8

const (
	kindAccepted  answerKind = iota // passed the throttle: any well-formed answer but a throttle or gateway rejection
	kindThrottled                   // Code is one of the spec's throttling codes
	kindRejected                    // rejected before the throttle (signature, nonce, key ...): not counted
	kindMalformed                   // an HTTP answer without a readable Code
	kindTransport                   // no answer
)

// observation is one call as the analysis sees it.
type observation struct {
	role      string
	key       int // which AccessKey of the account (0, or 1 for its second key)
	seq       uint64
	sent      time.Time
	latency   time.Duration
	status    uint16
	code      string
	kind      answerKind
	requestID string
	rl        *rateHeader // nil when the answer has no rate-limit header
	rlErr     string      // a header that does not parse
}

// at is the call's estimated decision time: the middle of its round trip.
func (o *observation) at() time.Time { return o.sent.Add(o.latency / 2) }

// rateHeader is x-ratelimit-user-api: "Limit:6000,Remain:0,TimeLeft:<ms>,Reset:<unix s>".
type rateHeader struct {
	Limit, Remain int
	TimeLeft      time.Duration
	Reset         int64
}

func parseRateHeader(v string) (*rateHeader, error) {
	h := &rateHeader{}
	seen := map[string]bool{}
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) != k || strings.TrimSpace(val) != val {
			return nil, fmt.Errorf("%q: want Key:Value pairs joined by ',' without spaces", v)
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %s is not an integer", v, k)
		}
		seen[k] = true
		switch k {
		case "Limit":
			h.Limit = int(n)
		case "Remain":
			h.Remain = int(n)
		case "TimeLeft":
			h.TimeLeft = time.Duration(n) * time.Millisecond
		case "Reset":
			h.Reset = n
		}
	}
	for _, k := range []string{"Limit", "Remain", "TimeLeft"} {
		if !seen[k] {
			return nil, fmt.Errorf("%q: no %s", v, k)
		}
	}
	return h, nil
}

// attackPlan is what one account's generator was asked to do.
type attackPlan struct {
	role     string
	rate     float64 // calls per second
	began    time.Time
	stopped  time.Time // when the load ended (the last call sent); zero if never started
	probing  bool      // recovery probes follow the load
	keyNames []string
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// Check statuses, as the JSON report spells them.
const (
	CheckPass    CheckStatus = "pass"
	CheckFail    CheckStatus = "fail"
	CheckSkipped CheckStatus = "skipped"
)

// Check is one named finding of the scenario.
type Check struct {
	Name    string      `json:"name"`
	Status  CheckStatus `json:"status"`
	Message string      `json:"message"`
}

// The checks' names, in report order.
const (
	CheckGenerator      = "generator"
	CheckOverAdmission  = "over-admission"
	CheckUnderAdmission = "under-admission"
	CheckBelowLimit     = "below-limit"
	CheckIsolation      = "isolation"
	CheckRecovery       = "recovery"
	CheckShape          = "shape"
	CheckKeying         = "keying"
)

// analysis is the scenario's findings, computed from the observations by analyze.
type analysis struct {
	checks        []Check
	estimate      float64 // calls per window, from the overload's last window
	uncertainty   float64
	algorithm     string
	noVerdict     string // why the generator's own measurement invalidates the run; "" if it holds
	firstThrottle time.Time
}

type analyzer struct {
	limit    spec.RateLimit
	spec     *spec.Spec
	obs      map[string][]*observation // by role, sorted by decision time
	plans    map[string]*attackPlan
	twoKeys  bool
	tol      int        // max(2, 3% of N)
	inflight int        // calls the overload sends during a p99 latency (header checks)
	amb      *ambiguity // the overload's calls whose window is uncertain
	measEnd  time.Time  // end of the measured window: just after the overload's last decision
	ambLast  int        // uncertain calls at the measured window's start
	lostLast int        // unanswered calls in the measured window
	a        analysis
}

// analyze runs every check over the observations. It never fails: a check that cannot be judged
// is skipped with the reason, and a generator that did not keep its plan sets noVerdict.
func analyze(limit spec.RateLimit, s *spec.Spec, obs []*observation, plans map[string]*attackPlan, twoKeys bool) analysis {
	z := &analyzer{limit: limit, spec: s, obs: map[string][]*observation{}, plans: plans, twoKeys: twoKeys}
	for _, o := range obs {
		z.obs[o.role] = append(z.obs[o.role], o)
	}
	for _, os := range z.obs {
		sort.SliceStable(os, func(i, j int) bool { return os[i].at().Before(os[j].at()) })
	}
	z.generator()
	z.overload()
	z.below()
	z.isolation()
	z.recovery()
	z.shape()
	z.keying()
	z.a.algorithm = z.algorithm()
	order := []string{CheckGenerator, CheckOverAdmission, CheckUnderAdmission, CheckBelowLimit, CheckIsolation, CheckRecovery, CheckShape, CheckKeying}
	sort.SliceStable(z.a.checks, func(i, j int) bool {
		return slices.Index(order, z.a.checks[i].Name) < slices.Index(order, z.a.checks[j].Name)
	})
	return z.a
}

func (z *analyzer) add(name string, st CheckStatus, format string, args ...any) {
	z.a.checks = append(z.a.checks, Check{Name: name, Status: st, Message: fmt.Sprintf(format, args...)})
}

func (z *analyzer) n() int           { return z.limit.Calls }
func (z *analyzer) w() time.Duration { return z.limit.Window }
func (z *analyzer) ws() string       { return windowOf(z.limit.String()) }

// generator checks the harness's own sending: every account's rate kept, answers received, no
// call rejected before the throttle, and the measured window's edge sharp enough (u(E−W) plus its
// unanswered calls within 4% of N) for the counts to tell a limit 10% off. Otherwise: no verdict.
func (z *analyzer) generator() {
	var msgs, problems []string
	var lat []time.Duration
	var lateP99 time.Duration
	total, transport := 0, 0
	for _, role := range []string{roleOverload, roleRecovery, roleBelow, roleIsolation} {
		p, os := z.plans[role], z.obs[role]
		if p == nil || len(os) == 0 {
			continue
		}
		var late []time.Duration
		sent := 0
		last := time.Time{}
		for _, o := range os {
			total++
			if o.kind == kindTransport {
				transport++
			} else {
				lat = append(lat, o.latency)
			}
			if p.probing && o.sent.After(p.stopped) {
				continue // recovery probes have their own pace
			}
			sent++
			// vegeta's constant pacer sends call k at (k+1) intervals after the attack began.
			planned := p.began.Add(time.Duration(float64(o.seq+1) / p.rate * float64(time.Second)))
			late = append(late, o.sent.Sub(planned))
			if o.sent.After(last) {
				last = o.sent
			}
		}
		span := last.Sub(p.began)
		if sent < 2 || span <= 0 {
			continue
		}
		got := float64(sent) / span.Seconds()
		ratio := got / p.rate
		p99 := quantile(late, 0.99)
		if role == roleOverload || role == roleRecovery {
			lateP99 = max(lateP99, p99)
		}
		msgs = append(msgs, fmt.Sprintf("%s %.1f/s", role, got))
		if ratio < 0.95 || ratio > 1.05 {
			problems = append(problems, fmt.Sprintf("%s sent %.1f/s, plan %.1f/s", role, got, p.rate))
		}
	}
	latP99 := quantile(lat, 0.99)
	z.inflight = int(math.Ceil(overloadFactor * z.limit.PerSecond() * latP99.Seconds()))
	z.tol = max(2, int(math.Ceil(tolerance*float64(z.n()))))
	if total == 0 {
		problems = append(problems, "no call was made")
	} else if float64(transport) > 0.01*float64(total) {
		problems = append(problems, fmt.Sprintf("%d of %d calls got no answer", transport, total))
	}
	if p := z.plans[roleOverload]; p != nil && len(z.obs[roleOverload]) > 0 {
		os := z.obs[roleOverload]
		z.amb = newAmbiguity(os, p)
		// The measured window ends at the overload's last throttled answer: the limiter was full
		// then, whatever the generator did just before (a stall near the end leaves slots free).
		// Without any throttled answer it ends after the last decision.
		var lastThrottled time.Time
		for _, o := range os {
			e := o.at().Add(time.Nanosecond)
			if e.After(z.measEnd) {
				z.measEnd = e
			}
			if o.kind == kindThrottled && e.After(lastThrottled) {
				lastThrottled = e
			}
		}
		if !lastThrottled.IsZero() {
			z.measEnd = lastThrottled
		}
		from := z.measEnd.Add(-z.w())
		z.ambLast = z.amb.at(from) + z.amb.at(z.measEnd)
		for _, o := range os {
			if o.kind == kindTransport && !o.sent.Before(from) && o.sent.Before(z.measEnd) {
				z.lostLast++
			}
		}
		if u := z.ambLast + z.lostLast; float64(u) > 0.04*float64(z.n()) {
			problems = append(problems, fmt.Sprintf("%d calls at the edge of the measured window were late or slow and %d got no answer: ±%d is more than 4%% of %d, a limit 10%% off could pass",
				z.ambLast, z.lostLast, u, z.n()))
		}
	}
	rejected := 0
	for _, o := range z.all() {
		if o.kind == kindRejected {
			rejected++
		}
	}
	if rejected > 0 {
		problems = append(problems, fmt.Sprintf("%d calls were rejected before the throttle (%s): nothing to measure", rejected, firstCode(z.all(), kindRejected)))
	}
	summary := fmt.Sprintf("sent %s as planned; p99 latency %s, p99 lateness %s, %d without answer; measured window ±%d",
		strings.Join(msgs, ", "), latP99.Round(100*time.Microsecond), max(lateP99, 0).Round(100*time.Microsecond), transport, z.ambLast+z.lostLast)
	if len(problems) > 0 {
		z.a.noVerdict = strings.Join(problems, "; ")
		z.add(CheckGenerator, CheckFail, "plan not kept, no verdict: %s", z.a.noVerdict)
		return
	}
	z.add(CheckGenerator, CheckPass, "%s", summary)
}

// planBroken records that the generator did not keep its plan: the run gives no verdict.
func (z *analyzer) planBroken(why string) {
	if z.a.noVerdict == "" {
		z.a.noVerdict = why
	} else {
		z.a.noVerdict += "; " + why
	}
	for i := range z.a.checks {
		if z.a.checks[i].Name == CheckGenerator {
			z.a.checks[i] = Check{Name: CheckGenerator, Status: CheckFail, Message: "plan not kept, no verdict: " + z.a.noVerdict}
		}
	}
}

func (z *analyzer) all() []*observation {
	var all []*observation
	for _, os := range z.obs {
		all = append(all, os...)
	}
	return all
}

func firstCode(os []*observation, k answerKind) string {
	for _, o := range os {
		if o.kind == k {
			return fmt.Sprintf("%d %s", o.status, o.code)
		}
	}
	return ""
}

// acceptedTimes returns the decision times of accepted calls of os, in order.
func acceptedTimes(os []*observation, keep func(*observation) bool) []time.Time {
	var ts []time.Time
	for _, o := range os {
		if o.kind == kindAccepted && (keep == nil || keep(o)) {
			ts = append(ts, o.at())
		}
	}
	return ts
}

// ambiguity holds, for each of the overload's calls, the span over which its window is uncertain:
// from the earlier of its planned and actual send times (a late call may have crossed an edge)
// to the end of its round trip (the server decided somewhere in it).
type ambiguity struct{ lo, hi []int64 }

func newAmbiguity(os []*observation, p *attackPlan) *ambiguity {
	a := &ambiguity{}
	for _, o := range os {
		planned := p.began.Add(time.Duration(float64(o.seq+1) / p.rate * float64(time.Second)))
		lo := o.sent
		if planned.Before(lo) {
			lo = planned
		}
		a.lo = append(a.lo, lo.UnixNano())
		a.hi = append(a.hi, o.sent.Add(o.latency).UnixNano())
	}
	slices.Sort(a.lo)
	slices.Sort(a.hi)
	return a
}

// at counts the calls whose span contains e: their side of an edge at e is uncertain.
func (a *ambiguity) at(e time.Time) int {
	if a == nil {
		return 0
	}
	x := e.UnixNano()
	below := func(v []int64) int { n, _ := slices.BinarySearch(v, x); return n }
	return below(a.lo) - below(a.hi)
}

// worstWindow is, over the windows [s, s+w) that start at an accepted time s ≥ from (ts sorted),
// the largest count less the uncertain calls at its two edges, with that window's raw count.
func (z *analyzer) worstWindow(ts []time.Time, w time.Duration, from time.Time) (adjusted, raw int) {
	adjusted = math.MinInt
	for j, s := range ts {
		if s.Before(from) {
			continue
		}
		k, _ := slices.BinarySearchFunc(ts[j:], s.Add(w), func(t, target time.Time) int { return t.Compare(target) })
		if a := k - z.amb.at(s) - z.amb.at(s.Add(w)); a > adjusted {
			adjusted, raw = a, k
		}
	}
	if adjusted == math.MinInt {
		adjusted = 0
	}
	return adjusted, raw
}

func countIn(ts []time.Time, from, to time.Time) int {
	n := 0
	for _, t := range ts {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

func firstOf(os []*observation, k answerKind) *observation {
	for _, o := range os {
		if o.kind == k {
			return o
		}
	}
	return nil
}

// overload judges the overloaded account: over- and under-admission and the estimate.
func (z *analyzer) overload() {
	os, p := z.obs[roleOverload], z.plans[roleOverload]
	if len(os) == 0 || p == nil {
		z.add(CheckOverAdmission, CheckSkipped, "no overload was run")
		z.add(CheckUnderAdmission, CheckSkipped, "no overload was run")
		return
	}
	n, w := z.n(), z.w()
	acc := acceptedTimes(os, nil)
	// The estimate: the overload's last window, when every correct algorithm is steady. Calls at
	// its start whose side is uncertain, and calls in it that got no answer (they may have been
	// admitted), make its uncertainty.
	end := z.measEnd
	last := countIn(acc, end.Add(-w), end)
	u := z.ambLast + z.lostLast
	z.a.estimate = float64(last)
	z.a.uncertainty = float64(u)

	first := firstOf(os, kindThrottled)
	whole, wholeRaw := z.worstWindow(acc, w, time.Time{})
	if first == nil {
		z.add(CheckOverAdmission, CheckFail, "never throttled at %.0f× the limit: up to %d accepted in one %s window (limit %d)", overloadFactor, wholeRaw, z.ws(), n)
	} else {
		tf := first.at()
		z.a.firstThrottle = tf
		after, afterRaw := z.worstWindow(acc, w, tf)
		burst := countIn(acc, time.Time{}, tf)
		switch {
		case after > n+z.tol:
			z.add(CheckOverAdmission, CheckFail, "%d accepted in one %s window after the first throttled answer, %d of them certainly (limit %d, tolerance +%d)", afterRaw, z.ws(), after, n, z.tol)
		case whole > 2*n+z.tol:
			z.add(CheckOverAdmission, CheckFail, "%d accepted in one %s window including the initial burst, %d of them certainly (at most 2×%d, tolerance +%d)", wholeRaw, z.ws(), whole, n, z.tol)
		default:
			z.add(CheckOverAdmission, CheckPass, "at most %d accepted per %s window after the first throttled answer (%d accepted before it), limit %d +%d", after, z.ws(), burst, n, z.tol)
		}
	}
	if last+u < n-z.tol {
		z.add(CheckUnderAdmission, CheckFail, "only %d±%d accepted in the last %s window of sustained overload (limit %d, tolerance −%d): throttling early", last, u, z.ws(), n, z.tol)
	} else {
		z.add(CheckUnderAdmission, CheckPass, "%d±%d accepted in the last %s window of sustained overload (limit %d −%d)", last, u, z.ws(), n, z.tol)
	}
}

// below: an account at 80% of the limit is never throttled.
func (z *analyzer) below() {
	os := z.obs[roleBelow]
	if len(os) == 0 {
		z.add(CheckBelowLimit, CheckSkipped, "no second fresh account for the below-limit load")
		return
	}
	thr, acc := 0, 0
	var first *observation
	for _, o := range os {
		switch o.kind {
		case kindThrottled:
			thr++
			if first == nil {
				first = o
			}
		case kindAccepted:
			acc++
		}
	}
	if thr > 0 {
		// Did the generator keep 80%? A stall and its catch-up can crowd a window: count what was
		// actually offered in the window before each throttled answer.
		var all []time.Time
		for _, o := range os {
			all = append(all, o.at())
		}
		for _, o := range os {
			if o.kind != kindThrottled {
				continue
			}
			if offered := countIn(all, o.at().Add(-z.w()), o.at().Add(time.Nanosecond)); offered >= z.n()-z.tol {
				z.planBroken(fmt.Sprintf("the below-limit account was offered %d calls in one %s window (plan %.0f)", offered, z.ws(), belowFactor*float64(z.n())))
				z.add(CheckBelowLimit, CheckSkipped, "the generator crowded %d calls into one window: throttling them proves nothing", offered)
				return
			}
		}
		z.add(CheckBelowLimit, CheckFail, "%d of %d calls throttled at %.0f%% of the limit (first after %s)", thr, len(os), 100*belowFactor, first.at().Sub(z.plans[roleBelow].began).Round(time.Millisecond))
		return
	}
	z.add(CheckBelowLimit, CheckPass, "%d calls at %.0f%% of the limit, none throttled", acc, 100*belowFactor)
}

// isolation: while the overloaded account is throttled, another account's calls pass.
func (z *analyzer) isolation() {
	os := z.obs[roleIsolation]
	switch {
	case len(os) == 0:
		z.add(CheckIsolation, CheckSkipped, "no second fresh account for the isolation load")
		return
	case z.a.firstThrottle.IsZero():
		z.add(CheckIsolation, CheckSkipped, "the overloaded account was never throttled")
		return
	}
	from, to := z.a.firstThrottle, z.plans[roleOverload].stopped
	thr, acc := 0, 0
	for _, o := range os {
		if o.at().Before(from) || !o.at().Before(to) {
			continue
		}
		switch o.kind {
		case kindThrottled:
			thr++
		case kindAccepted:
			acc++
		}
	}
	switch {
	case thr > 0:
		z.add(CheckIsolation, CheckFail, "another account was throttled %d times (%d accepted) while the overloaded one was: the limit is not per account", thr, acc)
	case acc == 0:
		z.add(CheckIsolation, CheckFail, "another account got no call through while the overloaded one was throttled")
	default:
		z.add(CheckIsolation, CheckPass, "another account: %d calls accepted, none throttled, while the overloaded one was throttled", acc)
	}
}

// recovery: after the load stops, the throttled account is served again within one window.
func (z *analyzer) recovery() {
	os, p := z.obs[roleRecovery], z.plans[roleRecovery]
	if len(os) == 0 || p == nil {
		z.add(CheckRecovery, CheckSkipped, "no second fresh account for the recovery load")
		return
	}
	if !p.probing {
		z.add(CheckRecovery, CheckSkipped, "the recovery account was never throttled")
		return
	}
	probe := z.w() / probesPerWindow
	lat := quantile(latencies(os), 0.99)
	deadline := z.w() + time.Duration(recoveryGrace*float64(z.w())) + probe + lat
	probes := 0
	for _, o := range os {
		if !o.sent.After(p.stopped) {
			continue
		}
		probes++
		if o.kind == kindAccepted {
			took := o.at().Sub(p.stopped)
			if took > deadline {
				z.add(CheckRecovery, CheckFail, "served again only %s after the load stopped (window %s)", took.Round(time.Millisecond), z.ws())
				return
			}
			z.add(CheckRecovery, CheckPass, "served again %s after the load stopped (window %s)", took.Round(time.Millisecond), z.ws())
			return
		}
	}
	z.add(CheckRecovery, CheckFail, "still not served %s after the load stopped (%d probes, window %s): the throttle does not lift", deadline.Round(time.Millisecond), probes, z.ws())
}

func latencies(os []*observation) []time.Duration {
	var l []time.Duration
	for _, o := range os {
		if o.kind != kindTransport {
			l = append(l, o.latency)
		}
	}
	return l
}

// throttleError is the spec's documented throttling answer (Throttling.User, 400).
func (z *analyzer) throttleError() (spec.ErrorCode, bool) {
	for _, c := range z.spec.ThrottlingCodes() {
		if e, ok := z.spec.Error(c); ok {
			return e, true
		}
	}
	return spec.ErrorCode{}, false
}

// shape: throttled answers carry the documented code, status and a RequestId; no answer is
// unexpected; rate-limit headers, where present, are consistent.
func (z *analyzer) shape() {
	want, ok := z.throttleError()
	var problems []string
	counts := map[string]int{}
	throttled, unexpected := 0, map[string]int{}
	for _, o := range z.all() {
		switch {
		case o.kind == kindThrottled:
			throttled++
			if ok && (o.code != want.Code || int(o.status) != want.Status) {
				counts[fmt.Sprintf("%d %s", o.status, o.code)]++
			}
			if !z.spec.RequestIDPattern().MatchString(o.requestID) {
				counts["RequestId "+strconv.Quote(o.requestID)]++
			}
		case o.kind == kindMalformed:
			unexpected[fmt.Sprintf("%d without a Code", o.status)]++
		case o.kind == kindAccepted && (o.status >= 500 || !z.known(o)):
			unexpected[fmt.Sprintf("%d %s", o.status, o.code)]++
		}
	}
	for k, c := range counts {
		problems = append(problems, fmt.Sprintf("%d throttled answers with %s (want %d %s and an upper-case UUID RequestId)", c, k, want.Status, want.Code))
	}
	for k, c := range unexpected {
		problems = append(problems, fmt.Sprintf("%d answers %s, neither accepted nor throttled as documented", c, k))
	}
	hdr, hdrMsg := z.headers()
	problems = append(problems, hdr...)
	sort.Strings(problems)
	if len(problems) > 0 {
		z.add(CheckShape, CheckFail, "%s", strings.Join(problems, "; "))
		return
	}
	if throttled == 0 {
		z.add(CheckShape, CheckSkipped, "no throttled answer to look at%s", hdrMsg)
		return
	}
	z.add(CheckShape, CheckPass, "%d throttled answers: %d %s with a RequestId%s", throttled, want.Status, want.Code, hdrMsg)
}

// known: a success or a code of the spec that may follow the throttle.
func (z *analyzer) known(o *observation) bool {
	if o.code == spec.CodeOK {
		return true
	}
	e, ok := z.spec.Error(o.code)
	return ok && e.Source == spec.SourcePage
}

// headers checks the rate-limit headers where present: the announced Limit, Remain within
// [0, Limit] and 0 on throttled answers, TimeLeft within the window, Remain falling during the
// overload's initial burst (allowing for refill and calls in flight).
func (z *analyzer) headers() (problems []string, summary string) {
	n, w := z.n(), z.w()
	seen, bad := 0, map[string]int{}
	example := map[string]string{}
	note := func(k, ex string) {
		bad[k]++
		if _, ok := example[k]; !ok {
			example[k] = ex
		}
	}
	for _, o := range z.all() {
		if o.rlErr != "" {
			note("unparsable", o.rlErr)
			continue
		}
		h := o.rl
		if h == nil || (o.kind != kindAccepted && o.kind != kindThrottled) {
			continue
		}
		seen++
		ex := fmt.Sprintf("Limit:%d,Remain:%d,TimeLeft:%d", h.Limit, h.Remain, h.TimeLeft.Milliseconds())
		switch {
		case h.Limit != n:
			note(fmt.Sprintf("Limit other than %d", n), ex)
		case h.Remain < 0 || h.Remain > h.Limit:
			note("Remain outside [0, Limit]", ex)
		case o.kind == kindThrottled && h.Remain != 0:
			note("throttled with Remain > 0", ex)
		case o.kind == kindThrottled && (h.TimeLeft <= 0 || h.TimeLeft > w+w/10):
			note("throttled with TimeLeft outside (0, W]", ex)
		case o.kind == kindAccepted && (h.TimeLeft < 0 || h.TimeLeft > 2*w):
			// A sliding window counter is whole again only after two windows.
			note("TimeLeft outside [0, 2W]", ex)
		}
	}
	if seen == 0 && len(bad) == 0 {
		return nil, "; no rate-limit headers"
	}
	// Remain falling: over the overload's accepted calls before its first throttle. Answers are
	// ordered by estimated decision time, which noise may swap, and a window may turn inside the
	// burst: a few rises are allowed, a trend is not.
	rises, pairs, firstRemain := 0, 0, -1
	var before []int
	var prev *observation
	for _, o := range z.obs[roleOverload] {
		if !z.a.firstThrottle.IsZero() && !o.at().Before(z.a.firstThrottle) {
			break
		}
		if o.kind != kindAccepted || o.rl == nil {
			continue
		}
		if prev != nil {
			pairs++
			refill := float64(n) * o.at().Sub(prev.at()).Seconds() / w.Seconds()
			if float64(o.rl.Remain-prev.rl.Remain) > refill+1+float64(z.inflight) {
				rises++
			}
		} else {
			firstRemain = o.rl.Remain
		}
		before = append(before, o.rl.Remain)
		prev = o
	}
	if pairs >= 10 {
		// The lowest Remain among the last answers before the first throttle (or the end).
		tail := before[max(0, len(before)-1-z.inflight):]
		lowest := slices.Min(tail)
		switch {
		case rises*10 > pairs:
			note("Remain rising during the initial burst", fmt.Sprintf("%d rises in %d answers", rises, pairs+1))
		case !z.a.firstThrottle.IsZero() && lowest > z.tol+z.inflight:
			note("Remain far from 0 when the throttle began", fmt.Sprintf("Remain %d just before the first throttled answer", lowest))
		case z.a.firstThrottle.IsZero() && lowest >= firstRemain:
			note("Remain not falling", fmt.Sprintf("Remain %d then %d", firstRemain, lowest))
		}
	}
	for k, c := range bad {
		problems = append(problems, fmt.Sprintf("rate-limit header: %d× %s (e.g. %s)", c, k, example[k]))
	}
	return problems, fmt.Sprintf("; rate-limit headers consistent on %d answers", seen)
}

// keying: the two keys of one account share its limit.
func (z *analyzer) keying() {
	if !z.twoKeys {
		z.add(CheckKeying, CheckSkipped, "the fresh account came with one AccessKey (no AccessKeyId2)")
		return
	}
	os, p := z.obs[roleOverload], z.plans[roleOverload]
	if len(os) == 0 || p == nil {
		z.add(CheckKeying, CheckSkipped, "no overload was run")
		return
	}
	w, n := z.w(), z.n()
	var acc [2]int
	var thr [2]int
	from := z.measEnd.Add(-w)
	for _, o := range os {
		if o.key > 1 {
			continue
		}
		if o.kind == kindThrottled {
			thr[o.key]++
		}
		if o.kind == kindAccepted && !o.at().Before(from) && o.at().Before(z.measEnd) {
			acc[o.key]++
		}
	}
	total := acc[0] + acc[1]
	switch {
	case total-z.ambLast > n+z.tol:
		z.add(CheckKeying, CheckFail, "the account's two keys got %d and %d calls through in one %s window, %d together (limit %d per account): limited per key", acc[0], acc[1], z.ws(), total, n)
	default:
		// Either key alone may take the throttled answers: a shared limit owes no fairness between keys.
		z.add(CheckKeying, CheckPass, "two keys of one account shared the limit: %d + %d = %d in the last %s window (throttled %d and %d)", acc[0], acc[1], total, z.ws(), thr[0], thr[1])
	}
}

// algorithm names what the overload's accepted calls look like. Windowed limiters (fixed window,
// sliding log) admit in bursts at the offered rate and then nothing until the window turns; smooth
// ones (token bucket, GCRA, sliding window counter) admit about N/W all the time.
func (z *analyzer) algorithm() string {
	os, p := z.obs[roleOverload], z.plans[roleOverload]
	tf := z.a.firstThrottle
	if len(os) == 0 || p == nil || tf.IsZero() {
		return "unknown (never throttled)"
	}
	w := z.w()
	acc := acceptedTimes(os, nil)
	from := z.measEnd.Add(-w)
	bins := make([]int, 20)
	for _, t := range acc {
		if !t.Before(from) && t.Before(z.measEnd) {
			bins[min(19, int(t.Sub(from)*20/w))]++
		}
	}
	empty := 0
	for _, b := range bins {
		if b == 0 {
			empty++
		}
	}
	start := acc[0]
	before := countIn(acc, time.Time{}, tf)
	burst := float64(before) - float64(z.n())*tf.Sub(start).Seconds()/w.Seconds()
	if empty >= 5 {
		// Windowed: where does a burst of admissions start? After the longest gap in the last window.
		var gapEnd time.Time
		longest := time.Duration(0)
		for i := 1; i < len(acc); i++ {
			if acc[i].Before(from) {
				continue
			}
			if g := acc[i].Sub(acc[i-1]); g > longest {
				longest, gapEnd = g, acc[i]
			}
		}
		tol := w / 20
		epoch := circDist(gapEnd.UnixNano(), 0, int64(w)) <= int64(tol)
		first := circDist(gapEnd.Sub(start).Nanoseconds(), 0, int64(w)) <= int64(tol)
		switch {
		case epoch && !first:
			return "fixed window aligned to the epoch"
		case first && !epoch:
			return "fixed window aligned to the first call, or sliding log"
		case epoch && first:
			return "fixed window (the run began on a window boundary: epoch or first call alike)"
		}
		return "windowed (bursts not aligned to the epoch nor to the first call)"
	}
	// Smooth. A bucket is empty at t_f and admits N in the next W; a sliding window counter admits
	// less until its (epoch) window turns: the previous window still weighs on its estimate.
	if countIn(acc, tf, tf.Add(w)) < z.n()-z.tol-z.ambLast {
		return "sliding window counter"
	}
	return fmt.Sprintf("token bucket or GCRA (burst ≈ %d)", max(1, int(math.Round(burst))))
}

// circDist is the distance of a from b modulo m.
func circDist(a, b, m int64) int64 {
	d := ((a-b)%m + m) % m
	return min(d, m-d)
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

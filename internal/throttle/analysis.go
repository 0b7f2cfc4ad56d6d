package throttle

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
// Notation: the overloaded account is offered r = 4N/W calls, evenly paced, until its evidence
// decides (the end rule below), for at most 2.5W. t_f is the decision time of its first throttled
// answer, "accepted(I)" the accepted calls whose decision time (send time + latency/2) falls in I,
// tol = max(2, 3% of N), and u(e) the accepted calls whose side of an edge e is uncertain: those
// whose span from the earlier of planned and actual send time to the end of the round trip contains
// e (the server decided somewhere in the round trip; a late call and its catch-up may have crossed
// the edge). Throttled calls count on neither side, so their side of an edge does not matter. A
// window's certain count is accepted(I) − u(start) − u(end).
//
// Every correct limiter admits, under that constant overload (o: the run's start within an
// epoch-aligned window):
//
//   - fixed window (epoch or first call): the window holding t_f is full; each later window fills
//     in its first N/r = W/4 and refuses the rest, so any interval of length W starting at or after
//     t_f holds exactly N (the tail of one window plus the head of the next add up to N). t_f = W/4,
//     or, when the first (epoch) window is shorter than W/4 and never fills, up to W/2;
//   - sliding log: the N calls admitted before t_f = W/4 expire one by one, each freeing one slot:
//     any W-interval from t_f on holds N;
//   - token bucket or GCRA with any burst b ≤ N: at t_f ≤ bW/(3N) ≤ W/3 the bucket is empty and
//     refills N per W: any W-interval from t_f on holds at most N+1;
//   - sliding window counter: at most N per W-interval from t_f on. Its transient is set by the
//     epoch, not by r: once a window ends full (the one holding t_f when the first window filled,
//     o ≤ 3W/4; the next one otherwise) it admits N/W uniformly; before that a W-interval holds less
//     (N(s+o)/W for one starting at s in the first window's throttled part). It is steady from
//     W − o (o ≤ 3W/4) or 2W − o (o > 3W/4): at the latest 1.25W. What it holds at N meanwhile is
//     its own weighted count m(E) = c(k−1)·(1−e) + accepted([kW, E)), E at e windows into the
//     epoch window k and c(k−1) the previous epoch window's count: at a throttled answer
//     N−1 < m(E) ≤ N, whatever the transient.
//
// Hence the checks:
//
//	over-admission:  certain([s, s+W)) ≤ N + tol      for every s ≥ t_f, and
//	                 certain([s, s+W)) ≤ 2N + tol     for every s (the initial burst adds ≤ N)
//	under-admission: count + its uncertain and unanswered calls ≥ N − tol, where count is the
//	                 measured window's: accepted([E−W, E)) (E: the overload's last throttled
//	                 answer, when the limiter was full: a sliding log then holds N calls of
//	                 (E−W, E], a fixed window N of [start, E), an empty bucket admitted N in
//	                 (E−W, E]; a steady sliding window counter N), or, where the counter fit holds
//	                 at E, ⌈m(E)⌉, uncertain by the calls at (k−1)W, kW and E.
//
// The counter fit (counter.go) holds at a throttled answer E when a whole window has been watched
// since t_f (E − W ≥ t_f: a limit of N per W is not told from N per 2W sooner), and at every
// throttled answer E' of [E − W/8, E] (the limiter throttling throughout): c(k'−1) = N within one
// call and the uncertain ones (checked for every epoch window the span touches), m(E') within s of
// N (and the uncertain ones), and m varying by at most s over the span — beyond its uncertain calls
// in the analysis (a stall's catch-up interleaves answers out of their decision order), by at most
// s − 1 without that allowance in the end rule, so that what the end rule stopped on the analysis,
// with every answer in, finds too (TestSimulatedCounterFitUnderNoise). It holds for every correct limiter whose epoch window before E held N
// calls and which has since admitted N/W: a steady counter, bucket or GCRA — and there m(E) and
// the exact count agree (both N: the estimate stays exact). It cannot hold for a windowed limiter
// (fixed window, sliding log: no admissions while throttled, so m falls by c(k−1)/8 ≥ N/8 over the
// span), nor for a rate 10% off N/W after an epoch window of N (m moves by 0.1N/8 = 2.5 s), nor at
// a level other than N: a fit at any level would be wrong, since in the window after the first
// one a bucket of some burst admits exactly like a counter of another limit (a bucket started at
// 3W/4 like a counter of 1.25N), so only N, with c(k−1) = N, is taken as evidence.
//
// The end rule (ender, end.go) stops the overload when the evidence decides, whichever first:
//   - settled: c(E') = accepted([E'−W, E')) for the throttled answers E' with E'−W ≥ t_f spans at
//     least δ and varies by at most s = max(1, 0.5% of N), with δ = W/20 when c is N within one
//     call and its uncertain ones, W/4 otherwise. Every correct limiter is steady from the time
//     given above, and then c is constant (N, N+1 for a bucket): the rule holds δ after E − W first
//     reaches both t_f and the steady time, and there is a throttled answer then (fixed windows
//     throttle for 3W/4 of each window). A counter's approach to N (c = N − (N − c(k−1))(1−e)
//     after a first window that did not fill, o just over 3W/4) is not at N, so it waits W/4 and
//     the counter fit ends it first, exactly; a limit 10% off, a throttle that never lifts or one
//     for all accounts settles at its own level and is stopped after W/4;
//   - the counter fit holds at the latest throttled answer;
//   - over-admission is certain: a W-interval from an accepted call holds, certainly and whatever
//     answers are still to come, more than N + tol + 1% of N (from t_f on) or 2N + tol + 1% (any);
//     with two keys, only once keying is decided too: more than 1.5N in the window before the
//     latest throttled answer (a budget per key), or at most 1.5N admitted before t_f (one budget:
//     two of N, each key offered 2N/W, admit about 2N before either throttles), since the window
//     keying reads may still be a counter per key filling. A target never throttled is stopped so,
//     at about 0.52W (4N/W offered);
//   - isolation failed: the isolation account was throttled after t_f (one limit for all).
//
// The recovery load stops with the overload: a target that has not throttled it by then will not
// be seen to. The floors, the run's start o anywhere in the window (the verdict needs the last
// calls' answers and the recovery probes too), checked by a phase sweep (TestSimulatedEndRule):
//
//	fixed window, epoch        t_f + W + W/20 ≤ 1.3W (o ≤ 3W/4), ≤ 1.55W (o > 3W/4)
//	fixed window, first call   W/4 + W + W/20 = 1.3W
//	sliding log                1.3W
//	token bucket, GCRA         t_f + W + W/20 ≤ 1.39W (burst N), ≈ 1.06W (burst 1)
//	sliding window counter     the fit: max(t_f + W, the epoch window after the first full one
//	                           + W/8): W/4 + W (o ≤ 3W/4), 2W − o + W/8 ≤ 1.38W (o > 3W/4)
//
// and for the broken ones (TestSimulatedBrokenEndEarly, 600/6s): no limit 0.52W, one limit for all
// accounts ≤ 1.11W, a limit per key ≤ 1.76W, a throttle that never lifts ≤ 1.75W, a limit 10% off
// ≤ 1.63W but for the counter's (10% high ≤ 2.03W, 10% low ≤ 2.34W: its exact count tells its
// limit only once steady, and a fit off N is not evidence, above), all before the 2.5W cap.
//
// A limit 10% off moves the steady count by 0.1N, more than tol plus the measured window's
// uncertainty, which the generator check keeps within 4% of N (else: no verdict).
//
// The other accounts, started with the overload and stopped with it: one at 0.8N per window
// (below-limit: never throttled by any algorithm above; a GCRA of burst 1 only while the
// generator's jitter stays under 0.25 W/N, a burst of 2 or more tolerates a full interval), one at
// N/4 (isolation: no throttled answer while the overload is throttled), and one driven at 4N/W
// until its first throttled answer, then probed W/40 apart (recovery: served again within W plus
// 10%, a probe interval and a latency). At 4N/W every correct algorithm throttles by t_f ≤ W/2 (a
// bucket of burst N empties in W/3; a fixed or sliding window started at offset o fills W/4 later
// if o ≤ 3W/4, else W/4 into the next window) and serves again by the next window, at most
// W − W/4 later: its probes end by 1.25W. 6000/1m: a verdict in 80–95 s for every correct
// limiter, set-up included.
const (
	overloadFactor  = 4.0  // the overloaded accounts are offered 4N per window
	overloadWindows = 2.5  // for at most 2.5 windows (the end rule stops it when decided)
	belowFactor     = 0.8  // the below-limit account: 80% of N
	isolationFactor = 0.25 // the isolation account: a quarter of N
	tolerance       = 0.03 // of N, beyond the calls whose window is uncertain
	recoveryGrace   = 0.10 // of W, beyond the one window a throttle may last after the load stops
	// recoveryLoadWindows bounds the recovery account's load until its first throttled answer
	// (every correct limiter throttles it by W/2).
	recoveryLoadWindows = 1.0
	probesPerWindow     = 40 // recovery probes
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
	// retryAfter is a throttled answer's x-acs-retry-after as sent ("": none), which the newest
	// darabonba-openapi reads to back off (specfacts.HeaderRetryAfter).
	retryAfter string

	transportErr string // why there was no answer (redacted: no query, so no signature)
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

// analysis is the scenario's findings, computed from the observations by analyze.
type analysis struct {
	checks      []Check
	estimate    float64 // calls per window, from the overload's last window
	uncertainty float64
	algorithm   string
	noVerdict   string // why the generator's own measurement invalidates the run; "" if it holds

	// For the chart: the overload's first throttled answer and measured window (zero: none).
	firstThrottle, windowEnd time.Time
}

// input is what the scenario hands the analysis: the observations by role, each role's sorted by
// decision time, and what each generator was asked to do.
type input struct {
	limit   spec.RateLimit
	spec    *spec.Spec
	obs     map[string][]*observation
	plans   map[string]*attackPlan
	twoKeys bool // the overloaded account was driven through two AccessKeys
}

func (in *input) n() int           { return in.limit.Calls }
func (in *input) w() time.Duration { return in.limit.Window }
func (in *input) ws() string       { return windowOf(in.limit.String()) }

func (in *input) all() []*observation {
	var all []*observation
	for _, os := range in.obs {
		all = append(all, os...)
	}
	return all
}

// measurement is what the measuring steps found before any check is judged; every check reads it
// as a value (checks.go).
type measurement struct {
	tol      int // max(2, 3% of N)
	inflight int // calls the overload sends during a p99 latency (header checks)

	// The generator's own record (the generator check).
	rates     []string // "role 12.3/s" per account driven
	problems  []string // why the plan was not kept
	latP99    time.Duration
	lateP99   time.Duration
	transport int // calls without an answer

	// The overload's measured window [end−W, end): where the estimate and the steady counts come from.
	window        measuredWindow
	firstThrottle time.Time // decision time of the overload's first throttled answer; zero if never
	estimate      int       // accepted calls in the measured window

	keys keyEvidence // whether the overload's two keys shared one budget (keying, over-admission)
}

// keyEvidence compares the overloaded account, driven through its two keys, with the recovery
// account, driven through one key at the same rate (4N/W) until throttled. A one-key account that
// is throttled there while the two keys of one account, together, get well over N through in the
// measured window (2N with a budget each: each key is offered 2N/W): the keys had a budget each. A
// shared limit that is merely too high throttles both alike (over-admission's business, not
// keying's).
type keyEvidence struct {
	judged    bool   // both accounts were measured
	why       string // when not judged: what was missing
	accepted  [2]int // per key, in the measured window
	throttled [2]int // per key, over the run
	oneKey    bool   // the one-key account was throttled at 4N/W
	separate  bool   // the keys had a budget each
}

// separateKeysFactor: the two keys together must get more than this many times N through in the
// measured window, less its uncertain calls, to show separate budgets: halfway between one shared
// budget at the documented limit (N) and two of them (2N: each key is offered 2N/W, twice its own).
const separateKeysFactor = 1.5

// measuredWindow is the overload's last window of sustained overload and how sharp its edges are.
type measuredWindow struct {
	amb      *ambiguity // the overload's calls whose window is uncertain
	end      time.Time  // just after the overload's last throttled answer (or last decision)
	ambLast  int        // uncertain calls at its edges
	lostLast int        // unanswered calls in it

	// The counter fit at the last throttled answer (counter.go): when it holds, the estimate is
	// the counter's own count m there, uncertain by the calls at its three edges and the
	// unanswered ones since the previous epoch window began.
	fitted          bool
	fitCount        int
	fitAmb, fitLost int
}

// uncertainty is how many calls the window's count (or the fitted count) may be off by.
func (m measuredWindow) uncertainty() int {
	if m.fitted {
		return m.fitAmb + m.fitLost
	}
	return m.ambLast + m.lostLast
}

// lost is the unanswered calls in the measured window (or since the fit's previous epoch window).
func (m measuredWindow) lost() int {
	if m.fitted {
		return m.fitLost
	}
	return m.lostLast
}

// count is the measured window's count: the fitted one, or accepted([end−W, end)).
func (m measuredWindow) count(acc []time.Time, w time.Duration) int {
	if m.fitted {
		return m.fitCount
	}
	return countIn(acc, m.end.Add(-w), m.end)
}

// analyze measures, then runs every check over the observations. It never fails: a check that
// cannot be judged is skipped with the reason, and a generator that did not keep its plan sets
// noVerdict.
func analyze(limit spec.RateLimit, s *spec.Spec, obs []*observation, plans map[string]*attackPlan, twoKeys bool) analysis {
	in := &input{limit: limit, spec: s, obs: map[string][]*observation{}, plans: plans, twoKeys: twoKeys}
	for _, o := range obs {
		in.obs[o.role] = append(in.obs[o.role], o)
	}
	for _, os := range in.obs {
		sort.SliceStable(os, func(i, j int) bool { return os[i].at().Before(os[j].at()) })
	}
	m := measure(in)
	checks, noVerdict := judge(in, m)
	a := analysis{checks: checks, noVerdict: noVerdict, algorithm: algorithm(in, m)}
	if in.obs[roleOverload] != nil && in.plans[roleOverload] != nil {
		a.estimate, a.uncertainty = float64(m.estimate), float64(m.window.uncertainty())
		a.firstThrottle, a.windowEnd = m.firstThrottle, m.window.end
	}
	return a
}

// measure runs the measuring steps in order, each handing what it found to the next.
func measure(in *input) measurement {
	m := measureGenerator(in)
	m.window, m.problems = measureWindow(in, m.problems)
	m.problems = append(m.problems, rejectedProblems(in)...)
	if os, p := in.obs[roleOverload], in.plans[roleOverload]; len(os) > 0 && p != nil {
		if first := firstOf(os, kindThrottled); first != nil {
			m.firstThrottle = first.at()
		}
		m.estimate = m.window.count(acceptedTimes(os, nil), in.w())
	}
	m.keys = measureKeys(in, m.window)
	return m
}

// measureKeys gathers the keying evidence (keyEvidence).
func measureKeys(in *input, mw measuredWindow) keyEvidence {
	var k keyEvidence
	os, p := in.obs[roleOverload], in.plans[roleOverload]
	rec := in.plans[roleRecovery]
	switch {
	case !in.twoKeys:
		k.why = "the fresh account came with one AccessKey (no AccessKeyId2)"
		return k
	case len(os) == 0 || p == nil:
		k.why = "no overload was run"
		return k
	case rec == nil || len(in.obs[roleRecovery]) == 0:
		k.why = "no second fresh account: no one-key account to compare the two keys with"
		return k
	}
	from := mw.end.Add(-in.w())
	answered := 0
	for _, o := range os {
		if o.key > 1 {
			continue
		}
		switch o.kind {
		case kindThrottled:
			k.throttled[o.key]++
			answered++
		case kindAccepted:
			answered++
			if !o.at().Before(from) && o.at().Before(mw.end) {
				k.accepted[o.key]++
			}
		}
	}
	if answered == 0 {
		k.why = "no evidence: none of the overloaded account's calls was accepted or throttled"
		return k
	}
	if !rec.probing {
		k.why = fmt.Sprintf("no evidence: the one-key account was never throttled at %.0f× the limit, so the two keys' admissions say nothing about their budgets", overloadFactor)
		return k
	}
	k.judged, k.oneKey = true, true
	total := k.accepted[0] + k.accepted[1]
	k.separate = float64(total-mw.ambLast) > separateKeysFactor*float64(in.n())
	return k
}

// measureGenerator measures the harness's own sending: every account's rate against its plan,
// lateness, latency and answers.
func measureGenerator(in *input) measurement {
	var m measurement
	var lat []time.Duration
	total := 0
	for _, role := range roles {
		p, os := in.plans[role], in.obs[role]
		if p == nil || len(os) == 0 {
			continue
		}
		var late []time.Duration
		sent := 0
		last := time.Time{}
		for _, o := range os {
			total++
			if o.kind == kindTransport {
				m.transport++
			} else {
				lat = append(lat, o.latency)
			}
			if p.probing && o.sent.After(p.stopped) {
				continue // recovery probes have their own pace
			}
			sent++
			late = append(late, o.sent.Sub(p.planned(o.seq)))
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
			m.lateP99 = max(m.lateP99, p99)
		}
		m.rates = append(m.rates, fmt.Sprintf("%s %.1f/s", role, got))
		// The recovery account's load only has to get it throttled (for W/4 or so, where one stall
		// weighs): throttled at less than its plan, it misleads no check (recovery times the probes,
		// keying then compares with a one-key account throttled at no more than the overload's rate).
		if role == roleRecovery && p.probing && ratio <= 1.05 {
			continue
		}
		if ratio < 0.95 || ratio > 1.05 {
			m.problems = append(m.problems, fmt.Sprintf("%s sent %.1f/s, plan %.1f/s", role, got, p.rate))
		}
	}
	m.latP99 = quantile(lat, 0.99)
	m.inflight = int(math.Ceil(overloadFactor * in.limit.PerSecond() * m.latP99.Seconds()))
	m.tol = tolOf(in.n())
	if total == 0 {
		m.problems = append(m.problems, "no call was made")
	} else if float64(m.transport) > 0.01*float64(total) {
		m.problems = append(m.problems, fmt.Sprintf("%d of %d calls got no answer (e.g. %s)", m.transport, total, firstTransportErr(in.all())))
	}
	return m
}

// measureWindow finds the overload's measured window: it ends at the overload's last throttled
// answer (the limiter was full then, whatever the generator did just before: a stall near the
// end leaves slots free), or after the last decision without any. Its edges must be sharp enough
// (u(E−W) plus its unanswered calls within 4% of N) for the counts to tell a limit 10% off.
func measureWindow(in *input, problems []string) (measuredWindow, []string) {
	var mw measuredWindow
	p, os := in.plans[roleOverload], in.obs[roleOverload]
	if p == nil || len(os) == 0 {
		return mw, problems
	}
	mw.amb = newAmbiguity(os, p)
	var lastThrottled time.Time
	for _, o := range os {
		e := o.at().Add(time.Nanosecond)
		if e.After(mw.end) {
			mw.end = e
		}
		if o.kind == kindThrottled && e.After(lastThrottled) {
			lastThrottled = e
		}
	}
	if !lastThrottled.IsZero() {
		mw.end = lastThrottled
	}
	from := mw.end.Add(-in.w())
	mw.ambLast = mw.amb.at(from) + mw.amb.at(mw.end)
	lost := func(from time.Time) int {
		n := 0
		for _, o := range os {
			if o.kind == kindTransport && !o.sent.Before(from) && o.sent.Before(mw.end) {
				n++
			}
		}
		return n
	}
	mw.lostLast = lost(from)
	if !lastThrottled.IsZero() {
		f := fitInput{n: in.n(), w: int64(in.w()), settle: settleOf(in.n()),
			u: func(t int64) int { return mw.amb.at(time.Unix(0, t)) }, lenient: true}
		for _, o := range os {
			switch o.kind {
			case kindAccepted:
				f.acc = append(f.acc, o.at().UnixNano())
			case kindThrottled:
				f.thr = append(f.thr, o.at().UnixNano())
			}
		}
		slices.Sort(f.acc)
		slices.Sort(f.thr)
		if ok, m, unc := f.fit(len(f.thr) - 1); ok {
			mw.fitted, mw.fitCount, mw.fitAmb = true, fitEstimate(m), unc
			start := f.thr[len(f.thr)-1]
			start -= floorMod(start, f.w)
			mw.fitLost = lost(time.Unix(0, start-f.w))
		}
	}
	if u := mw.uncertainty(); float64(u) > 0.04*float64(in.n()) {
		problems = append(problems, fmt.Sprintf("%d calls at the edge of the measured window were late or slow and %d got no answer: ±%d is more than 4%% of %d, a limit 10%% off could pass",
			u-mw.lost(), mw.lost(), u, in.n()))
	}
	return mw, problems
}

// rejectedProblems: calls rejected before the throttle (signature, nonce, key ...) leave nothing
// to measure.
func rejectedProblems(in *input) []string {
	rejected := 0
	all := in.all()
	for _, o := range all {
		if o.kind == kindRejected {
			rejected++
		}
	}
	if rejected == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d calls were rejected before the throttle (%s): nothing to measure", rejected, firstCode(all, kindRejected))}
}

// tolOf is over- and under-admission's tolerance for a limit of n: max(2, 3% of n).
func tolOf(n int) int { return max(2, int(math.Ceil(tolerance*float64(n)))) }

// settleOf is s, how far the end rule's counts may vary and still be settled: max(1, 0.5% of n).
func settleOf(n int) int { return max(1, (n+199)/200) }

// planned is when the generator was to send call seq: vegeta's constant pacer sends call k at
// (k+1) intervals after the attack began.
func (p *attackPlan) planned(seq uint64) time.Time {
	return p.began.Add(time.Duration(float64(seq+1) / p.rate * float64(time.Second)))
}

func firstTransportErr(os []*observation) string {
	for _, o := range os {
		if o.kind == kindTransport && o.transportErr != "" {
			return o.transportErr
		}
	}
	return "no error recorded"
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

// ambiguity holds, for each of the overload's accepted calls, the span over which its window is
// uncertain: from the earlier of its planned and actual send times (a late call may have crossed
// an edge) to the end of its round trip (the server decided somewhere in it). Throttled calls are
// counted in no window, so their side of an edge changes no count.
type ambiguity struct{ lo, hi []int64 }

func newAmbiguity(os []*observation, p *attackPlan) *ambiguity {
	a := &ambiguity{}
	for _, o := range os {
		if o.kind != kindAccepted {
			continue
		}
		planned := p.planned(o.seq)
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
func worstWindow(amb *ambiguity, ts []time.Time, w time.Duration, from time.Time) (adjusted, raw int) {
	adjusted = math.MinInt
	for j, s := range ts {
		if s.Before(from) {
			continue
		}
		k, _ := slices.BinarySearchFunc(ts[j:], s.Add(w), func(t, target time.Time) int { return t.Compare(target) })
		if a := k - amb.at(s) - amb.at(s.Add(w)); a > adjusted {
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

func latencies(os []*observation) []time.Duration {
	var l []time.Duration
	for _, o := range os {
		if o.kind != kindTransport {
			l = append(l, o.latency)
		}
	}
	return l
}

// algorithm names what the overload's accepted calls look like. Windowed limiters (fixed window,
// sliding log) admit in bursts at the offered rate and then nothing until the window turns; smooth
// ones (token bucket, GCRA, sliding window counter) admit about N/W all the time.
func algorithm(in *input, m measurement) string {
	os, p := in.obs[roleOverload], in.plans[roleOverload]
	tf := m.firstThrottle
	if len(os) == 0 || p == nil || tf.IsZero() {
		return "unknown (never throttled)"
	}
	w := in.w()
	acc := acceptedTimes(os, nil)
	end := m.window.end
	from := end.Add(-w)
	bins := make([]int, 20)
	for _, t := range acc {
		if !t.Before(from) && t.Before(end) {
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
	// A bucket admits its burst plus a whole token per N/W refilled between the first call and
	// the last admitted one before t_f.
	burst := float64(before)
	if before > 0 {
		burst -= math.Floor(float64(in.n()) * acc[before-1].Sub(start).Seconds() / w.Seconds())
	}
	// The counter fit holding, the admissions are smooth whatever the measured window's bins say
	// (a counter's first window is a burst: see the derivation).
	if empty >= 5 && !m.window.fitted {
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
	// Smooth. A bucket is empty at t_f and admits N in the next W, its next token W/N after t_f; a
	// sliding window counter admits less until its (epoch) window turns: the previous window still
	// weighs on its estimate, and a first window that filled admits nothing more until it ends.
	if countIn(acc, tf, tf.Add(w)) < in.n()-m.tol-m.window.ambLast {
		return "sliding window counter"
	}
	if i, _ := slices.BinarySearchFunc(acc, tf, func(t, target time.Time) int { return t.Compare(target) }); i < len(acc) {
		gap := max(w/200, 4*w/time.Duration(in.n()))
		next := acc[i]
		if next.Sub(tf) > gap && circDist(next.UnixNano(), 0, int64(w)) <= int64(gap/2) {
			return "sliding window counter"
		}
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

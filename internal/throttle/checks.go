package throttle

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

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
	Name    string      `json:"name"`    // one of CheckNames
	Status  CheckStatus `json:"status"`  // CheckPass, CheckFail or CheckSkipped
	Message string      `json:"message"` // what was measured, in one line
}

// The checks' names. Their order in the report is the order of checks below.
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

// checks are the scenario's checks in report order: each is its name and the function that judges
// it from the observations and what the measuring steps found (analysis.go). A new check is one
// more entry here, with its function in this file.
var checks = []struct {
	name  string
	judge func(*input, measurement) finding
}{
	{CheckGenerator, judgeGenerator},
	{CheckOverAdmission, judgeOverAdmission},
	{CheckUnderAdmission, judgeUnderAdmission},
	{CheckBelowLimit, judgeBelowLimit},
	{CheckIsolation, judgeIsolation},
	{CheckRecovery, judgeRecovery},
	{CheckShape, judgeShape},
	{CheckKeying, judgeKeying},
}

// CheckNames lists the checks' names in report order.
func CheckNames() []string {
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.name
	}
	return names
}

// finding is one check's outcome. noVerdict, when set, says why the run as a whole cannot support
// a verdict (the generator did not keep its plan): the generator check then fails with it.
type finding struct {
	status    CheckStatus
	message   string
	noVerdict string
}

func pass(format string, args ...any) finding {
	return finding{status: CheckPass, message: fmt.Sprintf(format, args...)}
}
func fail(format string, args ...any) finding {
	return finding{status: CheckFail, message: fmt.Sprintf(format, args...)}
}
func skip(format string, args ...any) finding {
	return finding{status: CheckSkipped, message: fmt.Sprintf(format, args...)}
}

// judge runs every check in order. When one found that the plan was not kept, the generator check
// fails with every such reason and the run has no verdict.
func judge(in *input, m measurement) ([]Check, string) {
	var out []Check
	var why []string
	for _, c := range checks {
		f := c.judge(in, m)
		out = append(out, Check{Name: c.name, Status: f.status, Message: f.message})
		if f.noVerdict != "" {
			why = append(why, f.noVerdict)
		}
	}
	if len(why) == 0 {
		return out, ""
	}
	noVerdict := strings.Join(why, "; ")
	for i := range out {
		if out[i].Name == CheckGenerator {
			out[i] = Check{Name: CheckGenerator, Status: CheckFail, Message: "plan not kept, no verdict: " + noVerdict}
		}
	}
	return out, noVerdict
}

// judgeGenerator: the harness's own sending kept its plan (measureGenerator, measureWindow).
// Otherwise there is no verdict.
func judgeGenerator(in *input, m measurement) finding {
	if len(m.problems) > 0 {
		why := strings.Join(m.problems, "; ")
		return finding{status: CheckFail, message: "plan not kept, no verdict: " + why, noVerdict: why}
	}
	return pass("sent %s as planned; p99 latency %s, p99 lateness %s, %d without answer; measured window ±%d",
		strings.Join(m.rates, ", "), m.latP99.Round(100*time.Microsecond), max(m.lateP99, 0).Round(100*time.Microsecond), m.transport, m.window.uncertainty())
}

// judgeOverAdmission: under constant overload, no W-interval after the first throttled answer holds
// more than N + tol certainly accepted calls, and none at all more than 2N + tol.
func judgeOverAdmission(in *input, m measurement) finding {
	os, p := in.obs[roleOverload], in.plans[roleOverload]
	if len(os) == 0 || p == nil {
		return skip("no overload was run")
	}
	if !answeredAny(os) {
		return skip("no evidence: none of the overloaded account's %d calls was accepted or throttled", len(os))
	}
	if m.keys.separate {
		return skip("the account's two keys had a budget each (keying): its limit cannot be measured through them")
	}
	n, w := in.n(), in.w()
	acc := acceptedTimes(os, nil)
	whole, wholeRaw := worstWindow(m.window.amb, acc, w, time.Time{})
	if m.firstThrottle.IsZero() {
		return fail("never throttled at %.0f× the limit: up to %d accepted in one %s window (limit %d)", overloadFactor, wholeRaw, in.ws(), n)
	}
	tf := m.firstThrottle
	after, afterRaw := worstWindow(m.window.amb, acc, w, tf)
	burst := countIn(acc, time.Time{}, tf)
	switch {
	case after > n+m.tol:
		return fail("%d accepted in one %s window after the first throttled answer, %d of them certainly (limit %d, tolerance +%d)", afterRaw, in.ws(), after, n, m.tol)
	case whole > 2*n+m.tol:
		return fail("%d accepted in one %s window including the initial burst, %d of them certainly (at most 2×%d, tolerance +%d)", wholeRaw, in.ws(), whole, n, m.tol)
	}
	return pass("at most %d accepted per %s window after the first throttled answer (%d accepted before it), limit %d +%d", after, in.ws(), burst, n, m.tol)
}

// judgeUnderAdmission: the overload's measured window (the limiter full at its end) holds at least
// N − tol accepted calls, counting its uncertain and unanswered ones in the target's favour.
func judgeUnderAdmission(in *input, m measurement) finding {
	os, p := in.obs[roleOverload], in.plans[roleOverload]
	if len(os) == 0 || p == nil {
		return skip("no overload was run")
	}
	if !answeredAny(os) {
		return skip("no evidence: none of the overloaded account's %d calls was accepted or throttled", len(os))
	}
	n, last, u := in.n(), m.estimate, m.window.uncertainty()
	if last+u < n-m.tol {
		return fail("only %d±%d accepted in the last %s window of sustained overload (limit %d, tolerance −%d): throttling early", last, u, in.ws(), n, m.tol)
	}
	return pass("%d±%d accepted in the last %s window of sustained overload (limit %d −%d)", last, u, in.ws(), n, m.tol)
}

// judgeBelowLimit: an account at 80% of the limit is never throttled.
func judgeBelowLimit(in *input, m measurement) finding {
	os := in.obs[roleBelow]
	if len(os) == 0 {
		return skip("no second fresh account for the below-limit load")
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
			if offered := countIn(all, o.at().Add(-in.w()), o.at().Add(time.Nanosecond)); offered >= in.n()-m.tol {
				f := skip("the generator crowded %d calls into one window: throttling them proves nothing", offered)
				f.noVerdict = fmt.Sprintf("the below-limit account was offered %d calls in one %s window (plan %.0f)", offered, in.ws(), belowFactor*float64(in.n()))
				return f
			}
		}
		return fail("%d of %d calls throttled at %.0f%% of the limit (first after %s)", thr, len(os), 100*belowFactor, first.at().Sub(in.plans[roleBelow].began).Round(time.Millisecond))
	}
	if acc == 0 {
		return skip("no evidence: none of its %d calls at %.0f%% of the limit was accepted", len(os), 100*belowFactor)
	}
	return pass("%d calls at %.0f%% of the limit, none throttled", acc, 100*belowFactor)
}

// judgeIsolation: while the overloaded account is throttled, another account's calls pass.
func judgeIsolation(in *input, m measurement) finding {
	os := in.obs[roleIsolation]
	switch {
	case len(os) == 0:
		return skip("no second fresh account for the isolation load")
	case m.firstThrottle.IsZero():
		return skip("the overloaded account was never throttled")
	}
	from, to := m.firstThrottle, in.plans[roleOverload].stopped
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
		return fail("another account was throttled %d times (%d accepted) while the overloaded one was: the limit is not per account", thr, acc)
	case acc == 0:
		return fail("another account got no call through while the overloaded one was throttled")
	}
	return pass("another account: %d calls accepted, none throttled, while the overloaded one was throttled", acc)
}

// judgeRecovery: after the load stops, the throttled account is served again within one window.
func judgeRecovery(in *input, m measurement) finding {
	os, p := in.obs[roleRecovery], in.plans[roleRecovery]
	if len(os) == 0 || p == nil {
		return skip("no second fresh account for the recovery load")
	}
	if !p.probing {
		return skip("the recovery account was never throttled")
	}
	probe := in.w() / probesPerWindow
	lat := quantile(latencies(os), 0.99)
	deadline := in.w() + time.Duration(recoveryGrace*float64(in.w())) + probe + lat
	probes := 0
	for _, o := range os {
		if !o.sent.After(p.stopped) {
			continue
		}
		probes++
		if o.kind == kindAccepted {
			took := o.at().Sub(p.stopped)
			if took > deadline {
				return fail("served again only %s after the load stopped (window %s)", took.Round(time.Millisecond), in.ws())
			}
			return pass("served again %s after the load stopped (window %s)", took.Round(time.Millisecond), in.ws())
		}
	}
	return fail("still not served %s after the load stopped (%d probes, window %s): the throttle does not lift", deadline.Round(time.Millisecond), probes, in.ws())
}

// judgeShape: throttled answers carry the documented code, status and a RequestId; no answer is
// unexpected; rate-limit headers, where present, are consistent.
func judgeShape(in *input, m measurement) finding {
	want, ok := throttleError(in.spec)
	var problems []string
	counts := map[string]int{}
	throttled, unexpected := 0, map[string]int{}
	for _, o := range in.all() {
		switch {
		case o.kind == kindThrottled:
			throttled++
			if ok && (o.code != want.Code || int(o.status) != want.Status) {
				counts[fmt.Sprintf("%d %s", o.status, o.code)]++
			}
			if !specfacts.RequestIDPattern(in.spec).MatchString(o.requestID) {
				counts["RequestId "+strconv.Quote(o.requestID)]++
			}
		case o.kind == kindMalformed:
			unexpected[fmt.Sprintf("%d without a Code", o.status)]++
		case o.kind == kindAccepted && (o.status >= 500 || !known(in.spec, o)):
			unexpected[fmt.Sprintf("%d %s", o.status, o.code)]++
		}
	}
	for k, c := range counts {
		problems = append(problems, fmt.Sprintf("%d throttled answers with %s (want %d %s and an upper-case UUID RequestId)", c, k, want.Status, want.Code))
	}
	for k, c := range unexpected {
		problems = append(problems, fmt.Sprintf("%d answers %s, neither accepted nor throttled as documented", c, k))
	}
	hdr, hdrMsg := headerProblems(in, m)
	problems = append(problems, hdr...)
	sort.Strings(problems)
	if len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	if throttled == 0 {
		return skip("no throttled answer to look at%s", hdrMsg)
	}
	return pass("%d throttled answers: %d %s with a RequestId%s", throttled, want.Status, want.Code, hdrMsg)
}

// throttleError is the spec's documented throttling answer (Throttling.User, 400).
func throttleError(s *spec.Spec) (spec.ErrorCode, bool) {
	for _, c := range specfacts.ThrottlingCodes(s) {
		if e, ok := s.Error(c); ok {
			return e, true
		}
	}
	return spec.ErrorCode{}, false
}

// known: a success or a code of the spec that may follow the throttle.
func known(s *spec.Spec, o *observation) bool {
	if o.code == spec.CodeOK {
		return true
	}
	e, ok := s.Error(o.code)
	return ok && e.Source == specfacts.SourcePage
}

// headerProblems checks the rate-limit headers where present: the announced Limit, Remain within
// [0, Limit] and 0 on throttled answers, TimeLeft within the window, Remain falling during the
// overload's initial burst (allowing for refill and calls in flight).
func headerProblems(in *input, m measurement) (problems []string, summary string) {
	n, w := in.n(), in.w()
	seen, bad := 0, map[string]int{}
	example := map[string]string{}
	note := func(k, ex string) {
		bad[k]++
		if _, ok := example[k]; !ok {
			example[k] = ex
		}
	}
	for _, o := range in.all() {
		if k := retryAfterProblem(in, o); k != "" {
			note(k, specfacts.HeaderRetryAfter+": "+o.retryAfter)
		}
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
	tf := m.firstThrottle
	rises, pairs := 0, 0
	var before []int
	var prev *observation
	for _, o := range in.obs[roleOverload] {
		if !tf.IsZero() && !o.at().Before(tf) {
			break
		}
		if o.kind != kindAccepted || o.rl == nil {
			continue
		}
		if prev != nil {
			pairs++
			refill := float64(n) * o.at().Sub(prev.at()).Seconds() / w.Seconds()
			if float64(o.rl.Remain-prev.rl.Remain) > refill+1+float64(m.inflight) {
				rises++
			}
		}
		before = append(before, o.rl.Remain)
		prev = o
	}
	if pairs >= 10 {
		// The lowest Remain among the last answers before the first throttle (or the end).
		tail := before[max(0, len(before)-1-m.inflight):]
		lowest := slices.Min(tail)
		switch {
		case rises*10 > pairs:
			note("Remain rising during the initial burst", fmt.Sprintf("%d rises in %d answers", rises, pairs+1))
		case !tf.IsZero() && lowest > m.tol+m.inflight:
			note("Remain far from 0 when the throttle began", fmt.Sprintf("Remain %d just before the first throttled answer", lowest))
		}
		// Never throttled: a Remain that does not fall matches a limiter that counted nothing, which
		// is over-admission's finding, not the headers'.
	}
	for k, c := range bad {
		what := "rate-limit header: "
		if strings.HasPrefix(k, specfacts.HeaderRetryAfter) {
			what = "" // its own header, named in k
		}
		problems = append(problems, fmt.Sprintf("%s%d× %s (e.g. %s)", what, c, k, example[k]))
	}
	return problems, fmt.Sprintf("; rate-limit headers consistent on %d answers", seen)
}

// retryAfterProblem is what is wrong with a throttled answer's x-acs-retry-after, if it has one
// ("": nothing): it must be a positive number of milliseconds (the spec's pattern), at most the
// window, and no later than its rate-limit header's TimeLeft (plus a second of rounding), the
// time the released SDKs wait: a caller reading either waits about as long.
func retryAfterProblem(in *input, o *observation) string {
	if o.retryAfter == "" || o.kind != kindThrottled {
		return ""
	}
	if re := specfacts.RetryAfterPattern(in.spec); re != nil && !re.MatchString(o.retryAfter) {
		return specfacts.HeaderRetryAfter + " not a positive number of milliseconds"
	}
	ms, err := strconv.ParseInt(o.retryAfter, 10, 64)
	wait := time.Duration(ms) * time.Millisecond
	switch {
	case err != nil || ms <= 0:
		return specfacts.HeaderRetryAfter + " not a positive number of milliseconds"
	case wait > in.w()+in.w()/10:
		return specfacts.HeaderRetryAfter + " past the window"
	case o.rl != nil && wait > o.rl.TimeLeft+time.Second:
		return specfacts.HeaderRetryAfter + " later than the rate-limit header's TimeLeft"
	}
	return ""
}

// judgeKeying: the two keys of one account share its budget. It fails only on evidence that they
// had one each (keyEvidence): a limit that is merely too high is over-admission's finding.
func judgeKeying(in *input, m measurement) finding {
	k := m.keys
	if !k.judged {
		return skip("%s", k.why)
	}
	total := k.accepted[0] + k.accepted[1]
	if k.separate {
		return fail("the account's two keys got %d and %d calls through in one %s window, %d together of the %.0f offered, while one key of another account was throttled at the same rate (limit %d per account): limited per key",
			k.accepted[0], k.accepted[1], in.ws(), total, overloadFactor*float64(in.n()), in.n())
	}
	// Either key alone may take the throttled answers: a shared limit owes no fairness between keys.
	return pass("two keys of one account shared one budget: %d + %d = %d in the last %s window (throttled %d and %d), as one key of another account at the same rate",
		k.accepted[0], k.accepted[1], total, in.ws(), k.throttled[0], k.throttled[1])
}

// answeredAny: some call got an answer the scenario can count, accepted or throttled.
func answeredAny(os []*observation) bool {
	for _, o := range os {
		if o.kind == kindAccepted || o.kind == kindThrottled {
			return true
		}
	}
	return false
}

package throttle

import (
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// Limiters people use, behind the reference implementation (mock.WithLimiter): nobody on the team
// wrote them, so they test the bounds atop analysis.go rather than our reading of them.

// xrate is golang.org/x/time/rate behind ratelimit.Limiter: a token bucket per key refilled N per
// W, holding burst tokens. Calls of one key are decided in turn at times that never run back:
// handed an earlier time, rate.Limiter moves its clock back and refills the same span again (0.7%
// too many at 6000/1m, measured), which the mock's concurrent handlers would otherwise provoke.
type xrate struct {
	n, burst int
	every    rate.Limit
	mu       sync.Mutex
	keys     map[string]*xrateKey // the scenario's few accounts: never swept
}

type xrateKey struct {
	l    *rate.Limiter
	last time.Time
}

func newXRate(burst func(n int) int) func(int, time.Duration) (ratelimit.Limiter, error) {
	return func(n int, w time.Duration) (ratelimit.Limiter, error) {
		return &xrate{n: n, burst: burst(n), every: rate.Limit(float64(n) / w.Seconds()), keys: map[string]*xrateKey{}}, nil
	}
}

func (x *xrate) Allow(key string, now time.Time) ratelimit.Decision {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := x.keys[key]
	if k == nil {
		k = &xrateKey{l: rate.NewLimiter(x.every, x.burst)}
		x.keys[key] = k
	}
	if now.Before(k.last) {
		now = k.last
	}
	k.last = now
	ok := k.l.AllowN(now, 1)
	tokens := max(0, k.l.TokensAt(now))
	perToken := float64(time.Second) / float64(x.every)
	d := ratelimit.Decision{Allowed: ok, Limit: x.n, Remaining: int(tokens),
		ResetAfter: time.Duration((float64(x.burst) - tokens) * perToken)}
	if !ok {
		d.RetryAfter = time.Duration((1 - tokens) * perToken)
	}
	return d
}

// xrateRuns are x/time/rate with a burst of N (what a "N per W" limiter is usually given) and of
// N/10.
func xrateRuns() []*mockRun {
	return []*mockRun{
		{name: "x/time/rate burst N", opts: []mock.Option{mock.WithLimiter(newXRate(func(n int) int { return n }))}},
		{name: "x/time/rate burst N/10", opts: []mock.Option{mock.WithLimiter(newXRate(func(n int) int { return max(1, n/10) }))}},
	}
}

// TestThrottleAgainstLimitersPeopleUse: x/time/rate behind the reference implementation passes
// with the limit estimated right, and fails over-admission when given 10% more.
func TestThrottleAgainstLimitersPeopleUse(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("drives scaled throttle scenarios (make test runs them without the race detector)")
	}
	rl := testLimit(t)
	good := xrateRuns()
	over := &mockRun{name: "x/time/rate +10%", opts: []mock.Option{mock.WithLimiter(newXRate(func(n int) int { return n })), mock.WithDefects(mock.LimitScaled(1.1))}}
	runAll(t, rl, append(append([]*mockRun(nil), good...), over))
	for _, r := range good {
		t.Run(r.name, func(t *testing.T) { assertPasses(t, rl, r, max(2, 0.02*float64(rl.Calls))) })
	}
	t.Run(over.name, func(t *testing.T) { assertFailsOn(t, over, CheckOverAdmission) })
}

// TestThrottleOverSlowLink: over a link of 150 ± 80 ms round trips scaled with the window (1m →
// 4s: 10 ± 5 ms), the reference implementation and x/time/rate pass with the limit estimated within
// 2%. TestThrottleFullScale runs the unscaled link.
func TestThrottleOverSlowLink(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("drives two scaled throttle scenarios over a slow link (make test runs them without the race detector)")
	}
	rl := testLimit(t)
	runs := []*mockRun{{name: "reference"}, xrateRuns()[0]}
	for _, r := range runs {
		r.link.delay, r.link.jitter = scaledLink(rl)
	}
	runAll(t, rl, runs)
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) { assertPasses(t, rl, r, max(2, 0.02*float64(rl.Calls))) })
	}
}

// scaledLink is the delay and jitter each way of a link of 150 ± 80 ms round trips at 1m, scaled
// with the window.
func scaledLink(rl spec.RateLimit) (delay, jitter time.Duration) {
	scale := rl.Window.Seconds() / time.Minute.Seconds()
	return time.Duration(scale * float64(75*time.Millisecond)), time.Duration(scale * float64(40*time.Millisecond))
}

// TestThrottleFullScale runs the scenario at the spec's limit (6000/1m, about 100 s a run, a few
// at a time): the reference implementation (THROTTLE_FULL=all: each of its algorithms),
// x/time/rate, the reference over a 150 ± 80 ms link, and the reference 10% too lenient
// (THROTTLE_FULL_ONLY: the runs whose names match it). For release runs (make throttle-full), never
// in make test.
func TestThrottleFullScale(t *testing.T) {
	which := os.Getenv("THROTTLE_FULL")
	if which == "" {
		t.Skip("THROTTLE_FULL=1 (or all) runs the scenario at full scale: make throttle-full")
	}
	rl := spec.Default().RateLimit()
	good := []*mockRun{{name: "reference " + string(mock.DefaultAlgorithm)}}
	if which == "all" {
		good = good[:0]
		for _, alg := range ratelimit.Algorithms() {
			good = append(good, &mockRun{name: "reference " + string(alg), opts: []mock.Option{mock.WithAlgorithm(alg)}})
		}
	}
	slow := &mockRun{name: "reference over a 150±80 ms link"}
	slow.link.delay, slow.link.jitter = scaledLink(rl)
	good = append(good, xrateRuns()[0], slow)
	over := &mockRun{name: "reference LimitScaled(1.1)", opts: []mock.Option{mock.WithDefects(mock.LimitScaled(1.1))}}
	if v := os.Getenv("THROTTLE_FULL_ONLY"); v != "" { // a regular expression of the runs' names
		only, err := regexp.Compile(v)
		if err != nil {
			t.Fatalf("THROTTLE_FULL_ONLY: %v", err)
		}
		good = slices.DeleteFunc(good, func(r *mockRun) bool { return !only.MatchString(r.name) })
		if !only.MatchString(over.name) {
			over = nil
		}
	}
	all := append([]*mockRun(nil), good...)
	if over != nil {
		all = append(all, over)
	}
	runAll(t, rl, all)
	for _, r := range all {
		if r.rep != nil {
			t.Logf("%s: verdict %s in %.1f s, estimated %.0f ± %.0f per %s, %s", r.name, r.rep.Verdict, r.rep.DurationSec,
				r.rep.EstimatedLimit, r.rep.Uncertainty, windowOf(r.rep.RateLimit), r.rep.Algorithm)
		}
	}
	for _, r := range good {
		t.Run(r.name, func(t *testing.T) { assertPasses(t, rl, r, max(2, 0.02*float64(rl.Calls))) })
	}
	if over != nil {
		t.Run(over.name, func(t *testing.T) { assertFailsOn(t, over, CheckOverAdmission) })
	}
}

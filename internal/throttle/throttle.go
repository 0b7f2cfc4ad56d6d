// Package throttle is the throttle scenario: it drives fresh accounts of the implementation under
// test past its rate limit and beside it (scenario.go), measures what it saw (analysis.go, where
// the bounds are documented), judges each check on its own evidence (checks.go) and reports
// (report.go, chart.go). It builds on load's attack scaffold, targeter and classifier.
package throttle

import (
	"context"
	"errors"
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// ErrNoVerdict: the throttle scenario could not measure (accounts could not be arranged, the target
// did not answer, the generator could not keep its plan). The CLI exits 3: no pass, no fail.
var ErrNoVerdict = errors.New("throttle: no verdict")

// Options configure the throttle scenario.
type Options struct {
	Target    string                    // base URL of the implementation under test
	States    states.Arranger           // arranges spec.StateFreshAccount (state endpoint or fixture profile)
	RateLimit spec.RateLimit            // the limit to verify (default: the spec's)
	Spec      *spec.Spec                // default spec.Default()
	Signature protocol.SignatureVersion // of the calls (default protocol.SignatureV1)
	Timeout   time.Duration             // per request (default: W/20, at most 10s)
	// Progress, when set, is called about every ProgressEvery (default 250ms) and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration // how often Progress is called
}

// Progress is a snapshot of a running scenario.
type Progress struct {
	Elapsed, Planned time.Duration // since the scenario began; how long it is planned to take (Planned)
	Phase            string        // "overload", then "recovery"
	Requests         uint64        // calls answered so far
	Accepted         uint64        // of them, accepted
	Throttled        uint64        // of them, throttled
	Done             bool          // the last snapshot
}

// Planned is how long the scenario takes for a limit, set-up aside, when its evidence decides as
// early as a correct fixed window or token bucket lets it (analysis.go: 1.3–1.55 W); a sliding
// window counter or a broken limiter takes longer (up to the overload's cap of 2.5 W).
func Planned(rl spec.RateLimit) time.Duration { return time.Duration(1.5 * float64(rl.Window)) }

// Report is the scenario's outcome: the JSON report of docs/protocol.md#reports plus what the text summary and the
// report directory need.
type Report struct {
	Verdict        verdict.Verdict `json:"verdict"`                     // verdict.Inconclusive comes with ErrNoVerdict
	RateLimit      string          `json:"rate_limit"`                  // the limit verified, "6000/1m"
	EstimatedLimit float64         `json:"estimated_limit"`             // the calls per window the target admitted, estimated
	Uncertainty    float64         `json:"estimated_limit_uncertainty"` // the estimate's uncertainty, ±calls
	Algorithm      string          `json:"algorithm"`                   // the limiter family the admissions look like
	Checks         []Check         `json:"checks"`                      // one per check, in CheckNames' order
	Requests       int             `json:"requests"`                    // calls made
	DurationSec    float64         `json:"duration_seconds"`            // how long the scenario ran

	limit   spec.RateLimit
	started time.Time
	results []vegeta.Result // every result, URL redacted, in send order per attack
	obs     []*observation
	roles   []string
	// The overload's story, for the chart: its first throttled answer, the end of its measured
	// window, and when the end rule stopped it (zero: it ran the cap).
	firstThrottle, windowEnd, ended time.Time
}

// Failed lists the checks that failed.
func (r *Report) Failed() []Check {
	var f []Check
	for _, c := range r.Checks {
		if c.Status == CheckFail {
			f = append(f, c)
		}
	}
	return f
}

// roles are the accounts to arrange, in order of importance: the scenario needs the first.
var roles = []string{roleOverload, roleRecovery, roleBelow, roleIsolation}

// Run runs the throttle scenario: it arranges fresh accounts, drives them with the plan described
// at the top of analysis.go, and judges the answers. The error wraps ErrNoVerdict when the run
// cannot support a verdict; the report is returned whenever calls were made, so it can still be
// written.
func Run(ctx context.Context, o Options) (*Report, error) {
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
	if o.Timeout <= 0 {
		o.Timeout = min(10*time.Second, max(lim.Window/20, time.Second))
	}

	accounts, teardown, err := arrangeAccounts(ctx, o.States)
	defer teardown()
	if err != nil {
		return nil, err
	}
	s := newScenario(o)
	rep, err := s.run(ctx, accounts)
	if err != nil {
		return rep, err
	}
	if rep.Verdict == verdict.Inconclusive {
		return rep, fmt.Errorf("%w: %s", ErrNoVerdict, s.noVerdict)
	}
	return rep, nil
}

// arrangeAccounts sets up one fresh account per role, as many as the provider states give (the overload's
// with its second key when it has one). Without the first there is no verdict; fewer skip the
// checks that need them. teardown frees them on a fresh context: the run's may be cancelled, the
// target's accounts still need freeing.
func arrangeAccounts(ctx context.Context, arr states.Arranger) (map[string][]attack.Account, func(), error) {
	accounts := map[string][]attack.Account{}
	var arranged []states.Values
	teardown := func() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, v := range arranged {
			_ = arr.Teardown(tctx, spec.StateFreshAccount, v)
		}
	}
	for i, role := range roles {
		v, err := arr.Setup(ctx, spec.StateFreshAccount)
		if err == nil {
			err = arrange.Require(v, arrange.AccessKeyID, arrange.AccessKeySecret, arrange.ClusterID, arrange.JobID)
			arranged = append(arranged, v)
		}
		if err != nil {
			if i == 0 {
				return nil, teardown, fmt.Errorf("%w: arranging %q: %w", ErrNoVerdict, spec.StateFreshAccount, err)
			}
			break // fewer accounts: the checks that need them are skipped with the reason
		}
		a := attack.Account{Name: role, Credentials: protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]},
			ClusterID: v[arrange.ClusterID], JobID: v[arrange.JobID]}
		accounts[role] = []attack.Account{a}
		if role == roleOverload && v[arrange.AccessKeyID2] != "" && v[arrange.AccessKeySecret2] != "" {
			a2 := a
			a2.Name = role + ".key2"
			a2.Credentials = protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID2], AccessKeySecret: v[arrange.AccessKeySecret2]}
			accounts[role] = append(accounts[role], a2)
		}
	}
	return accounts, teardown, nil
}

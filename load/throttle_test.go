package load

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/mock"
	"github.com/edgeconform/edgeconform/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// testLimit is the scaled limit of the scenario tests: the same shape as 6000/1m in seconds.
// THROTTLE_TEST_LIMIT overrides it (e.g. 600/6s) for a slower, closer-to-scale run.
func testLimit(t testing.TB) spec.RateLimit {
	s := "100/2s"
	if v := os.Getenv("THROTTLE_TEST_LIMIT"); v != "" {
		s = v
	}
	rl, err := spec.ParseRateLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return rl
}

func runAgainstMock(t *testing.T, rl spec.RateLimit, opts ...mock.Option) (*ThrottleReport, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*rl.Window+30*time.Second)
	defer cancel()
	m, err := mock.Start(ctx, append([]mock.Option{mock.WithRateLimit(rl)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return RunThrottle(ctx, ThrottleOptions{Target: m.APIURL, States: states.NewEndpoint(m.AdminURL), RateLimit: rl})
}

func checkOf(r *ThrottleReport, name string) Check {
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Status: "missing"}
}

func logReport(t *testing.T, r *ThrottleReport) {
	t.Helper()
	t.Logf("verdict %s, estimate %.0f±%.0f, %s, %d requests in %.1fs", r.Verdict, r.EstimatedLimit, r.Uncertainty, r.Algorithm, r.Requests, r.DurationSec)
	for _, c := range r.Checks {
		t.Logf("  %-16s %-7s %s", c.Name, c.Status, c.Message)
	}
}

// TestThrottlePassesEveryAlgorithm: the reference implementation with each algorithm conforms.
func TestThrottlePassesEveryAlgorithm(t *testing.T) {
	rl := testLimit(t)
	for _, alg := range ratelimit.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			r, err := runAgainstMock(t, rl, mock.WithAlgorithm(alg))
			if err != nil {
				if r != nil {
					logReport(t, r)
				}
				t.Fatal(err)
			}
			logReport(t, r)
			if r.Verdict != "pass" {
				t.Errorf("verdict %q, want pass; failed: %v", r.Verdict, r.Failed())
			}
			if d := r.EstimatedLimit - float64(rl.Calls); d > r.Uncertainty+float64(rl.Calls)*tolerance || -d > r.Uncertainty+float64(rl.Calls)*tolerance {
				t.Errorf("estimated %.0f±%.0f, want about %d", r.EstimatedLimit, r.Uncertainty, rl.Calls)
			}
		})
	}
}

// TestThrottleFailsBrokenVariants: each deliberately broken throttle fails, on the right check.
func TestThrottleFailsBrokenVariants(t *testing.T) {
	rl := testLimit(t)
	for _, tc := range []struct {
		defect mock.Defect
		check  string
	}{
		{mock.NoLimit, CheckOverAdmission},
		{mock.LimitScaled(1.1), CheckOverAdmission},
		{mock.LimitScaled(0.9), CheckUnderAdmission},
		{mock.GlobalLimit, CheckIsolation},
		{mock.PerKeyLimit, CheckKeying},
		{mock.NeverLifts, CheckRecovery},
		{mock.ThrottleWrongCode, CheckShape},
		{mock.ThrottleWrongStatus, CheckShape},
	} {
		t.Run(tc.defect.String(), func(t *testing.T) {
			t.Parallel()
			r, err := runAgainstMock(t, rl, mock.WithDefects(tc.defect))
			if err != nil {
				if r != nil {
					logReport(t, r)
				}
				t.Fatal(err)
			}
			logReport(t, r)
			if r.Verdict != "fail" {
				t.Errorf("verdict %q, want fail", r.Verdict)
			}
			if c := checkOf(r, tc.check); c.Status != CheckFail {
				t.Errorf("check %s: %s (%s), want fail", tc.check, c.Status, c.Message)
			}
		})
	}
}

var _ = errors.Is
var _ = strconv.Itoa

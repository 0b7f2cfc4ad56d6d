package mock

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// TestWithLimiter: the throttle decides with the caller's limiter, built for the limit the
// defects leave (LimitScaled(0.5) of 6: 3), keyed by account.
func TestWithLimiter(t *testing.T) {
	var calls int
	var window time.Duration
	newLimiter := func(c int, w time.Duration) (ratelimit.Limiter, error) {
		calls, window = c, w
		return ratelimit.New(ratelimit.FixedWindowFirstCall, c, w)
	}
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 6, Window: time.Minute}), WithLimiter(newLimiter), WithDefects(LimitScaled(0.5)))
	if calls != 3 || window != time.Minute {
		t.Fatalf("limiter built for %d per %s, want 3 per 1m0s", calls, window)
	}
	for range 3 {
		e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusForbidden, "OperationDenied")
	}
	e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusBadRequest, "Throttling.User")
	if _, err := New(nil, WithLimiter(func(int, time.Duration) (ratelimit.Limiter, error) { return nil, errors.New("no") })); err == nil {
		t.Error("a limiter that cannot be built: want an error")
	}
}

package mock

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// throttle counts calls per account with a ratelimit.Limiter and renders the rate-limit header.
type throttle struct {
	limiter ratelimit.Limiter
	limit   int // announced in the header: the configured limit, even under LimitScaled
	d       *defects

	mu       sync.Mutex
	stuck    map[string]struct{} // NeverLifts: keys throttled for good
	stuckMax int
}

func newThrottle(rl spec.RateLimit, alg ratelimit.Algorithm, newLimiter func(int, time.Duration) (ratelimit.Limiter, error), d *defects) (*throttle, error) {
	calls := rl.Calls
	if d.limitFactor > 0 {
		calls = max(1, int(math.Round(float64(rl.Calls)*d.limitFactor)))
	}
	if newLimiter == nil {
		newLimiter = func(calls int, window time.Duration) (ratelimit.Limiter, error) {
			return ratelimit.New(alg, calls, window)
		}
	}
	l, err := newLimiter(calls, rl.Window)
	if err != nil {
		return nil, err
	}
	return &throttle{limiter: l, limit: rl.Calls, d: d, stuck: map[string]struct{}{}, stuckMax: 100000}, nil
}

// allow decides a call of the account that owns keyID and returns the x-ratelimit-user-api value
// and, for a throttled call, how long until a call would pass (the value of x-acs-retry-after).
func (t *throttle) allow(accountID, keyID string, now time.Time) (bool, string, time.Duration) {
	if t.d.noLimit {
		return true, header(t.limit, t.limit, 0, now), 0
	}
	k := accountID
	switch {
	case t.d.globalLimit:
		k = ""
	case t.d.perKeyLimit:
		k = keyID
	}
	if t.d.neverLifts {
		t.mu.Lock()
		_, stuck := t.stuck[k]
		t.mu.Unlock()
		if stuck {
			return false, header(t.limit, 0, time.Hour, now), time.Hour
		}
	}
	dec := t.limiter.Allow(k, now)
	if !dec.Allowed {
		if t.d.neverLifts {
			t.mu.Lock()
			if len(t.stuck) < t.stuckMax {
				t.stuck[k] = struct{}{}
			}
			t.mu.Unlock()
		}
		return false, header(t.limit, 0, dec.RetryAfter, now), dec.RetryAfter
	}
	return true, header(t.limit, dec.Remaining, dec.ResetAfter, now), 0
}

// retryAfter renders x-acs-retry-after: whole milliseconds, at least 1 (the SDK ignores 0).
func retryAfter(left time.Duration) string {
	return strconv.FormatInt(max(left.Milliseconds(), 1), 10)
}

// header renders "Limit:6000,Remain:N,TimeLeft:<ms>,Reset:<unix s>" with no spaces, as the SDKs read it.
func header(limit, remain int, left time.Duration, now time.Time) string {
	ms := left.Milliseconds()
	if left > 0 && ms == 0 {
		ms = 1 // never tell a throttled caller to retry at once
	}
	b := make([]byte, 0, 96) // room for the largest limits: never grown
	b = append(b, "Limit:"...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, ",Remain:"...)
	b = strconv.AppendInt(b, int64(max(remain, 0)), 10)
	b = append(b, ",TimeLeft:"...)
	b = strconv.AppendInt(b, ms, 10)
	b = append(b, ",Reset:"...)
	b = strconv.AppendInt(b, int64(math.Ceil(float64(now.Add(left).UnixNano())/1e9)), 10)
	return string(b)
}

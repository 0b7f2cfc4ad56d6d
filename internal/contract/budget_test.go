package contract

import (
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
)

// The throttle case's budget follows the limit: the spec's 6000/1m needs 12010 calls, and with no
// bound given (Config.Throttle.MaxCalls 0, what the commands pass) that is what the case may make.
func TestThrottleBudgetFollowsTheLimit(t *testing.T) {
	for _, tt := range []struct {
		limit spec.RateLimit
		want  int
	}{
		{spec.Default().RateLimit(), 12010},
		{spec.RateLimit{Calls: 20, Window: time.Minute}, 50},
		{spec.RateLimit{Calls: 100000, Window: time.Minute}, 200010},
	} {
		if got := ThrottleBudget(tt.limit); got != tt.want {
			t.Errorf("ThrottleBudget(%s) = %d, want %d", tt.limit, got, tt.want)
		}
	}
	if _, err := newSession(t.Context(), Config{Target: "http://127.0.0.1:1", States: arrange.Map{}, Throttle: Throttle{MaxCalls: -1}}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("a negative bound: %v, want a configuration error", err)
	}
}

// A bound of the harness's own ends a case as skipped, saying so, under --strict too: never a
// failure of the target; a state the target cannot arrange is one under --strict.
func TestHarnessBoundIsNeverTheTargetsFault(t *testing.T) {
	end := func(strict bool, f func(*caseT)) outcome {
		ct := &caseT{s: &session{cfg: Config{Strict: strict}}}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(stopCase); !ok {
						panic(r)
					}
				}
			}()
			f(ct)
		}()
		return ct.out
	}
	for _, strict := range []bool{false, true} {
		o := end(strict, func(ct *caseT) { ct.skipHarness("the limit 6000/1m needs up to 12010 calls") })
		if o.status != StatusSkipped || !strings.Contains(o.message, "not run by the harness") {
			t.Errorf("strict %v: a harness bound ends %s %q, want skipped, the harness's", strict, o.status, o.message)
		}
	}
	if o := end(true, func(ct *caseT) { ct.skip("the state is not supported") }); o.status != StatusFailed {
		t.Errorf("strict: an unsupported state ends %s, want failed", o.status)
	}
}

package throttle

import (
	"context"
	"github.com/edgeconform/edgeconform/internal/statestest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/internal/hostile"
	"github.com/edgeconform/edgeconform/spec"
)

// The throttle scenario against a target that hangs or resets: no verdict, no leak, within its
// planned duration.
func TestThrottleHostileTargets(t *testing.T) {
	for _, mode := range []hostile.Mode{hostile.Hang, hostile.Reset, hostile.NonJSON} {
		t.Run(string(mode), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := hostile.New(mode)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rep, err := Run(ctx, Options{Target: srv.URL, States: &statestest.Counting{},
				RateLimit: spec.RateLimit{Calls: 20, Window: 400 * time.Millisecond}, Timeout: 100 * time.Millisecond})
			if ctx.Err() != nil {
				t.Fatal("the scenario outlived its deadline")
			}
			if rep != nil && rep.Verdict == "pass" {
				t.Errorf("verdict pass against a target that %s", mode)
			}
			t.Logf("verdict %v, err %v", verdictOf(rep), err)
		})
	}
}

func verdictOf(r *Report) string {
	if r == nil {
		return "(no report)"
	}
	return string(r.Verdict)
}

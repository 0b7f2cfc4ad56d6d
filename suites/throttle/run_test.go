package throttle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
	"github.com/edgeconform/edgeconform/suites/throttle"
)

// The public face as a Go user calls it: the reference passes, the reference without a limit fails
// over-admission, each Report naming its checks in CheckNames' order. A run that could not measure
// (a busy machine) is tried again, once.
func TestRunAsAGoUser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives two scaled throttle scenarios (about 8s)")
	}
	rl := spec.RateLimit{Calls: 100, Window: 2 * time.Second}
	run := func(opts ...mock.Option) *throttle.Report {
		t.Helper()
		for attempt := 1; ; attempt++ {
			ref, err := mock.Start(context.Background(), append([]mock.Option{mock.WithRateLimit(rl)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := throttle.Run(t.Context(), throttle.Options{Target: ref.APIURL, States: states.NewEndpoint(ref.AdminURL), RateLimit: rl})
			ref.Close()
			if errors.Is(err, throttle.ErrNoVerdict) && attempt < 2 {
				continue
			}
			if err != nil {
				t.Fatalf("throttle.Run: %v", err)
			}
			names := throttle.CheckNames()
			if len(rep.Checks) != len(names) {
				t.Fatalf("%d checks, want %d (%v)", len(rep.Checks), len(names), names)
			}
			for i, c := range rep.Checks {
				if c.Name != names[i] {
					t.Errorf("check %d is %s, want %s", i, c.Name, names[i])
				}
			}
			return rep
		}
	}
	if rep := run(); rep.Verdict != throttle.VerdictPass {
		t.Errorf("the reference: verdict %s, failed %v", rep.Verdict, rep.Failed())
	}
	rep := run(mock.WithDefects(mock.NoLimit))
	if rep.Verdict != throttle.VerdictFail {
		t.Fatalf("the reference without a limit: verdict %s", rep.Verdict)
	}
	for _, c := range rep.Checks {
		if c.Name == "over-admission" && c.Status != throttle.CheckFail {
			t.Errorf("the reference without a limit: over-admission %s (%s)", c.Status, c.Message)
		}
	}
}

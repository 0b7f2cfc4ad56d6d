package main

import (
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
)

// TestContractPassesEachVariant: the whole contract run (the documented cases, the edge cases,
// the throttle cases at a scaled limit and 60 generated calls) passes every variant of the
// reference implementation (mock.Variants: a correct implementation's other choice where the
// decision table is undecided), with no case skipped. The 50-seed sweep of the generated calls is
// explore's TestVariantsConformOverSeeds, in memory: each case here has connections of its own,
// and a loopback's ports are not endless.
func TestContractPassesEachVariant(t *testing.T) {
	t.Parallel()
	for _, v := range mock.Variants() {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			ref := startRefWith(t, mock.WithRateLimit(throttleLimit), mock.WithVariants(v))
			r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String(),
				"--explore", "60", "--seed", "20", "--parallel", "8")
			if r.exit != 0 || r.json.Failed != 0 || r.json.Skipped != 0 {
				t.Fatalf("exit %d, failed %d, skipped %d; want 0, 0, 0\n%s", r.exit, r.json.Failed, r.json.Skipped, failLines(r.stdout))
			}
			r.checkReports(t)
		})
	}
}

// failLines are the FAIL lines of a summary (and the last line), at most 10.
func failLines(stdout string) string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "FAIL") && len(out) < 10 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestContractCatchesInconsistentRefusal: a target that refuses an unknown parameter on every other
// call only (either choice alone is correct) is caught by the generated calls' consistency, and
// by no other case.
func TestContractCatchesInconsistentRefusal(t *testing.T) {
	t.Parallel()
	ref := startRef(t, mock.InconsistentRefusal)
	r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String(),
		"--explore", "150", "--seed", "20")
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.exit, failLines(r.stdout))
	}
	failed := 0
	for _, c := range r.json.Cases {
		if c.Status != "failed" {
			continue
		}
		failed++
		if !strings.HasPrefix(c.ID, "explore/") || !strings.Contains(c.Message, "consistent: the same call answered") {
			t.Errorf("case %s failed: %s; want only generated calls, for their consistency", c.ID, c.Message)
		}
	}
	t.Logf("%d generated calls of 150 caught it", failed)
}

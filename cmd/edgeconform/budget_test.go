package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestStrictFixtureModeAtTheSpecsLimit: the shipped profile with --strict passes `edgeconform mock`
// at the spec's limit (6000/1m): the throttle cases' call budget follows --rate-limit (12010 calls
// a case), so no case is skipped and none fails for a bound of the harness's own. (About 10s: 8
// accounts driven past 6000 calls each.)
func TestStrictFixtureModeAtTheSpecsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 8 accounts past the spec's 6000/1m")
	}
	t.Parallel()
	p := startMockProc(t)
	r := runContractBinary(t, "--target", p.api, "--profile", filepath.Join("..", "..", "fixtures", "profiles", "reference.yaml"),
		"--strict", "--rate-limit", "6000/1m")
	if r.exit != 0 || r.json.Failed != 0 || r.json.Skipped != 0 {
		t.Fatalf("exit %d, failed %d, skipped %d; want 0, 0, 0\n%s", r.exit, r.json.Failed, r.json.Skipped, failLines(r.stdout))
	}
	throttled := 0
	for _, c := range r.json.Cases {
		if strings.HasPrefix(c.ID, "throttle/") && c.Status == "passed" {
			throttled++
		}
	}
	if throttled != 8 {
		t.Errorf("%d throttle cases passed, want 8 (one per cell)", throttled)
	}
}

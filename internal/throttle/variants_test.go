package throttle

import (
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
)

// TestThrottleVariantsAgainstReference: the throttle scenario passes every variant of the
// reference implementation (mock.Variants: a correct implementation's other choices where the
// sources are silent: no rate-limit header, other JSON layout, repeats taken ...), at the scaled
// limit of the scenario tests. Under the race detector the variant that changes what the
// scenario reads most: no rate-limit header.
func TestThrottleVariantsAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a scaled throttle scenario per variant (about 30s)")
	}
	rl := testLimit(t)
	var runs []*mockRun
	for _, v := range mock.Variants() {
		if raceEnabled && v.String() != mock.NoRateLimitHeaders.String() {
			continue
		}
		runs = append(runs, &mockRun{name: v.String(), opts: []mock.Option{mock.WithVariants(v)}})
	}
	runAll(t, rl, runs)
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) { assertPasses(t, rl, r, 2) })
	}
}

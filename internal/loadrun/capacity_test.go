package loadrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec/states"
)

func TestParseSteps(t *testing.T) {
	for _, c := range []struct {
		steps, ramp string
		want        []int
	}{
		{"500,1000,2000", "", []int{500, 1000, 2000}},
		{"", "500:2000:500", []int{500, 1000, 1500, 2000}},
		{"", "100:250:100", []int{100, 200}},
		{"", "", nil},
	} {
		got, err := ParseSteps(c.steps, c.ramp)
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q %q: %v %v, want %v", c.steps, c.ramp, got, err, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q %q: %v, want %v", c.steps, c.ramp, got, c.want)
			}
		}
	}
	for _, bad := range [][2]string{{"1000,500", ""}, {"0,10", ""}, {"a", ""}, {"", "10:5:1"}, {"", "1:2"}, {"", "1:1000000:1"}, {"1", "1:2:1"}} {
		if _, err := ParseSteps(bad[0], bad[1]); !errors.Is(err, ErrSteps) {
			t.Errorf("%q: %v, want ErrSteps", bad, err)
		}
	}
}

// A stepped run against the reference implementation, scaled down: it climbs until a threshold
// breaks and reports the last rate that kept them all. rps<400 stands in for a latency threshold
// that a real service crosses under load: the 50/s and 100/s steps cannot cross it, the 1000/s
// step does even on a busy machine.
func TestCapacityRunAgainstReference(t *testing.T) {
	ref := startReference(t)
	m, _ := ParseMix("start=80,denied=20")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pools, err := NewPools(ctx, PoolOptions{Target: ref.APIURL, Mix: m, States: states.NewEndpoint(ref.AdminURL), Rate: 100, RateLimit: ref.Server.RateLimit()})
	if err != nil {
		t.Fatal(err)
	}
	defer pools.Close()
	ts, _ := ParseThresholds([]string{"rps<400", "unexpected<1%"})
	var seen []int
	cr, err := RunCapacity(ctx, CapacityOptions{
		Run: RunOptions{Target: ref.APIURL, Pools: pools}, Steps: []int{50, 100, 1000, 2000}, StepDuration: 500 * time.Millisecond,
		Thresholds: ts, OnStep: func(s StepReport) { seen = append(seen, s.Rate) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Capacity != 100 || cr.BrokeAt != 1000 || len(cr.Steps) != 3 || len(seen) != 3 || cr.Verdict != "pass" {
		t.Fatalf("capacity %d, broke at %d after %d steps (%v), verdict %s (%s) %+v; want 100, 1000, 3", cr.Capacity, cr.BrokeAt, len(cr.Steps), seen, cr.Verdict, cr.Crossed, cr.Steps[len(cr.Steps)-1].Report.Paths)
	}
	for _, st := range cr.Steps {
		r := st.Report
		if r.Dry != 0 || len(r.Paths) != 2 || r.Paths[0].Expected != r.Paths[0].Requests {
			t.Errorf("step %d/s: dry %d, paths %+v", st.Rate, r.Dry, r.Paths)
		}
		if planned := uint64(st.Rate) / 2; r.Requests == 0 || r.Requests > planned {
			t.Errorf("step %d/s: %d calls in 500ms, want some, at most %d", st.Rate, r.Requests, planned)
		}
	}
	if !strings.Contains(cr.Crossed, "rps<400") {
		t.Errorf("crossed %q", cr.Crossed)
	}
	var txt strings.Builder
	WriteCapacityText(&txt, cr)
	if !strings.Contains(txt.String(), "Capacity: 100/s (the highest step that kept every threshold)") {
		t.Errorf("text:\n%s", txt.String())
	}

	// Controls: no threshold breaks (capacity is at least the last step); the first step breaks.
	cr, err = RunCapacity(ctx, CapacityOptions{Run: RunOptions{Target: ref.APIURL, Pools: pools}, Steps: []int{50, 100}, StepDuration: 200 * time.Millisecond})
	if err != nil || cr.Capacity != 100 || cr.BrokeAt != 0 {
		t.Errorf("no thresholds: capacity %d, broke at %d, %v", cr.Capacity, cr.BrokeAt, err)
	}
	ts, _ = ParseThresholds([]string{"rps>=1000000"})
	cr, err = RunCapacity(ctx, CapacityOptions{Run: RunOptions{Target: ref.APIURL, Pools: pools}, Steps: []int{50, 100}, StepDuration: 200 * time.Millisecond, Thresholds: ts})
	if err != nil || cr.Capacity != 0 || cr.BrokeAt != 50 || cr.Verdict != "fail" || len(cr.Steps) != 1 {
		t.Errorf("first step crossed: capacity %d, broke at %d, verdict %s, %d steps, %v", cr.Capacity, cr.BrokeAt, cr.Verdict, len(cr.Steps), err)
	}
}

package explore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Every variant of the reference implementation (a correct implementation's other choice where
// the decision table is undecided) breaks no property over the seeds of
// TestReferenceConformsOverSeeds: 50 seeds × 300 generated calls over every cell, both
// signatures (one seed under the race detector, which make test-main runs first, 5 with -short).
// The variants run at once, each against its own in-memory reference.
func TestVariantsConformOverSeeds(t *testing.T) {
	seeds, calls := 50, 300
	switch {
	case raceEnabled:
		seeds = 1
	case testing.Short():
		seeds = 5
	}
	type tally struct {
		failed, sent int
		sigs         map[protocol.SignatureVersion]int
		first        []string
	}
	vs := mock.Variants()
	got := make([]tally, len(vs))
	var wg sync.WaitGroup
	for i, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, release := refRunnerWith(t, mock.WithVariants(v))
			tl := tally{sigs: map[protocol.SignatureVersion]int{}}
			for seed := range seeds {
				for j := range calls {
					p := Generate(r.Spec, uint64(seed), j, allCells, allStates())
					tl.sigs[p.Cell.Signature]++
					out, err := r.Run(context.Background(), p)
					release()
					tl.sent++
					if err != nil {
						tl.first = append(tl.first, fmt.Sprintf("%s: %v", p.ID(), err))
						tl.failed++
						continue
					}
					if out.Failed() {
						tl.failed++
						if len(tl.first) < 5 {
							tl.first = append(tl.first, fmt.Sprintf("%s: %s\n    %s", p.ID(), out.Message(), out.Reproduce))
						}
					}
				}
			}
			got[i] = tl
		}()
	}
	wg.Wait()
	for i, v := range vs {
		tl := got[i]
		if tl.failed > 0 {
			t.Errorf("variant %s: %d of %d generated calls fail, e.g.:\n  %s", v, tl.failed, tl.sent, joinLines(tl.first))
		}
		if tl.sigs[protocol.SignatureV1] == 0 || tl.sigs[protocol.SignatureV3] == 0 {
			t.Errorf("variant %s: signatures used %v", v, tl.sigs)
		}
	}
	t.Logf("%d variants × %d seeds × %d calls: %d failed", len(vs), seeds, calls, func() (n int) {
		for _, tl := range got {
			n += tl.failed
		}
		return n
	}())
}

func joinLines(s []string) string {
	out := ""
	for i, l := range s {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

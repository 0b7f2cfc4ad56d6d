package contract_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/edgeconform/edgeconform/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
	"github.com/edgeconform/edgeconform/suites/contract"
)

// The contract suites against the reference implementation, in-process, with its provider-state
// endpoint and a small limit so that the throttle cases run: `go test ./suites/...` or `ginkgo`.
func TestContract(t *testing.T) {
	RegisterFailHandler(Fail)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second} // a short window: effects/after-Throttling.User waits for it to lift
	ref, err := mock.Start(ctx, mock.WithRateLimit(limit))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	// The Observer seam: each case shows the answer it is judged on, once, with what was sent.
	var mu sync.Mutex
	observed := map[string]int{}
	observer := func(o contract.Observation) contract.Verdict {
		mu.Lock()
		defer mu.Unlock()
		if o.Case == "" || o.Answer == nil || o.Answer.Request == nil || o.Credentials.AccessKeyID == "" || o.Failed {
			t.Errorf("observation %q: answer %v, key %q, failed %v", o.Case, o.Answer, o.Credentials.AccessKeyID, o.Failed)
		}
		observed[o.Case]++
		return contract.Verdict{}
	}
	err = contract.Configure(ctx, contract.Config{
		Target:   ref.APIURL,
		States:   states.NewEndpoint(ref.AdminURL),
		Throttle: contract.Throttle{Limit: limit, Safe: true},
		Observer: observer,
		Explore:  40, Seed: 1, // generated calls too (explore/1/0..39)
	})
	if err != nil {
		t.Fatal(err)
	}
	RunSpecs(t, "Contract suite")
	var ids []string
	for _, id := range contract.CaseIDs() {
		// The fake cases TestResultFromReport registers, and the generated calls, which the
		// Observer does not see (explore.go).
		if !strings.HasPrefix(id, "t/") && !strings.HasPrefix(id, "explore/") {
			ids = append(ids, id)
		}
	}
	if len(ids) < 100 {
		t.Fatalf("%d registered cases", len(ids))
	}
	for _, id := range ids {
		if observed[id] != 1 {
			t.Errorf("case %s observed %d times, want once", id, observed[id])
		}
	}
	if len(observed) != len(ids) {
		t.Errorf("%d cases observed, %d registered", len(observed), len(ids))
	}
}

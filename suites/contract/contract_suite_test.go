package contract_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	machinery "github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
	"github.com/edgeconform/edgeconform/suites/contract"
)

// suiteResult is the run the Ginkgo tree reports: one Entry per case, labelled with its labels.
var suiteResult *contract.Result

// The contract suite against the reference implementation, in-process, with its provider-state
// endpoint and a small limit so that the throttle cases run: `go test ./suites/contract` or
// `ginkgo --label-filter='errors && !xml' ./suites/contract`. contract.Run runs the cases (the
// label filter selects them); Ginkgo reports each as a spec of a table over the Result.
func TestContract(t *testing.T) {
	RegisterFailHandler(Fail)
	ref, limit := startReference(t)
	// The Observer seam (the machinery's, which the binary's recordings use): each case shows the answer it is judged on, once, with what was sent.
	var mu sync.Mutex
	observed := map[string]int{}
	observer := func(o machinery.Observation) machinery.Judgment {
		mu.Lock()
		defer mu.Unlock()
		if o.Case == "" || o.Answer == nil || o.Answer.Request == nil || o.Credentials.AccessKeyID == "" || o.Failed {
			t.Errorf("observation %q: answer %v, key %q, failed %v", o.Case, o.Answer, o.Credentials.AccessKeyID, o.Failed)
		}
		observed[o.Case]++
		return machinery.Judgment{}
	}
	res, err := machinery.RunObserved(t.Context(), contract.Config{
		Target:      ref.APIURL,
		States:      states.NewEndpoint(ref.AdminURL),
		Throttle:    contract.Throttle{Limit: limit, Safe: true},
		LabelFilter: GinkgoLabelFilter(),
		Explore:     40, Seed: 1, // generated calls too (explore/1/0..39)
	}, observer)
	if err != nil {
		t.Fatalf("contract.Run: %v", err)
	}
	suiteResult = res
	RunSpecs(t, "Contract suite")

	var ids []string
	for _, c := range res.Cases {
		// The generated calls, which the Observer does not see (explore.go).
		if !strings.HasPrefix(c.ID, "explore/") {
			ids = append(ids, c.ID)
		}
	}
	if GinkgoLabelFilter() == "" && (len(ids) < 100 || len(res.IDs) != len(res.Cases)) {
		t.Fatalf("%d cases run, %d built", len(ids), len(res.IDs))
	}
	for _, id := range ids {
		if observed[id] != 1 {
			t.Errorf("case %s observed %d times, want once", id, observed[id])
		}
	}
	if len(observed) != len(ids) {
		t.Errorf("%d cases observed, %d run", len(observed), len(ids))
	}
}

// The tree: a table over the cases of the run, built when RunSpecs builds it (after the run).
var _ = Describe("The contract against the reference", func() {
	if suiteResult == nil {
		It("needs TestContract's run", func() { Fail("no contract run to report") })
		return
	}
	args := []any{func(c contract.Case) {
		switch c.Status {
		case contract.StatusFailed:
			Fail(fmt.Sprintf("%s (expected Code %s)\nreproduce: %s", c.Message, c.Code, c.Reproduce))
		case contract.StatusSkipped:
			Skip(c.Message)
		}
		Expect(c.Status).To(Equal(contract.StatusPassed))
	}}
	for _, c := range suiteResult.Cases {
		args = append(args, Entry(c.ID, c, Label(c.Labels...)))
	}
	DescribeTable("case", args...)
})

// startReference starts the reference implementation with a small limit, so that the throttle
// cases run, and stops it when the test ends.
func startReference(t testing.TB, opts ...mock.Option) (*mock.Running, spec.RateLimit) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second} // a short window: effects/after-Throttling.User waits for it to lift
	ref, err := mock.Start(ctx, append([]mock.Option{mock.WithRateLimit(limit)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return ref, limit
}

// outcomeLines are the report's cases as comparable lines: id, code, status, message, and whether
// it has a reproduce line (whose values, the target's port and the state's keys, differ by run).
func outcomeLines(res *contract.Result) []string {
	var out []string
	for _, c := range res.Cases {
		out = append(out, fmt.Sprintf("%s %s %s %q reproduce=%v", c.ID, c.Code, c.Status, c.Message, c.Reproduce != ""))
	}
	return out
}

// diffLines says where got and want first differ ("" nowhere).
func diffLines(got, want []string) string {
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("case %d: got %s, want %s (%d and %d cases)", i, g, w, len(got), len(want))
		}
	}
	return ""
}

// Run is re-entrant: runs at once in one process, each against its own reference (one with a
// defect), share nothing; each Result is the one a run alone gives. Run it with -race.
func TestRunConcurrently(t *testing.T) {
	defect := mock.NoRequestID // fails cases of every area: a difference between runs shows
	run := func(opts ...mock.Option) (*contract.Result, error) {
		ref, limit := startReference(t, opts...)
		return contract.Run(t.Context(), contract.Config{
			Target: ref.APIURL, States: states.NewEndpoint(ref.AdminURL),
			Throttle: contract.Throttle{Limit: limit, Safe: true},
			Explore:  10, Seed: 2,
		})
	}
	serialGood, err := run()
	if err != nil || serialGood.Verdict != contract.VerdictPass {
		t.Fatalf("serial run against the reference: %v, verdict %s", err, serialGood.Verdict)
	}
	serialBad, _ := run(mock.WithDefects(defect))
	if serialBad.Verdict != contract.VerdictFail {
		t.Fatalf("serial run against the reference with %v: verdict %s", defect, serialBad.Verdict)
	}
	const runs = 4 // two of each, all at once
	results := make([]*contract.Result, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				results[i], _ = run()
			} else {
				results[i], _ = run(mock.WithDefects(defect))
			}
		}()
	}
	wg.Wait()
	for i, res := range results {
		want := serialGood
		if i%2 == 1 {
			want = serialBad
		}
		if res == nil {
			t.Fatalf("run %d: no result", i)
		}
		if d := diffLines(outcomeLines(res), outcomeLines(want)); d != "" || res.Verdict != want.Verdict {
			t.Errorf("run %d at once differs from a run alone: %s; verdict %s, want %s", i, d, res.Verdict, want.Verdict)
		}
	}
	checkGolden(t, serialGood)
	if serialGood.Passed < 100 || serialBad.Failed == 0 {
		t.Errorf("serial runs: %d passed, %d failed with %v", serialGood.Passed, serialBad.Failed, defect)
	}
}

var updateCases = flag.Bool("update-cases", false, "rewrite testdata/cases.golden from the run")

// checkGolden holds the documented, edge and throttle cases of a run against the reference (ids,
// codes, statuses, in the report's order) to testdata/cases.golden, written from the JSON report
// of `edgeconform contract` before the suite was made re-entrant: the same cases, in the same
// order. A change that adds or renames cases rewrites it: go test ./suites/contract -run
// TestRunConcurrently -update-cases.
func checkGolden(t *testing.T, res *contract.Result) {
	t.Helper()
	const path = "testdata/cases.golden"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(data), "\n")
	var got []string
	for _, c := range res.Cases {
		if !strings.HasPrefix(c.ID, "explore/") {
			got = append(got, c.ID+" "+c.Code+" "+c.Status)
		}
	}
	if *updateCases {
		if err := os.WriteFile(path, []byte(header+"\n"+strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	if d := diffLines(got, want); d != "" {
		t.Errorf("the cases differ from %s: %s", path, d)
	}
}

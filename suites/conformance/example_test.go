package conformance_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/suites/conformance"
)

// The reference implementation passes: how a mock author calls Test in their own go test, here
// with the reference's API and provider-state handlers in place of theirs.
func TestReferenceConforms(t *testing.T) {
	limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second}
	ref, err := mock.New(nil, mock.WithRateLimit(limit))
	if err != nil {
		t.Fatal(err)
	}
	conformance.Test(t, conformance.Handler(ref.API()), conformance.StateHandler(ref.Admin()),
		conformance.RateLimit(limit))
}

// Run the contract against an implementation in-process. In a go test, conformance.Test does the
// same and reports each case as a subtest:
//
//	conformance.Test(t, conformance.Handler(ref.API()), conformance.StateHandler(ref.Admin()), conformance.RateLimit(limit))
func Example() {
	limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second}
	ref, err := mock.New(nil, mock.WithRateLimit(limit))
	if err != nil {
		panic(err)
	}
	res, err := conformance.Run(context.Background(), conformance.Handler(ref.API()), conformance.StateHandler(ref.Admin()),
		conformance.RateLimit(limit))
	fmt.Println(res.Verdict, res.Failed, err)
	// Output:
	// pass 0 <nil>
}

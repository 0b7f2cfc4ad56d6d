package contract_test

import (
	"context"
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
	limit := spec.RateLimit{Calls: 20, Window: time.Minute}
	ref, err := mock.Start(ctx, mock.WithRateLimit(limit))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	err = contract.Configure(ctx, contract.Config{
		Target:   ref.APIURL,
		States:   states.NewEndpoint(ref.AdminURL),
		Throttle: contract.Throttle{Limit: limit, Safe: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	RunSpecs(t, "Contract suite")
}

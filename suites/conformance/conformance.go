// Package conformance checks an implementation of StartEdgeTranscodeJob from its author's own go
// test, in the shape of testing/fstest.TestFS: one call runs the contract suite (the documented
// cases, the edges, a few generated calls, and the throttled answer's shape at the limit the
// implementation is given) against an http.Handler or a URL, and reports each case as a subtest
// named by its id, failing with the case's message and a line that reproduces the call.
//
//	func TestConformance(t *testing.T) {
//		limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second}
//		h := mymock.New(mymock.Limit(limit))
//		conformance.Test(t, conformance.Handler(h.API()), conformance.StateHandler(h.States()),
//			conformance.RateLimit(limit))
//	}
//
// The provider states (docs/protocol.md#provider-states) come from a Go function (StateFunc), a
// provider-state handler served in-process (StateHandler) or a state URL (StateURL). Everything
// runs in the test's process, on loopback: no CGO, no other process.
package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
	"github.com/edgeconform/edgeconform/suites/contract"
)

// Target is the implementation under test: a handler (Handler) or a base URL (URL).
type Target struct {
	handler http.Handler
	url     string
}

// Handler tests h, served on a loopback server for the length of the test.
func Handler(h http.Handler) Target { return Target{handler: h} }

// URL tests the implementation at base URL u (http://127.0.0.1:9000).
func URL(u string) Target { return Target{url: u} }

// States arranges the provider states the cases need: StateFunc, StateHandler or StateURL.
type States interface {
	arranger(cleanup func(func())) states.Arranger
}

// StateFunc arranges a provider state in Go: it returns the values of docs/protocol.md#provider-states
// (AccessKeyId, AccessKeySecret, ClusterId, JobId) for state, or an error wrapping ErrUnsupported
// for a state the implementation cannot arrange (its cases are skipped). Nothing is torn down.
type StateFunc func(ctx context.Context, state string) (map[string]string, error)

// ErrUnsupported is what a StateFunc returns (wrapped or not) for a state it cannot arrange.
var ErrUnsupported = states.ErrUnsupported

func (f StateFunc) arranger(func(func())) states.Arranger { return funcArranger(f) }

type funcArranger StateFunc

func (f funcArranger) Setup(ctx context.Context, state string) (states.Values, error) {
	v, err := f(ctx, state)
	return states.Values(v), err
}

func (funcArranger) Teardown(context.Context, string, states.Values) error { return nil }

type stateEndpoint struct {
	handler http.Handler
	url     string
}

// StateHandler arranges the states through h, a provider-state endpoint (docs/protocol.md#provider-states),
// served on a loopback server of its own for the length of the test.
func StateHandler(h http.Handler) States { return stateEndpoint{handler: h} }

// StateURL arranges the states through the provider-state endpoint at u.
func StateURL(u string) States { return stateEndpoint{url: u} }

func (e stateEndpoint) arranger(cleanup func(func())) states.Arranger {
	u := e.url
	if e.handler != nil {
		srv := httptest.NewServer(e.handler)
		cleanup(srv.Close)
		u = srv.URL
	}
	return states.NewEndpoint(u)
}

// An Option changes what Test runs.
type Option func(*contract.Config)

// RateLimit says which limit the implementation applies per account: the throttle cases drive
// one account past it. Give a scaled one with a short window (20 calls in 2s) to keep the test
// fast: a case waits for the limit to lift. Without it those cases are skipped.
func RateLimit(l spec.RateLimit) Option {
	return func(c *contract.Config) { c.Throttle = contract.Throttle{Limit: l, Safe: true} }
}

// Explore sets how many generated calls of seed seed are made (DefaultExplore of seed 1 by
// default; 0: none).
func Explore(n int, seed uint64) Option {
	return func(c *contract.Config) { c.Explore, c.Seed = n, seed }
}

// LabelFilter selects the cases by label, as `edgeconform contract --label-filter` does
// ("errors && !xml").
func LabelFilter(expr string) Option { return func(c *contract.Config) { c.LabelFilter = expr } }

// DefaultExplore is how many generated calls Test makes unless told (Explore).
const DefaultExplore = 8

// Test runs the contract against target, with states arranged by st, and reports each case as a
// subtest of t named by its id. A case that fails fails its subtest with its message and
// reproduce line; a skipped case skips its subtest. When the harness could not judge the
// target (it never answered, no state could be arranged), t fails saying why.
func Test(t *testing.T, target Target, st States, opts ...Option) {
	t.Helper()
	test(testingT{t}, target, st, opts...)
}

// Run is Test without a testing.T: it runs the contract the same way and returns its Result
// (contract.Run's error with it). The servers it starts stop when it returns.
func Run(ctx context.Context, target Target, st States, opts ...Option) (*contract.Result, error) {
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	cfg := config(target, st, func(f func()) { cleanups = append(cleanups, f) }, opts)
	return contract.Run(ctx, cfg)
}

func config(target Target, st States, cleanup func(func()), opts []Option) contract.Config {
	u := target.url
	if target.handler != nil {
		srv := httptest.NewServer(target.handler)
		cleanup(srv.Close)
		u = srv.URL
	}
	cfg := contract.Config{Target: u, Explore: DefaultExplore, Seed: 1}
	if st != nil {
		cfg.States = st.arranger(cleanup)
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// tb is what test needs of a *testing.T: a seam, so that the package's tests can watch the
// subtests fail.
type tb interface {
	Helper()
	Cleanup(func())
	Context() context.Context
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Run(name string, f func(tb)) bool
}

type testingT struct{ *testing.T }

func (t testingT) Run(name string, f func(tb)) bool {
	return t.T.Run(name, func(t *testing.T) { f(testingT{t}) })
}

func test(t tb, target Target, st States, opts ...Option) {
	t.Helper()
	if st == nil {
		t.Fatalf("conformance: no provider states (StateFunc, StateHandler or StateURL)")
	}
	res, err := contract.Run(t.Context(), config(target, st, t.Cleanup, opts))
	if res == nil {
		t.Fatalf("conformance: %v", err)
		return
	}
	for _, c := range res.Cases {
		t.Run(c.ID, func(t tb) {
			switch c.Status {
			case contract.StatusFailed:
				msg := fmt.Sprintf("%s: expected Code %s: %s", c.ID, c.Code, c.Message)
				if c.Reproduce != "" {
					msg += "\nreproduce: " + c.Reproduce
				}
				t.Errorf("%s", msg)
			case contract.StatusSkipped:
				t.Skipf("%s", c.Message)
			}
		})
	}
	if err != nil {
		// The harness could not do its job (no answer, no state arranged, every case skipped):
		// a test that judged nothing must not pass.
		t.Errorf("conformance: %v", err)
	}
}

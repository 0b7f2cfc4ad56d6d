package explore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// handlers serves requests in memory by host: the reference sweep makes tens of thousands of
// calls, and loopback sockets would make it minutes under load.
type handlers map[string]http.Handler

func (h handlers) RoundTrip(req *http.Request) (*http.Response, error) {
	srv := req.Clone(req.Context())
	srv.RequestURI = req.URL.RequestURI()
	srv.RemoteAddr = "127.0.0.1:1"
	if srv.Host == "" {
		srv.Host = req.URL.Host
	}
	if srv.Body == nil {
		srv.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	h[req.URL.Host].ServeHTTP(rec, srv)
	return rec.Result(), nil
}

// refRunner is a Runner against a reference implementation with defects, in memory; its release
// tears down the states the last Run arranged.
func refRunner(t testing.TB, defects ...mock.Defect) (*Runner, func()) {
	t.Helper()
	return refRunnerWith(t, mock.WithDefects(defects...))
}

// refRunnerWith is refRunner against a reference implementation with opts.
func refRunnerWith(t testing.TB, opts ...mock.Option) (*Runner, func()) {
	t.Helper()
	srv, err := mock.New(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: handlers{"api.test": srv.API(), "admin.test": srv.Admin()}}
	const target = "http://api.test"
	c, err := client.New(target, client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	ep := states.NewEndpoint("http://admin.test", states.WithHTTPClient(hc))
	seen := map[string]string{}
	var arranged []states.Values
	var names []string
	r := &Runner{
		Spec:   spec.Default(),
		Target: target,
		Arrange: func(ctx context.Context, state string) (states.Values, error) {
			v, err := ep.Setup(ctx, state)
			arranged, names = append(arranged, v), append(names, state)
			return v, err
		},
		Send: func(ctx context.Context, id string, creds protocol.Credentials, call protocol.Call, muts []Mutation) (*client.Answer, string, error) {
			req, err := Build(ctx, target, creds, call, muts)
			if err != nil {
				return nil, "", err
			}
			a, err := c.Do(ctx, req)
			if err != nil {
				return nil, "", err
			}
			dup := seen[a.RequestID]
			seen[a.RequestID] = id
			return a, dup, nil
		},
	}
	release := func() {
		for i, v := range arranged {
			ep.Teardown(context.Background(), names[i], v)
		}
		arranged, names = arranged[:0], names[:0]
	}
	return r, release
}

// The reference implementation breaks no property over 50 seeds × 300 generated calls over every
// cell (both signatures); under the race detector 5 seeds.
func TestReferenceConformsOverSeeds(t *testing.T) {
	seeds, calls := 50, 300
	if raceEnabled || testing.Short() {
		seeds = 5
	}
	r, release := refRunner(t)
	sigs := map[protocol.SignatureVersion]int{}
	mutated := 0
	for seed := range seeds {
		for i := range calls {
			p := Generate(r.Spec, uint64(seed), i, allCells, allStates())
			sigs[p.Cell.Signature]++
			mutated += len(p.Mutations)
			out, err := r.Run(context.Background(), p)
			release()
			if err != nil {
				t.Fatalf("%s: %v", p.ID(), err)
			}
			if out.Failed() {
				t.Errorf("%s: %s\n  %s", p.ID(), out.Message(), out.Reproduce)
			}
		}
	}
	if sigs[protocol.SignatureV1] == 0 || sigs[protocol.SignatureV3] == 0 {
		t.Errorf("signatures used: %v", sigs)
	}
	t.Logf("%d seeds × %d calls, %d mutations, signatures %v: no property broken", seeds, calls, mutated, sigs)
}

// Against a defect the generated calls are caught, each shrunk to a smallest failing set that
// still breaks one of the same properties; the conforming reference passes the same plans.
func TestRunnerShrinksFailures(t *testing.T) {
	ctx := context.Background()
	plan := Plan{Seed: 1, Index: 0, Cell: protocol.Transport{Method: http.MethodPost, Signature: protocol.SignatureV1, Format: protocol.FormatJSON}, State: spec.StateNoSuchJob,
		Mutations: []Mutation{{Kind: Skew, Skew: time.Minute}, {Kind: Drop, Param: "JobId"}, {Kind: Set, Param: "RegionId", Value: "cn-shanghai"}}}
	good, release := refRunner(t)
	if out, err := good.Run(ctx, plan); err != nil || out.Failed() {
		t.Fatalf("the conforming reference: %v %s", err, out.Message())
	}
	release()
	bad, release := refRunner(t, mock.MissingParamUnnamed)
	out, err := bad.Run(ctx, plan)
	release()
	if err != nil {
		t.Fatal(err)
	}
	if !out.Failed() || len(out.Mutations) != 1 || out.Mutations[0].String() != "drop:JobId" {
		t.Fatalf("want a failure shrunk to [drop:JobId], got %v: %s", out.Mutations, out.Message())
	}
	if !slices.Contains(Properties(out.Violations), PropDocumentedCode) || out.Tries == 0 {
		t.Errorf("violations %v after %d tries", out.Violations, out.Tries)
	}
	t.Logf("message: %s", out.Message())
	t.Logf("reproduce: %s", out.Reproduce)

	// A whole seed against a few defects: some plan fails, and every failure's smallest form
	// fails alone again when sent afresh.
	shrunk, whole := 0, 0
	for _, d := range []mock.Defect{mock.ServerErrorOnLongValue, mock.FormEncodingSigner, mock.XMLByDefault, mock.WrongStatus("MissingParameter"),
		mock.MissingParamUnnamed, mock.WrongContentType, mock.InconsistentRefusal} {
		r, release := refRunner(t, d)
		failed := 0
		for i := range 300 {
			p := Generate(r.Spec, 3, i, allCells, allStates())
			out, err := r.Run(ctx, p)
			release()
			if err != nil {
				t.Fatal(err)
			}
			if !out.Failed() {
				continue
			}
			failed++
			if len(out.Mutations) < len(p.Mutations) {
				shrunk++
			} else {
				whole++
			}
			checkShownCall(t, r, d, p, out)
			again, err := r.Run(ctx, Plan{Seed: p.Seed, Index: p.Index, Cell: p.Cell, State: p.State, Mutations: out.Mutations})
			release()
			if err != nil || !again.Failed() {
				t.Errorf("%s: the shrunk form %v passes when sent again", d, out.Mutations)
			}
		}
		if failed == 0 {
			t.Errorf("%s: no generated call of seed 3 fails", d)
		}
		t.Logf("%s: %d of 300 generated calls fail", d, failed)
	}
	if shrunk == 0 || whole == 0 {
		t.Errorf("%d shrunk and %d whole failures: want some of each", shrunk, whole)
	}
}

package mock

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
)

// nullWriter is a ResponseWriter that keeps the status and one reused header map: what the
// handler allocates is then the handler's own.
type nullWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(status int)      { w.status = status }
func (w *nullWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// signedRequests returns n requests of presign's calls, made before any measurement.
func signedRequests(tb testing.TB, n int) []*http.Request {
	qs := presign(tb, n)
	reqs := make([]*http.Request, n)
	for i, q := range qs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/?"+q, nil)
	}
	return reqs
}

// apiAllocBudget is how many allocations the API handler may make for a call that passes every
// check (signature, nonce, throttle) and is answered by the business rules, with its RequestId,
// body and headers. It was 57 before the handler was made lean, 14 after a first round and 4
// after a second (parameters kept as a sorted list, escaped ones decoded into one string, the
// answer on the stack, pooled Incomings, a running job's refusal detail made once);
// a change that adds per-call garbage (reflection, fmt, regexp, map copies) shows here first.
const apiAllocBudget = 6

// apiAllocBudgetRace is the budget under the race detector, whose sync.Pool drops some of what
// it is given (7 measured). `make test` runs the test both ways.
const apiAllocBudgetRace = 10

// The allocation budget of a call through the whole pipeline (deterministic, unlike a timing).
func TestAPIAllocBudget(t *testing.T) {
	srv, err := New(nil, WithRateLimit(spec.RateLimit{Calls: 1 << 30, Window: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.API()
	const runs = 300
	reqs := signedRequests(t, runs+2)
	w := &nullWriter{h: http.Header{}}
	i := 0
	call := func() {
		clear(w.h)
		h.ServeHTTP(w, reqs[i])
		i++
		if w.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403 OperationDenied", w.status)
		}
	}
	call() // warm the pools
	budget := apiAllocBudget
	if raceEnabled {
		budget = apiAllocBudgetRace
	}
	if n := testing.AllocsPerRun(runs, call); n > float64(budget) {
		t.Errorf("%v allocations per call, budget %d (race detector: %v)", n, budget, raceEnabled)
	} else {
		t.Logf("%v allocations per call (budget %d, race detector: %v)", n, budget, raceEnabled)
	}
}

// BenchmarkHandler is the API handler alone on prebuilt requests: its time and allocations per
// call, without the network or a recorder's.
func BenchmarkHandler(b *testing.B) {
	srv, err := New(nil, WithRateLimit(spec.RateLimit{Calls: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	h := srv.API()
	reqs := signedRequests(b, b.N)
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		clear(w.h)
		h.ServeHTTP(w, reqs[i])
	}
}

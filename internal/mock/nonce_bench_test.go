package mock

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
)

// BenchmarkMemoryPerCall reports the heap the reference implementation keeps per call it accepted
// past the nonce check (B/call): 300,000 signed calls (a 60-second run at 5,000/s), each with a
// fresh nonce that must be remembered for the 15-minute window, measured after a GC. The calls
// meet a running job (OperationDenied), so nothing but the nonce store and one account's
// throttle state can grow.
func BenchmarkMemoryPerCall(b *testing.B) {
	const n = 300000
	queries := presign(b, n)
	var perCall float64
	for range b.N {
		srv, err := New(nil, WithRateLimit(spec.RateLimit{Calls: 1 << 30, Window: time.Minute}))
		if err != nil {
			b.Fatal(err)
		}
		h := srv.API()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?"+queries[0], nil)) // warm: the throttle's account
		base := heapInUse() + uint64(srv.nonces.arena.mappedBytes())              // the tables outside the heap too
		for _, q := range queries[1:] {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?"+q, nil))
			if w.Code != http.StatusForbidden {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
		after := heapInUse() + uint64(srv.nonces.arena.mappedBytes())
		perCall = (float64(after) - float64(base)) / float64(n-1)
		if srv.nonces.size() != n {
			b.Fatalf("%d nonces held, want %d", srv.nonces.size(), n)
		}
	}
	b.ReportMetric(perCall, "B/call")
	b.ReportMetric(0, "ns/op")
}

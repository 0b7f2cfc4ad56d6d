package mock

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// presign returns n signed V1 query strings (fresh nonce each) for a call that passes every check
// of the pipeline up to the business rules (OperationDenied on a running job).
func presign(b testing.TB, n int) []string {
	b.Helper()
	s := spec.Default()
	out := make([]string, n)
	now := time.Now()
	for i := range out {
		req, err := protocol.NewRequest(context.Background(), "http://127.0.0.1/", refKey, protocol.Call{
			Action: s.Action(), Version: s.Version(), Time: now,
			Params: url.Values{"ClusterId": {refCluster}, "JobId": {runningJob}},
		})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = req.URL.RawQuery
	}
	return out
}

// hammer sends every query to base with GOMAXPROCS*4 workers over keep-alive connections and
// returns the wall time; want is the status every answer must have.
func hammer(b *testing.B, client *http.Client, base string, queries []string, want int) time.Duration {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var bad atomic.Int64
	began := time.Now()
	for range runtime.GOMAXPROCS(0) * 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(queries)) {
					return
				}
				resp, err := client.Get(base + "/?" + queries[i])
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(began)
	if n := bad.Load(); n > 0 {
		b.Fatalf("%d of %d answers were not %d", n, len(queries), want)
	}
	return d
}

// BenchmarkMockVsBare serves the same signed calls, in the same run, by a bare net/http handler
// and by the reference implementation with signature verification, nonce store and throttle on,
// and reports both rates and their ratio (mock/bare: the share of a bare handler's throughput the
// mock keeps).
func BenchmarkMockVsBare(b *testing.B) {
	queries := presign(b, max(b.N, 1000))
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentTypeJSON)
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"RequestId":"00000000-0000-0000-0000-000000000000","Code":"OperationDenied"}`)
	}))
	defer bare.Close()
	srv, err := New(nil, WithRateLimit(spec.RateLimit{Calls: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	ref := httptest.NewServer(srv.API())
	defer ref.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: runtime.GOMAXPROCS(0) * 4}}
	defer client.CloseIdleConnections()

	b.ResetTimer()
	// Interleaved batches, alternating which goes first, so that a change of machine load during
	// the run weighs on both sides alike.
	const batch = 500
	var tBare, tMock time.Duration
	for i := 0; i < len(queries); i += batch {
		q := queries[i:min(i+batch, len(queries))]
		if (i/batch)%2 == 0 {
			tBare += hammer(b, client, bare.URL, q, http.StatusForbidden)
			tMock += hammer(b, client, ref.URL, q, http.StatusForbidden)
		} else {
			tMock += hammer(b, client, ref.URL, q, http.StatusForbidden)
			tBare += hammer(b, client, bare.URL, q, http.StatusForbidden)
		}
	}
	b.StopTimer()
	n := float64(len(queries))
	b.ReportMetric(n/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(n/tMock.Seconds(), "mock-req/s")
	b.ReportMetric(tBare.Seconds()/tMock.Seconds(), "mock/bare")
}

// BenchmarkPipeline is the handler alone, without the network: parse, verify, nonce, throttle,
// business rules, render.
func BenchmarkPipeline(b *testing.B) {
	queries := presign(b, b.N)
	srv, err := New(nil, WithRateLimit(spec.RateLimit{Calls: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	h := srv.API()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?"+queries[i], nil))
		if w.Code != http.StatusForbidden {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

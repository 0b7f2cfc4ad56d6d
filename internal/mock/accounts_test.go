package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// tenK drives waves of 10,000 distinct accounts through one server, in-process (no sockets: the
// state is what is measured).
type tenK struct {
	tb    testing.TB
	srv   *Server
	clock *fakeClock
}

func newTenK(tb testing.TB) *tenK {
	clock := newClock()
	srv, err := New(nil, WithClock(clock.Now))
	if err != nil {
		tb.Fatal(err)
	}
	return &tenK{tb: tb, srv: srv, clock: clock}
}

// wave sets up n fresh accounts through the admin handler and starts each one's job once, from
// four goroutines at once (as a harness's workers would).
func (k *tenK) wave(n int) {
	const workers = 4
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := k.account(); err != nil {
					k.tb.Errorf("account %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if k.tb.Failed() {
		k.tb.FailNow()
	}
}

func (k *tenK) account() error {
	s := spec.Default()
	rec := httptest.NewRecorder()
	k.srv.Admin().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(`{"state":"a fresh account","action":"setup"}`))))
	var v map[string]string
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		return fmt.Errorf("setup: %d %s", rec.Code, rec.Body)
	}
	call := start(v["ClusterId"], v["JobId"])
	call.Action, call.Version, call.Time = s.Action(), s.Version(), k.clock.Now()
	req, err := protocol.NewRequest(context.Background(), "http://127.0.0.1", protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}, call)
	if err != nil {
		return err
	}
	rec = httptest.NewRecorder()
	k.srv.API().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("call: %d %s", rec.Code, rec.Body)
	}
	return nil
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// 10,000 accounts, then 10,000 more after the nonce window: the setup accounts stay capped at
// DefaultMaxAccounts, the nonce store drops the old generation, the throttle's per-account state
// is swept, and the heap does not grow with the second wave. A third wave shows it settled.
func TestTenThousandAccountsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("30,000 accounts: not in -short")
	}
	const n = 10000
	k := newTenK(t)
	base := heapInUse()
	k.wave(n)
	first := heapInUse()
	if got := k.srv.store.live(); got != n {
		t.Fatalf("%d setup accounts alive, want %d", got, n)
	}
	if got := k.srv.nonces.size(); got != n {
		t.Fatalf("%d nonces held, want %d", got, n)
	}
	var after []uint64
	for w := 2; w <= 3; w++ {
		// Past the nonce window (15 minutes, two generations) and many throttle windows.
		k.clock.Advance(31 * time.Minute)
		k.wave(n)
		after = append(after, heapInUse())
		if got := k.srv.store.live(); got != DefaultMaxAccounts {
			t.Errorf("wave %d: %d setup accounts alive, want the cap %d", w, got, DefaultMaxAccounts)
		}
		if got := k.srv.nonces.size(); got != n {
			t.Errorf("wave %d: %d nonces held, want only this wave's %d", w, got, n)
		}
	}
	mib := func(b uint64) float64 { return float64(b) / (1 << 20) }
	t.Logf("heap in use: %.1f MiB before, %.1f MiB after 10k accounts, %.1f and %.1f MiB after the 2nd and 3rd 10k",
		mib(base), mib(first), mib(after[0]), mib(after[1]))
	grown := float64(first) - float64(base)
	for i, h := range after {
		// Each wave replaces the last: the heap stays near the first wave's (maps keep their
		// buckets, hence some slack). The throttle's keys are counted exactly in ratelimit's
		// TestTenThousandKeysExpire (about 90 bytes a key: too little to see here).
		if float64(h)-float64(base) > 1.3*grown+2<<20 {
			t.Errorf("after wave %d the heap grew by %.1f MiB, the first wave by %.1f MiB: state is not released",
				i+2, mib(h-base), grown/(1<<20))
		}
	}
	if float64(after[1])-float64(after[0]) > 0.1*grown+1<<20 {
		t.Errorf("the third wave added %.1f MiB to the second's: not settled", mib(after[1]-after[0]))
	}
}

// BenchmarkTenThousandAccounts reports the heap that 10,000 live accounts (each set up, called
// once, remembered by the nonce store and the throttle) cost, and the time per account.
func BenchmarkTenThousandAccounts(b *testing.B) {
	const n = 10000
	k := newTenK(b)
	base := heapInUse()
	var heap uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.clock.Advance(31 * time.Minute)
		k.wave(n)
		b.StopTimer()
		heap = heapInUse()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap-min(heap, base))/(1<<20), "heap-MiB/10k-accounts")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/account")
	b.ReportMetric(0, "ns/op")
}

package ratelimit

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"testing"
)

// probeKeys returns one key per shard of l, so that a call with each sweeps every shard.
func probeKeys(l *keyed) []string {
	keys := make([]string, shardCount)
	found := 0
	for i := 0; found < shardCount; i++ {
		k := fmt.Sprintf("probe-%d", i)
		if sh := maphash.String(l.seed, k) % shardCount; keys[sh] == "" {
			keys[sh] = k
			found++
		}
	}
	return keys
}

// 10,000 accounts each make a call; once their windows have passed, one call per shard sweeps
// them all: every algorithm drops to the probes' own entries, whatever it held.
func TestTenThousandKeysExpire(t *testing.T) {
	const n = 10000
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			l := mustNew(t, a).(*keyed)
			probes := probeKeys(l)
			for i := range n {
				if d := l.Allow(fmt.Sprintf("account-%d", i), t0); !d.Allowed {
					t.Fatalf("account %d refused its first call", i)
				}
			}
			if got := l.keys(); got != n {
				t.Fatalf("holding %d keys, want %d", got, n)
			}
			later := t0.Add(3 * w)
			for _, p := range probes {
				l.Allow(p, later)
			}
			if got := l.keys(); got > shardCount {
				t.Errorf("holding %d keys after the 10,000 went idle, want <= %d (the probes)", got, shardCount)
			}
		})
	}
}

// BenchmarkTenThousandKeys reports the heap 10,000 live keys cost in each algorithm.
func BenchmarkTenThousandKeys(b *testing.B) {
	const n = 10000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("account-%d", i)
	}
	for _, a := range Algorithms() {
		b.Run(string(a), func(b *testing.B) {
			var bytes uint64
			for range b.N {
				b.StopTimer()
				before := heap()
				l, _ := New(a, 6000, w)
				b.StartTimer()
				for _, k := range keys {
					l.Allow(k, t0)
				}
				b.StopTimer()
				bytes = heap() - min(before, heap())
				runtime.KeepAlive(l)
				b.StartTimer()
			}
			b.ReportMetric(float64(bytes)/n, "heap-B/key")
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

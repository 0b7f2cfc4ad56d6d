package ratelimit

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// t0 is aligned to the epoch for every test window, so epoch-aligned algorithms start a fresh window.
var t0 = time.Unix(1_800_000_000, 0)

const (
	n = 100
	w = 6 * time.Second
)

// fullAfter is how long after a burst from cold at t0 the key's whole budget is back.
func fullAfter(a Algorithm) time.Duration {
	if a == SlidingWindow {
		return 2 * w // the previous window still weighs on the estimate for one more window
	}
	return w
}

func mustNew(t testing.TB, a Algorithm, opts ...Option) Limiter {
	t.Helper()
	l, err := New(a, n, w, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func burst(l Limiter, key string, now time.Time, calls int) (allowed int, last Decision) {
	for range calls {
		last = l.Allow(key, now)
		if last.Allowed {
			allowed++
		}
	}
	return allowed, last
}

func TestExactlyNFromColdThenNoneThenRecovery(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a)
			for i := range n {
				d := l.Allow("k", t0)
				if !d.Allowed || d.Limit != n || d.Remaining != n-1-i {
					t.Fatalf("call %d: got %+v, want allowed, Limit %d, Remaining %d", i, d, n, n-1-i)
				}
			}
			if got, d := burst(l, "k", t0, 50); got != 0 || d.RetryAfter <= 0 || d.Remaining != 0 {
				t.Fatalf("after N: %d more allowed, last %+v; want none, RetryAfter > 0", got, d)
			}
			// None more inside the window for algorithms that do not refill continuously.
			switch a {
			case FixedWindowEpoch, FixedWindowFirstCall, SlidingLog, SlidingWindow:
				if got, _ := burst(l, "k", t0.Add(w-time.Nanosecond), 10); got != 0 {
					t.Errorf("at end of window: %d allowed, want 0", got)
				}
			case TokenBucket, GCRA:
				// Refill is N per window: exactly one more after w/N, none before.
				if got, _ := burst(l, "k", t0.Add(w/n-time.Nanosecond), 5); got != 0 {
					t.Errorf("before w/N: %d allowed, want 0", got)
				}
				if got, _ := burst(l, "k", t0.Add(w/n), 5); got != 1 {
					t.Errorf("at w/N: %d allowed, want 1", got)
				}
			}
			// Recovery: the whole budget again, and no more.
			at := t0.Add(fullAfter(a) + w/n)
			if got, _ := burst(l, "k", at, 2*n); got != n {
				t.Errorf("after recovery: %d allowed, want %d", got, n)
			}
		})
	}
}

func TestPerKeyIsolation(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a)
			if got, _ := burst(l, "a", t0, 2*n); got != n {
				t.Fatalf("key a: %d allowed, want %d", got, n)
			}
			if got, _ := burst(l, "b", t0.Add(time.Millisecond), 2*n); got != n {
				t.Errorf("key b while a is throttled: %d allowed, want %d", got, n)
			}
			if d := l.Allow("a", t0.Add(2*time.Millisecond)); d.Allowed {
				t.Errorf("key a allowed again after b's burst: %+v", d)
			}
		})
	}
}

// TestRetryAfterAndResetAfterAreHonest: calling again after RetryAfter is allowed, and after
// ResetAfter the whole budget is back.
func TestRetryAfterAndResetAfterAreHonest(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a)
			now := t0.Add(w / 3) // mid-window, so first-call and epoch windows differ
			_, _ = burst(l, "k", now, n)
			d := l.Allow("k", now)
			if d.Allowed || d.RetryAfter <= 0 {
				t.Fatalf("want refused with RetryAfter > 0, got %+v", d)
			}
			if e := l.Allow("k", now.Add(d.RetryAfter-time.Nanosecond)); e.Allowed && a != SlidingWindow {
				t.Errorf("allowed 1ns before RetryAfter %s", d.RetryAfter)
			}
			if e := l.Allow("k", now.Add(d.RetryAfter)); !e.Allowed {
				t.Errorf("refused at RetryAfter %s: %+v", d.RetryAfter, e)
			}

			l = mustNew(t, a)
			_, last := burst(l, "k", now, n)
			if last.ResetAfter <= 0 || last.ResetAfter > 2*w {
				t.Fatalf("ResetAfter %s out of (0, 2w]", last.ResetAfter)
			}
			if got, _ := burst(l, "k", now.Add(last.ResetAfter), 2*n); got != n {
				t.Errorf("at ResetAfter %s: %d allowed, want %d", last.ResetAfter, got, n)
			}
		})
	}
}

// TestSustainedOverload drives 2N per window for many windows: in the long run every algorithm admits
// N per window, and no window of length w ever holds more than 2N (fixed windows at a boundary,
// bucket after its burst: N + burst).
func TestSustainedOverload(t *testing.T) {
	const windows = 20
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a)
			step := w / (2 * n)
			start := t0.Add(w / 7)
			var admitted []time.Time
			for i := range windows * 2 * n {
				now := start.Add(time.Duration(i) * step)
				if l.Allow("k", now).Allowed {
					admitted = append(admitted, now)
				}
			}
			total := len(admitted)
			if lo, hi := (windows-1)*n, (windows+1)*n; total < lo || total > hi {
				t.Errorf("admitted %d over %d windows, want in [%d, %d]", total, windows, lo, hi)
			}
			worst, j := 0, 0
			for i := range admitted {
				for admitted[i].Sub(admitted[j]) >= w {
					j++
				}
				worst = max(worst, i-j+1)
			}
			bound := 2 * n
			if a == SlidingLog {
				bound = n
			}
			if worst > bound {
				t.Errorf("a window of length w held %d admitted calls, want <= %d", worst, bound)
			}
		})
	}
}

func TestGCRABurst(t *testing.T) {
	l := mustNew(t, GCRA, WithBurst(10))
	if got, _ := burst(l, "k", t0, n); got != 10 {
		t.Fatalf("burst 10: %d allowed from cold, want 10", got)
	}
	// Then one per w/N.
	if got, _ := burst(l, "k", t0.Add(w/n), 5); got != 1 {
		t.Errorf("at w/N: %d allowed, want 1", got)
	}
}

func TestIdleKeysExpire(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a).(*keyed)
			for i := range 2000 {
				l.Allow(fmt.Sprintf("old-%d", i), t0)
			}
			if got := l.keys(); got != 2000 {
				t.Fatalf("holding %d keys, want 2000", got)
			}
			later := t0.Add(3 * w)
			for i := range 2000 {
				l.Allow(fmt.Sprintf("new-%d", i), later)
			}
			if got := l.keys(); got > 2000+shardCount {
				t.Errorf("holding %d keys after the old ones went idle, want <= %d", got, 2000+shardCount)
			}
		})
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		a     Algorithm
		calls int
		win   time.Duration
		opts  []Option
	}{
		{GCRA, 0, w, nil},
		{GCRA, n, 0, nil},
		{GCRA, n, -w, nil},
		{GCRA, 10, 5, nil}, // window shorter than one nanosecond per call
		{"leaky", n, w, nil},
		{TokenBucket, n, w, []Option{WithBurst(0)}},
	} {
		if _, err := New(tc.a, tc.calls, tc.win, tc.opts...); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%q, %d, %s): err %v, want ErrInvalid", tc.a, tc.calls, tc.win, err)
		}
	}
	if _, err := ParseAlgorithm("gcra"); err != nil {
		t.Error(err)
	}
	if _, err := ParseAlgorithm("nope"); err == nil {
		t.Error("ParseAlgorithm(nope): want an error")
	}
}

// TestConcurrentExactlyN: many goroutines on one key at one instant — exactly N get through.
// Run with -race.
func TestConcurrentExactlyN(t *testing.T) {
	for _, a := range Algorithms() {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, a)
			var allowed atomic.Int64
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						if l.Allow("shared", t0).Allowed {
							allowed.Add(1)
						}
						l.Allow(fmt.Sprintf("own-%d", g), time.Now())
					}
				}()
			}
			wg.Wait()
			if got := allowed.Load(); got != n {
				t.Errorf("%d allowed across goroutines, want %d", got, n)
			}
		})
	}
}

func BenchmarkAllow(b *testing.B) {
	for _, a := range Algorithms() {
		b.Run(string(a), func(b *testing.B) {
			l, err := New(a, 6000, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			keys := make([]string, 1024)
			for i := range keys {
				keys[i] = fmt.Sprintf("LTAI-key-%d", i)
			}
			var clock atomic.Int64
			clock.Store(t0.UnixNano())
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					now := time.Unix(0, clock.Add(int64(time.Microsecond)))
					l.Allow(keys[i%len(keys)], now)
					i++
				}
			})
		})
	}
}

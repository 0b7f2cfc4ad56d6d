// Package ratelimit holds keyed rate-limit algorithms: every key (an AccessKeyId, an account, or ""
// for a global limit) gets its own budget of calls per window. The clock is the caller's: Allow takes
// the time, so tests drive it and the mock can inject a fake clock.
//
// All limiters are safe for concurrent use (sharded mutexes) and bounded in memory: a key whose state
// has returned to "fresh" is dropped by a lazy sweep, so idle keys cost nothing after about a window
// (two windows for the sliding window counter).
package ratelimit

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// Algorithm names a rate-limit algorithm. The names are stable: they appear in flags and reports.
type Algorithm string

const (
	// FixedWindowEpoch counts calls in windows aligned to the Unix epoch (00:00, 00:01, ... for 1m).
	FixedWindowEpoch Algorithm = "fixed-window-epoch"
	// FixedWindowFirstCall counts calls in windows that start at a key's first call after the last
	// window ended.
	FixedWindowFirstCall Algorithm = "fixed-window-first-call"
	// SlidingLog remembers every admitted call of the last window: exact, O(N) memory per key.
	SlidingLog Algorithm = "sliding-log"
	// SlidingWindow (sliding window counter) weights the previous epoch-aligned window's count by the
	// part of it still inside the sliding window.
	SlidingWindow Algorithm = "sliding-window"
	// TokenBucket holds Burst tokens (default N) and refills N per window continuously.
	TokenBucket Algorithm = "token-bucket"
	// GCRA is the generic cell rate algorithm (virtual scheduling) with a burst of Burst (default N).
	GCRA Algorithm = "gcra"
)

// Algorithms returns every algorithm, in a stable order.
func Algorithms() []Algorithm {
	return []Algorithm{FixedWindowEpoch, FixedWindowFirstCall, SlidingLog, SlidingWindow, TokenBucket, GCRA}
}

// ParseAlgorithm returns the algorithm named s.
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range Algorithms() {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("ratelimit: unknown algorithm %q (want one of %v)", s, Algorithms())
}

// ErrInvalid is returned by New for a non-positive limit, window or burst, or an unknown algorithm.
var ErrInvalid = errors.New("ratelimit: invalid limiter")

// Decision is the answer to one call.
type Decision struct {
	Allowed bool
	// Limit is the configured number of calls per window (N).
	Limit int
	// Remaining is how many more calls the key could make right now (after this one, if allowed).
	Remaining int
	// ResetAfter is how long until the key's budget is whole again (Remaining == Limit, or Burst for
	// a bucket); zero when it already is.
	ResetAfter time.Duration
	// RetryAfter is how long until a next call would be allowed; zero when Allowed.
	RetryAfter time.Duration
}

// Limiter decides, per key, whether a call at time now is allowed. Allow records an allowed call;
// a refused call costs nothing.
type Limiter interface {
	Allow(key string, now time.Time) Decision
}

// Option configures a limiter.
type Option func(*config)

type config struct {
	burst int
}

// WithBurst returns an option which sets the burst of TokenBucket (bucket capacity) and GCRA (calls
// admitted at once from cold). The default is the limit N; other algorithms ignore it.
func WithBurst(b int) Option { return func(c *config) { c.burst = b } }

// New returns a keyed limiter admitting calls per window with algorithm alg.
func New(alg Algorithm, calls int, window time.Duration, opts ...Option) (Limiter, error) {
	if calls <= 0 || window <= 0 {
		return nil, fmt.Errorf("%w: want calls > 0 and window > 0, got %d/%s", ErrInvalid, calls, window)
	}
	if int64(window)/int64(calls) <= 0 {
		return nil, fmt.Errorf("%w: window %s too short for %d calls", ErrInvalid, window, calls)
	}
	c := config{burst: calls}
	for _, o := range opts {
		o(&c)
	}
	if c.burst <= 0 {
		return nil, fmt.Errorf("%w: burst %d", ErrInvalid, c.burst)
	}
	p := params{n: int64(calls), w: int64(window), burst: int64(c.burst)}
	var mk func() state
	switch alg {
	case FixedWindowEpoch:
		mk = func() state { return &fixedWindow{epoch: true} }
	case FixedWindowFirstCall:
		mk = func() state { return &fixedWindow{} }
	case SlidingLog:
		mk = func() state { return &slidingLog{} }
	case SlidingWindow:
		mk = func() state { return &slidingWindow{} }
	case TokenBucket:
		mk = func() state { return &tokenBucket{} }
	case GCRA:
		mk = func() state { return &gcra{} }
	default:
		return nil, fmt.Errorf("%w: unknown algorithm %q", ErrInvalid, alg)
	}
	k := &keyed{p: p, mk: mk, seed: maphash.MakeSeed()}
	for i := range k.shards {
		k.shards[i].m = make(map[string]*entry)
	}
	return k, nil
}

// params are the limiter's settings in nanoseconds.
type params struct {
	n, w, burst int64
}

// state is one key's algorithm state. allow is called under the shard lock with a monotonic now.
type state interface {
	allow(p *params, now int64) Decision
	// idleAt is the time from which the state behaves as a fresh one; the key may be dropped then.
	idleAt(p *params) int64
}

type entry struct {
	last int64 // latest now seen: time never runs backwards for a key
	s    state
}

const shardCount = 64

type shard struct {
	mu        sync.Mutex
	m         map[string]*entry
	lastSweep int64
}

type keyed struct {
	p      params
	mk     func() state
	seed   maphash.Seed
	shards [shardCount]shard
}

func (k *keyed) Allow(key string, now time.Time) Decision {
	t := now.UnixNano()
	sh := &k.shards[maphash.String(k.seed, key)%shardCount]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// Sweep at most once per window: O(keys in shard) per window, amortised O(1) per call.
	if t-sh.lastSweep >= k.p.w {
		sh.lastSweep = t
		for key, e := range sh.m {
			if e.s.idleAt(&k.p) <= t {
				delete(sh.m, key)
			}
		}
	}
	e, ok := sh.m[key]
	if !ok {
		e = &entry{last: t, s: k.mk()}
		sh.m[key] = e
	}
	// Callers read the clock before taking the lock; a slightly older now is treated as the latest.
	if t < e.last {
		t = e.last
	}
	e.last = t
	return e.s.allow(&k.p, t)
}

// keys reports how many keys the limiter holds (for tests of the memory bound).
func (k *keyed) keys() int {
	n := 0
	for i := range k.shards {
		k.shards[i].mu.Lock()
		n += len(k.shards[i].m)
		k.shards[i].mu.Unlock()
	}
	return n
}

// floorMod is the non-negative remainder, so epoch alignment also works before 1970.
func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// ceilDiv divides non-negative a by positive b rounding up.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// fixedWindow counts calls in [start, start+w).
type fixedWindow struct {
	epoch   bool
	started bool
	start   int64
	count   int64
}

func (f *fixedWindow) allow(p *params, now int64) Decision {
	if !f.started || now >= f.start+p.w {
		f.started = true
		f.count = 0
		if f.epoch {
			f.start = now - floorMod(now, p.w)
		} else {
			f.start = now
		}
	}
	left := time.Duration(f.start + p.w - now)
	d := Decision{Limit: int(p.n)}
	if f.count < p.n {
		f.count++
		d.Allowed = true
	} else {
		d.RetryAfter = left
	}
	d.Remaining = int(p.n - f.count)
	if f.count > 0 {
		d.ResetAfter = left
	}
	return d
}

func (f *fixedWindow) idleAt(p *params) int64 { return f.start + p.w }

// slidingLog keeps the times of admitted calls in a ring (oldest at head), at most n of them.
type slidingLog struct {
	ring       []int64
	head, size int
}

func (s *slidingLog) allow(p *params, now int64) Decision {
	// A call at t counts while t > now-w.
	// The ring grows on demand: a key that makes few calls does not pay for N slots.
	for s.size > 0 && s.ring[s.head] <= now-p.w {
		s.head = (s.head + 1) % len(s.ring)
		s.size--
	}
	d := Decision{Limit: int(p.n)}
	if int64(s.size) < p.n {
		s.push(p, now)
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(s.ring[s.head] + p.w - now)
	}
	d.Remaining = int(p.n) - s.size
	if s.size > 0 {
		newest := s.ring[(s.head+s.size-1)%len(s.ring)]
		d.ResetAfter = time.Duration(newest + p.w - now)
	}
	return d
}

func (s *slidingLog) push(p *params, t int64) {
	if s.size == len(s.ring) {
		// Full (and size < n, or we would not push): re-lay in order into a larger ring, at most n.
		grown := make([]int64, min(max(2*s.size, 16), int(p.n)))
		for i := 0; i < s.size; i++ {
			grown[i] = s.ring[(s.head+i)%len(s.ring)]
		}
		s.ring, s.head = grown, 0
	}
	s.ring[(s.head+s.size)%len(s.ring)] = t
	s.size++
}

func (s *slidingLog) idleAt(p *params) int64 {
	if s.size == 0 {
		return math.MinInt64
	}
	return s.ring[(s.head+s.size-1)%len(s.ring)] + p.w
}

// slidingWindow estimates the calls of the last w as prev*(w-elapsed)/w + curr, with epoch-aligned
// windows; a call is allowed when the estimate including it is at most n.
type slidingWindow struct {
	started    bool
	start      int64 // start of the current window
	prev, curr int64
}

func (s *slidingWindow) allow(p *params, now int64) Decision {
	start := now - floorMod(now, p.w)
	switch {
	case !s.started:
		s.started = true
	case start == s.start+p.w:
		s.prev, s.curr = s.curr, 0
	case start != s.start:
		s.prev, s.curr = 0, 0
	}
	s.start = start
	e := now - start
	// Compare in float64: prev*(w-e) overflows int64 for long windows with large limits.
	est := func(curr int64) float64 { return float64(s.prev)*float64(p.w-e)/float64(p.w) + float64(curr) }
	d := Decision{Limit: int(p.n)}
	if est(s.curr+1) <= float64(p.n) {
		s.curr++
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(s.retryAfter(p, now))
	}
	d.Remaining = max(0, int(math.Floor(float64(p.n)-est(s.curr)+1e-9)))
	switch {
	case s.curr > 0:
		d.ResetAfter = time.Duration(start + 2*p.w - now)
	case s.prev > 0:
		d.ResetAfter = time.Duration(start + p.w - now)
	}
	return d
}

// retryAfter is the time from now until est(curr+1) <= n, for a refused call.
func (s *slidingWindow) retryAfter(p *params, now int64) int64 {
	e := now - s.start
	// In the current window: prev*(w-e')/w <= n-curr-1  <=>  e' >= w - (n-curr-1)*w/prev.
	if room := p.n - s.curr - 1; room >= 0 && s.prev > 0 {
		need := p.w - int64(float64(room)*float64(p.w)/float64(s.prev))
		if need < p.w {
			return max(need-e, 1)
		}
	}
	// In the next window prev' = curr: curr*(w-e')/w + 1 <= n  <=>  e' >= w - (n-1)*w/curr.
	next := s.start + p.w - now
	if s.curr > 0 {
		need := p.w - int64(float64(p.n-1)*float64(p.w)/float64(s.curr))
		next += max(need, 0)
	}
	return max(next, 1)
}

func (s *slidingWindow) idleAt(p *params) int64 {
	if !s.started {
		return math.MinInt64
	}
	return s.start + 2*p.w
}

// tokenBucket holds up to burst tokens and gains n per w. Tokens are kept in units of 1/n of a
// window's worth of nanoseconds ("token-ns": one token = w ns) so refill is exact integer arithmetic.
type tokenBucket struct {
	started bool
	last    int64
	tok     int64 // tokens * w, i.e. token-ns; refill adds elapsed*n
}

func (b *tokenBucket) capacity(p *params) int64 { return p.burst * p.w }

func (b *tokenBucket) allow(p *params, now int64) Decision {
	c := b.capacity(p)
	if !b.started {
		b.started, b.tok = true, c
	} else if el := now - b.last; el > 0 {
		// el*n may overflow for very long idle gaps: cap at full first.
		if el >= ceilDiv(c, p.n) {
			b.tok = c
		} else {
			b.tok = min(c, b.tok+el*p.n)
		}
	}
	b.last = now
	d := Decision{Limit: int(p.n)}
	if b.tok >= p.w {
		b.tok -= p.w
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(ceilDiv(p.w-b.tok, p.n))
	}
	d.Remaining = int(b.tok / p.w)
	d.ResetAfter = time.Duration(ceilDiv(c-b.tok, p.n))
	return d
}

func (b *tokenBucket) idleAt(p *params) int64 {
	if !b.started {
		return math.MinInt64
	}
	return b.last + ceilDiv(b.capacity(p)-b.tok, p.n)
}

// gcra is virtual scheduling: tat is the theoretical arrival time of the next call at the sustained
// rate; a call is allowed when tat-now <= (burst-1)*T, where T = w/n is the emission interval.
// T is kept as the rational w/n by holding tat-last scaled by n, so N calls per window are exact
// and absolute times are never multiplied (which would overflow).
type gcra struct {
	set  bool
	last int64 // ns
	x    int64 // (tat-last)*n, never negative
}

func (g *gcra) allow(p *params, now int64) Decision {
	var x int64 // (tat-now)*n
	if g.set {
		if el := now - g.last; el < ceilDiv(g.x, p.n) {
			x = max(g.x-el*p.n, 0)
		}
	}
	tau := (p.burst - 1) * p.w // (burst-1)*T scaled by n
	d := Decision{Limit: int(p.n)}
	if x <= tau {
		x += p.w // one emission interval T = w/n, scaled by n
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration(ceilDiv(x-tau, p.n))
	}
	g.set, g.last, g.x = true, now, x
	d.Remaining = int(max(0, (tau+p.w-x)/p.w))
	d.ResetAfter = time.Duration(ceilDiv(x, p.n))
	return d
}

func (g *gcra) idleAt(p *params) int64 {
	if !g.set {
		return math.MinInt64
	}
	return g.last + ceilDiv(g.x, p.n)
}

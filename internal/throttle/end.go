package throttle

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/edgeconform/edgeconform/spec"
)

// ender applies the end rule (analysis.go) to the overload's answers as they arrive: it says when
// every check is decided, so that the overload may stop: the count of the W-interval before the
// latest throttled answers has settled after the limiter was full, or the counter fit holds
// (counter.go), or over-admission is already certain. It only reads decision times; the verdict
// is the analysis' alone, on every answer, the ones still in flight included.
type ender struct {
	n      int
	w      int64 // ns
	settle int   // s: how far the counts may vary and still be settled
	tol    int   // over-admission's tolerance (max(2, 3% of N))
	acc    []int64
	thr    []int64 // decision times, sorted
	// The accepted calls' round trips (send, arrival; each sorted): their side of an edge within
	// one is uncertain.
	sent, back []int64
	maxLat     int64
	next       int64 // the earliest decision time of the next evaluation (every W/200)
	twoKeys    bool  // the overload is driven through two keys (keying reads its measured window)
	why        string
	// isolated is the latest decision time of a throttled answer to the isolation account (ns, 0:
	// none); its load runs in another goroutine.
	isolated atomic.Int64
}

// Settling spans of the end rule: a count within s of N must hold for W/20, any other for W/4.
const (
	settleAtLimit = 20 // W/20
	settleElse    = 4  // W/4
)

func newEnder(rl spec.RateLimit, twoKeys bool) *ender {
	return &ender{n: rl.Calls, w: int64(rl.Window), settle: settleOf(rl.Calls), tol: tolOf(rl.Calls), twoKeys: twoKeys}
}

// add records one answer of the overload.
func (e *ender) add(o *observation) {
	e.maxLat = max(e.maxLat, int64(o.latency))
	switch o.kind {
	case kindAccepted:
		e.acc = insertSorted(e.acc, o.at().UnixNano())
		e.sent = insertSorted(e.sent, o.sent.UnixNano())
		e.back = insertSorted(e.back, o.sent.Add(o.latency).UnixNano())
	case kindThrottled:
		e.thr = insertSorted(e.thr, o.at().UnixNano())
	}
}

// addIsolation records one answer of the isolation account: throttled while the overload is, it
// fails isolation whatever follows.
func (e *ender) addIsolation(o *observation) {
	if o.kind != kindThrottled {
		return
	}
	t := o.at().UnixNano()
	for {
		old := e.isolated.Load()
		if t <= old || e.isolated.CompareAndSwap(old, t) {
			return
		}
	}
}

// insertSorted inserts v into sorted s; answers arrive nearly in order, so it is a short move.
func insertSorted(s []int64, v int64) []int64 {
	i := len(s)
	for i > 0 && s[i-1] > v {
		i--
	}
	return slices.Insert(s, i, v)
}

// count is c(E) = accepted([E−W, E)).
func (e *ender) count(end int64) int {
	lo, _ := slices.BinarySearch(e.acc, end-e.w)
	hi, _ := slices.BinarySearch(e.acc, end)
	return hi - lo
}

// before counts the accepted calls decided before t.
func (e *ender) before(t int64) int {
	i, _ := slices.BinarySearch(e.acc, t)
	return i
}

// uncertain counts the accepted calls whose round trip contains t.
func (e *ender) uncertain(t int64) int {
	a, _ := slices.BinarySearch(e.sent, t)
	b, _ := slices.BinarySearch(e.back, t)
	return a - b
}

// done reports whether the end rule holds over the decisions before cutoff (the answers of later
// ones may still be in flight). It evaluates at most once every W/200 of cutoff time; why says
// which part held.
func (e *ender) done(cutoff time.Time) bool {
	now := cutoff.UnixNano()
	if now < e.next {
		return false
	}
	e.next = now + e.w/200
	switch {
	case len(e.thr) > 0 && e.isolated.Load() >= e.thr[0]:
		e.why = "isolation failed"
	case e.overAdmitted(now):
		e.why = "over-admission certain"
	case len(e.thr) == 0:
		return false
	case e.settled(now):
		e.why = "settled"
	case e.fitted(now):
		e.why = "counter fit"
	default:
		return false
	}
	return true
}

// settled: c(E') for the throttled answers E' with E'−W ≥ t_f spans at least δ and varies by at
// most s.
func (e *ender) settled(now int64) bool {
	first, _ := slices.BinarySearch(e.thr, e.thr[0]+e.w) // E' − W ≥ t_f
	hi, _ := slices.BinarySearch(e.thr, now)
	if hi-first < 2 {
		return false
	}
	end := e.thr[hi-1]
	c := e.count(end)
	// At the limit: within one call (a bucket's N+1) and the calls whose side of the window's
	// edges is uncertain. A count merely within s of N may still be a counter's approach to it
	// (analysis.go): it waits for W/4 like any other, and the counter fit is faster.
	span := e.w / settleElse
	if abs(c-e.n) <= 1+e.uncertain(end)+e.uncertain(end-e.w) {
		span = e.w / settleAtLimit
	}
	if end-e.thr[first] < span {
		return false
	}
	from, _ := slices.BinarySearch(e.thr, end-span)
	step := max(1, (hi-from)/40)
	lo, up := c, c
	for i := from; i < hi; i += step {
		ci := e.count(e.thr[i])
		lo, up = min(lo, ci), max(up, ci)
	}
	return up-lo <= e.settle
}

// fitted: the counter fit holds at the latest throttled answer.
func (e *ender) fitted(now int64) bool {
	hi, _ := slices.BinarySearch(e.thr, now)
	// One call stricter than the analysis' fit: the answers still in flight must not undo it.
	f := fitInput{acc: e.acc, thr: e.thr[:hi], n: e.n, w: e.w, settle: max(1, e.settle-1), u: e.uncertain}
	ok, _, _ := f.fit(hi - 1)
	return ok
}

// overAdmitted: some W-interval starting at an accepted call holds, certainly and whatever the
// answers still to come, more than over-admission allows (N + tol from the first throttled answer
// on, 2N + tol before it), with a margin of 1% of N for the analysis' wider uncertainty (it also
// counts a late call's planned time). Only the intervals still open or just closed are looked at:
// the earlier ones were at an earlier evaluation.
func (e *ender) overAdmitted(now int64) bool {
	tf := int64(1<<63 - 1)
	if hi, _ := slices.BinarySearch(e.thr, now); hi > 0 {
		tf = e.thr[0]
		// Keying reads the window before the last throttled answer: it must lie after t_f (the
		// initial burst would look like a budget per key), and with two keys it must be decided
		// already: by a budget per key (more than 1.5N in that window), or by one budget evident
		// from the start (at most 1.5N admitted before t_f: two budgets of N, each key offered
		// 2N/W, admit about 2N before either throttles). Otherwise the window keying reads may
		// still be a counter per key filling.
		last := e.thr[hi-1]
		if last-e.w < tf {
			return false
		}
		sep := int(separateKeysFactor * float64(e.n))
		margin := max(2, e.n/100)
		if e.twoKeys && e.count(last)-e.uncertain(last)-e.uncertain(last-e.w) <= sep+margin && e.before(tf) > sep-margin {
			return false
		}
	}
	margin := max(2, e.n/100)
	// Calls still to answer that may land on an open interval's end: the offered rate over two
	// round trips and an evaluation interval.
	pending := int(overloadFactor*float64(e.n)*float64(2*e.maxLat+e.w/200)/float64(e.w)) + 1
	from, _ := slices.BinarySearch(e.acc, now-e.w-e.w/50)
	hi, _ := slices.BinarySearch(e.acc, now)
	for j := from; j < hi; j++ {
		s := e.acc[j]
		k, _ := slices.BinarySearch(e.acc[j:hi], s+e.w)
		certain := k - e.uncertain(s) - e.uncertain(s+e.w)
		if s+e.w > now {
			certain -= pending
		}
		bound := 2*e.n + e.tol
		if s >= tf {
			bound = e.n + e.tol
		}
		if certain > bound+margin {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

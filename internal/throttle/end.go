package throttle

import (
	"slices"
	"time"

	"github.com/edgeconform/edgeconform/spec"
)

// ender applies the end rule (analysis.go) to the overload's answers as they arrive: it says when
// the count of the W-interval before the latest throttled answers has settled after the limiter
// was full, so that every check is decided and the overload may stop. It only reads decision
// times; the verdict is the analysis' alone, on every answer, the ones still in flight included.
type ender struct {
	n      int
	w      int64 // ns
	settle int   // s: how far the counts may vary and still be settled
	acc    []int64
	thr    []int64 // decision times, sorted
	next   int64   // the earliest decision time of the next evaluation (every W/200)
}

// Settling spans of the end rule: a count within s of N must hold for W/20, any other for W/4.
const (
	settleAtLimit = 20 // W/20
	settleElse    = 4  // W/4
)

func newEnder(rl spec.RateLimit) *ender {
	return &ender{n: rl.Calls, w: int64(rl.Window), settle: max(1, (rl.Calls+199)/200)}
}

// add records one answer of the overload.
func (e *ender) add(o *observation) {
	switch o.kind {
	case kindAccepted:
		e.acc = insertSorted(e.acc, o.at().UnixNano())
	case kindThrottled:
		e.thr = insertSorted(e.thr, o.at().UnixNano())
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

// done reports whether the end rule holds over the decisions before cutoff (the answers of later
// ones may still be in flight). It evaluates at most once every W/200 of cutoff time.
func (e *ender) done(cutoff time.Time) bool {
	now := cutoff.UnixNano()
	if now < e.next || len(e.thr) == 0 {
		return false
	}
	e.next = now + e.w/200
	first, _ := slices.BinarySearch(e.thr, e.thr[0]+e.w) // E' − W ≥ t_f
	hi, _ := slices.BinarySearch(e.thr, now)
	if hi-first < 2 {
		return false
	}
	end := e.thr[hi-1]
	c := e.count(end)
	span := e.w / settleElse
	if abs(c-e.n) <= e.settle {
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

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

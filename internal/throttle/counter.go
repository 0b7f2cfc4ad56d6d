package throttle

import (
	"math"
	"slices"
)

// The counter fit (analysis.go derives it): a sliding window counter throttles when its own
// estimate of the last window, m(E) = c(k−1)·(1−e) + c([kW, E)) for a decision time E at e
// windows into the epoch window k, reaches N; the exact count of [E−W, E) reaches N only once a
// window has been admitted uniformly. The fit measures the limit from m where the evidence shows
// that m is the limiter's count: the epoch window before E's held N calls, and m has stayed
// within s of N at every throttled answer for counterSpan (a rate 10% off N/W, or bursts, move it
// by more in that time).

// counterSpan is the settling span of the counter fit: W/8 (a rate 10% off moves m by 1.25% of N,
// 2.5 s; bursts and windowed limiters by an eighth of N).
const counterSpan = 8

// fitInput is what the fit reads: decision times of the overload's accepted and throttled answers
// (ns, sorted), the limit, and how many accepted calls have an uncertain side at a time t.
type fitInput struct {
	acc, thr []int64
	n        int
	w        int64
	settle   int
	u        func(t int64) int
	// lenient: m may vary by s beyond the calls whose side of its edges is uncertain (the
	// analysis, which has every answer: a stall's catch-up leaves throttled and accepted answers
	// interleaved out of their decision order); the end rule holds m itself to s, so that what it
	// stopped on the analysis finds too.
	lenient bool
}

// countIn counts acc in [from, to).
func (f *fitInput) countIn(from, to int64) int {
	lo, _ := slices.BinarySearch(f.acc, from)
	hi, _ := slices.BinarySearch(f.acc, to)
	return hi - lo
}

// model is m(E), with the calls whose side of its edges is uncertain.
func (f *fitInput) model(e int64) (m float64, unc int) {
	start := e - floorMod(e, f.w)
	frac := float64(e-start) / float64(f.w)
	m = float64(f.countIn(start-f.w, start))*(1-frac) + float64(f.countIn(start, e))
	return m, f.u(start-f.w) + f.u(start) + f.u(e)
}

// fit reports whether the counter fit holds at the throttled answer thr[last], and if so m there
// with its uncertainty. It needs a whole window watched after the first throttled answer.
func (f *fitInput) fit(last int) (ok bool, m float64, unc int) {
	if last < 1 || last >= len(f.thr) {
		return false, 0, 0
	}
	end := f.thr[last]
	span := f.w / counterSpan
	if end-f.thr[0] < f.w {
		return false, 0, 0
	}
	from, _ := slices.BinarySearch(f.thr, end-span)
	// The limiter throttled before the span and throughout it (its first sample near its start).
	if from == 0 || f.thr[from]-(end-span) > span/4 {
		return false, 0, 0
	}
	// Every epoch window the span touches follows one of N: checked for each, not by sampling (a
	// span reaching back into the window after a first one that did not fill must not fit).
	for ws := (end - span) - floorMod(end-span, f.w); ws <= end; ws += f.w {
		if abs(f.countIn(ws-f.w, ws)-f.n) > 1+f.u(ws-f.w)+f.u(ws) {
			return false, 0, 0
		}
	}
	step := max(1, (last+1-from)/40)
	lo, up := math.Inf(1), math.Inf(-1)
	for i := last; i >= from; i -= step {
		mi, ui := f.model(f.thr[i])
		if math.Abs(mi-float64(f.n)) > float64(f.settle+ui) {
			return false, 0, 0
		}
		slack := 0.0
		if f.lenient {
			slack = float64(ui)
		}
		lo, up = min(lo, mi+slack), max(up, mi-slack)
		if i == last {
			m, unc = mi, ui
		}
	}
	if up-lo > float64(f.settle) {
		return false, 0, 0
	}
	return true, m, unc
}

// fitEstimate is the limit a fitted m says: the counter throttles at m > N−1 and admitted the
// call before at m ≤ N, so N is m rounded up.
func fitEstimate(m float64) int { return int(math.Ceil(m - 1e-6)) }

// floorMod is the non-negative remainder (epoch windows before 1970 too).
func floorMod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

package loadrun

import (
	"math"
	"math/bits"
)

// latHist is a small latency histogram in microseconds: HdrHistogram's log-linear layout with 64
// sub-buckets per power of two (exact below 128µs, within 1/64 above: about two significant
// digits), its counts kept densely from the lowest occupied bin to the highest. A time bucket of
// one path holds a few hundred bins at most, where hdrhistogram-go would hold 3,328 counters for
// the same range; a timeline keeps hundreds of them.
type latHist struct {
	lo int      // bin of n[0]
	n  []uint32 // counts of bins lo, lo+1, ...
}

const histSubBits = 6 // 64 sub-buckets per octave

// histBin is the bin of a latency of us microseconds.
func histBin(us uint64) int {
	if us < 2<<histSubBits {
		return int(us)
	}
	e := bits.Len64(us) - histSubBits - 1
	return e<<histSubBits + int(us>>e)
}

// histValue is the middle of bin b, in microseconds.
func histValue(b int) float64 {
	if b < 2<<histSubBits {
		return float64(b)
	}
	e := b>>histSubBits - 1
	m := b&(1<<histSubBits-1) | 1<<histSubBits
	lo := float64(uint64(m) << e)
	return lo + (float64(uint64(1)<<e)-1)/2
}

func (h *latHist) record(us uint64) { h.addBin(histBin(us), 1) }

func (h *latHist) addBin(b int, c uint32) {
	switch {
	case len(h.n) == 0:
		h.lo, h.n = b, append(h.n[:0], c)
		return
	case b < h.lo:
		grown := make([]uint32, h.lo-b+len(h.n), h.lo-b+len(h.n)+8)
		copy(grown[h.lo-b:], h.n)
		h.lo, h.n = b, grown
	case b >= h.lo+len(h.n):
		h.n = append(h.n, make([]uint32, b-h.lo-len(h.n)+1)...)
	}
	h.n[b-h.lo] += c
}

// merge adds the counts of o.
func (h *latHist) merge(o *latHist) {
	for i, c := range o.n {
		if c > 0 {
			h.addBin(o.lo+i, c)
		}
	}
}

func (h *latHist) total() uint64 {
	var t uint64
	for _, c := range h.n {
		t += uint64(c)
	}
	return t
}

// quantile returns the latency (µs) at quantile q of counts summed over hs, NaN when they are
// empty: the middle of the bin holding the ceil(q·N)-th value.
func quantileOf(q float64, hs ...*latHist) float64 {
	lo, hi := math.MaxInt, -1
	var n uint64
	for _, h := range hs {
		if len(h.n) == 0 {
			continue
		}
		lo, hi = min(lo, h.lo), max(hi, h.lo+len(h.n)-1)
		n += h.total()
	}
	if n == 0 {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	var seen uint64
	for b := lo; b <= hi; b++ {
		for _, h := range hs {
			if i := b - h.lo; i >= 0 && i < len(h.n) {
				seen += uint64(h.n[i])
			}
		}
		if seen >= rank {
			return histValue(b)
		}
	}
	return histValue(hi)
}

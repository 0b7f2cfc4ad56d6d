package loadrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A Timeline is a run's results per time bucket and per series (the whole run, "all", and each
// path of a mix): counts by outcome and a latency histogram. The charts draw percentiles and
// throughput over time from it, `report compare` resamples its buckets, and shards' timelines
// merge exactly (the histograms add). Buckets are aligned on the Unix epoch and start at
// TimelineBucket wide; past TimelineMaxBuckets the width doubles (pairs of buckets merge), so a
// timeline holds at most that many buckets per series, however long the run.
type Timeline struct {
	width    time.Duration
	lo       int64 // absolute index (Unix time / width) of bucket 0
	len      int   // buckets from lo
	series   []*tlSeries
	byName   map[string]*tlSeries
	from, to time.Time // first and last request start
}

// SeriesAll is the series of every result of a run.
const SeriesAll = "all"

// Timeline bounds.
const (
	TimelineBucket     = 100 * time.Millisecond
	TimelineMaxBuckets = 400
)

// tlSeries is one series' buckets, indexed from the timeline's lo; it may be shorter than the
// timeline (buckets past its end are empty).
type tlSeries struct {
	name    string
	buckets []tlBucket
}

// tlBucket is one time bucket of one series.
type tlBucket struct {
	counts [ClassDry + 1]uint32 // by Class
	maxUS  uint32
	hist   latHist
}

// NewTimeline returns an empty timeline.
func NewTimeline() *Timeline {
	return &Timeline{width: TimelineBucket, byName: map[string]*tlSeries{}}
}

// Width is the buckets' width.
func (t *Timeline) Width() time.Duration { return t.width }

// Len is the number of buckets from the first to the last.
func (t *Timeline) Len() int { return t.len }

// Start is the start of the first bucket.
func (t *Timeline) Start() time.Time { return time.Unix(0, t.lo*int64(t.width)) }

// Series names the series in the order they first had a result ("all" first when present).
func (t *Timeline) Series() []string {
	out := make([]string, len(t.series))
	for i, s := range t.series {
		out[i] = s.name
	}
	return out
}

func (t *Timeline) seriesOf(name string) *tlSeries {
	if len(t.series) > 0 && t.series[0].name == name {
		return t.series[0] // "all": every result's
	}
	s := t.byName[name]
	if s == nil {
		s = &tlSeries{name: name}
		t.byName[name] = s
		if name == SeriesAll {
			t.series = append([]*tlSeries{s}, t.series...)
		} else {
			t.series = append(t.series, s)
		}
	}
	return s
}

// Add records a result that started at at, of class c, taking latency, in the named series.
// A dry call (not sent) has no latency.
func (t *Timeline) Add(series string, at time.Time, latency time.Duration, c Class) {
	i := t.index(at)
	s := t.seriesOf(series)
	if len(s.buckets) <= i {
		s.buckets = append(s.buckets, make([]tlBucket, i+1-len(s.buckets))...)
	}
	b := &s.buckets[i]
	b.counts[c]++
	if c == ClassDry {
		return
	}
	us := uint64(min(max(latency/time.Microsecond, histMin), time.Duration(histMax)))
	b.hist.record(us)
	b.maxUS = max(b.maxUS, uint32(min(us, math.MaxUint32)))
}

// index returns the bucket of at, growing (and coarsening) the timeline to hold it.
func (t *Timeline) index(at time.Time) int {
	if t.from.IsZero() || at.Before(t.from) {
		t.from = at
	}
	if at.After(t.to) {
		t.to = at
	}
	ns := at.UnixNano()
	if i := floorDiv(ns, int64(t.width)) - t.lo; t.len > 0 && i >= 0 && i < int64(t.len) {
		return int(i) // the common case: a bucket the timeline has
	}
	t.cover(ns, ns)
	return int(floorDiv(ns, int64(t.width)) - t.lo)
}

// cover grows the timeline to hold the instants first..last (Unix nanoseconds), coarsening while
// that takes more than TimelineMaxBuckets.
func (t *Timeline) cover(first, last int64) {
	for {
		lo, hi := floorDiv(first, int64(t.width)), floorDiv(last, int64(t.width))
		if t.len > 0 {
			lo, hi = min(lo, t.lo), max(hi, t.lo+int64(t.len)-1)
		}
		if hi-lo+1 > TimelineMaxBuckets {
			if t.len == 0 {
				t.width *= 2
			} else {
				t.coarsen()
			}
			continue
		}
		if t.len == 0 {
			t.lo, t.len = lo, int(hi-lo)+1
			return
		}
		if lo < t.lo {
			t.shift(int(t.lo - lo))
		}
		t.len = int(hi-t.lo) + 1
		return
	}
}

// shift prepends k empty buckets to every series.
func (t *Timeline) shift(k int) {
	for _, s := range t.series {
		if len(s.buckets) == 0 {
			continue
		}
		s.buckets = append(make([]tlBucket, k, k+len(s.buckets)), s.buckets...)
	}
	t.lo -= int64(k)
	t.len += k
}

// coarsen doubles the width: absolute bucket i goes to i/2 (floored), merging pairs.
func (t *Timeline) coarsen() {
	nlo := floorDiv(t.lo, 2)
	nhi := floorDiv(t.lo+int64(t.len)-1, 2)
	for _, s := range t.series {
		out := make([]tlBucket, 0, len(s.buckets)/2+1)
		for i := range s.buckets {
			j := int(floorDiv(t.lo+int64(i), 2) - nlo)
			for len(out) <= j {
				out = append(out, tlBucket{})
			}
			out[j].mergeFrom(&s.buckets[i])
		}
		s.buckets = out
	}
	t.width *= 2
	t.lo, t.len = nlo, int(nhi-nlo)+1
}

func (b *tlBucket) mergeFrom(o *tlBucket) {
	for c := range b.counts {
		b.counts[c] += o.counts[c]
	}
	b.maxUS = max(b.maxUS, o.maxUS)
	b.hist.merge(&o.hist)
}

func floorDiv(a, b int64) int64 {
	if a >= 0 && b > 0 {
		return a / b
	}
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Merge adds o's buckets to t (shards of one run; a capacity run's steps), coarsening either
// to the wider of the two widths first. o is not changed.
func (t *Timeline) Merge(o *Timeline) {
	if o == nil || o.len == 0 {
		return
	}
	o = o.clone()
	for o.width < t.width {
		o.coarsen()
	}
	for t.width < o.width {
		t.coarsen()
	}
	if t.from.IsZero() || o.from.Before(t.from) {
		t.from = o.from
	}
	if o.to.After(t.to) {
		t.to = o.to
	}
	t.cover(o.Start().UnixNano(), o.Start().Add(time.Duration(o.len)*o.width-1).UnixNano())
	for o.width < t.width { // cover may have coarsened t
		o.coarsen()
	}
	for _, os := range o.series {
		s := t.seriesOf(os.name)
		for i := range os.buckets {
			j := int(o.lo + int64(i) - t.lo)
			if len(s.buckets) <= j {
				s.buckets = append(s.buckets, make([]tlBucket, j+1-len(s.buckets))...)
			}
			s.buckets[j].mergeFrom(&os.buckets[i])
		}
	}
}

func (t *Timeline) clone() *Timeline {
	c := &Timeline{width: t.width, lo: t.lo, len: t.len, byName: map[string]*tlSeries{}, from: t.from, to: t.to}
	for _, s := range t.series {
		cs := &tlSeries{name: s.name, buckets: make([]tlBucket, len(s.buckets))}
		for i := range s.buckets {
			cs.buckets[i].mergeFrom(&s.buckets[i])
		}
		c.series = append(c.series, cs)
		c.byName[s.name] = cs
	}
	return c
}

// Coarsened returns a copy of t whose buckets are at least w wide.
func (t *Timeline) Coarsened(w time.Duration) *Timeline {
	c := t.clone()
	for c.width < w && c.len > 1 {
		c.coarsen()
	}
	return c
}

// Bucket is one bucket of one series, as the charts and compare read it.
type Bucket struct {
	Start  time.Duration // after the timeline's first bucket's start
	Counts Counts
	Max    time.Duration
	hist   *latHist
}

// Quantile is the latency at q (0..1) in the bucket, NaN when it has no answer.
func (b Bucket) Quantile(q float64) float64 {
	if b.hist == nil {
		return math.NaN()
	}
	return quantileOf(q, b.hist) / 1000
}

// Buckets returns series' buckets, every one from the first to the last (empty ones too).
func (t *Timeline) Buckets(series string) []Bucket {
	s := t.byName[series]
	out := make([]Bucket, t.len)
	for i := range out {
		out[i].Start = time.Duration(i) * t.width
		if s == nil || i >= len(s.buckets) {
			continue
		}
		b := &s.buckets[i]
		out[i].hist = &b.hist
		out[i].Max = time.Duration(b.maxUS) * time.Microsecond
		for c, n := range b.counts {
			out[i].Counts.addN(Class(c), uint64(n))
		}
	}
	return out
}

// timelineJSON is the JSON form (the "timeline" of a JSON report). Each series has one string per
// bucket, so that an indented report keeps a bucket on one line:
//
//	"OK REFUSED THROTTLED FAILED DRY MAX_US | BIN:COUNT BIN:COUNT ..."
//
// the counts by outcome, the largest latency in µs, then the latency histogram's occupied bins
// (bin b holds b µs below 128 µs; above, 64 bins per power of two: HdrHistogram's layout).
type timelineJSON struct {
	Start    time.Time    `json:"start"`
	BucketMS float64      `json:"bucket_ms"`
	From     time.Time    `json:"first_request"`
	To       time.Time    `json:"last_request"`
	Series   []seriesJSON `json:"series"`
}

type seriesJSON struct {
	Name    string   `json:"name"`
	Buckets []string `json:"buckets"`
}

// MarshalJSON writes timelineJSON.
func (t *Timeline) MarshalJSON() ([]byte, error) {
	j := timelineJSON{Start: t.Start().UTC(), BucketMS: float64(t.width) / float64(time.Millisecond), From: t.from.UTC(), To: t.to.UTC(),
		Series: []seriesJSON{}}
	for _, s := range t.series {
		sj := seriesJSON{Name: s.name, Buckets: make([]string, t.len)}
		for i := range t.len {
			var b tlBucket
			if i < len(s.buckets) {
				b = s.buckets[i]
			}
			sj.Buckets[i] = b.String()
		}
		j.Series = append(j.Series, sj)
	}
	return json.Marshal(j)
}

// String is the bucket's JSON form.
func (b *tlBucket) String() string {
	var sb strings.Builder
	for _, c := range []Class{ClassOK, ClassRefused, ClassThrottled, ClassFailed, ClassDry} {
		sb.WriteString(strconv.FormatUint(uint64(b.counts[c]), 10))
		sb.WriteByte(' ')
	}
	sb.WriteString(strconv.FormatUint(uint64(b.maxUS), 10))
	sb.WriteString(" |")
	for i, c := range b.hist.n {
		if c > 0 {
			fmt.Fprintf(&sb, " %d:%d", b.hist.lo+i, c)
		}
	}
	return sb.String()
}

// maxBin is past any latency's bin (an hour is bin 1727).
const maxBin = 1 << 11

// parseBucket reads what String wrote.
func parseBucket(s string) (tlBucket, error) {
	var b tlBucket
	head, hist, ok := strings.Cut(s, "|")
	fs := strings.Fields(head)
	if !ok || len(fs) != 6 {
		return b, fmt.Errorf("bucket %q: want OK REFUSED THROTTLED FAILED DRY MAX_US | BIN:COUNT ...", s)
	}
	var v [6]uint32
	for i, f := range fs {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return b, fmt.Errorf("bucket %q: %q is not a count", s, f)
		}
		v[i] = uint32(n)
	}
	b.counts[ClassOK], b.counts[ClassRefused], b.counts[ClassThrottled], b.counts[ClassFailed], b.counts[ClassDry], b.maxUS =
		v[0], v[1], v[2], v[3], v[4], v[5]
	var inHist uint64
	for _, f := range strings.Fields(hist) {
		bs, cs, ok := strings.Cut(f, ":")
		bin, err1 := strconv.ParseUint(bs, 10, 32)
		c, err2 := strconv.ParseUint(cs, 10, 32)
		if !ok || err1 != nil || err2 != nil || bin >= maxBin {
			return b, fmt.Errorf("bucket %q: %q is not BIN:COUNT", s, f)
		}
		b.hist.addBin(int(bin), uint32(c))
		inHist += c
	}
	if answered := uint64(v[0]) + uint64(v[1]) + uint64(v[2]) + uint64(v[3]); inHist != answered {
		return b, fmt.Errorf("bucket %q: its histogram holds %d latencies for %d calls", s, inHist, answered)
	}
	return b, nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (t *Timeline) UnmarshalJSON(data []byte) error {
	var j timelineJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	w := time.Duration(j.BucketMS * float64(time.Millisecond))
	if w <= 0 {
		return errors.New("timeline: bucket_ms must be positive")
	}
	*t = Timeline{width: w, lo: floorDiv(j.Start.UnixNano(), int64(w)), byName: map[string]*tlSeries{}, from: j.From, to: j.To}
	for _, sj := range j.Series {
		if len(sj.Buckets) > 1<<16 {
			return fmt.Errorf("timeline: series %q: %d buckets", sj.Name, len(sj.Buckets))
		}
		s := t.seriesOf(sj.Name)
		s.buckets = make([]tlBucket, len(sj.Buckets))
		for i, bs := range sj.Buckets {
			b, err := parseBucket(bs)
			if err != nil {
				return fmt.Errorf("timeline: series %q: %w", sj.Name, err)
			}
			s.buckets[i] = b
		}
		t.len = max(t.len, len(sj.Buckets))
	}
	return nil
}

// addN counts n results of class c (a dry call is not a request).
func (c *Counts) addN(class Class, n uint64) {
	switch class {
	case ClassDry:
		c.Dry += n
		return
	case ClassOK:
		c.OK += n
	case ClassThrottled:
		c.Throttled += n
	case ClassRefused:
		c.Refused += n
	default:
		c.Failed += n
	}
	c.Requests += n
}

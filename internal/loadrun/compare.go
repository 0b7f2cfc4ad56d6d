package loadrun

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Comparing two runs of one plan (`edgeconform report compare BASE NEW`): every figure's change
// comes with a confidence interval from a block bootstrap over the runs' time buckets. Each
// resample draws as many buckets as the run has, with replacement, from BASE and from NEW
// independently, and recomputes the figures from the drawn buckets' counts and histograms; the
// interval is the middle Level of the resampled changes. Buckets, not single calls, are resampled
// because calls close in time are not independent (a GC pause, a busy neighbour slows a second's
// worth of them). The draws come from a PCG stream with a fixed seed: the same inputs give the
// same intervals.

// ErrCompare is wrapped by the errors of inputs that cannot be compared (usage, exit 2).
var ErrCompare = errors.New("cannot compare")

// ErrTooShort: a run has too few time buckets for an interval (no verdict, exit 3).
var ErrTooShort = errors.New("too short to tell a change from noise")

// Compare defaults.
const (
	DefaultResamples = 2000
	DefaultSeed      = 20261201
	DefaultLevel     = 0.95
	// MinCompareBuckets is the fewest time buckets a run needs for an interval.
	MinCompareBuckets = 10
	// compareBlock is the longest block resampled (calls a second apart are about as alike as
	// any two); shorter when that leaves fewer than compareMinBlocks.
	compareBlock     = time.Second
	compareMinBlocks = 20
)

// CompareOptions configure Compare.
type CompareOptions struct {
	Resamples  int     // default DefaultResamples
	Seed       uint64  // default DefaultSeed
	Level      float64 // default DefaultLevel
	Thresholds []ChangeThreshold
}

// Comparison is the result of Compare (the JSON of `report compare --json`).
type Comparison struct {
	Base       string         `json:"base"`
	New        string         `json:"new"`
	Level      float64        `json:"level"`
	Resamples  int            `json:"resamples"`
	Seed       uint64         `json:"seed"`
	BlockMS    [2]float64     `json:"block_ms"` // the buckets resampled, BASE's and NEW's
	Series     []SeriesChange `json:"series"`
	Thresholds []ChangeResult `json:"thresholds,omitempty"`
	Verdict    Verdict        `json:"verdict"`
	Skipped    []string       `json:"skipped,omitempty"` // series in one run only
	timelines  [2]*Timeline   // the blocks resampled, for the HTML page
	quantiles  []float64
}

// SeriesChange is the changes of one series: the whole run ("all") or one path.
type SeriesChange struct {
	Series  string         `json:"series"`
	Metrics []MetricChange `json:"metrics"`
}

// MetricChange is one figure of BASE and NEW and the change, with intervals. Latencies are in
// ms, throughput per second, errors a fraction. Relative is NEW/BASE - 1 (absent when BASE is
// 0); Change is NEW - BASE.
type MetricChange struct {
	Metric      string   `json:"metric"` // p50, p90, p99 (any p(N) a threshold asks), throughput, errors
	Unit        string   `json:"unit"`   // ms, 1/s, ratio
	Base        float64  `json:"base"`
	New         float64  `json:"new"`
	Change      float64  `json:"change"`
	ChangeLow   float64  `json:"change_low"`
	ChangeHigh  float64  `json:"change_high"`
	Relative    *float64 `json:"relative,omitempty"`
	RelLow      *float64 `json:"relative_low,omitempty"`
	RelHigh     *float64 `json:"relative_high,omitempty"`
	Significant bool     `json:"significant"` // the interval of the change leaves out 0
}

// compareSample is one run's series as the bootstrap draws it.
type compareSample struct {
	buckets []Bucket
	full    []bool // the bucket lies wholly between the run's first and last call (throughput)
	width   float64
	lo, hi  int // the bins any bucket occupies
}

// figures of one draw (or of the whole run): the quantiles asked, throughput, error share.
type drawFigures struct {
	q          []float64 // ms
	throughput float64
	errors     float64
}

func newSample(tl *Timeline, series string) compareSample {
	s := compareSample{buckets: tl.Buckets(series), width: tl.Width().Seconds(), lo: math.MaxInt, hi: -1}
	start := tl.Start()
	for _, b := range s.buckets {
		from := start.Add(b.Start)
		s.full = append(s.full, !from.Before(tl.from) && !from.Add(tl.Width()).After(tl.to))
		if b.hist != nil && len(b.hist.n) > 0 {
			s.lo, s.hi = min(s.lo, b.hist.lo), max(s.hi, b.hist.lo+len(b.hist.n)-1)
		}
	}
	return s
}

// figures computes the figures of the buckets idx (with repeats) of s, using scratch.
func (s *compareSample) figures(idx []int, qs []float64, scratch []uint64) drawFigures {
	f := drawFigures{q: make([]float64, len(qs))}
	for i := range f.q {
		f.q[i] = math.NaN()
	}
	clear(scratch)
	var requests, failed, n, fullAnswered uint64
	var fullBuckets int
	for _, i := range idx {
		b := &s.buckets[i]
		requests += b.Counts.Requests
		failed += b.Counts.Failed
		if s.full[i] {
			fullAnswered += b.Counts.OK + b.Counts.Refused
			fullBuckets++
		}
		if b.hist != nil {
			for j, c := range b.hist.n {
				scratch[b.hist.lo+j-s.lo] += uint64(c)
				n += uint64(c)
			}
		}
	}
	if fullBuckets > 0 {
		f.throughput = float64(fullAnswered) / (float64(fullBuckets) * s.width)
	} else {
		f.throughput = math.NaN()
	}
	f.errors = math.NaN()
	if requests > 0 {
		f.errors = float64(failed) / float64(requests)
	}
	if n == 0 {
		return f
	}
	// qs rise: one walk finds them all.
	var seen uint64
	k := 0
	for b := 0; b < len(scratch) && k < len(qs); b++ {
		seen += scratch[b]
		for k < len(qs) && seen >= max(uint64(math.Ceil(qs[k]*float64(n))), 1) {
			f.q[k] = histValue(b+s.lo) / 1000
			k++
		}
	}
	return f
}

// compareTimeline is tl coarsened into the blocks the bootstrap draws.
func compareTimeline(tl *Timeline) *Timeline {
	c := tl
	for c.Width() < compareBlock && c.Len()/2 >= compareMinBlocks {
		c = c.Coarsened(c.Width() * 2)
	}
	return c
}

// Compare compares NEW with BASE, series by series (those of both), and judges the thresholds.
func Compare(base, new *Report, o CompareOptions) (*Comparison, error) {
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Level <= 0 || o.Level >= 1 {
		o.Level = DefaultLevel
	}
	for i, r := range []*Report{base, new} {
		if r.Timeline == nil || r.Timeline.Len() == 0 {
			return nil, fmt.Errorf("%w: the %s run has no timeline (no request, or a report of an older edgeconform: compare its raw results instead)",
				ErrCompare, []string{"BASE", "NEW"}[i])
		}
	}
	tls := [2]*Timeline{compareTimeline(base.Timeline), compareTimeline(new.Timeline)}
	for i, tl := range tls {
		if tl.Len() < MinCompareBuckets {
			return nil, fmt.Errorf("%w: the %s run spans %d buckets of %v (at least %d: run it for a second or more)",
				ErrTooShort, []string{"BASE", "NEW"}[i], tl.Len(), tl.Width(), MinCompareBuckets)
		}
	}
	c := &Comparison{Level: o.Level, Resamples: o.Resamples, Seed: o.Seed, Verdict: VerdictPass, timelines: tls,
		BlockMS: [2]float64{ms(tls[0].Width()), ms(tls[1].Width())}}
	// The quantiles: p50, p90, p99 and any a threshold asks for.
	qset := map[float64]bool{0.5: true, 0.9: true, 0.99: true}
	for _, t := range o.Thresholds {
		if t.q > 0 {
			qset[t.q] = true
		}
	}
	for q := range qset {
		c.quantiles = append(c.quantiles, q)
	}
	sort.Float64s(c.quantiles)
	inNew := map[string]bool{}
	for _, s := range tls[1].Series() {
		inNew[s] = true
	}
	for _, name := range tls[0].Series() {
		if !inNew[name] {
			c.Skipped = append(c.Skipped, name)
			continue
		}
		delete(inNew, name)
		c.Series = append(c.Series, c.compareSeries(name, o))
	}
	for name := range inNew {
		c.Skipped = append(c.Skipped, name)
	}
	sort.Strings(c.Skipped)
	for _, t := range o.Thresholds {
		res := t.judge(c)
		c.Thresholds = append(c.Thresholds, res)
		if !res.Pass {
			c.Verdict = VerdictFail
		}
	}
	return c, nil
}

// compareSeries bootstraps one series.
func (c *Comparison) compareSeries(name string, o CompareOptions) SeriesChange {
	samples := [2]compareSample{newSample(c.timelines[0], name), newSample(c.timelines[1], name)}
	var whole [2]drawFigures
	var draws [2][]drawFigures
	// One stream per series and run, from the seed: adding a series changes no other's interval.
	for side := range samples {
		s := &samples[side]
		if s.hi < s.lo {
			s.lo, s.hi = 0, 0
		}
		scratch := make([]uint64, s.hi-s.lo+1)
		idx := make([]int, len(s.buckets))
		for i := range idx {
			idx[i] = i
		}
		whole[side] = s.figures(idx, c.quantiles, scratch)
		rng := rand.New(rand.NewPCG(o.Seed, seriesStream(name, side)))
		for range o.Resamples {
			for i := range idx {
				idx[i] = rng.IntN(len(s.buckets))
			}
			draws[side] = append(draws[side], s.figures(idx, c.quantiles, scratch))
		}
	}
	sc := SeriesChange{Series: name}
	metric := func(label, unit string, get func(drawFigures) float64) {
		m := MetricChange{Metric: label, Unit: unit, Base: get(whole[0]), New: get(whole[1])}
		if math.IsNaN(m.Base) || math.IsNaN(m.New) {
			return // a run without that figure (a path with no answer): nothing to compare
		}
		m.Change = m.New - m.Base
		var abs, rel []float64
		for k := range o.Resamples {
			b, n := get(draws[0][k]), get(draws[1][k])
			if math.IsNaN(b) || math.IsNaN(n) {
				continue
			}
			abs = append(abs, n-b)
			if b > 0 {
				rel = append(rel, n/b-1)
			}
		}
		if len(abs) == 0 {
			return
		}
		m.ChangeLow, m.ChangeHigh = interval(abs, o.Level)
		if m.Base > 0 && len(rel) > 0 {
			r := m.New/m.Base - 1
			lo, hi := interval(rel, o.Level)
			m.Relative, m.RelLow, m.RelHigh = &r, &lo, &hi
		}
		m.Significant = m.ChangeLow > 0 || m.ChangeHigh < 0
		sc.Metrics = append(sc.Metrics, m)
	}
	for i, q := range c.quantiles {
		metric(quantileName(q), "ms", func(f drawFigures) float64 { return f.q[i] })
	}
	metric("throughput", "1/s", func(f drawFigures) float64 { return f.throughput })
	metric("errors", "ratio", func(f drawFigures) float64 { return f.errors })
	return sc
}

// seriesStream is the PCG stream of a series and side: a hash of its name.
func seriesStream(name string, side int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return h*2 + uint64(side)
}

// interval is the middle level of vs (sorted in place); NaN without values.
func interval(vs []float64, level float64) (lo, hi float64) {
	if len(vs) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(vs)
	at := func(p float64) float64 {
		i := int(math.Round(p * float64(len(vs)-1)))
		return vs[min(max(i, 0), len(vs)-1)]
	}
	return at((1 - level) / 2), at((1 + level) / 2)
}

func quantileName(q float64) string {
	switch q {
	case 0.5, 0.9, 0.99:
		return "p" + strconv.FormatFloat(q*100, 'f', -1, 64)
	}
	return "p(" + strconv.FormatFloat(q*100, 'f', -1, 64) + ")"
}

// metric finds a series' metric.
func (c *Comparison) metric(series, name string) (MetricChange, bool) {
	for _, s := range c.Series {
		if s.Series != series {
			continue
		}
		for _, m := range s.Metrics {
			if m.Metric == name {
				return m, true
			}
		}
	}
	return MetricChange{}, false
}

// ChangeThreshold is a limit on a change, in load's threshold grammar:
//
//	p99<+10%  p(95){path=start}<=+5%   a latency's relative change
//	p50<+2ms                          its change in time
//	throughput>-5%  rps>=-100/s       throughput, relative or per second
//	errors<+0.1%                      the error share's change, in percentage points
//
// A threshold is crossed only when the whole interval of the change lies past the limit: a change
// the run-to-run noise could explain never fails a comparison.
type ChangeThreshold struct {
	Expr     string
	path     string // "" for the whole run
	metric   string // "latency", "throughput", "errors"
	q        float64
	op       string
	value    float64 // the limit: a relative change, ms, per second or a fraction
	relative bool
}

// ChangeResult is a change threshold judged.
type ChangeResult struct {
	Threshold string  `json:"threshold"`
	Change    float64 `json:"change"` // in the threshold's unit: relative, ms, 1/s, a fraction
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	Pass      bool    `json:"pass"`
	Message   string  `json:"message"`
}

// ParseChangeThreshold parses one change threshold; its errors wrap ErrThreshold.
func ParseChangeThreshold(expr string) (ChangeThreshold, error) {
	fail := func(format string, args ...any) (ChangeThreshold, error) {
		return ChangeThreshold{}, fmt.Errorf("%w %q: %s", ErrThreshold, expr, fmt.Sprintf(format, args...))
	}
	s, name, path, op, val, err := splitThreshold(expr, "p99<+10%, p50<+2ms, throughput>-5%, errors<+0.1%")
	if err != nil {
		return ChangeThreshold{}, err
	}
	t := ChangeThreshold{Expr: s, path: path, op: op}
	switch name {
	case "throughput", "rps", "rate":
		t.metric = "throughput"
	case "errors", "error_rate", "failed":
		t.metric = "errors"
	case "med", "median":
		t.metric, t.q = "latency", 0.5
	default:
		q, ok := parsePercentile(name)
		if !ok {
			return fail("unknown metric %q (want p50, p90, p99, p(N), throughput or errors)", name)
		}
		t.metric, t.q = "latency", q
	}
	num, pct := strings.CutSuffix(val, "%")
	if pct {
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil {
			return fail("change %q: want a signed percentage such as +10%% or -5%%", val)
		}
		t.value, t.relative = f/100, t.metric != "errors"
		return t, nil
	}
	switch t.metric {
	case "latency":
		neg := strings.HasPrefix(val, "-")
		d, err := time.ParseDuration(strings.TrimPrefix(strings.TrimPrefix(val, "+"), "-"))
		if err != nil {
			return fail("change %q: want a percentage (+10%%) or a duration (+2ms)", val)
		}
		t.value = ms(d)
		if neg {
			t.value = -t.value
		}
	case "throughput":
		f, err := strconv.ParseFloat(strings.TrimSuffix(val, "/s"), 64)
		if err != nil {
			return fail("change %q: want a percentage (-5%%) or calls per second (-100/s)", val)
		}
		t.value = f
	case "errors":
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || math.Abs(f) > 1 {
			return fail("change %q: want percentage points (+0.1%%) or a fraction (+0.001)", val)
		}
		t.value = f
	}
	return t, nil
}

// ParseChangeThresholds parses each expression; the first error is returned.
func ParseChangeThresholds(exprs []string) ([]ChangeThreshold, error) {
	return parseAll(exprs, ParseChangeThreshold)
}

// Path is the path the threshold is about ("" for the whole run).
func (t ChangeThreshold) Path() string { return t.path }

func (t ChangeThreshold) judge(c *Comparison) ChangeResult {
	res := ChangeResult{Threshold: t.Expr}
	series := t.path
	if series == "" {
		series = SeriesAll
	}
	name := t.metric
	if name == "latency" {
		name = quantileName(t.q)
	}
	m, ok := c.metric(series, name)
	if !ok {
		res.Message = t.Expr + ": not in both runs (not judged, crossed)"
		return res
	}
	res.Change, res.Low, res.High = m.Change, m.ChangeLow, m.ChangeHigh
	if t.relative {
		if m.Relative == nil {
			res.Message = t.Expr + ": BASE is 0, no relative change (crossed)"
			return res
		}
		res.Change, res.Low, res.High = *m.Relative, *m.RelLow, *m.RelHigh
	}
	// Crossed only when the whole interval is past the limit.
	switch t.op {
	case "<":
		res.Pass = res.Low < t.value
	case "<=":
		res.Pass = res.Low <= t.value
	case ">":
		res.Pass = res.High > t.value
	case ">=":
		res.Pass = res.High >= t.value
	}
	if math.IsNaN(res.Low) {
		res.Pass = false
	}
	verdict := "crossed: the whole interval is past the limit"
	if res.Pass {
		verdict = "ok"
		if inside := (t.op[0] == '<' && res.High >= t.value) || (t.op[0] == '>' && res.Low <= t.value); inside {
			verdict = "ok: the interval reaches the limit, the noise could explain it"
		}
	}
	res.Message = fmt.Sprintf("%s: %s %s (%s)", t.Expr, formatChange(t.unit(m), res.Change),
		formatInterval(t.unit(m), res.Low, res.High), verdict)
	return res
}

// unit is how the threshold's figures are written.
func (t ChangeThreshold) unit(m MetricChange) string {
	switch {
	case t.relative:
		return "relative"
	case m.Unit == "ratio":
		return "points"
	}
	return m.Unit
}

func formatChange(unit string, v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	sign := "+"
	if v < 0 {
		sign = "-"
	}
	a := math.Abs(v)
	switch unit {
	case "relative":
		return sign + strconv.FormatFloat(100*a, 'f', 1, 64) + "%"
	case "points":
		return sign + strconv.FormatFloat(100*a, 'f', 3, 64) + " pts"
	case "ms":
		return sign + strconv.FormatFloat(a, 'f', 3, 64) + "ms"
	default:
		return sign + strconv.FormatFloat(a, 'f', 1, 64) + "/s"
	}
}

func formatInterval(unit string, lo, hi float64) string {
	return "[" + formatChange(unit, lo) + ", " + formatChange(unit, hi) + "]"
}

package loadrun

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/charts"
)

// Chart readability: a chart's buckets hold at least chartMinCalls calls on average (a p99 of a
// handful of calls is their max) unless that leaves fewer than chartMinBuckets, and never more
// than chartMaxBuckets.
const (
	chartMinCalls   = 100
	chartMinBuckets = 15
	chartMaxBuckets = 200
)

// ChartLabels name what the charts show: the outcome classes (the throttle's "accepted" is
// load's "ok") and the series (SeriesAll as "all calls").
type ChartLabels struct {
	Classes map[Class]string
	Series  map[string]string
}

// LoadLabels are load's own names.
var LoadLabels = ChartLabels{
	Classes: map[Class]string{ClassOK: "ok", ClassRefused: "refused", ClassThrottled: "throttled", ClassFailed: "failed", ClassDry: "dry (not sent)"},
	Series:  map[string]string{SeriesAll: "all calls"},
}

func (l ChartLabels) series(name string) string {
	if s, ok := l.Series[name]; ok {
		return s
	}
	return "path " + name
}

var classRoles = []struct {
	class Class
	role  string
}{
	{ClassOK, charts.RoleOK}, {ClassRefused, charts.RoleRefused}, {ClassThrottled, charts.RoleThrottled},
	{ClassFailed, charts.RoleFailed}, {ClassDry, charts.RoleDry},
}

// chartTimeline is tl coarsened for reading series (chartMinCalls, chartMaxBuckets), and the
// calls per bucket it then has on average.
func chartTimeline(tl *Timeline, series string) (*Timeline, float64) {
	c := tl
	for {
		var calls uint64
		for _, b := range c.Buckets(series) {
			calls += b.Counts.Requests
		}
		avg := float64(calls) / float64(c.Len())
		few := avg < chartMinCalls && c.Len()/2 >= chartMinBuckets
		if c.Len() <= 1 || (c.Len() <= chartMaxBuckets && !few) {
			return c, avg
		}
		c = c.Coarsened(c.Width() * 2)
	}
}

// TimelineFigures are the charts over time of tl: the calls per second by outcome (stacked) and
// the latency percentiles p50, p90, p99 and max of every series, each from its buckets'
// histograms. Marks (a capacity run's steps) are placed at seconds from the timeline's start.
func TimelineFigures(tl *Timeline, labels ChartLabels, marks []charts.Mark) []charts.Figure {
	if tl == nil || tl.Len() == 0 {
		return nil
	}
	c, _ := chartTimeline(tl, SeriesAll)
	w := c.Width().Seconds()
	bucket := fmtDuration(c.Width())
	var figs []charts.Figure
	all := c.Buckets(SeriesAll)
	out := charts.Figure{ID: "outcomes", Title: "Calls per second by outcome", Kind: charts.KindStacked,
		X: charts.Axis{Label: "time since the first bucket", Unit: "s"}, Y: charts.Axis{Label: "calls per second", Unit: "/s"},
		Per: w, Marks: marks, Note: "Each bar is one " + bucket + " bucket of calls, by when they were sent."}
	for _, cr := range classRoles {
		s := charts.Series{Name: labels.Classes[cr.class], Role: cr.role}
		any := false
		for i, b := range all {
			n := float64(countOf(b.Counts, cr.class))
			s.X = append(s.X, float64(i)*w)
			s.Y = append(s.Y, n/w)
			any = any || n > 0
		}
		if any && s.Name != "" {
			out.Series = append(out.Series, s)
		}
	}
	if len(out.Series) > 0 {
		figs = append(figs, out)
	}
	names := c.Series()
	for _, name := range names {
		if name == SeriesAll && len(names) == 2 {
			continue // one path: its figure is the run's
		}
		c, avg := chartTimeline(tl, name)
		w := c.Width().Seconds()
		bs := c.Buckets(name)
		note := fmt.Sprintf("Percentiles of each %s bucket's answers (about %.0f each), from its latency histogram; gaps: no answer in that bucket.",
			fmtDuration(c.Width()), avg)
		if avg < chartMinCalls {
			note += " Below 100 answers a bucket's p99 is its max."
		}
		f := charts.Figure{ID: "latency-" + name, Title: "Latency over time: " + labels.series(name), Kind: charts.KindLines,
			X: charts.Axis{Label: "time since the first bucket", Unit: "s"}, Y: charts.Axis{Label: "latency (log scale)", Unit: "ms", Log: true},
			Marks: marks, Note: note}
		for _, q := range []struct {
			name, role string
			q          float64
		}{{"p50", charts.RoleP50, 0.5}, {"p90", charts.RoleP90, 0.9}, {"p99", charts.RoleP99, 0.99}, {"max", charts.RoleMax, 1}} {
			s := charts.Series{Name: q.name, Role: q.role, Dash: q.q == 1}
			for i, b := range bs {
				s.X = append(s.X, (float64(i)+0.5)*w)
				v := b.Quantile(q.q)
				if q.q == 1 && !math.IsNaN(v) {
					v = ms(b.Max)
				}
				s.Y = append(s.Y, v)
			}
			f.Series = append(f.Series, s)
		}
		figs = append(figs, f)
	}
	return figs
}

func countOf(c Counts, class Class) uint64 {
	switch class {
	case ClassOK:
		return c.OK
	case ClassRefused:
		return c.Refused
	case ClassThrottled:
		return c.Throttled
	case ClassFailed:
		return c.Failed
	}
	return c.Dry
}

func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d/time.Millisecond)
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

// runNote is the line under a chart page's title.
func runNote(r *Report) string {
	var parts []string
	if r.Target != "" {
		parts = append(parts, "Target "+r.Target)
	}
	if len(r.Shards) > 1 {
		parts = append(parts, fmt.Sprintf("%d shards merged", len(r.Shards)))
	}
	parts = append(parts, fmt.Sprintf("%d requests at %.1f/s over %.1f s", r.Requests, r.Rate, r.Duration),
		fmt.Sprintf("p50 %.3g ms, p99 %.3g ms, max %.3g ms", r.Latency.P50, r.Latency.P99, r.Latency.Max),
		fmt.Sprintf("errors %.3g%%", 100*r.ErrorRate))
	if r.Mix != "" {
		parts = append(parts, "mix "+r.Mix)
	}
	parts = append(parts, "verdict "+string(r.Verdict))
	return strings.Join(parts, " · ")
}

// ChartPage is the page of a run's report (load --report-dir, report merge --report-dir).
func ChartPage(title string, r *Report) charts.Page {
	p := charts.Page{Title: title, Notes: []string{runNote(r)}, Figures: TimelineFigures(r.Timeline, LoadLabels, nil)}
	if len(p.Figures) == 0 {
		p.Notes = append(p.Notes, "No call was made: nothing to chart.")
	}
	return p
}

// WriteChart writes ChartPage as HTML.
func WriteChart(w io.Writer, title string, r *Report) error {
	return charts.Write(w, ChartPage(title, r))
}

// CapacityChartPage is the page of a capacity run: latency percentiles and error shares against
// the offered rate, one point per step, the breaking step marked; then the whole run over time
// with each step's start marked.
func CapacityChartPage(title string, cr *CapacityReport) charts.Page {
	p := charts.Page{Title: title}
	note := fmt.Sprintf("%d steps of %g s", len(cr.Steps), cr.StepDuration)
	if cr.Target != "" {
		note = "Target " + cr.Target + " · " + note
	}
	if cr.Mix != "" {
		note += " · mix " + cr.Mix
	}
	switch {
	case cr.Capacity == 0:
		note += " · capacity: none (the first step crossed a threshold)"
	case cr.BrokeAt == 0:
		note += fmt.Sprintf(" · capacity: at least %d/s", cr.Capacity)
	default:
		note += fmt.Sprintf(" · capacity: %d/s", cr.Capacity)
	}
	p.Notes = append(p.Notes, note)
	if cr.BrokeAt > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Crossed at %d/s: %s", cr.BrokeAt, cr.Crossed))
	}
	if len(cr.Steps) == 0 {
		return p
	}
	var ticks []charts.Tick
	for _, st := range cr.Steps {
		ticks = append(ticks, charts.Tick{At: float64(st.Rate), Label: fmt.Sprintf("%d/s", st.Rate)})
	}
	var marks []charts.Mark
	if cr.BrokeAt > 0 {
		marks = append(marks, charts.Mark{X: float64(cr.BrokeAt), Label: fmt.Sprintf("crossed at %d/s", cr.BrokeAt), Alert: true})
	}
	xAxis := charts.Axis{Label: "offered rate (planned calls per second)", Ticks: ticks}
	// The series: the run, then each path.
	series := []string{SeriesAll}
	for _, pr := range cr.Steps[0].Report.Paths {
		series = append(series, pr.Path)
	}
	for _, name := range series {
		if name == SeriesAll && len(series) == 2 {
			continue
		}
		f := charts.Figure{ID: "steps-latency-" + name, Title: "Latency against the offered rate: " + LoadLabels.series(name), Kind: charts.KindLines,
			X: xAxis, Y: charts.Axis{Label: "latency (log scale)", Unit: "ms", Log: true}, Marks: marks,
			Note: "One point per step: the step's percentiles over all its answers."}
		for _, q := range []struct {
			name, role string
			get        func(LatencyReport) float64
		}{{"p50", charts.RoleP50, func(l LatencyReport) float64 { return l.P50 }}, {"p90", charts.RoleP90, func(l LatencyReport) float64 { return l.P90 }},
			{"p99", charts.RoleP99, func(l LatencyReport) float64 { return l.P99 }}, {"max", charts.RoleMax, func(l LatencyReport) float64 { return l.Max }}} {
			s := charts.Series{Name: q.name, Role: q.role, Dash: q.name == "max"}
			for _, st := range cr.Steps {
				l, n := stepLatency(st.Report, name)
				v := math.NaN()
				if n > 0 {
					v = q.get(l)
				}
				s.X, s.Y = append(s.X, float64(st.Rate)), append(s.Y, v)
			}
			f.Series = append(f.Series, s)
		}
		p.Figures = append(p.Figures, f)
	}
	errs := charts.Figure{ID: "steps-errors", Title: "Error share against the offered rate", Kind: charts.KindLines,
		X: xAxis, Y: charts.Axis{Label: "share of the step's calls", Unit: "%"}, Marks: marks,
		Note: "failed: no answer, 5xx or a gateway rejection; unexpected: another answer than the path expects; dry: calls not sent."}
	for _, e := range []struct {
		name, role string
		get        func(*Report) float64
	}{
		{"failed", charts.RoleFailed, func(r *Report) float64 { return 100 * r.ErrorRate }},
		{"throttled", charts.RoleThrottled, func(r *Report) float64 { return 100 * r.Throttled }},
		{"unexpected", charts.RoleRefused, func(r *Report) float64 { return 100 * unexpectedShare(r) }},
		{"dry (not sent)", charts.RoleDry, func(r *Report) float64 {
			if r.Requests+r.Dry == 0 {
				return 0
			}
			return 100 * float64(r.Dry) / float64(r.Requests+r.Dry)
		}},
	} {
		s := charts.Series{Name: e.name, Role: e.role}
		for _, st := range cr.Steps {
			s.X, s.Y = append(s.X, float64(st.Rate)), append(s.Y, e.get(st.Report))
		}
		errs.Series = append(errs.Series, s)
	}
	p.Figures = append(p.Figures, errs)

	// The whole run over time, each step's start marked once.
	tl := NewTimeline()
	for _, st := range cr.Steps {
		tl.Merge(st.Report.Timeline)
	}
	var stepMarks []charts.Mark
	for _, st := range cr.Steps {
		if st.Report.Timeline != nil && tl.Len() > 0 {
			stepMarks = append(stepMarks, charts.Mark{X: st.Report.Timeline.from.Sub(tl.Start()).Seconds(), Label: fmt.Sprintf("%d/s", st.Rate),
				Alert: st.Rate == cr.BrokeAt})
		}
	}
	for _, f := range TimelineFigures(tl, LoadLabels, stepMarks) {
		f.ID = "time-" + f.ID
		p.Figures = append(p.Figures, f)
	}
	return p
}

// stepLatency is the latency of a step's series and its requests.
func stepLatency(r *Report, series string) (LatencyReport, uint64) {
	if series == SeriesAll {
		return r.Latency, r.Requests
	}
	for _, p := range r.Paths {
		if p.Path == series {
			return p.Latency, p.Requests
		}
	}
	return LatencyReport{}, 0
}

func unexpectedShare(r *Report) float64 {
	var n, unexpected uint64
	for _, p := range r.Paths {
		n += p.Requests
		unexpected += p.Requests - p.Expected
	}
	if n == 0 {
		return 0
	}
	return float64(unexpected) / float64(n)
}

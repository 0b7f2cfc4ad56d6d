package throttle

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// chartSeries is one account's calls per bin.
type chartSeries struct {
	role                string
	accepted, throttled []int
}

// WriteChart writes a self-contained HTML page with one SVG panel per account: accepted
// (green) and throttled (red) calls per second, stacked, the limit's average rate as a dashed line,
// and, in blue, the calls accepted over the trailing window expressed per second, which a correct
// limiter keeps on the dashed line once it throttles. Short windows are binned at W/20 instead of
// a second, so tests' scaled runs still show a shape.
func WriteChart(w io.Writer, r *Report) error {
	lim := r.limit
	if lim.Calls == 0 || lim.Window <= 0 {
		return fmt.Errorf("chart: report without a rate limit")
	}
	bin := time.Second
	if lim.Window < 20*time.Second {
		bin = lim.Window / 20
	}
	var end time.Duration
	for _, o := range r.obs {
		end = max(end, o.at().Sub(r.started))
	}
	nb := int(end/bin) + 1
	series := map[string]*chartSeries{}
	var order []string
	for _, role := range r.roles {
		series[role] = &chartSeries{role: role, accepted: make([]int, nb), throttled: make([]int, nb)}
		order = append(order, role)
	}
	accAt := map[string][]time.Duration{}
	for _, o := range r.obs {
		s := series[o.role]
		if s == nil {
			continue
		}
		i := int(o.at().Sub(r.started) / bin)
		if i < 0 || i >= nb {
			continue
		}
		switch o.kind {
		case kindAccepted:
			s.accepted[i]++
			accAt[o.role] = append(accAt[o.role], o.at().Sub(r.started))
		case kindThrottled:
			s.throttled[i]++
		}
	}
	limitPerBin := float64(lim.Calls) * bin.Seconds() / lim.Window.Seconds()
	unit := "second"
	if bin != time.Second {
		unit = bin.String()
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>edgeconform throttle: accepted and throttled per account</title>
<style>body{font-family:sans-serif;margin:1em 2em}h2{font-size:1em;margin:1.2em 0 .2em}.k{display:inline-block;width:1em;height:.7em;margin:0 .3em 0 1em}</style>
</head><body>
<h1>Throttle scenario: %s</h1>
<p>Verdict <b>%s</b>; estimated limit %.0f ± %.0f per %s; looks like: %s.</p>
<p><span class="k" style="background:#3a3"></span>accepted <span class="k" style="background:#d33"></span>throttled
<span class="k" style="border-top:2px dashed #000;height:0"></span>limit: %.3g calls per %s (%s)
<span class="k" style="border-top:2px solid #36c;height:0"></span>accepted over the trailing %s, per %s</p>
<p>The plan: the overload is offered %.0f× the limit until its evidence decides (at most %.1f windows).
<span class="k" style="background:#36c;opacity:.15"></span>its measured window (the estimate, under-admission)
<span class="k" style="border-top:2px dotted #d33;height:0"></span>its first throttled answer
<span class="k" style="border-top:2px solid #000;height:0"></span>%s</p>
`, html.EscapeString(r.RateLimit), html.EscapeString(string(r.Verdict)), r.EstimatedLimit, r.Uncertainty, windowOf(r.RateLimit), html.EscapeString(r.Algorithm),
		limitPerBin, unit, html.EscapeString(r.RateLimit), lim.Window, unit, overloadFactor, overloadWindows, endNote(r))
	for _, role := range order {
		s := series[role]
		total := 0
		for i := range s.accepted {
			total += s.accepted[i] + s.throttled[i]
		}
		if total == 0 {
			continue
		}
		fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(role))
		var mk []chartMark
		if role == roleOverload {
			mk = overloadMarks(r)
		}
		writePanel(&b, s, accAt[role], bin, lim.Window, limitPerBin, nb, mk)
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartMark is a span (from < to) or an instant (from == to) drawn over a panel, from the run's start.
type chartMark struct {
	from, to time.Duration
	label    string
	style    string // SVG attributes
}

// overloadMarks are the overload's measured window, first throttled answer and the end rule's
// decision.
func overloadMarks(r *Report) []chartMark {
	var mk []chartMark
	if !r.windowEnd.IsZero() {
		end := r.windowEnd.Sub(r.started)
		mk = append(mk, chartMark{end - r.limit.Window, end, "measured window: " + strconv.FormatFloat(r.EstimatedLimit, 'f', 0, 64) + " accepted", `fill="#36c" fill-opacity="0.10"`})
	}
	if !r.firstThrottle.IsZero() {
		t := r.firstThrottle.Sub(r.started)
		mk = append(mk, chartMark{t, t, "first throttled", `stroke="#d33" stroke-width="1.5" stroke-dasharray="2,2"`})
	}
	if !r.ended.IsZero() {
		t := r.ended.Sub(r.started)
		mk = append(mk, chartMark{t, t, "decided: load stopped", `stroke="#000" stroke-width="1.5"`})
	}
	return mk
}

// endNote says how the overload ended, for the legend.
func endNote(r *Report) string {
	if r.ended.IsZero() {
		return "the end rule never held: the load ran its cap"
	}
	return fmt.Sprintf("the evidence decided and the load stopped, %s after the start", r.ended.Sub(r.started).Round(100*time.Millisecond))
}

func writePanel(b *strings.Builder, s *chartSeries, acc []time.Duration, bin, window time.Duration, limitPerBin float64, nb int, marks []chartMark) {
	const W, H, left, bottom, top = 900.0, 194.0, 50.0, 20.0, 24.0 // the top strip holds the marks' labels
	peak := limitPerBin * 1.2
	for i := range s.accepted {
		peak = math.Max(peak, float64(s.accepted[i]+s.throttled[i]))
	}
	plotW, plotH := W-left-10, H-bottom-top
	bw := plotW / float64(nb)
	y := func(v float64) float64 { return top + plotH - v/peak*plotH }
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-size="10">`+"\n", W, H)
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#999"/>`+"\n", left, y(0), W-10, y(0))
	for i := range s.accepted {
		x := left + float64(i)*bw
		a, t := float64(s.accepted[i]), float64(s.throttled[i])
		if a > 0 {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#3a3"/>`, x, y(a), math.Max(bw-0.5, 0.5), y(0)-y(a))
		}
		if t > 0 {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d33"/>`, x, y(a+t), math.Max(bw-0.5, 0.5), y(a)-y(a+t))
		}
	}
	b.WriteString("\n")
	// The overload's story: its measured window behind, the instants over the bars.
	xAt := func(d time.Duration) float64 {
		return left + math.Max(0, math.Min(float64(nb), float64(d)/float64(bin)))*bw
	}
	for _, m := range marks {
		if m.from < m.to {
			// A span: a bar in the top strip with its label, and a light band over the plot.
			x0, x1 := xAt(m.from), xAt(m.to)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" %s/>`, x0, top, x1-x0, plotH, m.style)
			fmt.Fprintf(b, `<path d="M%.1f %.1f V%.1f H%.1f V%.1f" fill="none" stroke="#36c" stroke-width="2"/><text x="%.1f" y="%.1f" text-anchor="middle" fill="#36c">%s</text>`+"\n",
				x0, top-2, top-8, x1, top-2, (x0+x1)/2, top-11, html.EscapeString(m.label))
			continue
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n",
			xAt(m.from), top-10, xAt(m.from), y(0), m.style, xAt(m.from)-3, top-3, html.EscapeString(m.label))
	}
	// The limit.
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#000" stroke-dasharray="6,4"/>`+"\n", left, y(limitPerBin), W-10, y(limitPerBin))
	// Accepted over the trailing window, per bin, at each bin's end.
	var pts []string
	j := 0
	for i := 0; i < nb; i++ {
		t := time.Duration(i+1) * bin
		for j < len(acc) && acc[j] < t-window {
			j++
		}
		k := j
		for k < len(acc) && acc[k] < t {
			k++
		}
		v := float64(k-j) * bin.Seconds() / window.Seconds()
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", left+float64(i+1)*bw, y(v)))
	}
	fmt.Fprintf(b, `<polyline fill="none" stroke="#36c" stroke-width="1.5" points="%s"/>`+"\n", strings.Join(pts, " "))
	// Axes labels.
	fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%.0f</text>`, left-4, y(peak)+8, peak)
	fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">0</text>`, left-4, y(0)+3)
	fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">limit</text>`, left-4, y(limitPerBin)+3)
	step := max(1, nb/10)
	for i := 0; i < nb; i += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`, left+float64(i)*bw, H-5, (time.Duration(i) * bin).Round(time.Millisecond))
	}
	b.WriteString("\n</svg>\n")
}

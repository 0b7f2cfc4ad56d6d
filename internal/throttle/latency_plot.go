package throttle

import (
	"io"

	"github.com/edgeconform/edgeconform/internal/charts"
	"github.com/edgeconform/edgeconform/internal/loadrun"
)

// throttleLabels name the latency plot's outcomes and series as the scenario does.
var throttleLabels = loadrun.ChartLabels{
	Classes: map[loadrun.Class]string{loadrun.ClassOK: "accepted", loadrun.ClassThrottled: "throttled", loadrun.ClassFailed: "rejected, malformed or no answer"},
	Series: map[string]string{loadrun.SeriesAll: "all calls", "accepted": "accepted calls", "throttled": "throttled calls",
		"other": "rejected, malformed or unanswered calls"},
}

// writeLatencyPlot writes PlotFile: the calls per second by outcome and the latency percentiles
// over time of all calls and of each kind of answer, from per-bucket histograms (load's
// timeline and charts).
func writeLatencyPlot(w io.Writer, r *Report) error {
	tl := loadrun.NewTimeline()
	for _, o := range r.obs {
		series, class := "other", loadrun.ClassFailed
		switch o.kind {
		case kindAccepted:
			series, class = "accepted", loadrun.ClassOK
		case kindThrottled:
			series, class = "throttled", loadrun.ClassThrottled
		}
		tl.Add(loadrun.SeriesAll, o.sent, o.latency, class)
		tl.Add(series, o.sent, o.latency, class)
	}
	p := charts.Page{Title: "edgeconform throttle " + r.RateLimit + ": latency",
		Notes:   []string{"Verdict " + string(r.Verdict) + "; the per-account chart is " + ChartFile + "."},
		Figures: loadrun.TimelineFigures(tl, throttleLabels, nil)}
	return charts.Write(w, p)
}

package loadrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/charts"
)

// ReadRun reads one side of a comparison: a JSON report of `load` (--json, report.json of
// --report-dir, report merge -o) or raw results (--output, results.bin; vegeta's binary, JSON or
// CSV), which are summarised as report merge does. Its errors wrap ErrCompare.
func ReadRun(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompare, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(4096)
	if looksLikeReport(head) {
		var probe struct {
			Steps    json.RawMessage `json:"steps"`
			Requests *uint64         `json:"requests"`
		}
		data, err := io.ReadAll(io.LimitReader(br, 512<<20))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCompare, path, err)
		}
		if json.Unmarshal(data, &probe) == nil && (probe.Steps != nil || probe.Requests != nil) {
			if probe.Steps != nil {
				return nil, fmt.Errorf("%w: %s is a capacity run's report: compare two runs at one rate", ErrCompare, path)
			}
			var r Report
			if err := json.Unmarshal(data, &r); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrCompare, path, err)
			}
			return &r, nil
		}
		br = bufio.NewReader(bytes.NewReader(data))
	}
	s := NewSummary(nil)
	if _, err := Merge(s, br); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCompare, path, err)
	}
	return s.Report(), nil
}

// looksLikeReport: an indented JSON object whose first member is a report's (vegeta's JSON
// results are one compact object per line).
func looksLikeReport(head []byte) bool {
	b := bytes.TrimLeft(head, " \t\r\n")
	return len(b) > 1 && b[0] == '{' && (b[1] == '\n' || b[1] == '\r' || bytes.HasPrefix(b, []byte(`{"target"`)) ||
		bytes.HasPrefix(b, []byte(`{"duration_s"`)) || bytes.HasPrefix(b, []byte(`{"shards"`)))
}

// seriesTitle names a series in the reports.
func seriesTitle(name string) string {
	if name == SeriesAll {
		return "all calls"
	}
	return "path " + name
}

// metricRow is one metric's cells: BASE, NEW, the change and its interval.
func metricRow(m MetricChange) []string {
	val := func(v float64) string {
		if math.IsNaN(v) {
			return "n/a"
		}
		switch m.Unit {
		case "ms":
			return strconv.FormatFloat(v, 'f', 3, 64) + "ms"
		case "ratio":
			return strconv.FormatFloat(100*v, 'f', 3, 64) + "%"
		}
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	}
	unit := m.Unit
	if unit == "ratio" {
		unit = "points"
	}
	change := formatChange(unit, m.Change)
	ival := formatInterval(unit, m.ChangeLow, m.ChangeHigh)
	if m.Relative != nil {
		change += " (" + formatChange("relative", *m.Relative) + ")"
		ival = formatInterval("relative", *m.RelLow, *m.RelHigh)
	}
	verdict := "within the noise"
	switch {
	case math.IsNaN(m.ChangeLow):
		verdict = "no interval"
	case m.Significant && m.Change > 0 && m.Unit != "1/s", m.Significant && m.Change < 0 && m.Unit == "1/s":
		verdict = "worse"
	case m.Significant:
		verdict = "better"
	}
	return []string{m.Metric, val(m.Base), val(m.New), change, ival, verdict}
}

func (c *Comparison) header() string {
	return fmt.Sprintf("%.0f%% intervals from %d resamples of time buckets (%g ms BASE, %g ms NEW), seed %d",
		100*c.Level, c.Resamples, c.BlockMS[0], c.BlockMS[1], c.Seed)
}

// WriteCompareText writes c as a table per series, the thresholds and the verdict.
func WriteCompareText(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "Compare   %s → %s\n", c.Base, c.New)
	fmt.Fprintf(w, "          %s\n", c.header())
	row := "  %-17s %10s %10s %22s %26s  %s\n"
	for _, s := range c.Series {
		fmt.Fprintf(w, "%-19s %10s %10s %22s %26s\n", seriesTitle(s.Series), "BASE", "NEW", "change", fmt.Sprintf("%.0f%% interval", 100*c.Level))
		for _, m := range s.Metrics {
			r := metricRow(m)
			fmt.Fprintf(w, row, r[0], r[1], r[2], r[3], r[4], r[5])
		}
	}
	for _, s := range c.Skipped {
		fmt.Fprintf(w, "%s: in one run only, not compared\n", seriesTitle(s))
	}
	pass, messages := make([]bool, len(c.Thresholds)), make([]string, len(c.Thresholds))
	for i, t := range c.Thresholds {
		pass[i], messages[i] = t.Pass, t.Message
	}
	return writeVerdict(w, pass, messages, c.Verdict, "")
}

// WriteCompareJSON writes c as JSON.
func WriteCompareJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// WriteCompareHTML writes c as a page: a table per series, the thresholds, and the latency
// percentiles of both runs over time (BASE dashed), from the buckets the bootstrap drew.
func WriteCompareHTML(w io.Writer, c *Comparison) error {
	p := charts.Page{Title: "edgeconform report compare", Notes: []string{"BASE " + c.Base + " → NEW " + c.New, c.header(),
		"A change is worse or better only when its whole interval leaves out 0; a threshold is crossed only when its whole interval is past the limit."}}
	if len(c.Thresholds) > 0 {
		t := charts.Table{Caption: "Thresholds: verdict " + string(c.Verdict), Head: []string{"threshold", "result"}}
		for _, r := range c.Thresholds {
			t.Rows = append(t.Rows, []string{r.Threshold, strings.TrimPrefix(r.Message, r.Threshold+": ")})
			t.Alert = append(t.Alert, !r.Pass)
		}
		p.Tables = append(p.Tables, t)
	}
	for _, s := range c.Series {
		t := charts.Table{Caption: seriesTitle(s.Series), Head: []string{"metric", "BASE", "NEW", "change", fmt.Sprintf("%.0f%% interval", 100*c.Level), ""}}
		for _, m := range s.Metrics {
			row := metricRow(m)
			t.Rows = append(t.Rows, row)
			t.Alert = append(t.Alert, row[5] == "worse")
		}
		p.Tables = append(p.Tables, t)
		f := charts.Figure{ID: "compare-" + s.Series, Title: "Latency over time, BASE (dashed) and NEW: " + seriesTitle(s.Series), Kind: charts.KindLines,
			X: charts.Axis{Label: "time since the run's first bucket", Unit: "s"}, Y: charts.Axis{Label: "latency (log scale)", Unit: "ms", Log: true},
			Note: "p50 and p99 of each bucket the intervals resample."}
		for side, tl := range c.timelines {
			w := tl.Width().Seconds()
			for _, q := range []struct {
				name, role string
				q          float64
			}{{"p50", charts.RoleP50, 0.5}, {"p99", charts.RoleP99, 0.99}} {
				sr := charts.Series{Name: []string{"BASE ", "NEW "}[side] + q.name, Role: q.role, Dash: side == 0}
				for i, b := range tl.Buckets(s.Series) {
					sr.X = append(sr.X, (float64(i)+0.5)*w)
					sr.Y = append(sr.Y, b.Quantile(q.q))
				}
				f.Series = append(f.Series, sr)
			}
		}
		p.Figures = append(p.Figures, f)
	}
	return charts.Write(w, p)
}

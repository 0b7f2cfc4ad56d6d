package load

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

// Files of a load run's report folder (`edgeconform load --report-dir`, `report merge --report-dir`).
const (
	ReportJSONFile    = "report.json" // the JSON report, as --json writes it
	ReportTextFile    = "report.txt"  // the text report, as on stdout
	ReportChartFile   = "index.html"  // vegeta's latency plot, one line per outcome class
	ReportResultsFile = "results.bin" // raw results, vegeta's binary format, redacted (written by Run)
)

// NewPlot returns vegeta's HTML latency chart with one line per outcome class, and per path in a
// mixed run ("start ok", "denied refused").
func NewPlot(title string) *plot.Plot { return newPlot(title, false) }

// NewStepsPlot is NewPlot with a line per capacity step too ("step 2 @1000/s: start ok"): the
// steps' attack names.
func NewStepsPlot(title string) *plot.Plot { return newPlot(title, true) }

func newPlot(title string, steps bool) *plot.Plot {
	c := NewClassifier(nil)
	return plot.New(plot.Title(title), plot.Downsample(4000), plot.Label(func(r *vegeta.Result) string {
		o := c.Classify(r)
		label := o.Class.String()
		if o.Path != "" {
			label = o.Path + " " + label
		}
		if steps {
			label = r.Attack + ": " + label
		}
		return label
	}))
}

// WriteJSON writes the JSON report of `load --json`.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // thresholds read p99<50ms, not p99\u003c50ms
	return enc.Encode(r)
}

// WriteReportDir writes ReportJSONFile, ReportTextFile and, with a plot, ReportChartFile into dir,
// creating it.
func WriteReportDir(dir string, r *Report, p *plot.Plot) error {
	return writeReportFiles(dir, func(w io.Writer) error { return WriteJSON(w, r) },
		func(w io.Writer) error { return WriteText(w, r) }, p)
}

// writeReportFiles writes what js and text write as ReportJSONFile and ReportTextFile and, with a
// plot, ReportChartFile into dir, creating it.
func writeReportFiles(dir string, js, text func(io.Writer) error, p *plot.Plot) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer) error{ReportJSONFile: js, ReportTextFile: text} {
		var b strings.Builder
		if err := write(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if p == nil {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, ReportChartFile))
	if err != nil {
		return err
	}
	p.Close()
	if _, err := p.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

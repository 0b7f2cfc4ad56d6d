package loadrun

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Files of a load run's report folder (`edgeconform load --report-dir`, `report merge --report-dir`).
const (
	ReportJSONFile    = "report.json" // the JSON report, as --json writes it
	ReportTextFile    = "report.txt"  // the text report, as on stdout
	ReportChartFile   = "index.html"  // the charts (ChartPage, CapacityChartPage)
	ReportResultsFile = "results.bin" // raw results, vegeta's binary format, redacted (written by Run)
)

// WriteJSON writes the JSON report of `load --json`.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // thresholds read p99<50ms, not p99\u003c50ms
	return enc.Encode(r)
}

// WriteReportDir writes ReportJSONFile, ReportTextFile and ReportChartFile (titled title) into
// dir, creating it.
func WriteReportDir(dir string, r *Report, title string) error {
	return writeReportFiles(dir, map[string]func(io.Writer) error{
		ReportJSONFile:  func(w io.Writer) error { return WriteJSON(w, r) },
		ReportTextFile:  func(w io.Writer) error { return WriteText(w, r) },
		ReportChartFile: func(w io.Writer) error { return WriteChart(w, title, r) },
	})
}

// writeReportFiles writes each file of a report folder into dir, creating it.
func writeReportFiles(dir string, files map[string]func(io.Writer) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, write := range files {
		var b strings.Builder
		if err := write(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

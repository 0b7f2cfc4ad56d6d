package throttle

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Files of the throttle scenario's report directory.
const (
	PlotFile    = "throttle-plot.html"     // latency percentiles and calls per second over time
	ChartFile   = "throttle-accounts.html" // accepted/throttled per second per account
	ResultsFile = "throttle-results.bin"   // raw results, vegeta's binary format
)

// WriteJSON writes the JSON report of docs/protocol.md#reports.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // messages as written: <, > and & unescaped
	return enc.Encode(r)
}

// WriteText writes the human summary: the verdict, the estimate and one line per check.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "throttle %s: %s\n", r.RateLimit, strings.ToUpper(string(r.Verdict)))
	fmt.Fprintf(&b, "  estimated limit  %.0f ± %.0f per %s\n", r.EstimatedLimit, r.Uncertainty, windowOf(r.RateLimit))
	fmt.Fprintf(&b, "  looks like       %s\n", r.Algorithm)
	fmt.Fprintf(&b, "  requests         %d in %.1fs\n", r.Requests, r.DurationSec)
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %-7s %-16s %s\n", c.Status, c.Name, c.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteReportDir writes the latency plot, the per-account chart and the raw results
// (URLs without their query, so without signatures) into dir, creating it.
func WriteReportDir(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	write := func(name string, f func(io.Writer) error) error {
		fh, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("report dir: %w", err)
		}
		bw := bufio.NewWriter(fh)
		err = f(bw)
		err = errors.Join(err, bw.Flush(), fh.Close())
		if err != nil {
			return fmt.Errorf("report dir: %s: %w", name, err)
		}
		return nil
	}
	return errors.Join(
		write(ResultsFile, func(w io.Writer) error {
			enc := vegeta.NewEncoder(w)
			for i := range r.results {
				if err := enc.Encode(&r.results[i]); err != nil {
					return err
				}
			}
			return nil
		}),
		write(PlotFile, func(w io.Writer) error { return writeLatencyPlot(w, r) }),
		write(ChartFile, func(w io.Writer) error { return WriteChart(w, r) }),
	)
}

// windowOf is the window of a rate limit as the user wrote it: "1m" of "6000/1m".
func windowOf(rateLimit string) string {
	_, w, _ := strings.Cut(rateLimit, "/")
	return w
}

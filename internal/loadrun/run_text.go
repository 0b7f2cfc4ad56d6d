package loadrun

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
)

// maxAccountLines bounds the per-account table of the text report; the JSON has them all.
const maxAccountLines = 20

// WriteText writes r as the human-readable report.
func WriteText(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	if r.Target != "" {
		p("Target\t%s\n", r.Target)
	}
	if len(r.Shards) > 1 {
		p("Shards\t%d merged\n", len(r.Shards))
	}
	p("Requests\t[total, rate, throughput]\t%d, %.2f/s, %.2f/s\n", r.Requests, r.Rate, r.Throughput)
	if r.RateRequested > 0 {
		p("Rate requested\t\t%.2f/s\n", r.RateRequested)
	}
	p("Duration\t[first request to last answer]\t%.3fs\n", r.Duration)
	l := r.Latency
	p("Latencies (ms)\t[min, mean, 50, 90, 95, 99, 99.9, max]\t%.3f, %.3f, %.3f, %.3f, %.3f, %.3f, %.3f, %.3f\n",
		l.Min, l.Mean, l.P50, l.P90, l.P95, l.P99, l.P999, l.Max)
	p("Outcomes\t[ok, refused, throttled, failed]\t%d, %d, %d, %d\n", r.OK, r.Refused, r.Counts.Throttled, r.Failed)
	p("Rates\t[errors, throttled]\t%.3f%%, %.3f%%\n", 100*r.ErrorRate, 100*r.Throttled)
	p("Status codes\t[code:count]\t%s\n", counts(r.Status, true))
	p("API codes\t[Code:count]\t%s\n", counts(r.Codes, false))
	if err := tw.Flush(); err != nil {
		return err
	}
	writePaths(w, r)
	writeShardStart(w, r)
	if len(r.Accounts) > 0 {
		fmt.Fprintf(w, "Accounts (%d)\n", len(r.Accounts))
		width := len("(untagged)")
		for _, a := range r.Accounts {
			width = max(width, len(a.Name))
		}
		row := "  %-*s %10v %10v %10v %10v %10v\n"
		fmt.Fprintf(w, row, width, "name", "requests", "ok", "refused", "throttled", "failed")
		for i, a := range r.Accounts {
			if i == maxAccountLines {
				fmt.Fprintf(w, "  ... %d more (see --json)\n", len(r.Accounts)-i)
				break
			}
			name := a.Name
			if name == "" {
				name = "(untagged)"
			}
			fmt.Fprintf(w, row, width, name, a.Requests, a.OK, a.Refused, a.Throttled, a.Failed)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "Transport errors:")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  %d × %s\n", e.Count, e.Error)
		}
	}
	pass, messages := make([]bool, len(r.Thresholds)), make([]string, len(r.Thresholds))
	for i, t := range r.Thresholds {
		pass[i], messages[i] = t.Pass, t.Message
	}
	return writeVerdict(w, pass, messages, r.Verdict, r.Reason)
}

// writeVerdict writes the thresholds' messages, ✓ or ✗ each, and the verdict line (with its
// reason, when it has one).
func writeVerdict(w io.Writer, pass []bool, messages []string, verdict Verdict, reason string) error {
	if len(messages) > 0 {
		fmt.Fprintln(w, "Thresholds:")
		for i, m := range messages {
			mark := "✓"
			if !pass[i] {
				mark = "✗"
			}
			fmt.Fprintf(w, "  %s %s\n", mark, m)
		}
	}
	if reason != "" {
		_, err := fmt.Fprintf(w, "Verdict: %s: %s\n", verdict, reason)
		return err
	}
	_, err := fmt.Fprintf(w, "Verdict: %s\n", verdict)
	return err
}

// counts renders a breakdown sorted by key (numerically for status codes).
func counts(m map[string]uint64, numeric bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if numeric {
			a, _ := strconv.Atoi(keys[i])
			b, _ := strconv.Atoi(keys[j])
			return a < b
		}
		return keys[i] < keys[j]
	})
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "  "
		}
		s += k + ":" + strconv.FormatUint(m[k], 10)
	}
	return s
}

// writePaths writes a mixed run's table: one row per path.
func writePaths(w io.Writer, r *Report) {
	if len(r.Paths) == 0 {
		return
	}
	mix := ""
	if r.Mix != "" {
		mix = " " + r.Mix
	}
	fmt.Fprintf(w, "Paths%s\n", mix)
	row := "  %-13s %-16s %9v %9v %9v %9v %9v %9v %8v %9v %9v %9v\n"
	fmt.Fprintf(w, row, "path", "expects", "requests", "expected", "ok", "refused", "throttled", "failed", "dry", "p50 ms", "p99 ms", "max ms")
	for _, p := range r.Paths {
		fmt.Fprintf(w, row, p.Path, p.Expect, p.Requests, p.Expected, p.OK, p.Refused, p.Throttled, p.Failed, p.Dry,
			strconv.FormatFloat(p.Latency.P50, 'f', 3, 64), strconv.FormatFloat(p.Latency.P99, 'f', 3, 64),
			strconv.FormatFloat(p.Latency.Max, 'f', 3, 64))
	}
	for _, p := range r.Paths {
		if p.Requests > p.Expected {
			fmt.Fprintf(w, "  %s answered: %s\n", p.Path, counts(p.Codes, false))
		}
		if p.Dry > 0 {
			fmt.Fprintf(w, "  %s: the pool ran dry from %.2fs to %.2fs: %d calls not sent\n", p.Path, p.DryFrom, p.DryTo, p.Dry)
		}
		if p.Pool != nil {
			fmt.Fprintf(w, "  %s pool: %d set up in %d batches", p.Path, p.Pool.Setups, p.Pool.Batches)
			if p.Pool.Error != "" {
				fmt.Fprintf(w, "; last setup error: %s", p.Pool.Error)
			}
			fmt.Fprintln(w)
		}
	}
}

// writeShardStart writes how far apart merged shards began and what each kept of its rate.
func writeShardStart(w io.Writer, r *Report) {
	ss := r.ShardStart
	if ss == nil {
		return
	}
	fmt.Fprintf(w, "Shard start\t spread %.3fs (latest first call after the earliest)\n", ss.Spread)
	for _, sh := range ss.Shards {
		kept := ""
		if sh.Planned > 0 {
			kept = fmt.Sprintf(" of %.0f/s planned: %.1f%% kept", sh.Planned, 100*sh.Kept)
		}
		fmt.Fprintf(w, "  %-20s started +%.3fs  %d calls  %.1f/s%s\n", sh.Name, sh.Started, sh.Requests, sh.Rate, kept)
	}
}

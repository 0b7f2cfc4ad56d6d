package contract

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteText writes the human summary: every failure, skip and baselined case with its reason
// (every case with all), the run's own problems, the counts per area (with the baseline's columns
// when it changed a status), and the verdict line.
func (r *Result) WriteText(w io.Writer, all bool) error {
	var b strings.Builder
	for _, c := range r.Cases {
		switch {
		case c.Status == StatusFailed:
			fmt.Fprintf(&b, "FAIL  %s: %s\n", c.ID, c.Message)
			if c.Reproduce != "" {
				fmt.Fprintf(&b, "      reproduce: %s\n", c.Reproduce)
			}
		case c.Status == StatusSkipped:
			fmt.Fprintf(&b, "SKIP  %s: %s\n", c.ID, c.Message)
		case c.Status == StatusKnown:
			fmt.Fprintf(&b, "KNOWN %s: %s\n", c.ID, c.Message)
		case c.Status == StatusFixed:
			fmt.Fprintf(&b, "FIXED %s: %s\n", c.ID, c.Message)
		case all:
			fmt.Fprintf(&b, "ok    %s\n", c.ID)
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "FAIL  %s\n", p)
	}
	writeFollowed(&b, r.Cases)
	type counts struct{ passed, failed, skipped, known, fixed int }
	areas := map[string]*counts{}
	for _, c := range r.Cases {
		a := area(c.ID)
		if areas[a] == nil {
			areas[a] = &counts{}
		}
		switch c.Status {
		case StatusPassed:
			areas[a].passed++
		case StatusFailed:
			areas[a].failed++
		case StatusSkipped:
			areas[a].skipped++
		case StatusKnown:
			areas[a].known++
		case StatusFixed:
			areas[a].fixed++
		}
	}
	names := make([]string, 0, len(areas))
	for a := range areas {
		names = append(names, a)
	}
	sort.Strings(names)
	baseline := r.Known+r.Fixed > 0 // the baseline's columns only when it changed a status
	fmt.Fprintf(&b, "\n%-10s %7s %7s %7s", "area", "passed", "failed", "skipped")
	if baseline {
		fmt.Fprintf(&b, " %7s %7s", "known", "fixed")
	}
	b.WriteString("\n")
	for _, a := range names {
		c := areas[a]
		fmt.Fprintf(&b, "%-10s %7d %7d %7d", a, c.passed, c.failed, c.skipped)
		if baseline {
			fmt.Fprintf(&b, " %7d %7d", c.known, c.fixed)
		}
		b.WriteString("\n")
	}
	// The last line is the verdict, the same as the exit status's and the reports'.
	verdict, why := strings.ToUpper(string(r.Verdict)), ""
	if verdict == "" { // a Result not from Run
		verdict = "PASS"
		if r.Failed > 0 || len(r.Problems) > 0 {
			verdict = "FAIL"
		}
	}
	if r.Verdict == VerdictInconclusive {
		why = ": no verdict: " + r.Reason
	}
	var baselined string
	if baseline {
		baselined = fmt.Sprintf(", %d known, %d fixed", r.Known, r.Fixed)
	}
	fmt.Fprintf(&b, "\n%s: %d cases, %d passed, %d failed, %d skipped%s in %v%s\n",
		verdict, len(r.Cases), r.Passed, r.Failed, r.Skipped, baselined, r.Duration.Round(time.Millisecond), why)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeProgress writes Config.Out's lines: one per case (every case when verbose, else the
// failed and skipped ones) with its labels and duration, in the report's order.
func (r *Result) writeProgress(w io.Writer, verbose, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	for _, c := range r.Cases {
		mark := paint("32", "•")
		switch c.Status {
		case StatusPassed:
			if !verbose {
				continue
			}
		case StatusFailed:
			mark = paint("31", "F")
		default:
			mark = paint("36", "S")
		}
		fmt.Fprintf(w, "%s %s [%s] %v", mark, c.ID, strings.Join(c.Labels, ", "), c.Duration.Round(time.Millisecond))
		if c.Message != "" {
			fmt.Fprintf(w, ": %s", c.Message)
		}
		fmt.Fprintln(w)
	}
}

// writeFollowed says, once per point, which source the target followed where the vendor's sources
// disagree, and in how many cases.
func writeFollowed(b *strings.Builder, cases []Case) {
	var notes []string
	count := map[string]int{}
	for _, c := range cases {
		if c.Status != StatusPassed && c.Status != StatusFixed {
			continue
		}
		for _, f := range c.Followed {
			if count[f.Note] == 0 {
				notes = append(notes, f.Note)
			}
			count[f.Note]++
		}
	}
	if len(notes) == 0 {
		return
	}
	b.WriteString("\nwhere the vendor's sources disagree (edgeconform spec sources), the target followed:\n")
	for _, n := range notes {
		fmt.Fprintf(b, "  %s (%d cases)\n", n, count[n])
	}
}

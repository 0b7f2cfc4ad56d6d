package loadrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/charts"
)

// ErrSteps is wrapped by every --steps/--ramp parsing error.
var ErrSteps = errors.New("bad steps")

// maxSteps bounds a capacity run's plan.
const maxSteps = 100

// ParseSteps reads a capacity plan: steps "500,1000,2000" (rising rates) or ramp
// "from:to:step" (from, from+step, ... up to to). Exactly one may be given.
func ParseSteps(steps, ramp string) ([]int, error) {
	switch {
	case steps != "" && ramp != "":
		return nil, fmt.Errorf("%w: give --steps or --ramp, not both", ErrSteps)
	case steps != "":
		var out []int
		for _, f := range strings.Split(steps, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%w %q: want rising rates per second, e.g. 500,1000,2000", ErrSteps, steps)
			}
			if len(out) > 0 && n <= out[len(out)-1] {
				return nil, fmt.Errorf("%w %q: the rates must rise", ErrSteps, steps)
			}
			out = append(out, n)
		}
		if len(out) > maxSteps {
			return nil, fmt.Errorf("%w %q: at most %d steps", ErrSteps, steps, maxSteps)
		}
		return out, nil
	case ramp != "":
		parts := strings.Split(ramp, ":")
		var v [3]int
		ok := len(parts) == 3
		for i := 0; ok && i < 3; i++ {
			n, err := strconv.Atoi(strings.TrimSpace(parts[i]))
			ok = err == nil && n > 0
			v[i] = n
		}
		if !ok || v[1] < v[0] {
			return nil, fmt.Errorf("%w %q: want FROM:TO:STEP, rates per second with FROM <= TO, e.g. 500:3000:500", ErrSteps, ramp)
		}
		if (v[1]-v[0])/v[2]+1 > maxSteps {
			return nil, fmt.Errorf("%w %q: more than %d steps", ErrSteps, ramp, maxSteps)
		}
		var out []int
		for r := v[0]; r <= v[1]; r += v[2] {
			out = append(out, r)
		}
		return out, nil
	}
	return nil, nil
}

// CapacityOptions configure a stepped run.
type CapacityOptions struct {
	Run          RunOptions // Rate and Duration are set per step; Summary is ignored
	Steps        []int      // rising rates per second
	StepDuration time.Duration
	Thresholds   []Threshold
	// OnStep, when set, is called after each step with its report.
	OnStep func(StepReport)
}

// StepReport is one step of a capacity run.
type StepReport struct {
	Rate   int     `json:"rate"` // planned, calls per second
	Pass   bool    `json:"pass"` // every threshold held (and no pool ran dry)
	Report *Report `json:"report"`
}

// CapacityReport is a stepped run: each step's report and the highest rate that kept every
// threshold.
type CapacityReport struct {
	Target       string       `json:"target,omitempty"`
	Mix          string       `json:"mix,omitempty"`
	StepDuration float64      `json:"step_duration_s"`
	Steps        []StepReport `json:"steps"`
	// Capacity is the highest planned rate whose step kept every threshold (0: none did).
	Capacity int `json:"capacity"`
	// BrokeAt is the first step's rate that crossed a threshold (0: none did: the capacity is
	// at least the last step).
	BrokeAt     int     `json:"broke_at,omitempty"`
	Crossed     string  `json:"crossed,omitempty"` // what crossed there
	Verdict     Verdict `json:"verdict"`           // pass when some step kept every threshold; inconclusive: Reason says why
	Reason      string  `json:"reason,omitempty"`
	Interrupted bool    `json:"interrupted,omitempty"` // stopped (a signal, --deadline) before the steps were done
}

// RunCapacity runs the steps in order, each for StepDuration at its rate, and stops after the
// first step that crosses a threshold. With pools, each step first sets their rate and waits
// (up to 10s) for them to fill. Every step's results go to o.Run.Results, the step named in the
// attack name ("step 2 @1000/s"); each step's report has its timeline for the charts.
func RunCapacity(ctx context.Context, o CapacityOptions) (*CapacityReport, error) {
	if len(o.Steps) == 0 {
		return nil, errors.New("load: a capacity run needs steps")
	}
	if o.StepDuration <= 0 {
		return nil, errors.New("load: step duration must be positive")
	}
	cr := &CapacityReport{Target: o.Run.Target, StepDuration: o.StepDuration.Seconds(), Verdict: VerdictFail}
	if o.Run.Pools != nil {
		cr.Mix = o.Run.Pools.Mix().String()
	}
	for i, rate := range o.Steps {
		if ctx.Err() != nil {
			break
		}
		if o.Run.Pools != nil {
			o.Run.Pools.SetRate(rate, 0)
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := o.Run.Pools.Warm(wctx)
			cancel()
			if err != nil {
				return cr, err
			}
		}
		ro := o.Run
		ro.Rate, ro.Duration, ro.Summary = rate, o.StepDuration, nil
		ro.Name = fmt.Sprintf("step %d @%d/s", i+1, rate)
		if i > 0 {
			ro.StartAt = time.Time{}
		}
		s, err := Run(ctx, ro)
		if err != nil && !errors.Is(err, ErrNoResults) {
			return cr, err
		}
		r := s.Report()
		r.Target = o.Run.Target
		r.RateRequested = float64(rate)
		if o.Run.Pools != nil {
			SetPoolStats(r, o.Run.Pools.Stats())
		}
		pass := Apply(o.Thresholds, s, r)
		step := StepReport{Rate: rate, Pass: pass, Report: r}
		cr.Steps = append(cr.Steps, step)
		if o.OnStep != nil {
			o.OnStep(step)
		}
		if !pass {
			cr.BrokeAt = rate
			var crossed []string
			for _, t := range r.Thresholds {
				if !t.Pass {
					crossed = append(crossed, t.Message)
				}
			}
			cr.Crossed = strings.Join(crossed, "; ")
			break
		}
		cr.Capacity = rate
		cr.Verdict = VerdictPass
	}
	return cr, nil
}

// WriteCapacityText writes the steps as a table and the capacity found.
func WriteCapacityText(w io.Writer, cr *CapacityReport) error {
	if cr.Target != "" {
		fmt.Fprintf(w, "Target    %s\n", cr.Target)
	}
	if cr.Mix != "" {
		fmt.Fprintf(w, "Mix       %s\n", cr.Mix)
	}
	fmt.Fprintf(w, "Steps     %d of %gs each\n", len(cr.Steps), cr.StepDuration)
	row := "  %-15v %10v %9v %8v %8v %8v %6v %9v %9v  %s\n"
	fmt.Fprintf(w, row, "planned", "sent/s", "requests", "ok", "refused", "failed", "dry", "p50 ms", "p99 ms", "thresholds")
	for _, st := range cr.Steps {
		r := st.Report
		verdict := "kept"
		if !st.Pass {
			verdict = "crossed"
		}
		fmt.Fprintf(w, row, fmt.Sprintf("%d/s", st.Rate), strconv.FormatFloat(r.Rate, 'f', 1, 64), r.Requests, r.OK, r.Refused,
			r.Failed, r.Dry, strconv.FormatFloat(r.Latency.P50, 'f', 3, 64), strconv.FormatFloat(r.Latency.P99, 'f', 3, 64), verdict)
		for _, p := range r.Paths {
			if len(r.Paths) > 1 {
				fmt.Fprintf(w, "    %-13s %10s %9d %8d %8d %8d %6d %9s %9s\n", p.Path, strconv.FormatFloat(p.Rate, 'f', 1, 64), p.Requests,
					p.OK, p.Refused, p.Failed, p.Dry, strconv.FormatFloat(p.Latency.P50, 'f', 3, 64), strconv.FormatFloat(p.Latency.P99, 'f', 3, 64))
			}
		}
	}
	if cr.BrokeAt > 0 {
		fmt.Fprintf(w, "Crossed at %d/s: %s\n", cr.BrokeAt, cr.Crossed)
	}
	switch {
	case cr.Capacity == 0:
		fmt.Fprintf(w, "Capacity: none: the first step already crossed a threshold\n")
	case cr.BrokeAt == 0:
		fmt.Fprintf(w, "Capacity: at least %d/s (the last step kept every threshold)\n", cr.Capacity)
	default:
		fmt.Fprintf(w, "Capacity: %d/s (the highest step that kept every threshold)\n", cr.Capacity)
	}
	if cr.Reason != "" {
		_, err := fmt.Fprintf(w, "Verdict: %s: %s\n", cr.Verdict, cr.Reason)
		return err
	}
	_, err := fmt.Fprintf(w, "Verdict: %s\n", cr.Verdict)
	return err
}

// WriteCapacityJSON writes the JSON report of a capacity run.
func WriteCapacityJSON(w io.Writer, cr *CapacityReport) error {
	js, err := json.MarshalIndent(cr, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(js, '\n'))
	return err
}

// WriteCapacityDir writes a capacity run's report folder: the JSON, the text and the charts
// (CapacityChartPage, titled title).
func WriteCapacityDir(dir string, cr *CapacityReport, title string) error {
	return writeReportFiles(dir, map[string]func(io.Writer) error{
		ReportJSONFile:  func(w io.Writer) error { return WriteCapacityJSON(w, cr) },
		ReportTextFile:  func(w io.Writer) error { return WriteCapacityText(w, cr) },
		ReportChartFile: func(w io.Writer) error { return charts.Write(w, CapacityChartPage(title, cr)) },
	})
}

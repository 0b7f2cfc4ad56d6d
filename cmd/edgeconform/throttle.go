package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/throttle"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// throttleFlags are the flags of `edgeconform throttle`: the shared target flags plus the
// progress mode.
type throttleFlags struct {
	targetFlags
	progress string
	deadline time.Duration
	// quietCredentials: the caller (run) has said what became of the environment's AccessKey.
	quietCredentials bool
	// stop says why the run's context ended early (nil while it runs): interrupted, --deadline.
	stop func() error
}

func (f *throttleFlags) register(fs *flag.FlagSet) {
	f.targetFlags.register(fs, 0)
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	fs.DurationVar(&f.deadline, "deadline", 0, "overall time limit of the run; past it the scenario stops without a verdict (default: none, the scenario takes 2.7 windows of --rate-limit)")
}

func runThrottle(ctx context.Context, m *Main, args []string) error {
	var f throttleFlags
	fs := m.newFlagSet("throttle", "throttle [--target URL] [--state-url URL | --profile FILE] [--rate-limit N/DURATION] [--deadline D] [--json FILE] [--report-dir DIR]")
	f.register(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	_, err := f.run(ctx, m)
	return err
}

// run is the throttle scenario behind parsed flags; `edgeconform run` calls it too. The report
// comes back whenever calls were made (so a caller can report it), with the command's error.
func (f *throttleFlags) run(ctx context.Context, m *Main) (*throttle.Report, error) {
	if f.deadline < 0 {
		return nil, cli.Usagef("throttle: --deadline %v: want a positive duration", f.deadline)
	}
	if err := checkOutputs("throttle", outFile("json", f.jsonReport), outDir("report-dir", f.reportDir)); err != nil {
		return nil, err
	}
	parent := ctx
	f.stop = func() error { return stopCause(parent, parent, "") }
	opts, desc, cleanup, err := f.options(ctx, m)
	if err != nil {
		if stop := f.stop(); stop != nil && cli.ExitCode(err) != cli.ExitUsage {
			err = f.noVerdictError(err) // said as "interrupted before the scenario reached a verdict"
		}
		return nil, err
	}
	defer cleanup()
	if m.envCredentials() && !f.quietCredentials {
		m.unusedCredentialsNote("throttle", fmt.Sprintf("the scenario's accounts come from the %q state", spec.StateFreshAccount))
	}
	deadline := ""
	if f.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.deadline)
		defer cancel()
		deadline = f.deadline.String()
	}
	f.stop = func() error { return stopCause(parent, ctx, deadline) }
	rep, err := f.scenario(ctx, m, opts, desc)
	// The last line of stdout is the verdict, the same as the exit status's and the report's.
	switch cli.ExitCode(err) {
	case cli.ExitOK:
		fmt.Fprintln(m.Stdout, "throttle: PASS")
	case cli.ExitNonConformant:
		fmt.Fprintln(m.Stdout, "throttle: FAIL")
	default:
		fmt.Fprintf(m.Stdout, "throttle: INCONCLUSIVE: %s\n", f.reason(err))
	}
	return rep, err
}

// reason is why the scenario reached no verdict, in one sentence: the last line, the JSON's
// "reason" and the error say the same.
func (f *throttleFlags) reason(err error) string {
	if f.stop != nil {
		if stop := f.stop(); stop != nil {
			return stop.Error() + " before the scenario reached a verdict"
		}
	}
	r := strings.TrimPrefix(sentence(err), "throttle: ")
	return strings.TrimPrefix(r, strings.TrimPrefix(throttle.ErrNoVerdict.Error(), "throttle: ")+": ")
}

// noVerdictError is the exit-3 error of a scenario that reached no verdict: "throttle: <reason>".
func (f *throttleFlags) noVerdictError(err error) error {
	return fmt.Errorf("%w: %w", cli.ErrHarness, &plain{"throttle: " + f.reason(err), err})
}

// noVerdictReport is the JSON report of a scenario that measured nothing: no verdict, and why.
type noVerdictReport struct {
	Verdict   verdict.Verdict `json:"verdict"`
	Reason    string          `json:"reason"`
	RateLimit string          `json:"rate_limit"`
	Checks    []struct{}      `json:"checks"`
}

// scenario runs the scenario and writes its reports; the report comes back whenever calls were made.
func (f *throttleFlags) scenario(ctx context.Context, m *Main, opts throttle.Options, desc string) (*throttle.Report, error) {
	noVerdict := func(err error) error {
		rep := noVerdictReport{verdict.Inconclusive, f.reason(err), opts.RateLimit.String(), []struct{}{}}
		if werr := writeOutput("throttle", "json", f.jsonReport, func(w io.Writer) error { return writeJSON(w, rep) }); werr != nil {
			return errors.Join(werr, f.noVerdictError(err))
		}
		return f.noVerdictError(err)
	}
	if err := client.Probe(ctx, opts.Target, opts.Timeout); err != nil {
		return nil, noVerdict(unreachable(opts.Target, err))
	}
	fmt.Fprintf(m.Stdout, "edgeconform throttle: %s\n", desc)
	display := m.newProgress(f.progress, "throttle", throttle.Planned(opts.RateLimit))
	opts.Progress = func(p throttle.Progress) {
		display.show(p.Elapsed, fmt.Sprintf("%s: %d calls, %d accepted, %d throttled", p.Phase, p.Requests, p.Accepted, p.Throttled), p.Done)
	}
	rep, runErr := throttle.Run(ctx, opts)
	display.finish()
	if rep == nil {
		// Nothing measured (no account, no answer, interrupted): no verdict either way.
		return nil, noVerdict(runErr)
	}
	if err := throttle.WriteText(m.Stdout, rep); err != nil {
		return rep, fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if err := f.writeReports(rep); err != nil {
		return rep, err
	}
	switch {
	case runErr != nil:
		return rep, f.noVerdictError(runErr)
	case rep.Verdict == verdict.Fail:
		var names []string
		for _, c := range rep.Failed() {
			names = append(names, c.Name)
		}
		return rep, fmt.Errorf("%w: throttle: %s failed", cli.ErrNonConformant, strings.Join(names, ", "))
	}
	return rep, nil
}

func (f *throttleFlags) writeReports(rep *throttle.Report) error {
	if err := writeOutput("throttle", "json", f.jsonReport, func(w io.Writer) error { return throttle.WriteJSON(w, rep) }); err != nil {
		return err
	}
	if f.reportDir != "" {
		if err := throttle.WriteReportDir(f.reportDir, rep); err != nil {
			return outputError("throttle", "report-dir", err)
		}
	}
	return nil
}

// options turns the flags into throttle.Options, starting the embedded reference
// implementation (with the limit to verify) when no --target is given.
func (f *throttleFlags) options(ctx context.Context, m *Main) (throttle.Options, string, func(), error) {
	nothing := func() {}
	var o throttle.Options
	switch {
	case f.timeout <= 0:
		return o, "", nothing, cli.Usagef("throttle: --timeout %v: want a positive duration", f.timeout)
	}
	if err := checkProgressMode("throttle", f.progress); err != nil {
		return o, "", nothing, err
	}
	sv, err := protocol.ParseSignatureVersion(f.signature)
	if err != nil {
		return o, "", nothing, cli.Usagef("throttle: --signature: %v", err)
	}
	o.Signature = sv
	if o.RateLimit, _, err = resolveRateLimit("throttle", f.rateLimit, f.target == "", specRateLimit()); err != nil {
		return o, "", nothing, err
	}
	if o.RateLimit.Calls < 10 {
		return o, "", nothing, cli.Usagef("throttle: --rate-limit %s: the scenario needs at least 10 calls per window", o.RateLimit)
	}
	// The scenario's own bound: a request slower than W/20 makes decision times too uncertain.
	o.Timeout = min(f.timeout, max(o.RateLimit.Window/20, time.Second))

	a, err := f.arrange(ctx, m, "throttle", o.RateLimit)
	if err != nil {
		return o, "", nothing, err
	}
	o.Target, o.States = a.target, a.states
	desc := append(a.desc, "rate limit "+o.RateLimit.String())
	return o, strings.Join(desc, "; "), a.close, nil
}

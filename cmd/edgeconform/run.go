package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/internal/throttle"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

// runRun is `edgeconform run`: the contract suites, then the throttle scenario, against the same
// target (or each against the embedded reference implementation). Both always run; the exit
// status is the worst of the two, in cli.ExitCode's order: bad usage, then non-conformance (a
// proven failure outweighs a measurement that could not be made), then harness failure.
func runRun(ctx context.Context, m *Main, args []string) error {
	var f targetFlags
	fs := m.newFlagSet("run", "run [--target URL] [--state-url URL | --profile FILE] [--rate-limit N/DURATION] [--strict] [--label-filter EXPR] [--deadline D] [--baseline FILE] [--explore N [--seed S]] [--follow SOURCE] [--json FILE] [--junit FILE] [--report-dir DIR]")
	f.register(fs, withCredentials|withJUnit)
	fs.Lookup("signature").Usage = "signature of the calls, v1 or v3: contract runs only that signature's cases, the throttle scenario sends it (default: contract runs both, the scenario sends v1)"
	fs.Lookup("access-key-id").Usage += "; contract only: the throttle scenario's accounts come from its provider state"
	fs.Lookup("junit").Usage = "write the contract cases as a JUnit XML report to `FILE`"
	fs.Lookup("json").Usage = "write {\"verdict\", \"contract\", \"throttle\"} (each part's JSON report) to `FILE`"
	fs.Lookup("report-dir").Usage = "write contract's reports and the throttle scenario's HTML charts and raw results to `DIR`"
	var cf contractFlags
	strict := fs.Bool("strict", false, "contract: fail the cases that would be skipped")
	fs.StringVar(&cf.labelFilter, "label-filter", "", "contract: run only the cases whose labels match `EXPR` (Ginkgo syntax; see 'edgeconform contract -h')")
	fs.BoolVar(&cf.verbose, "verbose", false, "contract: show a line per case as the run ends and list every case")
	deadline := fs.Duration("deadline", 0, "overall time limit of the run, both parts (default: none; contract alone stops at "+contract.DefaultDeadline.String()+")")
	registerBaseline(fs, &cf.parity.baseline) // contract's
	registerExploreFlags(fs, &cf.explore, &cf.seed)
	registerFollow(fs, &cf.follow)
	fs.IntVar(&cf.parallel, "parallel", contract.DefaultParallel, "contract: run up to `N` cases at once (1: one after another)")
	progress := fs.String("progress", "auto", "throttle progress on stderr: auto, bar, lines or none")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if *deadline < 0 {
		return cli.Usagef("run: --deadline %v: want a positive duration", *deadline)
	}
	if err := checkFollow("run", cf.follow); err != nil {
		return err
	}
	if err := checkOutputs("run", outFile("json", f.jsonReport), outFile("junit", f.junitReport), outDir("report-dir", f.reportDir)); err != nil {
		return err
	}
	cf.deadline = contract.DefaultDeadline
	parent, deadlineFlag := ctx, ""
	if *deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *deadline)
		defer cancel()
		cf.deadline = min(cf.deadline, *deadline)
		deadlineFlag = deadline.String()
	}
	stop := func() error { return stopCause(parent, ctx, deadlineFlag) }

	// The contract suites get the flags given; the combined --json is run's.
	cf.targetFlags, cf.strict, cf.set = f, *strict, set
	cf.jsonReport = ""
	fmt.Fprintln(m.Stdout, "== contract")
	cres, cerr := cf.run(ctx, m)
	if errors.Is(cerr, cli.ErrUsage) {
		return cerr // the same flags would be wrong for the throttle too
	}

	var trep *throttle.Report
	var terr, whole error // whole: what the whole run's verdict is about, said once
	during := "the contract suites"
	if stopped := stop(); stopped != nil {
		// Stopped during the contract suites: the scenario is not started only to be stopped.
		terr = fmt.Errorf("%w: %w: not run", cli.ErrHarness, stopped)
	} else if down := targetDown(ctx, f, cerr); down != nil {
		// The scenario would only find the same; the two parts' words for it are said once.
		whole = down
		terr = harnessError("throttle", fmt.Errorf("not run: %w", down))
	} else {
		fmt.Fprintln(m.Stdout, "\n== throttle")
		// The scenario's accounts come from the "a fresh account" state; the credentials were the
		// contract's, which has said what became of the environment's.
		tf := throttleFlags{targetFlags: f, progress: *progress, quietCredentials: true}
		tf.accessKeyID, tf.accessKeySecret, tf.junitReport, tf.jsonReport = "", "", "", ""
		trep, terr = tf.run(ctx, m)
		during = "the throttle scenario"
	}

	err, reason := runOutcome(cerr, terr)
	if stopped := stop(); stopped != nil {
		whole = fmt.Errorf("%w during %s", stopped, during)
	}
	if whole != nil {
		reason = whole.Error()
		err = fmt.Errorf("%w: %w", cli.ErrHarness, &plain{"run: " + reason, errors.Join(cerr, terr)})
	}
	runVerdict := verdictOf(err)
	if werr := writeOutput("run", "json", f.jsonReport, func(w io.Writer) error {
		return writeRunJSON(w, runJSON{runVerdict, reason, cres, cerr, trep, terr})
	}); werr != nil {
		return errors.Join(werr, err)
	}
	// The last line: the run's verdict, which the exit status and the JSON repeat; with no verdict,
	// why (a failure's reasons are the parts' lines above).
	why := ""
	if runVerdict == verdict.Inconclusive {
		why = ": " + reason
	}
	fmt.Fprintf(m.Stdout, "\nrun: %s (contract %s, throttle %s)%s\n", strings.ToUpper(string(runVerdict)), verdictOf(cerr), verdictOf(terr), why)
	return err
}

// targetDown is why an explicit --target answers nothing, when the contract suites found it
// unreachable and a probe confirms it; nil otherwise.
func targetDown(ctx context.Context, f targetFlags, cerr error) error {
	if f.target == "" || !errors.Is(cerr, contract.ErrUnreachable) {
		return nil
	}
	if perr := client.Probe(ctx, f.target, f.timeout); perr != nil && ctx.Err() == nil {
		return unreachable(f.target, perr)
	}
	return nil
}

// runOutcome is the run's error from its parts' (the exit status is the worst of the two, in
// cli.ExitCode's order) and, for a run that did not pass, why, in one sentence.
func runOutcome(cerr, terr error) (error, string) {
	var reason string
	switch {
	case cerr == nil && terr == nil:
		return nil, ""
	case terr == nil:
		reason = sentence(cerr)
	case cerr == nil:
		reason = sentence(terr)
	default:
		reason = sentence(cerr) + "; " + sentence(terr)
	}
	err := errors.Join(cerr, terr)
	return &plain{sentinelOf(err) + ": " + reason, err}, reason
}

// sentinelOf is the text of the sentinel that decides err's exit status ("harness failed" ...).
func sentinelOf(err error) string {
	switch cli.ExitCode(err) {
	case cli.ExitUsage:
		return cli.ErrUsage.Error()
	case cli.ExitNonConformant:
		return cli.ErrNonConformant.Error()
	}
	return cli.ErrHarness.Error()
}

// verdictOf names the verdict an error (an exit status) stands for.
func verdictOf(err error) verdict.Verdict {
	switch cli.ExitCode(err) {
	case cli.ExitOK:
		return verdict.Pass
	case cli.ExitNonConformant:
		return verdict.Fail
	}
	return verdict.Inconclusive
}

// runJSON is what `run --json` reports: the verdict, why (when it is not a pass), each part.
type runJSON struct {
	verdict verdict.Verdict
	reason  string
	cres    *contract.Result
	cerr    error
	trep    *throttle.Report
	terr    error
}

// writeRunJSON writes {"verdict", "reason", "contract": <contract report>, "throttle": <throttle
// report>} (docs/protocol.md#reports); a part that did not run to a result is
// {"verdict": "inconclusive", "reason": why}.
func writeRunJSON(w io.Writer, r runJSON) error {
	cres, trep := r.cres, r.trep
	part := func(ok bool, write func(io.Writer) error, why error) (json.RawMessage, error) {
		if !ok {
			var b bytes.Buffer
			err := writeJSON(&b, struct {
				Verdict verdict.Verdict `json:"verdict"`
				Reason  string          `json:"reason"`
			}{verdictOf(why), sentence(why)})
			return b.Bytes(), err
		}
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	c, err := part(cres != nil, func(w io.Writer) error { return cres.WriteJSON(w) }, r.cerr)
	if err != nil {
		return err
	}
	t, err := part(trep != nil, func(w io.Writer) error { return throttle.WriteJSON(w, trep) }, r.terr)
	if err != nil {
		return err
	}
	return writeJSON(w, struct {
		Verdict  verdict.Verdict `json:"verdict"`
		Reason   string          `json:"reason,omitempty"`
		Contract json.RawMessage `json:"contract"`
		Throttle json.RawMessage `json:"throttle"`
	}{r.verdict, r.reason, c, t})
}

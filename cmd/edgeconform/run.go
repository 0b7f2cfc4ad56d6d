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
	"github.com/edgeconform/edgeconform/suites/contract"
	"github.com/edgeconform/edgeconform/throttle"
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
	if *deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *deadline)
		defer cancel()
		cf.deadline = min(cf.deadline, *deadline)
	}

	// The contract suites get the flags given; the combined --json is run's.
	cf.targetFlags, cf.strict, cf.set = f, *strict, set
	cf.jsonReport = ""
	fmt.Fprintln(m.Stdout, "== contract")
	cres, cerr := cf.run(ctx, m)
	if errors.Is(cerr, cli.ErrUsage) {
		return cerr // the same flags would be wrong for the throttle too
	}

	fmt.Fprintln(m.Stdout, "\n== throttle")
	// The scenario's accounts come from the "a fresh account" state; the credentials were the
	// contract's, which has said what became of the environment's.
	tf := throttleFlags{targetFlags: f, progress: *progress, quietCredentials: true}
	tf.accessKeyID, tf.accessKeySecret, tf.junitReport, tf.jsonReport = "", "", "", ""
	trep, terr := tf.run(ctx, m)

	err := errors.Join(cerr, terr)
	if cerr != nil && terr == nil {
		err = cerr
	} else if terr != nil && cerr == nil {
		err = terr
	}
	verdict := verdictOf(err)
	if werr := writeOutput("run", "json", f.jsonReport, func(w io.Writer) error { return writeRunJSON(w, verdict, cres, trep) }); werr != nil {
		return errors.Join(werr, err)
	}
	// The last line: the run's verdict, which the exit status and the JSON repeat.
	fmt.Fprintf(m.Stdout, "\nrun: %s (contract %s, throttle %s)\n", strings.ToUpper(verdict), verdictOf(cerr), verdictOf(terr))
	return err
}

// verdictOf names the verdict an error (an exit status) stands for.
func verdictOf(err error) string {
	switch cli.ExitCode(err) {
	case cli.ExitOK:
		return "pass"
	case cli.ExitNonConformant:
		return "fail"
	}
	return "inconclusive"
}

// writeRunJSON writes {"verdict", "contract": <contract report>, "throttle": <throttle report>}
// (docs/protocol.md#reports); a part that did not run to a result is null.
func writeRunJSON(w io.Writer, verdict string, cres *contract.Result, trep *throttle.Report) error {
	part := func(ok bool, write func(io.Writer) error) (json.RawMessage, error) {
		if !ok {
			return json.RawMessage("null"), nil
		}
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	c, err := part(cres != nil, func(w io.Writer) error { return cres.WriteJSON(w) })
	if err != nil {
		return err
	}
	t, err := part(trep != nil, func(w io.Writer) error { return throttle.WriteJSON(w, trep) })
	if err != nil {
		return err
	}
	return writeJSON(w, struct {
		Verdict  string          `json:"verdict"`
		Contract json.RawMessage `json:"contract"`
		Throttle json.RawMessage `json:"throttle"`
	}{verdict, c, t})
}

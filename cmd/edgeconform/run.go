package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

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
	fs := m.newFlagSet("run", "run [--target URL] [--state-url URL | --profile FILE] [--rate-limit N/DURATION] [--strict] [--baseline FILE] [--explore N [--seed S]] [--json FILE] [--junit FILE] [--report-dir DIR]")
	f.register(fs)
	var cf contractFlags
	strict := fs.Bool("strict", false, "contract: fail the cases that would be skipped")
	registerBaseline(fs, &cf.parity.baseline) // contract's
	registerExploreFlags(fs, &cf.explore, &cf.seed)
	progress := fs.String("progress", "auto", "throttle progress on stderr: auto, bar, lines or none")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })

	// The contract suites get the flags given; the combined --json is run's, --report-dir the
	// throttle's.
	cf.targetFlags, cf.strict, cf.deadline, cf.set = f, *strict, contract.DefaultDeadline, set
	cf.jsonReport, cf.reportDir = "", ""
	fmt.Fprintln(m.Stdout, "== contract")
	cres, cerr := cf.run(ctx, m)
	if errors.Is(cerr, cli.ErrUsage) {
		return cerr // the same flags would be wrong for the throttle too
	}

	fmt.Fprintln(m.Stdout, "\n== throttle")
	tf := throttleFlags{targetFlags: f, progress: *progress}
	// The scenario's accounts come from the "a fresh account" state; the credentials were the contract's.
	tf.accessKeyID, tf.accessKeySecret, tf.junitReport, tf.jsonReport = "", "", "", ""
	trep, terr := tf.run(ctx, m)

	if err := writeOutput("run", "json", f.jsonReport, func(w io.Writer) error { return writeRunJSON(w, cres, trep) }); err != nil {
		return errors.Join(err, cerr, terr)
	}
	switch {
	case cerr == nil && terr == nil:
		fmt.Fprintln(m.Stdout, "\nrun: PASS (contract and throttle)")
		return nil
	case cerr != nil && terr != nil:
		return errors.Join(cerr, terr)
	case cerr != nil:
		return cerr
	default:
		return terr
	}
}

// writeRunJSON writes {"contract": <§5 contract report>, "throttle": <§5 throttle report>}; a part
// that did not run to a result is null.
func writeRunJSON(w io.Writer, cres *contract.Result, trep *throttle.Report) error {
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
	out, err := json.MarshalIndent(struct {
		Contract json.RawMessage `json:"contract"`
		Throttle json.RawMessage `json:"throttle"`
	}{c, t}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

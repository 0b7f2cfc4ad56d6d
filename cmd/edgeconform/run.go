package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgeconform/edgeconform/internal/cli"
)

// runRun is `edgeconform run`: the contract suites, then the throttle scenario, against the same
// target (or each against the embedded reference implementation). Both always run; the exit
// status is the worst of the two, in cli.ExitCode's order: bad usage, then non-conformance (a
// proven failure outweighs a measurement that could not be made), then harness failure.
func runRun(ctx context.Context, m *Main, args []string) error {
	var f targetFlags
	fs := m.newFlagSet("run", "run [--target URL] [--state-url URL | --profile FILE] [--rate-limit N/DURATION] [--strict] [--baseline FILE] [--explore N [--seed S]] [--json FILE] [--junit FILE] [--report-dir DIR]")
	f.register(fs)
	fs.Bool("strict", false, "contract: fail the cases that would be skipped")
	registerBaseline(fs, new(string)) // contract's, passed on to it
	registerExploreFlags(fs, new(int), new(uint64))
	progress := fs.String("progress", "auto", "throttle progress on stderr: auto, bar, lines or none")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}

	// The contract command gets the flags given, but its reports go where run says.
	var cargs []string
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "json", "report-dir", "progress":
			return
		}
		cargs = append(cargs, "--"+fl.Name+"="+fl.Value.String())
	})
	tmp, err := os.MkdirTemp("", "edgeconform-run-")
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer os.RemoveAll(tmp)
	contractJSON := filepath.Join(tmp, "contract.json")
	cargs = append(cargs, "--json="+contractJSON)

	fmt.Fprintln(m.Stdout, "== contract")
	cerr := runContract(ctx, m, cargs)
	if errors.Is(cerr, cli.ErrUsage) {
		return cerr // the same flags would be wrong for the throttle too
	}

	fmt.Fprintln(m.Stdout, "\n== throttle")
	tf := throttleFlags{targetFlags: f, progress: *progress}
	// The scenario's accounts come from the "a fresh account" state; the credentials were the contract's.
	tf.accessKeyID, tf.accessKeySecret, tf.junitReport = "", "", ""
	throttleJSON := filepath.Join(tmp, "throttle.json")
	tf.jsonReport = throttleJSON
	terr := tf.run(ctx, m)

	if f.jsonReport != "" {
		if err := combineReports(f.jsonReport, contractJSON, throttleJSON); err != nil {
			return errors.Join(outputError("run", "json", err), cerr, terr)
		}
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

// combineReports writes {"contract": <§5 contract report>, "throttle": <§5 throttle report>};
// a part that was not written (its command stopped before) is null.
func combineReports(path, contractJSON, throttleJSON string) error {
	read := func(p string) json.RawMessage {
		b, err := os.ReadFile(p)
		if err != nil || !json.Valid(b) {
			return json.RawMessage("null")
		}
		return b
	}
	out, err := json.MarshalIndent(struct {
		Contract json.RawMessage `json:"contract"`
		Throttle json.RawMessage `json:"throttle"`
	}{read(contractJSON), read(throttleJSON)}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/internal/parity"
	"github.com/edgeconform/edgeconform/spec"
)

// runRecord is `edgeconform record` (docs/protocol.md#parity): the contract cases against --target (or
// the embedded reference implementation), each judged answer written to --out as parity records
// it. The cases' own verdicts do not matter here: what the target answered is the recording.
func runRecord(ctx context.Context, m *Main, args []string) error {
	var (
		f        contractFlags
		out      string
		volatile stringList
	)
	fs := m.newFlagSet("record", "record --out DIR [--target URL] [--state-url URL | --profile FILE] [--volatile FIELD ...] [--label-filter EXPR]")
	f.register(fs)
	fs.StringVar(&out, "out", "", "write the recording to `DIR` (empty, absent, or an earlier recording, which is replaced)")
	fs.Var(&volatile, "volatile", "a body `FIELD` whose value differs on every answer, beside RequestId (e.g. HostId when the service's varies); repeatable")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if out == "" {
		return cli.Usagef("record: --out DIR is required")
	}
	for _, v := range volatile {
		if v == "" || strings.ContainsAny(v, " \t\n/") {
			return cli.Usagef("record: --volatile %q: want the name of a body field, e.g. HostId", v)
		}
	}
	if err := checkOutputs("record", outFile("json", f.jsonReport), outFile("junit", f.junitReport), outDir("report-dir", f.reportDir)); err != nil {
		return err
	}
	if err := checkRecordOut(out); err != nil {
		return cli.Usagef("record: --out: %v", err)
	}
	s := spec.Default()
	rec := parity.NewRecorder(s, append(append([]string{}, parity.DefaultVolatile...), volatile...))

	cfg, desc, cleanup, err := f.config(ctx, m)
	if err != nil {
		return err
	}
	defer cleanup()
	res, runErr := runContractSuite(ctx, cfg, func(o contract.Observation) contract.Judgment {
		rec.Add(o.Case, o.Answer, parity.SentOf(o.Credentials, o.Call, o.Answer.Request))
		return contract.Judgment{}
	})
	if errors.Is(runErr, contract.ErrConfig) {
		return cli.Usagef("record: %v", strings.TrimPrefix(runErr.Error(), "contract: "))
	}
	if res == nil || runErr != nil {
		return fmt.Errorf("%w: record: %v (nothing written)", cli.ErrHarness, runErr)
	}
	if rec.Len() == 0 {
		return fmt.Errorf("%w: record: no case got an answer to record (nothing written)", cli.ErrHarness)
	}
	meta := parity.Meta{Recorded: time.Now().UTC().Truncate(time.Second), Target: recordedHost(f.target), SpecDigest: parity.SpecDigest(s), Version: recordedVersion()}
	if err := rec.Write(out, meta); err != nil {
		return fmt.Errorf("%w: record: %v", cli.ErrHarness, err)
	}
	var summary strings.Builder
	if f.reportDir != "" {
		res.WriteText(&summary, false)
	}
	if err := writeContractReports(res, f.jsonReport, f.junitReport, f.reportDir, []byte(summary.String())); err != nil {
		return fmt.Errorf("%w: record: %v", cli.ErrHarness, err)
	}
	fmt.Fprintf(m.Stdout, "edgeconform record: %s\n", desc)
	for _, c := range res.Cases {
		if c.Status == contract.StatusSkipped {
			fmt.Fprintf(m.Stdout, "SKIP  %s: %s\n", c.ID, c.Message)
		}
	}
	fmt.Fprintf(m.Stdout, "recorded %d cases to %s; %d skipped (not recorded); %d failed their own checks (recorded as answered)\n",
		rec.Len(), out, res.Skipped, res.Failed)
	return nil
}

// checkRecordOut refuses an --out that is not a directory to hold a recording, or not writable,
// before any call is sent.
func checkRecordOut(dir string) error {
	if err := parity.CheckOut(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	probe, err := os.CreateTemp(dir, ".edgeconform-probe-")
	if err != nil {
		return fmt.Errorf("%s is not writable: %v", dir, errors.Unwrap(err))
	}
	probe.Close()
	return os.Remove(filepath.Clean(probe.Name()))
}

// recordedHost is what meta.json says was recorded: the target's host, never its userinfo.
func recordedHost(target string) string {
	if target == "" {
		return "reference (embedded)"
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "(unknown)"
	}
	return u.Host
}

// recordedVersion is edgeconform's version as the build knows it, for meta.json.
func recordedVersion() string {
	if version != "" {
		return version // set by the build (make build, Dockerfile)
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

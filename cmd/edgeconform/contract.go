package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// contractFlags are the flags of `edgeconform contract` beyond the shared targetFlags.
type contractFlags struct {
	targetFlags
	strict      bool
	labelFilter string
	deadline    time.Duration
	parallel    int
	verbose     bool
	explore     int
	seed        uint64
	follow      string          // --follow: the source required where the vendor's sources disagree
	set         map[string]bool // the flags given on the command line
	parity      parityFlags     // --snapshot, --snapshot-ignore, --baseline (parity.go)
	envCreds    bool            // the AccessKey came from the environment
}

// contractEmbeddedLimit is the throttle of the embedded reference implementation when contract
// starts it without --rate-limit: small, so the throttle cases check the throttled answer's shape
// in a few hundred calls, and a short window, so that effects/after-Throttling.User sees it lift in
// seconds. The limit's value itself is `edgeconform throttle`'s business.
var contractEmbeddedLimit = spec.RateLimit{Calls: 50, Window: 2 * time.Second}

// contractGrace is how long past --deadline the command waits for the suite to wrap up before it
// gives up on it: never a hang.
const contractGrace = 10 * time.Second

func (f *contractFlags) register(fs *flag.FlagSet) {
	f.targetFlags.register(fs, withCredentials|withJUnit)
	if fl := fs.Lookup("report-dir"); fl != nil {
		fl.Usage = "write " + contractReportFiles + " (the JSON and JUnit reports, the summary) to `DIR`"
	}
	// What the shared flags mean for contract.
	if fl := fs.Lookup("signature"); fl != nil {
		fl.Usage, fl.DefValue = "run only the cases of this signature, v1 or v3 (default: both)", ""
	}
	if fl := fs.Lookup("rate-limit"); fl != nil {
		fl.Usage = "the target's throttle, `N/DURATION`: lets the throttle cases drive one account past it (default: skip them; the embedded default runs at " + contractEmbeddedLimit.String() + ")"
	}
	if fl := fs.Lookup("profile"); fl != nil {
		fl.Usage += " (with --target and neither this nor --state-url: the embedded reference profile)"
	}
	fs.BoolVar(&f.strict, "strict", false, "fail the cases that would be skipped (a state the target cannot arrange)")
	fs.StringVar(&f.labelFilter, "label-filter", "", "run only the cases whose labels match `EXPR` (Ginkgo syntax), e.g. 'errors && !xml'; labels: success, errors, gateway, throttle, get, post, v1, v3, json, xml, and each Code")
	fs.DurationVar(&f.deadline, "deadline", contract.DefaultDeadline, "overall time limit of the run")
	fs.IntVar(&f.parallel, "parallel", contract.DefaultParallel, "run up to `N` cases at once (1: one after another); the reports are the same whatever N")
	fs.BoolVar(&f.verbose, "verbose", false, "show a line per case as the run ends and list every case")
	registerExploreFlags(fs, &f.explore, &f.seed)
	registerFollow(fs, &f.follow)
}

// checkFollow refuses a --follow that names no source a run can follow.
func checkFollow(command, follow string) error {
	if follow != "" && !slices.Contains(contract.Followable, follow) {
		return cli.Usagef("%s: --follow %q: want %s", command, follow, strings.Join(contract.Followable, " or "))
	}
	return nil
}

// registerFollow registers --follow (contract and run).
func registerFollow(fs *flag.FlagSet, follow *string) {
	fs.StringVar(follow, "follow", "", "where the vendor's sources disagree (edgeconform spec sources), require `SOURCE`'s answer: "+
		strings.Join(contract.Followable, " or ")+" (default: an answer that follows either passes, and the reports say which)")
}

func runContract(ctx context.Context, m *Main, args []string) error {
	var f contractFlags
	fs := m.newFlagSet("contract", "contract [--target URL] [--state-url URL | --profile FILE] [--strict] [--label-filter EXPR] [--snapshot DIR [--snapshot-ignore FILE]] [--baseline FILE] [--explore N [--seed S]] [--follow SOURCE] [--json FILE] [--junit FILE] [--report-dir DIR]")
	f.register(fs)
	f.parity.register(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	_, err := f.run(ctx, m)
	return err
}

// run is the contract suites behind parsed flags; `edgeconform run` calls it too. The result comes
// back whenever the suite ran (so a caller can report it), with the command's error.
func (f *contractFlags) run(ctx context.Context, m *Main) (*contract.Result, error) {
	if err := checkOutputs("contract", outFile("json", f.jsonReport), outFile("junit", f.junitReport), outDir("report-dir", f.reportDir)); err != nil {
		return nil, err
	}
	if err := f.parity.load(m, spec.Default()); err != nil {
		return nil, err
	}
	cfg, desc, cleanup, err := f.config(ctx, m)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res, runErr := runContractSuite(ctx, cfg, f.parity.observer())
	if errors.Is(runErr, contract.ErrConfig) {
		return nil, cli.Usagef("contract: %v", strings.TrimPrefix(runErr.Error(), "contract: "))
	}
	if res != nil && len(res.Cases) == 0 && runErr == nil {
		return nil, cli.Usagef("contract: --label-filter %q selects no case", f.labelFilter)
	}
	if res == nil {
		// No report from the suite: the reports still say that there is no verdict, and why.
		res = &contract.Result{Verdict: contract.VerdictInconclusive, Reason: strings.ReplaceAll(runErr.Error(), "contract: ", ""), Target: cfg.Target, Cases: []contract.Case{}}
	}
	expired, err := applyBaseline(f.parity.base, res, time.Now())
	if err != nil {
		return nil, err
	}
	res.Problems = append(res.Problems, expired...)
	contract.Rejudge(res, runErr)
	var summary bytes.Buffer
	if err := printContractSummary(io.MultiWriter(m.Stdout, &summary), res, desc, f.verbose); err != nil {
		return res, fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if f.envCreds && res.CredentialsUsed == 0 && res.Verdict != contract.VerdictInconclusive {
		m.unusedCredentialsNote("contract", "every provider state gave its own credentials")
	}
	if err := writeContractReports(res, f.jsonReport, f.junitReport, f.reportDir, summary.Bytes()); err != nil {
		return res, err
	}
	return res, contractVerdict(res, runErr)
}

// contractVerdict is the error (the exit status) that tells the same story as res.Verdict.
func contractVerdict(res *contract.Result, runErr error) error {
	switch res.Verdict {
	case contract.VerdictPass:
		return nil
	case contract.VerdictFail:
		var msg []string
		if res.Failed > 0 {
			msg = append(msg, fmt.Sprintf("%d of %d cases failed", res.Failed, len(res.Cases)))
		}
		if len(res.Problems) > 0 {
			msg = append(msg, fmt.Sprintf("%d baseline entries expired", len(res.Problems)))
		}
		if runErr != nil {
			msg = append(msg, "besides, "+strings.ReplaceAll(runErr.Error(), "contract: ", ""))
		}
		return fmt.Errorf("%w: contract: %s", cli.ErrNonConformant, strings.Join(msg, "; "))
	}
	if runErr != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, runErr) // its message is the reason
	}
	return fmt.Errorf("%w: contract: inconclusive: %s", cli.ErrHarness, res.Reason)
}

// runContractSuite runs the suite and waits for it at most its deadline and a grace period: a
// suite stuck past that is abandoned (the process exits), never waited on forever.
func runContractSuite(ctx context.Context, cfg contract.Config, observer contract.Observer) (*contract.Result, error) {
	type outcome struct {
		res *contract.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := contract.RunObserved(ctx, cfg, observer)
		done <- outcome{res, err}
	}()
	deadline := cfg.Deadline
	if deadline == 0 {
		deadline = contract.DefaultDeadline
	}
	timer := time.NewTimer(deadline + contractGrace)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.res, o.err
	case <-timer.C:
		return nil, fmt.Errorf("%w: the suite did not finish within %v", contract.ErrDeadline, deadline+contractGrace)
	}
}

// config turns the flags into a contract.Config, starting the embedded reference implementation
// when no --target is given. desc says in one line what is tested.
func (f *contractFlags) config(ctx context.Context, m *Main) (contract.Config, string, func(), error) {
	nothing := func() {}
	cfg := contract.Config{Strict: f.strict, LabelFilter: f.labelFilter, Deadline: f.deadline, Timeout: f.timeout, Verbose: f.verbose, Parallel: f.parallel,
		Follow: f.follow}
	if err := f.exploreConfig(m, &cfg); err != nil {
		return cfg, "", nothing, err
	}
	switch {
	case f.parallel < 1:
		return cfg, "", nothing, cli.Usagef("contract: --parallel %d: want 1 or more", f.parallel)
	case f.deadline <= 0:
		return cfg, "", nothing, cli.Usagef("contract: --deadline %v: want a positive duration", f.deadline)
	case f.timeout <= 0:
		return cfg, "", nothing, cli.Usagef("contract: --timeout %v: want a positive duration", f.timeout)
	}
	if err := checkFollow("contract", f.follow); err != nil {
		return cfg, "", nothing, err
	}
	if f.set["signature"] {
		sv, err := protocol.ParseSignatureVersion(f.signature)
		if err != nil {
			return cfg, "", nothing, cli.Usagef("contract: --signature: %v", err)
		}
		cfg.Signatures = []protocol.SignatureVersion{sv}
	}
	rl, given, err := resolveRateLimit("contract", f.rateLimit, f.target == "", contractRateLimit)
	if err != nil {
		return cfg, "", nothing, err
	}
	creds, err := credentials(m, "contract", f.accessKeyID, f.accessKeySecret)
	if err != nil {
		return cfg, "", nothing, err
	}
	cfg.Credentials = creds
	f.envCreds = f.accessKeyID == "" && m.envCredentials()
	if f.verbose {
		cfg.Out, cfg.Color = m.Stdout, isTerminal(m.Stdout) && m.getenv("NO_COLOR") == ""
	}

	a, err := f.arrange(ctx, m, "contract", rl)
	if err != nil {
		return cfg, "", nothing, err
	}
	cfg.Target, cfg.States = a.target, a.states
	if a.embedded {
		// The embedded default is known to take being driven past its (small) limit.
		a.desc[0] += " (rate limit " + rl.String() + ")"
		cfg.Throttle = contract.Throttle{Limit: rl, Safe: true}
	} else {
		// A limit given by the user is one the target is known to take being driven past.
		cfg.Throttle = contract.Throttle{Limit: rl, Safe: given}
	}
	return cfg, strings.Join(a.desc, "; "), a.close, nil
}

func (m *Main) getenv(key string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(key)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// printContractSummary writes what was tested, then the result's text summary.
func printContractSummary(w io.Writer, res *contract.Result, desc string, all bool) error {
	fmt.Fprintf(w, "edgeconform contract: %s\n", desc)
	return res.WriteText(w, all)
}

// contractReportFiles are the files of contract's --report-dir.
const contractReportFiles = "contract.json, contract.xml and contract.txt"

// writeContractReports writes the --json and --junit files, and the --report-dir files (the
// same reports and the summary).
func writeContractReports(res *contract.Result, jsonPath, junitPath, dir string, summary []byte) error {
	if err := writeOutput("contract", "json", jsonPath, res.WriteJSON); err != nil {
		return err
	}
	if err := writeOutput("contract", "junit", junitPath, res.WriteJUnit); err != nil {
		return err
	}
	if dir == "" {
		return nil
	}
	return errors.Join(
		writeOutput("contract", "report-dir", filepath.Join(dir, "contract.json"), res.WriteJSON),
		writeOutput("contract", "report-dir", filepath.Join(dir, "contract.xml"), res.WriteJUnit),
		writeOutput("contract", "report-dir", filepath.Join(dir, "contract.txt"), func(w io.Writer) error { _, err := w.Write(summary); return err }),
	)
}

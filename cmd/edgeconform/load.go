package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// assumedMaxRate is the rate --accounts is sized for when --rate 0 asks for "as fast as possible".
const assumedMaxRate = 20000

// loadOptions are the flags of `edgeconform load`.
type loadOptions struct {
	targetFlags
	rate       int
	duration   time.Duration
	accounts   int
	thresholds stringList
	shard      string
	output     string
	method     string
	format     string          // --format as given
	answer     protocol.Format // --format as read
	workers    uint64
	maxWorkers uint64
	progress   string
	emit       int
	mixFlags
	deadline time.Duration

	// stop says why the run's context ended early (nil while it runs): interrupted, --deadline.
	stop func() error
	// reported: the verdict line and the --json report are written (finishReport ran).
	reported bool
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func runLoad(ctx context.Context, m *Main, args []string) error {
	var o loadOptions
	fs := m.newFlagSet("load", "load [--target URL [--state-url URL | --profile FILE]] --rate R --duration D [--threshold EXPR ...] [flags]")
	o.targetFlags.register(fs, 0)
	fs.IntVar(&o.rate, "rate", 50, "`R` calls per second (0: as fast as --max-workers allow)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send calls")
	fs.IntVar(&o.accounts, "accounts", 0, "instead of --mix, repeat calls over `K` fresh accounts, one job each (the first start succeeds, the rest are refused: the harness benchmark's mode; with --emit-targets, 0 means enough that each uses at most half its throttle budget)")
	fs.Var(&o.thresholds, "threshold", "pass condition `EXPR`, repeatable, k6 style: p99<50ms, p(95)<=200, mean<10ms, max<1s, errors<0.1%, throttled<1%, rps>=100")
	fs.StringVar(&o.shard, "shard", "", "run shard `i/n` (0-based i, as $JOB_COMPLETION_INDEX): 1/n of the rate and of the accounts")
	fs.StringVar(&o.output, "output", "", "write the raw results to `FILE` in vegeta's binary format (for 'edgeconform report merge' or 'vegeta report')")
	fs.StringVar(&o.method, "method", "GET", "HTTP method: GET or POST")
	fs.StringVar(&o.format, "format", string(protocol.FormatJSON), "answer Format to ask for: "+strings.Join(specfacts.Formats(spec.Default()), " or "))
	fs.Uint64Var(&o.workers, "workers", 10, "initial attack workers")
	fs.Uint64Var(&o.maxWorkers, "max-workers", 0, "cap on attack workers (0: unbounded at a fixed rate, 64 at --rate 0)")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fs.DurationVar(&o.deadline, "deadline", 0, "overall time limit of the run, account setup included; past it the run stops without a verdict (default: none, --duration bounds the calls)")
	fs.IntVar(&o.emit, "emit-targets", 0, "instead of attacking, write `N` freshly signed targets in vegeta's JSON target format to --output (default stdout) and keep their accounts (for 'vegeta attack -format=json'; signatures expire after 15 minutes)")
	o.mixFlags.register(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	return o.run(ctx, m)
}

// check validates the flags that need no network, so that bad usage exits 2 before anything runs.
func (o *loadOptions) check() (ts []loadrun.Threshold, sh loadrun.Shard, sig protocol.SignatureVersion, rl spec.RateLimit, err error) {
	if o.rate < 0 {
		return nil, sh, "", rl, cli.Usagef("load: --rate must not be negative")
	}
	if o.duration <= 0 {
		return nil, sh, "", rl, cli.Usagef("load: --duration must be positive")
	}
	if o.deadline < 0 {
		return nil, sh, "", rl, cli.Usagef("load: --deadline %v: want a positive duration", o.deadline)
	}
	if o.emit < 0 {
		return nil, sh, "", rl, cli.Usagef("load: --emit-targets must not be negative")
	}
	if o.emit > 0 && o.target == "" {
		return nil, sh, "", rl, cli.Usagef("load: --emit-targets needs --target (the embedded implementation ends with this process)")
	}
	if o.accounts < 0 {
		return nil, sh, "", rl, cli.Usagef("load: --accounts must not be negative")
	}
	if ts, err = loadrun.ParseThresholds(o.thresholds); err != nil {
		return nil, sh, "", rl, cli.Usagef("load: %v", err)
	}
	if o.shard != "" {
		if sh, err = loadrun.ParseShard(o.shard); err != nil {
			return nil, sh, "", rl, cli.Usagef("load: --%v", err)
		}
	}
	if sig, err = protocol.ParseSignatureVersion(o.signature); err != nil {
		return nil, sh, "", rl, cli.Usagef("load: --signature: %v", err)
	}
	if rl, _, err = resolveRateLimit("load", o.rateLimit, o.target == "", specRateLimit()); err != nil {
		return nil, sh, "", rl, err
	}
	switch m := strings.ToUpper(o.method); m {
	case "GET", "POST":
		o.method = m
	default:
		return nil, sh, "", rl, cli.Usagef("load: --method %q: want GET or POST", o.method)
	}
	if o.answer, err = protocol.ParseFormat(o.format, specfacts.Formats(spec.Default())); err != nil {
		return nil, sh, "", rl, cli.Usagef("load: --%v", err)
	}
	if err := checkProgressMode("load", o.progress); err != nil {
		return nil, sh, "", rl, err
	}
	if o.target == "" && (o.stateURL != "" || o.profile != "") {
		return nil, sh, "", rl, cli.Usagef("load: --state-url and --profile describe a --target; without --target the embedded reference implementation is used")
	}
	if o.target != "" {
		if _, err := wire.ParseBaseURL(o.target); err != nil {
			return nil, sh, "", rl, cli.Usagef("load: --target: %v", err)
		}
		if o.stateURL != "" {
			if err := arrange.ValidateURL(o.stateURL); err != nil {
				return nil, sh, "", rl, cli.Usagef("load: --state-url: %v", err)
			}
		}
		// Neither --state-url nor --profile: the shipped reference profile, as contract does.
	}
	out := o.output
	if o.emit > 0 {
		out = "" // the targets go to --output, or stdout
	}
	if err := checkOutputs("load", outFile("json", o.jsonReport), outDir("report-dir", o.reportDir), outFile("output", out)); err != nil {
		return nil, sh, "", rl, err
	}
	if err := o.checkMix(ts, sh); err != nil {
		return nil, sh, "", rl, err
	}
	return ts, sh, sig, rl, nil
}

func (o *loadOptions) run(ctx context.Context, m *Main) (err error) {
	ts, sh, sig, rl, err := o.check()
	if err != nil {
		return err
	}
	parent, deadline := ctx, ""
	if o.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.deadline)
		defer cancel()
		deadline = o.deadline.String()
	}
	o.stop = func() error { return stopCause(parent, ctx, deadline) }
	defer func() { err = o.conclude(m, err) }()
	// Accounts come from the target's provider states, or the embedded reference implementation's.
	a, err := o.arrange(ctx, m, "load", rl)
	if err != nil {
		return err
	}
	defer a.close()
	target, arr := a.target, a.states
	if !a.embedded && o.emit == 0 {
		// A target that is down is said at once, not after --duration of refused calls.
		if perr := client.Probe(ctx, target, o.timeout); perr != nil && ctx.Err() == nil {
			return harnessError("load", unreachable(target, perr))
		}
	}
	if a.embedded {
		fmt.Fprintf(m.Stderr, "load: no --target: %s (throttle %s per account)\n", a.desc[0], rl)
	} else if len(a.desc) > 1 {
		fmt.Fprintf(m.Stderr, "load: accounts: %s\n", a.desc[1])
	}
	if m.envCredentials() {
		m.unusedCredentialsNote("load", fmt.Sprintf("the accounts come from the %q state", spec.StateFreshAccount))
	}
	if o.pooled() {
		return o.runPooled(ctx, m, a, ts, sh, sig, rl)
	}

	k := o.accounts
	if k == 0 {
		k = loadrun.AccountsFor(o.rate, o.duration, rl, assumedMaxRate)
	}
	accounts, teardown, short, err := loadrun.SetupAccounts(ctx, arr, k, sh)
	if err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if o.emit > 0 {
		return o.emitTargets(m, target, accounts, sig)
	}
	defer func() {
		if a.embedded {
			return // the embedded implementation goes away with its accounts
		}
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := teardown(tctx); err != nil {
			fmt.Fprintf(m.Stderr, "load: teardown: %v\n", err)
		}
	}()
	if short {
		fmt.Fprintf(m.Stderr, "load: warning: only %d of %d accounts could be set up; the throttle may dominate\n", len(accounts), k)
	}
	rate, name, maxWorkers, err := o.share(sh)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "load: %s at %s for %s over %d accounts (%s %s, %s)\n", target, rateString(rate), o.duration, len(accounts), o.method, sig, name)

	sinks, err := o.openSinks()
	if err != nil {
		return err
	}
	defer sinks.closeAll()
	s, cause, err := o.attack(ctx, m, loadrun.RunOptions{
		Target: target, Accounts: accounts, Rate: rate, Duration: o.duration,
		Workers: o.workers, MaxWorkers: maxWorkers, Timeout: o.timeout,
		Method: o.method, Signature: sig, Format: o.answer, Name: name,
		Results: sinks.results, StartAt: o.startTime,
	}, sinks)
	if err != nil {
		return err
	}
	r := s.Report()
	r.Target = target
	r.RateRequested = float64(rate)
	return o.finish(m, s, r, ts, "edgeconform load: "+target, cause)
}

// finish writes the run's reports (finishReport) and notes that they are written.
func (o *loadOptions) finish(m *Main, s *loadrun.Summary, r *loadrun.Report, ts []loadrun.Threshold, title string, cause error) error {
	r.Interrupted = o.stop() != nil
	o.reported = true
	return finishReport(m, "load", s, r, ts, o.jsonReport, o.reportDir, title, cause)
}

// conclude gives every way out of a run one story: a run stopped (a signal, --deadline) before
// its first call says so, and a harness failure that left no report still ends stdout with the
// verdict and writes --json with its reason, as a run with figures does.
func (o *loadOptions) conclude(m *Main, err error) error {
	if o.emit > 0 || cli.ExitCode(err) == cli.ExitUsage {
		return err // stdout holds the targets; a usage error has its own line
	}
	stop := o.stop()
	if stop != nil && !o.reported {
		err = harnessError("load", fmt.Errorf("%w before the first call", stop))
	}
	if o.reported || cli.ExitCode(err) != cli.ExitHarness {
		return err
	}
	r := &loadrun.Report{Target: o.target, Interrupted: stop != nil}
	r.Inconclusive(strings.TrimPrefix(sentence(err), "load: "))
	fmt.Fprintf(m.Stdout, "Verdict: %s: %s\n", r.Verdict, r.Reason)
	if werr := writeOutput("load", "json", o.jsonReport, func(w io.Writer) error { return loadrun.WriteJSON(w, r) }); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// share is this process's part of the run: its rate, attack name and worker cap.
func (o *loadOptions) share(sh loadrun.Shard) (rate int, name string, maxWorkers uint64, err error) {
	rate, name = o.rate, "load"
	if sh.Count > 1 {
		rate = sh.Split(o.rate)
		name = loadrun.ShardName(sh, rate)
	}
	if o.rate > 0 && rate == 0 {
		return 0, "", 0, cli.Usagef("load: --rate %d is too low to split over %d shards", o.rate, sh.Count)
	}
	maxWorkers = o.maxWorkers
	if rate == 0 && maxWorkers == 0 {
		maxWorkers = 64
	}
	return rate, name, maxWorkers, nil
}

// attack runs ro with the progress display and closes the sinks. With calls made, the summary
// comes back with cause: why the figures decide nothing (the target answered none of the first
// calls, the run was stopped early), nil when they decide. err: no figures at all (exit 3).
func (o *loadOptions) attack(ctx context.Context, m *Main, ro loadrun.RunOptions, sinks *sinks) (s *loadrun.Summary, cause, err error) {
	display := m.newProgress(o.progress, "load", o.duration)
	var elapsed time.Duration
	ro.Progress = func(p loadrun.Progress) {
		elapsed = p.Elapsed
		display.show(p.Elapsed, fmt.Sprintf("%d calls, %d failed, %d throttled", p.Requests, p.Failed, p.Throttled), p.Done)
	}
	s, runErr := loadrun.Run(ctx, ro)
	display.finish()
	if err := sinks.closeAll(); err != nil && runErr == nil {
		runErr = err
	}
	if s == nil || s.Counts().Requests+s.Counts().Dry == 0 || (runErr != nil && !errors.Is(runErr, giveup.ErrNoAnswer)) {
		if runErr == nil {
			runErr = loadrun.ErrNoResults
		}
		return nil, nil, harnessError("load", runErr)
	}
	if runErr != nil {
		return s, runErr, nil // the target answered none of the first calls
	}
	if stop := o.stop(); stop != nil {
		return s, fmt.Errorf("%w after %s of the planned %s: the figures cover the calls made so far", stop, elapsed.Round(100*time.Millisecond), o.duration), nil
	}
	return s, nil, nil
}

// sinks are where a run's raw results go: --output, and results.bin of --report-dir.
type sinks struct {
	results io.Writer // nil: nowhere
	files   []*os.File
}

func (o *loadOptions) openSinks() (*sinks, error) {
	s := &sinks{}
	var ws []io.Writer
	create := func(path string) error {
		f, err := os.Create(path)
		if err != nil {
			return cli.Usagef("load: %v", err)
		}
		s.files = append(s.files, f)
		ws = append(ws, f)
		return nil
	}
	if o.reportDir != "" {
		if err := os.MkdirAll(o.reportDir, 0o755); err != nil {
			return nil, cli.Usagef("load: --report-dir: %v", err)
		}
		if err := create(filepath.Join(o.reportDir, loadrun.ReportResultsFile)); err != nil {
			s.closeAll()
			return nil, err
		}
	}
	if o.output != "" {
		if err := create(o.output); err != nil {
			s.closeAll()
			return nil, err
		}
	}
	if len(ws) > 0 {
		s.results = io.MultiWriter(ws...)
	}
	return s, nil
}

// closeAll closes the files (once) and returns the first error.
func (s *sinks) closeAll() error {
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = fmt.Errorf("load: write results: %w", err)
		}
	}
	s.files = nil
	return first
}

// emitTargets writes o.emit signed targets as vegeta's JSON target lines. The accounts are kept:
// the targets are to be sent after this process ends.
func (o *loadOptions) emitTargets(m *Main, target string, accounts []attack.Account, sig protocol.SignatureVersion) error {
	tr, err := attack.NewTargeter(target, accounts, attack.WithMethod(o.method), attack.WithSignature(sig), attack.WithFormat(o.answer))
	if err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	w := m.Stdout
	if o.output != "" {
		f, err := os.Create(o.output)
		if err != nil {
			return cli.Usagef("load: %v", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var tgt vegeta.Target
	for range o.emit {
		if err := tr(&tgt); err != nil {
			return fmt.Errorf("%w: %w", cli.ErrHarness, err)
		}
		if err := enc.Encode(&tgt); err != nil {
			return fmt.Errorf("%w: write targets: %w", cli.ErrHarness, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%w: write targets: %w", cli.ErrHarness, err)
	}
	fmt.Fprintf(m.Stderr, "load: wrote %d signed targets over %d accounts (kept, not torn down)\n", o.emit, len(accounts))
	return nil
}

func rateString(rate int) string {
	if rate == 0 {
		return "max rate"
	}
	return fmt.Sprintf("%d/s", rate)
}

// finishReport evaluates the thresholds, writes the text report to stdout and the files asked
// for (the charts titled title), and decides the exit status: 3 (verdict inconclusive, with its
// reason) when cause says why the figures decide nothing or no call got any answer, 1 when a
// threshold is crossed.
func finishReport(m *Main, command string, s *loadrun.Summary, r *loadrun.Report, ts []loadrun.Threshold, jsonPath, reportDir, title string, cause error) error {
	pass, cause := loadrun.Judge(ts, s, r, cause)
	if cause != nil {
		r.Inconclusive(strings.TrimPrefix(sentence(cause), command+": "))
	}
	if err := loadrun.WriteText(m.Stdout, r); err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if err := writeOutput(command, "json", jsonPath, func(w io.Writer) error { return loadrun.WriteJSON(w, r) }); err != nil {
		return err
	}
	if reportDir != "" {
		if err := loadrun.WriteReportDir(reportDir, r, title); err != nil {
			return outputError(command, "report-dir", err)
		}
	}
	if cause != nil {
		return harnessError(command, cause)
	}
	if !pass {
		passes := make([]bool, len(r.Thresholds))
		for i, t := range r.Thresholds {
			passes[i] = t.Pass
		}
		return crossedError("", passes)
	}
	return nil
}

// crossedError is exit 1's error: how many thresholds of pass were crossed.
func crossedError(prefix string, pass []bool) error {
	crossed := 0
	for _, p := range pass {
		if !p {
			crossed++
		}
	}
	return fmt.Errorf("%w: %s%d of %d thresholds crossed", cli.ErrNonConformant, prefix, crossed, len(pass))
}

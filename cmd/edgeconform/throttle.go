package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/load"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// throttleFlags are the flags of `edgeconform throttle`: the shared target flags plus the
// progress mode.
type throttleFlags struct {
	targetFlags
	progress string
}

func (f *throttleFlags) register(fs *flag.FlagSet) {
	f.targetFlags.register(fs)
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines or none")
}

func runThrottle(ctx context.Context, m *Main, args []string) error {
	var f throttleFlags
	fs := m.newFlagSet("throttle", "throttle [--target URL] [--state-url URL | --profile FILE] [--rate-limit N/DURATION] [--json FILE] [--report-dir DIR]")
	f.register(fs)
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	return f.run(ctx, m)
}

// run is the throttle scenario behind parsed flags; `edgeconform run` calls it too.
func (f *throttleFlags) run(ctx context.Context, m *Main) error {
	opts, desc, cleanup, err := f.options(ctx, m)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := probeTarget(ctx, opts.Target, opts.Timeout); err != nil {
		return fmt.Errorf("%w: throttle: target unreachable: %v", cli.ErrHarness, err)
	}
	fmt.Fprintf(m.Stdout, "edgeconform throttle: %s\n", desc)
	planned := time.Duration(2.7 * float64(opts.RateLimit.Window))
	progress, done := m.throttleProgress(f.progress, planned)
	opts.Progress = progress
	rep, runErr := load.RunThrottle(ctx, opts)
	done()
	if rep == nil {
		// Nothing measured (no account, no answer, interrupted): no verdict either way.
		return fmt.Errorf("%w: %v", cli.ErrHarness, runErr)
	}
	if err := load.WriteThrottleText(m.Stdout, rep); err != nil {
		return fmt.Errorf("%w: %v", cli.ErrHarness, err)
	}
	if err := f.writeReports(rep); err != nil {
		return fmt.Errorf("%w: %v", cli.ErrHarness, err)
	}
	switch {
	case runErr != nil:
		return fmt.Errorf("%w: %v", cli.ErrHarness, runErr)
	case rep.Verdict == "fail":
		var names []string
		for _, c := range rep.Failed() {
			names = append(names, c.Name)
		}
		return fmt.Errorf("%w: throttle: %s failed", cli.ErrNonConformant, strings.Join(names, ", "))
	}
	return nil
}

func (f *throttleFlags) writeReports(rep *load.ThrottleReport) error {
	if f.jsonReport != "" {
		var b bytes.Buffer
		if err := load.WriteThrottleJSON(&b, rep); err != nil {
			return err
		}
		if err := os.WriteFile(f.jsonReport, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
	}
	if f.reportDir != "" {
		return load.WriteThrottleReportDir(f.reportDir, rep)
	}
	return nil
}

// options turns the flags into load.ThrottleOptions, starting the embedded reference
// implementation (with the limit to verify) when no --target is given.
func (f *throttleFlags) options(ctx context.Context, m *Main) (load.ThrottleOptions, string, func(), error) {
	nothing := func() {}
	var o load.ThrottleOptions
	switch {
	case f.timeout <= 0:
		return o, "", nothing, cli.Usagef("throttle: --timeout %v: want a positive duration", f.timeout)
	case f.stateURL != "" && f.profile != "":
		return o, "", nothing, cli.Usagef("throttle: give --state-url or --profile, not both")
	case f.stateURL != "" && f.target == "":
		return o, "", nothing, cli.Usagef("throttle: --state-url needs --target (the embedded default has its own)")
	case f.junitReport != "":
		return o, "", nothing, cli.Usagef("throttle: --junit does not apply (use --json and --report-dir)")
	case f.accessKeyID != "" || f.accessKeySecret != "":
		// The scenario needs fresh accounts with a job each: credentials alone do not make one.
		return o, "", nothing, cli.Usagef("throttle: --access-key-id/--access-key-secret do not apply: the scenario's accounts come from the %q state (--state-url or --profile)", spec.StateFreshAccount)
	}
	switch f.progress {
	case "auto", "bar", "lines", "none":
	default:
		return o, "", nothing, cli.Usagef("throttle: --progress %q: want auto, bar, lines or none", f.progress)
	}
	sv, err := protocol.ParseSignatureVersion(f.signature)
	if err != nil {
		return o, "", nothing, cli.Usagef("throttle: --signature: %v", err)
	}
	o.Signature = sv
	o.RateLimit = spec.Default().RateLimit()
	if f.rateLimit != "" {
		if o.RateLimit, err = spec.ParseRateLimit(f.rateLimit); err != nil {
			return o, "", nothing, cli.Usagef("throttle: --rate-limit: %v", err)
		}
	}
	if o.RateLimit.Calls < 10 {
		return o, "", nothing, cli.Usagef("throttle: --rate-limit %s: the scenario needs at least 10 calls per window", o.RateLimit)
	}
	// The scenario's own bound: a request slower than W/20 makes decision times too uncertain.
	o.Timeout = min(f.timeout, max(o.RateLimit.Window/20, time.Second))

	var desc []string
	cleanup := nothing
	if f.target == "" {
		r, err := startEmbedded(ctx, o.RateLimit)
		if err != nil {
			return o, "", nothing, err
		}
		cleanup = func() { r.Close() }
		o.Target = r.APIURL
		o.States = states.NewEndpoint(r.AdminURL, states.WithTimeout(f.timeout))
		desc = append(desc, "the embedded reference implementation at "+r.APIURL)
	} else {
		if _, err := protocol.ParseBaseURL(f.target); err != nil {
			return o, "", nothing, cli.Usagef("throttle: --target: %v", err)
		}
		o.Target = f.target
		desc = append(desc, f.target)
	}
	switch {
	case f.stateURL != "":
		if err := states.ValidateURL(f.stateURL); err != nil {
			cleanup()
			return o, "", nothing, cli.Usagef("throttle: --state-url: %v", err)
		}
		o.States = states.NewEndpoint(f.stateURL, states.WithTimeout(f.timeout))
		desc = append(desc, "provider states from "+f.stateURL)
	case f.profile != "":
		p, err := states.LoadProfile(f.profile)
		if err != nil {
			cleanup()
			return o, "", nothing, cli.Usagef("throttle: --profile: %v", err)
		}
		o.States = p
		desc = append(desc, "fixture mode, profile "+f.profile)
	case f.target != "":
		data, err := fixtures.Profile(fixtures.ReferenceProfile)
		var p *states.Profile
		if err == nil {
			p, err = states.ParseProfile("reference (embedded)", data, m.getenv)
		}
		if err != nil {
			return o, "", nothing, fmt.Errorf("%w: throttle: %v", cli.ErrHarness, err)
		}
		o.States = p
		desc = append(desc, "fixture mode, the embedded reference profile (give --state-url or --profile for another target)")
	default:
		desc = append(desc, "provider states from its endpoint")
	}
	desc = append(desc, "rate limit "+o.RateLimit.String())
	return o, strings.Join(desc, "; "), cleanup, nil
}

// probeTarget makes one unsigned GET of target: any HTTP answer will do (a gateway rejects it
// before the throttle, so it costs no account any budget). Without one, the scenario would spend
// 2.7 windows (minutes at the spec's limit) measuring nothing.
func probeTarget(ctx context.Context, target string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return err
}

// throttleProgress returns the scenario's progress callback: a bar on a terminal, a line per tenth
// of the run otherwise.
func (m *Main) throttleProgress(mode string, planned time.Duration) (func(load.ThrottleProgress), func()) {
	if mode == "auto" {
		mode = "lines"
		if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		bar := progressbar.NewOptions64(planned.Milliseconds(),
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription("throttle"),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
		return func(p load.ThrottleProgress) {
				bar.Describe(fmt.Sprintf("%s: %d calls, %d accepted, %d throttled", p.Phase, p.Requests, p.Accepted, p.Throttled))
				_ = bar.Set64(min(p.Elapsed.Milliseconds(), planned.Milliseconds()))
			}, func() {
				_ = bar.Finish()
				_ = bar.Exit()
			}
	case "lines":
		every := min(max(planned/10, time.Second), 15*time.Second)
		next := every
		return func(p load.ThrottleProgress) {
			if p.Elapsed < next && !p.Done {
				return
			}
			for next <= p.Elapsed {
				next += every
			}
			fmt.Fprintf(m.Stderr, "throttle: %5.1fs/%.0fs %s: %d calls, %d accepted, %d throttled\n",
				p.Elapsed.Seconds(), planned.Seconds(), p.Phase, p.Requests, p.Accepted, p.Throttled)
		}, func() {}
	default:
		return nil, func() {}
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/load"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/throttle"
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
		return fmt.Errorf("%w: throttle: target unreachable: %w", cli.ErrHarness, err)
	}
	fmt.Fprintf(m.Stdout, "edgeconform throttle: %s\n", desc)
	planned := time.Duration(2.7 * float64(opts.RateLimit.Window))
	display := m.newProgress(f.progress, "throttle", planned)
	opts.Progress = func(p throttle.Progress) {
		display.show(p.Elapsed, fmt.Sprintf("%s: %d calls, %d accepted, %d throttled", p.Phase, p.Requests, p.Accepted, p.Throttled), p.Done)
	}
	rep, runErr := throttle.Run(ctx, opts)
	display.finish()
	if rep == nil {
		// Nothing measured (no account, no answer, interrupted): no verdict either way.
		return fmt.Errorf("%w: %w", cli.ErrHarness, runErr)
	}
	if err := throttle.WriteText(m.Stdout, rep); err != nil {
		return fmt.Errorf("%w: %w", cli.ErrHarness, err)
	}
	if err := f.writeReports(rep); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return fmt.Errorf("%w: %w", cli.ErrHarness, runErr)
	case rep.Verdict == load.VerdictFail:
		var names []string
		for _, c := range rep.Failed() {
			names = append(names, c.Name)
		}
		return fmt.Errorf("%w: throttle: %s failed", cli.ErrNonConformant, strings.Join(names, ", "))
	}
	return nil
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
	case f.junitReport != "":
		return o, "", nothing, cli.Usagef("throttle: --junit does not apply (use --json and --report-dir)")
	case f.accessKeyID != "" || f.accessKeySecret != "":
		// The scenario needs fresh accounts with a job each: credentials alone do not make one.
		return o, "", nothing, cli.Usagef("throttle: --access-key-id/--access-key-secret do not apply: the scenario's accounts come from the %q state (--state-url or --profile)", spec.StateFreshAccount)
	}
	if err := checkProgressMode("throttle", f.progress); err != nil {
		return o, "", nothing, err
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

	a, err := f.arrange(ctx, m, "throttle", o.RateLimit)
	if err != nil {
		return o, "", nothing, err
	}
	o.Target, o.States = a.target, a.states
	desc := append(a.desc, "rate limit "+o.RateLimit.String())
	return o, strings.Join(desc, "; "), a.close, nil
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

package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// targetFlags are the flags shared by the commands that call a target (docs/protocol.md#the-binary).
type targetFlags struct {
	target          string
	stateURL        string
	stateToken      string // --state-token, else $EDGECONFORM_STATE_TOKEN: never printed
	profile         string
	accessKeyID     string
	accessKeySecret string
	signature       string
	rateLimit       string
	jsonReport      string
	junitReport     string
	reportDir       string
	timeout         time.Duration
}

// Flags beyond the core that only some commands honour: --help lists only what a command takes.
type extraFlags uint

const (
	// withCredentials: --access-key-id and --access-key-secret (the contract cases' signer).
	withCredentials extraFlags = 1 << iota
	// withJUnit: --junit (the contract cases as JUnit test cases).
	withJUnit
)

// register adds the shared flags to fs: the core of every command that calls a target, and the
// extra ones the command honours.
func (t *targetFlags) register(fs *flag.FlagSet, extra extraFlags) {
	fs.StringVar(&t.target, "target", "", "base `URL` of the implementation under test (default: the embedded reference implementation)")
	fs.StringVar(&t.stateURL, "state-url", "", "provider-state endpoint `URL` of the target (docs/protocol.md#provider-states); without it, fixture mode")
	fs.StringVar(&t.stateToken, "state-token", "", "send \"Authorization: Bearer `TOKEN`\" to the provider-state endpoint (default $"+stateTokenEnv+"; prefer the variable: a flag shows in ps)")
	fs.StringVar(&t.profile, "profile", "", "fixture-mode target profile `FILE` mapping states to identifiers (docs/protocol.md#fixtures)")
	if extra&withCredentials != 0 {
		fs.StringVar(&t.accessKeyID, "access-key-id", "", "AccessKeyId (default $ALIBABA_CLOUD_ACCESS_KEY_ID, then the fixtures)")
		fs.StringVar(&t.accessKeySecret, "access-key-secret", "", "AccessKeySecret (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET, then the fixtures)")
	}
	fs.StringVar(&t.signature, "signature", "v1", "signature to send: v1 (HMAC-SHA1) or v3 (ACS3-HMAC-SHA256)")
	fs.StringVar(&t.rateLimit, "rate-limit", "", "the throttle to verify, `N/DURATION` (default: the spec's)")
	fs.StringVar(&t.jsonReport, "json", "", "write the JSON report to `FILE`")
	if extra&withJUnit != 0 {
		fs.StringVar(&t.junitReport, "junit", "", "write a JUnit XML report to `FILE`")
	}
	fs.StringVar(&t.reportDir, "report-dir", "", "write HTML reports and charts to `DIR`")
	fs.DurationVar(&t.timeout, "timeout", 10*time.Second, "per-request timeout")
}

// envCredentials says whether the environment holds an AccessKey (ALIBABA_CLOUD_ACCESS_KEY_ID).
func (m *Main) envCredentials() bool {
	return m.getenv("ALIBABA_CLOUD_ACCESS_KEY_ID") != "" || m.getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET") != ""
}

// unusedCredentialsNote is said once, on stderr, when the environment's AccessKey was not used.
func (m *Main) unusedCredentialsNote(command, why string) {
	fmt.Fprintf(m.Stderr, "%s: note: $ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET were not used: %s\n", command, why)
}

// arrangement is where a command sends its calls and where its provider states come from.
type arrangement struct {
	target   string
	states   states.Arranger
	embedded bool     // the target is the in-process reference implementation
	desc     []string // what was arranged, for the run's summary line
	close    func()
}

// arrange starts the embedded reference implementation (throttling rl per account) when --target
// is absent, and picks the provider states: --state-url, --profile, the embedded endpoint, or, for
// a --target with neither, the embedded reference profile (fixture mode). Bad flags are usage
// errors; the caller must call close.
func (t *targetFlags) arrange(ctx context.Context, m *Main, command string, rl spec.RateLimit) (*arrangement, error) {
	switch {
	case t.stateURL != "" && t.profile != "":
		return nil, cli.Usagef("%s: give --state-url or --profile, not both", command)
	case t.stateURL != "" && t.target == "":
		return nil, cli.Usagef("%s: --state-url needs --target (the embedded default has its own)", command)
	}
	a := &arrangement{close: func() {}}
	if t.target == "" {
		r, err := startEmbedded(ctx, rl)
		if err != nil {
			return nil, err
		}
		a.target, a.embedded, a.close = r.APIURL, true, func() { r.Close() }
		a.states = states.NewEndpoint(r.AdminURL, states.WithTimeout(t.timeout))
		a.desc = append(a.desc, "the embedded reference implementation at "+r.APIURL)
	} else {
		if _, err := wire.ParseBaseURL(t.target); err != nil {
			return nil, cli.Usagef("%s: --target: %v", command, err)
		}
		a.target = t.target
		a.desc = append(a.desc, t.target)
	}
	switch {
	case t.stateURL != "":
		if err := arrange.ValidateURL(t.stateURL); err != nil {
			a.close()
			return nil, cli.Usagef("%s: --state-url: %v", command, err)
		}
		a.states = states.NewEndpoint(t.stateURL, states.WithTimeout(t.timeout), states.WithToken(t.token(m)))
		a.desc = append(a.desc, "provider states from "+t.stateURL)
	case t.profile != "":
		p, err := arrange.LoadProfile(t.profile)
		if err != nil {
			a.close()
			return nil, cli.Usagef("%s: --profile: %v", command, err)
		}
		a.states = p
		a.desc = append(a.desc, "fixture mode, profile "+t.profile)
	case !a.embedded:
		data, err := fixtures.Profile(fixtures.ReferenceProfile)
		var p *arrange.Profile
		if err == nil {
			p, err = arrange.ParseProfile("reference (embedded)", data, m.getenv)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", cli.ErrHarness, command, err)
		}
		a.states = p
		a.desc = append(a.desc, "fixture mode, the embedded reference profile (give --state-url or --profile for another target)")
	default:
		a.desc = append(a.desc, "provider states from its endpoint")
	}
	return a, nil
}

// stateTokenEnv holds the provider-state endpoint's token when --state-token is not given.
const stateTokenEnv = "EDGECONFORM_STATE_TOKEN"

// token is the provider-state endpoint's token: --state-token, else the environment's ("": none).
func (t *targetFlags) token(m *Main) string {
	if t.stateToken != "" {
		return t.stateToken
	}
	return m.getenv(stateTokenEnv)
}

// credentials are the flags' AccessKey, each half defaulting to the environment's
// (docs/protocol.md#the-binary); both halves or neither, or a usage error. No credentials at all is not an error here: each
// command knows its own fallback.
func credentials(m *Main, command, id, secret string) (protocol.Credentials, error) {
	if id == "" {
		id = m.getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
	}
	if secret == "" {
		secret = m.getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	}
	if (id == "") != (secret == "") {
		return protocol.Credentials{}, cli.Usagef("%s: an AccessKeyId needs its AccessKeySecret and the other way round (--access-key-id, --access-key-secret or $ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)", command)
	}
	return protocol.Credentials{AccessKeyID: id, AccessKeySecret: secret}, nil
}

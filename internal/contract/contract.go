// Package contract holds the contract suite of StartEdgeTranscodeJob (docs/protocol.md) and its
// runner: the machinery behind the public package suites/contract, which aliases its Config and
// Result. Each Run builds its cases as data from its Config, runs them and returns their outcome:
// runs share no state, so Run may be called any number of times, also concurrently. RunObserved
// adds the Observer seam of the binary's recordings and snapshots. suites/contract's go test
// binary reports the cases through Ginkgo (contract_suite_test.go).
//
// The cases: a start of a stopped job (JobId echoed) and its refused second start; each error code
// of the documentation page through its provider state, MissingParameter through the request
// itself; the gateway's common errors; the shape of a throttled answer. Each checks the HTTP status,
// Code, Message against its template, RequestId (present, unique in the run), Content-Type byte for
// byte, and the whole answer against the OpenAPI spec. Each runs over every transport cell: GET and
// POST, signatures v1 and v3, Format JSON and XML.
package contract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Errors of Run. A failing case is not an error: it is in the Result.
var (
	// ErrConfig: the configuration is unusable (exit 2 in the CLI).
	ErrConfig = errors.New("contract: bad configuration")
	// ErrUnreachable: no case got an answer from the target (exit 3).
	ErrUnreachable = errors.New("contract: target unreachable")
	// ErrStateSetup: every provider-state setup failed (exit 3).
	ErrStateSetup = errors.New("contract: provider-state setup failed everywhere")
	// ErrDeadline: the overall deadline was hit before every case ran (exit 3).
	ErrDeadline = errors.New("contract: overall deadline hit")
	// ErrInterrupted: the run was interrupted (signal or cancelled context) (exit 3).
	ErrInterrupted = errors.New("contract: interrupted")
)

// Defaults of a Config.
const (
	DefaultDeadline = 5 * time.Minute
	// DefaultParallel is how many cases run at once: enough that a run over a link of 40 ms round
	// trips (three or four per case) takes seconds, few enough for any staging target.
	DefaultParallel = 32
)

// Config says what to test and how.
type Config struct {
	// Target is the base URL of the implementation under test.
	Target string
	// States arranges the provider states: states.NewEndpoint or an arrange.Profile (a fixture profile).
	States states.Arranger
	// Credentials sign the calls whose state gives none (--access-key-id, the environment).
	Credentials protocol.Credentials
	// Spec is the API description (default spec.Default()).
	Spec *spec.Spec

	// The transport matrix; each nil means all: GET and POST, v1 and v3, JSON and XML.
	Methods    []string                    // "GET", "POST"
	Signatures []protocol.SignatureVersion // protocol.SignatureV1, protocol.SignatureV3
	Formats    []protocol.Format           // protocol.FormatJSON, protocol.FormatXML: the spec's formats

	// Strict turns skipped cases into failures.
	Strict bool
	// LabelFilter selects cases by label (Ginkgo's syntax), e.g. "errors && !xml".
	LabelFilter string
	// Timeout bounds one call or one state change (default 10s).
	Timeout time.Duration
	// Deadline bounds the whole run (default 5m).
	Deadline time.Duration
	// Throttle says whether and how the throttled answer's shape may be provoked.
	Throttle Throttle
	// Parallel bounds how many cases run at once (default DefaultParallel; 1: one after another,
	// in the report's order). The report is the same whatever the value.
	Parallel int

	// Out receives a line per case as the run ends (nil: none); Color allows ANSI colours in it.
	Out   io.Writer
	Color bool // ANSI colours on Out
	// Verbose lists every case on Out; without it, the failed and skipped ones.
	Verbose bool
	// HTTPClient is used for the calls (default: a fresh one).
	HTTPClient *http.Client

	// Follow, when set (specfacts.SourcePage or specfacts.SourceMetadata), makes that source required where
	// the vendor's sources disagree; unset, an answer that follows either conforms (follow.go).
	Follow string

	// Explore adds that many generated calls of seed Seed (ids explore/<Seed>/<i>; explore.go).
	Explore int
	Seed    uint64 // the seed of the generated calls
}

// Throttle configures the throttle case. The case drives one fresh account past Limit, so it runs
// only when Safe says the target is known to take that: the embedded reference implementation, a
// limit given explicitly, a test mock. Otherwise it is skipped with the reason.
type Throttle struct {
	Limit spec.RateLimit // the target's limit per account (zero: unknown, the cases are skipped)
	Safe  bool           // the target is known to take being driven past Limit
	// MaxCalls bounds the calls one case makes (0: what Limit needs, ThrottleBudget). A case whose
	// limit needs more is not run: the harness's bound, never the target's fault (Strict leaves it
	// skipped).
	MaxCalls int
}

// Result is the outcome of a run, shaped as the JSON report of docs/protocol.md#reports.
type Result struct {
	// Verdict is VerdictPass, VerdictFail or VerdictInconclusive; Reason says why a run is
	// inconclusive.
	Verdict verdict.Verdict `json:"verdict"`
	Reason  string          `json:"reason,omitempty"` // why the run is inconclusive
	Target  string          `json:"target"`           // Config.Target
	Passed  int             `json:"passed"`           // the cases that passed
	Failed  int             `json:"failed"`           // the cases that failed
	Skipped int             `json:"skipped"`          // the cases skipped (not run, not judged, a state not arranged)
	// Known and Fixed count the cases a baseline covers (package baseline): failed and passed.
	Known int    `json:"known,omitempty"`
	Fixed int    `json:"fixed,omitempty"` // the passed cases a baseline covers
	Cases []Case `json:"cases"`           // every selected case, in the report's order
	// Problems fail the run beside its cases, one line each (an expired baseline entry).
	Problems []string `json:"problems,omitempty"`

	Duration time.Duration `json:"-"` // how long the cases ran
	Started  time.Time     `json:"-"` // when they began
	// NotRun counts selected cases cut by the deadline or an interrupt (also counted skipped).
	NotRun int `json:"-"`
	// CredentialsUsed counts the cases signed with Config.Credentials (their state gave none).
	CredentialsUsed int `json:"-"`
	// IDs are the ids of every case the run built, also those the label filter left out, sorted
	// (a baseline's entries are matched against them).
	IDs []string `json:"-"`
}

// Case is one case's outcome.
type Case struct {
	ID      string `json:"id"`      // area/what/cell, e.g. "errors/JobNotFound/GET-v1-JSON"
	Code    string `json:"code"`    // the Code the case expects: "OK" for a success; "4xx", "any" or "A|B" where the sources leave it open
	Status  string `json:"status"`  // StatusPassed, StatusFailed or StatusSkipped (a baseline's "known", "fixed")
	Message string `json:"message"` // what differed, or why the case was skipped ("" for a pass)
	// Reproduce is a command line that sends the failed call again, signed afresh (docs/protocol.md#reports).
	Reproduce string `json:"reproduce,omitempty"`
	// Followed: where the vendor's sources disagree on the expectation, which one the answer followed.
	Followed []Followed `json:"followed,omitempty"`

	Labels   []string      `json:"-"` // the labels LabelFilter selects by: area, cell (get, v1, json, ...), Code
	Duration time.Duration `json:"-"` // how long the case took
	// Kind tells why a failed case failed: the target (""), no answer ("transport"), the state
	// endpoint ("state"), the harness ("harness": a fixture profile used up, a state URL that is
	// the API; never the target's doing).
	Kind string `json:"-"`
	// Answer is the Code of the case's last answer ("" for none or a success).
	Answer string `json:"-"`
}

// Case statuses.
const (
	StatusPassed  = "passed"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	// A baseline's statuses (package baseline): a covered case that failed, one that passed.
	StatusKnown = "known"
	StatusFixed = "fixed"
)

// Failure kinds of Case.Kind.
const (
	KindTarget    = ""
	KindTransport = "transport"
	KindState     = "state"
	KindHarness   = "harness"
)

// session is the configuration the specs read while they are built and run.
type session struct {
	cfg      Config
	observer Observer // nil: none (RunObserved)
	spec     *spec.Spec
	client   *client.Client
	cells    []cell
	ctx      context.Context // cancelled when the run is

	// Watches of the endpoints: the run gives up on one that answers none of its first calls.
	targetWatch, stateWatch *giveup.Watch

	creds atomic.Int64 // cases signed with cfg.Credentials

	mu     sync.Mutex
	order  []*caseDef // the selected cases, in the report's order (set by runAll)
	ran    map[*caseDef]*caseT
	cancel context.CancelCauseFunc // of the running runAll
	cause  error                   // why runAll stopped early (nil: it did not)
}

func newSession(ctx context.Context, cfg Config) (*session, error) {
	if cfg.Spec == nil {
		cfg.Spec = spec.Default()
	}
	if cfg.States == nil {
		return nil, fmt.Errorf("%w: no provider-state arranger (a state URL or a profile)", ErrConfig)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = client.DefaultTimeout
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: timeout %v is negative", ErrConfig, cfg.Timeout)
	}
	if cfg.Deadline == 0 {
		cfg.Deadline = DefaultDeadline
	}
	if cfg.Deadline < 0 {
		return nil, fmt.Errorf("%w: deadline %v is negative", ErrConfig, cfg.Deadline)
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Parallel < 0 {
		return nil, fmt.Errorf("%w: parallel %d is negative", ErrConfig, cfg.Parallel)
	}
	if cfg.Throttle.MaxCalls < 0 {
		return nil, fmt.Errorf("%w: throttle calls %d is negative", ErrConfig, cfg.Throttle.MaxCalls)
	}
	if cfg.Explore < 0 {
		return nil, fmt.Errorf("%w: explore %d is negative", ErrConfig, cfg.Explore)
	}
	if cfg.Follow != "" && !slices.Contains(Followable, cfg.Follow) {
		return nil, fmt.Errorf("%w: follow %q: want one of %s", ErrConfig, cfg.Follow, strings.Join(Followable, ", "))
	}
	if cfg.LabelFilter != "" {
		if _, err := types.ParseLabelFilter(cfg.LabelFilter); err != nil {
			return nil, fmt.Errorf("%w: label filter %q: %s", ErrConfig, cfg.LabelFilter, oneLine(err.Error()))
		}
	}
	opts := []client.Option{client.WithTimeout(cfg.Timeout)}
	if cfg.HTTPClient != nil {
		opts = append(opts, client.WithHTTPClient(cfg.HTTPClient))
	}
	c, err := client.New(cfg.Target, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: target: %w", ErrConfig, err)
	}
	cells, err := matrix(cfg.Spec, cfg.Methods, cfg.Signatures, cfg.Formats)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return &session{cfg: cfg, spec: cfg.Spec, client: c, cells: cells, ctx: ctx,
		targetWatch: giveup.New("target", c.BaseURL(), cfg.Timeout),
		stateWatch:  giveup.New("state endpoint", arrange.Describe(cfg.States), cfg.Timeout),
	}, nil
}

// Run builds the cases cfg selects, runs them against cfg.Target and returns their outcome. The error is
// nil when the suite ran and judged the target (see Result.Verdict); it wraps ErrConfig when cfg
// is unusable, and ErrUnreachable, ErrStateSetup, ErrDeadline, ErrInterrupted, ErrNotJudged,
// ErrCredentialsRefused or ErrNothingVerified (with the Result of what ran) when the harness could
// not do its job. Result.Verdict is then inconclusive, unless a case proved the target wrong.
// Runs share nothing: Run may be called any number of times, also at once.
func Run(ctx context.Context, cfg Config) (*Result, error) { return RunObserved(ctx, cfg, nil) }

// RunObserved is Run with an Observer that sees the answer each case is judged on (observe.go):
// recordings and snapshot comparisons hook in here. It is called from the cases' goroutines.
func RunObserved(ctx context.Context, cfg Config, observer Observer) (*Result, error) {
	s, err := newSession(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.observer = observer
	all := s.cases()
	sel := labelFilter(s.cfg.LabelFilter)
	var order []*caseDef
	for _, d := range all {
		if sel(d.labels) {
			order = append(order, d)
		}
	}
	// A cancelled ctx ends the running calls (s.ctx) and leaves the cases not begun (see runAll).
	start := time.Now()
	s.runAll(s.ctx, order)
	elapsed := time.Since(start)

	res := s.result()
	res.Duration, res.Started = elapsed, start
	res.CredentialsUsed = int(s.creds.Load())
	for _, d := range all {
		res.IDs = append(res.IDs, d.ID)
	}
	slices.Sort(res.IDs)
	err = s.conclude(ctx, res)
	if s.cfg.Out != nil {
		res.writeProgress(s.cfg.Out, s.cfg.Verbose, s.cfg.Color)
	}
	return res, err
}

// verdictError tells the harness's own failures apart from the target's.
func (s *session) verdictError(ctx context.Context, res *Result) error {
	s.mu.Lock()
	cause := s.cause
	s.mu.Unlock()
	switch {
	case errors.Is(cause, giveup.ErrNoAnswer):
		return fmt.Errorf("%w; %d cases not run", cause, res.NotRun)
	case errors.Is(cause, ErrDeadline):
		return fmt.Errorf("%w, %d cases not run", cause, res.NotRun)
	case ctx.Err() != nil || cause != nil:
		return fmt.Errorf("%w after %d of the cases", ErrInterrupted, len(res.Cases)-res.NotRun)
	}
	var ran, transport, state, stateTried int
	for _, c := range res.Cases {
		if c.Status == StatusSkipped || c.Kind == KindHarness {
			continue
		}
		ran++
		switch c.Kind {
		case KindTransport:
			transport++
		case KindState:
			state++
		}
	}
	if ran > 0 && transport == ran {
		return fmt.Errorf("%w: %s", ErrUnreachable, firstMessage(res, KindTransport))
	}
	stateTried = ran - transport
	if stateTried > 0 && state == stateTried {
		return fmt.Errorf("%w: %s", ErrStateSetup, firstMessage(res, KindState))
	}
	return nil
}

func firstMessage(res *Result, kind string) string {
	for _, c := range res.Cases {
		if c.Status == StatusFailed && c.Kind == kind {
			return c.Message
		}
	}
	return ""
}

// oneLine joins the lines of s, so that every message of a report stays on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

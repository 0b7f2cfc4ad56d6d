// Package contract is the contract suite of StartEdgeTranscodeJob (docs/protocol.md) as a Go
// library: Run builds the cases as data from a Config, runs them against an implementation and
// returns their outcome, the Result that `edgeconform contract --json` reports. Runs share no
// state: Run may be called any number of times, also concurrently, in one process.
//
// The cases: a start of a stopped job (JobId echoed) and its refused second start; each error code
// of the documentation page through its provider state, MissingParameter through the request
// itself; the gateway's common errors; the shape of a throttled answer; the edges and generated
// calls. Each checks the HTTP status, Code, Message against its template, RequestId (present,
// unique in the run), Content-Type byte for byte, and the whole answer against the OpenAPI spec.
// Each runs over every transport cell: GET and POST, signatures v1 and v3, Format JSON and XML.
//
// The suite's machinery (the cases, their checks, the runner, the reports) is internal; a Go mock
// author who wants the cases as subtests of their own go test uses package conformance. This
// package's own go test binary reports the cases through Ginkgo (contract_suite_test.go).
package contract

import (
	"context"

	"github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

// Config says what to test and how: the target, its provider states, the transport cells, which
// cases (a label filter), the bounds of the run.
type Config = contract.Config

// Throttle says whether the throttle cases may drive one account of the target past its limit.
type Throttle = contract.Throttle

// Result is the outcome of a run, shaped as the JSON report of docs/protocol.md#reports; WriteJSON,
// WriteJUnit and WriteText write the command's reports of it.
type Result = contract.Result

// Case is one case's outcome: its id, the Code it expected, its status and why.
type Case = contract.Case

// Run builds the cases cfg selects, runs them against cfg.Target and returns their outcome. The
// error is nil when the suite ran and judged the target (see Result.Verdict); it wraps ErrConfig
// when cfg is unusable, and one of the other Err values (with the Result of what ran) when the
// harness could not do its job: Result.Verdict is then VerdictInconclusive, unless a case proved
// the target wrong.
func Run(ctx context.Context, cfg Config) (*Result, error) { return contract.Run(ctx, cfg) }

// Verdict is a run's conclusion, the kit's one verdict (the throttle and load reports give the
// same type): pass, fail or inconclusive, as the exit statuses 0, 1 and 3 say it.
type Verdict = verdict.Verdict

// The verdicts of a Result.
const (
	VerdictPass         = verdict.Pass         // every selected case passed
	VerdictFail         = verdict.Fail         // a case proved the target wrong
	VerdictInconclusive = verdict.Inconclusive // the harness could not judge the target (Result.Reason says why)
)

// The statuses of a Case.
const (
	StatusPassed  = contract.StatusPassed  // the answer met every expectation of the case
	StatusFailed  = contract.StatusFailed  // it did not: Message says what differed, Reproduce sends the call again
	StatusSkipped = contract.StatusSkipped // not judged: Message says why (a state the target cannot arrange, the run cut short)
)

// The errors of Run. A failing case is not an error: it is in the Result.
var (
	// ErrConfig: the configuration is unusable (exit 2 in the CLI).
	ErrConfig = contract.ErrConfig
	// ErrUnreachable: no case got an answer from the target (exit 3, as the others below).
	ErrUnreachable = contract.ErrUnreachable
	// ErrStateSetup: every provider-state setup failed.
	ErrStateSetup = contract.ErrStateSetup
	// ErrDeadline: the overall deadline was hit before every case ran.
	ErrDeadline = contract.ErrDeadline
	// ErrInterrupted: the run was interrupted (a cancelled context).
	ErrInterrupted = contract.ErrInterrupted
	// ErrNotJudged: cases could not be judged for a reason that is not the target's (a fixture
	// profile used up, a state URL that is the API).
	ErrNotJudged = contract.ErrNotJudged
	// ErrCredentialsRefused: every call that needed valid credentials was refused for them.
	ErrCredentialsRefused = contract.ErrCredentialsRefused
	// ErrNothingVerified: every selected case was skipped.
	ErrNothingVerified = contract.ErrNothingVerified
)

// Package throttle is the throttle scenario of StartEdgeTranscodeJob as a Go library: Run drives
// fresh accounts of an implementation past its rate limit and beside it, measures what it saw,
// judges each check on its own evidence and returns the Report that `edgeconform throttle --json`
// writes (docs/protocol.md#reports). The scenario's machinery (the plan, the measurements, the
// checks, the charts and the report directory) is internal.
package throttle

import (
	"context"

	"github.com/edgeconform/edgeconform/internal/throttle"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

// Options configure the scenario: the target, the provider states that arrange its fresh
// accounts, the limit to verify (default: the spec's), the signature, a progress callback.
type Options = throttle.Options

// Progress is a snapshot of a running scenario, handed to Options.Progress.
type Progress = throttle.Progress

// Report is the scenario's outcome: the verdict, the estimated limit and algorithm, and one Check
// per check in report order.
type Report = throttle.Report

// Check is one named finding of the scenario (a name of CheckNames) and its status.
type Check = throttle.Check

// CheckStatus is the outcome of one check.
type CheckStatus = throttle.CheckStatus

// The statuses of a Check, as the JSON report spells them.
const (
	CheckPass    = throttle.CheckPass    // the check held
	CheckFail    = throttle.CheckFail    // the check failed: the verdict is a fail
	CheckSkipped = throttle.CheckSkipped // the evidence could not decide it (Message says why)
)

// CheckNames lists the checks' names in report order.
func CheckNames() []string { return throttle.CheckNames() }

// ErrNoVerdict: the scenario could not measure (accounts could not be arranged, the target did
// not answer, the generator could not keep its plan); the Report's verdict is inconclusive.
var ErrNoVerdict = throttle.ErrNoVerdict

// Run runs the throttle scenario: it arranges fresh accounts, drives them, and judges the
// answers. The error wraps ErrNoVerdict when the run cannot support a verdict; the report is
// returned whenever calls were made, so it can still be read.
func Run(ctx context.Context, o Options) (*Report, error) { return throttle.Run(ctx, o) }

// Verdict is the scenario's conclusion, the kit's one verdict (the contract and load reports give
// the same type): pass, fail or inconclusive.
type Verdict = verdict.Verdict

// The verdicts of a Report.
const (
	VerdictPass         = verdict.Pass         // every check held
	VerdictFail         = verdict.Fail         // a check failed
	VerdictInconclusive = verdict.Inconclusive // the scenario could not measure (with ErrNoVerdict)
)

package load

import "github.com/edgeconform/edgeconform/internal/verdict"

// Verdict is what a run concludes (Report.Verdict): the kit's one verdict type, the same as
// contract.Verdict and throttle.Verdict.
type Verdict = verdict.Verdict

// The verdicts of a run.
const (
	// VerdictPass: every threshold held.
	VerdictPass = verdict.Pass
	// VerdictFail: a threshold was crossed; the target is at fault.
	VerdictFail = verdict.Fail
	// VerdictInconclusive: the run decides nothing (the target answered nothing, the run was
	// interrupted, the harness's measurement did not hold); never a pass or a fail.
	VerdictInconclusive = verdict.Inconclusive
)

package loadrun

import "github.com/edgeconform/edgeconform/internal/verdict"

// Verdict is what a run concludes about the target, as the JSON reports spell it: the kit's one
// verdict (package verdict), which the contract and throttle reports give too.
type Verdict = verdict.Verdict

// The verdicts of a run's thresholds.
const (
	VerdictPass = verdict.Pass // every threshold or check held
	VerdictFail = verdict.Fail // a threshold was crossed or a check failed: the target is at fault
	// VerdictInconclusive: the run could not support a verdict (the harness's own measurement did
	// not hold, the target answered nothing, the run was interrupted); never a pass or a fail.
	VerdictInconclusive = verdict.Inconclusive
)

package loadrun

// Verdict is what a run concludes about the target, as the JSON reports spell it.
type Verdict string

const (
	VerdictPass Verdict = "pass" // every threshold or check held
	VerdictFail Verdict = "fail" // a threshold was crossed or a check failed: the target is at fault
	// VerdictInconclusive: the run could not support a verdict (the harness's own measurement did
	// not hold, the target answered nothing, the run was interrupted); never a pass or a fail.
	VerdictInconclusive Verdict = "inconclusive"
)

package load

// Verdict is what a run concludes about the target, as the JSON reports spell it.
type Verdict string

const (
	VerdictPass Verdict = "pass" // every threshold or check held
	VerdictFail Verdict = "fail" // a threshold was crossed or a check failed: the target is at fault
	// VerdictInconclusive: the run could not support a verdict (the harness's own measurement did
	// not hold); never a pass or a fail. Only the throttle scenario gives it.
	VerdictInconclusive Verdict = "inconclusive"
)

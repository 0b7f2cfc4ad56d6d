// Package verdict is the kit's one word on a run: pass, fail or inconclusive. Every report spells
// it so (docs/protocol.md#reports: contract, throttle, load, run) and the exit status says the same
// (0, 1 and 3). The public packages that report one re-export the type (contract.Verdict,
// throttle.Verdict, load.Verdict are this Verdict).
package verdict

// Verdict is what a run concludes about the target, as the JSON reports spell it.
type Verdict string

// The verdicts.
const (
	// Pass: every case, check or threshold held.
	Pass Verdict = "pass"
	// Fail: a case, check or threshold proved the target wrong.
	Fail Verdict = "fail"
	// Inconclusive: the harness could not support a verdict (the target did not answer, a state
	// could not be arranged, the measurement was off); the report's reason says why.
	Inconclusive Verdict = "inconclusive"
)

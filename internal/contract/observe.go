package contract

import (
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// An Observer sees the answer each case is judged on, after the case's own checks: the extension
// point of recordings (edgeconform record) and snapshot comparisons (contract --snapshot). A case
// judged on several answers in turn (none today) shows each in order.
type Observer func(Observation) Judgment

// Observation is one judged answer and what was sent to get it.
type Observation struct {
	Case   string
	Answer *client.Answer
	// Credentials and Call are what was signed and sent; Credentials carry the secret, so that an
	// observer can keep it out of what it writes. They print redacted.
	Credentials protocol.Credentials
	Call        protocol.Call
	// Failed says whether the case's own checks failed already.
	Failed bool
}

// Judgment is what an Observer says of an answer.
type Judgment struct {
	// Problems fail the case, each a one-line message, like the case's own problems.
	Problems []string
	// Skip skips a case that passed its own checks, with this reason (a failed case stays failed).
	Skip string
}

// observe hands a to the configured Observer and returns its problems; a Skip of a case without
// problems is noted for the case to end on after its judgment.
func (s *session) observe(t *caseT, a *answer, failed bool) []problem {
	if s.observer == nil {
		return nil
	}
	v := s.observer(Observation{Case: a.caseID, Answer: a.Answer, Credentials: a.creds, Call: a.call, Failed: failed})
	ps := make([]problem, 0, len(v.Problems))
	for _, p := range v.Problems {
		ps = append(ps, problem{Got: oneLine(p)})
	}
	if len(ps) == 0 && !failed && v.Skip != "" {
		t.observedSkip = v.Skip
	}
	return ps
}

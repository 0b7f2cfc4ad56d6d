package contract

import (
	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// Starting a stopped job succeeds and echoes its JobId; starting it again is refused.
func successCases(s *session, b *builder) {
	b.topic(1, "Starting a job", label("success"), func() {
		denied, deniedKnown := s.spec.Error(codeOperationDenied)
		for _, c := range s.cells {
			b.container("when a stopped job exists, "+c.Text(), label(c.Labels()...), func() {
				b.it(caseMeta{ID: "success/OK/" + c.ID(), Code: spec.CodeOK}, "answers 200 and echoes the JobId",
					func(t *caseT) {
						v := s.arrange(t, spec.StateStoppedJob, needAll...)
						a := s.send(t, credentials(v), s.startCall(c, v))
						s.startedBefore(t, a, v)
						t.conform(a, success(v[arrange.JobID], c.Format), nil)
					})

				b.it(caseMeta{ID: "success/second-start/" + c.ID(), Code: codeOperationDenied}, "refuses a second start with OperationDenied",
					func(t *caseT) {
						if !deniedKnown {
							t.skip("the spec has no " + codeOperationDenied + " code")
						}
						v := s.arrange(t, spec.StateStoppedJob, needAll...)
						first := s.send(t, credentials(v), s.startCall(c, v))
						s.startedBefore(t, first, v)
						if first.Status != 200 {
							t.fail(KindTarget, "the first start must succeed: status: want 200, got "+itoa(first.Status)+
								" "+explore.QuoteOrNone(first.Code))
						}
						a := s.send(t, credentials(v), s.startCall(c, v))
						t.conform(a, failure(denied, c.Format), nil)
					})
			})
		}
	})
}

// codeOperationDenied is the code of a start of a running job; the spec carries its status and
// template, this name ties the second-start case to it.
const codeOperationDenied = specfacts.CodeOperationDenied

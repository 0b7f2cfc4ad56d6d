package contract

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// Starting a stopped job succeeds and echoes its JobId; starting it again is refused.
var _ = container("Starting a job", Label("success"), func() {
	s := current
	if s == nil {
		notConfigured()
		return
	}
	denied, deniedKnown := s.spec.Error(codeOperationDenied)
	for _, c := range s.cells {
		container("when a stopped job exists, "+c.Text(), Label(c.Labels()...), func() {
			it(caseMeta{ID: "success/OK/" + c.ID(), Code: spec.CodeOK}, "answers 200 and echoes the JobId",
				func(ctx SpecContext) {
					v := s.arrange(ctx, spec.StateStoppedJob, needAll...)
					a := s.send(ctx, "success/OK/"+c.ID(), credentials(v), s.startCall(c, v))
					s.startedBefore(a, v)
					Expect(a).To(s.conform(ctx, success(v[states.JobID], c.Format)))
				})

			id := "success/second-start/" + c.ID()
			it(caseMeta{ID: id, Code: codeOperationDenied}, "refuses a second start with OperationDenied",
				func(ctx SpecContext) {
					if !deniedKnown {
						s.skip("the spec has no " + codeOperationDenied + " code")
					}
					v := s.arrange(ctx, spec.StateStoppedJob, needAll...)
					first := s.send(ctx, id, credentials(v), s.startCall(c, v))
					s.startedBefore(first, v)
					if first.Status != 200 {
						Fail(oneLine("the first start must succeed: status: want 200, got "+itoa(first.Status)+
							" "+explore.QuoteOrNone(first.Code)), 0)
					}
					a := s.send(ctx, id, credentials(v), s.startCall(c, v))
					Expect(a).To(s.conform(ctx, failure(denied, c.Format)))
				})
		})
	}
})

// codeOperationDenied is the code of a start of a running job; the spec carries its status and
// template, this name ties the second-start case to it.
const codeOperationDenied = spec.CodeOperationDenied

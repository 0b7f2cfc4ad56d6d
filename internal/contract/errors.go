package contract

import (
	"fmt"

	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// Every error code of the documentation page whose provider state provokes it: one case per code
// of specfacts.PageErrors(s), so a code added to the spec adds a case. A page code without a state (other
// than MissingParameter, provoked by the request itself, see missing.go) is a case that is skipped
// with the reason until the spec names its state.
func documentedErrorCases(s *session, b *builder) {
	b.topic(2, "Documented errors", label("errors"), func() {
		for _, c := range s.cells {
			b.container("when a provider state provokes a documented error, "+c.Text(), label(c.Labels()...), func() {
				for _, e := range specfacts.PageErrors(s.spec) {
					if e.Code == codeMissingParameter {
						continue
					}
					desc := fmt.Sprintf("answers %d %s", e.Status, e.Code)
					if e.State != "" {
						desc += " when " + e.State
					}
					b.it(caseMeta{ID: "errors/" + e.Code + "/" + c.ID(), Code: e.Code}, desc, func(t *caseT) {
						if e.State == "" {
							t.skip(fmt.Sprintf("no provider state provokes %s (the spec names none)", e.Code))
						}
						v := s.arrange(t, e.State, needAll...)
						a := s.send(t, credentials(v), s.startCall(c, v))
						t.conform(a, failure(e, c.Format), nil)
					}, label(e.Code))
				}
			})
		}
	})
}

// codeMissingParameter is the page's code for a missing required parameter.
const codeMissingParameter = specfacts.CodeMissingParameter

package contract

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/edgeconform/edgeconform/spec"
)

// Every error code of the documentation page whose provider state provokes it: one entry per code
// of spec.PageErrors(), so a code added to the spec adds a case. A page code without a state (other
// than MissingParameter, provoked by the request itself, see missing.go) is a case that is skipped
// with the reason until the spec names its state.
var _ = container("Documented errors", Label("errors"), func() {
	s := current
	if s == nil {
		notConfigured()
		return
	}
	for _, c := range s.cells {
		table("when a provider state provokes a documented error, "+c.Text(), []any{Label(c.Labels()...)},
			func(ctx SpecContext, id string, e spec.ErrorCode) {
				if e.State == "" {
					s.skip(fmt.Sprintf("no provider state provokes %s (the spec names none)", e.Code))
				}
				v := s.arrange(ctx, e.State, needAll...)
				a := s.send(ctx, id, credentials(v), s.startCall(c, v))
				Expect(a).To(s.conform(ctx, failure(e, c.Format)))
			},
			func() (entries []TableEntry) {
				for _, e := range s.spec.PageErrors() {
					if e.Code == codeMissingParameter {
						continue
					}
					id := "errors/" + e.Code + "/" + c.ID()
					desc := fmt.Sprintf("answers %d %s", e.Status, e.Code)
					if e.State != "" {
						desc += " when " + e.State
					}
					entries = append(entries, entry(caseMeta{ID: id, Code: e.Code}, desc, Label(e.Code), id, e))
				}
				return entries
			})
	}
})

// codeMissingParameter is the page's code for a missing required parameter.
const codeMissingParameter = spec.CodeMissingParameter

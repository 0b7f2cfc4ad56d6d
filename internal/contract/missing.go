package contract

import (
	"fmt"

	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// A required parameter missing, or sent empty, is answered MissingParameter naming it. An empty
// value (ClusterId=) counts as missing: an identifier of no characters identifies nothing, and the
// older SDK sends parameters it was given empty. Entries come from specfacts.RequiredParams().
func missingParameterCases(s *session, b *builder) {
	b.topic(3, "Missing parameters", label("errors", codeMissingParameter), func() {
		e, known := s.spec.Error(codeMissingParameter)
		required := specfacts.RequiredParams(s.spec)

		type variant struct {
			name    string   // in the case id
			missing []string // parameters left out
			empty   []string // parameters sent empty
		}
		var variants []variant
		for _, p := range required {
			variants = append(variants,
				variant{name: p + "-missing", missing: []string{p}},
				variant{name: p + "-empty", empty: []string{p}})
		}
		if len(required) > 1 {
			variants = append(variants, variant{name: "all-missing", missing: required})
		}

		for _, c := range s.cells {
			b.container("when a required parameter is missing or empty, "+c.Text(), label(c.Labels()...), func() {
				for _, vr := range variants {
					id := "errors/" + codeMissingParameter + "." + vr.name + "/" + c.ID()
					desc := fmt.Sprintf("answers MissingParameter naming it when %s", describeVariant(vr.missing, vr.empty))
					b.it(caseMeta{ID: id, Code: codeMissingParameter}, desc, func(t *caseT) {
						if !known {
							t.skip("the spec has no " + codeMissingParameter + " code")
						}
						v := s.caller(t)
						call := s.startCall(c, v)
						for _, p := range vr.missing {
							call.Params.Del(p)
						}
						for _, p := range vr.empty {
							call.Params[p] = []string{""}
						}
						a := s.send(t, credentials(v), call)
						want := failure(e, c.Format)
						want.Names = append(append([]string{}, vr.missing...), vr.empty...)
						t.conform(a, want, nil)
					})
				}
			})
		}
	})
}

func describeVariant(missing, empty []string) string {
	switch {
	case len(missing) > 0:
		return fmt.Sprintf("%v is missing", missing)
	default:
		return fmt.Sprintf("%v is sent empty", empty)
	}
}

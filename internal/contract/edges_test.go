package contract

import (
	"testing"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/spec"
)

// Every edge case follows rows of the decision table: a decided answer (a code) only where a
// decided row with a source says it, and where the rows are undecided or decide only "a 4xx",
// the loose expectation of what every answer has.
func TestEdgesFollowTheDecisionTable(t *testing.T) {
	for _, e := range edges(spec.Default()) {
		if len(e.rows) == 0 {
			t.Errorf("edge %s cites no row of the decision table", e.what)
			continue
		}
		decidedCode := ""
		undecided := false
		for _, id := range e.rows {
			d, ok := explore.Row(id)
			if !ok {
				t.Errorf("edge %s cites row %q, which the table does not have", e.what, id)
				continue
			}
			if d.Verdict.Decided() && d.Source == "" {
				t.Errorf("edge %s: row %s decides without a source", e.what, id)
			}
			if !d.Verdict.Decided() {
				undecided = true
			}
			if d.Verdict == explore.Harmless || d.Verdict == explore.Wrong && d.Code() != "" {
				decidedCode = "yes"
			}
		}
		switch {
		case e.loose == nil && (undecided || decidedCode == ""):
			t.Errorf("edge %s expects %s, but its rows %v decide no code", e.what, e.code, e.rows)
		case e.loose != nil && e.loose.Code != "":
			t.Errorf("edge %s: a loose expectation with a code", e.what)
		case e.loose != nil && e.loose.ClientError && undecided && !e.loose.Large:
			t.Errorf("edge %s wants a 4xx where a row is undecided", e.what)
		}
		for _, id := range e.rows {
			if d, _ := explore.Row(id); d.Verdict == explore.Wrong && d.Code() != "" && d.Code() != e.code {
				t.Errorf("edge %s expects %q, its row %s decides %q", e.what, e.code, id, d.Code())
			}
		}
	}
}

package explore

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
)

// checkShownCall: a failed outcome describes one call, the one it shows: its message starts with
// that call's mutations, its reproduce line sends exactly those, its violations are that call's
// answer judged, and its Code is what that call expects; shrunk or not. (TestRunnerShrinksFailures
// calls it on every failure of its defects.)
func checkShownCall(t *testing.T, r *Runner, d mock.Defect, p Plan, out Outcome) {
	t.Helper()
	if !strings.HasPrefix(out.Message(), describe(out.Mutations)+" over ") {
		t.Errorf("%s %s: message %q does not start with the call shown %s", d, p.ID(), out.Message(), describe(out.Mutations))
	}
	var want strings.Builder
	for _, m := range out.Mutations {
		want.WriteString(" --mutate " + ShellQuote(m.String()))
	}
	if !strings.Contains(out.Reproduce, want.String()+" --curl") || strings.Count(out.Reproduce, " --mutate ") != len(out.Mutations) {
		t.Errorf("%s %s: reproduce %s does not send exactly %v", d, p.ID(), out.Reproduce, out.Mutations)
	}
	shown := p
	shown.Mutations = out.Mutations
	if out.Code != Code(r.Spec, shown) {
		t.Errorf("%s %s: code %q, the call shown expects %q", d, p.ID(), out.Code, Code(r.Spec, shown))
	}
	if out.Answer == nil {
		t.Fatalf("%s %s: no answer", d, p.ID())
	}
	// Judged again (the JobId echoed standing for the state's), the shown answer breaks the same
	// properties as the message says.
	e := Expect(r.Spec, Base{Transport: p.Cell, State: p.State, JobID: out.Answer.JobID}, out.Mutations)
	// (Consistency is a property of two answers, not of the one shown.)
	wantProps := slices.DeleteFunc(Properties(out.Violations), func(p string) bool { return p == PropConsistent })
	if got := Properties(Judge(context.Background(), r.Spec, out.Answer, e, "")); !reflect.DeepEqual(got, wantProps) && len(got)+len(wantProps) > 0 {
		t.Errorf("%s %s: the shown answer judged breaks %v, the message says %v", d, p.ID(), got, Properties(out.Violations))
	}
}

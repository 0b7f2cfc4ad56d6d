package explore

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/mock"
)

// A failed outcome describes one call, the one it shows: its message starts with that call's
// mutations, its reproduce line sends exactly those, its violations are that call's answer
// judged, and its Code is what that call expects; shrunk or not.
func TestOutcomeDescribesTheCallItShows(t *testing.T) {
	ctx := context.Background()
	shrunk, whole := 0, 0
	for _, d := range []mock.Defect{mock.MissingParamUnnamed, mock.XMLByDefault, mock.ServerErrorOnNonASCII, mock.FormEncodingSigner, mock.WrongContentType} {
		r, release := refRunner(t, d)
		for i := range 300 {
			p := Generate(r.Spec, 3, i, allCells, allStates())
			out, err := r.Run(ctx, p)
			release()
			if err != nil {
				t.Fatal(err)
			}
			if !out.Failed() {
				continue
			}
			if len(out.Mutations) < len(p.Mutations) {
				shrunk++
			} else {
				whole++
			}
			if !strings.HasPrefix(out.Message(), describe(out.Mutations)+" over ") {
				t.Errorf("%s %s: message %q does not start with the call shown %s", d, p.ID(), out.Message(), describe(out.Mutations))
			}
			var want strings.Builder
			for _, m := range out.Mutations {
				want.WriteString(" --mutate " + ShellQuote(m.String()))
			}
			extra := 0
			if p.Cell.Format == "" && p.Cell.Signature == "v3" {
				extra = 1 // Reproduce's own drop:Format
			}
			if !strings.Contains(out.Reproduce, want.String()+" --curl") || strings.Count(out.Reproduce, " --mutate ") != len(out.Mutations)+extra {
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
			// The violations are the shown answer's: judged again (the state's JobId aside, which
			// only a success's echo needs), the same properties.
			jobID := ""
			if out.Answer.JobID != "" {
				jobID = out.Answer.JobID
			}
			e := Expect(r.Spec, Base{Method: p.Cell.Method, Signature: p.Cell.Signature, Format: p.Cell.Format, State: p.State, JobID: jobID}, out.Mutations)
			if got := Properties(Judge(ctx, r.Spec, out.Answer, e, "")); !reflect.DeepEqual(got, Properties(out.Violations)) {
				t.Errorf("%s %s: the shown answer judged breaks %v, the message says %v", d, p.ID(), got, Properties(out.Violations))
			}
		}
	}
	if shrunk == 0 || whole == 0 {
		t.Errorf("%d shrunk and %d whole failures: want some of each", shrunk, whole)
	}
	t.Logf("%d shrunk and %d unshrunk failures, each described as the call it shows", shrunk, whole)
}

package contract

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/edgeconform/edgeconform/client"
	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/states"
)

// The generated calls of --explore N --seed S (docs/protocol.md#edges-and-exploration): explore.Generate's plans over
// the run's cells, each to a job of a provider state, judged by explore.Judge's properties; a
// failing one is shrunk to its smallest failing set of mutations and reported with it. They are
// judged by properties only: Config.Observer (recordings, snapshots) does not see them, as a
// recording holds the cases every run has, not one seed's.
var _ = container("Explored calls", Label("explore"), func() {
	s := current
	if s == nil || s.cfg.Explore == 0 {
		return
	}
	cells := make([]explore.Cell, len(s.cells))
	for i, c := range s.cells {
		cells[i] = c.explore()
	}
	// A fixture profile hands a stopped job out once: generated calls use the reusable states there.
	_, profile := s.cfg.States.(*states.Profile)
	sts := explore.States(s.spec, !profile)
	if len(sts) == 0 {
		return
	}
	for i := range s.cfg.Explore {
		p := explore.Generate(s.spec, s.cfg.Seed, i, cells, sts)
		c := cell{Method: p.Cell.Method, Signature: p.Cell.Signature, Format: p.Cell.Format}
		// Ginkgo orders specs of one code location by their text: the index, zero-padded, keeps them in order.
		text := fmt.Sprintf("call %06d %s %s, %s", i, strings.Join(mutationStrings(p.Mutations), " "), c.Text(), p.State)
		it(caseMeta{ID: p.ID(), Code: explore.Code(s.spec, p)}, text, Label(c.Labels()...), func(ctx SpecContext) {
			r := explore.Runner{
				Spec:   s.spec,
				Target: s.cfg.Target,
				Arrange: func(context.Context, string) (states.Values, error) {
					return s.arrange(ctx, p.State, needAll...), nil
				},
				Send: func(_ context.Context, id string, creds protocol.Credentials, call protocol.Call, muts []explore.Mutation) (*client.Answer, string, error) {
					a := s.send(ctx, id, creds, call, muts...)
					return a.Answer, a.dupOf, nil
				},
			}
			out, err := r.Run(ctx, p)
			s.noteReproduce(out.Reproduce)
			if err != nil {
				Fail(oneLine(err.Error()))
			}
			if out.Failed() {
				Fail(oneLine(out.Message()))
			}
		})
	}
})

func mutationStrings(muts []explore.Mutation) []string {
	out := make([]string, len(muts))
	for i, m := range muts {
		out[i] = m.String()
	}
	return out
}

package contract

import (
	"context"
	"fmt"
	"strings"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// The generated calls of --explore N --seed S (docs/protocol.md#edges-and-exploration): explore.Generate's plans over
// the run's cells, each to a job of a provider state, judged by explore.Judge's properties; a
// failing one is shrunk to its smallest failing set of mutations and reported with it. They are
// judged by properties only: the Observer (recordings, snapshots) does not see them, as a
// recording holds the cases every run has, not one seed's.
func exploreCases(s *session, b *builder) {
	b.topic(7, "Explored calls", label("explore"), func() {
		if s.cfg.Explore == 0 {
			return
		}
		cells := make([]protocol.Transport, len(s.cells))
		for i, c := range s.cells {
			cells[i] = c.Transport
		}
		// A fixture profile hands a stopped job out once: generated calls use the reusable states there.
		sts := explore.States(s.spec, !arrange.IsProfile(s.cfg.States))
		if len(sts) == 0 {
			return
		}
		for i := range s.cfg.Explore {
			p := explore.Generate(s.spec, s.cfg.Seed, i, cells, sts)
			c := cell{p.Cell}
			text := fmt.Sprintf("call %06d %s %s, %s", i, strings.Join(mutationStrings(p.Mutations), " "), c.Text(), p.State)
			// The runner judges each answer itself, RequestId included as far as the case's own
			// answers go (dupOf is the run's judgment, made after every case: not seen here).
			b.it(caseMeta{ID: p.ID(), Code: explore.Code(s.spec, p)}, text, func(t *caseT) {
				r := explore.Runner{
					Spec:   s.spec,
					Target: s.cfg.Target,
					Arrange: func(context.Context, string) (states.Values, error) {
						return s.arrange(t, p.State, needAll...), nil
					},
					Send: func(_ context.Context, _ string, creds protocol.Credentials, call protocol.Call, muts []explore.Mutation) (*client.Answer, string, error) {
						a := s.send(t, creds, call, muts...)
						return a.Answer, a.dupOf, nil
					},
				}
				out, err := r.Run(t.ctx, p)
				// The report describes the call the outcome shows (shrunk or not): its reproduce line,
				// the Code of its answer and what it expects, as its message does.
				t.repro, t.code = out.Reproduce, out.Code
				if out.Answer != nil {
					t.lastCode = out.Answer.Code
				}
				if err != nil {
					t.fail(KindTarget, err.Error())
				}
				if out.Failed() {
					t.fail(KindTarget, out.Message())
				}
			}, label(c.Labels()...))
		}
	})
}

func mutationStrings(muts []explore.Mutation) []string {
	out := make([]string, len(muts))
	for i, m := range muts {
		out[i] = m.String()
	}
	return out
}

package contract

import (
	"strconv"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// An account reaches only its own jobs (the page: JobNotFound, "the task does not exist", and
// Forbidden, "no permission"; it does not say which another account's start gets): a start of the
// stopped job of "a stopped job exists" by a key of another account (asked for with
// params.need=OtherAccessKeyId,OtherAccessKeySecret) is refused with either, and the job is still
// stopped afterwards: its own account starts it, 200.
func isolationCases(s *session, b *builder) {
	b.topic(11, "Accounts kept apart", label("isolation"), func() {
		notFound, nfKnown := s.spec.Error(specfacts.CodeJobNotFound)
		forbidden, fbKnown := s.spec.Error(specfacts.CodeForbidden)
		for _, c := range edgeCells(s.cells) { // about the request and the world, not the answer's format
			b.container("when another account starts a job, "+c.Text(), label(c.Labels()...), func() {
				b.it(caseMeta{ID: "isolation/other-account/" + c.ID(), Code: specfacts.CodeJobNotFound + "|" + specfacts.CodeForbidden},
					"refuses it with JobNotFound or Forbidden, and the job stays stopped", func(t *caseT) {
						if !nfKnown || !fbKnown {
							t.skip("the spec lacks " + specfacts.CodeJobNotFound + " or " + specfacts.CodeForbidden)
						}
						s.sparesProfile(t, spec.StateStoppedJob)
						v := s.arrangeWith(t, spec.StateStoppedJob, arrange.OtherAccessKeyID, arrange.OtherAccessKeySecret)
						intruder := protocol.Credentials{AccessKeyID: v[arrange.OtherAccessKeyID], AccessKeySecret: v[arrange.OtherAccessKeySecret]}
						a := s.send(t, intruder, s.startCall(c, v))
						repro := t.repro + " # a key of another account than the job's"
						t.conformEither(a, []expectation{failure(notFound, c.Format), failure(forbidden, c.Format)}, func(ps string) string {
							return "another account's start of the job: " + ps
						})
						own := s.send(t, credentials(v), s.startCall(c, v))
						t.repro = repro
						s.startedBefore(t, own, v)
						t.conformUnobserved(own, success(v[arrange.JobID], c.Format), func(ps string) string {
							return "after another account's start of it (answered " + strconv.Itoa(a.Status) + " " + a.Code + "), its own account's start of the job: " + ps
						})
					}, label(specfacts.CodeJobNotFound, specfacts.CodeForbidden))
			})
		}
	})
}

// conformEither fails the case unless a conforms to one of es (the sources leave the choice
// open); the problems named are those of the expectation whose Code the answer has, else the
// first's. the Observer sees a.
func (t *caseT) conformEither(a *answer, es []expectation, wrap func(string) string) {
	pick := es[0]
	for _, e := range es {
		if len(t.s.check(t.ctx, a, e)) == 0 {
			t.conform(a, e, wrap)
			return
		}
		if e.Code == a.Code {
			pick = e
		}
	}
	codes := ""
	for i, e := range es {
		if i > 0 {
			codes += " or "
		}
		codes += strconv.Itoa(e.Status) + " " + e.Code
	}
	t.conform(a, pick, func(ps string) string { return wrap("want " + codes + "; " + ps) })
}

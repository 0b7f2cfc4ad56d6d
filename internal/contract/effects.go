package contract

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// A refused call changes nothing (docs/protocol.md#wire-protocol: the gateway's refusals, the
// throttle, MissingParameter, the page's Forbidden): after each refusal whose cause can be lifted,
// a correct start of the same stopped job by a caller allowed to start it is 200, not
// OperationDenied. Where the sources are silent about what a refusal leaves behind (after
// InternalError, say) there is no case.
func effectsCases(s *session, b *builder) {
	b.topic(9, "What a refused call changes", label("effects"), func() {
		for _, c := range edgeCells(s.cells) { // about the request and the world, not the answer's format
			b.container("after a refused call, "+c.Text(), label(c.Labels()...), func() {
				for _, r := range liftableRefusals(s) {
					args := []any{label(r.code)}
					if r.heavy {
						args = append(args, heavyCase{})
					}
					b.it(caseMeta{ID: "effects/after-" + r.what + "/" + c.ID(), Code: spec.CodeOK},
						"starts the job afterwards: "+r.desc+" changed nothing", func(t *caseT) {
							if _, ok := s.spec.Error(r.code); !ok {
								t.skip("the spec has no " + r.code + " code")
							}
							r.run(t, s, c)
						}, args...)
				}
			})
		}
	})
}

// refusal is one refused call whose cause can be lifted, and the start that follows it.
type refusal struct {
	what, code, desc string
	heavy            bool
	run              func(t *caseT, s *session, c cell)
}

func liftableRefusals(s *session) []refusal {
	out := []refusal{
		{what: specfacts.CodeSignatureDoesNotMatch, code: specfacts.CodeSignatureDoesNotMatch, desc: "a start signed with the wrong secret",
			run: func(t *caseT, s *session, c cell) {
				s.sparesProfile(t, spec.StateStoppedJob)
				v := s.arrange(t, spec.StateStoppedJob, needAll...)
				mut := explore.Mutation{Kind: explore.Secret}
				s.afterRefusal(t, c, v, "a start signed with the wrong secret", s.send(t, credentials(v), s.startCall(c, v), mut), credentials(v))
			}},
		{what: specfacts.CodeSignatureDoesNotMatch + ".tampered", code: specfacts.CodeSignatureDoesNotMatch,
			desc: "a start signed for another JobId and then given this one",
			run: func(t *caseT, s *session, c cell) {
				s.sparesProfile(t, spec.StateStoppedJob)
				v := s.arrange(t, spec.StateStoppedJob, needAll...)
				call := s.startCall(c, withJob(v, nobodysJobID(t.def.ID)))
				call.Tamper = func(r *http.Request) {
					if c.Method == http.MethodPost && c.Signature == protocol.SignatureV1 {
						changeBody(r, v[arrange.JobID])
					} else {
						r.URL.RawQuery = setParam(r.URL.RawQuery, "JobId", v[arrange.JobID])
					}
				}
				a := s.send(t, credentials(v), call)
				t.repro += " # then, after signing, set JobId=" + v[arrange.JobID]
				s.afterRefusal(t, c, v, "a start signed for another JobId and then given this one", a, credentials(v))
			}},
		{what: specfacts.CodeMissingParameter, code: specfacts.CodeMissingParameter, desc: "a start without ClusterId",
			run: func(t *caseT, s *session, c cell) {
				s.sparesProfile(t, spec.StateStoppedJob)
				v := s.arrange(t, spec.StateStoppedJob, needAll...)
				call := s.startCall(c, v)
				call.Params.Del("ClusterId")
				s.afterRefusal(t, c, v, "a start of the job without ClusterId", s.send(t, credentials(v), call), credentials(v))
			}},
		{what: specfacts.CodeForbidden, code: specfacts.CodeForbidden, desc: "a start by a caller without the permission",
			run: func(t *caseT, s *session, c cell) {
				v := s.arrangeWith(t, spec.StateNoPermission, arrange.AccessKeyID2, arrange.AccessKeySecret2)
				allowed := protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID2], AccessKeySecret: v[arrange.AccessKeySecret2]}
				s.afterRefusal(t, c, v, "a start by a caller without the permission", s.send(t, credentials(v), s.startCall(c, v)), allowed)
			}},
	}
	if th := throttledError(s.spec).Code; th != "" {
		out = append(out, refusal{what: th, code: th, desc: "a throttled start", heavy: true,
			run: func(t *caseT, s *session, c cell) { s.afterThrottled(t, c) }})
	}
	return out
}

// afterRefusal starts the job of v as caller (allowed to start it) after the refused call whose
// answer was refused, and judges that start: 200, the JobId echoed.
func (s *session) afterRefusal(t *caseT, c cell, v states.Values, what string, refused *answer, caller protocol.Credentials) {
	repro := t.repro
	a := s.send(t, caller, s.startCall(c, v))
	s.startedBefore(t, a, v)
	t.repro = repro + " # then start the job again, correctly signed by a caller allowed to: want 200"
	t.conform(a, success(v[arrange.JobID], c.Format), func(ps string) string {
		return fmt.Sprintf("after %s (answered %d %s), a correct start of the same job: %s", what, refused.Status, explore.QuoteOrNone(refused.Code), ps)
	})
}

// arrangeWith arranges state asking for the extra values extra (arrange.ParamNeed); a target that
// does not give them has the case skipped, with the reason.
func (s *session) arrangeWith(t *caseT, state string, extra ...string) states.Values {
	need := strings.Join(extra, ",")
	v, err := s.setupWith(t, state, map[string]string{arrange.ParamNeed: need})
	v = s.arranged(t, state, v, err, needAll)
	for _, k := range extra {
		if v[k] == "" {
			t.skip(fmt.Sprintf("state %q gave no %s (asked with params.%s=%s, docs/protocol.md#provider-states)", state, k, arrange.ParamNeed, need))
		}
	}
	return v
}

// afterThrottled drives an account past the limit with starts of a job it does not have, starts
// its stopped job while throttled, waits for the limit to lift (starts refused as that one was,
// bounded by two windows) and judges the first start let through: 200, the job was not started by
// the throttled call. When the window turns over between the throttled calls and the start (it
// is let through at once), it tries again with another job, up to throttledTries times.
func (s *session) afterThrottled(t *caseT, c cell) {
	budget := s.overLimitBudget(t)
	limit := s.cfg.Throttle.Limit
	for range throttledTries {
		s.sparesProfile(t, spec.StateStoppedJob)
		v := s.arrange(t, spec.StateStoppedJob, needAll...)
		creds := credentials(v)
		drive := s.startCall(c, withJob(v, nobodysJobID(t.def.ID)))
		over, n, err := s.driveUntil(t, creds, drive, budget, func(a *client.Answer) bool { return a.Code == specfacts.CodeJobNotFound })
		if err != nil {
			if t.ctx.Err() != nil {
				t.cut()
			}
			t.fail(KindTransport, fmt.Sprintf("call %d of one account: no answer: %v", n, err))
		}
		if over == nil {
			t.fail(KindTarget, fmt.Sprintf("no call was throttled: %d calls by one account, limit %s", n, limit))
		}
		if e, ok := s.spec.Error(over.Code); ok && e.Source == specfacts.SourceCommon && !slices.Contains(specfacts.ThrottlingCodes(s.spec), e.Code) {
			t.lastCode = over.Code // the gateway's refusal, not the throttle: nothing to wait for
			t.fail(KindTarget, fmt.Sprintf("call %d of one account, before any was throttled, answered %d %s", n, over.Status, over.Code))
		}
		repro := t.repro
		first := s.send(t, creds, s.startCall(c, v))
		s.startedBefore(t, first, v)
		if first.Status == http.StatusOK && first.Code == "" {
			continue // the window turned over: the start was not throttled
		}
		deadline := time.Now().Add(2*limit.Window + time.Second)
		for {
			if !sleep(t, pollEvery(limit)) {
				t.cut()
			}
			a := s.send(t, creds, s.startCall(c, v))
			if a.Status != first.Status || a.Code != first.Code {
				t.repro = repro + " # then start the job while throttled, and again once the limit lifts: want 200"
				t.conform(a, success(v[arrange.JobID], c.Format), func(ps string) string {
					return fmt.Sprintf("after a throttled start (answered %d %s), the start of the same job once the limit lifted: %s",
						first.Status, explore.QuoteOrNone(first.Code), ps)
				})
				return
			}
			if time.Now().After(deadline) {
				t.fail(KindTarget, fmt.Sprintf("the limit %s never lifted: starts still answered %d %s after %v",
					limit, a.Status, explore.QuoteOrNone(a.Code), 2*limit.Window+time.Second))
			}
		}
	}
	t.skip(fmt.Sprintf("the window of the limit %s turned over before each of %d throttled starts: nothing to judge", limit, throttledTries))
}

// throttledTries bounds afterThrottled's attempts.
const throttledTries = 3

// pollEvery is how often afterThrottled asks whether the limit lifted: a fiftieth of the window,
// from 10ms to 500ms (throttled calls do not count against the limit).
func pollEvery(l spec.RateLimit) time.Duration {
	return min(max(l.Window/50, 10*time.Millisecond), 500*time.Millisecond)
}

// sleep waits d, or less when the run ends (false).
func sleep(t *caseT, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}

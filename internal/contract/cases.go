package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// How a run executes its cases. Run builds the cases as data (specs.go), selects them by
// Config.LabelFilter, and runs them, up to Config.Parallel at once, each with its own state, client
// and connections. The report follows the declaration order, never the completion order, and the
// RequestId uniqueness check is made once every case has ended, in that same order: the outcome of
// a run does not depend on which case finished first. A run's state is its session's: runs in one
// process share nothing.

// caseT is one running case: what its body uses to call, skip and fail.
type caseT struct {
	s   *session
	def *caseDef
	// ctx is cancelled when the run is (deadline, interrupt, giving up on a silent endpoint).
	ctx context.Context

	cl       *client.Client
	closeCl  func()
	cleanups []func(context.Context)
	answers  []*answer            // every answer the case got, in order
	judged   map[*answer]judgment // the answers it judged
	// observedSkip is the Observer's reason to skip the case after its judgment.
	observedSkip string
	repro        string     // the reproduce line of its last call
	lastCode     string     // the Code of its last answer (a generated call's: of the call it shows)
	code         string     // the Code it expects, when the call it shows is not the declared one (a shrunk plan)
	followed     []Followed // the sources its answers followed where they disagree (follow.go)
	out          outcome
}

// outcome is how a case ended.
type outcome struct {
	status   string // StatusPassed, StatusFailed, StatusSkipped
	message  string
	kind     string // of a failure
	notRun   bool   // cut by the end of the run before it could say anything
	duration time.Duration
}

// judgment is one answer judged: again says what is wrong with it ("" nothing) once the run has
// set its dupOf (the Observer is not asked twice: its verdict is kept).
type judgment struct {
	again func(ctx context.Context) string
}

// stopCase is the panic value that ends a case's body (as Ginkgo's Fail and Skip end a spec's).
type stopCase struct{}

// fail ends the case as failed (the first ending wins).
func (t *caseT) fail(kind, msg string) {
	t.end(outcome{status: StatusFailed, message: clip(oneLine(msg)), kind: kind})
}

// skip ends the case as skipped with reason, or failed under Strict.
func (t *caseT) skip(reason string) {
	if t.s.cfg.Strict {
		t.fail(KindTarget, "strict: "+reason)
	}
	t.end(outcome{status: StatusSkipped, message: clip(oneLine(reason))})
}

// skipHarness ends the case as skipped for a bound of the harness's own (a call budget): never
// the target's fault, so Strict leaves it skipped.
func (t *caseT) skipHarness(reason string) {
	t.end(outcome{status: StatusSkipped, message: clip(oneLine("not run by the harness: " + reason))})
}

// cut ends the case as not run: the run ended under it.
func (t *caseT) cut() { t.end(outcome{status: StatusSkipped, notRun: true}) }

func (t *caseT) end(o outcome) {
	if t.out.status == "" {
		t.out = o
	}
	panic(stopCase{})
}

// cleanup registers f to run after the body, last registered first, with a context of its own
// (bounded by the call timeout): a state set up is torn down even when the run was cut.
func (t *caseT) cleanup(f func(context.Context)) { t.cleanups = append(t.cleanups, f) }

// client is the case's client (its own connections; see session.newCaseClient).
func (t *caseT) client() *client.Client {
	if t.cl == nil {
		t.cl, t.closeCl = t.s.newCaseClient()
	}
	return t.cl
}

// record keeps an answer (and what was sent to get it) for the RequestId uniqueness check.
func (t *caseT) record(a *client.Answer, creds protocol.Credentials, call protocol.Call) *answer {
	w := &answer{Answer: a, caseID: t.def.ID, creds: creds, call: call}
	t.answers = append(t.answers, w)
	return w
}

// observe tells w (the target's or the state endpoint's watch) how a call ended. A call that failed
// because the run ended under it cuts the case.
func (t *caseT) observe(w *giveup.Watch, err error) {
	if err != nil && t.ctx.Err() != nil {
		t.cut()
	}
	t.s.note(w, err)
}

// conform fails the case unless a conforms to e; wrap (nil: none) frames the problems.
// the Observer sees a: the answer the case is judged on.
func (t *caseT) conform(a *answer, e expectation, wrap func(string) string) {
	t.judge(a, e, wrap, true)
}

// conformUnobserved is conform for an answer on the way to the one a case is judged on (a case
// of several calls shows the Observer one answer, as every case does).
func (t *caseT) conformUnobserved(a *answer, e expectation, wrap func(string) string) {
	t.judge(a, e, wrap, false)
}

func (t *caseT) judge(a *answer, e expectation, wrap func(string) string, observe bool) {
	if wrap == nil {
		wrap = func(p string) string { return p }
	}
	ps := t.s.check(t.ctx, a, e)
	t.followed = append(t.followed, t.s.followed(a, e)...)
	var observed []problem
	if observe {
		observed = t.s.observe(t, a, len(ps) > 0)
	}
	again := func(ctx context.Context) string {
		if ps := append(t.s.check(ctx, a, e), observed...); len(ps) > 0 {
			return wrap(joinProblems(ps))
		}
		return ""
	}
	msg := ""
	if ps = append(ps, observed...); len(ps) > 0 {
		msg = wrap(joinProblems(ps))
	}
	t.settle(a, again, msg)
}

// satisfy fails the case unless a has what any conforming answer has (explore.Judge's
// properties): a loose expectation, where the page is silent.
func (t *caseT) satisfy(a *answer, e explore.Expectation) {
	vs := explore.Judge(t.ctx, t.s.spec, a.Answer, e, a.dupOf)
	var observed []explore.Violation
	for _, p := range t.s.observe(t, a, len(vs) > 0) { // the Observer: recordings, snapshots
		observed = append(observed, explore.Violation{Property: "observer", Detail: p.Got})
	}
	again := func(ctx context.Context) string {
		return violations(append(explore.Judge(ctx, t.s.spec, a.Answer, e, a.dupOf), observed...))
	}
	t.settle(a, again, violations(append(vs, observed...)))
}

// settle records the judgment of a and ends the case as it says: failed with msg, skipped when
// the Observer said so, else on.
func (t *caseT) settle(a *answer, again func(context.Context) string, msg string) {
	if t.judged == nil {
		t.judged = map[*answer]judgment{}
	}
	t.judged[a] = judgment{again: again}
	if msg != "" {
		t.fail(KindTarget, msg)
	}
	if t.observedSkip != "" {
		t.skip(t.observedSkip)
	}
}

// protect runs f, turning the panics that end a case into its outcome: stopCase as set, any
// other (a bug in a case) into a failure, never a crash of the run.
func (t *caseT) protect(f func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopCase); !ok && t.out.status == "" {
				t.out = outcome{status: StatusFailed, message: clip(oneLine(fmt.Sprint("panic: ", r)))}
			}
		}
	}()
	f()
}

// runCase runs d's body and cleanups.
func (s *session) runCase(ctx context.Context, d *caseDef) *caseT {
	t := &caseT{s: s, def: d, ctx: ctx}
	start := time.Now()
	t.protect(func() { d.body(t) })
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		t.protect(func() { t.cleanups[i](cctx) })
		cancel()
	}
	if t.closeCl != nil {
		t.closeCl()
	}
	if t.out.status == "" {
		t.out.status = StatusPassed
	}
	t.out.duration = time.Since(start)
	return t
}

// runAll runs order (the selected cases, in the report's order), up to Config.Parallel at once,
// and then judges the RequestIds. The heavy cases (throttle) come last, each counting as several,
// so that they never crowd the others out. It returns when every case it started has ended; the
// run's deadline, an interrupt (ctx) or giving up on a silent endpoint stop it from starting more.
func (s *session) runAll(ctx context.Context, order []*caseDef) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopOnRun := context.AfterFunc(s.ctx, func() { cancel(ErrInterrupted) })
	defer stopOnRun()
	deadline := time.AfterFunc(s.cfg.Deadline, func() {
		cancel(fmt.Errorf("%w: %v elapsed", ErrDeadline, s.cfg.Deadline))
	})
	defer deadline.Stop()

	s.mu.Lock()
	s.order, s.cancel, s.ran = order, cancel, map[*caseDef]*caseT{}
	s.mu.Unlock()

	n := s.cfg.Parallel
	tokens := make(chan struct{}, n)
	release := func(k int) {
		for range k {
			<-tokens
		}
	}
	schedule := append(slices.DeleteFunc(slices.Clone(order), func(d *caseDef) bool { return d.heavy }),
		slices.DeleteFunc(slices.Clone(order), func(d *caseDef) bool { return !d.heavy })...)
	var wg sync.WaitGroup
dispatch:
	for _, d := range schedule {
		weight := 1
		if d.heavy {
			weight = min(drivers, n)
		}
		for got := 0; got < weight; got++ {
			select {
			case tokens <- struct{}{}:
			case <-runCtx.Done():
				release(got)
				break dispatch
			}
		}
		if runCtx.Err() != nil {
			release(weight)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer release(weight)
			t := s.runCase(runCtx, d)
			s.mu.Lock()
			s.ran[d] = t
			s.mu.Unlock()
		}()
	}
	wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.cause = context.Cause(runCtx)
	if s.cause != nil && ctx.Err() != nil && !errors.Is(s.cause, ErrDeadline) && !errors.Is(s.cause, giveup.ErrNoAnswer) {
		s.cause = ErrInterrupted
	}
	s.judgeRequestIDs()
}

// note tells w how a call ended (nil: answered) and stops the run when w gives up.
func (s *session) note(w *giveup.Watch, err error) {
	gave := w.Observe(err)
	if gave == nil {
		return
	}
	sentinel := ErrUnreachable
	if w == s.stateWatch {
		sentinel = ErrStateSetup
	}
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel(fmt.Errorf("%w: %w", sentinel, gave))
	}
}

// judgeRequestIDs fails every judged answer whose RequestId an answer before it had, in the
// declaration order of the cases (and the order of each case's calls): the first holder of a
// RequestId is the same whatever order the cases finished in. Called with s.mu held.
func (s *session) judgeRequestIDs() {
	seen := map[string]string{} // RequestId → the case that got it first
	for _, d := range s.order {
		t := s.ran[d]
		if t == nil {
			continue
		}
		for _, a := range t.answers {
			if a.RequestID == "" {
				continue
			}
			first, dup := seen[a.RequestID]
			if !dup {
				seen[a.RequestID] = d.ID
				continue
			}
			j, judged := t.judged[a]
			if !judged || t.out.notRun {
				continue
			}
			// The case would have ended at this judgment: its outcome is the judgment's.
			a.dupOf = first
			t.out.status, t.out.kind = StatusFailed, KindTarget
			t.out.message = clip(oneLine(j.again(context.WithoutCancel(t.ctx))))
			break
		}
	}
}

func notRunMessage(cause error) string {
	if cause == nil {
		return "not run"
	}
	return clip(oneLine("not run: " + cause.Error()))
}

func joinProblems(ps []problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/edgeconform/edgeconform/client"
	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// This file holds what every feature file shares: the case registry that turns Ginkgo's spec texts
// into case ids, the suite-level nodes, and the steps of a case (arrange a state, call, skip).

// caseMeta is what the report needs of a case: its id and the Code it expects.
type caseMeta struct {
	ID   string
	Code string
}

// registry maps a spec's texts (containers, then leaf) to its case. It is filled while Ginkgo
// builds the tree, which happens once, on one goroutine; reads come after.
var (
	registry = map[string]caseMeta{}
	texts    []string // the texts of the containers being built
)

func registryKey(containers []string, leaf string) string {
	return strings.Join(append(append([]string{}, containers...), leaf), "\x1f")
}

// container is Describe/Context that records its text, so that the cases below can be registered.
func container(text string, args ...any) bool {
	body, ok := args[len(args)-1].(func())
	if !ok {
		panic("contract: container needs a body") // a programming error, found by the first test run
	}
	args[len(args)-1] = func() {
		texts = append(texts, text)
		defer func() { texts = texts[:len(texts)-1] }()
		body()
	}
	return Describe(text, args...)
}

// table is DescribeTable(text, decorators..., body, entries...) with the entries made by
// entries() while text is recorded, so that entry can register them.
func table(text string, decorators []any, body any, entries func() []TableEntry) bool {
	texts = append(texts, text)
	es := entries()
	texts = texts[:len(texts)-1]
	args := append(append([]any{}, decorators...), body)
	for _, e := range es {
		args = append(args, e)
	}
	return DescribeTable(text, args...)
}

// entry registers meta under the table being built and returns its Entry.
func entry(meta caseMeta, description string, args ...any) TableEntry {
	registry[registryKey(texts, description)] = meta
	return Entry(description, args...)
}

// it registers meta and returns It(text, ...).
func it(meta caseMeta, text string, args ...any) bool {
	registry[registryKey(texts, text)] = meta
	return It(text, append([]any{Offset(1)}, args...)...)
}

// notConfigured stands in for the cases when the specs are run without Configure.
func notConfigured() {
	It("needs contract.Configure before RunSpecs", func() {
		Fail("contract: Configure (or Run) was not called: no target to test")
	})
}

// The suite-level nodes: bookkeeping of which cases started, and the report.
var _ = BeforeEach(func() {
	s := current
	if s == nil {
		return
	}
	s.mu.Lock()
	s.started[CurrentSpecReport().FullText()] = true
	s.mu.Unlock()
	if s.ctx.Err() != nil {
		Skip("not run: the run was interrupted")
	}
})

var _ = ReportAfterSuite("edgeconform contract report", func(r Report) {
	if s := current; s != nil {
		s.mu.Lock()
		s.report = &r
		s.mu.Unlock()
	}
})

// caseCtx is the context of a call: cancelled when the case is (timeout, interrupt) or the run is.
func (s *session) caseCtx(ctx SpecContext) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	return c, func() { stop(); cancel() }
}

// failKind fails the running case with a one-line message and remembers why it failed.
func (s *session) failKind(kind, msg string) {
	s.mu.Lock()
	s.kinds[CurrentSpecReport().FullText()] = kind
	s.mu.Unlock()
	Fail(oneLine(msg), 1)
}

// skip skips the running case with reason, or fails it under Strict.
func (s *session) skip(reason string) {
	if s.cfg.Strict {
		Fail(oneLine("strict: "+reason), 1)
	}
	Skip(oneLine(reason), 1)
}

// arrange sets state up, registers its teardown, and returns its values with the keys the case
// needs. An unsupported state skips the case; any other failure of the arrangement fails it.
// Credentials missing from the state's values come from Config.Credentials.
func (s *session) arrange(ctx SpecContext, state string, need ...string) states.Values {
	v, err := s.setup(ctx, state)
	return s.arranged(state, v, err, need)
}

// caller arranges a caller with valid credentials and a job that does not exist, for the cases
// the gateway or the parameter check must stop before any job is looked at: the state "no such
// job exists", or when the target does not support it, Config.Credentials and made-up ids.
func (s *session) caller(ctx SpecContext) states.Values {
	v, err := s.setup(ctx, spec.StateNoSuchJob)
	if errors.Is(err, states.ErrUnsupported) && s.cfg.Credentials.AccessKeyID != "" {
		v, err = states.Values{states.ClusterID: "edgeconform-no-such-cluster", states.JobID: "edgeconform-no-such-job"}, nil
	}
	return s.arranged(spec.StateNoSuchJob, v, err, needAll)
}

func (s *session) setup(ctx SpecContext, state string) (states.Values, error) {
	cctx, cancel := s.caseCtx(ctx)
	defer cancel()
	v, err := s.cfg.States.Setup(cctx, state)
	if err == nil {
		DeferCleanup(func(ctx SpecContext) {
			cctx, cancel := s.caseCtx(ctx)
			defer cancel()
			if err := s.cfg.States.Teardown(cctx, state, v); err != nil && !errors.Is(err, states.ErrUnsupported) {
				s.failKind(KindState, err.Error())
			}
		})
	}
	if v == nil {
		v = states.Values{}
	}
	return v, err
}

func (s *session) arranged(state string, v states.Values, err error, need []string) states.Values {
	switch {
	case errors.Is(err, states.ErrUnsupported):
		s.skip(err.Error())
	case errors.Is(err, states.ErrUsedUp):
		s.failKind(KindHarness, err.Error()+": "+usedUpAdvice)
	case errors.Is(err, states.ErrNotStateEndpoint):
		s.failKind(KindHarness, err.Error())
	case err != nil:
		s.failKind(KindState, err.Error())
	}
	if v[states.AccessKeyID] == "" && s.cfg.Credentials.AccessKeyID != "" {
		v[states.AccessKeyID] = s.cfg.Credentials.AccessKeyID
		v[states.AccessKeySecret] = s.cfg.Credentials.AccessKeySecret
		s.creds.Add(1)
	}
	if err := v.Require(need...); err != nil {
		s.failKind(KindState, fmt.Sprintf("state %q setup: %v", state, err))
	}
	return v
}

// credentials of values v.
func credentials(v states.Values) protocol.Credentials {
	return protocol.Credentials{AccessKeyID: v[states.AccessKeyID], AccessKeySecret: v[states.AccessKeySecret]}
}

// needAll are the values a call of the operation needs.
var needAll = []string{states.AccessKeyID, states.AccessKeySecret, states.ClusterID, states.JobID}

// answer is an answer of the target and, if its RequestId was answered before in the run, the
// case that got it first.
type answer struct {
	*client.Answer
	dupOf string
	// What was sent, for Config.Observer.
	caseID string
	creds  protocol.Credentials
	call   protocol.Call
}

// send makes one call for case id, with muts (explore's mutations) applied when given; no answer
// fails the case (as a transport failure). Every answer's RequestId is recorded for the
// uniqueness check, every call's reproduce line for the report.
func (s *session) send(ctx SpecContext, id string, creds protocol.Credentials, call protocol.Call, muts ...explore.Mutation) *answer {
	cctx, cancel := s.caseCtx(ctx)
	defer cancel()
	if call.Action == "" {
		call.Action = s.spec.Action()
	}
	if call.Version == "" {
		call.Version = s.spec.Version()
	}
	s.noteReproduce(explore.Reproduce(s.spec, s.cfg.Target, creds.AccessKeyID, call, muts))
	var a *client.Answer
	var err error
	if len(muts) == 0 {
		a, err = s.caseClient().Call(cctx, creds, call)
	} else {
		var req *http.Request
		if req, err = explore.Build(cctx, s.cfg.Target, creds, call, muts); err == nil {
			a, err = s.caseClient().Do(cctx, req)
		}
	}
	switch {
	case errors.Is(err, client.ErrTransport):
		msg := "no answer: " + err.Error()
		if len(muts) > 0 || strings.HasPrefix(id, "edges/") || strings.HasPrefix(id, "explore/") {
			msg = explore.PropNoHang + ": " + msg // the unusual call is what the target could not answer
		}
		s.failKind(KindTransport, msg)
	case err != nil:
		Fail(oneLine("cannot make the call: "+err.Error()), 1)
	}
	s.mu.Lock()
	s.answers[CurrentSpecReport().FullText()] = a.Code
	s.mu.Unlock()
	first, _ := s.requests.record(a.RequestID, id)
	return &answer{Answer: a, dupOf: first, caseID: id, creds: creds, call: call}
}

// usedUpAdvice is what to do about a fixture profile whose one-shot entries are used up.
const usedUpAdvice = "the fixture profile is used up: restart the mock (or reset the target's world), or list more entries in the profile"

// fixture says whether the states come from a fixture profile: its claims (a stopped job is
// stopped) are the user's, not the target's.
func (s *session) fixture() bool {
	_, ok := s.cfg.States.(*states.Profile)
	return ok
}

// startedBefore fails the running case as not judged when, in fixture mode, the stopped job the
// profile named was refused as running: an earlier run started it.
func (s *session) startedBefore(a *answer, v states.Values) {
	if a.Code == codeOperationDenied && s.fixture() {
		s.failKind(KindHarness, fmt.Sprintf("the profile's stopped job %s is running (an earlier run started it): %s", clip(v[states.JobID]), usedUpAdvice))
	}
}

// startCall is a start over cell c of the job that v names: each parameter of the spec (ClusterId,
// JobId, RegionId) that v holds, by the same name.
func (s *session) startCall(c cell, v states.Values) protocol.Call {
	call := c.call()
	call.Params = url.Values{}
	for _, p := range append(s.spec.RequiredParams(), s.spec.OptionalParams()...) {
		if val, ok := v[p]; ok {
			call.Params.Set(p, val)
		}
	}
	return call
}

func itoa(n int) string { return strconv.Itoa(n) }

// noteReproduce keeps line as the reproduce of the running case's last call.
func (s *session) noteReproduce(line string) {
	s.mu.Lock()
	s.repro[CurrentSpecReport().FullText()] = line
	s.mu.Unlock()
}

// caseClient returns the client of the running case. Unless Config.HTTPClient is set, each case
// has its own connections, closed when it ends, so that a target's misbehaviour on one connection
// (a body left unread, a reset) cannot fail the next case.
func (s *session) caseClient() *client.Client {
	if s.cfg.HTTPClient != nil {
		return s.client
	}
	key := CurrentSpecReport().FullText()
	s.mu.Lock()
	c := s.clients[key]
	s.mu.Unlock()
	if c != nil {
		return c
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = drivers
	c, err := client.New(s.cfg.Target, client.WithTimeout(s.cfg.Timeout), client.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil { // checked by newSession already
		Fail(oneLine("client: "+err.Error()), 1)
	}
	s.mu.Lock()
	s.clients[key] = c
	s.mu.Unlock()
	DeferCleanup(func() {
		tr.CloseIdleConnections()
		s.mu.Lock()
		delete(s.clients, key)
		s.mu.Unlock()
	})
	return c
}

// requestIDs remembers every RequestId answered in the run and the case that got it first.
type requestIDs struct {
	mu   sync.Mutex
	seen map[string]string
}

// record notes id for caseID and returns the case that got it before, if another did.
func (r *requestIDs) record(id, caseID string) (firstCase string, dup bool) {
	if id == "" {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if first, ok := r.seen[id]; ok {
		return first, true
	}
	r.seen[id] = caseID
	return "", false
}

// labelFilter returns whether labels pass the configured filter.
func (s *session) labelFilter() func([]string) bool {
	if s.cfg.LabelFilter == "" {
		return func([]string) bool { return true }
	}
	f, err := types.ParseLabelFilter(s.cfg.LabelFilter)
	if err != nil {
		return func([]string) bool { return true }
	}
	return f
}

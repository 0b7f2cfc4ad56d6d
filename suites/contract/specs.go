package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/edgeconform/edgeconform/client"
	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// This file holds what every feature file shares: the cases declared as data while Ginkgo builds
// its tree (an It per case, which reports the outcome the case had when the run computed it, see
// cases.go), and the steps of a case (arrange a state, call, skip).

// caseMeta is what the report needs of a case: its id and the Code it expects.
type caseMeta struct {
	ID   string
	Code string
}

// caseDef is one case as data: where it sits in the tree, its labels, and its body.
type caseDef struct {
	caseMeta
	key    string   // registryKey of its texts
	labels []string // its containers' and its own
	rank   int      // its topic's place in the report
	heavy  bool     // drives many calls at once (the throttle cases): scheduled apart
	body   func(t *caseT)
}

// The case registry. It is filled while Ginkgo builds the tree, which happens once, on one
// goroutine, before any case runs; reads come after.
var (
	registry  = map[string]*caseDef{} // registryKey → case
	declared  []*caseDef              // in declaration order
	texts     []string                // the texts of the containers being built
	labels    [][]string              // their labels
	topicRank int                     // the rank of the area being built
)

func registryKey(containers []string, leaf string) string {
	return strings.Join(append(append([]string{}, containers...), leaf), "\x1f")
}

// topic is a top-level container whose cases come rank-th in the report (and in a serial run),
// whatever the order Go initializes the files in.
func topic(rank int, text string, args ...any) bool {
	body, ok := args[len(args)-1].(func())
	if !ok {
		panic("contract: topic needs a body") // a programming error, found by the first test run
	}
	args[len(args)-1] = func() {
		topicRank = rank
		body()
	}
	return container(text, args...)
}

// container is Describe/Context that records its text and labels, so that the cases below can be
// registered.
func container(text string, args ...any) bool {
	body, ok := args[len(args)-1].(func())
	if !ok {
		panic("contract: container needs a body") // a programming error, found by the first test run
	}
	args[len(args)-1] = func() {
		texts = append(texts, text)
		labels = append(labels, labelsOf(args))
		defer func() { texts, labels = texts[:len(texts)-1], labels[:len(labels)-1] }()
		body()
	}
	return Describe(text, args...)
}

func labelsOf(args []any) []string {
	var out []string
	for _, a := range args {
		if l, ok := a.(Labels); ok {
			out = append(out, l...)
		}
	}
	return out
}

// heavyCase marks a case (an argument of it) that drives many calls at once.
type heavyCase struct{}

// it declares a case under the containers being built: meta, its leaf text, its body, and
// decorators (Label, heavyCase). Its It reports the outcome the run computed.
func it(meta caseMeta, text string, body func(t *caseT), args ...any) bool {
	d := &caseDef{caseMeta: meta, key: registryKey(texts, text), rank: topicRank, body: body}
	for _, l := range labels {
		d.labels = append(d.labels, l...)
	}
	d.labels = append(d.labels, labelsOf(args)...)
	args = slices.DeleteFunc(args, func(a any) bool {
		_, h := a.(heavyCase)
		d.heavy = d.heavy || h
		return h
	})
	registry[d.key] = d
	declared = append(declared, d)
	return It(text, append(args, func(ctx SpecContext) {
		if s := current; s != nil {
			s.replay(ctx, d)
		}
	})...)
}

// notConfigured stands in for the cases when the specs are run without Configure.
func notConfigured() {
	It("needs contract.Configure before RunSpecs", func() {
		Fail("contract: Configure (or Run) was not called: no target to test")
	})
}

// The suite-level nodes: the run of every case (before the Its report them), and the report.
var _ = BeforeSuite(func(ctx SpecContext) {
	if s := current; s != nil {
		s.runAll(ctx, GinkgoLabelFilter())
	}
})

var _ = ReportAfterSuite("edgeconform contract report", func(r Report) {
	if s := current; s != nil {
		s.mu.Lock()
		s.report = &r
		s.mu.Unlock()
	}
})

// arrange sets state up, registers its teardown, and returns its values with the keys the case
// needs. An unsupported state skips the case; any other failure of the arrangement fails it.
// Credentials missing from the state's values come from Config.Credentials.
func (s *session) arrange(t *caseT, state string, need ...string) states.Values {
	v, err := s.setup(t, state)
	return s.arranged(t, state, v, err, need)
}

// caller arranges a caller with valid credentials and a job that does not exist, for the cases
// the gateway or the parameter check must stop before any job is looked at: the state "no such
// job exists", or when the target does not support it, Config.Credentials and made-up ids.
func (s *session) caller(t *caseT) states.Values {
	v, err := s.setup(t, spec.StateNoSuchJob)
	if errors.Is(err, states.ErrUnsupported) && s.cfg.Credentials.AccessKeyID != "" {
		v, err = states.Values{states.ClusterID: "edgeconform-no-such-cluster", states.JobID: "edgeconform-no-such-job"}, nil
	}
	return s.arranged(t, spec.StateNoSuchJob, v, err, needAll)
}

func (s *session) setup(t *caseT, state string) (states.Values, error) {
	return s.setupWith(t, state, nil)
}

// setupWith is setup with Pact's params (nil: none), for the arrangers that take them.
func (s *session) setupWith(t *caseT, state string, params map[string]string) (states.Values, error) {
	var v states.Values
	var err error
	if params == nil {
		v, err = s.cfg.States.Setup(t.ctx, state)
	} else {
		v, err = states.SetupWith(t.ctx, s.cfg.States, state, params)
	}
	t.observe(s.stateWatch, err)
	if err == nil {
		t.cleanup(func(ctx context.Context) {
			err := s.cfg.States.Teardown(ctx, state, v)
			t.observe(s.stateWatch, err)
			if err != nil && !errors.Is(err, states.ErrUnsupported) {
				t.fail(KindState, err.Error())
			}
		})
	}
	if v == nil {
		v = states.Values{}
	}
	return v, err
}

func (s *session) arranged(t *caseT, state string, v states.Values, err error, need []string) states.Values {
	switch {
	case errors.Is(err, states.ErrUnsupported):
		t.skip(err.Error())
	case errors.Is(err, states.ErrUsedUp):
		t.fail(KindHarness, err.Error()+": "+usedUpAdvice)
	case errors.Is(err, states.ErrNotStateEndpoint):
		t.fail(KindHarness, err.Error())
	case err != nil:
		t.fail(KindState, err.Error())
	}
	if v[states.AccessKeyID] == "" && s.cfg.Credentials.AccessKeyID != "" {
		v[states.AccessKeyID] = s.cfg.Credentials.AccessKeyID
		v[states.AccessKeySecret] = s.cfg.Credentials.AccessKeySecret
		s.creds.Add(1)
	}
	if err := v.Require(need...); err != nil {
		t.fail(KindState, fmt.Sprintf("state %q setup: %v", state, err))
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
// case that got it first (set when the run judges RequestIds, after every case ran).
type answer struct {
	*client.Answer
	dupOf string
	// What was sent, for Config.Observer.
	caseID string
	creds  protocol.Credentials
	call   protocol.Call
}

// send makes one call for the case, with muts (explore's mutations) applied when given; no answer
// fails it (as a transport failure). Every answer is kept for the RequestId uniqueness check,
// every call's reproduce line for the report.
func (s *session) send(t *caseT, creds protocol.Credentials, call protocol.Call, muts ...explore.Mutation) *answer {
	if call.Action == "" {
		call.Action = s.spec.Action()
	}
	if call.Version == "" {
		call.Version = s.spec.Version()
	}
	t.repro = explore.Reproduce(s.spec, s.cfg.Target, creds.AccessKeyID, call, muts)
	var a *client.Answer
	var err error
	if len(muts) == 0 {
		a, err = t.client().Call(t.ctx, creds, call)
	} else {
		var req *http.Request
		if req, err = explore.Build(t.ctx, s.cfg.Target, creds, call, muts); err == nil {
			a, err = t.client().Do(t.ctx, req)
		}
	}
	switch {
	case errors.Is(err, client.ErrTransport):
		t.observe(s.targetWatch, err)
		msg := "no answer: " + err.Error()
		if id := t.def.ID; len(muts) > 0 || strings.HasPrefix(id, "edges/") || strings.HasPrefix(id, "explore/") {
			msg = explore.PropNoHang + ": " + msg // the unusual call is what the target could not answer
		}
		t.fail(KindTransport, msg)
	case err != nil:
		t.fail(KindTarget, "cannot make the call: "+err.Error())
	}
	t.observe(s.targetWatch, nil)
	t.lastCode = a.Code
	return t.record(a, creds, call)
}

// usedUpAdvice is what to do about a fixture profile whose one-shot entries are used up.
const usedUpAdvice = "the fixture profile is used up: restart the mock (or reset the target's world), or list more entries in the profile"

// fixture says whether the states come from a fixture profile: its claims (a stopped job is
// stopped) are the user's, not the target's.
func (s *session) fixture() bool {
	_, ok := s.cfg.States.(*states.Profile)
	return ok
}

// sparesProfile skips the running case, one of those beyond the documented answers (effects/,
// concurrent/, isolation/), when its state would use up an entry of a fixture profile's concrete
// list (a real stopped job): the documented cases have the first claim on those.
func (s *session) sparesProfile(t *caseT, state string) {
	if p, ok := s.cfg.States.(*states.Profile); ok && p.UsesUp(state) {
		t.skip(fmt.Sprintf("the profile lists concrete entries of %q: this case would use one up (list them as templates with {unique} to run it)", state))
	}
}

// startedBefore fails the running case as not judged when, in fixture mode, the stopped job the
// profile named was refused as running: an earlier run started it.
func (s *session) startedBefore(t *caseT, a *answer, v states.Values) {
	if a.Code == codeOperationDenied && s.fixture() {
		t.fail(KindHarness, fmt.Sprintf("the profile's stopped job %s is running (an earlier run started it): %s", clip(v[states.JobID]), usedUpAdvice))
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

// newCaseClient returns a client of its own for one case, unless Config.HTTPClient is set: each
// case has its own connections, closed when it ends, so that a target's misbehaviour on one
// connection (a body left unread, a reset) cannot fail another case. close frees them.
func (s *session) newCaseClient() (c *client.Client, close func()) {
	if s.cfg.HTTPClient != nil {
		return s.client, func() {}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = drivers
	c, err := client.New(s.cfg.Target, client.WithTimeout(s.cfg.Timeout), client.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil { // checked by newSession already
		return s.client, func() {}
	}
	return c, tr.CloseIdleConnections
}

// labelFilter returns whether labels pass filter (Ginkgo's syntax; "" passes all).
func labelFilter(filter string) func([]string) bool {
	if filter == "" {
		return func([]string) bool { return true }
	}
	f, err := types.ParseLabelFilter(filter)
	if err != nil {
		return func([]string) bool { return true }
	}
	return f
}

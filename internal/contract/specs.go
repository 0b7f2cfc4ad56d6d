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

	"github.com/onsi/ginkgo/v2/types"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// This file holds what every feature file shares: the cases declared as data (each topic file a
// function that declares its cases on a builder, from the run's session), and the steps of a case
// (arrange a state, call, skip). Nothing is registered at import: every Run builds its own list.

// caseMeta is what the report needs of a case: its id and the Code it expects.
type caseMeta struct {
	ID   string
	Code string
}

// caseDef is one case as data: its texts, its labels, and its body.
type caseDef struct {
	caseMeta
	text   string   // its containers' texts and its own, joined by spaces
	labels []string // its containers' and its own
	rank   int      // its topic's place in the report
	heavy  bool     // drives many calls at once (the throttle cases): scheduled apart
	body   func(t *caseT)
}

// topics are the areas of the suite, each a function declaring its cases for a session; a topic's
// rank (given to b.topic) is its place in the report, whatever its place here.
var topics = []func(s *session, b *builder){
	successCases, documentedErrorCases, missingParameterCases, gatewayCases, throttleCases, edgeCases, exploreCases,
	tamperCases, effectsCases, concurrentCases, isolationCases,
}

// cases builds the session's cases: every topic's, in the report's order (by rank, then as declared).
func (s *session) cases() []*caseDef {
	b := &builder{}
	for _, topic := range topics {
		topic(s, b)
	}
	slices.SortStableFunc(b.defs, func(a, b *caseDef) int { return a.rank - b.rank })
	return b.defs
}

// builder collects the cases of one session as the topic functions declare them, in containers
// that give their texts and labels to the cases below.
type builder struct {
	defs   []*caseDef
	texts  []string   // the texts of the containers being built
	labels [][]string // their labels
	rank   int        // the rank of the topic being built
}

// labels are the labels of a container or a case (an argument of it), Ginkgo's syntax.
type labels []string

func label(ls ...string) labels { return labels(ls) }

// topic is a top-level container whose cases come rank-th in the report (and in a serial run).
func (b *builder) topic(rank int, text string, args ...any) {
	b.rank = rank
	b.container(text, args...)
}

// container groups cases: its text and labels (arguments of type labels) are theirs too; the
// last argument is the body declaring them.
func (b *builder) container(text string, args ...any) {
	body, ok := args[len(args)-1].(func())
	if !ok {
		panic("contract: container needs a body") // a programming error, found by the first test run
	}
	b.texts = append(b.texts, text)
	b.labels = append(b.labels, labelsOf(args))
	defer func() { b.texts, b.labels = b.texts[:len(b.texts)-1], b.labels[:len(b.labels)-1] }()
	body()
}

func labelsOf(args []any) []string {
	var out []string
	for _, a := range args {
		if l, ok := a.(labels); ok {
			out = append(out, l...)
		}
	}
	return out
}

// heavyCase marks a case (an argument of it) that drives many calls at once.
type heavyCase struct{}

// it declares a case under the containers being built: meta, its leaf text, its body, and
// decorators (labels, heavyCase).
func (b *builder) it(meta caseMeta, text string, body func(t *caseT), args ...any) {
	d := &caseDef{caseMeta: meta, text: strings.Join(append(slices.Clone(b.texts), text), " "), rank: b.rank, body: body}
	for _, l := range b.labels {
		d.labels = append(d.labels, l...)
	}
	d.labels = append(d.labels, labelsOf(args)...)
	for _, a := range args {
		if _, h := a.(heavyCase); h {
			d.heavy = true
		}
	}
	b.defs = append(b.defs, d)
}

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
		v, err = states.Values{arrange.ClusterID: "edgeconform-no-such-cluster", arrange.JobID: "edgeconform-no-such-job"}, nil
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
		v, err = arrange.SetupWith(t.ctx, s.cfg.States, state, params)
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
	case errors.Is(err, arrange.ErrUsedUp):
		t.fail(KindHarness, err.Error()+": "+usedUpAdvice)
	case errors.Is(err, arrange.ErrNotStateEndpoint):
		t.fail(KindHarness, err.Error())
	case err != nil:
		t.fail(KindState, err.Error())
	}
	if v[arrange.AccessKeyID] == "" && s.cfg.Credentials.AccessKeyID != "" {
		v[arrange.AccessKeyID] = s.cfg.Credentials.AccessKeyID
		v[arrange.AccessKeySecret] = s.cfg.Credentials.AccessKeySecret
		s.creds.Add(1)
	}
	if err := arrange.Require(v, need...); err != nil {
		t.fail(KindState, fmt.Sprintf("state %q setup: %v", state, err))
	}
	return v
}

// credentials of values v.
func credentials(v states.Values) protocol.Credentials {
	return protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]}
}

// needAll are the values a call of the operation needs.
var needAll = []string{arrange.AccessKeyID, arrange.AccessKeySecret, arrange.ClusterID, arrange.JobID}

// answer is an answer of the target and, if its RequestId was answered before in the run, the
// case that got it first (set when the run judges RequestIds, after every case ran).
type answer struct {
	*client.Answer
	dupOf string
	// What was sent, for the Observer.
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
	return arrange.IsProfile(s.cfg.States)
}

// sparesProfile skips the running case, one of those beyond the documented answers (effects/,
// concurrent/, isolation/), when its state would use up an entry of a fixture profile's concrete
// list (a real stopped job): the documented cases have the first claim on those.
func (s *session) sparesProfile(t *caseT, state string) {
	if arrange.UsesUp(s.cfg.States, state) {
		t.skip(fmt.Sprintf("the profile lists concrete entries of %q: this case would use one up (list them as templates with {unique} to run it)", state))
	}
}

// startedBefore fails the running case as not judged when, in fixture mode, the stopped job the
// profile named was refused as running: an earlier run started it.
func (s *session) startedBefore(t *caseT, a *answer, v states.Values) {
	if a.Code == codeOperationDenied && s.fixture() {
		t.fail(KindHarness, fmt.Sprintf("the profile's stopped job %s is running (an earlier run started it): %s", clip(v[arrange.JobID]), usedUpAdvice))
	}
}

// startCall is a start over cell c of the job that v names: each parameter of the spec (ClusterId,
// JobId, RegionId) that v holds, by the same name.
func (s *session) startCall(c cell, v states.Values) protocol.Call {
	call := c.call()
	call.Params = url.Values{}
	for _, p := range append(specfacts.RequiredParams(s.spec), specfacts.OptionalParams(s.spec)...) {
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

package explore

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Runner sends plans and judges their answers. Its two functions are the harness's: Arrange sets
// a provider state up for one try (and sees to its teardown); Send sends a call with mutations
// and says which case got the answer's RequestId before ("" if none). An error of either ends
// the plan (a state that cannot be arranged, no answer): it is the harness's, not a verdict.
type Runner struct {
	Spec    *spec.Spec
	Target  string
	Arrange func(ctx context.Context, state string) (states.Values, error)
	Send    func(ctx context.Context, id string, creds protocol.Credentials, call protocol.Call, muts []Mutation) (*client.Answer, string, error)
}

// Outcome is a plan's verdict: no violation, or the violations of its smallest failing form.
type Outcome struct {
	Plan       Plan
	Violations []Violation
	// Mutations is the smallest failing set (the plan's own when it passed or nothing smaller fails).
	Mutations []Mutation
	Tries     int // calls made to shrink
	// Reproduce, Answer and Code are those of the call the outcome shows (Mutations): the command
	// that sends it again, the answer it got, and what the report says it expects (Code).
	Reproduce string
	Answer    *client.Answer
	Code      string
}

// Failed says whether the plan failed.
func (o Outcome) Failed() bool { return len(o.Violations) > 0 }

// Message is the one line of a failed plan: the call, the properties broken, how it was shrunk.
func (o Outcome) Message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s over %s, state %q: ", describe(o.Mutations), TransportID(o.Plan.Cell), o.Plan.State)
	for i, v := range o.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	if len(o.Mutations) < len(o.Plan.Mutations) {
		fmt.Fprintf(&b, " (shrunk from %s in %d calls)", describe(o.Plan.Mutations), o.Tries)
	}
	return b.String()
}

// TransportID names a transport in case ids and messages: "GET-v1-JSON".
func TransportID(t protocol.Transport) string {
	return t.Method + "-" + string(t.Signature) + "-" + string(t.Format)
}

func describe(muts []Mutation) string {
	if len(muts) == 0 {
		return "[the unmutated call]"
	}
	parts := make([]string, len(muts))
	for i, m := range muts {
		parts[i] = clip(m.String(), 60)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Run sends p and, if its answer breaks a property, shrinks it: the smallest subset of its
// mutations whose answer still breaks one of the same properties, each subset sent afresh.
func (r *Runner) Run(ctx context.Context, p Plan) (Outcome, error) {
	out := Outcome{Plan: p, Mutations: p.Mutations, Code: Code(r.Spec, p)}
	vs, line, a, err := r.try(ctx, p, p.Mutations)
	out.Reproduce, out.Answer = line, a
	if err != nil || len(vs) == 0 {
		return out, err
	}
	props := Properties(vs)
	var tryErr error
	smallest, tries := Shrink(p.Mutations, func(sub []Mutation) bool {
		if tryErr != nil {
			return false
		}
		v2, l2, a2, err := r.try(ctx, p, sub)
		if err != nil {
			tryErr = err
			return false
		}
		if slices.ContainsFunc(Properties(v2), func(x string) bool { return slices.Contains(props, x) }) {
			vs, line, a = v2, l2, a2
			return true
		}
		return false
	})
	// Everything the outcome says is the shown call's: its mutations, its violations, its answer,
	// its reproduce line and its expectation (not the plan's, when it was shrunk).
	shown := p
	shown.Mutations = smallest
	out.Violations, out.Mutations, out.Tries, out.Reproduce, out.Answer, out.Code = vs, smallest, tries, line, a, Code(r.Spec, shown)
	return out, tryErr
}

// try sends p's call with muts to a freshly arranged state and judges the answer.
func (r *Runner) try(ctx context.Context, p Plan, muts []Mutation) ([]Violation, string, *client.Answer, error) {
	v, err := r.Arrange(ctx, p.State)
	if err != nil {
		return nil, "", nil, err
	}
	creds := protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]}
	params := url.Values{}
	for _, name := range append(specfacts.RequiredParams(r.Spec), specfacts.OptionalParams(r.Spec)...) {
		if val, ok := v[name]; ok {
			params.Set(name, val)
		}
	}
	call := protocol.Call{Transport: p.Cell, Action: r.Spec.Action(), Version: r.Spec.Version(), Params: params}
	line := Reproduce(r.Spec, r.Target, creds.AccessKeyID, call, muts)
	a, dupOf, err := r.Send(ctx, p.ID(), creds, call, muts)
	if err != nil {
		return nil, line, nil, err
	}
	e := Expect(r.Spec, Base{Transport: p.Cell, State: p.State, JobID: v[arrange.JobID]}, muts)
	vs := Judge(ctx, r.Spec, a, e, dupOf)
	if len(vs) == 0 && undecided(e) {
		// Where the sources leave the answer open, a server still answers one call one way: the
		// same call again, to a fresh state, gets an answer of the same kind.
		v2, err := r.Arrange(ctx, p.State)
		if err != nil {
			return nil, line, a, err
		}
		creds2 := protocol.Credentials{AccessKeyID: v2[arrange.AccessKeyID], AccessKeySecret: v2[arrange.AccessKeySecret]}
		call2 := call
		call2.Params = url.Values{}
		for name, val := range v2 {
			if call.Params.Has(name) {
				call2.Params.Set(name, val)
			}
		}
		a2, _, err := r.Send(ctx, p.ID(), creds2, call2, muts)
		if err != nil {
			return nil, line, a, err
		}
		if d := otherKind(r.Spec, a, a2); d != "" {
			vs = append(vs, Violation{PropConsistent, d})
		}
	}
	return vs, line, a, nil
}

// undecided says whether e follows an undecided row of the decision table.
func undecided(e Expectation) bool {
	for _, id := range e.Rows {
		if d, ok := Row(id); ok && !d.Verdict.Decided() {
			return true
		}
	}
	return false
}

// otherKind says how b differs in kind (status and Code) from a, "" if it does not; a throttled
// answer is of any kind.
func otherKind(sp *spec.Spec, a, b *client.Answer) string {
	if slices.Contains(specfacts.ThrottlingCodes(sp), a.Code) || slices.Contains(specfacts.ThrottlingCodes(sp), b.Code) {
		return ""
	}
	if a.Status == b.Status && a.Code == b.Code {
		return ""
	}
	return fmt.Sprintf("the same call answered %d%s, then %d%s", a.Status, codeSuffix(a), b.Status, codeSuffix(b))
}

// OrRefused ends the report's Code of a plan whose undecided input a server may refuse: "OK or
// 4xx" (the state's own answer, or any client error).
const OrRefused = " or 4xx"

// Code is what the report says a plan expects: the Code due, "4xx" when any client error will
// do, "any" when only the properties every answer has are judged, and the Code due followed by
// OrRefused when a refusal would do too.
func Code(sp *spec.Spec, p Plan) string {
	e := Expect(sp, Base{Transport: p.Cell, State: p.State}, p.Mutations)
	switch {
	case e.Code != "" && e.Refusable:
		return e.Code + OrRefused
	case e.Code != "":
		return e.Code
	case e.ClientError:
		return "4xx"
	}
	return "any"
}

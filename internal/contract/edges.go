package contract

import (
	"fmt"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The edge cases (docs/protocol.md#edges-and-exploration): what real clients send and real implementations get wrong,
// over the cells GET and POST, v1 and v3, in one format (JSON when the run has it). Each expects
// what the page and the wire protocol decide; where they are silent (a very long or non-ASCII value), only what
// any conforming answer has (explore.Judge's properties).
func edgeCases(s *session, b *builder) {
	b.topic(6, "Edge cases", label("edges"), func() {
		for _, c := range edgeCells(s.cells) {
			b.container("around the documented cases, "+c.Text(), label(c.Labels()...), func() {
				for _, e := range edges(s.spec) {
					if e.code != "" && e.code != spec.CodeOK {
						if _, ok := s.spec.Error(e.code); !ok {
							continue // the spec has no such code: nothing to expect
						}
					}
					b.it(caseMeta{ID: "edges/" + e.what + "/" + c.ID(), Code: e.caseCode()}, e.desc, func(t *caseT) {
						v := s.arrange(t, e.state, needAll...)
						call := s.startCall(c, v)
						for k, f := range e.params {
							call.Params.Set(k, f(v[k]))
						}
						if e.skew != 0 {
							call.Time = time.Now().Add(e.skew)
						}
						a := s.send(t, credentials(v), call, e.muts...)
						if e.loose != nil {
							want := *e.loose
							want.Format = c.Format
							t.satisfy(a, want)
							return
						}
						ec, _ := s.spec.Error(e.code)
						want := failure(ec, c.Format)
						if e.code == spec.CodeOK {
							want = success(v[arrange.JobID], c.Format)
						}
						t.conform(a, want, nil)
					})
				}
			})
		}
	})
}

// edgeCells are the run's cells of one format: JSON when it has it (the edges, and the cases of
// what a call does to the world, are about the request; the answer's format is the documented
// cases' business).
func edgeCells(cells []cell) []cell {
	var format protocol.Format
	for _, c := range cells {
		if format == "" || c.Format == protocol.FormatJSON {
			format = c.Format
		}
	}
	var out []cell
	for _, c := range cells {
		if c.Format == format {
			out = append(out, c)
		}
	}
	return out
}

// edge is one edge case.
type edge struct {
	what, desc string
	state      string
	params     map[string]func(string) string // parameter values replaced, from the state's value
	skew       time.Duration
	muts       []explore.Mutation
	code       string               // the documented answer (spec.CodeOK: success), when decided
	loose      *explore.Expectation // else: what any conforming answer has
	rows       []string             // the decision table's rows (explore.Decisions) it follows
}

// caseCode is the report's code: the Code expected, or what the loose expectation allows.
func (e edge) caseCode() string {
	switch {
	case e.loose == nil:
		return e.code
	case e.loose.ClientError:
		return codeAnyClientError
	}
	return codeAnyAnswer
}

// The report's codes of a case that wants no one code: any client error, any well-formed answer.
const (
	codeAnyClientError = "4xx"
	codeAnyAnswer      = "any"
)

// edgeChars are the characters on which RFC 3986, HTML forms and hand-written signers disagree.
var edgeChars = []struct{ name, char string }{
	{"space", " "}, {"star", "*"}, {"tilde", "~"}, {"plus", "+"}, {"slash", "/"}, {"percent", "%"},
	{"equals", "="}, {"ampersand", "&"}, {"nonascii", "转码é"}, {"emoji", "🎬"},
}

// edgeLong is the length of the long values: several KB, under the reference's 64 KiB body limit.
const edgeLong = 8 << 10

// insert puts ch in the middle of v: an identifier nobody has.
func insert(ch string) func(string) string {
	return func(v string) string { return v[:len(v)/2] + ch + v[len(v)/2:] }
}

func edges(sp *spec.Spec) []edge {
	const notFound = specfacts.CodeJobNotFound
	var out []edge
	for _, p := range []string{"JobId", "ClusterId"} {
		for _, ch := range edgeChars {
			out = append(out, edge{
				what:  strings.ToLower(p) + "-" + ch.name,
				desc:  fmt.Sprintf("answers JobNotFound to a %s with %q (a job nobody has), signed as the SDKs sign", p, ch.char),
				state: spec.StateNoSuchJob, params: map[string]func(string) string{p: insert(ch.char)}, code: notFound,
				rows: []string{explore.RowRequiredChars},
			})
		}
	}
	for _, sk := range []struct {
		name string
		d    time.Duration
	}{{"minus14m", -explore.SkewInside}, {"plus14m", explore.SkewInside}, {"minus16m", -explore.SkewOutside}, {"plus16m", explore.SkewOutside}} {
		e := edge{what: "clock-skew-" + sk.name, state: spec.StateNoSuchJob, skew: sk.d}
		if sk.d.Abs() < 15*time.Minute {
			e.code, e.desc = notFound, fmt.Sprintf("accepts a clock %v off (within the 15 minutes): the business answer JobNotFound", sk.d)
			e.rows = []string{explore.RowSkewInside}
		} else {
			e.code, e.desc = specfacts.CodeTimestampExpired, fmt.Sprintf("refuses a clock %v off with InvalidTimeStamp.Expired", sk.d)
			e.rows = []string{explore.RowSkewOutside}
		}
		out = append(out, e)
	}
	region := explore.Regions[0]
	clientError := &explore.Expectation{ClientError: true, Why: "a job nobody has"}
	// 6 KB of non-ASCII text is 18 KB percent-encoded: a call a front proxy may refuse for its size.
	largeClientError := &explore.Expectation{ClientError: true, Large: true, Why: "a job nobody has"}
	anyAnswer := &explore.Expectation{Why: "the sources are silent"}
	value, other := []string{explore.RowRequiredValue}, []string{explore.RowOptionalOther}
	out = append(out,
		edge{what: "regionid", desc: "starts the job all the same when RegionId " + region + " is sent",
			state: spec.StateStoppedJob, params: map[string]func(string) string{"RegionId": func(string) string { return region }}, code: spec.CodeOK,
			rows: []string{explore.RowOptionalRegion}},
		edge{what: "format-default", desc: "answers JSON with its exact Content-Type when Format is left out",
			state: spec.StateNoSuchJob, muts: []explore.Mutation{{Kind: explore.Drop, Param: "Format"}}, code: notFound,
			rows: []string{explore.RowFormatAbsent}},
		edge{what: "jobid-long", desc: fmt.Sprintf("answers a JobId of %d bytes with a well-formed 4xx", edgeLong),
			state: spec.StateNoSuchJob, muts: []explore.Mutation{{Kind: explore.Long, Param: "JobId", N: edgeLong}}, loose: clientError, rows: value},
		edge{what: "clusterid-long", desc: fmt.Sprintf("answers a ClusterId of %d bytes with a well-formed 4xx", edgeLong),
			state: spec.StateNoSuchJob, muts: []explore.Mutation{{Kind: explore.Long, Param: "ClusterId", N: edgeLong}}, loose: clientError, rows: value},
		edge{what: "regionid-long", desc: fmt.Sprintf("answers a RegionId of %d bytes well formed, never with a 5xx", edgeLong),
			state: spec.StateNoSuchJob, muts: []explore.Mutation{{Kind: explore.Long, Param: "RegionId", N: edgeLong}}, loose: anyAnswer, rows: other},
		edge{what: "regionid-nonascii", desc: "answers a non-ASCII RegionId well formed, never with a 5xx",
			state: spec.StateNoSuchJob, params: map[string]func(string) string{"RegionId": func(string) string { return "华东2（上海）" }}, loose: anyAnswer, rows: other},
		edge{what: "jobid-long-nonascii", desc: "answers a JobId of several KB of non-ASCII text with a well-formed 4xx",
			state: spec.StateNoSuchJob, params: map[string]func(string) string{"JobId": func(string) string { return strings.Repeat("转码任务", edgeLong/12) }}, loose: largeClientError,
			rows: []string{explore.RowRequiredValue, explore.RowLargeCall}},
	)
	return out
}

func violations(vs []explore.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

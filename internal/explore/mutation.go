// Package explore generates calls of an RPC operation from its spec: a valid call mutated one way
// or a few (docs/protocol.md#edges-and-exploration), signed correctly after the mutation unless the mutation is the
// signature's. It builds the signed request (Build), says what any conforming answer must be
// (Expect), judges an answer by named properties (Judge), shrinks a failing set of mutations to
// its smallest failing subset (Shrink), and writes the command line that sends a call again,
// signed afresh (Reproduce). It knows the wire (package protocol) and the API's facts (package
// spec); it sends nothing itself.
package explore

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Kind is what a mutation does.
type Kind string

// The mutations. Param names a parameter of the call: an operation parameter (ClusterId, JobId,
// RegionId), a V1 common parameter (Action, Timestamp, ...), or a V3 header (x-acs-date, ...).
const (
	Drop    Kind = "drop"    // drop:P        leave P out
	Empty   Kind = "empty"   // empty:P       send P with no value
	Repeat  Kind = "repeat"  // repeat:P      send P twice, same value
	Long    Kind = "long"    // long:P:N      lengthen P's value to N bytes
	Recase  Kind = "recase"  // recase:P:p    send P's value under the key p (another case)
	Set     Kind = "set"     // set:P=V       send P with the value V (added if absent)
	Unknown Kind = "unknown" // unknown:K=V   add a parameter the API does not have
	Method  Kind = "method"  // method:M      send with the HTTP method M
	Body    Kind = "body"    // body:T        V1 POST: the parameters in a body of type T (see BodyTypes)
	Skew    Kind = "skew"    // skew:D        sign with a clock off by D (Timestamp / x-acs-date)
	Key     Kind = "key"     // key:ID        sign as an AccessKeyId nobody has
	Secret  Kind = "wrong-secret"
)

// Body types of the Body mutation.
const (
	BodyFormCharset = "form-charset" // application/x-www-form-urlencoded; charset=UTF-8 (still a form)
	BodyJSON        = "json"         // the parameters as a JSON object, application/json
	BodyText        = "text"         // the form's bytes, but text/plain
)

// BodyTypes are the body types the Body mutation knows.
var BodyTypes = []string{BodyFormCharset, BodyJSON, BodyText}

// Mutation is one change to a valid call. Its String is its command-line form (sign --mutate).
type Mutation struct {
	Kind  Kind
	Param string        // the parameter concerned (Drop, Empty, Repeat, Long, Recase, Set, Unknown)
	Value string        // Set, Unknown: the value; Recase: the new key; Method: the method; Body: the type; Key: the id
	N     int           // Long: the length in bytes
	Skew  time.Duration // Skew
}

// MaxLong bounds Long's length: under the reference's 64 KiB body limit with the rest of a call.
const MaxLong = 48 << 10

// kind is everything the package knows of one kind of mutation: its command-line form (String,
// ParseMutation), what it does to the call (Build), the rows of the decision table it falls in
// (Expect), and what it excludes in one plan (Generate). A new mutation is an entry of kinds and,
// if --explore is to generate it, a line of menu; a new class of input is also a row of
// decisions.go.
type kind struct {
	Kind Kind
	// arg writes the argument String shows after "kind:"; nil: the kind takes none.
	arg func(m Mutation) string
	// parse reads that argument into m; its error says what is wanted. nil: no argument.
	parse func(m *Mutation, arg string) error
	// sign changes what is signed before the parameters are laid out (the method, the body, the
	// clock, the key, the secret); edit changes the parameters (a V3 call's x-acs-* headers) as
	// laid out. A kind has one of them.
	sign func(d *draft, m Mutation) error
	edit func(list []kv, m Mutation) []kv
	// rows are the rows of the decision table m falls in; nil: a parameter's (paramRows).
	rows func(sp *spec.Spec, base Base, m Mutation) []cite
	// large says m makes a call past SmallCall (a front proxy may refuse it for its size).
	large func(m Mutation) bool
	// excludes are the kinds a plan with m does not also get.
	excludes []Kind
}

// kinds are the mutations, in the order ParseMutation's error lists them.
var kinds = []kind{
	{Kind: Drop, arg: paramArg, parse: paramParse(Drop),
		edit: func(list []kv, m Mutation) []kv {
			return slices.DeleteFunc(slices.Clone(list), func(p kv) bool { return p.k == m.Param })
		}},
	{Kind: Empty, arg: paramArg, parse: paramParse(Empty),
		edit: func(list []kv, m Mutation) []kv { return set(list, m.Param, "") }},
	{Kind: Repeat, arg: paramArg, parse: paramParse(Repeat),
		edit: func(list []kv, m Mutation) []kv {
			v, has := valueOf(list, m.Param)
			if !has {
				return list
			}
			return append(slices.Clone(list), kv{m.Param, v})
		},
		rows: func(_ *spec.Spec, base Base, m Mutation) []cite {
			if base.Signature == protocol.SignatureV3 && v3Header(m.Param) {
				return one(RowRepeatHeader)
			}
			return one(RowRepeatParam)
		}},
	{Kind: Long, arg: func(m Mutation) string { return fmt.Sprintf("%s:%d", m.Param, m.N) },
		parse: func(m *Mutation, arg string) error {
			p, n, ok := strings.Cut(arg, ":")
			v, err := strconv.Atoi(n)
			if !ok || p == "" || err != nil || v < 1 || v > MaxLong {
				return fmt.Errorf("want long:PARAM:N with N from 1 to %d", MaxLong)
			}
			m.Param, m.N = p, v
			return nil
		},
		edit: func(list []kv, m Mutation) []kv {
			v, _ := valueOf(list, m.Param)
			return set(list, m.Param, longValue(v, m.N))
		},
		large: func(m Mutation) bool { return m.N > SmallCall }},
	{Kind: Recase, arg: func(m Mutation) string { return m.Param + ":" + m.Value },
		parse: func(m *Mutation, arg string) error {
			p, q, ok := strings.Cut(arg, ":")
			if !ok || p == "" || q == "" || !strings.EqualFold(p, q) {
				return errors.New("want recase:PARAM:param (the same name in other letter case)")
			}
			m.Param, m.Value = p, q
			return nil
		},
		edit: func(list []kv, m Mutation) []kv {
			if _, has := valueOf(list, m.Param); !has {
				return list
			}
			out := slices.Clone(list)
			for i := range out {
				if out[i].k == m.Param {
					out[i].k = m.Value
				}
			}
			return out
		},
		rows: func(sp *spec.Spec, _ Base, m Mutation) []cite {
			var out []cite
			if m.Value != m.Param && !known(sp, m.Value) {
				out = append(out, cite{row: RowUnknownParam}) // jobid is not JobId: a key the API does not have
			}
			return paramRows(sp, m, out)
		}},
	{Kind: Set, arg: assignArg, parse: assignParse(Set), edit: assign},
	{Kind: Unknown, arg: assignArg, parse: assignParse(Unknown), edit: assign, rows: rowOf(RowUnknownParam)},
	{Kind: Method, arg: valueArg,
		parse: func(m *Mutation, arg string) error {
			if arg == "" || strings.ContainsAny(arg, " \t\r\n") {
				return errors.New("want method:NAME")
			}
			m.Value = strings.ToUpper(arg)
			return nil
		},
		sign: func(d *draft, m Mutation) error { d.method = m.Value; return nil },
		rows: func(_ *spec.Spec, _ Base, m Mutation) []cite {
			if m.Value == http.MethodGet || m.Value == http.MethodPost {
				return one(RowMethodGetPost)
			}
			return one(RowMethodOther)
		},
		excludes: []Kind{Body}},
	{Kind: Body, arg: valueArg,
		parse: func(m *Mutation, arg string) error {
			if !slices.Contains(BodyTypes, arg) {
				return errors.New("want body:" + strings.Join(BodyTypes, "|"))
			}
			m.Value = arg
			return nil
		},
		sign: func(d *draft, m Mutation) error {
			if d.sig != protocol.SignatureV1 || d.method != http.MethodPost {
				return fmt.Errorf("explore: %s applies to V1 POST calls only", m)
			}
			d.body = m.Value
			return nil
		},
		rows: func(_ *spec.Spec, _ Base, m Mutation) []cite {
			if m.Value == BodyFormCharset {
				return one(RowBodyFormCharset)
			}
			return one(RowBodyOther)
		},
		excludes: []Kind{Method}},
	{Kind: Skew,
		arg: func(m Mutation) string {
			d := m.Skew.String()
			if m.Skew >= 0 {
				d = "+" + d
			}
			return d
		},
		parse: func(m *Mutation, arg string) error {
			d, err := time.ParseDuration(strings.TrimPrefix(arg, "+"))
			if err != nil {
				return errors.New("want skew:DURATION, e.g. skew:-16m or skew:+14m")
			}
			m.Skew = d
			return nil
		},
		sign: func(d *draft, m Mutation) error { d.now = d.now.Add(m.Skew); return nil },
		rows: func(_ *spec.Spec, _ Base, m Mutation) []cite {
			switch d := m.Skew.Abs(); {
			case d <= SkewInside:
				return one(RowSkewInside)
			case d >= SkewOutside:
				return one(RowSkewOutside)
			}
			return one(RowSkewMargin)
		}},
	{Kind: Key, arg: valueArg,
		parse: func(m *Mutation, arg string) error {
			if arg == "" {
				return errors.New("want key:ACCESSKEYID")
			}
			m.Value = arg
			return nil
		},
		sign: func(d *draft, m Mutation) error { d.keyID = m.Value; return nil },
		rows: rowOf(RowKeyUnknown)},
	{Kind: Secret,
		sign: func(d *draft, _ Mutation) error { d.secret += "x"; return nil },
		rows: rowOf(RowSecretWrong)},
}

// menu is what the generator draws a mutation from, with weights, for the call it mutates. Its
// order is the order the random stream reads it in: reordering or reweighting it changes every
// seed's calls.
var menu = []struct {
	w    int
	make func(g gen) Mutation
}{
	{12, func(g gen) Mutation { return Mutation{Kind: Drop, Param: g.pick(g.params())} }},
	{8, func(g gen) Mutation { return Mutation{Kind: Empty, Param: g.pick(g.params())} }},
	{6, func(g gen) Mutation { return Mutation{Kind: Repeat, Param: g.pick(specfacts.RequiredParams(g.sp))} }},
	{8, func(g gen) Mutation {
		return Mutation{Kind: Long, Param: g.pick(g.params()), N: 1024 + g.r.IntN(7*1024)}
	}},
	{8, func(g gen) Mutation {
		p := g.pick(g.params())
		return Mutation{Kind: Recase, Param: p, Value: recase(g.r, p)}
	}},
	{10, func(g gen) Mutation { return Mutation{Kind: Unknown, Param: unknownName(g.r), Value: oddValue(g.r)} }},
	// The size of the query or body: an unknown parameter of up to 48 KiB.
	{4, func(g gen) Mutation {
		return Mutation{Kind: Long, Param: unknownName(g.r), N: 1024 + g.r.IntN(MaxLong-1024)}
	}},
	{6, func(g gen) Mutation { return Mutation{Kind: Set, Param: "RegionId", Value: g.pick(Regions)} }},
	{5, func(g gen) Mutation { return g.formatMutation() }},
	{6, func(g gen) Mutation { return g.commonMutation(g.pick(g.common())) }},
	{5, func(g gen) Mutation { return Mutation{Kind: Method, Value: g.pick(otherMethods)} }},
	{5, func(g gen) Mutation { return g.bodyMutation() }},
	{8, func(g gen) Mutation { return Mutation{Kind: Skew, Skew: skew(g.r)} }},
	{3, func(g gen) Mutation {
		return Mutation{Kind: Key, Value: "LTAIedgeconform" + randFrom(g.r, upperAlnum, 9)}
	}},
	{3, func(g gen) Mutation { return Mutation{Kind: Secret} }},
}

// The shapes several kinds share.
var (
	paramArg  = func(m Mutation) string { return m.Param }
	valueArg  = func(m Mutation) string { return m.Value }
	assignArg = func(m Mutation) string { return m.Param + "=" + m.Value }
	assign    = func(list []kv, m Mutation) []kv { return set(list, m.Param, m.Value) }
)

func paramParse(k Kind) func(*Mutation, string) error {
	return func(m *Mutation, arg string) error {
		if arg == "" {
			return errors.New("want " + string(k) + ":PARAM")
		}
		m.Param = arg
		return nil
	}
}

func assignParse(k Kind) func(*Mutation, string) error {
	return func(m *Mutation, arg string) error {
		p, v, ok := strings.Cut(arg, "=")
		if !ok || p == "" {
			return errors.New("want " + string(k) + ":NAME=VALUE")
		}
		m.Param, m.Value = p, v
		return nil
	}
}

// one is the row id, with the parameters a MissingParameter must name.
func one(id string, names ...string) []cite { return []cite{{row: id, names: names}} }

// rowOf is a kind's rows when every mutation of it falls in row id.
func rowOf(id string) func(*spec.Spec, Base, Mutation) []cite {
	return func(*spec.Spec, Base, Mutation) []cite { return one(id) }
}

// Kinds are the mutations' kinds, in the table's order.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, k := range kinds {
		out[i] = k.Kind
	}
	return out
}

// kindOf is k's entry; ok is false for a kind nobody wrote in kinds.
func kindOf(k Kind) (kind, bool) {
	for _, e := range kinds {
		if e.Kind == k {
			return e, true
		}
	}
	return kind{}, false
}

// String is the mutation as ParseMutation reads it back.
func (m Mutation) String() string {
	if k, ok := kindOf(m.Kind); ok && k.arg != nil {
		return string(m.Kind) + ":" + k.arg(m)
	}
	return string(m.Kind)
}

// ParseMutation reads a mutation in the form String writes.
func ParseMutation(s string) (Mutation, error) {
	name, rest, _ := strings.Cut(s, ":")
	bad := func(why string) (Mutation, error) {
		return Mutation{}, fmt.Errorf("mutation %q: %s", truncate(s, 60), why)
	}
	k, ok := kindOf(Kind(name))
	if !ok {
		names := make([]string, len(kinds))
		for i, e := range kinds {
			names[i] = string(e.Kind)
		}
		last := len(names) - 1
		return bad("unknown kind (want " + strings.Join(names[:last], ", ") + " or " + names[last] + ")")
	}
	m := Mutation{Kind: k.Kind}
	if k.parse == nil {
		if rest != "" {
			return bad(name + " takes no argument")
		}
		return m, nil
	}
	if err := k.parse(&m, rest); err != nil {
		return bad(err.Error())
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// longValue is v lengthened to n bytes, deterministically (a reproduce line only says n).
func longValue(v string, n int) string {
	if len(v) >= n {
		return v[:n]
	}
	const fill = "edgeconform-long-value-"
	var b strings.Builder
	b.Grow(n)
	b.WriteString(v)
	for b.Len() < n {
		b.WriteString(fill)
	}
	return b.String()[:n]
}

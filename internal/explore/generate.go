package explore

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Plan is one generated call: a valid call over Cell (one of the run's transports) to the job of
// State, mutated by Mutations.
type Plan struct {
	Seed      uint64
	Index     int
	Cell      protocol.Transport
	State     string
	Mutations []Mutation
}

// ID is the case id, explore/<seed>/<index>.
func (p Plan) ID() string { return fmt.Sprintf("explore/%d/%d", p.Seed, p.Index) }

// MaxMutations bounds the mutations of one plan (and so the shrinker's work: 2^4 subsets).
const MaxMutations = 4

// Generate returns plan i of seed: the same seed and index give the same plan, whatever else was
// generated before (each plan has its own random stream). cells and states are what the plan
// may pick from (the run's transport cells, the provider states it may ask for).
func Generate(sp *spec.Spec, seed uint64, i int, cells []protocol.Transport, states []string) Plan {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	p := Plan{Seed: seed, Index: i, Cell: cells[r.IntN(len(cells))], State: states[r.IntN(len(states))]}
	n := 1 + weighted(r, []int{50, 30, 15, 5})
	g := gen{r: r, sp: sp, cell: p.Cell}
	for tries := 0; len(p.Mutations) < n && tries < 20; tries++ {
		m := g.one()
		if !compatible(p.Mutations, m) {
			continue
		}
		p.Mutations = append(p.Mutations, m)
	}
	return p
}

// weighted picks an index with the given weights.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// compatible: one mutation per parameter, one of each transport kind, none with a kind its kind
// excludes (a body with another method).
func compatible(have []Mutation, m Mutation) bool {
	k, _ := kindOf(m.Kind)
	for _, h := range have {
		switch {
		case m.Param != "" && h.Param == m.Param:
			return false
		case m.Param == "" && h.Kind == m.Kind:
			return false
		case slices.Contains(k.excludes, h.Kind):
			return false
		}
	}
	return true
}

type gen struct {
	r    *rand.Rand
	sp   *spec.Spec
	cell protocol.Transport
}

// common are the parameters of every V1 call, and the headers of every V3 call, that mutations
// may spoil (Format is an operation-like choice and handled apart).
var (
	commonV1 = []string{"Action", "Version", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"}
	commonV3 = []string{"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"}
)

// otherMethods are methods the wire protocol does not serve. HEAD is left out (its answer has no body to judge),
// and OPTIONS (a gateway may answer a CORS preflight with an empty 200).
var otherMethods = []string{http.MethodPut, http.MethodDelete, http.MethodPatch}

// one draws a mutation from the menu (mutation.go).
func (g gen) one() Mutation {
	weights := make([]int, len(menu))
	for i, d := range menu {
		weights[i] = d.w
	}
	return menu[weighted(g.r, weights)].make(g)
}

// params are the operation's parameters, required first.
func (g gen) params() []string {
	return append(specfacts.RequiredParams(g.sp), specfacts.OptionalParams(g.sp)...)
}

// common are the common parameters (V1) or headers (V3) of g's call.
func (g gen) common() []string {
	if g.cell.Signature == protocol.SignatureV3 {
		return commonV3
	}
	return commonV1
}

// pick is one of list, at random.
func (g gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// commonMutation spoils a common parameter (V1) or header (V3): left out, empty, or (V1) re-cased.
func (g gen) commonMutation(name string) Mutation {
	spoils := []Kind{Drop, Empty, Recase, Repeat}
	if g.cell.Signature == protocol.SignatureV3 {
		spoils = []Kind{Drop, Empty, Repeat} // header names are case-insensitive: re-casing changes nothing
	}
	m := Mutation{Kind: spoils[g.r.IntN(len(spoils))], Param: name}
	if m.Kind == Recase {
		m.Value = recase(g.r, name)
	}
	return m
}

// formatMutation leaves Format out (JSON by default) or sets it: to one of the API's formats
// (specfacts.Formats), or to the last of them in lower case, which is none of them.
func (g gen) formatMutation() Mutation {
	formats := specfacts.Formats(g.sp)
	switch i := g.r.IntN(2 + len(formats)); i {
	case 0:
		return Mutation{Kind: Drop, Param: "Format"}
	case 1:
		return Mutation{Kind: Set, Param: "Format", Value: strings.ToLower(formats[len(formats)-1])}
	default:
		return Mutation{Kind: Set, Param: "Format", Value: formats[i-2]}
	}
}

// bodyMutation changes the body of a V1 POST; other cells get another method instead.
func (g gen) bodyMutation() Mutation {
	if g.cell.Method != http.MethodPost || g.cell.Signature != protocol.SignatureV1 {
		return Mutation{Kind: Method, Value: otherMethods[g.r.IntN(len(otherMethods))]}
	}
	return Mutation{Kind: Body, Value: BodyTypes[g.r.IntN(len(BodyTypes))]}
}

// recase returns name in other letter case: all lower, all upper, or the first letter flipped.
func recase(r *rand.Rand, name string) string {
	for range 3 {
		var v string
		switch r.IntN(3) {
		case 0:
			v = strings.ToLower(name)
		case 1:
			v = strings.ToUpper(name)
		default:
			first := name[:1]
			if strings.ToUpper(first) == first {
				first = strings.ToLower(first)
			} else {
				first = strings.ToUpper(first)
			}
			v = first + name[1:]
		}
		if v != name {
			return v
		}
	}
	return strings.ToLower(name) + "_"
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	letters    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// unknownName is a parameter name the API does not have.
func unknownName(r *rand.Rand) string { return "Edgeconform" + randFrom(r, letters, 6) }

// oddValues hold the characters encodings disagree on.
var oddValues = []string{"a b", "a*b", "a~b", "a+b", "a/b", "100%", "a=b", "a&b", "中文", "🎬", "", "x"}

func oddValue(r *rand.Rand) string {
	return oddValues[r.IntN(len(oddValues))] + randFrom(r, letters, 3)
}

// skew is a clock offset clearly inside or clearly outside the 15 minutes, either way.
func skew(r *rand.Rand) time.Duration {
	var d time.Duration
	if r.IntN(2) == 0 {
		d = time.Duration(r.Int64N(int64(SkewInside/time.Second))) * time.Second
	} else {
		d = SkewOutside + time.Duration(r.Int64N(int64(2*time.Hour/time.Second)))*time.Second
	}
	if r.IntN(2) == 0 {
		d = -d
	}
	return d
}

// States says which provider states a plan may ask for: those whose answer the page documents
// and that leave the caller able to call (reusable ones only when oneShotOK is false: a fixture
// profile hands a stopped job out once).
func States(sp *spec.Spec, oneShotOK bool) []string {
	var out []string
	for _, st := range []string{spec.StateStoppedJob, spec.StateRunningJob, spec.StateNoSuchJob} {
		if st == spec.StateStoppedJob && !oneShotOK {
			continue
		}
		if slices.ContainsFunc(sp.States(), func(s spec.State) bool { return s.Name == st }) {
			out = append(out, st)
		}
	}
	return out
}

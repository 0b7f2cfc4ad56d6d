// Package explore generates calls of an RPC operation from its spec: a valid call mutated one way
// or a few (docs/protocol.md#edges-and-exploration), signed correctly after the mutation unless the mutation is the
// signature's. It builds the signed request (Build), says what any conforming answer must be
// (Expect), judges an answer by named properties (Judge), shrinks a failing set of mutations to
// its smallest failing subset (Shrink), and writes the command line that sends a call again,
// signed afresh (Reproduce). It knows the wire (package protocol) and the API's facts (package
// spec); it sends nothing itself.
package explore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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

// String is the mutation as ParseMutation reads it back.
func (m Mutation) String() string {
	switch m.Kind {
	case Drop, Empty, Repeat:
		return string(m.Kind) + ":" + m.Param
	case Long:
		return fmt.Sprintf("long:%s:%d", m.Param, m.N)
	case Recase:
		return "recase:" + m.Param + ":" + m.Value
	case Set, Unknown:
		return string(m.Kind) + ":" + m.Param + "=" + m.Value
	case Method, Body, Key:
		return string(m.Kind) + ":" + m.Value
	case Skew:
		d := m.Skew.String()
		if m.Skew >= 0 {
			d = "+" + d
		}
		return "skew:" + d
	case Secret:
		return string(Secret)
	}
	return string(m.Kind)
}

// MaxLong bounds Long's length: under the reference's 64 KiB body limit with the rest of a call.
const MaxLong = 48 << 10

// ParseMutation reads a mutation in the form String writes.
func ParseMutation(s string) (Mutation, error) {
	kind, rest, _ := strings.Cut(s, ":")
	m := Mutation{Kind: Kind(kind)}
	bad := func(why string) (Mutation, error) {
		return Mutation{}, fmt.Errorf("mutation %q: %s", truncate(s, 60), why)
	}
	switch m.Kind {
	case Drop, Empty, Repeat:
		if rest == "" {
			return bad("want " + kind + ":PARAM")
		}
		m.Param = rest
	case Long:
		p, n, ok := strings.Cut(rest, ":")
		v, err := strconv.Atoi(n)
		if !ok || p == "" || err != nil || v < 1 || v > MaxLong {
			return bad(fmt.Sprintf("want long:PARAM:N with N from 1 to %d", MaxLong))
		}
		m.Param, m.N = p, v
	case Recase:
		p, q, ok := strings.Cut(rest, ":")
		if !ok || p == "" || q == "" || !strings.EqualFold(p, q) {
			return bad("want recase:PARAM:param (the same name in other letter case)")
		}
		m.Param, m.Value = p, q
	case Set, Unknown:
		p, v, ok := strings.Cut(rest, "=")
		if !ok || p == "" {
			return bad("want " + kind + ":NAME=VALUE")
		}
		m.Param, m.Value = p, v
	case Method:
		if rest == "" || strings.ContainsAny(rest, " \t\r\n") {
			return bad("want method:NAME")
		}
		m.Value = strings.ToUpper(rest)
	case Body:
		if !slices.Contains(BodyTypes, rest) {
			return bad("want body:" + strings.Join(BodyTypes, "|"))
		}
		m.Value = rest
	case Key:
		if rest == "" {
			return bad("want key:ACCESSKEYID")
		}
		m.Value = rest
	case Skew:
		d, err := time.ParseDuration(strings.TrimPrefix(rest, "+"))
		if err != nil {
			return bad("want skew:DURATION, e.g. skew:-16m or skew:+14m")
		}
		m.Skew = d
	case Secret:
		if rest != "" {
			return bad("wrong-secret takes no argument")
		}
	default:
		return bad("unknown kind (want drop, empty, repeat, long, recase, set, unknown, method, body, skew, key or wrong-secret)")
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

package wire

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Every call's query is parsed, so the common case has a fast path: one pass over the query that
// takes only what url.ParseQuery would take the same way — no repeated name, no bad escape, no
// semicolon — and leaves anything else to url.ParseQuery, whose errors then say what is wrong.
// The parameters are kept as a list sorted by name: the V1 signature encodes it as it is, a
// look-up is a binary search, and the url.Values of Incoming.Params is made only when asked for.

// param is one parameter: a name and its value.
type param struct{ k, v string }

// maxSimpleParams bounds the parameters the fast path takes: more is no call of this API, and
// url.ParseQuery has its own limits to apply.
const maxSimpleParams = 64

// paramSet is a call's parameters, each name once. Sets are pooled (Incoming.Release gives them
// back) with their slices and map, so that a call allocates only the text of its escaped values.
type paramSet struct {
	pairs []param    // sorted by name
	m     url.Values // pairs as a map, once values made it
	vals  []string   // the map's values point into this

	// While parsing: the escaped parameters, decoded into text, which becomes one string for
	// all of them at the end (a call's Timestamp and Signature are escaped).
	text    []byte
	escaped []escapedParam
}

// escapedParam says where the decoded name and value of pairs[pair] are in paramSet.text:
// text[k:v] and text[v:end].
type escapedParam struct{ pair, k, v, end int }

var paramSetPool = sync.Pool{New: func() any { return &paramSet{pairs: make([]param, 0, 16)} }}

func getParamSet() *paramSet { return paramSetPool.Get().(*paramSet) }

// put gives s back; nothing read from it may be used afterwards but its strings.
func (s *paramSet) put() {
	clear(s.pairs[:cap(s.pairs)]) // no string kept alive by the pool (a failed parse left some past len)
	clear(s.vals)
	clear(s.m)
	s.pairs, s.vals, s.text, s.escaped = s.pairs[:0], s.vals[:0], s.text[:0], s.escaped[:0]
	paramSetPool.Put(s)
}

// lookup finds name by binary search.
func (s *paramSet) lookup(name string) (string, bool) {
	lo, hi := 0, len(s.pairs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.pairs[m].k < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.pairs) && s.pairs[lo].k == name {
		return s.pairs[lo].v, true
	}
	return "", false
}

// values returns the parameters as a map, made on the first call.
func (s *paramSet) values() url.Values {
	if len(s.m) == len(s.pairs) && s.m != nil {
		return s.m
	}
	if s.m == nil {
		s.m = make(url.Values, len(s.pairs))
	}
	vals := s.vals[:0]
	for _, p := range s.pairs {
		vals = append(vals, p.v)
	}
	s.vals = vals
	for i, p := range s.pairs {
		s.m[p.k] = vals[i : i+1 : i+1] // full: an append elsewhere copies
	}
	return s.m
}

// merge adds the parameters of form (a body) to s and gives form back; a name in both is an
// error.
func (s *paramSet) merge(form *paramSet) error {
	defer form.put()
	for _, p := range form.pairs {
		if _, dup := s.lookup(p.k); dup {
			return fmt.Errorf("protocol: %w: parameter %q in both the query and the form body", ErrMalformed, truncate(p.k, 40))
		}
	}
	s.pairs = append(s.pairs, form.pairs...)
	sortParams(s.pairs)
	return nil
}

// parseSimple fills s (empty, from the pool) from raw, the way url.ParseQuery would, and says
// whether it could: false for a repeated name, a bad escape, a semicolon or too many parameters.
// It looks for bytes with strings.IndexByte, whose vector loops beat a loop over every byte:
// each '&' and '=' once per parameter, each '%' and '+' once in all.
func parseSimple(raw string, s *paramSet) bool {
	if strings.IndexByte(raw, ';') >= 0 {
		return false // url.ParseQuery refuses it: its slow path says so
	}
	pct, plus := -1, -1 // the next '%' and '+' at or after start (len(raw) for none)
	pairs := s.pairs[:0]
	s.text, s.escaped = s.text[:0], s.escaped[:0]
	for start := 0; start < len(raw); {
		end := strings.IndexByte(raw[start:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		if end == start { // an empty part (a=1&&b=2) is skipped, as url.ParseQuery does
			start++
			continue
		}
		if len(pairs) == maxSimpleParams {
			return false
		}
		part := raw[start:end]
		p := param{k: part}
		if eq := strings.IndexByte(part, '='); eq >= 0 {
			p.k, p.v = part[:eq], part[eq+1:]
		}
		pct, plus = nextByte(raw, '%', pct, start), nextByte(raw, '+', plus, start)
		if pct < end || plus < end {
			e := escapedParam{pair: len(pairs), k: len(s.text)}
			var ok bool
			if s.text, ok = appendUnescaped(s.text, p.k); !ok {
				return false
			}
			e.v = len(s.text)
			if s.text, ok = appendUnescaped(s.text, p.v); !ok {
				return false
			}
			e.end = len(s.text)
			s.escaped = append(s.escaped, e)
		}
		pairs = append(pairs, p)
		start = end + 1
	}
	if len(s.escaped) > 0 {
		text := string(s.text) // the one allocation of the parse
		for _, e := range s.escaped {
			pairs[e.pair] = param{text[e.k:e.v], text[e.v:e.end]}
		}
	}
	sortParams(pairs)
	s.pairs = pairs
	for i := 1; i < len(pairs); i++ {
		if pairs[i].k == pairs[i-1].k {
			return false // repeated: url.ParseQuery keeps both, and parseUnique refuses it
		}
	}
	return true
}

// nextByte returns the first c in s at or after from, given at, the last answer (-1 at first):
// len(s) for none.
func nextByte(s string, c byte, at, from int) int {
	if at >= from {
		return at
	}
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return len(s)
}

// sortParams sorts by name, then value: an insertion sort for a call's dozen parameters (a
// generic sort with a comparison function costs more than the signature's hashing), a generic
// one past insertionSortMax (a hostile call with thousands would make insertion quadratic).
func sortParams(ps []param) {
	if len(ps) > insertionSortMax {
		slices.SortFunc(ps, func(a, b param) int {
			if c := strings.Compare(a.k, b.k); c != 0 {
				return c
			}
			return strings.Compare(a.v, b.v)
		})
		return
	}
	for i := 1; i < len(ps); i++ {
		p := ps[i]
		j := i
		for ; j > 0 && (p.k < ps[j-1].k || p.k == ps[j-1].k && p.v < ps[j-1].v); j-- {
			ps[j] = ps[j-1]
		}
		ps[j] = p
	}
}

const insertionSortMax = 48

// appendUnescaped appends s decoded as url.QueryUnescape decodes it ('+' is a space, %XX a
// byte); ok is false for a '%' without two hex digits.
func appendUnescaped(b []byte, s string) ([]byte, bool) {
	run := 0 // start of the plain bytes not appended yet
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return b, false
			}
			b = append(b, s[run:i]...)
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			run = i + 1
		case '+':
			b = append(b, s[run:i]...)
			b = append(b, ' ')
			run = i + 1
		}
	}
	return append(b, s[run:]...), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

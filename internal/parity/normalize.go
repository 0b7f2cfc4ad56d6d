package parity

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/spec/protocol"
)

// DefaultVolatile are the fields whose values differ on every answer: their values become
// placeholders wherever they occur (a RequestId inside Recommend too).
var DefaultVolatile = []string{"RequestId"}

// MinValueLen is the shortest sent identifier replaced by a placeholder: a shorter one would
// replace parts of unrelated words.
const MinValueLen = 4

// SecretPlaceholder replaces a secret or a signature that an answer echoed: a recording never
// holds one.
const SecretPlaceholder = "{{secret}}"

// Sent is what a call carried that may come back in its answer.
type Sent struct {
	// Identifiers by name: AccessKeyId, ClusterId, JobId, SignatureNonce. Each value becomes the
	// placeholder {{<name>}} wherever it occurs.
	Identifiers map[string]string
	// Secrets (the AccessKeySecret, the signature) become SecretPlaceholder.
	Secrets []string
}

// identifierParams are the parameters of a call whose values a provider state hands out, or that
// differ on every call.
var identifierParams = []string{"ClusterId", "JobId"}

// SentOf collects what a call carried: the AccessKeyId and the identifiers of its parameters, its
// nonce, and as secrets the AccessKeySecret and the signature of req (the signed request), from its
// query, its Authorization header or its form body.
func SentOf(creds protocol.Credentials, call protocol.Call, req *http.Request) Sent {
	s := Sent{Identifiers: map[string]string{}}
	set := func(k, v string) {
		if v != "" {
			s.Identifiers[k] = v
		}
	}
	set("AccessKeyId", creds.AccessKeyID)
	for _, p := range identifierParams {
		set(p, call.Params.Get(p))
	}
	set("SignatureNonce", call.Nonce)
	if creds.AccessKeySecret != "" {
		s.Secrets = append(s.Secrets, creds.AccessKeySecret)
	}
	if creds.SecurityToken != "" {
		s.Secrets = append(s.Secrets, creds.SecurityToken)
	}
	if req == nil {
		return s
	}
	q := req.URL.Query()
	set("SignatureNonce", q.Get("SignatureNonce"))
	set("Timestamp", q.Get("Timestamp")) // differs on every call; an answer may quote it (a string to sign)
	set("SignatureNonce", req.Header.Get("x-acs-signature-nonce"))
	if sig := q.Get("Signature"); sig != "" {
		s.Secrets = append(s.Secrets, sig)
	}
	if auth := req.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Signature="); i >= 0 {
			s.Secrets = append(s.Secrets, strings.TrimSpace(auth[i+len("Signature="):]))
		}
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(body, 1<<20))
			body.Close()
			if form, err := url.ParseQuery(string(b)); err == nil {
				set("SignatureNonce", form.Get("SignatureNonce"))
				set("Timestamp", form.Get("Timestamp"))
				if sig := form.Get("Signature"); sig != "" {
					s.Secrets = append(s.Secrets, sig)
				}
			}
		}
	}
	return s
}

// Patterns of values that differ on every call wherever they occur: UUIDs (RequestIds, nonces)
// and dates, each numbered by first appearance ({{uuid.1}}, {{date.1}}).
var generic = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"uuid", regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)},
	{"date", regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)},
}

// placeholders assigns one placeholder per value, numbered per kind.
type placeholders struct {
	byValue map[string]string
	perKind map[string]int
}

func (p *placeholders) assign(kind, value string) {
	if value == "" || p.byValue[value] != "" {
		return
	}
	p.perKind[kind]++
	name := kind
	if n := p.perKind[kind]; n > 1 {
		name += "." + strconv.Itoa(n)
	}
	p.byValue[value] = "{{" + name + "}}"
}

// Normalize returns tree with every volatile value replaced by its placeholder, in place of the
// whole string or inside it: the values of the fields named volatile, the identifiers and secrets
// sent, then UUIDs and dates. One value keeps one placeholder across the tree; placeholders are
// assigned in the order of a walk over sorted keys, so the same answer normalizes the same way.
func Normalize(tree any, volatile []string, sent Sent) any {
	p := &placeholders{byValue: map[string]string{}, perKind: map[string]int{}}
	for _, s := range sent.Secrets {
		if len(s) >= MinValueLen {
			for _, form := range forms(s) {
				p.byValue[form] = SecretPlaceholder
			}
		}
	}
	vol := map[string]bool{}
	for _, v := range volatile {
		vol[v] = true
	}
	walk(tree, func(key string, v any) {
		if s, ok := v.(string); ok && vol[key] {
			p.assign(key, s)
		}
	})
	names := make([]string, 0, len(sent.Identifiers))
	for k := range sent.Identifiers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if v := sent.Identifiers[k]; len(v) >= MinValueLen {
			p.assign(k, v)
			for _, form := range forms(v) {
				if p.byValue[form] == "" {
					p.byValue[form] = p.byValue[v]
				}
			}
		}
	}
	return rewrite(tree, p)
}

// rewrite replaces the known values (longest first), then the generic patterns, in every string
// and map key of tree.
func rewrite(tree any, p *placeholders) any {
	known := func() []string {
		vs := make([]string, 0, len(p.byValue))
		for v := range p.byValue {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool {
			if len(vs[i]) != len(vs[j]) {
				return len(vs[i]) > len(vs[j])
			}
			return vs[i] < vs[j]
		})
		return vs
	}()
	str := func(s string) string {
		for _, v := range known {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, p.byValue[v])
			}
		}
		for _, g := range generic {
			s = g.re.ReplaceAllStringFunc(s, func(m string) string {
				p.assign(g.kind, m)
				return p.byValue[m]
			})
		}
		return s
	}
	var rec func(v any) any
	rec = func(v any) any {
		switch t := v.(type) {
		case string:
			return str(t)
		case map[string]any:
			out := make(map[string]any, len(t))
			for _, k := range sortedKeys(t) {
				out[str(k)] = rec(t[k])
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				out[i] = rec(e)
			}
			return out
		}
		return v
	}
	return rec(tree)
}

// walk calls fn for each member of each map of tree, in sorted key order, depth first.
func walk(tree any, fn func(key string, v any)) {
	switch t := tree.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			fn(k, t[k])
			walk(t[k], fn)
		}
	case []any:
		for _, e := range t {
			walk(e, fn)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// RateLimitShape is the shape of the rate-limit headers: for each header present, the keys of its
// Key:Value pairs in order (a part without a colon as "?"), never the values.
func RateLimitShape(h http.Header, names []string) map[string][]string {
	var out map[string][]string
	for _, name := range names {
		for _, v := range h.Values(name) {
			if out == nil {
				out = map[string][]string{}
			}
			key := strings.ToLower(name)
			for _, part := range strings.Split(v, ",") {
				k, _, ok := strings.Cut(part, ":")
				if !ok {
					k = "?"
				}
				out[key] = append(out[key], k)
			}
		}
	}
	return out
}

// forms are the ways v may appear inside other strings: as it is, percent-encoded in a URL or a
// form, quoted.
func forms(v string) []string {
	// alibabaEscape twice: a value inside a version 1 string to sign (a SignatureDoesNotMatch
	// message may hand the server's, as the older SDK reads it).
	return []string{v, url.QueryEscape(v), url.PathEscape(v), alibabaEscape(v), alibabaEscape(alibabaEscape(v)), strings.Trim(strconv.Quote(v), `"`)}
}

// alibabaEscape is RFC 3986 percent-encoding as Alibaba Cloud's signatures write values.
func alibabaEscape(v string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(v))
}

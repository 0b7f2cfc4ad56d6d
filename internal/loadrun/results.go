package loadrun

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// Class is what a result means for a load run.
type Class uint8

const (
	// ClassOK: a 2xx answer that names a JobId.
	ClassOK Class = iota
	// ClassThrottled: an answer whose Code is one of the spec's throttling codes.
	ClassThrottled
	// ClassRefused: a documented business answer of the page (OperationDenied on a job already
	// started, say; a code some provider state expects) with a status below 500: the service
	// handled the call as specified.
	ClassRefused
	// ClassFailed: no answer (transport error, timeout), a 5xx, a gateway rejection (bad
	// signature, reused nonce, unknown key ...), an answer without a readable Code, or a 2xx
	// without a JobId (an HTML page, a body cut short: no job was started). These are
	// the "errors" of a load run's thresholds.
	ClassFailed
	// ClassDry: a call of a mixed run that was not sent because its path's pool had no
	// identifier ready. Not a request: counted apart, per path, and a failed threshold.
	ClassDry
)

var classNames = [...]string{"ok", "throttled", "refused", "failed", "dry"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Labels of the breakdown by Code for answers that carry none.
const (
	CodeNone      = "(no code)"         // an HTTP error answer whose body has no readable Code
	CodeTransport = "(transport error)" // no HTTP answer at all
	CodeDry       = "(pool dry)"        // not sent: the path's pool was empty
)

// Outcome is a classified result.
type Outcome struct {
	Class   Class
	Status  uint16
	Code    string // the answer's Code; spec.CodeOK for a 2xx naming a JobId without a Code; CodeNone, CodeTransport
	Account string // the account's name, from the target's URL fragment
	Path    string // the mixed run's path, from the fragment ("" outside a mix)
	// Expected: a path's call got the Code the path expects (always false outside a mix).
	Expected bool
}

// Classifier classifies vegeta results cheaply: it finds the Code in a JSON or XML body without
// decoding the whole document. It is read-only after construction and safe for concurrent use.
type Classifier struct {
	throttling map[string]bool
	page       map[string]bool   // page codes, the documented business answers
	known      map[string]string // interned codes: looking a []byte up here does not allocate
	expect     map[string]string // path → the Code it expects
}

// NewClassifier returns a classifier for the codes of s (spec.Default() when nil).
func NewClassifier(s *spec.Spec) *Classifier {
	if s == nil {
		s = spec.Default()
	}
	c := &Classifier{throttling: map[string]bool{}, page: map[string]bool{}, known: map[string]string{}, expect: map[string]string{}}
	for _, p := range Paths() {
		c.expect[string(p)] = p.Expect(s)
	}
	for _, code := range specfacts.ThrottlingCodes(s) {
		c.throttling[code] = true
		c.known[code] = code
	}
	for _, e := range s.Errors() {
		c.known[e.Code] = e.Code
		// Business answers are the page's codes that a provider state expects; MissingParameter
		// (no state) means the harness sent a bad call.
		if e.Source == specfacts.SourcePage && e.State != "" && e.Status < 500 {
			c.page[e.Code] = true
		}
	}
	return c
}

// Classify returns the outcome of r. Within a mix, the answer a path expects is never a failure
// (MissingParameter is the missing-param path's success) and Expected says whether it came.
func (c *Classifier) Classify(r *vegeta.Result) Outcome {
	path, account := attack.SplitTag(r.URL)
	if path == "" {
		return c.classify(r, account)
	}
	if account == dryAccount && r.Code == 0 {
		return Outcome{Class: ClassDry, Code: CodeDry, Account: account, Path: path}
	}
	o := c.classify(r, account)
	o.Path = path
	if want, ok := c.expect[path]; ok && o.Code == want {
		o.Expected = true
		if o.Class == ClassFailed && r.Code < 500 {
			o.Class = ClassRefused
		}
	}
	return o
}

func (c *Classifier) classify(r *vegeta.Result, account string) Outcome {
	o := Outcome{Status: r.Code, Account: account}
	switch {
	case r.Code == 0:
		o.Class, o.Code = ClassFailed, CodeTransport
		return o
	case r.Code >= 200 && r.Code < 300 && !bytes.Contains(r.Body, jobIDKey):
		// A 2xx that names no job started none: a proxy's page, a body cut short.
		o.Class, o.Code = ClassFailed, CodeNone
		if code := c.code(r.Body); code != "" {
			o.Code = code
		}
		return o
	case r.Code >= 200 && r.Code < 300:
		o.Class, o.Code = ClassOK, spec.CodeOK
		if code := c.code(r.Body); code != "" {
			o.Code = code // a 2xx that names a Code is odd, but show it
		}
		return o
	}
	code := c.code(r.Body)
	switch {
	case code == "":
		o.Class, o.Code = ClassFailed, CodeNone
	case c.throttling[code]:
		o.Class, o.Code = ClassThrottled, code
	case c.page[code] && r.Code < 500:
		o.Class, o.Code = ClassRefused, code
	default:
		o.Class, o.Code = ClassFailed, code
	}
	return o
}

// IsThrottled reports whether r is a throttled answer.
func (c *Classifier) IsThrottled(r *vegeta.Result) bool {
	return r.Code != 0 && c.throttling[c.code(r.Body)]
}

// code returns the Code of a JSON or XML answer body, or "".
func (c *Classifier) code(body []byte) string {
	raw, ok := findCode(body)
	if !ok {
		return ""
	}
	if s, ok := c.known[string(raw)]; ok {
		return s
	}
	return string(raw)
}

var (
	jobIDKey    = []byte("JobId") // in `"JobId":` and `<JobId>` alike
	jsonCodeKey = []byte(`"Code"`)
	xmlCodeOpen = []byte("<Code>")
	xmlCodeEnd  = []byte("</Code>")
)

// findCode locates the value of the top-level-looking "Code" member (JSON) or <Code> element
// (XML). It scans instead of decoding: the answers are small and flat, and this runs once per
// request of a load run. Escaped JSON strings fall back to encoding/json.
func findCode(body []byte) ([]byte, bool) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 {
		return nil, false
	}
	if b[0] == '<' {
		i := bytes.Index(b, xmlCodeOpen)
		if i < 0 {
			return nil, false
		}
		rest := b[i+len(xmlCodeOpen):]
		j := bytes.Index(rest, xmlCodeEnd)
		if j < 0 {
			return nil, false
		}
		v := bytes.TrimSpace(rest[:j])
		if bytes.IndexByte(v, '&') >= 0 || bytes.IndexByte(v, '<') >= 0 {
			return xmlCode(body)
		}
		return v, len(v) > 0
	}
	if b[0] != '{' {
		return nil, false
	}
	for off := 0; ; {
		i := bytes.Index(b[off:], jsonCodeKey)
		if i < 0 {
			return nil, false
		}
		rest := skipSpace(b[off+i+len(jsonCodeKey):])
		off += i + len(jsonCodeKey)
		if len(rest) == 0 || rest[0] != ':' {
			continue // "Code" inside a value, not a key
		}
		rest = skipSpace(rest[1:])
		if len(rest) == 0 || rest[0] != '"' {
			return nil, false
		}
		rest = rest[1:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return nil, false
		}
		v := rest[:j]
		if bytes.IndexByte(v, '\\') >= 0 {
			return jsonCode(body)
		}
		return v, len(v) > 0
	}
}

func skipSpace(b []byte) []byte { return bytes.TrimLeft(b, " \t\r\n") }

func jsonCode(body []byte) ([]byte, bool) {
	var v struct{ Code string }
	if json.Unmarshal(body, &v) != nil || v.Code == "" {
		return nil, false
	}
	return []byte(v.Code), true
}

func xmlCode(body []byte) ([]byte, bool) {
	var v struct{ Code string }
	if xml.Unmarshal(body, &v) != nil || v.Code == "" {
		return nil, false
	}
	return []byte(strings.TrimSpace(v.Code)), true
}

// Redact drops the query string from r.URL, keeping the fragment that tags the account, and
// from any URL quoted in r.Error (Go's client errors quote the request URL): a V1 GET carries
// its Signature there, and saved results and reports must not.
func Redact(r *vegeta.Result) {
	r.URL = redactURL(r.URL)
	r.Error = RedactError(r.Error)
}

func redactURL(u string) string {
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return u
	}
	frag := ""
	if h := strings.LastIndexByte(u, '#'); h > q {
		frag = u[h:]
	}
	return u[:q] + frag
}

// RedactError drops every query string from msg: from a '?' to the next quote or blank.
func RedactError(msg string) string {
	if strings.IndexByte(msg, '?') < 0 {
		return msg
	}
	var b strings.Builder
	for {
		q := strings.IndexByte(msg, '?')
		if q < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:q])
		end := strings.IndexAny(msg[q:], "\" \t\n")
		if end < 0 {
			return b.String()
		}
		msg = msg[q+end:]
	}
}

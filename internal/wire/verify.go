package wire

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Incoming is a call as a server received it, parsed but not yet judged. Missing values are
// empty: the server decides in which order it rejects them.
type Incoming struct {
	SignatureVersion SignatureVersion // V3 when Authorization starts with ACS3-, else V1
	AccessKeyID      string
	Action           string    // V1: the Action parameter; V3: x-acs-action
	Version          string    // V1: the Version parameter; V3: x-acs-version
	Nonce            string    // SignatureNonce or x-acs-signature-nonce
	Timestamp        time.Time // zero when TimestampErr is set
	TimestampErr     error     // the Timestamp / x-acs-date is missing or unreadable
	Format           Format    // upper-cased Format parameter, FormatJSON when absent
	SecurityToken    string    // SecurityToken or x-acs-security-token

	method        string
	path          string
	host          string
	header        http.Header
	signature     string
	signedHeaders []string // V3, lower-case, as listed in Authorization
	algorithm     string   // V3
	bodyHash      string   // V3: hex SHA-256 of the body received
	rawQuery      string   // V3 with a form body: the query string alone is the canonical query
	formBody      bool     // the parameters include a form body's
	// The parameters of the query string and of a form body, merged (Params, Get, Has). For V1
	// they hold the common parameters too (Signature included); for V3 only what the query
	// carries.
	params *paramSet
}

// ParseRequest reads r (its body bounded by maxBody bytes; r.Body is replaced by a copy so that
// it can be read again) and returns the call it carries. Errors wrap ErrBodyTooLarge or
// ErrMalformed; a parameter given twice (twice in the query, twice in the form, or in both) is
// malformed.
func ParseRequest(r *http.Request, maxBody int64) (*Incoming, error) {
	body, err := readBody(r, maxBody)
	if err != nil {
		return nil, err
	}
	set, err := parseUnique(r.URL.RawQuery, "query")
	if err != nil {
		return nil, err
	}
	formBody := len(body) > 0 && isForm(r.Header.Get("Content-Type"))
	if formBody {
		form, err := parseUnique(string(body), "form body")
		if err == nil {
			err = set.merge(form)
		}
		if err != nil {
			set.put()
			return nil, err
		}
	}
	in := incomingPool.Get().(*Incoming)
	*in = Incoming{
		params: set,
		method: r.Method,
		path:   r.URL.EscapedPath(),
		host:   r.Host,
		header: r.Header,
	}
	if formBody {
		in.formBody, in.rawQuery = true, r.URL.RawQuery
	}
	in.Format = Format(strings.ToUpper(in.Get("Format")))
	if in.Format == "" {
		in.Format = FormatJSON
	}
	var ts string
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "ACS3-") {
		if err := in.parseAuthorization(auth); err != nil {
			in.Release()
			return nil, err
		}
		in.SignatureVersion = SignatureV3
		// The values as signed: the canonical request trims each (Unicode spaces too) and joins
		// repeats, so an untrimmed or repeated value would verify yet mean another call (a nonce
		// with a trailing U+0085 is a replay the nonce check misses).
		v3 := make(map[string]string, 5)
		for _, name := range []string{"x-acs-action", "x-acs-version", "x-acs-signature-nonce", "x-acs-security-token", "x-acs-date"} {
			vs := r.Header.Values(name)
			if len(vs) > 1 {
				in.Release()
				return nil, fmt.Errorf("protocol: %w: header %s given %d times", ErrMalformed, name, len(vs))
			}
			if len(vs) == 1 {
				v3[name] = strings.TrimSpace(vs[0])
			}
		}
		in.Action = v3["x-acs-action"]
		in.Version = v3["x-acs-version"]
		in.Nonce = v3["x-acs-signature-nonce"]
		in.SecurityToken = v3["x-acs-security-token"]
		in.bodyHash = HashHex(body)
		ts = v3["x-acs-date"]
	} else {
		in.SignatureVersion = SignatureV1
		ts = in.readV1Fields()
	}
	if in.Timestamp, err = ParseTime(ts); err != nil {
		in.TimestampErr = fmt.Errorf("timestamp: %w", err)
	}
	return in, nil
}

// readV1Fields sets the fields a V1 call carries as parameters, in one pass over them, and
// returns its Timestamp.
func (in *Incoming) readV1Fields() (timestamp string) {
	for _, p := range in.params.pairs {
		switch p.k {
		case "AccessKeyId":
			in.AccessKeyID = p.v
		case "Action":
			in.Action = p.v
		case "Version":
			in.Version = p.v
		case "SignatureNonce":
			in.Nonce = p.v
		case "SecurityToken":
			in.SecurityToken = p.v
		case "Signature":
			in.signature = p.v
		case "Timestamp":
			timestamp = p.v
		}
	}
	return timestamp
}

func readBody(r *http.Request, maxBody int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if maxBody < 0 {
		maxBody = 0
	}
	if r.ContentLength > maxBody {
		return nil, fmt.Errorf("protocol: %w", &BodyTooLargeError{Limit: maxBody})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("protocol: reading body: %w", err)
	}
	if int64(len(body)) > maxBody {
		return nil, fmt.Errorf("protocol: %w", &BodyTooLargeError{Limit: maxBody})
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// parseUnique parses a query or form, refusing bad escapes and repeated keys: the fast path of
// params.go, or url.ParseQuery for what it does not take (and its errors).
func parseUnique(raw, where string) (*paramSet, error) {
	set := getParamSet()
	if parseSimple(raw, set) {
		return set, nil
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		set.put()
		return nil, fmt.Errorf("protocol: %w: %s: %w", ErrMalformed, where, err)
	}
	for k, vs := range v {
		if len(vs) > 1 {
			set.put()
			return nil, fmt.Errorf("protocol: %w: %s: parameter %q given %d times", ErrMalformed, where, truncate(k, 40), len(vs))
		}
	}
	set.pairs = sortedParams(set.pairs[:0], v)
	return set, nil
}

// parseAuthorization reads "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex".
func (in *Incoming) parseAuthorization(auth string) error {
	alg, rest, ok := strings.Cut(auth, " ")
	if !ok {
		return fmt.Errorf("protocol: %w: Authorization header has no credentials", ErrMalformed)
	}
	in.algorithm = alg
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("protocol: %w: Authorization header: element without '='", ErrMalformed)
		}
		if seen[k] {
			return fmt.Errorf("protocol: %w: Authorization header: %s given twice", ErrMalformed, truncate(k, 20))
		}
		seen[k] = true
		switch k {
		case "Credential":
			in.AccessKeyID = v
		case "SignedHeaders":
			for h := range strings.SplitSeq(v, ";") {
				if h != "" {
					in.signedHeaders = append(in.signedHeaders, h)
				}
			}
		case "Signature":
			in.signature = v
		}
	}
	if !seen["Credential"] || !seen["SignedHeaders"] || !seen["Signature"] {
		return fmt.Errorf("protocol: %w: Authorization header needs Credential, SignedHeaders and Signature", ErrMalformed)
	}
	return nil
}

// v3Required are the headers a V3 signature must cover, or a replay could change them.
var v3Required = []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}

// Verify says whether the call was signed with secret. The comparison is constant-time.
//
// V1 recomputes the string to sign from the parameters as received (empty ones included) minus
// Signature, and requires SignatureMethod HMAC-SHA1 and SignatureVersion 1.0. V3 recomputes the
// canonical request from the method, path, query and the signed headers as received; the signed
// headers must cover host, x-acs-action, x-acs-version, x-acs-date, x-acs-signature-nonce and
// x-acs-content-sha256, and x-acs-content-sha256 must be the hash of the body received.
func (in *Incoming) Verify(secret string) bool {
	if in != nil && in.SignatureVersion == SignatureV1 && in.signature != "" {
		// The common case, without garbage (v1fast.go).
		if in.Get("SignatureMethod") != V1Method || in.Get("SignatureVersion") != V1Version {
			return false
		}
		return verifyV1(in.method, in.params.pairs, secret, in.signature)
	}
	return in.VerifyWith(secret, percentEncode)
}

// VerifyWith is Verify with enc in place of the RFC 3986 encoding of the canonical query (and of
// V1's string to sign). Only a deliberately broken server wants another one (FormEncode).
func (in *Incoming) VerifyWith(secret string, enc Encoder) bool {
	if in == nil || in.signature == "" {
		return false
	}
	switch in.SignatureVersion {
	case SignatureV1:
		if in.Get("SignatureMethod") != V1Method || in.Get("SignatureVersion") != V1Version {
			return false
		}
		want := signV1(in.method, in.Params(), secret, enc)
		return hmac.Equal([]byte(want), []byte(in.signature))
	case SignatureV3:
		if in.algorithm != V3Algorithm {
			return false
		}
		signed := make(map[string]bool, len(in.signedHeaders))
		for i, h := range in.signedHeaders {
			// Canonical order is sorted lower-case; anything else was not signed by the rules.
			if h != strings.ToLower(h) || i > 0 && in.signedHeaders[i-1] >= h {
				return false
			}
			signed[h] = true
		}
		for _, h := range v3Required {
			if !signed[h] {
				return false
			}
		}
		payload := in.header.Get("x-acs-content-sha256")
		if !hmac.Equal([]byte(strings.ToLower(payload)), []byte(in.bodyHash)) {
			return false
		}
		values := func(name string) []string {
			if name == "host" {
				return []string{in.host}
			}
			return in.header.Values(name)
		}
		query := in.Params()
		if in.formBody {
			// The body is signed by its hash; the canonical query is the query string's alone.
			var err error
			if query, err = url.ParseQuery(in.rawQuery); err != nil {
				return false
			}
		}
		want := signV3(in.method, in.path, query, in.signedHeaders, values, payload, secret, enc)
		return hmac.Equal([]byte(want), []byte(in.signature))
	}
	return false
}

// TrustPayloadHash takes the client's x-acs-content-sha256 for the hash of the body received, so
// that a V3 body changed after signing verifies: only a deliberately broken server wants it (a
// defect of the reference implementation).
func (in *Incoming) TrustPayloadHash() {
	if in != nil && in.SignatureVersion == SignatureV3 {
		in.bodyHash = strings.ToLower(in.header.Get("x-acs-content-sha256"))
	}
}

// Redacted returns a copy of the parameters without Signature and SecurityToken, fit for a log.
func (in Incoming) Redacted() url.Values {
	out := url.Values{}
	for k, vs := range in.Params() {
		if k == "Signature" || k == "SecurityToken" {
			continue
		}
		out[k] = vs
	}
	return out
}

// String describes the call without its signature, headers or security token, fit for a log.
func (in Incoming) String() string {
	return fmt.Sprintf("%s %s %s/%s AccessKeyId=%s Nonce=%s Timestamp=%s Format=%s Params=%s",
		in.method, in.SignatureVersion, in.Action, in.Version, in.AccessKeyID, in.Nonce,
		in.Timestamp.Format(TimeFormat), in.Format, Encode(in.Redacted()))
}

// GoString keeps %#v as redacted as %v.
func (in Incoming) GoString() string { return "protocol.Incoming{" + in.String() + "}" }

// incomingPool holds the Incomings that Release gave back.
var incomingPool = sync.Pool{New: func() any { return new(Incoming) }}

// Params returns the parameters as a map, made on the first call (Get and Has need none), so
// two goroutines must not make it at once. The map is the call's: it goes back to the pool with
// Release.
func (in *Incoming) Params() url.Values {
	if in == nil || in.params == nil {
		return nil
	}
	return in.params.values()
}

// Get returns the value of the parameter name, "" if there is none.
func (in *Incoming) Get(name string) string {
	v, _ := in.lookup(name)
	return v
}

// Has says whether the parameter name was sent (even empty).
func (in *Incoming) Has(name string) bool {
	_, ok := in.lookup(name)
	return ok
}

func (in *Incoming) lookup(name string) (string, bool) {
	if in == nil || in.params == nil {
		return "", false
	}
	return in.params.lookup(name)
}

// Release gives in, and its parameters, back for the next call to reuse: nothing of in may be
// used afterwards but the strings read from it. A server calls it once it is done with the call;
// not calling it costs only the reuse.
func (in *Incoming) Release() {
	if in == nil {
		return
	}
	if in.params != nil {
		in.params.put()
	}
	*in = Incoming{}
	incomingPool.Put(in)
}

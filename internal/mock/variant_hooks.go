package mock

import (
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
)

// The pipeline's hooks for the variants (variant.go): each consulted only when its variant is on,
// so the reference's own path (and its allocation budget) is untouched.

// repeatChoice is what a server does with a parameter (or a header) given twice.
type repeatChoice int

const (
	repeatRefuse     repeatChoice = iota // refused before the call is read (the reference)
	repeatFirst                          // the first value taken
	repeatLast                           // the last value taken
	repeatRefuseLate                     // the first value taken, then refused after the throttle
)

// v3Single are the V3 headers wire.ParseRequest refuses when given twice.
var v3Single = []string{"x-acs-action", "x-acs-version", "x-acs-signature-nonce", "x-acs-security-token", "x-acs-date"}

// resolveRepeats returns r as if each parameter and header given twice had been given once, with
// the value the variants choose. When the call as sent was signed right, the result is signed
// again with the caller's secret, so the pipeline's own verification passes exactly the calls
// whose signature (over every value sent, as the wire protocol signs) was right. ok is false
// when r repeats nothing the variants take (the reference's refusal stands).
func (s *Server) resolveRepeats(r *http.Request) (out *http.Request, repeated, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	if err != nil || int64(len(body)) > s.maxBody {
		return nil, false, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, false, false
	}
	form := url.Values{}
	isForm := false
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" && len(body) > 0 {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return nil, false, false
		}
		isForm = true
	}
	v3 := strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-")
	paramRepeat := false
	for k, vs := range query {
		paramRepeat = paramRepeat || len(vs) > 1 || form.Has(k)
	}
	for _, vs := range form {
		paramRepeat = paramRepeat || len(vs) > 1
	}
	headerRepeat := false
	if v3 {
		for _, h := range v3Single {
			headerRepeat = headerRepeat || len(r.Header.Values(h)) > 1
		}
	}
	if !paramRepeat && !headerRepeat || paramRepeat && s.v.repeat == repeatRefuse || headerRepeat && s.v.headerRepeat == repeatRefuse {
		return nil, false, false
	}
	pick := func(vs []string, c repeatChoice) string {
		if c == repeatLast {
			return vs[len(vs)-1]
		}
		return vs[0]
	}
	// Parameters: the query's come first as sent, the form's after.
	dq, df := url.Values{}, url.Values{}
	for k, vs := range query {
		if fs, both := form[k]; both && s.v.repeat == repeatLast {
			df.Set(k, pick(fs, repeatLast))
			continue
		}
		dq.Set(k, pick(vs, s.v.repeat))
	}
	for k, vs := range form {
		if !query.Has(k) {
			df.Set(k, pick(vs, s.v.repeat))
		}
	}
	header := r.Header.Clone()
	for _, h := range v3Single {
		if vs := r.Header.Values(h); len(vs) > 1 {
			header.Set(h, pick(vs, s.v.headerRepeat))
		}
	}
	if v3 {
		s.resignV3(r, query, dq, header)
	} else {
		s.resignV1(r.Method, query, form, dq, df)
	}
	out = r.Clone(r.Context())
	out.Header = header
	out.URL.RawQuery = wire.Encode(dq)
	if isForm {
		enc := wire.Encode(df)
		out.Body, out.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
	}
	return out, paramRepeat, true
}

// resignV1 signs dq and df (deduplicated) again when query and form (as sent) were signed right.
func (s *Server) resignV1(method string, query, form, dq, df url.Values) {
	all := url.Values{}
	for _, src := range []url.Values{query, form} {
		for k, vs := range src {
			all[k] = append(all[k], vs...)
		}
	}
	cred, ok := s.store.lookup(all.Get("AccessKeyId"))
	if !ok || !hmac.Equal([]byte(wire.SignV1(method, all, cred.secret)), []byte(all.Get("Signature"))) {
		return // the pipeline refuses it as it would have: the signature as sent stays
	}
	union := url.Values{}
	for _, src := range []url.Values{dq, df} {
		for k, vs := range src {
			if k != "Signature" {
				union[k] = vs
			}
		}
	}
	where := dq
	if !dq.Has("Signature") {
		where = df
	}
	where.Set("Signature", wire.SignV1(method, union, cred.secret))
}

// resignV3 sets header's Authorization to a signature of dq and header (deduplicated) when r
// (query and headers as sent) was signed right.
func (s *Server) resignV3(r *http.Request, query, dq url.Values, header http.Header) {
	keyID, signed, sig := "", []string(nil), ""
	_, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			keyID = v
		case "SignedHeaders":
			signed = strings.Split(v, ";")
		case "Signature":
			sig = v
		}
	}
	cred, ok := s.store.lookup(keyID)
	if !ok {
		return
	}
	values := func(h http.Header) func(string) []string {
		return func(name string) []string {
			if name == "host" {
				return []string{r.Host}
			}
			return h.Values(name)
		}
	}
	payload := r.Header.Get("x-acs-content-sha256")
	path := r.URL.EscapedPath()
	if !hmac.Equal([]byte(wire.SignV3(r.Method, path, query, signed, values(r.Header), payload, cred.secret)), []byte(sig)) {
		return
	}
	header.Set("Authorization", wire.AuthorizationV3(keyID, signed, wire.SignV3(r.Method, path, dq, signed, values(header), payload, cred.secret)))
}

// regionShape is what RegionIDValidated takes for a region id (cn-shanghai, ap-southeast-1).
var regionShape = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)

// refusedAfterThrottle is the refusal a variant makes after the throttle, before MissingParameter:
// a parameter given twice (RepeatRefusedAfterGateway), one the API does not have
// (UnknownParamRefused; the defect InconsistentRefusal on every other call), a RegionId not shaped
// like one (RegionIDValidated).
func (s *Server) refusedAfterThrottle(a *answer, in *wire.Incoming) (string, bool) {
	if a.repeated && s.v.repeat == repeatRefuseLate {
		return "A parameter is given more than once", true
	}
	if s.v.unknownRefused || s.d.inconsistentRefusal {
		for _, k := range slices.Sorted(mapsKeys(in.Params())) {
			if s.known[k] {
				continue
			}
			// The defect refuses every other call that carries one.
			if s.v.unknownRefused || s.unknownSeen.Add(1)%2 == 1 {
				return fmt.Sprintf("The parameter %q is not recognized", clip(k)), true
			}
			break
		}
	}
	if s.v.regionIDValidated && in.Has("RegionId") {
		if r := in.Get("RegionId"); len(r) > 32 || !regionShape.MatchString(r) {
			return "The specified RegionId is not valid", true
		}
	}
	return "", false
}

func mapsKeys(v url.Values) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range v {
			if !yield(k) {
				return
			}
		}
	}
}

// knownParams are the parameters of the API and of the wire protocol the document lists (in the
// query, or a form body's fields): what UnknownParamRefused does not refuse.
func knownParams(sp *spec.Spec) map[string]bool {
	known := map[string]bool{}
	for _, p := range append(specfacts.RequiredParams(sp), specfacts.OptionalParams(sp)...) {
		known[p] = true
	}
	for _, item := range sp.Document().Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == "query" {
					known[p.Value.Name] = true
				}
			}
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if mt.Schema != nil && mt.Schema.Value != nil {
					for name := range mt.Schema.Value.Properties {
						known[name] = true
					}
				}
			}
		}
	}
	return known
}

// smallRequestLimit is SmallRequestLimit's bound on a query or a body.
const smallRequestLimit = 16 << 10

// refuseLarge answers a call past smallRequestLimit as an HTTP server or a front proxy does, before
// any API code (SmallRequestLimit): 414 or 413 in plain text. It says whether it answered.
func (s *Server) refuseLarge(w http.ResponseWriter, r *http.Request) bool {
	status := 0
	switch {
	case len(r.URL.RawQuery) > smallRequestLimit:
		status = http.StatusRequestURITooLong
	case r.ContentLength > smallRequestLimit:
		status = http.StatusRequestEntityTooLarge
		w.Header().Set("Connection", "close") // the body is left unread
	default:
		return false
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s\n", status, http.StatusText(status))
	return true
}

// reorderJSON writes the flat JSON object body (string values) indented, its keys in the reverse
// order (JSONReordered); body unchanged if it is not one.
func reorderJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return body
	}
	type kv struct{ k, v string }
	var fields []kv
	for dec.More() {
		k, err1 := dec.Token()
		v, err2 := dec.Token()
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return body
		}
		fields = append(fields, kv{ks, vs})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteString("{\n")
	for i := len(fields) - 1; i >= 0; i-- {
		b.WriteString("  ")
		enc.Encode(fields[i].k)
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteString(" : ")
		enc.Encode(fields[i].v)
		b.Truncate(b.Len() - 1)
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

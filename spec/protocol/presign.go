package protocol

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
)

// Presigning: a call sent many times with only its SignatureNonce and time changing (a load run's)
// is signed from templates prepared once. The canonical query, the string to sign and the V3
// canonical request are built by the same functions NewRequest uses, with placeholders where the
// nonce and the time go; each call fills them in and computes the HMAC, instead of sorting and
// encoding the parameters again. The result is NewRequest's byte for byte (a test compares them).

// Presigned is a call prepared for signing again and again (Presign). It is safe for concurrent
// use.
type Presigned struct {
	method   string
	v1       bool
	fragment string // "#..." of the base URL, or ""
	macs     sync.Pool

	// V1: the string to sign (nonce and time encoded twice) and the query or form (encoded once,
	// with the signature).
	sts, wire presignTemplate

	// V3: everything but the date, the nonce and the signature.
	url        string          // V1: the base URL; V3: with its query and fragment
	cr         presignTemplate // the canonical request: nonce and date slots
	authPrefix string          // Authorization up to the signature
	fixed      []string        // constant signed headers: canonical name, value, name, value ...
}

// Presign prepares call for creds against baseURL as NewRequest would sign it, but for the
// SignatureNonce and the time, which each Sign gives (call.Nonce and call.Time are not used). A
// fragment of baseURL ("#name") is never sent but ends every URL Sign returns: vegeta copies the
// URL into its result, which is how a load run tells its callers' results apart. A Tamper or a V3
// form body (FormBody) is not presigned: NewRequest sends those.
func Presign(baseURL string, creds Credentials, call Call) (*Presigned, error) {
	fragment := ""
	if i := strings.IndexByte(baseURL, '#'); i >= 0 {
		baseURL, fragment = baseURL[:i], baseURL[i:]
	}
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	method := call.httpMethod()
	switch {
	case method != http.MethodGet && method != http.MethodPost:
		return nil, fmt.Errorf("protocol: method %q: want GET or POST", call.Method)
	case call.Signature != "" && call.Signature != SignatureV1 && call.Signature != SignatureV3:
		return nil, fmt.Errorf("protocol: unknown signature version %q (want v1 or v3)", call.Signature)
	case call.Action == "" || call.Version == "":
		return nil, errors.New("protocol: a call needs an Action and a Version")
	case creds.AccessKeyID == "" || creds.AccessKeySecret == "":
		return nil, errors.New("protocol: credentials need an AccessKeyId and an AccessKeySecret")
	case call.Tamper != nil:
		return nil, errors.New("protocol: a tampered call is not presigned")
	case call.FormBody && call.Signature == SignatureV3 && method == http.MethodPost:
		return nil, errors.New("protocol: a V3 form body is not presigned")
	}
	for k := range call.Params {
		if k == "" {
			return nil, errors.New("protocol: a parameter has an empty name")
		}
	}
	p := &Presigned{method: method, fragment: fragment}
	if call.Signature == SignatureV3 {
		err = p.prepareV3(u, creds, call)
	} else {
		p.url = u.String()
		err = p.prepareV1(creds, call)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Sign signs the call with nonce (a fresh SignatureNonce per call) at now and returns the request
// to send: its URL (with the base URL's fragment), its body (a V1 POST's form; nil otherwise) and
// its headers (nil for a V1 GET). The method is the call's.
func (p *Presigned) Sign(nonce []byte, now time.Time) (rawURL string, body []byte, header http.Header) {
	ts := stampOf(now)
	if p.v1 {
		return p.signV1(nonce, ts)
	}
	return p.signV3(nonce, ts)
}

// Placeholders of the templates: unreserved characters, so encoding leaves them as they are.
const (
	phNonce = "EDGECONFORMxNONCEx7f3a"
	phTime  = "EDGECONFORMxTIMEx7f3a"
	phSig   = "EDGECONFORMxSIGx7f3a"
)

// presignBufs hold the strings to sign and canonical requests while a call is signed.
var presignBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (p *Presigned) prepareV1(creds Credentials, call Call) error {
	params := V1Params(creds, call, phNonce, time.Unix(0, 0))
	params.Set("Timestamp", phTime)
	sts, err := compilePresignTemplate(wire.StringToSignV1(p.method, params), phNonce, phTime)
	if err != nil {
		return err
	}
	params.Set("Signature", phSig)
	wire, err := compilePresignTemplate(wire.Encode(params), phNonce, phTime, phSig)
	if err != nil {
		return err
	}
	key := []byte(creds.AccessKeySecret + "&")
	p.v1, p.sts, p.wire = true, sts, wire
	p.macs.New = func() any { return hmac.New(sha1.New, key) }
	return nil
}

// signV1 fills the templates: only the nonce, the timestamp and the signature change from call
// to call.
func (p *Presigned) signV1(nonce []byte, ts *presignStamp) (string, []byte, http.Header) {
	buf := presignBufs.Get().(*[]byte)
	sts := p.sts.appendTo((*buf)[:0], nonce, ts.twice)
	mac := p.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(sts)
	var sum [sha1.Size]byte
	var sig [28]byte // base64 of 20 bytes
	base64.StdEncoding.Encode(sig[:], mac.Sum(sum[:0]))
	p.macs.Put(mac)
	encSig := appendPercentEncoded(sts[:0], sig[:])

	var rawURL string
	var body []byte
	var header http.Header
	size := p.wire.size + len(nonce) + len(ts.once) + len(encSig)
	if p.method == http.MethodGet {
		var b strings.Builder
		b.Grow(len(p.url) + 1 + size + len(p.fragment))
		b.WriteString(p.url)
		b.WriteByte('?')
		p.wire.writeTo(&b, nonce, ts.once, encSig)
		b.WriteString(p.fragment)
		rawURL = b.String()
	} else {
		rawURL = p.url + p.fragment
		body = p.wire.appendTo(make([]byte, 0, size), nonce, ts.once, encSig)
		header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	*buf = encSig[:0]
	presignBufs.Put(buf)
	return rawURL, body, header
}

// presignTemplate is a string with slots: lits[0] slot lits[1] slot ... lits[n].
type presignTemplate struct {
	lits  []string
	slots []int // which value fills each slot
	size  int   // of the literals
}

// compilePresignTemplate finds each placeholder exactly once in s.
func compilePresignTemplate(s string, placeholders ...string) (presignTemplate, error) {
	type hit struct{ at, which int }
	var hits []hit
	for which, ph := range placeholders {
		at := strings.Index(s, ph)
		if at < 0 || strings.Contains(s[at+len(ph):], ph) {
			return presignTemplate{}, fmt.Errorf("protocol: cannot presign the call (a value contains %q)", ph)
		}
		hits = append(hits, hit{at, which})
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	var t presignTemplate
	prev := 0
	for _, h := range hits {
		t.lits = append(t.lits, s[prev:h.at])
		t.slots = append(t.slots, h.which)
		prev = h.at + len(placeholders[h.which])
	}
	t.lits = append(t.lits, s[prev:])
	for _, l := range t.lits {
		t.size += len(l)
	}
	return t, nil
}

func (t presignTemplate) appendTo(b []byte, values ...[]byte) []byte {
	for i, slot := range t.slots {
		b = append(b, t.lits[i]...)
		b = append(b, values[slot]...)
	}
	return append(b, t.lits[len(t.lits)-1]...)
}

func (t presignTemplate) writeTo(b *strings.Builder, values ...[]byte) {
	for i, slot := range t.slots {
		b.WriteString(t.lits[i])
		b.Write(values[slot])
	}
	b.WriteString(t.lits[len(t.lits)-1])
}

// presignStamp is a Timestamp as is (V3 date), percent-encoded once (V1 wire) and twice (V1
// string to sign).
type presignStamp struct {
	sec              int64
	raw, once, twice []byte
}

// lastStamp is the last second's stamp: formatted once per second, whoever signs.
var lastStamp atomic.Pointer[presignStamp]

func stampOf(now time.Time) *presignStamp {
	sec := now.Unix()
	if s := lastStamp.Load(); s != nil && s.sec == sec {
		return s
	}
	v := wire.FormatTime(now)
	once := appendPercentEncoded(nil, []byte(v))
	s := &presignStamp{sec: sec, raw: []byte(v), once: once, twice: appendPercentEncoded(nil, once)}
	lastStamp.Store(s)
	return s
}

// appendPercentEncoded is Alibaba Cloud's encoding (RFC 3986 unreserved characters kept).
func appendPercentEncoded(dst, src []byte) []byte {
	const hexDigits = "0123456789ABCDEF"
	for _, c := range src {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

const v3Prefix = wire.V3Algorithm + "\n"

// prepareV3 builds the call as NewRequest's V3 does, with placeholders for the date and nonce.
func (p *Presigned) prepareV3(u *url.URL, creds Credentials, call Call) error {
	q := url.Values{}
	for k, vs := range call.Params {
		q[k] = append([]string(nil), vs...)
	}
	if call.Format != "" && q.Get("Format") == "" {
		q.Set("Format", string(call.Format))
	}
	full := *u
	full.RawQuery = wire.Encode(q)
	h := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          call.Action,
		"x-acs-version":         call.Version,
		"x-acs-date":            phTime,
		"x-acs-signature-nonce": phNonce,
		"x-acs-content-sha256":  wire.EmptySHA256,
	}
	if creds.SecurityToken != "" {
		h["x-acs-accesskey-id"] = creds.AccessKeyID
		h["x-acs-security-token"] = creds.SecurityToken
	}
	signed := make([]string, 0, len(h))
	for k := range h {
		signed = append(signed, k)
	}
	sort.Strings(signed)
	values := func(name string) []string { return []string{h[name]} }
	cr, err := compilePresignTemplate(wire.CanonicalRequestV3(p.method, u.EscapedPath(), q, signed, values, wire.EmptySHA256), phNonce, phTime)
	if err != nil {
		return err
	}
	for _, k := range signed {
		switch k {
		case "host", "x-acs-date", "x-acs-signature-nonce":
			continue
		}
		p.fixed = append(p.fixed, http.CanonicalHeaderKey(k), h[k])
	}
	key := []byte(creds.AccessKeySecret)
	p.url = full.String() + p.fragment
	p.cr = cr
	p.authPrefix = wire.AuthorizationV3(creds.AccessKeyID, signed, "")
	p.macs.New = func() any { return hmac.New(sha256.New, key) }
	return nil
}

// signV3 fills the canonical request, hashes and signs it, and makes the headers.
func (p *Presigned) signV3(nonce []byte, ts *presignStamp) (string, []byte, http.Header) {
	buf := presignBufs.Get().(*[]byte)
	cr := p.cr.appendTo((*buf)[:0], nonce, ts.raw)
	digest := sha256.Sum256(cr)
	*buf = cr[:0]
	presignBufs.Put(buf)
	var sts [len(v3Prefix) + 2*sha256.Size]byte
	copy(sts[:], v3Prefix)
	hex.Encode(sts[len(v3Prefix):], digest[:])
	mac := p.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(sts[:])
	var sum [sha256.Size]byte
	var sig [2 * sha256.Size]byte
	hex.Encode(sig[:], mac.Sum(sum[:0]))
	p.macs.Put(mac)

	// One backing array for the values: an HTTP client copies them into the request.
	vals := make([]string, 3+len(p.fixed)/2)
	vals[0], vals[1], vals[2] = string(ts.raw), string(nonce), p.authPrefix+string(sig[:])
	h := make(http.Header, len(vals))
	h["X-Acs-Date"] = vals[0:1:1]
	h["X-Acs-Signature-Nonce"] = vals[1:2:2]
	h["Authorization"] = vals[2:3:3]
	for j := 0; j < len(p.fixed); j += 2 {
		k := 3 + j/2
		vals[k] = p.fixed[j+1]
		h[p.fixed[j]] = vals[k : k+1 : k+1]
	}
	return p.url, nil, h
}

package load

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Account is one caller of a load run: the credentials to sign with and the job to start.
type Account struct {
	// Name tags the account's results (in the URL fragment of each Target and Result, never sent
	// on the wire); empty means the AccessKeyId.
	Name        string
	Credentials protocol.Credentials
	ClusterID   string
	JobID       string
	RegionID    string // optional
}

func (a Account) name() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Credentials.AccessKeyID
}

// TargeterOption configures NewTargeter.
type TargeterOption func(*targeter)

// WithMethod returns an option which sets the HTTP method: GET (default) or POST.
func WithMethod(method string) TargeterOption {
	return func(t *targeter) { t.method = strings.ToUpper(method) }
}

// WithSignature returns an option which sets the signature version (default V1).
func WithSignature(v protocol.SignatureVersion) TargeterOption {
	return func(t *targeter) { t.signature = v }
}

// WithFormat returns an option which sets the response Format: JSON (default) or XML.
func WithFormat(format string) TargeterOption {
	return func(t *targeter) { t.format = strings.ToUpper(format) }
}

// WithSpec returns an option which sets the spec that names the Action and Version
// (default spec.Default()).
func WithSpec(s *spec.Spec) TargeterOption {
	return func(t *targeter) { t.spec = s }
}

// WithClock returns an option which sets the clock that stamps each call (default time.Now).
func WithClock(now func() time.Time) TargeterOption {
	return func(t *targeter) { t.now = now }
}

// WithPicker returns an option which sets how the n-th target picks its account among k
// (default round-robin: n % k).
func WithPicker(pick func(n uint64, k int) int) TargeterOption {
	return func(t *targeter) { t.pick = pick }
}

type targeter struct {
	base      *url.URL
	baseStr   string
	accounts  []Account
	tags      []string // "#" + escaped name, per account
	method    string
	signature protocol.SignatureVersion
	format    string
	spec      *spec.Spec
	now       func() time.Time
	pick      func(n uint64, k int) int
	n         atomic.Uint64

	v1s         []v1Account // V1 only
	v3s         []v3Account // V3 only
	bufs        *sync.Pool
	lastStamp   atomic.Pointer[stamped]
	noncePrefix [8]byte
}

// NewTargeter returns a vegeta.Targeter that signs every target freshly (a new SignatureNonce and
// Timestamp each time) as a StartEdgeTranscodeJob call of the next account, round-robin. It is
// safe for concurrent use by the attacker's workers.
//
// Each target's URL ends in "#" + the account's name: the fragment is never sent, but vegeta
// copies the URL into the Result, so AccountOf tells results apart by account.
func NewTargeter(baseURL string, accounts []Account, opts ...TargeterOption) (vegeta.Targeter, error) {
	t, err := newTargeter(baseURL, accounts, opts...)
	if err != nil {
		return nil, err
	}
	return t.next, nil
}

func newTargeter(baseURL string, accounts []Account, opts ...TargeterOption) (*targeter, error) {
	if len(accounts) == 0 {
		return nil, errors.New("load: no accounts to sign with")
	}
	t, err := newSigner(baseURL, opts...)
	if err != nil {
		return nil, err
	}
	t.accounts = append([]Account(nil), accounts...)
	t.tags = make([]string, len(t.accounts))
	for i, a := range t.accounts {
		if a.Credentials.AccessKeyID == "" || a.Credentials.AccessKeySecret == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs an AccessKeyId and an AccessKeySecret", i, a.name())
		}
		if a.ClusterID == "" || a.JobID == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs a ClusterId and a JobId", i, a.name())
		}
		t.tags[i] = "#" + url.PathEscape(a.name())
	}
	if t.signature == protocol.SignatureV1 {
		t.v1s = make([]v1Account, len(t.accounts))
		for i, a := range t.accounts {
			if t.v1s[i], err = t.compileV1(a); err != nil {
				return nil, err
			}
		}
	} else {
		t.v3s = make([]v3Account, len(t.accounts))
		for i, a := range t.accounts {
			if t.v3s[i], err = t.compileV3(a, t.tags[i]); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// newSigner returns a targeter with its signing configuration and no accounts: the mixed
// targeter compiles accounts as its pools receive them.
func newSigner(baseURL string, opts ...TargeterOption) (*targeter, error) {
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	t := &targeter{
		base:      u,
		baseStr:   u.String(),
		method:    http.MethodGet,
		signature: protocol.SignatureV1,
		format:    "JSON",
		now:       time.Now,
		pick:      func(n uint64, k int) int { return int(n % uint64(k)) },
	}
	for _, opt := range opts {
		opt(t)
	}
	if t.spec == nil {
		t.spec = spec.Default()
	}
	if t.method != http.MethodGet && t.method != http.MethodPost {
		return nil, fmt.Errorf("load: method %q: want GET or POST", t.method)
	}
	if t.signature != protocol.SignatureV1 && t.signature != protocol.SignatureV3 {
		return nil, fmt.Errorf("load: unknown signature version %q (want v1 or v3)", t.signature)
	}
	if t.format != "JSON" && t.format != "XML" {
		return nil, fmt.Errorf("load: format %q: want JSON or XML", t.format)
	}
	t.bufs = &sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	if _, err := rand.Read(t.noncePrefix[:]); err != nil {
		return nil, fmt.Errorf("load: nonce prefix: %w", err)
	}
	return t, nil
}

func (t *targeter) next(tgt *vegeta.Target) error {
	if tgt == nil {
		return vegeta.ErrNilTarget
	}
	n := t.n.Add(1) - 1
	i := t.pick(n, len(t.accounts))
	now := t.now()
	if t.signature == protocol.SignatureV1 {
		return t.v1(tgt, &t.v1s[i], t.tags[i], n, now)
	}
	return t.v3(tgt, &t.v3s[i], n, now)
}

// params are the operation's parameters; an empty JobId is left out (the missing-param path).
func (a *Account) params() url.Values {
	p := url.Values{"ClusterId": {a.ClusterID}}
	if a.JobID != "" {
		p.Set("JobId", a.JobID)
	}
	if a.RegionID != "" {
		p.Set("RegionId", a.RegionID)
	}
	return p
}

// v1 builds the target from the account's precompiled templates: only the nonce, the timestamp
// and the signature change from call to call, so the canonical query and the string to sign are
// filled in rather than sorted and encoded again. This keeps the harness's cost per call low
// (one allocation for a GET); the tests check the result byte for byte against
// protocol.NewRequest.
func (t *targeter) v1(tgt *vegeta.Target, a *v1Account, tag string, n uint64, now time.Time) error {
	var nonceBuf [36]byte
	nonce := t.nonce(&nonceBuf, n)
	ts := t.stamp(now)

	buf := t.bufs.Get().(*[]byte)
	sts := a.sts.appendTo((*buf)[:0], nonce, ts.twice)
	mac := a.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(sts)
	var sum [sha1.Size]byte
	var sig [28]byte // base64 of 20 bytes
	base64.StdEncoding.Encode(sig[:], mac.Sum(sum[:0]))
	a.macs.Put(mac)
	encSig := appendPercentEncoded(sts[:0], sig[:])

	tgt.Method = t.method
	size := a.wire.size + len(nonce) + len(ts.once) + len(encSig)
	if t.method == http.MethodGet {
		var b strings.Builder
		b.Grow(len(t.baseStr) + 1 + size + len(tag))
		b.WriteString(t.baseStr)
		b.WriteByte('?')
		a.wire.writeTo(&b, nonce, ts.once, encSig)
		b.WriteString(tag)
		tgt.URL = b.String()
		tgt.Body = nil
		tgt.Header = nil
	} else {
		tgt.URL = t.baseStr + tag
		tgt.Body = a.wire.appendTo(make([]byte, 0, size), nonce, ts.once, encSig)
		tgt.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	*buf = encSig[:0]
	t.bufs.Put(buf)
	return nil
}

// nonce writes the n-th SignatureNonce of this targeter into buf, shaped as a version-4 UUID:
// 8 random bytes drawn once per targeter, then n. Unique per call and, with 62 random bits,
// across shards and runs: what the server's replay check needs, without a random read per call.
func (t *targeter) nonce(buf *[36]byte, n uint64) []byte {
	var u [16]byte
	copy(u[:8], t.noncePrefix[:])
	binary.BigEndian.PutUint64(u[8:], n)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant (n never reaches 2^62)
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], u[10:16])
	return buf[:]
}

// v1Account holds what V1 signing can prepare once per account.
type v1Account struct {
	sts  template // the string to sign: nonce and timestamp slots, encoded twice
	wire template // the query or form: nonce, timestamp and signature slots, encoded once
	macs *sync.Pool
}

// Placeholders of the templates: unreserved characters, so encoding leaves them as they are.
const (
	phNonce = "EDGECONFORMxNONCEx7f3a"
	phTime  = "EDGECONFORMxTIMEx7f3a"
	phSig   = "EDGECONFORMxSIGx7f3a"
)

func (t *targeter) compileV1(a Account) (v1Account, error) {
	call := protocol.Call{Method: t.method, Format: t.format, Action: t.spec.Action(), Version: t.spec.Version(), Params: a.params()}
	p := protocol.V1Params(a.Credentials, call, phNonce, time.Unix(0, 0))
	p.Set("Timestamp", phTime)
	sts, err := compileTemplate(wire.StringToSignV1(t.method, p), phNonce, phTime)
	if err != nil {
		return v1Account{}, err
	}
	p.Set("Signature", phSig)
	wire, err := compileTemplate(wire.Encode(p), phNonce, phTime, phSig)
	if err != nil {
		return v1Account{}, err
	}
	key := []byte(a.Credentials.AccessKeySecret + "&")
	return v1Account{sts: sts, wire: wire, macs: &sync.Pool{New: func() any { return hmac.New(sha1.New, key) }}}, nil
}

// template is a string with slots: lits[0] slot lits[1] slot ... lits[n].
type template struct {
	lits  []string
	slots []int // which value fills each slot
	size  int   // of the literals
}

// compileTemplate finds each placeholder exactly once in s.
func compileTemplate(s string, placeholders ...string) (template, error) {
	type hit struct{ at, which int }
	var hits []hit
	for which, ph := range placeholders {
		at := strings.Index(s, ph)
		if at < 0 || strings.Contains(s[at+len(ph):], ph) {
			return template{}, fmt.Errorf("load: cannot template the V1 call (a value contains %q)", ph)
		}
		hits = append(hits, hit{at, which})
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	var t template
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

func (t template) appendTo(b []byte, values ...[]byte) []byte {
	for i, slot := range t.slots {
		b = append(b, t.lits[i]...)
		b = append(b, values[slot]...)
	}
	return append(b, t.lits[len(t.lits)-1]...)
}

func (t template) writeTo(b *strings.Builder, values ...[]byte) {
	for i, slot := range t.slots {
		b.WriteString(t.lits[i])
		b.Write(values[slot])
	}
	b.WriteString(t.lits[len(t.lits)-1])
}

// stamped is a Timestamp as is (V3 date), percent-encoded once (V1 wire) and twice (V1 string
// to sign).
type stamped struct {
	sec              int64
	raw, once, twice []byte
}

// stamp returns now's encodings, formatted once per second.
func (t *targeter) stamp(now time.Time) *stamped {
	sec := now.Unix()
	if s := t.lastStamp.Load(); s != nil && s.sec == sec {
		return s
	}
	v := now.UTC().Format(protocol.TimeFormat)
	once := appendPercentEncoded(nil, []byte(v))
	s := &stamped{sec: sec, raw: []byte(v), once: once, twice: appendPercentEncoded(nil, once)}
	t.lastStamp.Store(s)
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

// v3Account holds what V3 signing can prepare once per account: all but the date, the nonce
// and the signature.
type v3Account struct {
	url        string   // base URL, query and account tag
	cr         template // the canonical request: nonce and date slots
	authPrefix string   // Authorization up to the signature
	fixed      []string // constant signed headers: canonical name, value, name, value ...
	macs       *sync.Pool
}

// emptySHA256 is the hex SHA-256 of the empty payload V3 calls carry.
var emptySHA256 = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

const v3Prefix = wire.V3Algorithm + "\n"

func (t *targeter) compileV3(a Account, tag string) (v3Account, error) {
	// As protocol.NewRequest builds a V3 call (checked byte for byte by the tests).
	q := a.params()
	if t.format != "" && q.Get("Format") == "" {
		q.Set("Format", t.format)
	}
	u := *t.base
	u.RawQuery = wire.Encode(q)
	h := map[string]string{
		"host":                  t.base.Host,
		"x-acs-action":          t.spec.Action(),
		"x-acs-version":         t.spec.Version(),
		"x-acs-date":            phTime,
		"x-acs-signature-nonce": phNonce,
		"x-acs-content-sha256":  emptySHA256,
	}
	if a.Credentials.SecurityToken != "" {
		h["x-acs-accesskey-id"] = a.Credentials.AccessKeyID
		h["x-acs-security-token"] = a.Credentials.SecurityToken
	}
	signed := make([]string, 0, len(h))
	for k := range h {
		signed = append(signed, k)
	}
	sort.Strings(signed)
	values := func(name string) []string { return []string{h[name]} }
	cr, err := compileTemplate(wire.CanonicalRequestV3(t.method, t.base.EscapedPath(), q, signed, values, emptySHA256), phNonce, phTime)
	if err != nil {
		return v3Account{}, err
	}
	var fixed []string
	for _, k := range signed {
		switch k {
		case "host", "x-acs-date", "x-acs-signature-nonce":
			continue
		}
		fixed = append(fixed, http.CanonicalHeaderKey(k), h[k])
	}
	key := []byte(a.Credentials.AccessKeySecret)
	return v3Account{
		url:        u.String() + tag,
		cr:         cr,
		authPrefix: wire.AuthorizationV3(a.Credentials.AccessKeyID, signed, ""),
		fixed:      fixed,
		macs:       &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }},
	}, nil
}

// v3 fills the account's canonical request, hashes and signs it, and sets the headers.
func (t *targeter) v3(tgt *vegeta.Target, a *v3Account, n uint64, now time.Time) error {
	var nonceBuf [36]byte
	nonce := t.nonce(&nonceBuf, n)
	ts := t.stamp(now)

	buf := t.bufs.Get().(*[]byte)
	cr := a.cr.appendTo((*buf)[:0], nonce, ts.raw)
	digest := sha256.Sum256(cr)
	*buf = cr[:0]
	t.bufs.Put(buf)
	var sts [len(v3Prefix) + 2*sha256.Size]byte
	copy(sts[:], v3Prefix)
	hex.Encode(sts[len(v3Prefix):], digest[:])
	mac := a.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(sts[:])
	var sum [sha256.Size]byte
	var sig [2 * sha256.Size]byte
	hex.Encode(sig[:], mac.Sum(sum[:0]))
	a.macs.Put(mac)

	// One backing array for the values: vegeta copies them into the request.
	vals := make([]string, 3+len(a.fixed)/2)
	vals[0], vals[1], vals[2] = string(ts.raw), string(nonce), a.authPrefix+string(sig[:])
	h := make(http.Header, len(vals))
	h["X-Acs-Date"] = vals[0:1:1]
	h["X-Acs-Signature-Nonce"] = vals[1:2:2]
	h["Authorization"] = vals[2:3:3]
	for j := 0; j < len(a.fixed); j += 2 {
		k := 3 + j/2
		vals[k] = a.fixed[j+1]
		h[a.fixed[j]] = vals[k : k+1 : k+1]
	}
	tgt.Method = t.method
	tgt.URL = a.url
	tgt.Body = nil
	tgt.Header = h
	return nil
}

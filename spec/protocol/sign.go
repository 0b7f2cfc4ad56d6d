package protocol

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Call is one API call to sign and send.
type Call struct {
	Transport // how it travels: Method, Signature, Format
	Action    string
	Version   string
	// Params are the operation's parameters (ClusterId, JobId, RegionId ...). For V1 they may
	// also override a common parameter (a wrong SignatureMethod, say); an empty value is sent.
	Params url.Values
	// Nonce and Time replace the fresh SignatureNonce (a UUID) and the current time when set:
	// for replay and clock-skew cases and for known answers.
	Nonce string
	Time  time.Time
	// Tamper, when set, changes the request after it was signed (to corrupt a signature).
	Tamper func(*http.Request)
	// FormBody (V3 POST only) sends the operation parameters in an
	// application/x-www-form-urlencoded body, whose hash x-acs-content-sha256 carries, instead of
	// the query string: the RPC style's POST form with a V3 signature.
	FormBody bool
}

// NewRequest builds the signed HTTP request for call against baseURL (the API is served at its
// path, normally "/").
//
// V1: every parameter, common and operation, in the query string (GET) or an
// application/x-www-form-urlencoded body (POST), with Signature. V3: the operation parameters in
// the query string, no body, Action, Version, date, nonce and payload hash in x-acs-* headers, and
// the Authorization header signing them and host (with its port).
func NewRequest(ctx context.Context, baseURL string, creds Credentials, call Call) (*http.Request, error) {
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	method := strings.ToUpper(call.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("protocol: method %q: want GET or POST", call.Method)
	}
	if call.Action == "" || call.Version == "" {
		return nil, errors.New("protocol: a call needs an Action and a Version")
	}
	for k := range call.Params {
		if k == "" {
			return nil, errors.New("protocol: a parameter has an empty name")
		}
	}
	if creds.AccessKeyID == "" || creds.AccessKeySecret == "" {
		return nil, errors.New("protocol: credentials need an AccessKeyId and an AccessKeySecret")
	}
	nonce := call.Nonce
	if nonce == "" {
		nonce = uuid.NewString()
	}
	now := call.Time
	if now.IsZero() {
		now = time.Now()
	}
	var req *http.Request
	switch sv := call.Signature; sv {
	case SignatureV1, "":
		req, err = newV1(ctx, u, method, creds, call, nonce, now)
	case SignatureV3:
		req, err = newV3(ctx, u, method, creds, call, nonce, now)
	default:
		return nil, fmt.Errorf("protocol: unknown signature version %q (want v1 or v3)", sv)
	}
	if err != nil {
		return nil, err
	}
	if call.Tamper != nil {
		call.Tamper(req)
	}
	return req, nil
}

// ParseBaseURL checks that s is an absolute http or https URL with a host.
func ParseBaseURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		return nil, fmt.Errorf("base URL %q: want an http:// or https:// URL", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", s, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base URL %q: want an http:// or https:// URL", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base URL %q: no host", s)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u, nil
}

// V1Params returns the full V1 parameter set of call, without the Signature.
func V1Params(creds Credentials, call Call, nonce string, now time.Time) url.Values {
	format := call.Format
	if format == "" {
		format = FormatJSON
	}
	p := url.Values{
		"Action":           {call.Action},
		"Version":          {call.Version},
		"Format":           {string(format)},
		"AccessKeyId":      {creds.AccessKeyID},
		"SignatureMethod":  {V1Method},
		"SignatureVersion": {V1Version},
		"SignatureNonce":   {nonce},
		"Timestamp":        {formatTime(now)},
	}
	if creds.SecurityToken != "" {
		p.Set("SecurityToken", creds.SecurityToken)
	}
	for k, vs := range call.Params {
		p[k] = append([]string(nil), vs...)
	}
	return p
}

func newV1(ctx context.Context, u *url.URL, method string, creds Credentials, call Call, nonce string, now time.Time) (*http.Request, error) {
	p := V1Params(creds, call, nonce, now)
	p.Set("Signature", SignV1(method, p, creds.AccessKeySecret))
	encoded := Encode(p)
	if method == http.MethodGet {
		u.RawQuery = encoded
		return http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(encoded))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// Encode renders params as key=value pairs joined by &, sorted by key then value, each
// percent-encoded as Alibaba Cloud does (space as %20): the canonical form V1 signs and the form
// this package sends.
func Encode(params url.Values) string {
	return canonical(params, "")
}

// canonical encodes params sorted, leaving out the key skip.
func canonical(params url.Values, skip string) string {
	return canonicalWith(params, skip, percentEncode)
}

// canonicalWith is canonical with another encoding of names and values (FormEncode: a defect).
func canonicalWith(params url.Values, skip string, enc Encoder) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := params[k]
		if len(vs) > 1 {
			vs = append([]string(nil), vs...)
			sort.Strings(vs)
		}
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(enc(k))
			b.WriteByte('=')
			b.WriteString(enc(v))
		}
	}
	return b.String()
}

// StringToSignV1 is METHOD&%2F&percentEncode(canonical parameters), all parameters but
// Signature, empty ones included.
func StringToSignV1(method string, params url.Values) string {
	return stringToSignV1(method, params, percentEncode)
}

func stringToSignV1(method string, params url.Values, enc Encoder) string {
	return strings.ToUpper(method) + "&%2F&" + enc(canonicalWith(params, "Signature", enc))
}

// SignV1 is base64(HMAC-SHA1(secret + "&", StringToSignV1(method, params))).
func SignV1(method string, params url.Values, secret string) string {
	sum := signV1Sum(method, params, secret)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// signV1 is SignV1 with enc in place of the RFC 3986 encoding (VerifyWith's deliberately broken
// encodings): the plain way, through crypto/hmac.
func signV1(method string, params url.Values, secret string, enc Encoder) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSignV1(method, params, enc)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// emptySHA256 is the hex SHA-256 of an empty payload.
var emptySHA256 = hashHex(nil)

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newV3(ctx context.Context, u *url.URL, method string, creds Credentials, call Call, nonce string, now time.Time) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range call.Params {
		q[k] = append([]string(nil), vs...)
	}
	if call.Format != "" && q.Get("Format") == "" {
		q.Set("Format", string(call.Format))
	}
	payloadHash := emptySHA256
	var req *http.Request
	var err error
	if call.FormBody && method == http.MethodPost {
		body := Encode(q)
		q = url.Values{} // the canonical query is the query string's: empty
		payloadHash = hashHex([]byte(body))
		req, err = http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		u.RawQuery = Encode(q)
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, err
	}
	h := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          call.Action,
		"x-acs-version":         call.Version,
		"x-acs-date":            formatTime(now),
		"x-acs-signature-nonce": nonce,
		"x-acs-content-sha256":  payloadHash,
	}
	if creds.SecurityToken != "" {
		h["x-acs-accesskey-id"] = creds.AccessKeyID
		h["x-acs-security-token"] = creds.SecurityToken
	}
	for k, v := range h {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Host = u.Host
	signed := make([]string, 0, len(h))
	for k := range h {
		signed = append(signed, k)
	}
	sort.Strings(signed)
	values := func(name string) []string { return []string{h[name]} }
	sig := SignV3(method, u.EscapedPath(), q, signed, values, payloadHash, creds.AccessKeySecret)
	req.Header.Set("Authorization", AuthorizationV3(creds.AccessKeyID, signed, sig))
	return req, nil
}

// AuthorizationV3 renders the Authorization header value.
func AuthorizationV3(accessKeyID string, signedHeaders []string, signature string) string {
	return V3Algorithm + " Credential=" + accessKeyID + ",SignedHeaders=" + strings.Join(signedHeaders, ";") +
		",Signature=" + signature
}

// CanonicalRequestV3 is METHOD\nURI\nquery\nheaders\nsigned;headers\npayload-hash; signedHeaders
// are lower-case and sorted, values(name) returns the received values of one of them.
func CanonicalRequestV3(method, path string, query url.Values, signedHeaders []string, values func(string) []string, payloadHash string) string {
	return canonicalRequestV3(method, path, query, signedHeaders, values, payloadHash, percentEncode)
}

func canonicalRequestV3(method, path string, query url.Values, signedHeaders []string, values func(string) []string, payloadHash string, enc Encoder) string {
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalWith(query, "", enc))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		vs := values(name)
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		sort.Strings(trimmed)
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(trimmed, ","))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// SignV3 is hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request)))).
func SignV3(method, path string, query url.Values, signedHeaders []string, values func(string) []string, payloadHash, secret string) string {
	return signV3(method, path, query, signedHeaders, values, payloadHash, secret, percentEncode)
}

func signV3(method, path string, query url.Values, signedHeaders []string, values func(string) []string, payloadHash, secret string, enc Encoder) string {
	cr := canonicalRequestV3(method, path, query, signedHeaders, values, payloadHash, enc)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(V3Algorithm + "\n" + hashHex([]byte(cr))))
	return hex.EncodeToString(m.Sum(nil))
}

package protocol

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/google/uuid"
)

// Call is one API call to sign and send.
type Call struct {
	Transport        // how it travels: Method, Signature, Format
	Action    string // the API action, e.g. spec.Default().Action()
	Version   string // the API version, e.g. spec.Default().Version()
	// Params are the operation's parameters (ClusterId, JobId, RegionId ...). For V1 they may
	// also override a common parameter (a wrong SignatureMethod, say); an empty value is sent.
	Params url.Values
	// Nonce and Time replace the fresh SignatureNonce (a UUID) and the current time when set:
	// for replay and clock-skew cases and for known answers.
	Nonce string    // "": a fresh UUID
	Time  time.Time // zero: now
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
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	method := call.httpMethod()
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
		"SignatureMethod":  {wire.V1Method},
		"SignatureVersion": {wire.V1Version},
		"SignatureNonce":   {nonce},
		"Timestamp":        {wire.FormatTime(now)},
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
	p.Set("Signature", wire.SignV1(method, p, creds.AccessKeySecret))
	encoded := wire.Encode(p)
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

func newV3(ctx context.Context, u *url.URL, method string, creds Credentials, call Call, nonce string, now time.Time) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range call.Params {
		q[k] = append([]string(nil), vs...)
	}
	if call.Format != "" && q.Get("Format") == "" {
		q.Set("Format", string(call.Format))
	}
	payloadHash := wire.EmptySHA256
	var req *http.Request
	var err error
	if call.FormBody && method == http.MethodPost {
		body := wire.Encode(q)
		q = url.Values{} // the canonical query is the query string's: empty
		payloadHash = wire.HashHex([]byte(body))
		req, err = http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		u.RawQuery = wire.Encode(q)
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, err
	}
	h := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          call.Action,
		"x-acs-version":         call.Version,
		"x-acs-date":            wire.FormatTime(now),
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
	sig := wire.SignV3(method, u.EscapedPath(), q, signed, values, payloadHash, creds.AccessKeySecret)
	req.Header.Set("Authorization", wire.AuthorizationV3(creds.AccessKeyID, signed, sig))
	return req, nil
}

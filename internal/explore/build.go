package explore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// kv is one parameter or header as sent; a list keeps repeats and order.
type kv struct{ k, v string }

// draft is what Build signs, as the mutations' sign steps change it before the parameters are
// laid out.
type draft struct {
	method        string
	sig           protocol.SignatureVersion
	now           time.Time
	keyID, secret string
	body          string // the Body mutation's type; "" for a form
}

// v3Header says whether name is a V3 header (mutations on it change the headers, not the query).
func v3Header(name string) bool { return strings.HasPrefix(strings.ToLower(name), "x-acs-") }

// Build returns the signed request of call against baseURL with muts applied, in order, before
// signing (so the signature is right for what is sent), except the signature's own mutations
// (wrong-secret, key). call is what protocol.NewRequest takes (Method GET or POST; a zero Nonce or
// Time is fresh); a V1 call without Format sends Format=JSON, as protocol does; drop:Format sends
// none.
func Build(ctx context.Context, baseURL string, creds protocol.Credentials, call protocol.Call, muts []Mutation) (*http.Request, error) {
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	if call.Action == "" || call.Version == "" {
		return nil, errors.New("explore: a call needs an Action and a Version")
	}
	if creds.AccessKeyID == "" || creds.AccessKeySecret == "" {
		return nil, errors.New("explore: credentials need an AccessKeyId and an AccessKeySecret")
	}
	d := draft{method: strings.ToUpper(call.Method), sig: call.Signature, now: call.Time,
		keyID: creds.AccessKeyID, secret: creds.AccessKeySecret}
	if d.method == "" {
		d.method = http.MethodGet
	}
	if d.sig == "" {
		d.sig = protocol.SignatureV1
	}
	nonce := call.Nonce
	if d.now.IsZero() {
		d.now = time.Now()
	}
	if nonce == "" {
		nonce = uuid.NewString()
	}
	for _, m := range muts {
		if k, ok := kindOf(m.Kind); ok && k.sign != nil {
			if err := k.sign(&d, m); err != nil {
				return nil, err
			}
		}
	}
	method, sig, keyID, secret, now := d.method, d.sig, d.keyID, d.secret, d.now
	if !validMethod(method) {
		return nil, fmt.Errorf("explore: method %q is not an HTTP method token", truncate(method, 20))
	}
	stamp := now.UTC().Format(protocol.TimeFormat)

	var params, headers []kv
	if sig == protocol.SignatureV1 {
		format := call.Format
		if format == "" {
			format = protocol.FormatJSON
		}
		params = []kv{{"Action", call.Action}, {"Version", call.Version}, {"Format", string(format)},
			{"AccessKeyId", keyID}, {"SignatureMethod", wire.V1Method}, {"SignatureVersion", wire.V1Version},
			{"SignatureNonce", nonce}, {"Timestamp", stamp}}
		if creds.SecurityToken != "" {
			params = append(params, kv{"SecurityToken", creds.SecurityToken})
		}
	} else {
		headers = []kv{{"x-acs-action", call.Action}, {"x-acs-version", call.Version}, {"x-acs-date", stamp},
			{"x-acs-signature-nonce", nonce}}
		if creds.SecurityToken != "" {
			headers = append(headers, kv{"x-acs-accesskey-id", keyID}, kv{"x-acs-security-token", creds.SecurityToken})
		}
		if call.Format != "" && call.Params.Get("Format") == "" {
			params = append(params, kv{"Format", string(call.Format)})
		}
	}
	keys := make([]string, 0, len(call.Params))
	for k := range call.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		params = set(params, k, call.Params[k]...)
	}
	for _, m := range muts {
		list := &params
		if sig == protocol.SignatureV3 && v3Header(m.Param) {
			list = &headers
		}
		if k, ok := kindOf(m.Kind); ok && k.edit != nil {
			*list = k.edit(*list, m)
		}
	}
	if sig == protocol.SignatureV1 {
		return buildV1(ctx, u, method, d.body, params, secret)
	}
	return buildV3(ctx, u, method, params, headers, keyID, secret)
}

// validMethod: a token of RFC 9110 (what net/http sends).
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// set replaces the values of k (added at the end when absent).
func set(list []kv, k string, vs ...string) []kv {
	out := list[:0:0]
	done := false
	for _, p := range list {
		if p.k != k {
			out = append(out, p)
			continue
		}
		if !done {
			for _, v := range vs {
				out = append(out, kv{k, v})
			}
			done = true
		}
	}
	if !done {
		for _, v := range vs {
			out = append(out, kv{k, v})
		}
	}
	return out
}

func valueOf(list []kv, k string) (string, bool) {
	for _, p := range list {
		if p.k == k {
			return p.v, true
		}
	}
	return "", false
}

func values(list []kv) url.Values {
	out := url.Values{}
	for _, p := range list {
		out[p.k] = append(out[p.k], p.v)
	}
	return out
}

func buildV1(ctx context.Context, u *url.URL, method, body string, params []kv, secret string) (*http.Request, error) {
	vals := values(params)
	vals.Set("Signature", wire.SignV1(method, vals, secret))
	encoded := wire.Encode(vals)
	if method != http.MethodPost {
		u.RawQuery = encoded
		return http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	contentType := "application/x-www-form-urlencoded"
	switch body {
	case BodyFormCharset:
		contentType += "; charset=UTF-8"
	case BodyText:
		contentType = "text/plain; charset=UTF-8"
	case BodyJSON:
		obj := map[string]string{}
		for k, vs := range vals {
			obj[k] = vs[len(vs)-1]
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("explore: %w", err)
		}
		encoded, contentType = string(b), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(encoded))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return req, nil
}

func buildV3(ctx context.Context, u *url.URL, method string, params, headers []kv, keyID, secret string) (*http.Request, error) {
	q := values(params)
	u.RawQuery = wire.Encode(q)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(nil)
	payload := hex.EncodeToString(sum[:])
	headers = append(slices.Clone(headers), kv{"x-acs-content-sha256", payload})
	h := map[string][]string{"host": {u.Host}}
	for _, p := range headers {
		name := strings.ToLower(p.k)
		h[name] = append(h[name], p.v)
		req.Header.Add(name, p.v)
	}
	req.Host = u.Host
	signed := make([]string, 0, len(h))
	for name := range h {
		signed = append(signed, name)
	}
	sort.Strings(signed)
	sig := wire.SignV3(method, u.EscapedPath(), q, signed, func(name string) []string { return h[name] }, payload, secret)
	req.Header.Set("Authorization", wire.AuthorizationV3(keyID, signed, sig))
	return req, nil
}

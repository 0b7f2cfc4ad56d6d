package wire

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

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

// EmptySHA256 is the hex SHA-256 of an empty payload.
var EmptySHA256 = HashHex(nil)

// HashHex is the hex SHA-256 of b: the payload hash of V3 (x-acs-content-sha256).
func HashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
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
	m.Write([]byte(V3Algorithm + "\n" + HashHex([]byte(cr))))
	return hex.EncodeToString(m.Sum(nil))
}

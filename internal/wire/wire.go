// Package wire is the machinery of the RPC wire that package protocol (spec/protocol) signs calls
// with, and the server side of it: the canonical forms and signatures of V1 (HMAC-SHA1 over the
// parameters) and V3 (ACS3-HMAC-SHA256 over a canonical request), Alibaba Cloud's percent-encoding,
// and ParseRequest/Incoming, which read a call as a server received it and verify its signature
// (the reference implementation's, fast and pooled). It knows nothing of the API's facts: those
// come from package spec.
package wire

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// SignatureVersion selects how a call is signed.
type SignatureVersion string

const (
	// SignatureV1 is the RPC signature: HMAC-SHA1 over the sorted parameters, sent as Signature.
	SignatureV1 SignatureVersion = "v1"
	// SignatureV3 is the ACS3-HMAC-SHA256 signature sent in the Authorization header.
	SignatureV3 SignatureVersion = "v3"
)

// Wire constants of the two signature schemes.
const (
	// TimeFormat is the Timestamp / x-acs-date format: ISO 8601 in UTC, seconds precision.
	TimeFormat = "2006-01-02T15:04:05Z"
	// V1Method and V1Version are the values of SignatureMethod and SignatureVersion for V1.
	V1Method  = "HMAC-SHA1"
	V1Version = "1.0"
	// V3Algorithm is the only V3 algorithm supported, the official SDKs' default.
	V3Algorithm = "ACS3-HMAC-SHA256"
)

// Errors of ParseRequest; the returned errors wrap them with detail.
var (
	// ErrBodyTooLarge: the request body exceeds the limit given to ParseRequest.
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrMalformed: the request cannot be read as an RPC call (bad encoding, duplicated
	// parameter, unreadable Authorization header).
	ErrMalformed = errors.New("malformed request")
)

// BodyTooLargeError is returned (wrapped) when a body exceeds the limit; it matches ErrBodyTooLarge.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("%v: more than %d bytes", ErrBodyTooLarge, e.Limit)
}

// Is makes errors.Is(err, ErrBodyTooLarge) true.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// Encoder encodes one name or value of a canonical query string.
type Encoder func(string) string

// PercentEncode is Alibaba Cloud's encoding of names and values in what is signed (RFC 3986).
func PercentEncode(s string) string { return percentEncode(s) }

// FormEncode is how an HTML form (and Java's URLEncoder) encodes: space as '+', '*' kept, '~' as
// %7E, every other byte but A-Z a-z 0-9 - _ . as %XX. It is NOT what Alibaba Cloud signs: a signer
// that uses it disagrees with the SDKs on exactly the values holding a space, '*' or '~'. It is
// here for the reference implementation's FormEncodingSigner defect.
func FormEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('+')
		case c == '*' || c != '~' && unreserved(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// percentEncode is Alibaba Cloud's encoding of names and values: RFC 3986, every byte but the
// unreserved A-Z a-z 0-9 - _ . ~ as %XX (so space is %20, * is %2A, ~ stays).
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// unreserved says whether RFC 3986 leaves c as it is: A-Z a-z 0-9 - _ . ~
func unreserved(c byte) bool { return unreservedByte[c] }

// unreservedByte is unreserved as a table: every byte of every signed call is looked up.
var unreservedByte = func() (t [256]bool) {
	for c := range t {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// FormatTime renders t as the wire wants it (TimeFormat, in UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a Timestamp or x-acs-date: the wire format, or any RFC 3339 time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty")
	}
	if t, ok := parseWireTime(s); ok {
		return t, nil
	}
	if t, err := time.Parse(TimeFormat, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an ISO 8601 UTC time (%s): %q", TimeFormat, truncate(s, 40))
	}
	return t.UTC(), nil
}

// parseWireTime reads the wire format, 2006-01-02T15:04:05Z, without time.Parse's generality
// (every call carries one); ok is false for anything it does not take, which time.Parse then
// judges.
func parseWireTime(s string) (t time.Time, ok bool) {
	if len(s) != len(TimeFormat) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 31 April: time.Date would roll it over, time.Parse refuses it
		return time.Time{}, false
	}
	return t, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

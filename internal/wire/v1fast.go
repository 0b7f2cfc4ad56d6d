package wire

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"sync"
)

// The V1 signature without per-call garbage: the string to sign is built once, in a pooled
// buffer, already encoded twice (canonical form, then the whole percent-encoded again), and
// HMAC-SHA1 is computed over it with sha1.Sum on stack arrays. A server verifies every call
// this way; the result is the same as crypto/hmac over StringToSignV1 (a test compares them).

// bufPool holds the buffers of the string to sign, with room before it for HMAC's inner pad.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const sha1Block = 64

// signV1Sum is HMAC-SHA1(secret + "&", StringToSignV1(method, params)).
func signV1Sum(method string, params url.Values, secret string) [sha1.Size]byte {
	var stack [32]param
	return signV1SortedSum(method, sortedParams(stack[:0], params), secret)
}

// signV1SortedSum is signV1Sum of parameters sorted by name then value (sortParams).
func signV1SortedSum(method string, sorted []param, secret string) [sha1.Size]byte {
	// The key, padded to a block (hashed first if longer, as HMAC says).
	var key [sha1Block]byte
	if len(secret)+1 > sha1Block {
		p := bufPool.Get().(*[]byte)
		k := append(append((*p)[:0], secret...), '&')
		sum := sha1.Sum(k)
		copy(key[:], sum[:])
		*p = k[:0]
		bufPool.Put(p)
	} else {
		copy(key[:], secret)
		key[len(secret)] = '&'
	}

	p := bufPool.Get().(*[]byte)
	b := (*p)[:0]
	for _, c := range key {
		b = append(b, c^0x36)
	}
	b = appendStringToSignV1(b, method, sorted)
	inner := sha1.Sum(b)
	*p = b[:0]
	bufPool.Put(p)

	var outer [sha1Block + sha1.Size]byte
	for i, c := range key {
		outer[i] = c ^ 0x5c
	}
	copy(outer[sha1Block:], inner[:])
	return sha1.Sum(outer[:])
}

// verifyV1 says, in constant time, whether signature is the base64 V1 signature of the call
// whose parameters are sorted by name then value (as parsed: paramSet).
func verifyV1(method string, sorted []param, secret, signature string) bool {
	sum := signV1SortedSum(method, sorted, secret)
	var want [28]byte // base64 of 20 bytes
	base64.StdEncoding.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare(want[:], []byte(signature)) == 1
}

// sortedParams appends every value of params to ps, as one param each, sorted by name then value.
func sortedParams(ps []param, params url.Values) []param {
	for k, vs := range params {
		for _, v := range vs {
			ps = append(ps, param{k, v})
		}
	}
	sortParams(ps)
	return ps
}

// appendStringToSignV1 appends StringToSignV1 of the sorted parameters to b; Signature is left
// out.
func appendStringToSignV1(b []byte, method string, sorted []param) []byte {
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	b = append(b, "&%2F&"...)
	first := true
	for _, p := range sorted {
		if p.k == "Signature" {
			continue
		}
		if !first {
			b = append(b, "%26"...) // '&', encoded by the second pass
		}
		first = false
		b = appendEncodedTwice(b, p.k)
		b = append(b, "%3D"...) // '='
		b = appendEncodedTwice(b, p.v)
	}
	return b
}

// appendEncodedTwice appends percentEncode(percentEncode(s)): an unreserved byte as it is, any
// other as %25XX (the '%' of its first encoding encoded again; hex digits are unreserved).
func appendEncodedTwice(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	run := 0 // start of the unreserved bytes not appended yet
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreservedByte[c] {
			continue
		}
		b = append(b, s[run:i]...)
		b = append(b, '%', '2', '5', hex[c>>4], hex[c&15])
		run = i + 1
	}
	return append(b, s[run:]...)
}

package mock

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Content types as the cloud sends them (from the spec); the newer SDK parses an XML error only
// with exactly this one.
var (
	ContentTypeJSON = spec.Default().ContentType("JSON")
	ContentTypeXML  = spec.Default().ContentType("XML")
)

// RateLimitHeader carries the throttle's state on every answer past the gateway.
const RateLimitHeader = specfacts.HeaderRateLimitUserAPI

// rateLimitKey is RateLimitHeader as net/http keys it: set directly, without canonicalizing it
// on every answer.
var rateLimitKey = http.CanonicalHeaderKey(RateLimitHeader)

// retryAfterKey is specfacts.HeaderRetryAfter as net/http keys it.
var retryAfterKey = http.CanonicalHeaderKey(specfacts.HeaderRetryAfter)

// Every answer renders its RequestId, body and headers: this file does it without reflection
// (encoding/json and encoding/xml would cost more than the rest of the pipeline) and with one
// pooled buffer per answer. render_test.go holds the encoders it replaces as its oracle.

// ids generates RequestIds: version-4 UUIDs from ChaCha8 streams seeded by crypto/rand, one per
// pooled generator (crypto/rand for each answer costs a system call's worth).
var ids = sync.Pool{New: func() any {
	var seed [32]byte
	rand.Read(seed[:])
	return mrand.NewChaCha8(seed)
}}

// newRequestID is a fresh upper-case UUID, as the cloud's RequestIds are.
func newRequestID() string {
	g := ids.Get().(*mrand.ChaCha8)
	var u [16]byte
	g.Read(u[:])
	ids.Put(g)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	const hex = "0123456789ABCDEF"
	var out [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&15]
		j += 2
	}
	return string(out[:])
}

func (s *Server) requestID() string {
	switch {
	case s.d.noRequestID:
		return ""
	case s.d.reusedRequestID:
		return s.reusedID
	case s.d.lowercaseRequestID:
		return strings.ToLower(newRequestID())
	}
	return newRequestID()
}

// bodyPool holds the buffers answers are rendered into.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// xmlHeader is <?xml version="1.0" encoding="UTF-8"?> without encoding/xml's newline.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// The bodies, fields in the cloud's order: a success {RequestId, JobId} (root
// StartEdgeTranscodeJobResponse in XML), an error {RequestId, HostId, Code, Message, Recommend}
// (root Error). RequestId is omitted only under the NoRequestID defect.
func (s *Server) render(b []byte, a *answer) []byte {
	if a.format == protocol.FormatXML {
		if !s.v.xmlNoDeclaration {
			b = append(b, xmlHeader...)
		}
		if a.code == "" {
			b = append(b, "<StartEdgeTranscodeJobResponse>"...)
			b = xmlField(b, "RequestId", a.requestID, true)
			b = xmlField(b, "JobId", a.jobID, false)
			return append(b, "</StartEdgeTranscodeJobResponse>"...)
		}
		b = append(b, "<Error>"...)
		b = xmlField(b, "RequestId", a.requestID, true)
		b = xmlField(b, "HostId", s.d.hostID(s.hostID), false)
		b = xmlField(b, "Code", a.code, false)
		b = append(b, "<Message>"...)
		b = a.appendMessage(b, xmlText)
		b = append(b, "</Message>"...)
		b = append(b, "<Recommend>"...)
		b = xmlText(b, recommendPrefix)
		b = xmlText(b, a.code)
		b = xmlText(b, recommendMiddle)
		b = xmlText(b, a.requestID)
		return append(b, "</Recommend></Error>"...)
	}
	b = append(b, '{')
	if a.requestID != "" {
		b = jsonField(b, "RequestId", a.requestID)
		b = append(b, ',')
	}
	if a.code == "" {
		b = jsonField(b, "JobId", a.jobID)
		return append(b, '}')
	}
	b = jsonField(b, "HostId", s.d.hostID(s.hostID))
	b = append(b, ',')
	b = jsonField(b, "Code", a.code)
	b = append(b, ',')
	b = append(b, `"Message":"`...)
	b = a.appendMessage(b, jsonText)
	b = append(b, '"')
	b = append(b, `,"Recommend":"`...)
	b = jsonText(b, recommendPrefix)
	b = jsonText(b, a.code)
	b = jsonText(b, recommendMiddle)
	b = jsonText(b, a.requestID)
	return append(b, `"}`...)
}

// appendMessage appends a's message escaped by esc: its text, or its template with each %s
// replaced by its detail.
func (a *answer) appendMessage(b []byte, esc func([]byte, string) []byte) []byte {
	if a.message != "" || a.template == "" {
		return esc(b, a.message)
	}
	for t := a.template; ; {
		before, after, found := strings.Cut(t, "%s")
		b = esc(b, before)
		if !found {
			return b
		}
		b = esc(b, a.detail)
		t = after
	}
}

// The Recommend URL around its code and RequestId.
const (
	recommendPrefix = "https://api.aliyun.com/troubleshoot?q="
	recommendMiddle = "&product=live&requestId="
)

func jsonField(b []byte, name, value string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	b = jsonText(b, value)
	return append(b, '"')
}

// jsonText appends s escaped as encoding/json does without HTML escaping: printable ASCII as
// it is but '"' and '\\'; anything else through encoding/json itself (rare: control characters,
// Unicode, invalid UTF-8).
func jsonText(b []byte, s string) []byte {
	run := 0 // start of the bytes not appended yet
	for i := 0; i < len(s); i++ {
		if jsonPlain[s[i]] {
			continue
		}
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(append(b, s[run:i]...), '\\', c)
			run = i + 1
		default: // c < 0x20 || c >= utf8.RuneSelf
			return jsonSlow(append(b, s[run:i]...), s[i:])
		}
	}
	return append(b, s[run:]...)
}

// jsonPlain says which bytes jsonText appends as they are: printable ASCII but '"' and '\\'.
var jsonPlain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\'
	}
	return t
}()

func jsonSlow(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	q := buf.Bytes()
	return append(b, q[1:len(q)-2]...) // without the quotes and Encode's newline
}

// xmlField appends <name>value</name>; omitEmpty leaves an empty value out.
func xmlField(b []byte, name, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = xmlText(b, value)
	b = append(b, '<', '/')
	b = append(b, name...)
	return append(b, '>')
}

// xmlText appends s escaped as encoding/xml does: printable ASCII as it is but the five
// specials; anything else through xml.EscapeText itself.
func xmlText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b = append(b, "&#34;"...)
		case c == '\'':
			b = append(b, "&#39;"...)
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c < 0x20 || c >= utf8.RuneSelf:
			var buf bytes.Buffer
			xml.EscapeText(&buf, []byte(s[i:]))
			return append(b, buf.Bytes()...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// closeValue is the Connection header of an answer after which the connection closes; shared by
// the answers, never changed.
var closeValue = []string{"close"}

// contentTypeOf is the Content-Type of an answer in format (wrong under the WrongContentType defect).
func (s *Server) contentTypeOf(format string) string {
	if s.d.wrongContentType {
		if format == "XML" {
			return "application/xml"
		}
		return "application/json"
	}
	return s.spec.ContentType(format)
}

// contentType is the Content-Type header value of an answer in format: one slice per format,
// made once, shared by the answers and never changed.
func (s *Server) contentType(format string) []string {
	if v, ok := s.contentTypes[format]; ok {
		return v
	}
	return []string{s.contentTypeOf(format)}
}

// netHTTPBuffered is how much of a body net/http's server buffers before it sends the headers:
// for an answer that fits, it sets Content-Length itself, without a header map entry to fill and
// copy (answers are small; a longer one gets it from write, or net/http would send it chunked).
const netHTTPBuffered = 2048

func (s *Server) write(w http.ResponseWriter, a *answer) {
	if a.html {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(a.status)
		w.Write([]byte("<html><body><h1>500 Internal Server Error</h1></body></html>\n"))
		return
	}
	p := bodyPool.Get().(*[]byte)
	body := s.render((*p)[:0], a)
	if s.v.jsonReordered && a.format != protocol.FormatXML {
		body = reorderJSON(body)
	}
	h := w.Header()
	h["Content-Type"] = s.contentType(string(a.format))
	if len(body) > netHTTPBuffered {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	if a.closeConn {
		h["Connection"] = closeValue
	}
	if a.rateLimit != "" && !s.d.noRateLimitHeader && !s.v.noRateLimitHeader {
		h[rateLimitKey] = []string{a.rateLimit}
	}
	if a.retryAfter != "" {
		h[retryAfterKey] = []string{a.retryAfter}
	}
	w.WriteHeader(a.status)
	w.Write(body)
	*p = body[:0]
	bodyPool.Put(p)
}

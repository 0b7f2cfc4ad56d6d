package mock

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/edgeconform/edgeconform/spec"
)

// Content types as the cloud sends them (from the spec); the newer SDK parses an XML error only
// with exactly this one.
var (
	ContentTypeJSON = spec.Default().ContentType("JSON")
	ContentTypeXML  = spec.Default().ContentType("XML")
)

// RateLimitHeader carries the throttle's state on every answer past the gateway.
const RateLimitHeader = spec.HeaderRateLimitUserAPI

// newRequestID is a fresh upper-case UUID, as the cloud's RequestIds are.
func newRequestID() string { return strings.ToUpper(uuid.NewString()) }

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

// The bodies, fields in the cloud's order. RequestId is omitted only under the NoRequestID defect.
type successBody struct {
	XMLName   xml.Name `json:"-" xml:"StartEdgeTranscodeJobResponse"`
	RequestID string   `json:"RequestId,omitempty" xml:"RequestId,omitempty"`
	JobID     string   `json:"JobId" xml:"JobId"`
}

type errorBody struct {
	XMLName   xml.Name `json:"-" xml:"Error"`
	RequestID string   `json:"RequestId,omitempty" xml:"RequestId,omitempty"`
	HostID    string   `json:"HostId" xml:"HostId"`
	Code      string   `json:"Code" xml:"Code"`
	Message   string   `json:"Message" xml:"Message"`
	Recommend string   `json:"Recommend" xml:"Recommend"`
}

func (s *Server) write(w http.ResponseWriter, a *answer) {
	if a.html {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(a.status)
		w.Write([]byte("<html><body><h1>500 Internal Server Error</h1></body></html>\n"))
		return
	}
	var v any
	if a.code == "" {
		v = successBody{RequestID: a.requestID, JobID: a.jobID}
	} else {
		v = errorBody{
			RequestID: a.requestID,
			HostID:    s.d.hostID(s.hostID),
			Code:      a.code,
			Message:   a.message,
			Recommend: "https://api.aliyun.com/troubleshoot?q=" + a.code + "&product=live&requestId=" + a.requestID,
		}
	}
	var buf bytes.Buffer
	ct := s.spec.ContentType(a.format)
	if a.format == "XML" {
		buf.WriteString(xml.Header[:len(xml.Header)-1]) // <?xml version="1.0" encoding="UTF-8"?> without the newline
		if err := xml.NewEncoder(&buf).Encode(v); err != nil {
			http.Error(w, "mock: encoding the answer failed", http.StatusInternalServerError)
			return
		}
	} else {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // the Recommend URL keeps its '&'
		if err := enc.Encode(v); err != nil {
			http.Error(w, "mock: encoding the answer failed", http.StatusInternalServerError)
			return
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	if s.d.wrongContentType {
		ct = "application/json"
		if a.format == "XML" {
			ct = "application/xml"
		}
	}
	h := w.Header()
	h["Content-Type"] = []string{ct}
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	if a.closeConn {
		h.Set("Connection", "close")
	}
	if a.rateLimit != "" && !s.d.noRateLimitHeader {
		h.Set(RateLimitHeader, a.rateLimit)
	}
	w.WriteHeader(a.status)
	w.Write(buf.Bytes())
}

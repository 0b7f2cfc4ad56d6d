package mock

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The encoders render replaces, kept as its oracle.
type oracleSuccess struct {
	XMLName   xml.Name `json:"-" xml:"StartEdgeTranscodeJobResponse"`
	RequestID string   `json:"RequestId,omitempty" xml:"RequestId,omitempty"`
	JobID     string   `json:"JobId" xml:"JobId"`
}

type oracleError struct {
	XMLName   xml.Name `json:"-" xml:"Error"`
	RequestID string   `json:"RequestId,omitempty" xml:"RequestId,omitempty"`
	HostID    string   `json:"HostId" xml:"HostId"`
	Code      string   `json:"Code" xml:"Code"`
	Message   string   `json:"Message" xml:"Message"`
	Recommend string   `json:"Recommend" xml:"Recommend"`
}

func oracleRender(s *Server, a *answer) string {
	var v any = oracleSuccess{RequestID: a.requestID, JobID: a.jobID}
	if a.code != "" {
		message := a.message
		if message == "" && a.template != "" {
			message = spec.ErrorCode{Template: a.template}.Message(a.detail)
		}
		v = oracleError{RequestID: a.requestID, HostID: s.d.hostID(s.hostID), Code: a.code, Message: message,
			Recommend: "https://api.aliyun.com/troubleshoot?q=" + a.code + "&product=live&requestId=" + a.requestID}
	}
	var buf bytes.Buffer
	if a.format == "XML" {
		buf.WriteString(xml.Header[:len(xml.Header)-1])
		xml.NewEncoder(&buf).Encode(v)
		return buf.String()
	}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// Every answer renders byte for byte as encoding/json and encoding/xml render it, whatever the
// strings hold: quotes, markup, control characters, Unicode, line separators, invalid UTF-8.
func TestRenderSameAsEncoders(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tricky := []string{"", "plain", `a "quoted" \ path`, "<b>&'x'</b>", "tab\there\nline\r", "\x00\x1f\x7f", "中文 é",
		"sep\u2028\u2029", "bad \xff\xfe utf8", "mixed \" é \n <", strings.Repeat("long ", 100)}
	for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
		for _, str := range tricky {
			for _, a := range []answer{
				{format: format, jobID: str, requestID: "0A1B2C3D-0E1A-486A-AC29-7422470A1B2C"},
				{format: format, jobID: str},
				{format: format, code: "JobNotFound", message: str, requestID: str},
				{format: format, code: str, message: "m"},
				{format: format, code: "OperationDenied", template: "The job %s is running (%s).", detail: str},
				{format: format, code: "OperationDenied", template: str + "%s" + str, detail: "<&\"é>"},
				*s.fail(&answer{format: format}, specfacts.CodeOperationDenied, str),
				*s.fail(&answer{format: format}, specfacts.CodeJobNotFound, str),
			} {
				got := string(s.render(nil, &a))
				if want := oracleRender(s, &a); got != want {
					t.Errorf("%s %+v:\n got %q\nwant %q", format, a, got, want)
				}
			}
		}
	}
}

// RequestIds are upper-case version-4 UUIDs, fresh each time.
func TestNewRequestID(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !shape.MatchString(id) || seen[id] {
			t.Fatalf("%q: not a fresh upper-case UUID v4", id)
		}
		seen[id] = true
	}
}

// quote is strconv.Quote.
func TestQuote(t *testing.T) {
	for _, s := range []string{"", "abc123", `a"b`, `a\b`, "tab\t", "é", "\x7f", "\xff", "plain-id_0.~"} {
		if got, want := quote(s), strconv.Quote(s); got != want {
			t.Errorf("quote(%q) = %s, want %s", s, got, want)
		}
	}
}

// Every answer carries Content-Length over the wire: net/http sets it for the small ones write
// leaves to it, write sets it for those too long for net/http to buffer.
func TestAnswersCarryContentLength(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, message := range []string{"short", strings.Repeat("long ", 2*netHTTPBuffered/5)} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.write(w, &answer{status: http.StatusBadRequest, code: "InvalidParameter", message: message, format: "JSON"})
		}))
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, ts.URL, nil)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := int64(len(body))
			if method == http.MethodHead {
				want = int64(len(oracleRender(s, &answer{code: "InvalidParameter", message: message, format: "JSON"})))
			}
			if resp.ContentLength != want || len(resp.TransferEncoding) > 0 {
				t.Errorf("%s, message of %d bytes: Content-Length %d (Transfer-Encoding %v), want %d", method, len(message), resp.ContentLength, resp.TransferEncoding, want)
			}
		}
		ts.Close()
	}
}

// Any detail, any job id: a failed call renders as encoding/json and encoding/xml render its
// message (the template filled in as a string first).
func FuzzRenderFail(f *testing.F) {
	f.Add("JSON", "plain", "j1")
	f.Add("XML", "bad \xff\xe4 utf8 <&>", "\xe4")
	f.Add("JSON", "\xe4\xb8", "\u2028")
	s, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, fuzzFormat, detail, jobID string) {
		format := protocol.FormatJSON
		if fuzzFormat == "XML" {
			format = protocol.FormatXML
		}
		for _, code := range []string{specfacts.CodeOperationDenied, specfacts.CodeJobNotFound, specfacts.CodeMissingParameter} {
			a := s.fail(&answer{format: format, jobID: jobID, requestID: "0A1B2C3D-0E1A-486A-AC29-7422470A1B2C"}, code, detail)
			if got, want := string(s.render(nil, a)), oracleRender(s, &answer{format: format, code: code,
				message: s.errs[code].Message(detail), requestID: a.requestID}); got != want {
				t.Fatalf("%s %s detail %q:\n got %q\nwant %q", format, code, detail, got, want)
			}
		}
	})
}

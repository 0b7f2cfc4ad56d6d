// Package client is the harness's HTTP side: it signs a call (package protocol), sends it, reads
// the answer within a size and a time bound, and parses JSON or XML into an Answer. Any HTTP answer
// is an Answer, whatever its status or body; only a failure to get one is an error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Defaults of a Client.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 1 << 20
)

// ErrTransport is wrapped by Call's errors: no HTTP answer was received (refused, timed out, reset).
var ErrTransport = errors.New("no answer from the target")

// Client calls one target.
type Client struct {
	baseURL string
	timeout time.Duration
	maxBody int64
	http    *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout returns an option which sets the per-call timeout (sending and reading the answer).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxBody returns an option which sets how many bytes of an answer are read at most.
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithHTTPClient returns an option which sets the HTTP client used (a copy of it: redirects are
// never followed, whatever its CheckRedirect says).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			cp := *h
			c.http = &cp
		}
	}
}

// New returns a client of the implementation served at baseURL (an http or https URL).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	c := &Client{baseURL: u.String(), timeout: DefaultTimeout, maxBody: DefaultMaxBody, http: &http.Client{}}
	for _, o := range opts {
		o(c)
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("client: timeout %v: want a positive duration", c.timeout)
	}
	if c.maxBody <= 0 {
		return nil, fmt.Errorf("client: max body %d: want a positive size", c.maxBody)
	}
	// A redirect is an answer of the target, to be judged, not followed.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// BaseURL is the target's URL as normalized by New.
func (c *Client) BaseURL() string { return c.baseURL }

// Answer is what the target answered to one call.
type Answer struct {
	Status      int
	Header      http.Header
	Body        []byte // at most the client's MaxBody bytes
	Truncated   bool   // the body was longer than MaxBody
	ContentType string
	// Request is the signed request sent; it carries the signature: never log it whole.
	Request *http.Request
	// Fields of the parsed body (top-level members of the JSON object, children of the XML root).
	RequestID, HostID, Code, Message, Recommend, JobID string
	Fields                                             map[string]string // every top-level string field
	XMLRoot                                            string            // the XML root element, when XML
	Format                                             protocol.Format   // JSON or XML as parsed, "" if neither
	Parsed                                             bool
	ParseErr                                           error
	Elapsed                                            time.Duration
}

// Call signs call with creds, sends it and reads the answer. The error wraps ErrTransport when no
// answer came, or is a signing error (bad call); an answer that does not parse is still an Answer.
func (c *Client) Call(ctx context.Context, creds protocol.Credentials, call protocol.Call) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := protocol.NewRequest(ctx, c.baseURL, creds, call)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return c.do(req)
}

// Do sends a request built elsewhere (a generated or deliberately malformed call) within the
// client's timeout and reads the answer as Call does. The request's URL should be the client's
// target: redirects are answers, never followed.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.do(req.WithContext(ctx))
}

func (c *Client) do(req *http.Request) (*Answer, error) {
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %w: %s %s: %w", ErrTransport, req.Method, c.baseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("client: %w: reading the answer: %w", ErrTransport, err)
	}
	a := &Answer{
		Status:      resp.StatusCode,
		Header:      resp.Header,
		ContentType: resp.Header.Get("Content-Type"),
		Request:     req,
		Elapsed:     time.Since(start),
	}
	if int64(len(body)) > c.maxBody {
		body, a.Truncated = body[:c.maxBody], true
	}
	a.Body = body
	a.parse()
	return a, nil
}

// unwrapURLError drops url.Error's wrapping, which repeats the URL (and with V1, the signature).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parse fills the fields from the body: by Content-Type, else by sniffing the first byte.
func (a *Answer) parse() {
	if a.Truncated {
		a.ParseErr = fmt.Errorf("body longer than %d bytes: not parsed", len(a.Body))
		return
	}
	format := formatOf(a.ContentType)
	if format == "" {
		switch t := bytes.TrimSpace(a.Body); {
		case len(t) > 0 && t[0] == '{':
			format = protocol.FormatJSON
		case len(t) > 0 && t[0] == '<':
			format = protocol.FormatXML
		default:
			a.ParseErr = fmt.Errorf("body is neither JSON nor XML (Content-Type %q)", a.ContentType)
			return
		}
	}
	var err error
	if format == protocol.FormatJSON {
		a.Fields, err = parseJSON(a.Body)
	} else {
		a.XMLRoot, a.Fields, err = parseXML(a.Body)
	}
	if err != nil {
		a.ParseErr = fmt.Errorf("%s body: %w", format, err)
		return
	}
	a.Format, a.Parsed = format, true
	a.RequestID = a.Fields["RequestId"]
	a.HostID = a.Fields["HostId"]
	a.Code = a.Fields["Code"]
	a.Message = a.Fields["Message"]
	a.Recommend = a.Fields["Recommend"]
	a.JobID = a.Fields["JobId"]
}

func formatOf(contentType string) protocol.Format {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return protocol.FormatJSON
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return protocol.FormatXML
	}
	return ""
}

// parseJSON wants one object; its string members become fields.
func parseJSON(body []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	fields := make(map[string]string, len(raw))
	var wrong []string
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			wrong = append(wrong, k)
			continue
		}
		fields[k] = s
	}
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend", "JobId"} {
		for _, w := range wrong {
			if w == k {
				return fields, fmt.Errorf("member %s is not a string", k)
			}
		}
	}
	return fields, nil
}

// parseXML wants one root element; the text of its direct children become fields.
func parseXML(body []byte) (string, map[string]string, error) {
	var doc struct {
		XMLName  xml.Name
		Children []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		return "", nil, err
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return "", nil, errors.New("data after the root element")
			}
		case xml.StartElement:
			return "", nil, errors.New("more than one root element")
		}
	}
	fields := make(map[string]string, len(doc.Children))
	for _, c := range doc.Children {
		fields[c.XMLName.Local] = strings.TrimSpace(c.Text)
	}
	return doc.XMLName.Local, fields, nil
}

// String summarizes the answer without the request (which carries the signature), fit for a log.
func (a Answer) String() string {
	s := fmt.Sprintf("HTTP %d", a.Status)
	if a.Code != "" {
		s += " Code=" + a.Code
	}
	if a.RequestID != "" {
		s += " RequestId=" + a.RequestID
	}
	s += fmt.Sprintf(" (%s, %d bytes", a.ContentType, len(a.Body))
	if a.ParseErr != nil {
		s += ", " + a.ParseErr.Error()
	}
	return s + ")"
}

// GoString keeps %#v free of the signed request too.
func (a Answer) GoString() string { return "client.Answer{" + a.String() + "}" }

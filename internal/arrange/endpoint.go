package arrange

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Defaults of an Endpoint: a state change is a small, quick call.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 64 << 10
)

// Endpoint is the client of a target's provider-state endpoint (docs/protocol.md#provider-states).
type Endpoint struct {
	url     string
	client  *http.Client
	timeout time.Duration
	maxBody int64
	token   string      // sent as "Authorization: Bearer <token>" ("": none)
	noBatch atomic.Bool // the endpoint answered a batch setup with one object
}

// Option configures an Endpoint.
type Option func(*Endpoint)

// WithTimeout returns an option which sets the time limit of one state change (default 10s).
func WithTimeout(d time.Duration) Option { return func(e *Endpoint) { e.timeout = d } }

// WithMaxBody returns an option which sets how many bytes of an answer are read at most (default 64 KiB).
func WithMaxBody(n int64) Option { return func(e *Endpoint) { e.maxBody = n } }

// WithToken returns an option which sends token as "Authorization: Bearer <token>" with every
// state change (docs/protocol.md#provider-states: an endpoint off loopback needs one). It never
// appears in an error.
func WithToken(token string) Option { return func(e *Endpoint) { e.token = token } }

// WithHTTPClient returns an option which sets the HTTP client used for state changes.
func WithHTTPClient(c *http.Client) Option { return func(e *Endpoint) { e.client = c } }

// noRedirects is the default client: a redirect is the endpoint's answer (a failure), never
// followed — following it would turn the POST into a GET to wherever the endpoint points.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// NewEndpoint returns the client of the provider-state endpoint at rawURL. A malformed URL is
// reported by the first Setup; use ValidateURL to check it up front.
func NewEndpoint(rawURL string, opts ...Option) *Endpoint {
	e := &Endpoint{url: rawURL, client: noRedirects, timeout: DefaultTimeout, maxBody: DefaultMaxBody}
	for _, o := range opts {
		o(e)
	}
	return e
}

// ValidateURL says whether rawURL can serve as a state endpoint: absolute http(s) with a host.
func ValidateURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("state endpoint: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("state endpoint: %q is not an absolute http(s) URL", rawURL)
	}
	return nil
}

// change is the body of a state-change request, as Pact sends it.
type change struct {
	State  string            `json:"state"`
	Params map[string]string `json:"params"`
	Action string            `json:"action"`
}

// Setup posts {"state": state, "params": {}, "action": "setup"} and returns the values answered.
func (e *Endpoint) Setup(ctx context.Context, state string) (Values, error) {
	return e.setupWith(ctx, state, nil)
}

// setupWith is Setup with params (nil: none), e.g. {"need": "OtherAccessKeyId,OtherAccessKeySecret"}.
func (e *Endpoint) setupWith(ctx context.Context, state string, params map[string]string) (Values, error) {
	if params == nil {
		params = map[string]string{}
	}
	v, err := e.post(ctx, change{State: state, Params: params, Action: "setup"})
	if err != nil {
		return nil, fmt.Errorf("state %q setup: %w", state, err)
	}
	return v, nil
}

// Teardown posts the values of Setup back with "action": "teardown".
func (e *Endpoint) Teardown(ctx context.Context, state string, v Values) error {
	params := make(map[string]string, len(v))
	for k, val := range v {
		params[k] = val
	}
	if _, err := e.post(ctx, change{State: state, Params: params, Action: "teardown"}); err != nil {
		return fmt.Errorf("state %q teardown: %w", state, err)
	}
	return nil
}

func (e *Endpoint) post(ctx context.Context, c change) (Values, error) {
	data, err := e.postRaw(ctx, c, e.maxBody)
	if err != nil {
		return nil, err
	}
	return decodeValues(data)
}

// postRaw sends a state change and returns the body of a 2xx answer of at most maxBody bytes.
func (e *Endpoint) postRaw(ctx context.Context, c change, maxBody int64) ([]byte, error) {
	if err := ValidateURL(e.url); err != nil {
		return nil, err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		// The url.Error repeats the URL, not the body: no secret leaks from teardown params.
		return nil, fmt.Errorf("endpoint unreachable: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading answer: %w", err)
	}
	if int64(len(data)) > maxBody {
		return nil, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	if code, ok := apiError(data); ok {
		return nil, fmt.Errorf("%w: it answered %d %s like the API (an error with RequestId and Code): give the target's provider-state endpoint, not its API",
			ErrNotStateEndpoint, resp.StatusCode, code)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusNotFound,
		resp.StatusCode == http.StatusNotImplemented:
		return nil, fmt.Errorf("%w: endpoint answered %d%s", ErrUnsupported, resp.StatusCode, snippet(data))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("endpoint answered %d%s", resp.StatusCode, snippet(data))
	}
	return data, nil
}

// apiError recognises an answer of the API itself (Alibaba Cloud's error shape, JSON or XML: a
// RequestId and a Code) and returns its Code: the state URL points at the API.
func apiError(data []byte) (string, bool) {
	var e struct {
		RequestID string `json:"RequestId" xml:"RequestId"`
		Code      string `json:"Code" xml:"Code"`
	}
	if json.Unmarshal(data, &e) != nil && xml.Unmarshal(data, &e) != nil {
		return "", false
	}
	if e.RequestID == "" || e.Code == "" {
		return "", false
	}
	if isSecret(e.Code) {
		return "(code withheld)", true
	}
	return printable(e.Code), true
}

// printable keeps a code short and on one line.
func printable(s string) string {
	s = strings.Join(strings.Fields(s), "")
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// decodeValues reads a JSON object of string values. An empty body counts as {} (Pact allows it);
// numbers and booleans are taken as their text; anything else is an error.
func decodeValues(data []byte) (Values, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Values{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errors.New("endpoint answer is not a JSON object")
	}
	v := make(Values, len(raw))
	for k, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			v[k] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(r, &n); err == nil {
			v[k] = n.String()
			continue
		}
		var b bool
		if err := json.Unmarshal(r, &b); err == nil {
			v[k] = fmt.Sprint(b)
			continue
		}
		return nil, fmt.Errorf("endpoint answer: %s is not a string", k)
	}
	return v, nil
}

// snippet gives a short, printable reason from an answer body, unless it may carry a secret.
func snippet(data []byte) string {
	s := strings.TrimSpace(string(data))
	if s == "" || !utf8.ValidString(s) || isSecret(s) {
		return ""
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return ": " + s
}

// Package states arranges the provider states of docs/protocol.md#provider-states before a contract
// case: the suites (suites/contract, suites/throttle, load) ask an Arranger to set a state up ("a
// stopped job exists", see package spec's State names) and use the identifiers and credentials it
// answers (Values) in their calls.
//
// An implementation's provider-state endpoint (Pact's state-change protocol) is reached with
// NewEndpoint; any Go type with Setup and Teardown is an Arranger too (a Setup returning an error
// that wraps ErrUnsupported skips the cases of that state).
package states

import (
	"net/http"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
)

// Arranger sets a provider state up before a case (Setup: the Values to use, or an error wrapping
// ErrUnsupported when the target cannot arrange it) and tears it down after (Teardown, given what
// Setup returned).
type Arranger = arrange.Arranger

// Values are what a state's setup returned: the identifiers and credentials a case uses, by the
// keys docs/protocol.md#provider-states names (AccessKeyId, AccessKeySecret, ClusterId, JobId,
// AccessKeyId2, AccessKeySecret2, OtherAccessKeyId, OtherAccessKeySecret). They print with every
// secret redacted (String, GoString).
type Values = arrange.Values

// ErrUnsupported is what an Arranger's Setup returns (wrapped) for a state the target cannot
// arrange: its cases are skipped with the reason (failed under --strict).
var ErrUnsupported = arrange.ErrUnsupported

// Endpoint is the client of a target's provider-state endpoint (docs/protocol.md#provider-states):
// an Arranger whose Setup posts {"state", "params", "action": "setup"} and returns the values
// answered, and whose Teardown posts them back with "action": "teardown". Redirects are answers,
// never followed; answers are read up to 64 KiB.
type Endpoint = arrange.Endpoint

// NewEndpoint returns the client of the provider-state endpoint at rawURL (an absolute http(s)
// URL; a malformed one is reported by the first Setup).
func NewEndpoint(rawURL string, opts ...Option) *Endpoint {
	return arrange.NewEndpoint(rawURL, opts...)
}

// Option configures an Endpoint.
type Option = arrange.Option

// WithTimeout returns an option which sets the time limit of one state change (default 10s).
func WithTimeout(d time.Duration) Option { return arrange.WithTimeout(d) }

// WithToken returns an option which sends token as "Authorization: Bearer <token>" with every
// state change (an endpoint off loopback needs one). It never appears in an error.
func WithToken(token string) Option { return arrange.WithToken(token) }

// WithHTTPClient returns an option which sets the HTTP client used for state changes.
func WithHTTPClient(c *http.Client) Option { return arrange.WithHTTPClient(c) }

// Package spec is the OpenAPI description of StartEdgeTranscodeJob (ApsaraVideo Live, 2016-11-01)
// and the API's facts a Go user of the kit needs: the document itself (Default, Load; its bytes and
// kin-openapi model), the error codes with their statuses and message templates, the rate limit,
// and the provider states a contract case asks an implementation to arrange.
//
// The document, openapi.yaml, is generated from the documentation page by internal/gen and never
// edited by hand (go generate ./spec). Nothing else in the kit hard-codes a code, a status, a
// template, the rate limit or a state name: they are read from here, or from internal/specfacts,
// the model behind this package (the kit's own accessors and the error-code constants).
package spec

//go:generate go run ../internal/gen/specgen -o openapi.yaml

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/edgeconform/edgeconform/internal/specfacts"
)

//go:embed openapi.yaml
var embedded []byte

// Spec is a loaded, validated OpenAPI document with its facts decoded. It is read-only and safe
// for concurrent use. Its methods: YAML and Document (the document as loaded and as kin-openapi's
// model), Action and Version ("StartEdgeTranscodeJob", "2016-11-01"), Errors and Error (every
// error code, or one by its Code), ContentType (the exact Content-Type of an answer in "JSON" or
// "XML"), RateLimit (6000 calls per minute per account) and States (the provider states with the
// answers their cases expect).
type Spec = specfacts.Spec

// ErrorCode is one error the API may answer with: its Code, HTTP Status and message Template
// (Message fills it in), where it is documented (Source: "page" or "common", Alibaba Cloud's
// gateway and throttle conventions) and the provider State whose case expects it.
type ErrorCode = specfacts.ErrorCode

// RateLimit is a limit of Calls per Window (per account); String formats it as ParseRateLimit
// reads it ("6000/1m"), PerSecond is its average rate.
type RateLimit = specfacts.RateLimit

// State is a provider state of docs/protocol.md#provider-states and the answer its case expects
// (Status, and Code: an error code, or CodeOK for success).
type State = specfacts.State

var defaultSpec = sync.OnceValue(func() *Spec {
	s, err := Load(embedded)
	if err != nil {
		// The embedded document is checked by this package's tests; failing here is a build defect.
		panic(fmt.Sprintf("spec: embedded openapi.yaml is invalid: %v", err))
	}
	return s
})

// Default returns the embedded spec, loaded and validated once.
func Default() *Spec { return defaultSpec() }

// Load parses and validates an OpenAPI document and decodes the extensions edgeconform reads. A
// document with problems yields an error listing them all, each with the JSON pointer of the part
// concerned.
func Load(data []byte) (*Spec, error) { return specfacts.Load(data) }

// ParseRateLimit parses "N/DURATION", e.g. "6000/1m" or "600/6s". A bare unit ("100/s") means one
// of it.
func ParseRateLimit(s string) (RateLimit, error) { return specfacts.ParseRateLimit(s) }

// The provider-state names of docs/protocol.md#provider-states: the states a contract case asks an
// implementation to arrange (a conformance.StateFunc is called with one of them). A test checks
// them against the document's x-provider-states, so the document and the code cannot drift apart.
const (
	StateStoppedJob     = "a stopped job exists"
	StateRunningJob     = "a running job exists"
	StateNoSuchJob      = "no such job exists"
	StateNoPermission   = "the caller lacks permission"
	StateTaskLimit      = "the caller is at the running-task limit"
	StateQuotaExhausted = "the caller's quota is exhausted"
	StateInternalFault  = "the service fails internally"
	StateFreshAccount   = "a fresh account"
)

// CodeOK is the Code a provider state expects when the call succeeds.
const CodeOK = specfacts.CodeOK

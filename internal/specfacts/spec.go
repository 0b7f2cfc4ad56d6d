// Package specfacts loads and checks the OpenAPI description of StartEdgeTranscodeJob and decodes
// its facts: the model behind package spec (whose Spec, ErrorCode, RateLimit and State are this
// package's types) and everything only the kit reads of the document: the error-code constants,
// the common codes' sources, the disagreements between the vendor's sources, where each parameter
// travels, the patterns of the answers' headers and RequestId, request and response validation.
// Package spec embeds the document (spec/openapi.yaml) and is what a Go user imports; the
// accessors here are functions of a *Spec so that spec's surface stays small.
package specfacts

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Where an error code comes from.
const (
	SourcePage   = "page"   // documented on the StartEdgeTranscodeJob page
	SourceCommon = "common" // Alibaba Cloud's common conventions (gateway, throttle)
)

// The sources an expectation may name (docs/protocol.md, "What the kit may assert"). An expectation
// without one of these is not the kit's to assert; SourcePage above is the page's.
const (
	SourceProtocol  = "protocol"  // the wire protocol of docs/protocol.md (Alibaba Cloud's RPC conventions)
	SourceMetadata  = "metadata"  // the vendor's OpenAPI metadata (api-docs.json, internal/source/)
	SourceSDK       = "sdk"       // the official SDKs' code
	SourceRecording = "recording" // a recording of the real service (contract --snapshot)
)

// CodeOK is the Code a provider state expects when the call succeeds.
const CodeOK = "OK"

// Spec is a loaded, validated OpenAPI document with its facts decoded. It is read-only and safe
// for concurrent use.
type Spec struct {
	doc           *openapi3.T
	raw           []byte
	action        string
	version       string
	errors        []ErrorCode
	throttling    []string
	contentTypes  map[string]string
	rate          RateLimit
	required      []string
	optional      []string
	ram           RAM
	states        []State
	disagreements []Disagreement // x-edgeconform-disagreements (disagreement.go)

	rateLimitHeaders  []string               // from the success answer's headers (facts.go)
	rateLimitPattern  *regexp.Regexp         // their value's pattern
	retryAfterPattern *regexp.Regexp         // x-acs-retry-after's, on the throttled answer (facts.go)
	requestIDPattern  *regexp.Regexp         // the Success schema's RequestId pattern
	placements        map[string][]Placement // by method: where each required parameter may be (request.go)
}

// RAM is the authorization row of the page.
type RAM struct {
	Action       string // live:StartEdgeTranscodeJob
	ResourceType string // *Domain
}

// State is a provider state of docs/protocol.md#provider-states and the answer its case expects.
type State struct {
	Name   string // e.g. "a stopped job exists" (spec.StateStoppedJob)
	Status int    // expected HTTP status
	Code   string // expected Code, CodeOK for success
}

// Load parses and validates an OpenAPI document and decodes the extensions edgeconform reads. A
// document with problems yields an *InvalidError listing them all.
func Load(data []byte) (*Spec, error) {
	s, problems := load(data)
	if len(problems) > 0 {
		return nil, fmt.Errorf("spec: %w", &InvalidError{Problems: problems})
	}
	return s, nil
}

// Document returns the kin-openapi model. Callers must not modify it.
func (s *Spec) Document() *openapi3.T { return s.doc }

// YAML returns the document's bytes as loaded.
func (s *Spec) YAML() []byte { return slices.Clone(s.raw) }

// Action is the API action, "StartEdgeTranscodeJob".
func (s *Spec) Action() string { return s.action }

// Version is the API version, "2016-11-01".
func (s *Spec) Version() string { return s.version }

// Errors returns every error code: the page's in page order, then the common ones (gateway checks
// in the order the gateway applies them, then the throttle).
func (s *Spec) Errors() []ErrorCode { return slices.Clone(s.errors) }

// PageErrors returns s's codes documented on the page, in page order.
func PageErrors(s *Spec) []ErrorCode {
	var out []ErrorCode
	for _, e := range s.errors {
		if e.Source == SourcePage {
			out = append(out, e)
		}
	}
	return out
}

// Error looks a code up.
func (s *Spec) Error(code string) (ErrorCode, bool) {
	for _, e := range s.errors {
		if e.Code == code {
			return e, true
		}
	}
	return ErrorCode{}, false
}

// ContentType returns the exact Content-Type of an answer in format ("JSON" or "XML"), byte for
// byte as the official SDKs need it; "" for a format the spec does not know.
func (s *Spec) ContentType(format string) string { return s.contentTypes[format] }

// Formats returns the answer formats the spec knows, sorted.
func Formats(s *Spec) []string {
	fs := make([]string, 0, len(s.contentTypes))
	for f := range s.contentTypes {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	return fs
}

// ThrottlingCodes returns the codes the official SDKs treat as throttling.
func ThrottlingCodes(s *Spec) []string { return slices.Clone(s.throttling) }

// RateLimit returns the documented limit (6000 calls per minute per account).
func (s *Spec) RateLimit() RateLimit { return s.rate }

// RequiredParams returns the operation's required parameters (from the page), in page order.
// Common parameters (Action, Version, signature) are not included.
func RequiredParams(s *Spec) []string { return slices.Clone(s.required) }

// OptionalParams returns the operation's optional parameters (from the page), in page order.
func OptionalParams(s *Spec) []string { return slices.Clone(s.optional) }

// RAMOf returns the authorization row of the page.
func RAMOf(s *Spec) RAM { return s.ram }

// States returns the provider states of docs/protocol.md#provider-states with the answers their cases expect.
func (s *Spec) States() []State { return slices.Clone(s.states) }

// extension decodes the root extension name into v through JSON, the shape kin-openapi keeps.
func (s *Spec) extension(name string, v any) *Problem {
	raw, ok := s.doc.Extensions[name]
	if !ok {
		return &Problem{Pointer: "/" + name, Reason: "extension is missing"}
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return &Problem{Pointer: "/" + name, Reason: err.Error()}
	}
	return nil
}

func (s *Spec) decodeExtensions() []Problem {
	var ps []Problem
	add := func(p *Problem) bool {
		if p != nil {
			ps = append(ps, *p)
		}
		return p == nil
	}
	if add(s.extension("x-action", &s.action)) && s.action == "" {
		ps = append(ps, Problem{Pointer: "/x-action", Reason: "must not be empty"})
	}
	if add(s.extension("x-api-version", &s.version)) && s.version == "" {
		ps = append(ps, Problem{Pointer: "/x-api-version", Reason: "must not be empty"})
	}
	var codes []json.RawMessage
	if add(s.extension("x-error-codes", &codes)) {
		seen := map[string]bool{}
		for i, raw := range codes {
			ptr := "/x-error-codes/" + strconv.Itoa(i)
			var c struct {
				Code        string `json:"code"`
				Status      int    `json:"status"`
				Message     string `json:"message"`
				Description string `json:"description"`
				Source      string `json:"source"`
				State       string `json:"state"`
			}
			if err := json.Unmarshal(raw, &c); err != nil {
				ps = append(ps, Problem{Pointer: ptr, Reason: err.Error()})
				continue
			}
			bad := func(field, reason string) { ps = append(ps, Problem{Pointer: ptr + "/" + field, Reason: reason}) }
			switch {
			case c.Code == "":
				bad("code", "missing")
			case seen[c.Code]:
				bad("code", c.Code+" is listed twice")
			}
			seen[c.Code] = true
			if c.Status < 400 || c.Status > 599 {
				bad("status", fmt.Sprintf("%d is not a 4xx or 5xx status", c.Status))
			}
			if c.Message == "" {
				bad("message", "missing")
			}
			if c.Source != SourcePage && c.Source != SourceCommon {
				bad("source", fmt.Sprintf("%q is neither %q nor %q", c.Source, SourcePage, SourceCommon))
			}
			s.errors = append(s.errors, ErrorCode{Code: c.Code, Status: c.Status, Template: c.Message,
				Description: c.Description, Source: c.Source, State: c.State})
		}
		// Page codes first, in page order; then common ones in document order.
		slices.SortStableFunc(s.errors, func(a, b ErrorCode) int {
			return boolRank(a.Source != SourcePage) - boolRank(b.Source != SourcePage)
		})
	}
	add(s.extension("x-throttling-codes", &s.throttling))
	if add(s.extension("x-content-types", &s.contentTypes)) {
		for _, f := range []string{"JSON", "XML"} {
			if s.contentTypes[f] == "" {
				ps = append(ps, Problem{Pointer: "/x-content-types/" + f, Reason: "missing"})
			}
		}
	}
	var rl struct {
		Calls  int    `json:"calls"`
		Window string `json:"window"`
	}
	if add(s.extension("x-rate-limit", &rl)) {
		rate, err := ParseRateLimit(strconv.Itoa(rl.Calls) + "/" + rl.Window)
		if err != nil {
			ps = append(ps, Problem{Pointer: "/x-rate-limit", Reason: err.Error()})
		}
		s.rate = rate
	}
	var ram struct {
		Action       string `json:"action"`
		ResourceType string `json:"resourceType"`
	}
	if add(s.extension("x-ram", &ram)) {
		if ram.Action == "" {
			ps = append(ps, Problem{Pointer: "/x-ram/action", Reason: "missing"})
		}
		s.ram = RAM{Action: ram.Action, ResourceType: ram.ResourceType}
	}
	var states []struct {
		Name   string `json:"name"`
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if add(s.extension("x-provider-states", &states)) {
		for i, st := range states {
			if st.Name == "" {
				ps = append(ps, Problem{Pointer: "/x-provider-states/" + strconv.Itoa(i) + "/name", Reason: "missing"})
			}
			s.states = append(s.states, State{Name: st.Name, Status: st.Status, Code: st.Code})
		}
	}
	return ps
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// crossCheck makes sure the extensions and the OpenAPI responses tell the same story: each code is
// allowed by the Code enum of its status's error schema, in every media type, on every operation;
// each state's code is known.
func (s *Spec) crossCheck() []Problem {
	var ps []Problem
	item := s.doc.Paths.Value("/")
	if item == nil || item.Get == nil {
		return []Problem{{Pointer: "/paths/~1/get", Reason: "GET / is missing"}}
	}
	for _, p := range item.Get.Parameters {
		if p.Value == nil || p.Value.Extensions["x-source"] != SourcePage {
			continue
		}
		if p.Value.Required {
			s.required = append(s.required, p.Value.Name)
		} else {
			s.optional = append(s.optional, p.Value.Name)
		}
	}
	ops := item.Operations()
	for _, method := range sortedKeys(ops) {
		op := ops[method]
		for i, e := range s.errors {
			ptr := "/paths/~1/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(e.Status)
			resp := op.Responses.Status(e.Status)
			if resp == nil || resp.Value == nil {
				ps = append(ps, Problem{Pointer: ptr, Reason: fmt.Sprintf("missing, but /x-error-codes/%d (%s) answers with it", i, e.Code)})
				continue
			}
			for _, mime := range sortedKeys(resp.Value.Content) {
				mt := resp.Value.Content[mime]
				mptr := ptr + "/content/" + esc(mime) + "/schema"
				if mt.Schema != nil && strings.HasPrefix(mt.Schema.Ref, "#/") {
					mptr = strings.TrimPrefix(mt.Schema.Ref, "#")
				}
				if mt.Schema == nil || mt.Schema.Value == nil {
					ps = append(ps, Problem{Pointer: mptr, Reason: "missing"})
					continue
				}
				codeProp := mt.Schema.Value.Properties["Code"]
				if codeProp == nil || codeProp.Value == nil || !slices.Contains(codeProp.Value.Enum, any(e.Code)) {
					ps = append(ps, Problem{Pointer: mptr + "/properties/Code/enum",
						Reason: fmt.Sprintf("does not allow %s, which /x-error-codes/%d answers with status %d", e.Code, i, e.Status)})
				}
			}
		}
	}
	for i, st := range s.states {
		if st.Code == CodeOK {
			continue
		}
		if e, ok := s.Error(st.Code); !ok || e.Status != st.Status {
			ps = append(ps, Problem{Pointer: "/x-provider-states/" + strconv.Itoa(i),
				Reason: fmt.Sprintf("code %s with status %d is not in x-error-codes", st.Code, st.Status)})
		}
	}
	return ps
}

// methodOperation returns the operation serving method on "/".
func (s *Spec) methodOperation(method string) (*openapi3.PathItem, *openapi3.Operation, error) {
	item := s.doc.Paths.Value("/")
	if item == nil {
		return nil, nil, errors.New("no path /")
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil, nil, fmt.Errorf("no operation for method %s", method)
	}
	return item, op, nil
}

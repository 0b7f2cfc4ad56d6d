// Package vendor reads the vendor's other descriptions of the operation in their published forms
// (the OpenAPI metadata's api-docs.json, the SDK facts of internal/source/vendor/sdk.yaml) and compares
// them with the documentation page: every point where they say different things is a Disagreement.
// internal/gen writes them into the document (x-edgeconform-disagreements); `edgeconform spec sources`
// prints them.
package vendor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/internal/docpage"
	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// The disagreement types are package specfacts' (specfacts.Disagreement, specfacts.Claim, specfacts.Aspect*): the
// document records them as this package finds them.
type (
	Disagreement = specfacts.Disagreement
	Claim        = specfacts.Claim
)

// Aspects, as spec names them.
const (
	AspectStatus    = specfacts.AspectStatus
	AspectMessage   = specfacts.AspectMessage
	AspectCode      = specfacts.AspectCode
	AspectParameter = specfacts.AspectParameter
	AspectResponse  = specfacts.AspectResponse
	AspectEndpoint  = specfacts.AspectEndpoint
)

// Metadata is one snapshot of the OpenAPI metadata, the operation's entry as published.
type Metadata struct {
	Date     string // from the file name: api-docs.<date>.<...>.json
	File     string
	Product  string
	Version  string
	Style    string
	Methods  []string
	Params   []Param
	Response []Param  // the success answer's fields (Required unused)
	Errors   []Error  // nil: the snapshot lists no error codes
	Regions  []Region // the product's endpoint list
	Listed   bool     // the snapshot lists error codes
}

// Param is a request parameter or a field of an answer.
type Param struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

// Error is an error code of the metadata.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Region is an entry of the endpoint list.
type Region struct{ ID, Endpoint string }

var datePattern = regexp.MustCompile(`^api-docs\.([0-9]{4}-[0-9]{2}-[0-9]{2})\.`)

// ParseMetadata reads an api-docs.json (the whole product's or a cut of it) and takes the entry of
// action. name is the file's name: its date names the snapshot.
func ParseMetadata(name string, data []byte, action string) (*Metadata, error) {
	var doc struct {
		Info struct {
			Style, Product, Version string
		} `json:"info"`
		APIs map[string]struct {
			Methods    []string `json:"methods"`
			Parameters []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Type     string `json:"type"`
					Required bool   `json:"required"`
				} `json:"schema"`
			} `json:"parameters"`
			Responses map[string]struct {
				Schema struct {
					Properties map[string]struct {
						Type string `json:"type"`
					} `json:"properties"`
				} `json:"schema"`
			} `json:"responses"`
			ErrorCodes map[string][]struct {
				ErrorCode    string `json:"errorCode"`
				ErrorMessage string `json:"errorMessage"`
			} `json:"errorCodes"`
		} `json:"apis"`
		Endpoints []struct {
			RegionID string `json:"regionId"`
			Endpoint string `json:"endpoint"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("vendor: %s: %w", name, err)
	}
	api, ok := doc.APIs[action]
	if !ok {
		return nil, fmt.Errorf("vendor: %s: no entry for %s under apis", name, action)
	}
	m := &Metadata{File: path.Base(name), Product: doc.Info.Product, Version: doc.Info.Version, Style: doc.Info.Style,
		Methods: api.Methods, Listed: api.ErrorCodes != nil}
	if d := datePattern.FindStringSubmatch(path.Base(name)); d != nil {
		m.Date = d[1]
	} else {
		return nil, fmt.Errorf("vendor: %s: the name does not hold the snapshot's date (api-docs.YYYY-MM-DD.*.json)", name)
	}
	for _, p := range api.Parameters {
		m.Params = append(m.Params, Param{Name: p.Name, Type: p.Schema.Type, In: p.In, Required: p.Schema.Required})
	}
	if ok200 := api.Responses["200"]; ok200.Schema.Properties != nil {
		for _, n := range sortedKeys(ok200.Schema.Properties) {
			m.Response = append(m.Response, Param{Name: n, Type: ok200.Schema.Properties[n].Type})
		}
	}
	for _, st := range sortedKeys(api.ErrorCodes) {
		status, err := strconv.Atoi(st)
		if err != nil {
			return nil, fmt.Errorf("vendor: %s: errorCodes: status %q is not a number", name, st)
		}
		for _, e := range api.ErrorCodes[st] {
			m.Errors = append(m.Errors, Error{Status: status, Code: e.ErrorCode, Message: e.ErrorMessage})
		}
	}
	for _, e := range doc.Endpoints {
		m.Regions = append(m.Regions, Region{ID: e.RegionID, Endpoint: e.Endpoint})
	}
	return m, nil
}

// Facts is internal/source/vendor/sdk.yaml.
type Facts struct {
	SDKs      []SDK      `yaml:"sdks"`
	Snapshots []Snapshot `yaml:"metadataSnapshots"`
	Messages  []Message  `yaml:"messages"`
}

// Message is the form of an error's message an SDK parses.
type Message struct {
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
	SDK     string `yaml:"sdk"`
	Source  string `yaml:"source"`
}

// SDK is what one official SDK's request model says.
type SDK struct {
	Name       string  `yaml:"name"`
	Source     string  `yaml:"source"`
	Parameters []Param `yaml:"parameters"`
	Endpoint   string  `yaml:"endpoint"` // every region's, "" when the SDK does not fix one
}

// Snapshot is a later metadata snapshot known only by what it changes.
type Snapshot struct {
	Date             string  `yaml:"date"`
	Source           string  `yaml:"source"`
	AddsParameters   []Param `yaml:"addsParameters"`
	ErrorCodesListed bool    `yaml:"errorCodesListed"`
}

// ParseFacts reads sdk.yaml strictly: an unknown key is an error.
func ParseFacts(data []byte) (*Facts, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f Facts
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("vendor: sdk facts: %w", err)
	}
	for i, s := range f.SDKs {
		if s.Name == "" || s.Source == "" {
			return nil, fmt.Errorf("vendor: sdk facts: sdks[%d]: needs a name and the source file it was read from", i)
		}
	}
	for i, m := range f.Messages {
		if m.Code == "" || m.Message == "" || m.SDK == "" || m.Source == "" {
			return nil, fmt.Errorf("vendor: sdk facts: messages[%d]: needs a code, a message, its sdk and the source file", i)
		}
	}
	for i, s := range f.Snapshots {
		if s.Date == "" || s.Source == "" {
			return nil, fmt.Errorf("vendor: sdk facts: metadataSnapshots[%d]: needs a date and a source", i)
		}
	}
	return &f, nil
}

// Compare lists every disagreement between the page (with common, the errors of Alibaba Cloud's
// common conventions), the metadata (and the later snapshots the facts know of) and the SDKs, in a
// fixed order: error codes in page order (then the metadata's own), the messages the SDKs parse,
// parameters in page order (then the others by name), the answer's fields, the endpoints.
func Compare(action string, page *docpage.Page, common []Error, meta *Metadata, facts *Facts) []Disagreement {
	c := comparer{action: action}
	c.errors(page, meta)
	c.messages(page, common, facts)
	c.parameters(page, meta, facts)
	c.response(page, meta)
	c.endpoints(meta, facts)
	return c.out
}

type comparer struct {
	action string
	out    []Disagreement
}

func (c *comparer) add(field, subject, aspect, affects string, claims []Claim) {
	says := map[string]bool{}
	for _, cl := range claims {
		says[cl.Says] = true
	}
	if len(says) < 2 {
		return // they agree
	}
	c.out = append(c.out, Disagreement{Operation: c.action, Field: field, Subject: subject, Aspect: aspect,
		Claims: claims, Affects: affects})
}

func metaClaim(m *Metadata, says string) Claim {
	return Claim{Source: specfacts.SourceMetadata, Of: m.Date, Says: says}
}

func (c *comparer) errors(page *docpage.Page, meta *Metadata) {
	if !meta.Listed {
		return // a snapshot that lists no codes is silent on them
	}
	byCode := map[string]Error{}
	for _, e := range meta.Errors {
		byCode[e.Code] = e
	}
	onPage := map[string]bool{}
	for _, e := range page.Errors {
		onPage[e.Code] = true
		m, ok := byCode[e.Code]
		if !ok {
			c.add("errors/"+e.Code, e.Code, AspectCode, "none: the page's code is expected", []Claim{
				{Source: specfacts.SourcePage, Says: "listed"}, metaClaim(meta, "")})
			continue
		}
		affects := "contract: errors/" + e.Code + "/* pass an answer that follows either; --follow makes one required"
		c.add("errors/"+e.Code+"/status", e.Code, AspectStatus, affects, []Claim{
			{Source: specfacts.SourcePage, Says: strconv.Itoa(e.Status)}, metaClaim(meta, strconv.Itoa(m.Status))})
		c.add("errors/"+e.Code+"/message", e.Code, AspectMessage, affects, []Claim{
			{Source: specfacts.SourcePage, Says: e.Message}, metaClaim(meta, m.Message)})
	}
	for _, e := range meta.Errors {
		if !onPage[e.Code] {
			c.add("errors/"+e.Code, e.Code, AspectCode, "none: no case provokes a code the page does not list", []Claim{
				{Source: specfacts.SourcePage, Says: ""}, metaClaim(meta, fmt.Sprintf("listed, %d", e.Status))})
		}
	}
}

// messages: the forms of a message an SDK parses, against the template the page or the common
// conventions give.
func (c *comparer) messages(page *docpage.Page, common []Error, facts *Facts) {
	for _, m := range facts.Messages {
		first := Claim{}
		for _, e := range page.Errors {
			if e.Code == m.Code {
				first = Claim{Source: specfacts.SourcePage, Says: e.Message}
			}
		}
		for _, e := range common {
			if e.Code == m.Code && first.Source == "" {
				first = Claim{Source: specfacts.SourceCommon, Says: e.Message}
			}
		}
		if first.Source == "" {
			continue // a code nobody answers: nothing to expect
		}
		c.add("errors/"+m.Code+"/message", m.Code, AspectMessage,
			"contract: "+m.Code+" passes either form; the SDK's form must hold what the SDK reads ("+m.SDK+")",
			[]Claim{first, {Source: specfacts.SourceSDK, Of: m.SDK, Says: m.Message}})
	}
}

// describe is a parameter as a claim: "string, required"; "" when the source does not list it.
func describe(ps []Param, name string) string {
	for _, p := range ps {
		if p.Name == name {
			req := "optional"
			if p.Required {
				req = "required"
			}
			return p.Type + ", " + req
		}
	}
	return ""
}

func (c *comparer) parameters(page *docpage.Page, meta *Metadata, facts *Facts) {
	var pageParams []Param
	var names []string
	seen := map[string]bool{}
	note := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, p := range page.Params {
		pageParams = append(pageParams, Param{Name: p.Name, Type: p.Type, Required: p.Required})
		note(p.Name)
	}
	var others []string
	collect := func(ps []Param) {
		for _, p := range ps {
			if !seen[p.Name] && !slices.Contains(others, p.Name) {
				others = append(others, p.Name)
			}
		}
	}
	collect(meta.Params)
	for _, s := range facts.Snapshots {
		collect(s.AddsParameters)
	}
	for _, s := range facts.SDKs {
		collect(s.Parameters)
	}
	sort.Strings(others)
	for _, n := range others {
		note(n)
	}
	for _, n := range names {
		claims := []Claim{{Source: specfacts.SourcePage, Says: describe(pageParams, n)}, metaClaim(meta, describe(meta.Params, n))}
		later := slices.Clone(meta.Params)
		for _, s := range facts.Snapshots {
			later = append(later, s.AddsParameters...)
			claims = append(claims, Claim{Source: specfacts.SourceMetadata, Of: s.Date, Says: describe(later, n)})
		}
		for _, s := range facts.SDKs {
			claims = append(claims, Claim{Source: specfacts.SourceSDK, Of: s.Name, Says: describe(s.Parameters, n)})
		}
		c.add("parameters/"+n, n, AspectParameter, parameterAffects(claims[0].Says), claims)
	}
}

// parameterAffects says what the kit makes of a parameter the sources tell differently.
func parameterAffects(onPage string) string {
	switch {
	case onPage == "":
		return "reference: a call carrying it is answered as the same call without it (the SDKs can send it); no case requires it"
	case strings.HasSuffix(onPage, "required"):
		return "contract: a call without it is MissingParameter (the page); the SDKs let such a call reach the server"
	default:
		return "contract: optional (the page): a call with or without it is answered alike"
	}
}

func (c *comparer) response(page *docpage.Page, meta *Metadata) {
	if meta.Response == nil {
		return
	}
	var pageFields []Param
	for _, e := range page.Elements {
		pageFields = append(pageFields, Param{Name: e.Name, Type: e.Type})
	}
	field := func(ps []Param, n string) string {
		for _, p := range ps {
			if p.Name == n {
				return p.Type
			}
		}
		return ""
	}
	var names []string
	for _, p := range append(slices.Clone(pageFields), meta.Response...) {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	for _, n := range names {
		c.add("response/"+n, n, AspectResponse, "contract: the success answer's schema is the page's", []Claim{
			{Source: specfacts.SourcePage, Says: field(pageFields, n)}, metaClaim(meta, field(meta.Response, n))})
	}
}

func (c *comparer) endpoints(meta *Metadata, facts *Facts) {
	for _, s := range facts.SDKs {
		if s.Endpoint == "" || len(meta.Regions) == 0 {
			continue
		}
		var other []string
		byEndpoint := map[string][]string{}
		for _, r := range meta.Regions {
			if r.Endpoint != s.Endpoint {
				if _, ok := byEndpoint[r.Endpoint]; !ok {
					other = append(other, r.Endpoint)
				}
				byEndpoint[r.Endpoint] = append(byEndpoint[r.Endpoint], r.ID)
			}
		}
		if len(other) == 0 {
			continue
		}
		says := s.Endpoint + " for the other regions"
		for _, e := range other {
			says = fmt.Sprintf("%s; %s for %s", says, e, strings.Join(byEndpoint[e], ", "))
		}
		c.add("endpoints", c.action, AspectEndpoint, "none: the kit calls --target", []Claim{
			metaClaim(meta, says), {Source: specfacts.SourceSDK, Of: s.Name, Says: s.Endpoint + " for every region"}})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

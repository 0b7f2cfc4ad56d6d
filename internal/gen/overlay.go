package gen

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Overlay is what the documentation page does not say (internal/source/overlay.yaml).
type Overlay struct {
	Action             string       `yaml:"action"`
	Version            string       `yaml:"version"`
	Title              string       `yaml:"title"`
	Product            string       `yaml:"product"`
	Contact            Contact      `yaml:"contact"`
	License            License      `yaml:"license"`
	Server             Server       `yaml:"server"`
	Tag                Tag          `yaml:"tag"`
	RateLimitPer       string       `yaml:"rateLimitPer"`
	RequestIDPattern   string       `yaml:"requestIdPattern"`
	ExampleMaskFill    string       `yaml:"exampleMaskFill"`
	MediaTypes         []string     `yaml:"mediaTypes"`
	XMLRoot            XMLRoot      `yaml:"xmlRoot"`
	ContentTypes       ContentTypes `yaml:"contentTypes"`
	SuccessDescription string       `yaml:"successDescription"`
	PostDescription    string       `yaml:"postDescription"`
	ErrorBody          []BodyField  `yaml:"errorBody"`
	RateLimitHeaders   RateHeaders  `yaml:"rateLimitHeaders"`
	RetryAfterHeader   RetryAfter   `yaml:"retryAfterHeader"`
	CommonParams       []Param      `yaml:"commonParams"`
	CommonErrors       []CommonCode `yaml:"commonErrors"`
	ThrottlingCodes    []string     `yaml:"throttlingCodes"`
	States             []State      `yaml:"states"`
	Wire               Wire         `yaml:"wire"`
}

// Contact of the API's owner.
type Contact struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// License of the description.
type License struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Server is the endpoint.
type Server struct {
	URL         string `yaml:"url"`
	Description string `yaml:"description"`
}

// Tag groups the operations.
type Tag struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// ContentTypes are the exact Content-Type headers of answers, per Format (JSON and XML at least:
// the kit reads and writes those).
type ContentTypes map[string]string

// XMLRoot names the root elements of XML answers.
type XMLRoot struct {
	Success string `yaml:"success"`
	Error   string `yaml:"error"`
}

// BodyField is a field of the error body. In Example, {code} stands for the error code; the
// Message field's example is the detail filled into each code's template.
type BodyField struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Example     string `yaml:"example"`
}

// RateHeaders describes the optional rate-limit headers.
type RateHeaders struct {
	Names       []string `yaml:"names"`
	Pattern     string   `yaml:"pattern"`
	Example     string   `yaml:"example"`
	Description string   `yaml:"description"`
}

// RetryAfter is the optional header of a throttled answer saying when to call again.
type RetryAfter struct {
	Name        string `yaml:"name"`
	Pattern     string `yaml:"pattern"`
	Example     string `yaml:"example"`
	Description string `yaml:"description"`
}

// Param is a common request parameter.
type Param struct {
	Name        string   `yaml:"name"`
	Required    bool     `yaml:"required"`
	Enum        []string `yaml:"enum"`
	Default     string   `yaml:"default"`
	Pattern     string   `yaml:"pattern"`
	Description string   `yaml:"description"`
	Example     string   `yaml:"example"`
}

// CommonCode is an error of Alibaba Cloud's common conventions.
type CommonCode struct {
	Code        string `yaml:"code"`
	Status      int    `yaml:"status"`
	Message     string `yaml:"message"`
	Description string `yaml:"description"`
}

// State is a provider state and the code its case expects ("OK" for success).
type State struct {
	Name string `yaml:"name"`
	Code string `yaml:"code"`
}

// ParseOverlay reads an overlay strictly: an unknown key is an error, so a typo cannot silently
// drop a fact.
func ParseOverlay(data []byte) (*Overlay, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var o Overlay
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	var missing []string
	for name, v := range map[string]string{"action": o.Action, "version": o.Version, "title": o.Title,
		"server.url": o.Server.URL, "tag.name": o.Tag.Name, "rateLimitPer": o.RateLimitPer,
		"requestIdPattern": o.RequestIDPattern, "xmlRoot.success": o.XMLRoot.Success, "xmlRoot.error": o.XMLRoot.Error,
		"contentTypes.JSON": o.ContentTypes["JSON"], "contentTypes.XML": o.ContentTypes["XML"],
		"successDescription": o.SuccessDescription} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("overlay: missing %v", sortedCopy(missing))
	}
	if len(o.MediaTypes) == 0 || len(o.ErrorBody) == 0 || len(o.States) == 0 {
		return nil, errors.New("overlay: mediaTypes, errorBody and states must not be empty")
	}
	for i, c := range o.CommonErrors {
		if c.Code == "" || c.Status < 400 || c.Status > 599 || c.Message == "" {
			return nil, fmt.Errorf("overlay: commonErrors[%d]: needs code, a 4xx/5xx status and a message", i)
		}
	}
	for i, p := range o.CommonParams {
		if p.Name == "" {
			return nil, fmt.Errorf("overlay: commonParams[%d]: no name", i)
		}
	}
	return &o, nil
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

package specfacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The places a value may travel in, as the document's x-edgeconform-required-in (on a parameter)
// and x-edgeconform-in (on a security scheme) name them.
const (
	InQuery  = "query"
	InForm   = "form" // an application/x-www-form-urlencoded POST body
	InHeader = "header"
)

// The extensions that say where values travel (written by internal/gen's wire step).
const (
	extRequiredIn = "x-edgeconform-required-in"
	extParam      = "x-edgeconform-param"
	extIn         = "x-edgeconform-in"
)

// Placement is a required parameter of an operation and the places it may be in: it is required
// in ONE of them. Header is the header that carries it in a version 3 call ("" if none).
type Placement struct {
	Name   string
	In     []string
	Header string
}

// Placements returns the required parameters of method's operation and where each may be.
func Placements(s *Spec, method string) []Placement {
	return slices.Clone(s.placements[strings.ToUpper(method)])
}

// maxRequestBody bounds what ValidateRequest reads of a body; the API's bodies are small forms.
const maxRequestBody = 1 << 20

// RequestError says why a request does not conform to the spec: each finding names the parameter,
// header or security scheme concerned (Pointer is the OpenAPI location, e.g. "query/JobId").
type RequestError struct {
	Method   string
	Problems []Problem
	Err      error // kin-openapi's error, when it found something
}

func (e *RequestError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("%s request does not conform: %s", e.Method, strings.Join(parts, "; "))
}

func (e *RequestError) Unwrap() error { return e.Err }

// ValidateRequest checks a request against the operation of its method on "/" as the wire is:
// kin-openapi's openapi3filter validates the parameters, headers, form body and security (with
// Authenticate), and then each required parameter must be in one of its places. The document's
// empty security alternative (which lets tools that cannot see a form-body Signature accept a
// signed POST) does not count here: a call must carry a signature where its scheme says. It checks
// presence and shape, not the signature's value (that is package protocol's). The request's body is
// left re-readable and its URL unchanged.
func ValidateRequest(ctx context.Context, s *Spec, req *http.Request) error {
	fail := func(err error, problems ...Problem) error {
		return &RequestError{Method: req.Method, Problems: problems, Err: err}
	}
	item, op, err := s.methodOperation(req.Method)
	if err != nil {
		return fail(err, Problem{Reason: err.Error()})
	}
	body, err := readBody(req)
	if err != nil {
		return fail(err, Problem{Pointer: "body", Reason: err.Error()})
	}
	// openapi3filter may rewrite the query (defaults) and consumes the body: give it a copy.
	clone := req.Clone(ctx)
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	strict := *op
	security := op.Security
	if security == nil {
		security = &s.doc.Security
	}
	var signed openapi3.SecurityRequirements
	for _, alt := range *security {
		if len(alt) > 0 {
			signed = append(signed, alt)
		}
	}
	strict.Security = &signed
	route := &routers.Route{Spec: s.doc, Path: "/", PathItem: item, Method: req.Method, Operation: &strict}
	in := &openapi3filter.RequestValidationInput{Request: clone, Route: route, Options: &openapi3filter.Options{
		MultiError: true, SkipSettingDefaults: true, AuthenticationFunc: Authenticate,
	}}
	var problems []Problem
	filterErr := openapi3filter.ValidateRequest(ctx, in)
	if filterErr != nil {
		problems = requestProblems(filterErr)
	}
	form := formValues(req, body)
	for _, p := range s.placements[req.Method] {
		if !present(req, form, p) {
			problems = append(problems, Problem{Pointer: InQuery + "/" + p.Name,
				Reason: fmt.Sprintf("required in one of %s; found in none", strings.Join(p.In, ", "))})
		}
	}
	if len(problems) > 0 {
		return fail(filterErr, problems...)
	}
	return nil
}

func present(req *http.Request, form url.Values, p Placement) bool {
	for _, in := range p.In {
		switch in {
		case InQuery:
			if req.URL.Query().Get(p.Name) != "" {
				return true
			}
		case InForm:
			if form.Get(p.Name) != "" {
				return true
			}
		case InHeader:
			if p.Header != "" && req.Header.Get(p.Header) != "" {
				return true
			}
		}
	}
	return false
}

// readBody reads req's body (bounded) and puts it back so that the caller can read it again.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > maxRequestBody {
		return nil, fmt.Errorf("body larger than %d bytes", maxRequestBody)
	}
	return body, nil
}

// formValues are the parameters of a POST form body (none for anything else).
func formValues(req *http.Request, body []byte) url.Values {
	if req.Method != http.MethodPost {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	return v
}

// Authenticate is an openapi3filter.AuthenticationFunc for this document's security schemes: it
// accepts a scheme when its credential is present, non-empty, in one of the places the scheme's
// x-edgeconform-in lists (its OpenAPI "in" without the extension), the POST form body included. It
// does not verify the signature: that needs the secret (package protocol).
func Authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "apiKey" {
		return fmt.Errorf("security scheme %s: only apiKey schemes are known", in.SecuritySchemeName)
	}
	req := in.RequestValidationInput.Request
	places := stringList(scheme.Extensions[extIn])
	if len(places) == 0 {
		places = []string{scheme.In}
	}
	for _, place := range places {
		switch place {
		case InQuery:
			if req.URL.Query().Get(scheme.Name) != "" {
				return nil
			}
		case InHeader:
			if req.Header.Get(scheme.Name) != "" {
				return nil
			}
		case InForm:
			body, err := readBody(req)
			if err == nil && formValues(req, body).Get(scheme.Name) != "" {
				return nil
			}
		}
	}
	return fmt.Errorf("security scheme %s: no %s in %s", in.SecuritySchemeName, scheme.Name, strings.Join(places, ", "))
}

// requestProblems flattens openapi3filter's request errors into findings naming the parameter.
func requestProblems(err error) []Problem {
	// The outermost error names the part; a MultiError inside it lists what is wrong with it.
	if re, ok := err.(*openapi3filter.RequestError); ok {
		switch {
		case re.Parameter != nil:
			return []Problem{{Pointer: re.Parameter.In + "/" + re.Parameter.Name, Reason: firstLine(re.Err, re.Reason)}}
		case re.RequestBody != nil:
			return []Problem{{Pointer: "body", Reason: firstLine(re.Err, re.Reason)}}
		}
	}
	if me, ok := err.(openapi3.MultiError); ok {
		var out []Problem
		for _, sub := range me {
			out = append(out, requestProblems(sub)...)
		}
		return out
	}
	var se *openapi3filter.SecurityRequirementsError
	if errors.As(err, &se) {
		reasons := make([]string, len(se.Errors))
		for i, e := range se.Errors {
			reasons[i] = firstLine(e, "")
		}
		return []Problem{{Pointer: "security", Reason: strings.Join(reasons, "; ")}}
	}
	return []Problem{{Reason: firstLine(err, "")}}
}

func firstLine(err error, fallback string) string {
	s := fallback
	if err != nil {
		s = err.Error()
	}
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// stringList reads an extension's list of strings as kin-openapi keeps it ([]any).
func stringList(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// decodeWire reads where each operation's required parameters may be and checks that every place
// named exists: a form only where the operation takes a form body with that property, a header only
// where a header parameter carries the parameter; the security schemes' places are known ones.
func (s *Spec) decodeWire() []Problem {
	var ps []Problem
	s.placements = map[string][]Placement{}
	item := s.doc.Paths.Value("/")
	if item == nil {
		return nil // crossCheck reports it
	}
	ops := item.Operations()
	for _, method := range sortedKeys(ops) {
		op := ops[method]
		base := "/paths/~1/" + strings.ToLower(method) + "/parameters/"
		headers := map[string]string{}
		for _, p := range op.Parameters {
			if p.Value != nil && p.Value.In == openapi3.ParameterInHeader {
				if name, ok := p.Value.Extensions[extParam].(string); ok {
					headers[name] = p.Value.Name
				}
			}
		}
		for i, p := range op.Parameters {
			if p.Value == nil {
				continue
			}
			raw, ok := p.Value.Extensions[extRequiredIn]
			if !ok {
				continue
			}
			ptr := base + strconv.Itoa(i) + "/" + extRequiredIn
			pl := Placement{Name: p.Value.Name, In: stringList(raw), Header: headers[p.Value.Name]}
			if len(pl.In) == 0 {
				ps = append(ps, Problem{Pointer: ptr, Reason: "must list query, form or header"})
			}
			if p.Value.Required && len(pl.In) > 1 {
				ps = append(ps, Problem{Pointer: base + strconv.Itoa(i) + "/required",
					Reason: "a parameter that may be in several places must be optional in each"})
			}
			for _, in := range pl.In {
				switch {
				case in == InQuery || (in == InHeader && pl.Header != ""):
				case in == InForm && formProperty(op, pl.Name):
				case in == InForm:
					ps = append(ps, Problem{Pointer: ptr, Reason: "form: the operation takes no form body with " + pl.Name})
				case in == InHeader:
					ps = append(ps, Problem{Pointer: ptr, Reason: "header: no header parameter has " + extParam + ": " + pl.Name})
				default:
					ps = append(ps, Problem{Pointer: ptr, Reason: fmt.Sprintf("%q is not query, form or header", in)})
				}
			}
			s.placements[method] = append(s.placements[method], pl)
		}
	}
	if s.doc.Components != nil {
		for _, name := range sortedKeys(s.doc.Components.SecuritySchemes) {
			ref := s.doc.Components.SecuritySchemes[name]
			if ref.Value == nil {
				continue
			}
			places := stringList(ref.Value.Extensions[extIn])
			for _, in := range places {
				if in != InQuery && in != InForm && in != InHeader {
					ps = append(ps, Problem{Pointer: "/components/securitySchemes/" + esc(name) + "/" + extIn,
						Reason: fmt.Sprintf("%q is not query, form or header", in)})
				}
			}
			if len(places) > 0 && !slices.Contains(places, ref.Value.In) {
				ps = append(ps, Problem{Pointer: "/components/securitySchemes/" + esc(name) + "/" + extIn,
					Reason: "does not list the scheme's own place " + ref.Value.In})
			}
		}
	}
	return ps
}

// formProperty says whether op takes an application/x-www-form-urlencoded body with property name.
func formProperty(op *openapi3.Operation, name string) bool {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return false
	}
	mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return false
	}
	_, ok := mt.Schema.Value.Properties[name]
	return ok
}

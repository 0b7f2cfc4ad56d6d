package specfacts

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
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// ResponseError says why an answer does not conform to the spec. It unwraps to kin-openapi's
// error; Problems lists each finding with the JSON pointer of the body field concerned.
type ResponseError struct {
	Status      int
	ContentType string
	Problems    []Problem
	Err         error
}

// Problem is one finding: Pointer is a JSON pointer into the body ("" for the whole answer).
type Problem struct {
	Pointer string
	Reason  string
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "response %d (%s) does not conform", e.Status, e.ContentType)
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if p.Pointer != "" {
			b.WriteString(p.Pointer + ": ")
		}
		b.WriteString(p.Reason)
	}
	return b.String()
}

func (e *ResponseError) Unwrap() error { return e.Err }

var registerXML sync.Once

// RegisterXMLBodyDecoder registers with openapi3filter (once, unless text/xml has a decoder already)
// the decoder of Alibaba Cloud XML answers that ValidateResponse uses, for callers that run
// openapi3filter on the document themselves.
func RegisterXMLBodyDecoder() {
	registerXML.Do(func() {
		if openapi3filter.RegisteredBodyDecoder("text/xml") == nil {
			openapi3filter.RegisterBodyDecoder("text/xml", xmlBodyDecoder)
		}
	})
}

var unsupportedRe = regexp.MustCompile(`^property "(.+)" is unsupported$`)

// ValidateResponse checks an answer to req against the operation of req's method on "/": the status
// must be documented, the Content-Type must be JSON or XML, and the body must match that status's
// schema (fields, RequestId pattern, the Code allowed at that status, nothing extra). Only the
// response is validated: a V3 request carries Action and Version in headers, not the query. A nil
// req means GET.
func ValidateResponse(ctx context.Context, s *Spec, req *http.Request, status int, header http.Header, body []byte) error {
	RegisterXMLBodyDecoder()
	if req == nil {
		req = &http.Request{Method: http.MethodGet, Header: http.Header{}}
	}
	if header == nil {
		header = http.Header{}
	}
	ct := header.Get("Content-Type")
	fail := func(err error, problems ...Problem) error {
		if len(problems) == 0 {
			problems = problemsOf(err)
		}
		return &ResponseError{Status: status, ContentType: ct, Problems: problems, Err: err}
	}
	item, op, err := s.methodOperation(req.Method)
	if err != nil {
		return fail(err, Problem{Reason: err.Error()})
	}
	// kin-openapi lets redirects and 304 through unchecked; none of them is an answer of this API.
	if op.Responses.Status(status) == nil {
		err := fmt.Errorf("status %d is not documented for %s /", status, req.Method)
		return fail(err, Problem{Reason: err.Error()})
	}
	// encoding/json's decoder stops after the first value; trailing bytes are junk all the same.
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" && !json.Valid(body) {
		err := errors.New("body is not one valid JSON value")
		return fail(err, Problem{Reason: err.Error()})
	}
	route := &routers.Route{Spec: s.doc, Path: "/", PathItem: item, Method: req.Method, Operation: op}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		ExcludeRequestBody:    true,
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fail(err)
	}
	return nil
}

// problemsOf flattens kin-openapi's errors into findings with JSON pointers into the body.
func problemsOf(err error) []Problem {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []Problem
		for _, sub := range e {
			out = append(out, problemsOf(sub)...)
		}
		return out
	case *openapi3.SchemaError:
		ptr := pointer(e.JSONPointer())
		// An unexpected property is reported at its object; point at the property itself.
		if m := unsupportedRe.FindStringSubmatch(e.Reason); m != nil {
			ptr += "/" + esc(m[1])
		}
		return []Problem{{Pointer: ptr, Reason: e.Reason}}
	case *openapi3filter.ResponseError:
		if e.Err == nil {
			return []Problem{{Reason: e.Reason}}
		}
		inner := problemsOf(e.Err)
		if strings.HasPrefix(e.Reason, "response body doesn't match") {
			return inner
		}
		// Not the body (a header, a decoding failure): the pointers are not into the body.
		out := make([]Problem, len(inner))
		for i, p := range inner {
			reason := p.Reason
			if p.Pointer != "" {
				reason = p.Pointer + ": " + reason
			}
			out[i] = Problem{Reason: e.Reason + ": " + reason}
		}
		return out
	}
	if u := errors.Unwrap(err); u != nil {
		var se *openapi3.SchemaError
		var me openapi3.MultiError
		if errors.As(err, &se) || errors.As(err, &me) {
			return problemsOf(u)
		}
	}
	reason, _, _ := strings.Cut(err.Error(), "\n")
	return []Problem{{Reason: reason}}
}

func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range tokens {
		t = strings.ReplaceAll(t, "~", "~0")
		t = strings.ReplaceAll(t, "/", "~1")
		b.WriteString("/" + t)
	}
	return b.String()
}

// xmlBodyDecoder turns an Alibaba Cloud XML answer (a root element whose children hold text) into
// the object the JSON schema describes. The root's name must be the schema's xml.name when set.
func xmlBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root *xml.StartElement
	out := map[string]any{}
	var field string
	var text strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if root != nil {
					return nil, errors.New("xml: more than one root element")
				}
				t := t.Copy()
				root = &t
			case 2:
				field = t.Name.Local
				if _, dup := out[field]; dup {
					return nil, fmt.Errorf("xml: element %s appears twice", field)
				}
				text.Reset()
			default:
				return nil, fmt.Errorf("xml: element %s nested in %s: only flat answers are expected", t.Name.Local, field)
			}
		case xml.EndElement:
			if depth == 2 {
				out[field] = text.String()
			}
			depth--
		case xml.CharData:
			switch depth {
			case 2:
				text.Write(t)
			case 1:
				if strings.TrimSpace(string(t)) != "" {
					return nil, errors.New("xml: text directly in the root element")
				}
			case 0:
				if strings.TrimSpace(string(t)) != "" {
					return nil, errors.New("xml: text outside the root element")
				}
			}
		}
	}
	if root == nil {
		return nil, errors.New("xml: no root element")
	}
	if schema != nil && schema.Value != nil && schema.Value.XML != nil && schema.Value.XML.Name != "" &&
		schema.Value.XML.Name != root.Name.Local {
		return nil, fmt.Errorf("xml: root element is %s, want %s", root.Name.Local, schema.Value.XML.Name)
	}
	return out, nil
}

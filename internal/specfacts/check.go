package specfacts

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// InvalidError is what Load returns for a document that is not a valid edgeconform spec: every
// problem found, each with the JSON pointer of the part concerned.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid document: " + strings.Join(parts, "; ")
}

func (p Problem) String() string {
	ptr := p.Pointer
	if ptr == "" {
		ptr = "/"
	}
	return ptr + ": " + p.Reason
}

// Check validates data as an edgeconform spec and returns every problem found (nil if none): the
// OpenAPI rules as kin-openapi checks them, localized to the smallest part that fails, then the
// extensions edgeconform reads and their agreement with the responses.
func Check(data []byte) []Problem {
	_, problems := load(data)
	return problems
}

// part is a piece of the document with its pointer, how to validate it alone, and its sub-parts.
type part struct {
	ptr      string
	validate func(context.Context) error
	children func() []part
}

// localize reports the failing parts as deep down as they fail: a part whose children all pass is
// reported itself (the error is about the part, e.g. a duplicate operationId).
func localize(ctx context.Context, p part) []Problem {
	err := p.validate(ctx)
	if err == nil {
		return nil
	}
	var out []Problem
	if p.children != nil {
		for _, c := range p.children() {
			out = append(out, localize(ctx, c)...)
		}
	}
	if len(out) == 0 {
		// kin-openapi appends the schema and value on further lines; the first line says it.
		reason, _, _ := strings.Cut(err.Error(), "\n")
		out = []Problem{{Pointer: p.ptr, Reason: strings.TrimSpace(reason)}}
	}
	return out
}

func esc(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// validator is what every part of an openapi3 document can do.
type validator interface {
	Validate(ctx context.Context, opts ...openapi3.ValidationOption) error
}

// leafParts are the parts of a map of document elements with no children of their own, in key
// order, each under base + its escaped key.
func leafParts[V validator](base string, m map[string]V) []part {
	var ps []part
	for _, k := range sortedKeys(m) {
		v := m[k]
		ps = append(ps, part{ptr: base + esc(k), validate: func(ctx context.Context) error { return v.Validate(ctx) }})
	}
	return ps
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func documentParts(doc *openapi3.T) part {
	return part{ptr: "", validate: func(ctx context.Context) error { return doc.Validate(ctx) }, children: func() []part {
		var ps []part
		if c := doc.Components; c != nil {
			ps = append(ps, componentParts(c))
		}
		if doc.Info != nil {
			ps = append(ps, part{ptr: "/info", validate: func(ctx context.Context) error { return doc.Info.Validate(ctx) }})
		}
		if doc.Paths != nil {
			ps = append(ps, pathsPart(doc.Paths))
		}
		for i, s := range doc.Servers {
			ps = append(ps, part{ptr: "/servers/" + strconv.Itoa(i), validate: func(ctx context.Context) error { return s.Validate(ctx) }})
		}
		if doc.Security != nil {
			ps = append(ps, part{ptr: "/security", validate: func(ctx context.Context) error { return doc.Security.Validate(ctx) }})
		}
		if doc.Tags != nil {
			ps = append(ps, part{ptr: "/tags", validate: func(ctx context.Context) error { return doc.Tags.Validate(ctx) }})
		}
		return ps
	}}
}

func componentParts(c *openapi3.Components) part {
	base := "/components"
	return part{ptr: base, validate: func(ctx context.Context) error { return c.Validate(ctx) }, children: func() []part {
		var ps []part
		for _, k := range sortedKeys(c.Schemas) {
			ps = append(ps, schemaPart(base+"/schemas/"+esc(k), c.Schemas[k]))
		}
		ps = append(ps, leafParts(base+"/parameters/", c.Parameters)...)
		ps = append(ps, leafParts(base+"/headers/", c.Headers)...)
		ps = append(ps, leafParts(base+"/requestBodies/", c.RequestBodies)...)
		for _, k := range sortedKeys(c.Responses) {
			v := c.Responses[k]
			ps = append(ps, responsePart(base+"/responses/"+esc(k), v))
		}
		ps = append(ps, leafParts(base+"/securitySchemes/", c.SecuritySchemes)...)
		ps = append(ps, leafParts(base+"/examples/", c.Examples)...)
		return ps
	}}
}

// schemaPart descends into properties and items; a $ref is reported where it points, not here.
func schemaPart(ptr string, s *openapi3.SchemaRef) part {
	return part{ptr: ptr, validate: func(ctx context.Context) error { return s.Validate(ctx) }, children: func() []part {
		if s.Value == nil || s.Ref != "" {
			return nil
		}
		var ps []part
		for _, k := range sortedKeys(s.Value.Properties) {
			if v := s.Value.Properties[k]; v.Ref == "" {
				ps = append(ps, schemaPart(ptr+"/properties/"+esc(k), v))
			}
		}
		if it := s.Value.Items; it != nil && it.Ref == "" {
			ps = append(ps, schemaPart(ptr+"/items", it))
		}
		return ps
	}}
}

func responsePart(ptr string, r *openapi3.ResponseRef) part {
	return part{ptr: ptr, validate: func(ctx context.Context) error { return r.Validate(ctx) }, children: func() []part {
		if r.Value == nil {
			return nil
		}
		var ps []part
		ps = append(ps, leafParts(ptr+"/headers/", r.Value.Headers)...)
		ps = append(ps, leafParts(ptr+"/content/", r.Value.Content)...)
		return ps
	}}
}

func pathsPart(paths *openapi3.Paths) part {
	return part{ptr: "/paths", validate: func(ctx context.Context) error { return paths.Validate(ctx) }, children: func() []part {
		var ps []part
		m := paths.Map()
		for _, path := range sortedKeys(m) {
			item := m[path]
			base := "/paths/" + esc(path)
			ps = append(ps, part{ptr: base, validate: func(ctx context.Context) error { return item.Validate(ctx) }, children: func() []part {
				var ops []part
				operations := item.Operations()
				for _, method := range sortedKeys(operations) {
					op := operations[method]
					ops = append(ops, operationPart(base+"/"+strings.ToLower(method), op))
				}
				return ops
			}})
		}
		return ps
	}}
}

func operationPart(ptr string, op *openapi3.Operation) part {
	return part{ptr: ptr, validate: func(ctx context.Context) error { return op.Validate(ctx) }, children: func() []part {
		var ps []part
		for i, p := range op.Parameters {
			if p.Ref != "" {
				continue
			}
			ps = append(ps, part{ptr: ptr + "/parameters/" + strconv.Itoa(i), validate: func(ctx context.Context) error { return p.Validate(ctx) }})
		}
		if op.RequestBody != nil {
			ps = append(ps, part{ptr: ptr + "/requestBody", validate: func(ctx context.Context) error { return op.RequestBody.Validate(ctx) }})
		}
		if op.Responses != nil {
			m := op.Responses.Map()
			for _, code := range sortedKeys(m) {
				// A $ref is checked where it points, under /components.
				if m[code].Ref == "" {
					ps = append(ps, responsePart(ptr+"/responses/"+esc(code), m[code]))
				}
			}
		}
		return ps
	}}
}

// load is Load and Check in one: the spec if there are no problems, else the problems.
func load(data []byte) (*Spec, []Problem) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, []Problem{{Pointer: "", Reason: fmt.Sprintf("cannot load: %v", err)}}
	}
	problems := dedupe(localize(context.Background(), documentParts(doc)))
	s := &Spec{doc: doc, raw: append([]byte(nil), data...)}
	problems = append(problems, s.decodeExtensions()...)
	problems = append(problems, s.decodeDisagreements()...)
	problems = append(problems, s.decodeFacts()...)
	problems = append(problems, s.decodeWire()...)
	problems = append(problems, dedupe(s.crossCheck())...)
	if len(problems) > 0 {
		return nil, problems
	}
	return s, nil
}

// dedupe drops exact repeats and a problem already reported under /components (a component used
// in several places fails in each); components come first in the walk.
func dedupe(ps []Problem) []Problem {
	inComponents := map[string]bool{}
	seen := map[Problem]bool{}
	var out []Problem
	for _, p := range ps {
		if seen[p] || inComponents[p.Reason] {
			continue
		}
		seen[p] = true
		if strings.HasPrefix(p.Pointer, "/components/") {
			inComponents[p.Reason] = true
		}
		out = append(out, p)
	}
	return out
}

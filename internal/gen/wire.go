package gen

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Wire is the overlay's account of where parameters and signatures travel (overlay key "wire").
type Wire struct {
	Headers         []WireHeader    `yaml:"headers"`
	Signatures      []WireSignature `yaml:"signatures"`
	FormAlternative string          `yaml:"formAlternative"`
}

// WireHeader is a version 3 header; Param names the parameter it carries instead of the query or
// form, "" for a header of its own (x-acs-content-sha256).
type WireHeader struct {
	Name        string `yaml:"name"`
	Param       string `yaml:"param"`
	Pattern     string `yaml:"pattern"`
	Description string `yaml:"description"`
}

// WireSignature is a security scheme: the credential's name and every place it may be in.
type WireSignature struct {
	Name        string   `yaml:"name"`
	Param       string   `yaml:"param"`
	In          []string `yaml:"in"`
	Description string   `yaml:"description"`
}

// The places a value may travel in, as x-edgeconform-required-in and x-edgeconform-in name them.
const (
	inQuery  = "query"
	inForm   = "form"
	inHeader = "header"
)

// The extensions this step writes (package spec reads them).
const (
	extRequiredIn = "x-edgeconform-required-in" // on a query parameter: required in one of these places
	extParam      = "x-edgeconform-param"       // on a header parameter: the parameter it carries
	extIn         = "x-edgeconform-in"          // on a security scheme: every place its credential may be in
)

func (w Wire) check(params map[string]obj) error {
	if len(w.Signatures) == 0 {
		return errors.New("overlay: wire.signatures must not be empty")
	}
	for i, h := range w.Headers {
		if !strings.HasPrefix(h.Name, "x-") || h.Description == "" {
			return fmt.Errorf("overlay: wire.headers[%d]: needs an x- name and a description", i)
		}
		if _, ok := params[h.Param]; h.Param != "" && !ok {
			return fmt.Errorf("overlay: wire.headers[%d]: %s carries %s, which is no parameter", i, h.Name, h.Param)
		}
	}
	for i, s := range w.Signatures {
		if s.Name == "" || s.Param == "" || s.Description == "" || len(s.In) == 0 {
			return fmt.Errorf("overlay: wire.signatures[%d]: needs name, param, description and in", i)
		}
		for _, in := range s.In {
			if in != inQuery && in != inForm && in != inHeader {
				return fmt.Errorf("overlay: wire.signatures[%d]: in %q is not query, form or header", i, in)
			}
		}
		if s.In[0] == inForm {
			return fmt.Errorf("overlay: wire.signatures[%d]: the first place must be one OpenAPI can name (query or header)", i)
		}
		if slices.Contains(s.In, inForm) && w.FormAlternative == "" {
			return fmt.Errorf("overlay: wire.signatures[%d] may be in the form: wire.formAlternative must say why POST lists {}", i)
		}
	}
	return nil
}

// applyWire rewrites the operations' parameters and the security of doc (built by build) so that
// any OpenAPI 3.0 tool reads the wire as it is: every place a parameter may be in is optional, the
// rule "required in one of them" is in the description and in x-edgeconform-required-in; version 3
// headers are parameters; the security schemes name every place their credential may be in.
func applyWire(doc obj, o *Overlay) (obj, error) {
	item, _ := doc.get("paths").(obj).get("/").(obj)
	get, _ := item.get("get").(obj)
	post, _ := item.get("post").(obj)
	if get == nil || post == nil {
		return nil, errors.New("wire: the document has no GET and POST on /")
	}
	// GET's parameters as build wrote them are the parameters themselves: their own descriptions
	// and whether the page or the overlay requires them.
	base := get.get("parameters").([]any)
	byName := map[string]obj{}
	for _, p := range base {
		byName[p.(obj).get("name").(string)] = p.(obj)
	}
	if err := o.Wire.check(byName); err != nil {
		return nil, err
	}
	headerOf := map[string]string{}
	for _, h := range o.Wire.Headers {
		if h.Param != "" {
			headerOf[h.Param] = h.Name
		}
	}
	for _, method := range []string{"get", "post"} {
		op := item.get(method).(obj)
		form := method == "post"
		var params []any
		for _, p := range base {
			params = append(params, placeParam(p.(obj), form, headerOf))
		}
		for _, h := range o.Wire.Headers {
			params = append(params, headerParam(h, byName[h.Param]))
		}
		op = op.set("parameters", params)
		if form && slices.ContainsFunc(o.Wire.Signatures, func(s WireSignature) bool { return slices.Contains(s.In, inForm) }) {
			op = op.set("description", op.get("description").(string)+"\n\n"+o.Wire.FormAlternative)
			op = op.insertBefore("responses", "security", append(securityAlternatives(o.Wire), obj{}))
		}
		item = item.set(method, op)
	}
	paths := doc.get("paths").(obj).set("/", item)
	doc = doc.set("paths", paths)
	doc = doc.insertBefore("tags", "security", securityAlternatives(o.Wire))

	var schemes obj
	for _, s := range o.Wire.Signatures {
		schemes = append(schemes, kv{s.Name, obj{{"type", "apiKey"}, {"in", s.In[0]}, {"name", s.Param},
			{"description", s.Description}, {extIn, s.In}}})
	}
	components := obj{{"securitySchemes", schemes}}
	components = append(components, doc.get("components").(obj)...)
	return doc.set("components", components), nil
}

func securityAlternatives(w Wire) []any {
	var out []any
	for _, s := range w.Signatures {
		out = append(out, obj{{s.Name, []string{}}})
	}
	return out
}

// placeParam is a query parameter of one operation: a required one that may also be in the form
// body or a header becomes optional in each place, with the rule written down.
func placeParam(p obj, form bool, headerOf map[string]string) obj {
	out := slices.Clone(p)
	if required, _ := p.get("required").(bool); !required {
		return out
	}
	places := []string{inQuery}
	where := []string{"the query"}
	if form {
		places = append(places, inForm)
		where = append(where, "the form body")
	}
	if h := headerOf[p.get("name").(string)]; h != "" {
		places = append(places, inHeader)
		where = append(where, "the "+h+" header")
	}
	if len(places) > 1 {
		out = out.set("required", false)
		rule := "Required in one of: " + strings.Join(where, ", ") + "."
		if d, _ := p.get("description").(string); d != "" {
			rule = d + " " + rule
		}
		out = out.set("description", rule)
	}
	return out.insertBefore("x-source", extRequiredIn, places)
}

// headerParam is a version 3 header, optional: it carries param (nil for a header of its own), so
// it has param's schema and example.
func headerParam(h WireHeader, param obj) obj {
	out := obj{{"name", h.Name}, {"in", inHeader}, {"required", false}, {"description", h.Description}}
	if param == nil {
		s := obj{{"type", "string"}}
		if h.Pattern != "" {
			s = append(s, kv{"pattern", h.Pattern})
		}
		return append(out, kv{"schema", s})
	}
	out = append(out, kv{"schema", param.get("schema")})
	if ex := param.get("example"); ex != nil {
		out = append(out, kv{"example", ex})
	}
	return append(out, kv{extParam, h.Param})
}

// get returns the value of key k, nil if there is none.
func (o obj) get(k string) any {
	for _, f := range o {
		if f.k == k {
			return f.v
		}
	}
	return nil
}

// set replaces the value of key k, or appends it; o itself is not changed.
func (o obj) set(k string, v any) obj {
	out := slices.Clone(o)
	for i := range out {
		if out[i].k == k {
			out[i].v = v
			return out
		}
	}
	return append(out, kv{k, v})
}

// insertBefore puts k before the key before (at the end if there is none); o is not changed.
func (o obj) insertBefore(before, k string, v any) obj {
	i := slices.IndexFunc(o, func(f kv) bool { return f.k == before })
	if i < 0 {
		i = len(o)
	}
	return slices.Insert(slices.Clone(o), i, kv{k, v})
}

package parity

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A body as a tree: JSON objects and XML elements alike become map[string]any, arrays and repeated
// XML elements []any, leaves string (XML text, JSON strings), json.Number, bool or nil. Maps carry
// no order, so neither spacing nor the order of members or elements counts in a comparison.

// ParseJSON returns the tree of one JSON value; numbers stay as written (json.Number).
func ParseJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// ParseXML returns the tree of one XML document: {"<root>": <element>}, where an element with
// children or attributes is a map (attributes as "@name", children by name, a repeated child as a
// list, text beside children as "#text") and an element with text only is its trimmed text.
func ParseXML(body []byte) (any, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil, errors.New("no XML element")
			}
			return nil, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			v, err := element(dec, start, 0)
			if err != nil {
				return nil, err
			}
			for { // nothing but comments and space may follow the root
				tok, err := dec.Token()
				if err == io.EOF {
					return map[string]any{start.Name.Local: v}, nil
				}
				if err != nil {
					return nil, err
				}
				switch t := tok.(type) {
				case xml.StartElement:
					return nil, errors.New("data after the XML root element")
				case xml.CharData:
					if len(bytes.TrimSpace(t)) > 0 {
						return nil, errors.New("data after the XML root element")
					}
				}
			}
		}
	}
}

// maxDepth bounds the nesting a hostile answer can make us follow.
const maxDepth = 64

func element(dec *xml.Decoder, start xml.StartElement, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("XML nested deeper than %d", maxDepth)
	}
	m := map[string]any{}
	for _, a := range start.Attr {
		m["@"+a.Name.Local] = a.Value
	}
	var text strings.Builder
	children := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := element(dec, t, depth+1)
			if err != nil {
				return nil, err
			}
			children = true
			name := t.Name.Local
			// An element is a string or a map, never a list: a list is a repeated child.
			switch old := m[name].(type) {
			case nil:
				m[name] = v
			case []any:
				m[name] = append(old, v)
			default:
				m[name] = []any{old, v}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			s := strings.TrimSpace(text.String())
			if !children && len(m) == 0 {
				return s, nil
			}
			if s != "" {
				m["#text"] = s
			}
			return m, nil
		}
	}
}

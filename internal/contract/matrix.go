package contract

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// cell is one transport of the matrix: how a call travels and in which format it is answered.
type cell struct {
	Method    string
	Signature protocol.SignatureVersion
	Format    string
}

// ID names the cell in case ids, e.g. "GET-v1-JSON".
func (c cell) ID() string { return c.Method + "-" + string(c.Signature) + "-" + c.Format }

// Text names the cell in spec texts.
func (c cell) Text() string {
	return fmt.Sprintf("over %s, signature %s, Format %s", c.Method, c.Signature, c.Format)
}

// Labels are the cell's labels: get|post, v1|v3, json|xml.
func (c cell) Labels() []string {
	return []string{strings.ToLower(c.Method), string(c.Signature), strings.ToLower(c.Format)}
}

// call returns a protocol.Call of the cell; the caller fills Action, Version and Params.
func (c cell) call() protocol.Call {
	return protocol.Call{Method: c.Method, Signature: c.Signature, Format: c.Format}
}

// matrix returns every combination of the given methods, signatures and formats (nil: all).
func matrix(methods []string, sigs []protocol.SignatureVersion, formats []string) ([]cell, error) {
	if len(methods) == 0 {
		methods = []string{http.MethodGet, http.MethodPost}
	}
	if len(sigs) == 0 {
		sigs = []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3}
	}
	if len(formats) == 0 {
		formats = []string{"JSON", "XML"}
	}
	var cells []cell
	for _, m := range methods {
		m = strings.ToUpper(m)
		if m != http.MethodGet && m != http.MethodPost {
			return nil, fmt.Errorf("method %q: want GET or POST", m)
		}
		for _, sv := range sigs {
			if _, err := protocol.ParseSignatureVersion(string(sv)); err != nil {
				return nil, err
			}
			for _, f := range formats {
				f = strings.ToUpper(f)
				if spec.Default().ContentType(f) == "" {
					return nil, fmt.Errorf("format %q: want JSON or XML", f)
				}
				cells = append(cells, cell{Method: m, Signature: sv, Format: f})
			}
		}
	}
	return cells, nil
}

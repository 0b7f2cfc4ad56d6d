package contract

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// cell is one transport of the matrix: how a call travels and in which format it is answered.
type cell struct{ protocol.Transport }

// ID names the cell in case ids, e.g. "GET-v1-JSON".
func (c cell) ID() string { return explore.TransportID(c.Transport) }

// Text names the cell in spec texts.
func (c cell) Text() string {
	return fmt.Sprintf("over %s, signature %s, Format %s", c.Method, c.Signature, c.Format)
}

// Labels are the cell's labels: get|post, v1|v3, json|xml.
func (c cell) Labels() []string {
	return []string{strings.ToLower(c.Method), string(c.Signature), strings.ToLower(string(c.Format))}
}

// call returns a protocol.Call of the cell; the caller fills Action, Version and Params.
func (c cell) call() protocol.Call { return protocol.Call{Transport: c.Transport} }

// matrix returns every combination of the given methods, signatures and formats (nil: all; the
// formats are the API's, sp.Formats).
func matrix(sp *spec.Spec, methods []string, sigs []protocol.SignatureVersion, formats []protocol.Format) ([]cell, error) {
	if len(methods) == 0 {
		methods = []string{http.MethodGet, http.MethodPost}
	}
	if len(sigs) == 0 {
		sigs = []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3}
	}
	if len(formats) == 0 {
		for _, f := range specfacts.Formats(sp) {
			formats = append(formats, protocol.Format(f))
		}
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
				f, err := protocol.ParseFormat(string(f), specfacts.Formats(sp))
				if err != nil {
					return nil, err
				}
				cells = append(cells, cell{protocol.Transport{Method: m, Signature: sv, Format: f}})
			}
		}
	}
	return cells, nil
}

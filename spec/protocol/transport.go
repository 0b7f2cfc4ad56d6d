package protocol

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/edgeconform/edgeconform/internal/wire"
)

// Format is the answer format a call asks for with its Format parameter (wire.Format: the server
// side reads it too).
type Format = wire.Format

const (
	// FormatJSON is the default: a call without Format is answered in JSON.
	FormatJSON = wire.FormatJSON
	// FormatXML asks for an XML answer.
	FormatXML = wire.FormatXML
)

// Transport is how a call travels and in which format it asks to be answered: one cell of the
// contract's matrix (method × signature × format).
type Transport struct {
	Method    string           // GET (default) or POST
	Signature SignatureVersion // SignatureV1 (default) or SignatureV3
	Format    Format           // FormatJSON (default for V1) or another; V3 sends Format only when set
}

// ParseFormat reads a format as a command line or a list names it (any letter case) and accepts
// it when it is one of formats, the API's (the document's x-content-types).
func ParseFormat(s string, formats []string) (Format, error) {
	f := strings.ToUpper(strings.TrimSpace(s))
	if f == "" || !slices.Contains(formats, f) {
		return "", fmt.Errorf("format %q: want %s", s, strings.Join(formats, " or "))
	}
	return Format(f), nil
}

// httpMethod is the request's method: Method in upper case, GET when unset.
func (t Transport) httpMethod() string {
	if t.Method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(t.Method)
}

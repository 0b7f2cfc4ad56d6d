package wire

// Format is the answer format a call asks for with its Format parameter. Which formats an API
// answers in is the API's fact (specfacts.Formats, the document's x-content-types); the wire protocol
// names two and a default.
type Format string

const (
	// FormatJSON is the default: a call without Format is answered in JSON.
	FormatJSON Format = "JSON"
	// FormatXML asks for an XML answer.
	FormatXML Format = "XML"
)

package protocol_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func TestParseFormat(t *testing.T) {
	formats := specfacts.Formats(spec.Default())
	for in, want := range map[string]protocol.Format{"JSON": protocol.FormatJSON, "xml": protocol.FormatXML, " Json ": protocol.FormatJSON} {
		if got, err := protocol.ParseFormat(in, formats); got != want || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "YAML", "JSONP"} {
		got, err := protocol.ParseFormat(in, formats)
		if err == nil || got != "" {
			t.Errorf("ParseFormat(%q) = %q, %v; want an error", in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "want JSON or XML") {
			t.Errorf("ParseFormat(%q): %v does not say what is wanted", in, err)
		}
	}
	// The formats come from the caller (the spec): one it does not list is refused.
	if _, err := protocol.ParseFormat("XML", []string{"JSON"}); err == nil {
		t.Error("ParseFormat accepted a format outside the list")
	}
}

// The wire protocol's formats are the document's (x-content-types): a Format constant the spec
// does not answer in would be a call nobody can judge.
func TestFormatsAreTheSpecs(t *testing.T) {
	for _, f := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
		if !slices.Contains(specfacts.Formats(spec.Default()), string(f)) {
			t.Errorf("%s is not one of the spec's formats %v", f, specfacts.Formats(spec.Default()))
		}
	}
}

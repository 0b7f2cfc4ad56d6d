package gen

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/edgeconform/edgeconform/internal/docpage"
	"github.com/edgeconform/edgeconform/internal/source"
	"github.com/edgeconform/edgeconform/internal/vendor"
)

// Inputs are everything the document is generated from: the page, the overlay, and the vendor's
// other descriptions (its metadata as published, its SDKs' facts), which the generator compares
// with the page to record where they disagree.
type Inputs struct {
	Page, Overlay []byte
	Metadata      []byte
	MetadataFile  string // its name holds the snapshot's date
	SDK           []byte
}

// Embedded returns the inputs embedded in internal/source.
func Embedded() Inputs {
	return Inputs{Page: source.Page, Overlay: source.Overlay, Metadata: source.Metadata,
		MetadataFile: source.MetadataFile, SDK: source.SDK}
}

// Disagreements compares the page with the vendor's other sources.
func Disagreements(in Inputs) ([]vendor.Disagreement, error) {
	p, o, err := parseInputs(in)
	if err != nil {
		return nil, err
	}
	ds, _, err := disagreements(p, o, in)
	return ds, err
}

// parseInputs parses the page and the overlay.
func parseInputs(in Inputs) (*docpage.Page, *Overlay, error) {
	p, err := docpage.Parse(in.Page)
	if err != nil {
		return nil, nil, fmt.Errorf("gen: %w", err)
	}
	o, err := ParseOverlay(in.Overlay)
	if err != nil {
		return nil, nil, fmt.Errorf("gen: %w", err)
	}
	return p, o, nil
}

func disagreements(p *docpage.Page, o *Overlay, in Inputs) ([]vendor.Disagreement, obj, error) {
	m, err := vendor.ParseMetadata(in.MetadataFile, in.Metadata, o.Action)
	if err != nil {
		return nil, nil, fmt.Errorf("gen: %w", err)
	}
	f, err := vendor.ParseFacts(in.SDK)
	if err != nil {
		return nil, nil, fmt.Errorf("gen: %w", err)
	}
	if m.Version != o.Version {
		return nil, nil, fmt.Errorf("gen: %s describes version %s, the overlay %s", m.File, m.Version, o.Version)
	}
	sources := []any{obj{{"source", "metadata"}, {"of", m.Date}, {"file", "internal/source/vendor/" + m.File}}}
	for _, s := range f.Snapshots {
		sources = append(sources, obj{{"source", "metadata"}, {"of", s.Date}, {"file", s.Source}})
	}
	for _, s := range f.SDKs {
		sources = append(sources, obj{{"source", "sdk"}, {"of", s.Name}, {"file", s.Source}})
	}
	for _, msg := range f.Messages {
		sources = append(sources, obj{{"source", "sdk"}, {"of", msg.SDK}, {"file", msg.Source}})
	}
	var common []vendor.Error
	for _, e := range o.CommonErrors {
		common = append(common, vendor.Error{Status: e.Status, Code: e.Code, Message: e.Message})
	}
	return vendor.Compare(o.Action, p, common, m, f), obj{{"x-edgeconform-sources", sources}}, nil
}

// alternateStatuses are the statuses another source gives a code: its answer is valid there too.
func alternateStatuses(ds []vendor.Disagreement) map[int][]string {
	out := map[int][]string{}
	for _, d := range ds {
		if d.Aspect != vendor.AspectStatus {
			continue
		}
		for _, c := range d.Claims[1:] {
			if st, err := strconv.Atoi(c.Says); err == nil && !slices.Contains(out[st], d.Subject) {
				out[st] = append(out[st], d.Subject)
			}
		}
	}
	return out
}

// disagreementsExtension renders the disagreements as x-edgeconform-disagreements.
func disagreementsExtension(ds []vendor.Disagreement) []any {
	out := []any{}
	for _, d := range ds {
		var claims []any
		for _, c := range d.Claims {
			co := obj{{"source", c.Source}}
			if c.Of != "" {
				co = append(co, kv{"of", c.Of})
			}
			claims = append(claims, append(co, kv{"says", c.Says}))
		}
		out = append(out, obj{{"field", d.Field}, {"operation", d.Operation}, {"subject", d.Subject},
			{"aspect", d.Aspect}, {"claims", claims}, {"affects", d.Affects}})
	}
	return out
}

package mock

import "fmt"

// A Variant is a correct implementation's other choice where the sources (the page, the wire
// protocol of docs/protocol.md, the vendor's metadata and SDKs, a recording) leave one open
// (docs/protocol.md, "What the kit may assert"). It is the mirror of a Defect: a defect must be
// caught by the cases about it, a variant must pass the whole kit. Like a defect it is data the
// request pipeline consults, never a second copy of the handler.
type Variant struct {
	name  string
	apply func(*variants)
}

// String names the variant, e.g. "RepeatTakesLast", for test names.
func (v Variant) String() string { return v.name }

// variants is the set the pipeline consults; the zero value is the reference's own choices.
// Each field is one undecided choice taken the other way.
type variants struct {
}

func variant(name string, set func(*variants)) Variant { return Variant{name: name, apply: set} }

// Variants returns every variant (a representative of each parameterised one), so a test can run
// the whole kit against each.
func Variants() []Variant {
	return []Variant{}
}

func collectVariants(vs []Variant) (variants, error) {
	var v variants
	for _, x := range vs {
		if x.apply == nil {
			return v, fmt.Errorf("mock: zero Variant (use the package's variant values)")
		}
		x.apply(&v)
	}
	return v, nil
}

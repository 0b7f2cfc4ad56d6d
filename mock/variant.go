package mock

import (
	"fmt"

	"github.com/edgeconform/edgeconform/spec"
)

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
	followsMetadata      bool // FollowsMetadata
	bareSignatureMessage bool // BareSignatureMessage
	noRetryAfter         bool // NoRetryAfter
}

func variant(name string, set func(*variants)) Variant { return Variant{name: name, apply: set} }

// Variants returns every variant (a representative of each parameterised one), so a test can run
// the whole kit against each.
func Variants() []Variant {
	return []Variant{
		FollowsMetadata,
		BareSignatureMessage,
		NoRetryAfter,
	}
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

// FollowsMetadata answers each page code as the vendor's OpenAPI metadata describes it where the
// metadata and the page disagree (x-edgeconform-disagreements): UserQuotaExceed with 400 instead
// of the page's 403, every Message as the bare detail ("%s") instead of the page's template. The
// reference follows the page.
var FollowsMetadata = variant("FollowsMetadata", func(v *variants) { v.followsMetadata = true })

// errorCode is e as this implementation answers it: the page's, or the metadata's where the
// variant follows it.
func (v variants) errorCode(sp *spec.Spec, e spec.ErrorCode) spec.ErrorCode {
	if !v.followsMetadata {
		return e
	}
	for _, a := range sp.Alternatives(e) {
		if a.Source == spec.SourceMetadata {
			return a.Error(e)
		}
	}
	return e
}

// BareSignatureMessage answers SignatureDoesNotMatch with the common conventions' sentence alone,
// without the server's string to sign the older SDK reads when it is there (the reference writes it).
var BareSignatureMessage = variant("BareSignatureMessage", func(v *variants) { v.bareSignatureMessage = true })

// NoRetryAfter leaves x-acs-retry-after out of throttled answers (optional: the released
// darabonba-openapi reads the x-ratelimit-* headers' TimeLeft instead; the reference sends both).
var NoRetryAfter = variant("NoRetryAfter", func(v *variants) { v.noRetryAfter = true })

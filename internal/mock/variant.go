package mock

import (
	"fmt"

	"github.com/edgeconform/edgeconform/internal/specfacts"
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
	repeat               repeatChoice // a parameter given twice (variant_repeat.go); zero: refused unread, 400 InvalidParameter
	headerRepeat         repeatChoice // a V3 x-acs-* header given twice; zero: refused unread
	unknownRefused       bool         // a parameter the API does not have: 400 InvalidParameter (after the throttle)
	regionIDValidated    bool         // a RegionId not shaped like a region: 400 InvalidParameter (after the throttle)
	formatExact          bool         // Format read case-sensitively: "xml" is not XML (JSON, the default)
	smallRequests        bool         // a query or body past smallRequestLimit refused by the HTTP layer (414/413, plain text)
	jsonReordered        bool         // JSON answers indented, their keys in the reverse order
	xmlNoDeclaration     bool         // XML answers without <?xml ...?>
	messageReworded      bool         // another detail inside each documented template (the parity defect's words)
	noRateLimitHeader    bool         // no x-ratelimit-* header (the spec makes it optional)
	followsMetadata      bool         // FollowsMetadata
	bareSignatureMessage bool         // BareSignatureMessage
	noRetryAfter         bool         // NoRetryAfter
}

func variant(name string, set func(*variants)) Variant { return Variant{name: name, apply: set} }

// Variants returns every variant (a representative of each parameterised one), so a test can run
// the whole kit against each.
func Variants() []Variant {
	return []Variant{
		RepeatTakesFirst, RepeatTakesLast, RepeatRefusedAfterGateway,
		HeaderRepeatTakesFirst, HeaderRepeatTakesLast,
		UnknownParamRefused,
		RegionIDValidated,
		FormatCaseSensitive,
		SmallRequestLimit,
		JSONReordered,
		XMLNoDeclaration,
		MessageDetailReworded,
		NoRateLimitHeaders,
		FollowsMetadata,
		BareSignatureMessage,
		NoRetryAfter,
	}
}

// The variants. Each is a correct implementation's other choice where the decision table
// (explore.Decisions) has a row without a source; the row names it.
var (
	// RepeatTakesFirst takes the first value of a parameter given twice (the signature verified
	// over the call as sent).
	RepeatTakesFirst = variant("RepeatTakesFirst", func(v *variants) { v.repeat = repeatFirst })
	// RepeatTakesLast takes the last value of a parameter given twice.
	RepeatTakesLast = variant("RepeatTakesLast", func(v *variants) { v.repeat = repeatLast })
	// RepeatRefusedAfterGateway refuses a parameter given twice with 400 InvalidParameter, but only
	// after the gateway's checks and the throttle (the reference refuses it before reading the call).
	RepeatRefusedAfterGateway = variant("RepeatRefusedAfterGateway", func(v *variants) { v.repeat = repeatRefuseLate })
	// HeaderRepeatTakesFirst takes the first value of a V3 x-acs-* header given twice.
	HeaderRepeatTakesFirst = variant("HeaderRepeatTakesFirst", func(v *variants) { v.headerRepeat = repeatFirst })
	// HeaderRepeatTakesLast takes the last value of a V3 x-acs-* header given twice.
	HeaderRepeatTakesLast = variant("HeaderRepeatTakesLast", func(v *variants) { v.headerRepeat = repeatLast })
	// UnknownParamRefused refuses a parameter the API does not have with 400 InvalidParameter,
	// after the throttle and before MissingParameter.
	UnknownParamRefused = variant("UnknownParamRefused", func(v *variants) { v.unknownRefused = true })
	// RegionIDValidated refuses a RegionId that is not shaped like a region id (empty, long,
	// non-ASCII) with 400 InvalidParameter.
	RegionIDValidated = variant("RegionIDValidated", func(v *variants) { v.regionIDValidated = true })
	// FormatCaseSensitive reads Format case-sensitively: "xml" is answered in JSON, the default.
	FormatCaseSensitive = variant("FormatCaseSensitive", func(v *variants) { v.formatExact = true })
	// SmallRequestLimit refuses a query or a body past 16 KiB as a front proxy does: 414 or 413 with
	// a plain-text body.
	SmallRequestLimit = variant("SmallRequestLimit", func(v *variants) { v.smallRequests = true })
	// JSONReordered indents JSON answers and writes their keys in the reverse order.
	JSONReordered = variant("JSONReordered", func(v *variants) { v.jsonReordered = true })
	// XMLNoDeclaration writes XML answers without their <?xml ...?> declaration.
	XMLNoDeclaration = variant("XMLNoDeclaration", func(v *variants) { v.xmlNoDeclaration = true })
	// MessageDetailReworded words the detail inside each documented Message template otherwise
	// (as the parity defect MessageReworded does: a recording of the reference notices, the
	// page does not decide it).
	MessageDetailReworded = variant("MessageDetailReworded", func(v *variants) { v.messageReworded = true })
	// NoRateLimitHeaders sends no x-ratelimit-* header, which the spec makes optional. (The
	// parity defect NoRateLimitHeader is the same behaviour, kept as a defect for what it proves:
	// a comparison with a recording that has the header notices it.)
	NoRateLimitHeaders = variant("NoRateLimitHeaders", func(v *variants) { v.noRateLimitHeader = true })
)

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
	for _, a := range specfacts.Alternatives(sp, e) {
		if a.Source == specfacts.SourceMetadata {
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

package explore

import (
	"fmt"
	"strings"

	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// The decision table: every class of input the kit generates (the edge cases, the mutations of
// --explore and their combinations) and every choice an answer's rendering leaves open, with
// what a conforming answer has and the source that decides it (docs/protocol.md, "What the kit
// may assert"). Expect reads its expectations from here and nowhere else: a mutation is
// classified into rows, and a row's verdict is what the answer is judged by. A row without a
// source decides nothing: only what every answer has is asserted (and, for a refusable input,
// the answer otherwise due or a refusal), and a variant of the reference implementation
// (mock.Variants) takes each other choice. docs/ci-gate.md shows the table (DecisionTable,
// checked for drift by a test).

// Verdict is what a row asserts.
type Verdict int

// The verdicts of the rows.
const (
	// Harmless: nothing changes, the state's own answer is due (decided: needs a source).
	Harmless Verdict = iota
	// Wrong: a 4xx is due; with a Code, that code and its status (decided: needs a source).
	Wrong
	// Refusable: the answer otherwise due, or a refusal with a 4xx in either format (undecided).
	Refusable
	// Free: anything but a 5xx, well formed (undecided).
	Free
)

func (v Verdict) String() string {
	switch v {
	case Harmless:
		return "nothing changes"
	case Wrong:
		return "a 4xx"
	case Refusable:
		return "as if absent, or a 4xx"
	}
	return "any well-formed answer"
}

// Decided says whether the verdict asserts more than every answer has (and so needs a source).
func (v Verdict) Decided() bool { return v == Harmless || v == Wrong }

// Decision is one row of the table.
type Decision struct {
	ID      string
	Input   string // the class of input (or, for an Answer row, the choice in the answer)
	Expect  string // what a conforming answer has
	Source  string // specfacts.SourcePage, SourceProtocol, SourceMetadata, SourceSDK, SourceRecording; "" none
	Verdict Verdict
	// Variants are the mock variants (mock.Variants, by name) that take the other choices of an
	// undecided row, or the other orders of a combination.
	Variants []string
	// NotGenerated: neither the generator nor an edge case sends this input (sign --mutate can);
	// an undecided row that is not generated needs no variant.
	NotGenerated bool
	// Answer: a choice of the answer's form rather than a class of input.
	Answer bool

	stage int    // where in the wire protocol's order a Wrong is answered
	code  string // the Code a Wrong decides ("" any 4xx)
	why   string // a few words for a failure's message
}

// Sources are the names a decided row may cite.
var Sources = []string{specfacts.SourcePage, specfacts.SourceProtocol, specfacts.SourceMetadata, specfacts.SourceSDK, specfacts.SourceRecording}

// The ids of the rows Expect and the edge cases cite.
const (
	RowMethodGetPost     = "method-get-post"
	RowMethodOther       = "method-other"
	RowBodyFormCharset   = "body-form-charset"
	RowBodyOther         = "body-other"
	RowRepeatParam       = "repeat-param"
	RowRepeatHeader      = "repeat-header"
	RowSkewInside        = "skew-inside"
	RowSkewOutside       = "skew-outside"
	RowSkewMargin        = "skew-margin"
	RowKeyUnknown        = "key-unknown"
	RowSecretWrong       = "secret-wrong"
	RowUnknownParam      = "unknown-param"
	RowLargeCall         = "large-call"
	RowRequiredMissing   = "required-missing"
	RowRequiredValue     = "required-value"
	RowRequiredChars     = "required-chars"
	RowOptionalAbsent    = "optional-absent"
	RowOptionalRegion    = "optional-region"
	RowOptionalOther     = "optional-other"
	RowFormatAbsent      = "format-absent"
	RowFormatSet         = "format-set"
	RowFormatOther       = "format-other"
	RowCommonMissing     = "common-missing"
	RowCommonOther       = "common-other"
	RowPassedChecks      = "passed-checks"
	RowConsistent        = "consistent"
	RowOrder             = "order"
	RowSameStage         = "same-stage"
	RowUndecidedAndWrong = "undecided-and-wrong"
	RowJSONLayout        = "json-layout"
	RowXMLDeclaration    = "xml-declaration"
	RowMessageDetail     = "message-detail"
	RowRateLimitHeaders  = "ratelimit-headers"
)

var decisions = []Decision{
	{ID: RowMethodGetPost, Input: "`method:GET`, `method:POST`: the other method the wire protocol serves", Expect: "nothing changes",
		Source: specfacts.SourceProtocol, Verdict: Harmless, NotGenerated: true},
	{ID: RowMethodOther, Input: "`method:PUT`, `method:DELETE`, `method:PATCH`", Expect: "a 4xx (the format unread)",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageRead, why: "wire protocol: GET or POST only"},
	{ID: RowBodyFormCharset, Input: "`body:form-charset`: a V1 form with `charset=UTF-8`", Expect: "nothing changes (still a form)",
		Source: specfacts.SourceProtocol, Verdict: Harmless},
	{ID: RowBodyOther, Input: "`body:json`, `body:text`: a V1 POST body that is not a form", Expect: "a 4xx (the format unread)",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageRead, why: "wire protocol: POST parameters in a form body"},
	{ID: RowRepeatParam, Input: "`repeat:P`: a parameter given twice, same value", Expect: "the answer as if given once, or a 4xx (either format)",
		Verdict: Refusable, Variants: []string{"RepeatTakesFirst", "RepeatTakesLast", "RepeatRefusedAfterGateway"}, why: "a parameter given twice"},
	{ID: RowRepeatHeader, Input: "`repeat:x-acs-…`: a V3 header given twice, same value", Expect: "the answer as if given once, or a 4xx (either format)",
		Verdict: Refusable, Variants: []string{"HeaderRepeatTakesFirst", "HeaderRepeatTakesLast"}, why: "a header given twice"},
	{ID: RowSkewInside, Input: "`skew:D`, \\|D\\| ≤ 14m (edges `clock-skew-…14m`)", Expect: "nothing changes",
		Source: specfacts.SourceProtocol, Verdict: Harmless},
	{ID: RowSkewOutside, Input: "`skew:D`, \\|D\\| ≥ 16m (edges `clock-skew-…16m`)", Expect: "400 `InvalidTimeStamp.Expired`",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageTimestamp, code: specfacts.CodeTimestampExpired, why: "wire protocol: a Timestamp more than 15 minutes off"},
	{ID: RowSkewMargin, Input: "`skew:D`, 14m < \\|D\\| < 16m", Expect: "any well-formed answer (the 15 minutes, blurred by the network)",
		Source: specfacts.SourceProtocol, Verdict: Free, NotGenerated: true, stage: stageBusiness, why: "a clock within a minute of the 15 allowed"},
	{ID: RowKeyUnknown, Input: "`key:ID`: an AccessKeyId nobody has", Expect: "404 `InvalidAccessKeyId.NotFound`",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageKey, code: specfacts.CodeInvalidAccessKeyID, why: "wire protocol: an unknown AccessKeyId"},
	{ID: RowSecretWrong, Input: "`wrong-secret`", Expect: "400 `SignatureDoesNotMatch`",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageSignature, code: specfacts.CodeSignatureDoesNotMatch, why: "wire protocol: a bad signature"},
	{ID: RowUnknownParam, Input: "`unknown:K=V`, `long:K:N` (N ≤ 8 KiB), the new key of `recase:P:p`: a parameter the API does not have",
		Expect: "the answer as if absent, or a 4xx (`400 InvalidParameter` …)", Verdict: Refusable, Variants: []string{"UnknownParamRefused"},
		why: "a parameter the API does not have"},
	{ID: RowLargeCall, Input: "a call past 8 KiB (`long:K:N`, N > 8 KiB; edge `jobid-long-nonascii`)",
		Expect: "413/414/431 in any body, or any answer not a 5xx", Verdict: Free, Variants: []string{"SmallRequestLimit"},
		stage: stageRead, why: "a call of more than 8 KiB (proxies may refuse it)"},
	{ID: RowRequiredMissing, Input: "`drop:P`, `empty:P`, `recase:P:p` of `ClusterId`/`JobId` (cases `errors/MissingParameter.*`)",
		Expect: "400 `MissingParameter`, the Message naming P", Source: specfacts.SourcePage, Verdict: Wrong, stage: stageMissing,
		code: specfacts.CodeMissingParameter, why: "the page: a required parameter"},
	{ID: RowRequiredValue, Input: "`long:P:N`, `set:P=V` of `ClusterId`/`JobId`; edges `jobid-long`, `clusterid-long`, `jobid-long-nonascii`",
		Expect: "a 4xx (a job nobody has: `JobNotFound`, or the value refused)", Source: specfacts.SourcePage, Verdict: Wrong, stage: stageBusiness,
		why: "a job nobody has"},
	{ID: RowRequiredChars, Input: "edges `jobid-<char>`, `clusterid-<char>`: an id nobody has with characters encodings disagree on, signed as the SDKs sign",
		Expect: "404 `JobNotFound`", Source: specfacts.SourcePage, Verdict: Wrong, stage: stageBusiness, code: specfacts.CodeJobNotFound,
		why: "the page: a job nobody has"},
	{ID: RowOptionalAbsent, Input: "`drop:RegionId`, `recase:RegionId:r` (RegionId absent)", Expect: "nothing changes",
		Source: specfacts.SourcePage, Verdict: Harmless},
	{ID: RowOptionalRegion, Input: "`set:RegionId=<a real region>` (edge `regionid`)", Expect: "nothing changes",
		Source: specfacts.SourcePage, Verdict: Harmless},
	{ID: RowOptionalOther, Input: "`empty:RegionId`, `long:RegionId:N`; edges `regionid-long`, `regionid-nonascii`",
		Expect: "any well-formed answer", Verdict: Free, Variants: []string{"RegionIDValidated"}, stage: stageBusiness, why: "an unusual RegionId"},
	{ID: RowFormatAbsent, Input: "`drop:Format` (edge `format-default`)", Expect: "JSON, nothing else changes",
		Source: specfacts.SourceProtocol, Verdict: Harmless},
	{ID: RowFormatSet, Input: "`set:Format=JSON`, `set:Format=XML`", Expect: "that format, nothing else changes",
		Source: specfacts.SourceProtocol, Verdict: Harmless},
	{ID: RowFormatOther, Input: "`set:Format=xml` (neither `JSON` nor `XML`)", Expect: "any well-formed answer, in either format",
		Verdict: Free, Variants: []string{"FormatCaseSensitive"}, stage: stageBusiness, why: "a Format that is neither JSON nor XML"},
	{ID: RowCommonMissing, Input: "`drop:P`, `empty:P`, `recase:P:p` of a V1 common parameter or a V3 header", Expect: "a 4xx (the format unread)",
		Source: specfacts.SourceProtocol, Verdict: Wrong, stage: stageRead, why: "wire protocol: a common parameter of every call"},
	{ID: RowCommonOther, Input: "another value of a common parameter or V3 header", Expect: "any well-formed answer",
		Verdict: Free, NotGenerated: true, stage: stageBusiness, why: "an unusual common parameter"},
	{ID: RowPassedChecks, Input: "a call no mutation spoils at a gateway check (its Action, Version, key, Timestamp, signature, nonce are right), nothing repeated",
		Expect: "never that check's code, refused or not (a correctly signed call is no `SignatureDoesNotMatch`)", Source: specfacts.SourceProtocol, Verdict: Wrong},
	{ID: RowConsistent, Input: "an undecided input (a row above without a source), sent again to a fresh state",
		Expect: "an answer of the same status and Code (a throttled one aside)", Source: specfacts.SourceProtocol, Verdict: Wrong},
	{ID: RowOrder, Input: "wrong in decided ways at different checks", Expect: "the first check's answer, in the wire protocol's order: Action, Version, AccessKey, Timestamp, signature, nonce, throttle, `MissingParameter`, business",
		Source: specfacts.SourceProtocol, Verdict: Wrong},
	{ID: RowSameStage, Input: "wrong in two ways at one check (two codes, or one without a code)", Expect: "a 4xx; one code at one check: it, naming either parameter",
		Source: specfacts.SourceProtocol, Verdict: Wrong, why: "wrong in two ways at one check"},
	{ID: RowUndecidedAndWrong, Input: "an undecided input with a wrong one (e.g. `recase:JobId:jobid`: JobId missing and an unknown `jobid`)",
		Expect: "a 4xx: whichever is refused first (no source orders them)", Source: specfacts.SourceProtocol, Verdict: Wrong,
		Variants: []string{"UnknownParamRefused", "RepeatRefusedAfterGateway"}, why: "a wrong call"},
	{ID: RowJSONLayout, Input: "a JSON answer's whitespace and key order", Expect: "any (JSON objects are unordered)",
		Verdict: Free, Answer: true, Variants: []string{"JSONReordered"}},
	{ID: RowXMLDeclaration, Input: "an XML answer's `<?xml …?>` declaration", Expect: "with or without",
		Verdict: Free, Answer: true, Variants: []string{"XMLNoDeclaration"}},
	{ID: RowMessageDetail, Input: "the detail filling a documented Message template's `%s`", Expect: "any, but a `MissingParameter` names the parameter",
		Verdict: Free, Answer: true, Variants: []string{"MessageDetailReworded"}},
	{ID: RowRateLimitHeaders, Input: "the `x-ratelimit-user*` headers", Expect: "absent, or `Limit:N,Remain:N,TimeLeft:N,Reset:N`",
		Verdict: Free, Answer: true, Variants: []string{"NoRateLimitHeaders"}},
}

// Decisions returns the table's rows, in the table's order.
func Decisions() []Decision { return append([]Decision(nil), decisions...) }

// row returns the row id; an id nobody wrote in the table is the kit's bug.
func row(id string) Decision {
	for _, d := range decisions {
		if d.ID == id {
			return d
		}
	}
	panic("explore: no decision " + id)
}

// Row returns the row id and whether there is one.
func Row(id string) (Decision, bool) {
	for _, d := range decisions {
		if d.ID == id {
			return d, true
		}
	}
	return Decision{}, false
}

// DecisionTable is the table as docs/ci-gate.md shows it (Markdown, one line per row).
func DecisionTable() string {
	var b strings.Builder
	b.WriteString("| row | input | a conforming answer | source | variants |\n| --- | --- | --- | --- | --- |\n")
	for _, d := range decisions {
		src := d.Source
		if src == "" {
			src = "undecided"
		}
		var vs []string
		for _, v := range d.Variants {
			vs = append(vs, "`"+v+"`")
		}
		if d.NotGenerated {
			vs = append(vs, "(not generated)")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.ID, d.Input, d.Expect, src, strings.Join(vs, ", "))
	}
	return b.String()
}

// Code is the Code a Wrong row decides ("" when any 4xx will do).
func (d Decision) Code() string { return d.code }

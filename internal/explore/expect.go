package explore

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Stages of docs/protocol.md#wire-protocol's order of checks: a call wrong in two ways is answered for the first.
const (
	stageRead      = iota // the request cannot be read as a call (malformed, another method or body): any stage may refuse it
	stageAction           // InvalidAction.NotFound
	stageVersion          // InvalidVersion
	stageKey              // InvalidAccessKeyId.NotFound
	stageTimestamp        // InvalidTimeStamp.Expired
	stageSignature        // SignatureDoesNotMatch
	stageNonce            // SignatureNonceUsed
	stageThrottle         // Throttling.User
	stageMissing          // MissingParameter
	stageBusiness         // the page's business codes, and whatever checks the values
)

// Base is the unmutated call: its transport and the answer its provider state documents.
type Base struct {
	protocol.Transport        // the call's transport; Format "" when none is sent
	State              string // the provider state; its spec.State gives Code and Status
	JobID              string // a success echoes it
}

// Expectation is what any conforming answer to a call has, beyond what every answer has
// (not a 5xx, well formed, the exact Content-Type, a fresh RequestId).
type Expectation struct {
	// Format is the format asked for, "" when the call leaves it undecided (either is fine).
	Format protocol.Format
	// ClientError: the call is wrong, a 4xx is due.
	ClientError bool
	// Code, when set, is the Code due, with Status; "OK" is a success echoing JobID.
	Code   string
	Status int
	JobID  string
	// Names: the Message must name one of them (MissingParameter names the parameter).
	Names []string
	// Unchanged: the mutations change nothing, the state's own answer is due.
	Unchanged bool
	// Refusable: an undecided input (a repeat, an unknown parameter) may be refused instead:
	// any 4xx, in either format, conforms too.
	Refusable bool
	// Throttleable: a throttled answer may come instead (the checks before the throttle passed).
	Throttleable bool
	// Large: the call is past SmallCall; a refusal for its size (413, 414, 431) may come from a
	// front proxy or the HTTP server before any API code, in whatever body they write.
	Large bool
	// Why says in a few words where the expectation comes from.
	Why string
	// NotCodes are the codes of the gateway checks the call passes: no answer carries them, a
	// refusal of an undecided input included.
	NotCodes []string
	// Rows are the decision table's rows (decisions.go) the expectation follows, in order.
	Rows []string
}

// effect is what one row makes of a mutation.
type effect struct {
	row       string
	stage     int
	code      string // decided Code; "" with wrong: any 4xx
	wrong     bool   // a 4xx is due
	free      bool   // undecided: anything but a 5xx
	refusable bool   // undecided: as if absent, or a 4xx
	names     []string
	why       string
}

// cite is a row a mutation falls in, with the parameters a MissingParameter must name.
type cite struct {
	row   string
	names []string
}

func effectOf(c cite) (effect, bool) {
	d := row(c.row)
	e := effect{row: d.ID, stage: d.stage, code: d.code, names: c.names, why: d.why}
	switch d.Verdict {
	case Harmless:
		return e, true
	case Wrong:
		e.wrong = true
	case Refusable:
		e.refusable = true
	case Free:
		e.free = true
	}
	return e, false
}

// Expect says what a conforming answer to base mutated by muts has, from the decision table only.
func Expect(sp *spec.Spec, base Base, muts []Mutation) Expectation {
	format, formatKnown := base.Format, true
	if format == "" {
		format = protocol.FormatJSON // wire protocol: JSON is the default
	}
	var effects []effect
	var rows []string
	for _, m := range muts {
		for _, c := range classify(sp, base, m) {
			e, harmless := effectOf(c)
			rows = append(rows, c.row)
			if !harmless {
				effects = append(effects, e)
			}
		}
		if m.Param == "Format" {
			switch {
			case m.Kind == Drop:
				format = protocol.FormatJSON
			case m.Kind == Set && knownFormat(sp, m.Value):
				format = protocol.Format(m.Value)
			default:
				formatKnown = false
			}
		}
	}
	e := combine(sp, base, effects)
	// A refusal of an undecided input may come in either format: when only "a 4xx" is due, it
	// cannot be told from the other refusals, so the format is left undecided.
	refusable := slices.ContainsFunc(effects, func(f effect) bool { return f.refusable })
	if formatKnown && !readFailed(effects) && !(refusable && e.Code == "") {
		e.Format = format
	}
	e.Large = slices.ContainsFunc(muts, func(m Mutation) bool { k, ok := kindOf(m.Kind); return ok && k.large != nil && k.large(m) })
	if e.NotCodes = passedChecks(effects); len(e.NotCodes) > 0 && (e.Refusable || e.Code == "") {
		rows = append(rows, RowPassedChecks)
	}
	e.Rows = append(rows, e.Rows...)
	if undecided(e) {
		e.Rows = append(e.Rows, RowConsistent) // the runner sends it twice (runner.go)
	}
	return e
}

// gatewayChecks are the gateway's checks of the wire protocol's order and the code each answers.
var gatewayChecks = []struct {
	stage int
	code  string
}{
	{stageAction, specfacts.CodeInvalidAction}, {stageVersion, specfacts.CodeInvalidVersion}, {stageKey, specfacts.CodeInvalidAccessKeyID},
	{stageTimestamp, specfacts.CodeTimestampExpired}, {stageSignature, specfacts.CodeSignatureDoesNotMatch}, {stageNonce, specfacts.CodeSignatureNonceUsed},
}

// passedChecks are the codes of the gateway checks the call passes (row RowPassedChecks): none
// when a mutation spoils the call's reading (a method, a body, a common parameter) or repeats
// something (a server may read a repeated Timestamp or nonce in its own way).
func passedChecks(effects []effect) []string {
	at := map[int]bool{}
	for _, f := range effects {
		if f.stage == stageRead && !f.refusable && !f.free || f.row == RowRepeatParam || f.row == RowRepeatHeader {
			return nil
		}
		at[f.stage] = true
	}
	var out []string
	for _, c := range gatewayChecks {
		if !at[c.stage] {
			out = append(out, c.code)
		}
	}
	return out
}

func readFailed(effects []effect) bool {
	return slices.ContainsFunc(effects, func(e effect) bool { return e.stage == stageRead && !e.refusable })
}

func combine(sp *spec.Spec, base Base, effects []effect) Expectation {
	var decided, free, refusable bool
	for _, f := range effects {
		free = free || f.free
		refusable = refusable || f.refusable
		decided = decided || f.wrong
	}
	switch {
	case !decided && !free:
		e := Expectation{Unchanged: true, Throttleable: true, Code: spec.CodeOK, Status: http.StatusOK, JobID: base.JobID,
			Why: "nothing that changes the answer: the state's own (" + base.State + ")"}
		for _, st := range sp.States() {
			if st.Name == base.State {
				e.Code, e.Status = st.Code, st.Status
			}
		}
		if refusable {
			e.Refusable = true
			e.Why = firstWhy(effects) + ": as if absent (" + base.State + "), or refused"
		}
		e.ClientError = e.Status >= 400 && e.Status < 500
		return e
	case !decided:
		return Expectation{Throttleable: true, Why: "undecided by the sources (" + firstWhy(effects) + ")"}
	case free || refusable:
		why := firstWrongWhy(effects)
		return Expectation{ClientError: true, Throttleable: true, Why: "a wrong call (" + why + ")", Rows: []string{RowUndecidedAndWrong}}
	}
	first := slices.MinFunc(effects, func(a, b effect) int { return a.stage - b.stage })
	e := Expectation{ClientError: true, Throttleable: first.stage > stageThrottle, Why: first.why}
	if len(effects) > 1 {
		e.Rows = []string{RowOrder}
	}
	if first.stage == stageRead {
		return e
	}
	for _, f := range effects {
		if f.stage != first.stage {
			continue
		}
		if f.code == "" || f.code != first.code {
			e.Rows = []string{RowSameStage}
			return e // wrong in two ways at one stage, or in a way without a code: any 4xx
		}
		e.Names = append(e.Names, f.names...)
	}
	if ec, ok := sp.Error(first.code); ok {
		e.Code, e.Status = ec.Code, ec.Status
	}
	return e
}

func firstWhy(effects []effect) string {
	for _, f := range effects {
		if !f.wrong {
			return f.why
		}
	}
	return ""
}

func firstWrongWhy(effects []effect) string {
	for _, f := range effects {
		if f.wrong {
			return f.why
		}
	}
	return ""
}

// Skew bounds: the wire protocol allows 15 minutes; a minute either side of it is what the generator and the
// edge cases use, so a slow network cannot blur the verdict.
const (
	SkewInside  = 14 * time.Minute
	SkewOutside = 16 * time.Minute
)

// classify says which rows of the decision table m falls in: its kind's (mutation.go), or, for
// a change of a parameter's value or presence, the parameter's (paramRows).
func classify(sp *spec.Spec, base Base, m Mutation) []cite {
	if k, ok := kindOf(m.Kind); ok && k.rows != nil {
		return k.rows(sp, base, m)
	}
	return paramRows(sp, m, nil)
}

// paramRows are the rows a mutation of parameter m.Param (drop, empty, long, recase, set) falls
// in, by the parameter's class: required, optional, one the API does not have, Format, or a
// common parameter or V3 header. out holds the rows the kind cited first (a re-cased key's
// RowUnknownParam: the parameter is missing, and a parameter the API does not have is sent).
func paramRows(sp *spec.Spec, m Mutation, out []cite) []cite {
	required := slices.Contains(specfacts.RequiredParams(sp), m.Param)
	optional := slices.Contains(specfacts.OptionalParams(sp), m.Param)
	switch {
	case required:
		switch m.Kind {
		case Drop, Empty, Recase: // recase: JobId is not jobid, so JobId is missing
			return append(out, cite{row: RowRequiredMissing, names: []string{m.Param}})
		}
		return one(RowRequiredValue)
	case optional:
		switch {
		case m.Kind == Drop || m.Kind == Recase: // an optional parameter left out
			return append(out, cite{row: RowOptionalAbsent})
		case m.Kind == Set && RealRegion(m.Value):
			return one(RowOptionalRegion)
		}
		return one(RowOptionalOther)
	case !known(sp, m.Param):
		if m.Kind == Long && m.N > SmallCall {
			// A server may refuse a large call unread: then it cannot know the Format asked for.
			return one(RowLargeCall)
		}
		return one(RowUnknownParam)
	case m.Param == "Format":
		switch {
		case m.Kind == Drop:
			return one(RowFormatAbsent)
		case m.Kind == Set && knownFormat(sp, m.Value):
			return one(RowFormatSet)
		}
		return append(out, cite{row: RowFormatOther})
	}
	// A common parameter or a V3 header.
	switch m.Kind {
	case Drop, Empty, Recase:
		return append(out, cite{row: RowCommonMissing})
	}
	return one(RowCommonOther)
}

// knownFormat says whether v is a Format the API answers in, spelled as the document spells it
// (set:Format=xml is not: the wire protocol does not say Format is read in any letter case).
func knownFormat(sp *spec.Spec, v string) bool { return sp.ContentType(v) != "" }

// SmallCall: an unknown parameter up to this size changes nothing; past it (a long URL, a large
// body) a front proxy may refuse the call, so only what every answer has is judged.
const SmallCall = 8 << 10

// commonParams are the V1 common parameters of the wire protocol (V3 sends its own as x-acs-* headers).
var commonParams = []string{"Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
	"SignatureNonce", "Timestamp", "Signature", "SecurityToken", "SignatureType"}

// known says whether name is a parameter of the API, of the wire protocol, or a V3 header.
func known(sp *spec.Spec, name string) bool {
	return slices.Contains(commonParams, name) || v3Header(name) || slices.Contains(specfacts.RequiredParams(sp), name) ||
		slices.Contains(specfacts.OptionalParams(sp), name)
}

// Regions are real region ids (RegionId sent changes nothing).
var Regions = []string{"cn-shanghai", "cn-hangzhou", "cn-beijing", "cn-shenzhen", "ap-southeast-1"}

// RealRegion says whether id is one of Regions.
func RealRegion(id string) bool { return slices.Contains(Regions, id) }

// NamesOne says whether msg names one of names as a word.
func NamesOne(msg string, names []string) bool {
	for _, n := range names {
		for i := strings.Index(msg, n); i >= 0; {
			before := i == 0 || !isWordByte(msg[i-1])
			after := i+len(n) == len(msg) || !isWordByte(msg[i+len(n)])
			if before && after {
				return true
			}
			j := strings.Index(msg[i+1:], n)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

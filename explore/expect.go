package explore

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
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
	Method    string
	Signature protocol.SignatureVersion
	Format    string // the Format sent; "" for none
	State     string // the provider state; its spec.State gives Code and Status
	JobID     string // a success echoes it
}

// Expectation is what any conforming answer to a call has, beyond what every answer has
// (not a 5xx, well formed, the exact Content-Type, a fresh RequestId).
type Expectation struct {
	// Format is the format asked for, "" when the call leaves it undecided (either is fine).
	Format string
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
	// Throttleable: a throttled answer may come instead (the checks before the throttle passed).
	Throttleable bool
	// Large: the call is past SmallCall; a refusal for its size (413, 414, 431) may come from a
	// front proxy or the HTTP server before any API code, in whatever body they write.
	Large bool
	// Why says in a few words where the expectation comes from.
	Why string
}

// effect is what one mutation does to the answer due.
type effect struct {
	stage int
	code  string // decided Code; "" with wrong: any 4xx
	wrong bool   // a 4xx is due
	free  bool   // undecided: anything but a 5xx
	names []string
	why   string
}

// Expect says what a conforming answer to base mutated by muts has, from the page and the wire protocol only.
func Expect(sp *spec.Spec, base Base, muts []Mutation) Expectation {
	format, formatKnown := base.Format, true
	if format == "" {
		format = "JSON" // wire protocol: JSON is the default
	}
	var effects []effect
	for _, m := range muts {
		e, harmless := classify(sp, base, m)
		if m.Param == "Format" {
			switch {
			case m.Kind == Drop:
				format = "JSON"
			case m.Kind == Set && (m.Value == "JSON" || m.Value == "XML"):
				format = m.Value
			default:
				formatKnown = false
			}
		}
		if !harmless {
			effects = append(effects, e)
		}
	}
	e := combine(sp, base, effects)
	if formatKnown && !readFailed(effects) {
		e.Format = format
	}
	e.Large = slices.ContainsFunc(muts, func(m Mutation) bool { return m.Kind == Long && m.N > SmallCall })
	return e
}

func readFailed(effects []effect) bool {
	return slices.ContainsFunc(effects, func(e effect) bool { return e.stage == stageRead })
}

func combine(sp *spec.Spec, base Base, effects []effect) Expectation {
	if len(effects) == 0 {
		e := Expectation{Unchanged: true, Throttleable: true, Code: spec.CodeOK, Status: http.StatusOK, JobID: base.JobID,
			Why: "nothing that changes the answer: the state's own (" + base.State + ")"}
		for _, st := range sp.States() {
			if st.Name == base.State {
				e.Code, e.Status = st.Code, st.Status
			}
		}
		e.ClientError = e.Status >= 400 && e.Status < 500
		return e
	}
	var decided, free bool
	for _, f := range effects {
		free = free || f.free
		decided = decided || f.wrong
	}
	switch {
	case free && !decided:
		return Expectation{Throttleable: true, Why: "undecided by the page and the wire protocol"}
	case free:
		return Expectation{ClientError: true, Throttleable: true, Why: "a wrong call (" + firstWhy(effects, true) + ")"}
	}
	first := slices.MinFunc(effects, func(a, b effect) int { return a.stage - b.stage })
	e := Expectation{ClientError: true, Throttleable: first.stage > stageThrottle, Why: first.why}
	if first.stage == stageRead {
		return e
	}
	for _, f := range effects {
		if f.stage != first.stage {
			continue
		}
		if f.code == "" || f.code != first.code {
			return e // wrong in two ways at one stage, or in a way without a code: any 4xx
		}
		e.Names = append(e.Names, f.names...)
	}
	if ec, ok := sp.Error(first.code); ok {
		e.Code, e.Status = ec.Code, ec.Status
	}
	return e
}

func firstWhy(effects []effect, wrong bool) string {
	for _, f := range effects {
		if f.wrong == wrong {
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

// classify says what m does to base's answer, or that it changes nothing.
func classify(sp *spec.Spec, base Base, m Mutation) (effect, bool) {
	wrong := func(stage int, code string, why string, names ...string) (effect, bool) {
		return effect{stage: stage, code: code, wrong: true, names: names, why: why}, false
	}
	free := func(why string) (effect, bool) { return effect{stage: stageBusiness, free: true, why: why}, false }
	required := slices.Contains(sp.RequiredParams(), m.Param)
	optional := slices.Contains(sp.OptionalParams(), m.Param)
	switch m.Kind {
	case Method:
		if m.Value == http.MethodGet || m.Value == http.MethodPost {
			return effect{}, true
		}
		return wrong(stageRead, "", "wire protocol: GET or POST only")
	case Body:
		if m.Value == BodyFormCharset {
			return effect{}, true // still a form
		}
		return wrong(stageRead, "", "wire protocol: POST parameters in a form body")
	case Repeat:
		return wrong(stageRead, "", "a parameter given twice")
	case Skew:
		d := m.Skew.Abs()
		switch {
		case d <= SkewInside:
			return effect{}, true
		case d >= SkewOutside:
			return wrong(stageTimestamp, spec.CodeTimestampExpired, "wire protocol: a Timestamp more than 15 minutes off")
		}
		return free("a clock within a minute of the 15 allowed")
	case Key:
		return wrong(stageKey, spec.CodeInvalidAccessKeyID, "wire protocol: an unknown AccessKeyId")
	case Secret:
		return wrong(stageSignature, spec.CodeSignatureDoesNotMatch, "wire protocol: a bad signature")
	case Unknown:
		return effect{}, true
	}
	switch {
	case required:
		switch m.Kind {
		case Drop, Empty, Recase: // recase: JobId is not jobid, so JobId is missing
			return wrong(stageMissing, spec.CodeMissingParameter, "the page: "+m.Param+" is required", m.Param)
		}
		return wrong(stageBusiness, "", "a job nobody has")
	case optional:
		switch {
		case m.Kind == Drop || m.Kind == Recase: // an optional parameter left out
			return effect{}, true
		case m.Kind == Set && RealRegion(m.Value):
			return effect{}, true
		}
		return free("an unusual " + m.Param)
	case !known(sp, m.Param):
		if m.Kind == Long && m.N > SmallCall {
			// A server may refuse a large call unread: then it cannot know the Format asked for.
			return effect{stage: stageRead, free: true, why: "a call of more than " + strconv.Itoa(SmallCall>>10) + " KiB (proxies may refuse it)"}, false
		}
		return effect{}, true // an unknown parameter is ignored
	case m.Param == "Format":
		switch {
		case m.Kind == Drop, m.Kind == Set && (m.Value == "JSON" || m.Value == "XML"):
			return effect{}, true
		}
		return free("a Format that is neither JSON nor XML")
	}
	// A common parameter or a V3 header.
	switch m.Kind {
	case Drop, Empty, Recase:
		return wrong(stageRead, "", "wire protocol: "+m.Param+" is a common parameter of every call")
	}
	return free("an unusual " + m.Param)
}

// SmallCall: an unknown parameter up to this size changes nothing; past it (a long URL, a large
// body) a front proxy may refuse the call, so only what every answer has is judged.
const SmallCall = 8 << 10

// commonParams are the V1 common parameters of the wire protocol (V3 sends its own as x-acs-* headers).
var commonParams = []string{"Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
	"SignatureNonce", "Timestamp", "Signature", "SecurityToken", "SignatureType"}

// known says whether name is a parameter of the API, of the wire protocol, or a V3 header.
func known(sp *spec.Spec, name string) bool {
	return slices.Contains(commonParams, name) || v3Header(name) || slices.Contains(sp.RequiredParams(), name) ||
		slices.Contains(sp.OptionalParams(), name)
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

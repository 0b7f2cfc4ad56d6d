package specfacts

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The error codes the API answers with, as constants for the code that answers or expects them
// (the reference implementation, the suites). A test checks that Codes and the document's
// x-error-codes are the same list, so neither can drift from the other; a code's status, template
// and source are read from the document with Error, never copied.
const (
	// The page's codes.
	CodeMissingParameter = "MissingParameter"
	CodeUserTaskExceed   = "UserTaskExceed"
	CodeInternalError    = "InternalError"
	CodeUserQuotaExceed  = "UserQuotaExceed"
	CodeOperationDenied  = "OperationDenied"
	CodeForbidden        = "Forbidden"
	CodeJobNotFound      = "JobNotFound"
	// Common codes: the gateway's, in the order it checks, then the throttle's.
	CodeInvalidAction         = "InvalidAction.NotFound"
	CodeInvalidVersion        = "InvalidVersion"
	CodeInvalidAccessKeyID    = "InvalidAccessKeyId.NotFound"
	CodeTimestampExpired      = "InvalidTimeStamp.Expired"
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	CodeSignatureNonceUsed    = "SignatureNonceUsed"
	CodeThrottlingUser        = "Throttling.User"
)

// codes lists the Code constants in the document's order: the page's, then the common ones.
var codes = []string{
	CodeMissingParameter, CodeUserTaskExceed, CodeInternalError, CodeUserQuotaExceed, CodeOperationDenied,
	CodeForbidden, CodeJobNotFound,
	CodeInvalidAction, CodeInvalidVersion, CodeInvalidAccessKeyID, CodeTimestampExpired,
	CodeSignatureDoesNotMatch, CodeSignatureNonceUsed, CodeThrottlingUser,
}

// Codes returns the codes this package names as constants, in the document's order (the same list
// as Errors' codes, by test). The reference implementation answers each of them.
func Codes() []string { return slices.Clone(codes) }

// The rate-limit headers of the document's answers, the API's own first (a test checks them
// against the document; RateLimitHeaders reads them from it).
const (
	HeaderRateLimitUserAPI = "x-ratelimit-user-api"
	HeaderRateLimitUser    = "x-ratelimit-user"
)

// HeaderRetryAfter is the throttled answer's optional "retry after this many milliseconds" header,
// which the newest darabonba-openapi code backs off by (a test checks it against the document).
const HeaderRetryAfter = "x-acs-retry-after"

// RetryAfterPattern is the document's pattern of HeaderRetryAfter's value (a positive integer of
// milliseconds), nil when the document has no such header on the throttled answer.
func RetryAfterPattern(s *Spec) *regexp.Regexp { return s.retryAfterPattern }

// decodeRetryAfter reads HeaderRetryAfter's pattern from the throttling code's answer.
func (s *Spec) decodeRetryAfter(op *openapi3.Operation) []Problem {
	for _, code := range s.throttling {
		e, ok := s.Error(code)
		if !ok || op.Responses.Status(e.Status) == nil || op.Responses.Status(e.Status).Value == nil {
			continue
		}
		h := op.Responses.Status(e.Status).Value.Headers[HeaderRetryAfter]
		if h == nil {
			return nil
		}
		ptr := "/paths/~1/get/responses/" + strconv.Itoa(e.Status) + "/headers/" + HeaderRetryAfter
		if h.Value == nil || h.Value.Schema == nil || h.Value.Schema.Value == nil {
			return []Problem{{Pointer: ptr, Reason: "needs a schema with a pattern"}}
		}
		re, err := regexp.Compile(h.Value.Schema.Value.Pattern)
		if err != nil || h.Value.Schema.Value.Pattern == "" {
			return []Problem{{Pointer: ptr + "/schema/pattern", Reason: "needs a pattern that compiles"}}
		}
		s.retryAfterPattern = re
		return nil
	}
	return nil
}

// rateLimitHeaderPrefix: the headers of the success answer that carry the caller's rate-limit state.
const rateLimitHeaderPrefix = "x-ratelimit-"

// RateLimitHeaders returns the names of the rate-limit headers the document allows on an answer
// (x-ratelimit-user-api, x-ratelimit-user), the most specific (longest) first: the one a reader
// should prefer when both are present.
func RateLimitHeaders(s *Spec) []string { return slices.Clone(s.rateLimitHeaders) }

// RateLimitHeaderPattern is the document's pattern of a rate-limit header's value
// (Limit:N,Remain:N,TimeLeft:N,Reset:N).
func RateLimitHeaderPattern(s *Spec) *regexp.Regexp { return s.rateLimitPattern }

// RequestIDPattern is the document's pattern of every answer's RequestId (an upper-case UUID).
func RequestIDPattern(s *Spec) *regexp.Regexp { return s.requestIDPattern }

// decodeFacts reads the facts the document states in its schemas rather than in extensions: the
// rate-limit headers of the success answer and their pattern, and the RequestId pattern.
func (s *Spec) decodeFacts() []Problem {
	var ps []Problem
	_, op, err := s.methodOperation("GET")
	if err != nil || op.Responses == nil || op.Responses.Value("200") == nil || op.Responses.Value("200").Value == nil {
		return []Problem{{Pointer: "/paths", Reason: "no GET operation with a 200 answer to read the rate-limit headers from"}}
	}
	ok := op.Responses.Value("200").Value
	for name, h := range ok.Headers {
		if !strings.HasPrefix(strings.ToLower(name), rateLimitHeaderPrefix) {
			continue
		}
		s.rateLimitHeaders = append(s.rateLimitHeaders, name)
		if h == nil || h.Value == nil || h.Value.Schema == nil || h.Value.Schema.Value == nil || h.Value.Schema.Value.Pattern == "" {
			ps = append(ps, Problem{Pointer: "/paths/~1/get/responses/200/headers/" + name, Reason: "a rate-limit header needs a schema with a pattern"})
			continue
		}
		re, err := regexp.Compile(h.Value.Schema.Value.Pattern)
		if err != nil {
			ps = append(ps, Problem{Pointer: "/paths/~1/get/responses/200/headers/" + name + "/schema/pattern", Reason: err.Error()})
			continue
		}
		if s.rateLimitPattern != nil && s.rateLimitPattern.String() != re.String() {
			ps = append(ps, Problem{Pointer: "/paths/~1/get/responses/200/headers/" + name + "/schema/pattern", Reason: "differs from the other rate-limit headers' pattern"})
		}
		s.rateLimitPattern = re
	}
	if len(s.rateLimitHeaders) == 0 {
		ps = append(ps, Problem{Pointer: "/paths/~1/get/responses/200/headers", Reason: "no " + rateLimitHeaderPrefix + "* header"})
	}
	slices.SortFunc(s.rateLimitHeaders, func(a, b string) int { return cmp.Or(-cmp.Compare(len(a), len(b)), cmp.Compare(a, b)) })
	ps = append(ps, s.decodeRetryAfter(op)...)

	var success *openapi3.SchemaRef
	if s.doc.Components != nil {
		success = s.doc.Components.Schemas["Success"]
	}
	if success == nil || success.Value == nil || success.Value.Properties["RequestId"] == nil || success.Value.Properties["RequestId"].Value == nil {
		return append(ps, Problem{Pointer: "/components/schemas/Success/properties/RequestId", Reason: "missing"})
	}
	re, err := regexp.Compile(success.Value.Properties["RequestId"].Value.Pattern)
	switch {
	case err != nil:
		ps = append(ps, Problem{Pointer: "/components/schemas/Success/properties/RequestId/pattern", Reason: err.Error()})
	case re.String() == "":
		ps = append(ps, Problem{Pointer: "/components/schemas/Success/properties/RequestId/pattern", Reason: "missing"})
	default:
		s.requestIDPattern = re
	}
	return ps
}

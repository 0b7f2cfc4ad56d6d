// Package mock is the reference implementation of StartEdgeTranscodeJob (docs/protocol.md): an
// API handler that answers as Alibaba Cloud's RPC gateway and the live service do, and an admin
// handler that serves the provider-state protocol of docs/protocol.md#provider-states. Every suite runs against it by default,
// and third parties compare their mocks to it (docs/mock-authors.md).
//
// The request pipeline, in order (each step answers and stops, or passes on):
//
//  1. parse: GET query or POST form (V1), or V3 headers; body bounded (413 RequestEntityTooLarge,
//     400 InvalidParameter for an unreadable request)
//  2. Action → 404 InvalidAction.NotFound; Version → 400 InvalidVersion
//  3. AccessKeyId unknown → 404 InvalidAccessKeyId.NotFound (missing → 400 MissingParameter)
//  4. Timestamp more than 15 minutes off, past or future → 400 InvalidTimeStamp.Expired
//  5. signature (constant-time) → 400 SignatureDoesNotMatch
//  6. nonce used within 15 minutes → 400 SignatureNonceUsed
//  7. throttle per account → 400 Throttling.User; from here every answer counts and carries
//     x-ratelimit-user-api
//  8. ClusterId, JobId missing or empty → 400 MissingParameter naming it
//  9. business rules: Forbidden, JobNotFound, InternalError, OperationDenied, UserTaskExceed,
//     UserQuotaExceed; else the job runs and the answer is 200 {JobId, RequestId}.
package mock

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Server is the reference implementation: its running world, nonce store and throttle.
type Server struct {
	spec    *spec.Spec
	store   *store
	nonces  *nonceStore
	throt   *throttle
	d       defects
	v       variants // the undecided choices taken otherwise (variant.go)
	now     func() time.Time
	maxBody int64
	hostID  string
	rate    spec.RateLimit
	delay   time.Duration // WithDelay
	// adminToken guards the provider-state endpoint ("": open; Start keeps it on loopback).
	adminToken string

	logMu sync.Mutex
	log   io.Writer

	reusedID string // ReusedRequestID defect

	// Facts of the spec each call needs, looked up once.
	contentTypes map[string][]string       // format → the Content-Type header value
	errs         map[string]spec.ErrorCode // by code
	required     []string                  // the required parameters
	known        map[string]bool           // the parameters the document lists (UnknownParamRefused)
	unknownSeen  atomic.Uint64             // InconsistentRefusal: the calls with an unknown parameter so far
	sdkMismatch  string                    // the SignatureDoesNotMatch message the V1 SDK parses ("" none)
}

// maxNonces bounds each generation of the nonce store (see nonceStore): 2^23 nonces per 15
// minutes (9,300 calls/s sustained), about 300 MB at most per generation.
const maxNonces = 1 << 23

// New returns a server for a copy of w (nil: world.Default()); w itself is never changed.
func New(w *world.World, opts ...Option) (*Server, error) {
	return newServer(w, newConfig(opts))
}

func newServer(w *world.World, c *config) (*Server, error) {
	if w == nil {
		var err error
		if w, err = world.Default(); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	if c.spec == nil || c.now == nil {
		return nil, errors.New("mock: nil spec or clock")
	}
	if c.maxBody <= 0 {
		return nil, fmt.Errorf("mock: max body %d must be positive", c.maxBody)
	}
	// The pipeline answers every code spec names (specfacts.Codes): a spec without one of them is refused
	// here, never answered with a status made up in the mock.
	for _, code := range specfacts.Codes() {
		if _, ok := c.spec.Error(code); !ok {
			return nil, fmt.Errorf("mock: the spec has no error code %s, which the reference implementation answers", code)
		}
	}
	d, err := collectDefects(c.defects)
	if err != nil {
		return nil, err
	}
	v, err := collectVariants(c.variants)
	if err != nil {
		return nil, err
	}
	s := &Server{
		spec:       c.spec,
		store:      newStore(w.Clone(), specfacts.RAMOf(c.spec).Action, c.maxAccounts),
		nonces:     newNonceStore(ClockSkew, maxNonces),
		d:          d,
		v:          v,
		now:        c.now,
		maxBody:    c.maxBody,
		hostID:     c.hostID,
		adminToken: c.adminToken,
		rate:       c.rate,
		delay:      c.delay,
		log:        c.log,
		reusedID:   newRequestID(),
	}
	if s.throt, err = newThrottle(c.rate, c.algorithm, c.newLimiter, &s.d); err != nil {
		return nil, fmt.Errorf("mock: rate limit %s: %w", c.rate, err)
	}
	s.contentTypes = map[string][]string{}
	for _, f := range specfacts.Formats(c.spec) {
		s.contentTypes[f] = []string{s.contentTypeOf(f)}
	}
	s.errs = map[string]spec.ErrorCode{}
	for _, e := range c.spec.Errors() {
		if _, dup := s.errs[e.Code]; !dup { // the first, as spec.Error finds it
			s.errs[e.Code] = s.v.errorCode(c.spec, e)
		}
	}
	s.required = specfacts.RequiredParams(c.spec)
	if s.v.unknownRefused || s.d.inconsistentRefusal {
		s.known = knownParams(c.spec)
	}
	s.sdkMismatch = sdkTemplate(c.spec, specfacts.CodeSignatureDoesNotMatch)
	return s, nil
}

// RateLimit is the throttle the server applies per account.
func (s *Server) RateLimit() spec.RateLimit { return s.rate }

// API returns the handler of the API (docs/protocol.md#wire-protocol), served at any path.
func (s *Server) API() http.Handler { return delayed(http.HandlerFunc(s.serveAPI), s.delay) }

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.v.smallRequests && s.refuseLarge(w, r) {
		return
	}
	start := s.now()
	var answer answer // on the stack: one allocation less per call
	a := s.handle(&answer, r, start)
	a.requestID = s.requestID()
	s.write(w, a)
	if s.log != nil {
		s.logf("%s %s %s action=%q key=%q status=%d code=%s in %s",
			start.UTC().Format(time.RFC3339), r.Method, clip(r.URL.Path), clip(a.action), clip(a.keyID),
			a.status, firstNonEmpty(a.code, "OK"), s.now().Sub(start).Round(time.Microsecond))
	}
}

func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, format+"\n", args...)
}

// answer is what the pipeline decided; write renders it.
type answer struct {
	status int
	code   string // "" for success
	// The message: its text, or (when that is "") its template and the detail that fills its
	// %s, which render writes without making the message a string first.
	message          string
	template, detail string
	jobID            string
	format           protocol.Format // JSON or XML
	rateLimit        string          // x-ratelimit-user-api, once past the gateway
	retryAfter       string          // x-acs-retry-after, on a throttled answer
	requestID        string
	closeConn        bool
	html             bool // a bare 500 page (the ServerErrorOn* defects)
	repeated         bool // a parameter was given twice and taken once (variant_hooks.go)

	action, keyID string // for the log line
}

// fail answers code with its status and the message of its template filled with detail.
func (s *Server) fail(a *answer, code, detail string) *answer {
	a.code = code
	ec, ok := s.errs[code]
	if !ok {
		if ec, ok = transportErrors[code]; !ok {
			// newServer checked every code the pipeline answers against the spec: a bug, not a target's fault.
			panic("mock: answering " + code + ", which neither the spec nor the transport knows")
		}
	}
	a.status = ec.Status
	detail = s.d.reword(ec, detail)
	if s.v.messageReworded {
		detail = reworded(ec, detail)
	}
	if utf8.ValidString(detail) {
		// Pieces of valid UTF-8 escape as their concatenation does: render fills the template.
		a.template, a.detail = ec.Template, detail
	} else {
		a.message = ec.Message(detail)
	}
	if s.d.wrongStatus[code] {
		a.status = s.d.wrongStatusOf(s.spec, ec)
	}
	if s.d.messageOffTemplate {
		a.message, a.template = code+" happened", ""
	}
	return a
}

// Codes the transport answers with; they are not the API's, so the spec does not list them.
const (
	codeTooLarge  = "RequestEntityTooLarge"
	codeMalformed = "InvalidParameter"
)

var transportErrors = map[string]spec.ErrorCode{
	codeTooLarge:  {Code: codeTooLarge, Status: http.StatusRequestEntityTooLarge, Template: "%s."},
	codeMalformed: {Code: codeMalformed, Status: http.StatusBadRequest, Template: "%s."},
}

// handle reads the call and judges it; it returns a, filled with what was decided.
func (s *Server) handle(a *answer, r *http.Request, now time.Time) *answer {
	a.format = protocol.FormatJSON
	if s.d.formIgnored && r.Method == http.MethodPost {
		// Read the body all the same: net/http misbehaves on a kept-alive connection whose small
		// body the handler left unread ("invalid concurrent Body.Read call", Go 1.26).
		io.Copy(io.Discard, io.LimitReader(r.Body, s.maxBody))
		r.Body, r.ContentLength = http.NoBody, 0
	}
	in, err := wire.ParseRequest(r, s.maxBody)
	if err != nil && (s.v.repeat != repeatRefuse || s.v.headerRepeat != repeatRefuse) && errors.Is(err, wire.ErrMalformed) {
		if r2, repeated, ok := s.resolveRepeats(r); ok {
			if in2, err2 := wire.ParseRequest(r2, s.maxBody); err2 == nil {
				in, err, r, a.repeated = in2, nil, r2, repeated
			}
		}
	}
	if err != nil {
		if f := r.URL.Query().Get("Format"); f == "XML" || f == "xml" && !s.v.formatExact {
			a.format = protocol.FormatXML
		}
		if errors.Is(err, wire.ErrBodyTooLarge) {
			a.closeConn = true // the rest of the body is not read: this connection cannot carry another request
			return s.fail(a, codeTooLarge, fmt.Sprintf("The request body is larger than %d bytes", s.maxBody))
		}
		return s.fail(a, codeMalformed, "The request cannot be read: "+clip(errDetail(err)))
	}
	a = s.judge(a, r, in, now)
	// Nothing the answer carries is the call's but strings: it goes back for the next call. (Not
	// deferred: judge's many returns would make the defer a slow one.)
	in.Release()
	return a
}

// judge is the pipeline past parsing: gateway, signature, nonce, throttle, business rules.
func (s *Server) judge(a *answer, r *http.Request, in *wire.Incoming, now time.Time) *answer {
	format := in.Format
	if s.v.formatExact {
		format = protocol.Format(in.Get("Format"))
	}
	if _, known := s.contentTypes[string(format)]; known && !(format == protocol.FormatXML && s.d.xmlIgnored) {
		a.format = format // one of the spec's formats
	}
	if s.d.xmlByDefault && !in.Has("Format") {
		a.format = protocol.FormatXML
	}
	if s.d.crashesOn(in) {
		*a = answer{status: http.StatusInternalServerError, html: true}
		return a
	}
	a.action, a.keyID = in.Action, in.AccessKeyID

	// The gateway: nothing rejected here counts against the throttle.
	if (r.Method != http.MethodGet && r.Method != http.MethodPost) || in.Action != s.spec.Action() && !s.d.actionUnchecked {
		return s.fail(a, specfacts.CodeInvalidAction, "")
	}
	if in.Version != s.spec.Version() && !s.d.versionUnchecked {
		return s.fail(a, specfacts.CodeInvalidVersion, "")
	}
	if in.AccessKeyID == "" {
		return s.fail(a, specfacts.CodeMissingParameter, missing("AccessKeyId", &s.d))
	}
	cred, ok := s.store.lookup(in.AccessKeyID)
	if !ok {
		return s.fail(a, specfacts.CodeInvalidAccessKeyID, "")
	}
	if !s.d.timestampUnchecked {
		if in.TimestampErr != nil {
			name, raw := "Timestamp", in.Get("Timestamp")
			if in.SignatureVersion == protocol.SignatureV3 {
				name, raw = "x-acs-date", r.Header.Get("x-acs-date")
			}
			if raw == "" {
				return s.fail(a, specfacts.CodeMissingParameter, missing(name, &s.d))
			}
			// An unreadable time is as good as an expired one.
			return s.fail(a, specfacts.CodeTimestampExpired, "")
		}
		window := ClockSkew
		if s.d.timestampWindow > 0 {
			window = s.d.timestampWindow
		}
		if skew := now.Sub(in.Timestamp); skew > window || skew < -window {
			return s.fail(a, specfacts.CodeTimestampExpired, "")
		}
	}
	verify := in.Verify
	if s.d.formEncodingSigner {
		verify = func(secret string) bool { return in.VerifyWith(secret, wire.FormEncode) }
	}
	verify = s.d.laxVerify(verify, in, r.Method, s.store, cred.keyID)
	if !s.d.signatureUnchecked && !verify(cred.secret) {
		return s.signatureMismatch(a, r, in)
	}
	if !s.d.nonceUnchecked {
		if in.Nonce == "" {
			name := "SignatureNonce"
			if in.SignatureVersion == protocol.SignatureV3 {
				name = "x-acs-signature-nonce"
			}
			return s.fail(a, specfacts.CodeMissingParameter, missing(name, &s.d))
		}
		// Nonces are per AccessKey: two callers never collide by chance.
		switch s.nonces.use(cred.serial, in.Nonce, now) {
		case nonceReplayed:
			return s.fail(a, specfacts.CodeSignatureNonceUsed, "")
		case nonceFull:
			return s.unavailable(a)
		}
	}

	// The throttle: every call past it counts, whatever its answer.
	allowed, rl, left := s.throt.allow(cred.accountID, cred.keyID, now)
	a.rateLimit = rl
	if !allowed {
		if s.d.workBeforeThrottle {
			s.store.start(cred.keyID, in.Get("ClusterId"), in.Get("JobId"), &s.d)
		}
		s.fail(a, specfacts.CodeThrottlingUser, "")
		if !s.v.noRetryAfter {
			a.retryAfter = retryAfter(s.d.retryAfterOf(left, s.rate.Window))
		}
		if s.d.throttleWrongCode {
			a.code = "ServiceUnavailable"
		}
		if s.d.throttleWrongStat {
			a.status = http.StatusTooManyRequests
		}
		return a
	}

	params := in
	if s.d.regionIDRefused && params.Has("RegionId") {
		return s.fail(a, codeMalformed, "RegionId is not supported")
	}
	if s.d.startBeforeParamCheck && params.Get("ClusterId") == "" {
		s.store.startByJobID(cred.keyID, params.Get("JobId"))
	}
	if detail, refused := s.refusedAfterThrottle(a, in); refused {
		return s.fail(a, codeMalformed, detail)
	}
	for _, p := range s.required {
		// An empty value is missing: the older SDK sends empty parameters, and no job has an empty id.
		if params.Get(p) == "" {
			return s.fail(a, specfacts.CodeMissingParameter, missing(p, &s.d))
		}
	}
	jobID := params.Get("JobId")
	out := s.store.start(cred.keyID, params.Get("ClusterId"), jobID, &s.d)
	if out.code != "" {
		return s.fail(a, out.code, out.detail)
	}
	a.status = http.StatusOK
	a.jobID = jobID
	if s.d.jobIDNotEchoed {
		a.jobID = randHex(32)
	}
	return a
}

// missing is the detail of MissingParameter, which names the parameter.
func missing(name string, d *defects) string {
	if d.missingParamUnnamed {
		return "A mandatory input parameter is not supplied"
	}
	return fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied", name)
}

// errDetail drops the package prefix of a protocol error.
func errDetail(err error) string {
	msg := err.Error()
	const p = "protocol: "
	if len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// wrongStatusOf is WrongStatus's status for ec: the first of 400, 403, 409 that no source gives it.
func (d *defects) wrongStatusOf(sp *spec.Spec, ec spec.ErrorCode) int {
	given := map[int]bool{ec.Status: true}
	for _, a := range specfacts.Alternatives(sp, ec) {
		given[a.Status] = true
	}
	for _, st := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict} {
		if !given[st] {
			return st
		}
	}
	return http.StatusTeapot
}

// signatureMismatch answers SignatureDoesNotMatch. A version 1 call is told the server's string to
// sign the way the older SDK parses it (x-edgeconform-disagreements, errors/SignatureDoesNotMatch/
// message: everything after "server string to sign is:"), so the SDK can tell its user whether the
// secret or the signing differs; it holds no secret, and no Signature (a call carrying a
// SecurityToken, which the string to sign would hold, gets the common sentence alone).
func (s *Server) signatureMismatch(a *answer, r *http.Request, in *wire.Incoming) *answer {
	s.fail(a, specfacts.CodeSignatureDoesNotMatch, "")
	if s.sdkMismatch == "" || s.v.bareSignatureMessage || s.d.messageOffTemplate ||
		in.SignatureVersion != protocol.SignatureV1 || in.SecurityToken != "" {
		return a
	}
	params := in.Redacted()
	if s.d.stringToSignMisquoted {
		params.Del("Timestamp")
	}
	a.message, a.template, a.detail = "", s.sdkMismatch, wire.StringToSignV1(r.Method, params)
	return a
}

// sdkTemplate is the message template of code that an official SDK parses, "" if none.
func sdkTemplate(sp *spec.Spec, code string) string {
	e, ok := sp.Error(code)
	if !ok {
		return ""
	}
	for _, alt := range specfacts.Alternatives(sp, e) {
		if alt.Source == specfacts.SourceSDK {
			return alt.Template
		}
	}
	return ""
}

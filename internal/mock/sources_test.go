package mock

import (
	"net/http"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// A version 1 call signed with the wrong secret is told the server's string to sign as the older
// SDK parses it (everything after "server string to sign is:"), equal to the one the client signed;
// a version 3 call, a call with a SecurityToken (which it would hold) and the BareSignatureMessage
// variant get the common sentence alone. No Signature is in it.
func TestSignatureMismatchTellsTheStringToSign(t *testing.T) {
	sp := spec.Default()
	common, _ := sp.Error(specfacts.CodeSignatureDoesNotMatch)
	wrong := refKey
	wrong.AccessKeySecret = "NotTheSecret000000000000000001"
	const marker = "server string to sign is:"
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		e := newEnv(t)
		call := start(refCluster, stoppedJob)
		call.Method, call.Nonce = method, "mismatch-"+method
		call.Action, call.Version, call.Time = sp.Action(), sp.Version(), e.clock.Now()
		r := e.do(wrong, call)
		r.expect(t, http.StatusBadRequest, specfacts.CodeSignatureDoesNotMatch)
		want := wire.StringToSignV1(method, protocol.V1Params(wrong, call, call.Nonce, call.Time))
		i := strings.Index(r.message, marker)
		if i < 0 || r.message[i+len(marker):] != want {
			t.Errorf("%s: message %q, want it to end %s%s", method, r.message, marker, want)
		}
		if strings.Contains(r.message, "Signature%3D") {
			t.Errorf("%s: the message holds the Signature: %q", method, r.message)
		}
	}
	token := refKey
	token.SecurityToken = "CAISsecuritytoken0000000001"
	wrongToken := token
	wrongToken.AccessKeySecret = wrong.AccessKeySecret
	for name, tt := range map[string]struct {
		creds protocol.Credentials
		sig   protocol.SignatureVersion
		opts  []Option
	}{
		"v3":                   {wrong, protocol.SignatureV3, nil},
		"SecurityToken":        {wrongToken, protocol.SignatureV1, nil},
		"BareSignatureMessage": {wrong, protocol.SignatureV1, []Option{WithVariants(BareSignatureMessage)}},
	} {
		e := newEnv(t, tt.opts...)
		call := start(refCluster, stoppedJob)
		call.Signature = tt.sig
		r := e.do(tt.creds, call)
		if r.code == specfacts.CodeSignatureDoesNotMatch && r.message != common.Template {
			t.Errorf("%s: message %q, want %q", name, r.message, common.Template)
		}
		if strings.Contains(r.message, token.SecurityToken) {
			t.Errorf("%s: the message holds the SecurityToken", name)
		}
	}
}

// A throttled answer says when to call again in x-acs-retry-after (milliseconds, the newest
// darabonba-openapi) and in its rate-limit header's TimeLeft (the released one): the same time.
// NoRetryAfter leaves the first out.
func TestThrottledAnswerCarriesRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []Option
		want bool
	}{{"reference", nil, true}, {"NoRetryAfter", []Option{WithVariants(NoRetryAfter)}, false}} {
		e := newEnv(t, append(tt.opts, perMinute(1))...)
		passes(e, refKey, 1)
		r := e.do(refKey, start(refCluster, runningJob))
		r.expect(t, http.StatusBadRequest, specfacts.CodeThrottlingUser)
		got := r.header.Get(specfacts.HeaderRetryAfter)
		if !tt.want {
			if got != "" {
				t.Errorf("%s: %s %q, want none", tt.name, specfacts.HeaderRetryAfter, got)
			}
			continue
		}
		m := rateHeaderRe.FindStringSubmatch(r.header.Get(RateLimitHeader))
		if !specfacts.RetryAfterPattern(spec.Default()).MatchString(got) || m == nil || got != m[3] {
			t.Errorf("%s: %s %q, rate-limit header %q: want the same positive milliseconds as its TimeLeft",
				tt.name, specfacts.HeaderRetryAfter, got, r.header.Get(RateLimitHeader))
		}
	}
}

// FollowsMetadata answers each page code as the vendor's metadata says: UserQuotaExceed 400, every
// message the bare detail; the reference follows the page.
func TestFollowsMetadata(t *testing.T) {
	sp := spec.Default()
	quota, _ := sp.Error(specfacts.CodeUserQuotaExceed)
	ref := newEnv(t).do(noQuotaKey, start(quotaCluster, quotaJob))
	ref.expect(t, quota.Status, quota.Code)
	if !specfacts.MatchesTemplate(quota, ref.message) {
		t.Errorf("reference: message %q off the page's template %q", ref.message, quota.Template)
	}
	r := newEnv(t, WithVariants(FollowsMetadata)).do(noQuotaKey, start(quotaCluster, quotaJob))
	r.expect(t, http.StatusBadRequest, quota.Code)
	if specfacts.MatchesTemplate(quota, r.message) || !specfacts.MatchesMessage(quota, r.message) {
		t.Errorf("FollowsMetadata: message %q, want the bare detail, not the page's template", r.message)
	}
	nf := newEnv(t, WithVariants(FollowsMetadata)).do(refKey, start(refCluster, "nosuchjob0000000000000000000001"))
	if jobNotFound, _ := sp.Error(specfacts.CodeJobNotFound); nf.status != jobNotFound.Status || specfacts.MatchesTemplate(jobNotFound, nf.message) {
		t.Errorf("FollowsMetadata: JobNotFound %d %q, want %d and the bare detail", nf.status, nf.message, jobNotFound.Status)
	}
}

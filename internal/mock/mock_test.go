package mock

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func TestSuccessEveryWireVariant(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, sig := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
				t.Run(method+"/"+string(sig)+"/"+string(format), func(t *testing.T) {
					e := newEnv(t)
					call := start(refCluster, stoppedJob)
					call.Method, call.Signature, call.Format = method, sig, format
					r := e.do(refKey, call)
					r.expect(t, http.StatusOK, "")
					if r.jobID != stoppedJob {
						t.Errorf("JobId = %q, want %q", r.jobID, stoppedJob)
					}
					wantCT := ContentTypeJSON
					if format == "XML" {
						wantCT = ContentTypeXML
						if !strings.HasPrefix(string(r.body), `<?xml version="1.0" encoding="UTF-8"?><StartEdgeTranscodeJobResponse>`) {
							t.Errorf("XML body = %s", r.body)
						}
					}
					if got := r.header.Get("Content-Type"); got != wantCT {
						t.Errorf("Content-Type = %q, want %q", got, wantCT)
					}
					if h := r.header.Get(RateLimitHeader); !rateHeaderRe.MatchString(h) {
						t.Errorf("%s = %q, want Limit:N,Remain:N,TimeLeft:ms,Reset:s", RateLimitHeader, h)
					}
					// The job runs now: a second start is refused.
					call.Nonce = ""
					e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
				})
			}
		}
	}
}

// TestEveryCode reaches every code of the spec and checks the answer against it (env.do).
func TestEveryCode(t *testing.T) {
	type tc struct {
		code  string
		creds protocol.Credentials
		call  protocol.Call
		prep  func(e *env)
	}
	old := newClock().Now().Add(-16 * time.Minute)
	future := newClock().Now().Add(16 * time.Minute)
	cases := []tc{
		{code: "MissingParameter", creds: refKey, call: start(refCluster, "")},
		{code: "MissingParameter", creds: refKey, call: start("", stoppedJob)},
		{code: "UserTaskExceed", creds: busyKey, call: start(busyCluster, busyJob)},
		{code: "InternalError", creds: refKey, call: start(refCluster, faultyJob)},
		{code: "UserQuotaExceed", creds: noQuotaKey, call: start(quotaCluster, quotaJob)},
		{code: "OperationDenied", creds: refKey, call: start(refCluster, runningJob)},
		{code: "Forbidden", creds: readOnlyKey, call: start(refCluster, stoppedJob)},
		{code: "JobNotFound", creds: refKey, call: start(refCluster, "nosuchjob")},
		{code: "JobNotFound", creds: refKey, call: start(refCluster2, stoppedJob)},     // not in that cluster
		{code: "JobNotFound", creds: throttleKey, call: start(refCluster, stoppedJob)}, // another account's
		{code: "InvalidAction.NotFound", creds: refKey, call: protocol.Call{Action: "StopEdgeTranscodeJob", Params: start(refCluster, stoppedJob).Params}},
		{code: "InvalidVersion", creds: refKey, call: protocol.Call{Version: "2014-11-11", Params: start(refCluster, stoppedJob).Params}},
		{code: "InvalidAccessKeyId.NotFound", creds: protocol.Credentials{AccessKeyID: "LTAI5tNobody", AccessKeySecret: "x"}, call: start(refCluster, stoppedJob)},
		{code: "InvalidTimeStamp.Expired", creds: refKey, call: protocol.Call{Time: old, Params: start(refCluster, stoppedJob).Params}},
		{code: "InvalidTimeStamp.Expired", creds: refKey, call: protocol.Call{Time: future, Params: start(refCluster, stoppedJob).Params}},
		{code: "SignatureDoesNotMatch", creds: protocol.Credentials{AccessKeyID: refKey.AccessKeyID, AccessKeySecret: "wrong"}, call: start(refCluster, stoppedJob)},
		{code: "SignatureNonceUsed", creds: refKey, call: protocol.Call{Nonce: "used-once", Params: start(refCluster, runningJob).Params},
			prep: func(e *env) {
				c := start(refCluster, runningJob)
				c.Nonce = "used-once"
				e.do(refKey, c).expect(e.t, http.StatusForbidden, "OperationDenied")
			}},
		{code: "Throttling.User", creds: refKey, call: start(refCluster, runningJob),
			prep: func(e *env) {
				for range 2 {
					e.do(refKey, start(refCluster, runningJob)).expect(e.t, http.StatusForbidden, "OperationDenied")
				}
			}},
	}
	reached := map[string]bool{}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.code), func(t *testing.T) {
			for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
				e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 2, Window: time.Minute}))
				if c.prep != nil {
					c.prep(e)
				}
				call := c.call
				call.Format = format
				r := e.do(c.creds, call)
				ec, _ := spec.Default().Error(c.code)
				r.expect(t, ec.Status, c.code)
				if r.hostID == "" || r.recommend == "" {
					t.Errorf("HostId %q, Recommend %q: want both", r.hostID, r.recommend)
				}
				reached[c.code] = true
			}
		})
	}
	for _, ec := range spec.Default().Errors() {
		if !reached[ec.Code] {
			t.Errorf("no test reaches %s", ec.Code)
		}
	}
}

func TestMissingParameterNamesIt(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		call protocol.Call
	}{
		{"ClusterId", start("", stoppedJob)},
		{"JobId", start(refCluster, "")},
		{"JobId", protocol.Call{Params: url.Values{"ClusterId": {refCluster}, "JobId": {""}}}}, // empty is missing
		{"Timestamp", protocol.Call{Params: url.Values{"Timestamp": {""}, "ClusterId": {refCluster}, "JobId": {stoppedJob}}}},
		{"SignatureNonce", protocol.Call{Params: url.Values{"SignatureNonce": {""}, "ClusterId": {refCluster}, "JobId": {stoppedJob}}}},
	} {
		r := e.do(refKey, tc.call)
		r.expect(t, http.StatusBadRequest, "MissingParameter")
		if !strings.Contains(r.message, `"`+tc.name+`"`) {
			t.Errorf("message %q does not name %s", r.message, tc.name)
		}
	}
}

func TestRateLimitHeader(t *testing.T) {
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 3, Window: time.Minute}))
	e.clock.Advance(15 * time.Second)
	for i, want := range []int{2, 1, 0} {
		r := e.do(refKey, start(refCluster, runningJob))
		m := rateHeaderRe.FindStringSubmatch(r.header.Get(RateLimitHeader))
		if m == nil {
			t.Fatalf("call %d: header %q", i, r.header.Get(RateLimitHeader))
		}
		if m[1] != "3" || m[2] != strconv.Itoa(want) {
			t.Errorf("call %d: Limit %s Remain %s, want 3 and %d", i, m[1], m[2], want)
		}
		if m[3] != "45000" {
			t.Errorf("call %d: TimeLeft %s ms, want 45000 (the epoch-aligned window ends at :01:00)", i, m[3])
		}
		if want := strconv.FormatInt(newClock().Now().Add(time.Minute).Unix(), 10); m[4] != want {
			t.Errorf("call %d: Reset %s, want %s", i, m[4], want)
		}
	}
	r := e.do(refKey, start(refCluster, runningJob))
	r.expect(t, http.StatusBadRequest, "Throttling.User")
	if r.message != "Request was denied due to user flow control." {
		t.Errorf("throttled message %q", r.message)
	}
	if m := rateHeaderRe.FindStringSubmatch(r.header.Get(RateLimitHeader)); m == nil || m[2] != "0" || m[3] != "45000" {
		t.Errorf("throttled header %q, want Remain:0,TimeLeft:45000", r.header.Get(RateLimitHeader))
	}
	// Rejected by the gateway: no header.
	r = e.do(protocol.Credentials{AccessKeyID: "nobody", AccessKeySecret: "x"}, start(refCluster, runningJob))
	if h := r.header.Get(RateLimitHeader); h != "" {
		t.Errorf("gateway error carries %s: %q", RateLimitHeader, h)
	}
}

func TestThrottleCountsPerAccount(t *testing.T) {
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 4, Window: time.Minute}))
	// Gateway rejections do not count.
	for range 5 {
		e.do(protocol.Credentials{AccessKeyID: throttleKey.AccessKeyID, AccessKeySecret: "bad"}, start(thrCluster, thrJob)).
			expect(t, http.StatusBadRequest, "SignatureDoesNotMatch")
	}
	// Both keys of one account share its 4 calls, whatever the answers.
	e.do(throttleKey, start(thrCluster, thrJob)).expect(t, http.StatusOK, "")
	e.do(throttleKy2, start(thrCluster, thrJob)).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(throttleKey, start(thrCluster, "")).expect(t, http.StatusBadRequest, "MissingParameter")
	e.do(throttleKy2, start(thrCluster, "nosuch")).expect(t, http.StatusNotFound, "JobNotFound")
	for range 3 {
		e.do(throttleKey, start(thrCluster, thrJob)).expect(t, http.StatusBadRequest, "Throttling.User")
		e.do(throttleKy2, start(thrCluster, thrJob)).expect(t, http.StatusBadRequest, "Throttling.User")
	}
	// Another account is not affected.
	e.do(refKey, start(refCluster, stoppedJob)).expect(t, http.StatusOK, "")
	// The next window: throttled calls did not consume it.
	e.clock.Advance(time.Minute)
	for range 4 {
		e.do(throttleKy2, start(thrCluster, thrJob)).expect(t, http.StatusForbidden, "OperationDenied")
	}
	e.do(throttleKey, start(thrCluster, thrJob)).expect(t, http.StatusBadRequest, "Throttling.User")
}

func TestThrottledCallsDoNotConsume(t *testing.T) {
	// Token bucket of 2 per minute: one token every 30 s. Were throttled calls counted, the
	// hammering below would keep the bucket empty.
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 2, Window: time.Minute}), WithAlgorithm("token-bucket"))
	for range 2 {
		e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusForbidden, "OperationDenied")
	}
	for range 10 {
		e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusBadRequest, "Throttling.User")
	}
	e.clock.Advance(30 * time.Second)
	e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(refKey, start(refCluster, runningJob)).expect(t, http.StatusBadRequest, "Throttling.User")
}

func TestEveryAlgorithm(t *testing.T) {
	for _, alg := range []string{"fixed-window-epoch", "fixed-window-first-call", "sliding-log", "sliding-window", "token-bucket", "gcra"} {
		t.Run(alg, func(t *testing.T) {
			e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 5, Window: time.Minute}), WithAlgorithm(ratelimitAlgorithm(t, alg)))
			ok := 0
			for range 8 {
				if r := e.do(refKey, start(refCluster, runningJob)); r.code == "OperationDenied" {
					ok++
				} else {
					r.expect(t, http.StatusBadRequest, "Throttling.User")
				}
			}
			if ok != 5 {
				t.Errorf("%d of 8 calls at once passed, want 5", ok)
			}
		})
	}
}

func TestTimestampWindow(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{{-15 * time.Minute, true}, {15 * time.Minute, true}, {-15*time.Minute - time.Second, false}, {15*time.Minute + time.Second, false}} {
		call := start(refCluster, runningJob)
		call.Time = now.Add(tc.skew)
		r := e.do(refKey, call)
		if got := r.code != "InvalidTimeStamp.Expired"; got != tc.ok {
			t.Errorf("skew %s: accepted = %v, want %v (%s)", tc.skew, got, tc.ok, r.code)
		}
	}
	// Unreadable: as good as expired.
	r := e.do(refKey, protocol.Call{Params: url.Values{"Timestamp": {"yesterday"}, "ClusterId": {refCluster}, "JobId": {runningJob}}})
	r.expect(t, http.StatusBadRequest, "InvalidTimeStamp.Expired")
}

func TestNonceReuse(t *testing.T) {
	e := newEnv(t)
	call := start(refCluster, runningJob)
	call.Nonce = "n-1"
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(refKey, call).expect(t, http.StatusBadRequest, "SignatureNonceUsed")
	// V3 too.
	call.Signature = protocol.SignatureV3
	call.Nonce = "n-3"
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(refKey, call).expect(t, http.StatusBadRequest, "SignatureNonceUsed")
	// Another key may use the same nonce.
	c2 := start(thrCluster, "nosuch")
	c2.Nonce = "n-1"
	e.do(throttleKey, c2).expect(t, http.StatusNotFound, "JobNotFound")
	// A bad signature does not burn a nonce.
	call = start(refCluster, runningJob)
	call.Nonce = "n-2"
	e.do(protocol.Credentials{AccessKeyID: refKey.AccessKeyID, AccessKeySecret: "bad"}, call).expect(t, http.StatusBadRequest, "SignatureDoesNotMatch")
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
	// Remembered at least 15 minutes, forgotten after 30 (a fresh Timestamp each time).
	e.clock.Advance(15 * time.Minute)
	call.Time = time.Time{}
	e.do(refKey, call).expect(t, http.StatusBadRequest, "SignatureNonceUsed")
	e.clock.Advance(16 * time.Minute)
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
}

func TestRequestIDsFreshAndUnique(t *testing.T) {
	e := newEnv(t)
	const workers, each = 8, 25
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var r *result
				if i%2 == 0 {
					r = e.do(refKey, start(refCluster, runningJob))
				} else {
					r = e.do(refKey, protocol.Call{Action: "Nope" + strconv.Itoa(w)})
				}
				mu.Lock()
				if seen[r.requestID] {
					t.Errorf("RequestId %s answered twice", r.requestID)
				}
				seen[r.requestID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Errorf("%d distinct RequestIds for %d answers", len(seen), workers*each)
	}
}

// TestConcurrentStarts: many callers race to start the same jobs; each job starts exactly once
// and the account's task limit holds.
func TestConcurrentStarts(t *testing.T) {
	e := newEnv(t)
	jobs := []string{stoppedJob, stoppedJob2}
	var mu sync.Mutex
	okCount := map[string]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := jobs[i%2]
			sig := protocol.SignatureV1
			if i%3 == 0 {
				sig = protocol.SignatureV3
			}
			call := start(refCluster, job)
			call.Signature = sig
			r := e.do(refKey, call)
			if r.code == "" {
				mu.Lock()
				okCount[job]++
				mu.Unlock()
			} else if r.code != "OperationDenied" {
				t.Errorf("job %s: %s", job, r.code)
			}
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		if okCount[j] != 1 {
			t.Errorf("job %s started %d times, want 1", j, okCount[j])
		}
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, WithMaxBody(1024))
	call := start(refCluster, stoppedJob)
	call.Method = http.MethodPost
	call.Params.Set("RegionId", strings.Repeat("x", 2000))
	r := e.do(refKey, call)
	r.expect(t, http.StatusRequestEntityTooLarge, codeTooLarge)
	checkRequestID(t, r)
	if !strings.Contains(r.message, "1024 bytes") {
		t.Errorf("message %q does not give the limit", r.message)
	}
	// Under the limit, the same call succeeds.
	call.Params.Set("RegionId", "cn-shanghai")
	e.do(refKey, call).expect(t, http.StatusOK, "")
}

func TestMalformedRequest(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/?Action=StartEdgeTranscodeJob&Action=StartEdgeTranscodeJob", nil)
	r := e.send(req)
	r.expect(t, http.StatusBadRequest, codeMalformed)
	checkRequestID(t, r)
}

func TestUnsupportedMethod(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodPut, e.ts.URL+"/?Action=StartEdgeTranscodeJob", nil)
	e.defective = true // PUT has no operation in the spec to validate against
	e.send(req).expect(t, http.StatusNotFound, "InvalidAction.NotFound")
}

func TestLogNeverCarriesSecrets(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, WithLog(&buf))
	e.do(refKey, start(refCluster, stoppedJob)).expect(t, http.StatusOK, "")
	call := start(refCluster, stoppedJob)
	call.Signature = protocol.SignatureV3
	e.do(refKey, call)
	out := buf.String()
	if got := strings.Count(out, "\n"); got != 2 {
		t.Errorf("%d log lines for 2 requests:\n%s", got, out)
	}
	if !strings.Contains(out, refKey.AccessKeyID) || !strings.Contains(out, "status=200") {
		t.Errorf("log lacks the key or the status:\n%s", out)
	}
	for _, secret := range []string{refKey.AccessKeySecret, "Signature=", "ACS3-HMAC"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, opts := range map[string][]Option{
		"zero rate":      {WithRateLimit(spec.RateLimit{})},
		"unknown alg":    {WithAlgorithm("leaky")},
		"zero body":      {WithMaxBody(0)},
		"zero defect":    {WithDefects(Defect{})},
		"negative scale": {WithDefects(LimitScaled(-1))},
	} {
		if _, err := New(nil, opts...); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ = context.Background

func TestLongNoncesAreBounded(t *testing.T) {
	long := strings.Repeat("n", 10000)
	if k := otherKey(1, long); len(k) > 100 {
		t.Errorf("a 10000-byte nonce is kept as %d bytes", len(k))
	}
	if otherKey(1, long) == otherKey(1, long+"x") || otherKey(1, "n") == otherKey(2, "n") {
		t.Error("distinct nonces or keys share an entry")
	}
	e := newEnv(t)
	call := start(refCluster, runningJob)
	call.Nonce = long
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(refKey, call).expect(t, http.StatusBadRequest, "SignatureNonceUsed")
}

package mock

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"strconv"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// probe observes one behaviour: run returns nil when the server conforms in that respect.
type probe struct {
	opts []Option
	run  func(e *env) error
}

func want(r *result, status int, code string) error {
	if r.status != status || r.code != code {
		return fmt.Errorf("got %d %q, want %d %q", r.status, r.code, status, code)
	}
	return nil
}

// passes counts the calls of n at once that get past the throttle.
func passes(e *env, creds protocol.Credentials, n int) int {
	ok := 0
	for range n {
		if r := e.do(creds, start(refCluster, runningJob)); r.code != "Throttling.User" {
			ok++
		}
	}
	return ok
}

func perMinute(n int) Option { return WithRateLimit(spec.RateLimit{Calls: n, Window: time.Minute}) }

func exactly(limit int) func(e *env) error {
	return func(e *env) error {
		if got := passes(e, refKey, limit+5); got != limit {
			return fmt.Errorf("%d calls passed, want %d", got, limit)
		}
		return nil
	}
}

var probes = map[string]probe{
	"WrongStatus(JobNotFound)": {run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, "nosuch")), http.StatusNotFound, "JobNotFound")
	}},
	"NoRequestID": {run: func(e *env) error {
		if r := e.do(refKey, start(refCluster, runningJob)); !r.hasRequestID {
			return fmt.Errorf("no RequestId: %s", r.body)
		}
		return nil
	}},
	"LowercaseRequestID": {run: func(e *env) error {
		if r := e.do(refKey, start(refCluster, runningJob)); !requestIDPattern.MatchString(r.requestID) {
			return fmt.Errorf("RequestId %q", r.requestID)
		}
		return nil
	}},
	"ReusedRequestID": {run: func(e *env) error {
		a, b := e.do(refKey, start(refCluster, runningJob)), e.do(refKey, start(refCluster, runningJob))
		if a.requestID == b.requestID {
			return fmt.Errorf("RequestId %q twice", a.requestID)
		}
		return nil
	}},
	"MessageOffTemplate": {run: func(e *env) error {
		r := e.do(refKey, start(refCluster, "nosuch"))
		if ec, _ := spec.Default().Error("JobNotFound"); !specfacts.MatchesTemplate(ec, r.message) {
			return fmt.Errorf("message %q", r.message)
		}
		return nil
	}},
	"JobIDNotEchoed": {run: func(e *env) error {
		if r := e.do(refKey, start(refCluster, stoppedJob)); r.jobID != stoppedJob {
			return fmt.Errorf("JobId %q", r.jobID)
		}
		return nil
	}},
	"RunningJobRestartable": {run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, runningJob)), http.StatusForbidden, "OperationDenied")
	}},
	"PermissionIgnored": {run: func(e *env) error {
		return want(e.do(readOnlyKey, start(refCluster, stoppedJob)), http.StatusForbidden, "Forbidden")
	}},
	"SignatureUnchecked": {run: func(e *env) error {
		bad := protocol.Credentials{AccessKeyID: refKey.AccessKeyID, AccessKeySecret: "guess"}
		return want(e.do(bad, start(refCluster, stoppedJob)), http.StatusBadRequest, "SignatureDoesNotMatch")
	}},
	"XMLIgnored": {run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Format = "XML"
		if r := e.do(refKey, call); !bytes.HasPrefix(r.body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
			return fmt.Errorf("Format=XML answered %s", r.body)
		}
		return nil
	}},
	"FormIgnored": {run: func(e *env) error {
		call := start(refCluster, stoppedJob)
		call.Method = http.MethodPost
		return want(e.do(refKey, call), http.StatusOK, "")
	}},
	"WrongContentType": {run: func(e *env) error {
		for _, f := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
			call := start(refCluster, runningJob)
			call.Format = f
			r := e.do(refKey, call)
			if ct := r.header.Get("Content-Type"); ct != ContentTypeJSON && ct != ContentTypeXML {
				return fmt.Errorf("Content-Type %q", ct)
			}
		}
		return nil
	}},
	"MissingParamUnnamed": {run: func(e *env) error {
		r := e.do(refKey, start(refCluster, ""))
		if !bytes.Contains([]byte(r.message), []byte(`"JobId"`)) {
			return fmt.Errorf("message %q does not name JobId", r.message)
		}
		return nil
	}},
	"TimestampUnchecked": {run: func(e *env) error {
		call := start(refCluster, stoppedJob)
		call.Time = e.clock.Now().Add(-time.Hour)
		return want(e.do(refKey, call), http.StatusBadRequest, "InvalidTimeStamp.Expired")
	}},
	"NonceUnchecked": {run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Nonce = "once"
		e.do(refKey, call)
		return want(e.do(refKey, call), http.StatusBadRequest, "SignatureNonceUsed")
	}},
	"ActionUnchecked": {run: func(e *env) error {
		return want(e.do(refKey, protocol.Call{Action: "StopEdgeTranscodeJob", Params: start(refCluster, stoppedJob).Params}), http.StatusNotFound, "InvalidAction.NotFound")
	}},
	"VersionUnchecked": {run: func(e *env) error {
		return want(e.do(refKey, protocol.Call{Version: "2099-01-01", Params: start(refCluster, stoppedJob).Params}), http.StatusBadRequest, "InvalidVersion")
	}},
	"QuotaIgnored": {run: func(e *env) error {
		return want(e.do(noQuotaKey, start(quotaCluster, quotaJob)), http.StatusForbidden, "UserQuotaExceed")
	}},
	"TaskLimitIgnored": {run: func(e *env) error {
		return want(e.do(busyKey, start(busyCluster, busyJob)), http.StatusBadRequest, "UserTaskExceed")
	}},
	"FaultIgnored": {run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, faultyJob)), http.StatusInternalServerError, "InternalError")
	}},
	"NoLimit":          {opts: []Option{perMinute(3)}, run: exactly(3)},
	"LimitScaled(1.1)": {opts: []Option{perMinute(10)}, run: exactly(10)},
	"LimitScaled(0.9)": {opts: []Option{perMinute(10)}, run: exactly(10)},
	"GlobalLimit": {opts: []Option{perMinute(2)}, run: func(e *env) error {
		passes(e, refKey, 2)
		return want(e.do(throttleKey, start(thrCluster, "nosuch")), http.StatusNotFound, "JobNotFound")
	}},
	"PerKeyLimit": {opts: []Option{perMinute(2)}, run: func(e *env) error {
		for range 2 {
			e.do(throttleKey, start(thrCluster, "nosuch"))
		}
		return want(e.do(throttleKy2, start(thrCluster, "nosuch")), http.StatusBadRequest, "Throttling.User")
	}},
	"NeverLifts": {opts: []Option{perMinute(2)}, run: func(e *env) error {
		passes(e, refKey, 3)
		e.clock.Advance(time.Minute)
		return want(e.do(refKey, start(refCluster, runningJob)), http.StatusForbidden, "OperationDenied")
	}},
	"ThrottleWrongCode": {opts: []Option{perMinute(1)}, run: func(e *env) error {
		passes(e, refKey, 1)
		return want(e.do(refKey, start(refCluster, runningJob)), http.StatusBadRequest, "Throttling.User")
	}},
	"ThrottleWrongStatus": {opts: []Option{perMinute(1)}, run: func(e *env) error {
		passes(e, refKey, 1)
		return want(e.do(refKey, start(refCluster, runningJob)), http.StatusBadRequest, "Throttling.User")
	}},
	"StringToSignMisquoted": {run: func(e *env) error {
		wrong := refKey
		wrong.AccessKeySecret = "NotTheSecret000000000000000001"
		call := start(refCluster, stoppedJob)
		call.Action, call.Version, call.Time, call.Nonce = spec.Default().Action(), spec.Default().Version(), e.clock.Now(), "misquoted"
		r := e.do(wrong, call)
		if want := wire.StringToSignV1(http.MethodGet, protocol.V1Params(wrong, call, call.Nonce, call.Time)); !strings.HasSuffix(r.message, "is:"+want) {
			return fmt.Errorf("message %q does not end with the call's string to sign", r.message)
		}
		return nil
	}},
	"RetryAfterTooLong": {opts: []Option{perMinute(1)}, run: func(e *env) error {
		passes(e, refKey, 1)
		r := e.do(refKey, start(refCluster, runningJob))
		ms, err := strconv.ParseInt(r.header.Get(specfacts.HeaderRetryAfter), 10, 64)
		if err != nil || ms <= 0 || time.Duration(ms)*time.Millisecond > time.Minute {
			return fmt.Errorf("%s %q: want a positive number of milliseconds within the window", specfacts.HeaderRetryAfter, r.header.Get(specfacts.HeaderRetryAfter))
		}
		return nil
	}},
}

// TestEachDefectChangesBehaviour: the conforming server passes each probe (its answers checked
// against the spec), and the server with the probe's defect fails it.
func TestEachDefectChangesBehaviour(t *testing.T) {
	for _, d := range Defects() {
		t.Run(d.String(), func(t *testing.T) {
			p, ok := probes[d.String()]
			if !ok {
				t.Fatalf("no probe for defect %s", d)
			}
			if err := p.run(newEnv(t, p.opts...)); err != nil {
				t.Fatalf("conforming server fails the probe: %v", err)
			}
			e := newEnv(t, append(p.opts, WithDefects(d))...)
			e.defective = true
			if err := p.run(e); err == nil {
				t.Errorf("with %s the probe still passes: the defect changes nothing", d)
			}
		})
	}
	if len(probes) != len(Defects()) {
		t.Errorf("%d probes for %d defects", len(probes), len(Defects()))
	}
}

// TestDefectsLeaveTheRestAlone: a defect breaks its own behaviour only; a plain success still
// conforms under every defect that is not about successes or the wire.
func TestDefectsLeaveTheRestAlone(t *testing.T) {
	aboutSuccess := map[string]bool{"NoRequestID": true, "LowercaseRequestID": true, "JobIDNotEchoed": true, "WrongContentType": true}
	for _, d := range Defects() {
		if aboutSuccess[d.String()] {
			continue
		}
		t.Run(d.String(), func(t *testing.T) {
			e := newEnv(t, WithDefects(d))
			r := e.do(refKey, protocol.Call{Params: url.Values{"ClusterId": {refCluster}, "JobId": {stoppedJob}}})
			r.expect(t, http.StatusOK, "")
		})
	}
}

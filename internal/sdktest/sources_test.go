package sdktest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/live"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// What the official SDKs rely on beyond the page, proven with their own code (internal/source/vendor/
// sdk.yaml names the files).

// The older SDK's advice on a wrong secret (sdk/errors/signature_does_not_match_wrapper.go): when
// the server's string to sign, read out of the SignatureDoesNotMatch message, equals its own, the
// secret is to blame. The reference writes it so; a string to sign quoted wrong turns the advice
// into "a bug with the SDK".
func TestOlderSDKReadsTheServerStringToSign(t *testing.T) {
	const secretAdvice = "InvalidAccessKeySecret: Please check you AccessKeySecret"
	for _, tt := range []struct {
		name   string
		opts   []mock.Option
		advice string // a prefix of the SDK's Recommend
	}{
		{"reference", nil, secretAdvice},
		{"StringToSignMisquoted", []mock.Option{mock.WithDefects(mock.StringToSignMisquoted)}, "This may be a bug with the SDK"},
	} {
		tg := startMock(t, tt.opts...)
		for _, method := range []string{"GET", "POST"} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				v := tg.arrange(t, spec.StateStoppedJob)
				v["AccessKeySecret"] += "x"
				_, err := olderSDKCall(t, tg.running.APIURL, v, method, "JSON", false)
				var se *sdkerrors.ServerError
				if !errors.As(err, &se) || se.ErrorCode() != specfacts.CodeSignatureDoesNotMatch {
					t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
				}
				if !strings.HasPrefix(se.Recommend(), tt.advice) {
					t.Errorf("the SDK's advice %q, want %q (message %q)", se.Recommend(), tt.advice, se.Message())
				}
				if strings.Contains(se.Message(), "Signature%3D") || strings.Contains(se.Message(), v["AccessKeySecret"]) {
					t.Errorf("the message holds the signature or the secret: %q", se.Message())
				}
			})
		}
	}
}

// Both SDKs' request models carry OwnerId, which neither the page nor the metadata lists: a call
// with it is answered as the same call without it.
func TestOwnerIDIsAnsweredAsWithout(t *testing.T) {
	tg := startMock(t)
	older := func(v states.Values, ownerID bool) (string, error) {
		c, err := live.NewClientWithAccessKey("cn-shanghai", v["AccessKeyId"], v["AccessKeySecret"])
		if err != nil {
			t.Fatal(err)
		}
		req := live.CreateStartEdgeTranscodeJobRequest()
		req.Scheme, req.Domain = "http", host(tg.running.APIURL)
		req.ClusterId, req.JobId = v["ClusterId"], v["JobId"]
		if ownerID {
			req.OwnerId = requests.NewInteger64(1234567890123456)
		}
		resp, err := c.StartEdgeTranscodeJob(req)
		if err != nil {
			return "", err
		}
		return resp.JobId, nil
	}
	newer := func(v states.Values, ownerID bool) (string, error) {
		q := map[string]interface{}{"ClusterId": v["ClusterId"], "JobId": v["JobId"]}
		if ownerID {
			q["OwnerId"] = int64(1234567890123456)
		}
		res, err := newerSDKCall(t, tg.running.APIURL, v, "POST", q)
		if err != nil {
			return "", err
		}
		body, _ := res["body"].(map[string]interface{})
		return fmt.Sprint(body["JobId"]), nil
	}
	// outcome is what an answer was: its code and status (either SDK's typed error), or OK.
	outcome := func(_ string, err error) string {
		var se *sdkerrors.ServerError
		var ce *openapi.ClientError
		switch {
		case errors.As(err, &se):
			return se.ErrorCode() + " " + strconv.Itoa(se.HttpStatus())
		case errors.As(err, &ce):
			return dara.StringValue(ce.Code) + " " + strconv.Itoa(dara.IntValue(ce.StatusCode))
		case err != nil:
			return "error " + err.Error()
		}
		return "OK"
	}
	for name, call := range map[string]func(states.Values, bool) (string, error){"older": older, "newer": newer} {
		for _, state := range []string{spec.StateStoppedJob, spec.StateNoSuchJob, spec.StateRunningJob} {
			t.Run(name+"/"+state, func(t *testing.T) {
				without := outcome(call(tg.arrange(t, state), false))
				with := outcome(call(tg.arrange(t, state), true))
				if with != without || strings.HasPrefix(with, "error") {
					t.Errorf("with OwnerId: %s; without: %s", with, without)
				}
			})
		}
	}
}

// A throttled answer carries x-acs-retry-after (milliseconds, which the newest darabonba-openapi
// retries after) beside the x-ratelimit-* header that the released one reads its RetryAfter from:
// both say the same time, read by the released SDK's own GetThrottlingTimeLeft.
func TestThrottledAnswerRetryAfter(t *testing.T) {
	rate, err := spec.ParseRateLimit("2/1m")
	if err != nil {
		t.Fatal(err)
	}
	tg := startMock(t, mock.WithRateLimit(rate))
	v := tg.arrange(t, spec.StateFreshAccount)
	var retry, rl string
	for i := 0; i <= rate.Calls; i++ {
		h := rawCall(t, tg.running.APIURL, v)
		retry, rl = h.Get(specfacts.HeaderRetryAfter), h.Get(mock.RateLimitHeader)
	}
	left := openapiutil.GetThrottlingTimeLeft(map[string]*string{specfacts.HeaderRateLimitUserAPI: dara.String(rl)})
	ms, err := strconv.ParseInt(retry, 10, 64)
	if left == nil || err != nil || ms <= 0 || ms != *left {
		t.Errorf("%s %q, the SDK's TimeLeft %v from %q: want the same positive milliseconds", specfacts.HeaderRetryAfter, retry, dara.Int64Value(left), rl)
	}
}

package sdktest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/live"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// The official SDKs call the reference implementation (package mock), arranged through its
// provider-state endpoint (docs/protocol.md#provider-states) as any harness run would.

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)

type target struct {
	running *mock.Running
	states  states.Arranger
}

func startMock(t *testing.T, opts ...mock.Option) *target {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := mock.Start(ctx, opts...)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		r.Close()
	})
	return &target{running: r, states: states.NewEndpoint(r.AdminURL)}
}

// arrange sets a provider state up and tears it down at the end of the test.
func (tg *target) arrange(t *testing.T, state string) states.Values {
	t.Helper()
	v, err := tg.states.Setup(context.Background(), state)
	if err != nil {
		t.Fatalf("state %q: %v", state, err)
	}
	t.Cleanup(func() { tg.states.Teardown(context.Background(), state, v) })
	if err := arrange.Require(v, "AccessKeyId", "AccessKeySecret", "ClusterId", "JobId"); err != nil {
		t.Fatalf("state %q: %v", state, err)
	}
	return v
}

func host(apiURL string) string { return strings.TrimPrefix(apiURL, "http://") }

// olderSDKCall runs services/live StartEdgeTranscodeJob (V1 signature).
func olderSDKCall(t *testing.T, apiURL string, v states.Values, method, format string, omitJobID bool) (*live.StartEdgeTranscodeJobResponse, error) {
	t.Helper()
	c, err := live.NewClientWithAccessKey("cn-shanghai", v["AccessKeyId"], v["AccessKeySecret"])
	if err != nil {
		t.Fatal(err)
	}
	req := live.CreateStartEdgeTranscodeJobRequest()
	req.Scheme, req.Domain, req.Method, req.AcceptFormat = "http", host(apiURL), method, format
	req.ClusterId = v["ClusterId"]
	if !omitJobID {
		req.JobId = v["JobId"]
	}
	return c.StartEdgeTranscodeJob(req)
}

// newerSDKCall runs darabonba-openapi CallApi, RPC style, AuthType AK (V3 signature); SDK errors
// stay the SDK's typed errors (ClientError, ServerError, ThrottlingError).
func newerSDKCall(t *testing.T, apiURL string, v states.Values, method string, query map[string]interface{}) (map[string]interface{}, error) {
	t.Helper()
	c := newerSDK(t, apiURL, protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}, "")
	c.DisableSDKError = dara.Bool(true)
	if query == nil {
		query = map[string]interface{}{"ClusterId": v["ClusterId"], "JobId": v["JobId"], "RegionId": "cn-shanghai"}
	}
	return c.CallApi(rpcParams(method), &openapiutil.OpenApiRequest{Query: openapiutil.Query(query)}, &dara.RuntimeOptions{})
}

// pageErrorCases: every documented code with the way to arrange it.
func pageErrorCases(t *testing.T) []spec.ErrorCode {
	codes := specfacts.PageErrors(spec.Default())
	if len(codes) != 7 {
		t.Fatalf("spec has %d page errors, want the page's 7", len(codes))
	}
	return codes
}

func TestOlderSDKAgainstMock(t *testing.T) {
	tg := startMock(t)
	for _, method := range []string{"GET", "POST"} {
		for _, format := range []string{"JSON", "XML"} {
			t.Run("success/"+method+"/"+format, func(t *testing.T) {
				v := tg.arrange(t, spec.StateStoppedJob)
				resp, err := olderSDKCall(t, tg.running.APIURL, v, method, format, false)
				if err != nil {
					t.Fatalf("StartEdgeTranscodeJob: %v", err)
				}
				if resp.JobId != v["JobId"] || !requestIDPattern.MatchString(resp.RequestId) || resp.GetHttpStatus() != 200 {
					t.Errorf("JobId %q (want %q), RequestId %q, status %d", resp.JobId, v["JobId"], resp.RequestId, resp.GetHttpStatus())
				}
				if ct := resp.GetHttpHeaders()["Content-Type"]; len(ct) != 1 || !strings.Contains(strings.ToLower(ct[0]), strings.ToLower(format)) {
					t.Errorf("Content-Type %v for Format %s", ct, format)
				}
				// The job now runs: a second start is refused.
				_, err = olderSDKCall(t, tg.running.APIURL, v, method, format, false)
				assertOlderSDKError(t, err, format, "OperationDenied", 403)
			})
		}
	}
	for _, ec := range pageErrorCases(t) {
		for _, format := range []string{"JSON", "XML"} {
			t.Run(ec.Code+"/"+format, func(t *testing.T) {
				state, omit := ec.State, false
				if state == "" { // MissingParameter: a good call without JobId
					state, omit = spec.StateStoppedJob, true
				}
				v := tg.arrange(t, state)
				_, err := olderSDKCall(t, tg.running.APIURL, v, "POST", format, omit)
				msg := assertOlderSDKError(t, err, format, ec.Code, ec.Status)
				if !specfacts.MatchesTemplate(ec, msg) {
					t.Errorf("Message %q does not match the template %q", msg, ec.Template)
				}
				if omit && !strings.Contains(msg, "JobId") {
					t.Errorf("MissingParameter does not name JobId: %q", msg)
				}
			})
		}
	}
}

// assertOlderSDKError checks the ServerError of the older SDK and returns the error's Message.
// That SDK reads error bodies as JSON only: with Format=XML its ServerError carries the status and,
// as its message, the raw body, which must then be the XML error.
func assertOlderSDKError(t *testing.T, err error, format, code string, status int) string {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Errorf("err = %v (%T), want a ServerError %s", err, err, code)
		return ""
	}
	gotCode, requestID, msg := se.ErrorCode(), se.RequestId(), se.Message()
	if format == "XML" {
		var body struct {
			XMLName   xml.Name `xml:"Error"`
			RequestID string   `xml:"RequestId"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
		}
		if err := xml.Unmarshal([]byte(msg), &body); err != nil {
			t.Errorf("XML error body does not parse: %v: %q", err, msg)
		}
		gotCode, requestID, msg = body.Code, body.RequestID, body.Message
	}
	if gotCode != code || se.HttpStatus() != status || !requestIDPattern.MatchString(requestID) {
		t.Errorf("ServerError code %q status %d RequestId %q, want %s %d", gotCode, se.HttpStatus(), requestID, code, status)
	}
	return msg
}

func TestNewerSDKAgainstMock(t *testing.T) {
	tg := startMock(t)
	for _, method := range []string{"GET", "POST"} {
		t.Run("success/"+method, func(t *testing.T) {
			v := tg.arrange(t, spec.StateStoppedJob)
			res, err := newerSDKCall(t, tg.running.APIURL, v, method, nil)
			if err != nil {
				t.Fatalf("CallApi: %v", err)
			}
			body, _ := res["body"].(map[string]interface{})
			if body["JobId"] != v["JobId"] || !requestIDPattern.MatchString(fmt.Sprint(body["RequestId"])) || fmt.Sprint(res["statusCode"]) != "200" {
				t.Errorf("result %v", res)
			}
			_, err = newerSDKCall(t, tg.running.APIURL, v, method, nil)
			assertNewerSDKError(t, err, "OperationDenied", 403)
		})
	}
	for _, ec := range pageErrorCases(t) {
		for _, format := range []string{"JSON", "XML"} {
			t.Run(ec.Code+"/"+format, func(t *testing.T) {
				state, omit := ec.State, false
				if state == "" {
					state, omit = spec.StateStoppedJob, true
				}
				v := tg.arrange(t, state)
				query := map[string]interface{}{"ClusterId": v["ClusterId"], "JobId": v["JobId"], "Format": format}
				if omit {
					delete(query, "JobId")
				}
				_, err := newerSDKCall(t, tg.running.APIURL, v, "GET", query)
				assertNewerSDKError(t, err, ec.Code, ec.Status)
			})
		}
	}
}

// assertNewerSDKError checks the typed error the newer SDK raises: ClientError for 4xx,
// ServerError for 5xx, each with the code, status and RequestId it parsed.
func assertNewerSDKError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var gotCode, requestID string
	var gotStatus int
	var ce *openapi.ClientError
	var se *openapi.ServerError
	switch {
	case errors.As(err, &ce) && status < 500:
		gotCode, gotStatus, requestID = dara.StringValue(ce.Code), dara.IntValue(ce.StatusCode), dara.StringValue(ce.RequestId)
	case errors.As(err, &se) && status >= 500:
		gotCode, gotStatus, requestID = dara.StringValue(se.Code), dara.IntValue(se.StatusCode), dara.StringValue(se.RequestId)
	default:
		t.Errorf("err = %v (%T), want the SDK's error for %s %d", err, err, code, status)
		return
	}
	if gotCode != code || gotStatus != status || !requestIDPattern.MatchString(requestID) {
		t.Errorf("code %q status %d RequestId %q, want %s %d", gotCode, gotStatus, requestID, code, status)
	}
}

// Throttling: with a small limit, the newer SDK raises its ThrottlingError with RetryAfter read
// from x-ratelimit-user-api, and the older SDK a ServerError Throttling.User.
func TestThrottlingThroughSDKs(t *testing.T) {
	rate, err := spec.ParseRateLimit("5/1m") // a minute: no window ends during the test
	if err != nil {
		t.Fatal(err)
	}
	tg := startMock(t, mock.WithRateLimit(rate))
	t.Run("newer", func(t *testing.T) {
		v := tg.arrange(t, spec.StateFreshAccount)
		var te *openapi.ThrottlingError
		admitted := 0
		for i := 0; i < 3*rate.Calls && te == nil; i++ {
			_, err := newerSDKCall(t, tg.running.APIURL, v, "GET", nil)
			if !errors.As(err, &te) {
				admitted++
			}
		}
		if te == nil {
			t.Fatalf("no ThrottlingError after %d calls with a limit of %s", admitted, rate)
		}
		// A fixed window may end between calls; at most two windows' worth pass.
		if admitted < rate.Calls || admitted > 2*rate.Calls {
			t.Errorf("throttled after %d admitted calls, limit %s", admitted, rate)
		}
		retry := te.RetryAfter
		if dara.StringValue(te.Code) != "Throttling.User" || dara.IntValue(te.StatusCode) != 400 || retry == nil ||
			*retry <= 0 || *retry > rate.Window.Milliseconds() || !requestIDPattern.MatchString(dara.StringValue(te.RequestId)) {
			t.Errorf("ThrottlingError code %q status %d RetryAfter %v RequestId %q", dara.StringValue(te.Code),
				dara.IntValue(te.StatusCode), dara.Int64Value(retry), dara.StringValue(te.RequestId))
		}
		if !strings.Contains(dara.StringValue(te.Message), "Request was denied due to user flow control.") {
			t.Errorf("Message %q", dara.StringValue(te.Message))
		}
	})
	t.Run("older", func(t *testing.T) {
		v := tg.arrange(t, spec.StateFreshAccount)
		for i := 0; i < 3*rate.Calls; i++ {
			_, err := olderSDKCall(t, tg.running.APIURL, v, "POST", "JSON", false)
			var se *sdkerrors.ServerError
			if errors.As(err, &se) && se.ErrorCode() == "Throttling.User" {
				if se.HttpStatus() != 400 {
					t.Errorf("Throttling.User with status %d", se.HttpStatus())
				}
				return
			}
		}
		t.Errorf("no Throttling.User after %d calls with a limit of %s", 3*rate.Calls, rate)
	})
	t.Run("raw header", func(t *testing.T) {
		// The header the newer SDK read, as sent: Key:Value pairs joined by ',' without spaces.
		v := tg.arrange(t, spec.StateFreshAccount)
		var last string
		for i := 0; i <= rate.Calls; i++ {
			last = rawCall(t, tg.running.APIURL, v).Get(mock.RateLimitHeader)
		}
		if !regexp.MustCompile(`^Limit:5,Remain:0,TimeLeft:\d+,Reset:\d+$`).MatchString(last) {
			t.Errorf("%s: %q", mock.RateLimitHeader, last)
		}
		left := openapiutil.GetThrottlingTimeLeft(map[string]*string{"x-ratelimit-user-api": dara.String(last)})
		if left == nil || *left <= 0 {
			t.Errorf("the SDK reads no TimeLeft from %q", last)
		}
	})
}

// Gateway errors as the SDKs see them: the reference implementation reads the SDKs' requests
// well enough to refuse them for the right reason.
func TestGatewayErrorsThroughSDKs(t *testing.T) {
	tg := startMock(t)
	s := spec.Default()
	status := func(code string) int {
		ec, ok := s.Error(code)
		if !ok {
			t.Fatalf("spec lacks %s", code)
		}
		return ec.Status
	}
	t.Run("older/unknown key", func(t *testing.T) {
		v := tg.arrange(t, spec.StateStoppedJob)
		v2 := states.Values{"AccessKeyId": "LTAI5tNoSuchKey", "AccessKeySecret": "x", "ClusterId": v["ClusterId"], "JobId": v["JobId"]}
		_, err := olderSDKCall(t, tg.running.APIURL, v2, "POST", "JSON", false)
		assertOlderSDKError(t, err, "JSON", "InvalidAccessKeyId.NotFound", status("InvalidAccessKeyId.NotFound"))
	})
	t.Run("older/wrong secret", func(t *testing.T) {
		v := tg.arrange(t, spec.StateStoppedJob)
		v["AccessKeySecret"] += "x"
		_, err := olderSDKCall(t, tg.running.APIURL, v, "POST", "JSON", false)
		assertOlderSDKError(t, err, "JSON", "SignatureDoesNotMatch", status("SignatureDoesNotMatch"))
	})
	t.Run("newer/wrong secret", func(t *testing.T) {
		v := tg.arrange(t, spec.StateStoppedJob)
		v["AccessKeySecret"] += "x"
		_, err := newerSDKCall(t, tg.running.APIURL, v, "GET", nil)
		assertNewerSDKError(t, err, "SignatureDoesNotMatch", status("SignatureDoesNotMatch"))
	})
	t.Run("newer/unknown key", func(t *testing.T) {
		v := tg.arrange(t, spec.StateStoppedJob)
		v["AccessKeyId"] = "LTAI5tNoSuchKey"
		_, err := newerSDKCall(t, tg.running.APIURL, v, "GET", nil)
		assertNewerSDKError(t, err, "InvalidAccessKeyId.NotFound", status("InvalidAccessKeyId.NotFound"))
	})
	for _, tc := range []struct{ action, version, code string }{
		{"StopEdgeTranscodeJob", "2016-11-01", "InvalidAction.NotFound"},
		{"StartEdgeTranscodeJob", "2014-05-26", "InvalidVersion"},
	} {
		t.Run("newer/"+tc.code, func(t *testing.T) {
			v := tg.arrange(t, spec.StateStoppedJob)
			c := newerSDK(t, tg.running.APIURL, protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}, "")
			c.DisableSDKError = dara.Bool(true)
			p := rpcParams("GET")
			p.Action, p.Version = dara.String(tc.action), dara.String(tc.version)
			_, err := c.CallApi(p, &openapiutil.OpenApiRequest{Query: openapiutil.Query(map[string]interface{}{
				"ClusterId": v["ClusterId"], "JobId": v["JobId"]})}, &dara.RuntimeOptions{})
			assertNewerSDKError(t, err, tc.code, status(tc.code))
		})
	}
	// The newer SDK can sign V1 too (SignatureAlgorithm v2): its RPC call succeeds.
	t.Run("newer/v1 success", func(t *testing.T) {
		v := tg.arrange(t, spec.StateStoppedJob)
		c := newerSDK(t, tg.running.APIURL, protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}, "v2")
		c.DisableSDKError = dara.Bool(true)
		res, err := c.CallApi(rpcParams("POST"), &openapiutil.OpenApiRequest{Query: openapiutil.Query(map[string]interface{}{
			"ClusterId": v["ClusterId"], "JobId": v["JobId"]})}, &dara.RuntimeOptions{})
		if err != nil {
			t.Fatalf("CallApi (V1): %v", err)
		}
		if body, _ := res["body"].(map[string]interface{}); body["JobId"] != v["JobId"] {
			t.Errorf("result %v", res)
		}
	})
}

// rawCall sends one signed start of v's job (V1, GET) and returns the answer's headers.
func rawCall(t *testing.T, apiURL string, v states.Values) http.Header {
	t.Helper()
	req, err := protocol.NewRequest(context.Background(), apiURL,
		protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]},
		protocol.Call{Action: spec.Default().Action(), Version: spec.Default().Version(),
			Params: url.Values{"ClusterId": {v["ClusterId"]}, "JobId": {v["JobId"]}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newHTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header
}

package sdktest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/live"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Fixed inputs of the known answers. The values carry characters whose encoding differs between
// naive encoders and Alibaba Cloud's (space, *, ~, /, +, non-ASCII).
var (
	kaCreds  = protocol.Credentials{AccessKeyID: "LTAI5tKnownAnswer", AccessKeySecret: "known-answer-secret"}
	kaNonce  = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
	kaTime   = time.Date(2026, 11, 26, 12, 46, 24, 0, time.UTC)
	kaParams = url.Values{
		"ClusterId": {"c 1*b~/é"},
		"JobId":     {"job+1=2&3"},
		"RegionId":  {"cn-shanghai"},
	}
)

// V1, fully fixed: our signature equals the newer SDK's RPC (V1) signer for the same parameters,
// empty SignatureType included, for GET and POST.
func TestKnownAnswerV1Fixed(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		call := protocol.Call{Transport: protocol.Transport{Method: method, Format: "XML"}, Action: "StartEdgeTranscodeJob", Version: "2016-11-01", Params: cloneValues(kaParams), Nonce: kaNonce, Time: kaTime}
		call.Params.Set("SignatureType", "")
		params := protocol.V1Params(kaCreds, call, kaNonce, kaTime)
		sdkParams := map[string]*string{}
		for k := range params {
			sdkParams[k] = dara.String(params.Get(k))
		}
		want := dara.StringValue(openapiutil.GetRPCSignature(sdkParams, dara.String(method), dara.String(kaCreds.AccessKeySecret)))
		if got := wire.SignV1(method, params, kaCreds.AccessKeySecret); got != want {
			t.Errorf("%s: SignV1 = %s, the SDK signs %s", method, got, want)
		}
		// And the request NewRequest builds carries exactly that signature.
		req, err := protocol.NewRequest(context.Background(), "http://127.0.0.1:8080", kaCreds, call)
		if err != nil {
			t.Fatal(err)
		}
		in, err := wire.ParseRequest(req, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		if got := in.Params().Get("Signature"); got != want {
			t.Errorf("%s: NewRequest's Signature = %s, the SDK signs %s", method, got, want)
		}
	}
}

// V3, fully fixed: our Authorization header equals the newer SDK's for the same request (host
// with its port, the same x-acs-* headers, the parameters in the query, no body).
func TestKnownAnswerV3Fixed(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		call := protocol.Call{Transport: protocol.Transport{Method: method, Signature: protocol.SignatureV3}, Action: "StartEdgeTranscodeJob",
			Version: "2016-11-01", Params: cloneValues(kaParams), Nonce: kaNonce, Time: kaTime}
		req, err := protocol.NewRequest(context.Background(), "http://127.0.0.1:8080", kaCreds, call)
		if err != nil {
			t.Fatal(err)
		}
		emptyHash := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		dr := dara.NewRequest()
		dr.Method = dara.String(method)
		dr.Pathname = dara.String("/")
		dr.Query = map[string]*string{}
		for k := range kaParams {
			dr.Query[k] = dara.String(kaParams.Get(k))
		}
		dr.Headers = map[string]*string{
			"host":                  dara.String("127.0.0.1:8080"),
			"x-acs-version":         dara.String("2016-11-01"),
			"x-acs-action":          dara.String("StartEdgeTranscodeJob"),
			"user-agent":            dara.String("AlibabaCloud"),
			"x-acs-date":            dara.String("2026-11-26T12:46:24Z"),
			"x-acs-signature-nonce": dara.String(kaNonce),
			"accept":                dara.String("application/json"),
			"x-acs-content-sha256":  dara.String(emptyHash),
		}
		want := dara.StringValue(openapiutil.GetAuthorization(dr, dara.String("ACS3-HMAC-SHA256"), dara.String(emptyHash),
			dara.String(kaCreds.AccessKeyID), dara.String(kaCreds.AccessKeySecret)))
		if got := req.Header.Get("Authorization"); got != want {
			t.Errorf("%s: Authorization =\n%s\nthe SDK signs\n%s", method, got, want)
		}
		if !strings.Contains(want, "SignedHeaders=host;") {
			t.Errorf("the SDK does not sign host: %s", want)
		}
	}
}

// captured is what a loopback server saw of an SDK's call, judged by package protocol.
type captured struct {
	in       *wire.Incoming
	err      error
	verified bool
	rawQuery string
	header   http.Header
}

// captureServer answers every call with a success and reports what it parsed.
func captureServer(t *testing.T, secret string) (*httptest.Server, <-chan captured) {
	t.Helper()
	ch := make(chan captured, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := captured{rawQuery: r.URL.RawQuery, header: r.Header.Clone()}
		c.in, c.err = wire.ParseRequest(r, 1<<16)
		if c.err == nil {
			c.verified = c.in.Verify(secret)
		}
		ch <- c
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Write([]byte(`{"JobId":"j-1","RequestId":"3B5B2C6A-0E1A-586A-AC29-742247000000"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// V1 from the older SDK on the wire: we verify its call, and signing the same inputs (its nonce,
// timestamp and parameters) ourselves gives its Signature byte for byte.
func TestOlderSDKSignatureV1(t *testing.T) {
	srv, ch := captureServer(t, kaCreds.AccessKeySecret)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, method := range []string{"GET", "POST"} {
		for _, format := range []string{"JSON", "XML"} {
			c, err := live.NewClientWithAccessKey("cn-shanghai", kaCreds.AccessKeyID, kaCreds.AccessKeySecret)
			if err != nil {
				t.Fatal(err)
			}
			req := live.CreateStartEdgeTranscodeJobRequest()
			req.Scheme, req.Domain, req.Method, req.AcceptFormat = "http", host, method, format
			req.ClusterId, req.JobId = kaParams.Get("ClusterId"), kaParams.Get("JobId")
			if _, err := c.StartEdgeTranscodeJob(req); err != nil && format == "JSON" {
				t.Errorf("%s %s: %v", method, format, err)
			}
			got := <-ch
			if got.err != nil {
				t.Fatalf("%s: ParseRequest: %v", method, got.err)
			}
			if !got.verified {
				t.Errorf("%s %s: Verify = false for the SDK's call (query %s)", method, format, redactQuery(got.rawQuery))
			}
			in := got.in
			if _, ok := in.Params()["SignatureType"]; !ok {
				t.Errorf("the SDK sent no empty SignatureType: the test does not cover empty parameters")
			}
			if in.Action != "StartEdgeTranscodeJob" || in.Version != "2016-11-01" || string(in.Format) != format ||
				in.Params().Get("ClusterId") != kaParams.Get("ClusterId") || in.Params().Get("JobId") != kaParams.Get("JobId") {
				t.Errorf("parsed %+v", in.Redacted())
			}
			// Our signer on the SDK's inputs.
			call := protocol.Call{Transport: protocol.Transport{Method: method, Format: protocol.Format(format)}, Action: in.Action, Version: in.Version, Params: url.Values{}, Nonce: in.Nonce, Time: in.Timestamp}
			for _, k := range []string{"ClusterId", "JobId", "RegionId", "SignatureType"} {
				call.Params[k] = in.Params()[k]
			}
			ours, err := protocol.NewRequest(context.Background(), srv.URL, kaCreds, call)
			if err != nil {
				t.Fatal(err)
			}
			oin, err := wire.ParseRequest(ours, 1<<16)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := oin.Params().Get("Signature"), in.Params().Get("Signature"); a != b || a == "" {
				t.Errorf("%s %s: our Signature %q, the SDK's %q (SDK params %v)", method, format, a, b, keys(in.Params()))
			}
		}
	}
}

// V3 from the newer SDK on the wire (CallApi, RPC style, AK): we verify it; Action and Version
// travel only in headers, host is signed with its port, and there is no body.
func TestNewerSDKSignatureV3(t *testing.T) {
	srv, ch := captureServer(t, kaCreds.AccessKeySecret)
	for _, method := range []string{"GET", "POST"} {
		c := newerSDK(t, srv.URL, kaCreds, "")
		query := map[string]interface{}{}
		for k := range kaParams {
			query[k] = kaParams.Get(k)
		}
		res, err := c.CallApi(rpcParams(method), &openapiutil.OpenApiRequest{Query: openapiutil.Query(query)}, &dara.RuntimeOptions{})
		if err != nil {
			t.Fatalf("%s: CallApi: %v", method, err)
		}
		if body, _ := res["body"].(map[string]interface{}); body["JobId"] != "j-1" {
			t.Errorf("%s: result %v", method, res)
		}
		got := <-ch
		if got.err != nil {
			t.Fatalf("%s: ParseRequest: %v", method, got.err)
		}
		if got.in.SignatureVersion != protocol.SignatureV3 || !got.verified {
			t.Errorf("%s: version %s, verified %v; Authorization signed %s", method, got.in.SignatureVersion, got.verified,
				signedHeaders(got.header.Get("Authorization")))
		}
		if got.in.Action != "StartEdgeTranscodeJob" || got.in.Version != "2016-11-01" || got.in.Params().Has("Action") {
			t.Errorf("%s: Action %q Version %q params %v", method, got.in.Action, got.in.Version, keys(got.in.Params()))
		}
		if sh := signedHeaders(got.header.Get("Authorization")); !strings.Contains(sh, "host") {
			t.Errorf("host not signed: %s", sh)
		}
		// A wrong secret must not verify the same call.
		if got.in.Verify("other-secret") {
			t.Error("verified with another secret")
		}
	}
}

// newerSDK is a darabonba-openapi client of the target at baseURL; signatureAlgorithm "v2" makes
// it sign V1 (DoRPCRequest) instead of ACS3.
func newerSDK(t *testing.T, baseURL string, creds protocol.Credentials, signatureAlgorithm string) *openapi.Client {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(creds.AccessKeyID),
		AccessKeySecret: dara.String(creds.AccessKeySecret),
		Endpoint:        dara.String(u.Host),
		Protocol:        dara.String(u.Scheme),
		RegionId:        dara.String("cn-shanghai"),
	}
	if signatureAlgorithm != "" {
		cfg.SignatureAlgorithm = dara.String(signatureAlgorithm)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rpcParams(method string) *openapiutil.Params {
	return &openapiutil.Params{
		Action: dara.String("StartEdgeTranscodeJob"), Version: dara.String("2016-11-01"),
		Protocol: dara.String("HTTP"), Pathname: dara.String("/"), Method: dara.String(method),
		AuthType: dara.String("AK"), Style: dara.String("RPC"), ReqBodyType: dara.String("formData"),
		BodyType: dara.String("json"),
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func keys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	return out
}

// signedHeaders extracts the SignedHeaders list of an Authorization value, never the signature.
func signedHeaders(auth string) string {
	for part := range strings.SplitSeq(auth, ",") {
		if s, ok := strings.CutPrefix(part, "SignedHeaders="); ok {
			return s
		}
	}
	return ""
}

// redactQuery drops the Signature from a query string for a failure message.
func redactQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	q.Del("Signature")
	return q.Encode()
}

func newHTTPClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

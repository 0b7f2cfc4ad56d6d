package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
)

var (
	testCreds = Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret"}
	fixedTime = time.Date(2026, 11, 26, 12, 46, 24, 0, time.UTC)
)

func testCall(sv SignatureVersion, method string) Call {
	return Call{Transport: Transport{Method: method, Signature: sv},
		Action: "StartEdgeTranscodeJob", Version: "2016-11-01",
		Params: url.Values{"ClusterId": {"c-1 a*b~"}, "JobId": {"job/1+2"}, "RegionId": {"cn-shanghai"}},
		Nonce:  "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", Time: fixedTime,
	}
}

// The example of Alibaba Cloud's RPC signature documentation (ECS DescribeRegions).
func TestSignV1DocumentedExample(t *testing.T) {
	p := url.Values{
		"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"SignatureVersion": {"1.0"}, "Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"},
	}
	wantSTS := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if got := wire.StringToSignV1("GET", p); got != wantSTS {
		t.Errorf("StringToSignV1 =\n%s\nwant\n%s", got, wantSTS)
	}
	if got, want := wire.SignV1("GET", p, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("SignV1 = %s, want %s", got, want)
	}
	// Signature itself is never part of the string to sign.
	p.Set("Signature", "x")
	if got := wire.StringToSignV1("GET", p); got != wantSTS {
		t.Errorf("StringToSignV1 with Signature present changed: %s", got)
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b": "a%20b", "a*b": "a%2Ab", "a~b": "a~b", "a+b": "a%2Bb", "a/b": "a%2Fb",
		"é": "%C3%A9", "AZaz09-_.": "AZaz09-_.", "": "", "=&": "%3D%26",
	} {
		if got := wire.PercentEncode(in); got != want {
			t.Errorf("wire.PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmptyParamIsSigned(t *testing.T) {
	p := url.Values{"Action": {"A"}, "SignatureType": {""}}
	if got := wire.StringToSignV1("GET", p); !strings.Contains(got, "SignatureType%3D") {
		t.Errorf("empty parameter missing from the string to sign: %s", got)
	}
	q := url.Values{"Action": {"A"}}
	if wire.SignV1("GET", p, "s") == wire.SignV1("GET", q, "s") {
		t.Error("an empty parameter does not change the signature")
	}
}

// serve parses and verifies every request it gets and reports through the channel.
func serve(t *testing.T, secret string) (*httptest.Server, <-chan result) {
	t.Helper()
	ch := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := wire.ParseRequest(r, 1<<16)
		res := result{in: in, err: err}
		if err == nil {
			res.ok = in.Verify(secret)
		}
		ch <- res
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

type result struct {
	in  *wire.Incoming
	ok  bool
	err error
}

func roundtrip(t *testing.T, srv *httptest.Server, ch <-chan result, call Call) result {
	t.Helper()
	req, err := NewRequest(context.Background(), srv.URL, testCreds, call)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-ch
}

func TestRoundtrip(t *testing.T) {
	srv, ch := serve(t, testCreds.AccessKeySecret)
	for _, sv := range []SignatureVersion{SignatureV1, SignatureV3} {
		for _, method := range []string{"GET", "POST"} {
			t.Run(string(sv)+"/"+method, func(t *testing.T) {
				call := testCall(sv, method)
				call.Format = "XML"
				res := roundtrip(t, srv, ch, call)
				if res.err != nil {
					t.Fatalf("ParseRequest: %v", res.err)
				}
				in := res.in
				if !res.ok {
					t.Error("Verify = false for a correctly signed call")
				}
				if in.SignatureVersion != sv || in.AccessKeyID != "testid" || in.Action != "StartEdgeTranscodeJob" ||
					in.Version != "2016-11-01" || in.Nonce != call.Nonce || !in.Timestamp.Equal(fixedTime) ||
					in.TimestampErr != nil || in.Format != "XML" {
					t.Errorf("parsed %+v", in)
				}
				for k, v := range call.Params {
					if got := in.Params().Get(k); got != v[0] {
						t.Errorf("param %s = %q, want %q", k, got, v[0])
					}
				}
				if in.Verify("wrongsecret") {
					t.Error("Verify with the wrong secret = true")
				}
			})
		}
	}
}

func TestFreshNonceAndTime(t *testing.T) {
	srv, ch := serve(t, testCreds.AccessKeySecret)
	call := testCall(SignatureV1, "GET")
	call.Nonce, call.Time = "", time.Time{}
	a := roundtrip(t, srv, ch, call)
	b := roundtrip(t, srv, ch, call)
	if a.in.Nonce == "" || a.in.Nonce == b.in.Nonce {
		t.Errorf("nonces %q, %q: want fresh ones", a.in.Nonce, b.in.Nonce)
	}
	if d := time.Since(a.in.Timestamp); d < -time.Second || d > time.Minute {
		t.Errorf("timestamp %v is not now", a.in.Timestamp)
	}
	if !a.ok || !b.ok {
		t.Error("fresh calls do not verify")
	}
}

// Changing any signed element after signing must fail verification.
func TestTamperFailsVerification(t *testing.T) {
	srv, ch := serve(t, testCreds.AccessKeySecret)
	setQuery := func(k, v string) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(k, v)
			r.URL.RawQuery = wire.Encode(q)
		}
	}
	dropQuery := func(k string) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Del(k)
			r.URL.RawQuery = wire.Encode(q)
		}
	}
	v1 := map[string]func(*http.Request){
		"Action": setQuery("Action", "StopEdgeTranscodeJob"), "Version": setQuery("Version", "2014-05-26"),
		"AccessKeyId": setQuery("AccessKeyId", "other"), "Timestamp": setQuery("Timestamp", "2026-11-26T12:46:25Z"),
		"SignatureNonce": setQuery("SignatureNonce", "n2"), "Format": setQuery("Format", "XML"),
		"ClusterId": setQuery("ClusterId", "c-2"), "JobId": setQuery("JobId", "j"), "drop RegionId": dropQuery("RegionId"),
		"add empty": setQuery("Extra", ""), "Signature": setQuery("Signature", "OLeaidS1JvxuMvnyHOwuJ+uX5qY="),
		"no Signature": dropQuery("Signature"), "SignatureMethod": setQuery("SignatureMethod", "HMAC-SHA256"),
		"method": func(r *http.Request) { r.Method = "POST" },
	}
	for name, tamper := range v1 {
		t.Run("v1/"+name, func(t *testing.T) {
			call := testCall(SignatureV1, "GET")
			call.Tamper = tamper
			res := roundtrip(t, srv, ch, call)
			if res.err != nil {
				t.Fatalf("ParseRequest: %v", res.err)
			}
			if res.ok {
				t.Error("tampered call verified")
			}
		})
	}
	t.Run("v1/POST body", func(t *testing.T) {
		call := testCall(SignatureV1, "POST")
		call.Tamper = func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			s := strings.Replace(string(b), "JobId=job", "JobId=jox", 1)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(s)), int64(len(s))
		}
		if res := roundtrip(t, srv, ch, call); res.err != nil || res.ok {
			t.Errorf("tampered form: err %v, verified %v", res.err, res.ok)
		}
	})
	setHeader := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	v3 := map[string]func(*http.Request){
		"x-acs-action": setHeader("x-acs-action", "StopEdgeTranscodeJob"), "x-acs-version": setHeader("x-acs-version", "2014-05-26"),
		"x-acs-date": setHeader("x-acs-date", "2026-11-26T12:46:25Z"), "x-acs-signature-nonce": setHeader("x-acs-signature-nonce", "n2"),
		"x-acs-content-sha256": setHeader("x-acs-content-sha256", strings.Repeat("0", 64)),
		"host port":            func(r *http.Request) { r.Host = strings.Replace(r.Host, "127.0.0.1", "localhost", 1) },
		"query":                setQuery("JobId", "j"), "drop query": dropQuery("RegionId"), "add query": setQuery("Extra", ""),
		"method": func(r *http.Request) { r.Method = "POST" }, "path": func(r *http.Request) { r.URL.Path = "/x" },
		// (Credential is not in ACS3's string to sign: another key means another secret.)
		"signature": func(r *http.Request) {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			r.Header.Set("Authorization", a[:len(a)-1]+map[bool]string{true: "1", false: "0"}[last == '0'])
		},
		"unsigned nonce": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-acs-signature-nonce", "", 1))
		},
		"body": func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("x")), 1
		},
	}
	for name, tamper := range v3 {
		t.Run("v3/"+name, func(t *testing.T) {
			call := testCall(SignatureV3, "GET")
			call.Tamper = tamper
			res := roundtrip(t, srv, ch, call)
			if res.err != nil {
				t.Fatalf("ParseRequest: %v", res.err)
			}
			if res.ok {
				t.Error("tampered call verified")
			}
		})
	}
}

func TestV3SignsHostWithPort(t *testing.T) {
	req, err := NewRequest(context.Background(), "http://127.0.0.1:8080/", testCreds, testCall(SignatureV3, "GET"))
	if err != nil {
		t.Fatal(err)
	}
	if req.Host != "127.0.0.1:8080" {
		t.Errorf("Host = %q", req.Host)
	}
	auth := req.Header.Get("Authorization")
	wantPrefix := "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="
	if !strings.HasPrefix(auth, wantPrefix) {
		t.Errorf("Authorization = %q, want prefix %q", auth, wantPrefix)
	}
	// Recompute by hand with the port in the host: the same signature.
	q := req.URL.Query()
	h := map[string]string{"host": "127.0.0.1:8080", "x-acs-action": "StartEdgeTranscodeJob", "x-acs-version": "2016-11-01",
		"x-acs-date": "2026-11-26T12:46:24Z", "x-acs-signature-nonce": testCall(SignatureV3, "").Nonce,
		"x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
	names := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
	sig := wire.SignV3("GET", "/", q, names, func(n string) []string { return []string{h[n]} }, h["x-acs-content-sha256"], "testsecret")
	if want := wantPrefix + sig; auth != want {
		t.Errorf("Authorization = %q, want %q", auth, want)
	}
	without := wire.SignV3("GET", "/", q, names, func(n string) []string {
		if n == "host" {
			return []string{"127.0.0.1"}
		}
		return []string{h[n]}
	}, h["x-acs-content-sha256"], "testsecret")
	if without == sig {
		t.Error("the port does not change the signature")
	}
	if got := req.URL.RawQuery; got != "ClusterId=c-1%20a%2Ab~&JobId=job%2F1%2B2&RegionId=cn-shanghai" {
		t.Errorf("query = %q", got)
	}
}

func TestV1Wire(t *testing.T) {
	req, err := NewRequest(context.Background(), "http://127.0.0.1:8080", testCreds, testCall(SignatureV1, "POST"))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", got)
	}
	if req.URL.RawQuery != "" || req.URL.Path != "/" {
		t.Errorf("POST URL = %s, want no query", req.URL)
	}
	b, _ := io.ReadAll(req.Body)
	form, err := url.ParseQuery(string(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Signature", "ClusterId", "JobId", "RegionId"} {
		if form.Get(k) == "" {
			t.Errorf("form lacks %s", k)
		}
	}
	if got := form.Get("Timestamp"); got != "2026-11-26T12:46:24Z" {
		t.Errorf("Timestamp = %q", got)
	}
	if !strings.Contains(string(b), "ClusterId=c-1%20a%2Ab~") {
		t.Errorf("form not percent-encoded the Alibaba way: %s", b)
	}
}

func TestSecurityToken(t *testing.T) {
	creds := testCreds
	creds.SecurityToken = "sts-token"
	for _, sv := range []SignatureVersion{SignatureV1, SignatureV3} {
		req, err := NewRequest(context.Background(), "http://127.0.0.1:1", creds, testCall(sv, "GET"))
		if err != nil {
			t.Fatal(err)
		}
		in, err := wire.ParseRequest(req, 0)
		if err != nil {
			t.Fatal(err)
		}
		if in.SecurityToken != "sts-token" || !in.Verify("testsecret") {
			t.Errorf("%s: token %q verified %v", sv, in.SecurityToken, in.Verify("testsecret"))
		}
	}
}

func TestParseRequestErrors(t *testing.T) {
	mk := func(method, target, ctype, body string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	form := "application/x-www-form-urlencoded"
	for name, tc := range map[string]struct {
		r    *http.Request
		want error
	}{
		"dup query":    {mk("GET", "/?Action=a&Action=b", "", ""), wire.ErrMalformed},
		"dup form":     {mk("POST", "/", form, "JobId=a&JobId=a"), wire.ErrMalformed},
		"query+form":   {mk("POST", "/?JobId=a", form, "JobId=b"), wire.ErrMalformed},
		"bad escape":   {mk("GET", "/?Action=%zz", "", ""), wire.ErrMalformed},
		"bad form":     {mk("POST", "/", form, "a=%"), wire.ErrMalformed},
		"too large":    {mk("POST", "/", form, strings.Repeat("a", 101)), wire.ErrBodyTooLarge},
		"bad auth":     {withHeader(mk("GET", "/", "", ""), "Authorization", "ACS3-HMAC-SHA256"), wire.ErrMalformed},
		"auth no sig":  {withHeader(mk("GET", "/", "", ""), "Authorization", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host"), wire.ErrMalformed},
		"auth garbage": {withHeader(mk("GET", "/", "", ""), "Authorization", "ACS3-X a,b,c"), wire.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := wire.ParseRequest(tc.r, 100)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Unknown length (chunked) bodies are bounded too.
	r := mk("POST", "/", form, "")
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(strings.Repeat("a", 200))), -1
	var tooLarge *wire.BodyTooLargeError
	if _, err := wire.ParseRequest(r, 100); !errors.As(err, &tooLarge) || tooLarge.Limit != 100 {
		t.Errorf("chunked: err = %v", err)
	}
}

func withHeader(r *http.Request, k, v string) *http.Request { r.Header.Set(k, v); return r }

func TestParseRequestLenient(t *testing.T) {
	// Missing and unreadable values are the server's to judge, not parse errors.
	in, err := wire.ParseRequest(httptest.NewRequest("GET", "/?Action=A&Timestamp=yesterday", nil), 100)
	if err != nil {
		t.Fatal(err)
	}
	if in.TimestampErr == nil || !in.Timestamp.IsZero() || in.Action != "A" || in.Format != "JSON" || in.Verify("s") {
		t.Errorf("got %+v", in)
	}
	in, _ = wire.ParseRequest(httptest.NewRequest("GET", "/", nil), 100)
	if in.TimestampErr == nil || in.Verify("") {
		t.Error("empty request: want a timestamp error and no verification")
	}
	// The body stays readable for the handler.
	r := httptest.NewRequest("POST", "/", strings.NewReader("JobId=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	in, err = wire.ParseRequest(r, 100)
	if err != nil || in.Params().Get("JobId") != "1" {
		t.Fatalf("form with charset: %v %v", err, in.Params())
	}
	if b, _ := io.ReadAll(r.Body); string(b) != "JobId=1" {
		t.Errorf("body after parse = %q", b)
	}
}

func TestNewRequestErrors(t *testing.T) {
	ctx := context.Background()
	good := testCall(SignatureV1, "GET")
	for name, tc := range map[string]struct {
		url   string
		creds Credentials
		call  func(Call) Call
	}{
		"ftp":       {"ftp://x/", testCreds, nil},
		"relative":  {"/path", testCreds, nil},
		"no host":   {"http://", testCreds, nil},
		"garbage":   {"http://a b:x/", testCreds, nil},
		"method":    {"http://x/", testCreds, func(c Call) Call { c.Method = "PUT"; return c }},
		"sigver":    {"http://x/", testCreds, func(c Call) Call { c.Signature = "v2"; return c }},
		"no action": {"http://x/", testCreds, func(c Call) Call { c.Action = ""; return c }},
		"no secret": {"http://x/", Credentials{AccessKeyID: "a"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			call := good
			if tc.call != nil {
				call = tc.call(call)
			}
			if _, err := NewRequest(ctx, tc.url, tc.creds, call); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{AccessKeyID: "LTAIid", AccessKeySecret: "topsecret", SecurityToken: "tokensecret"}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v", &c), string(j)} {
		if strings.Contains(s, "topsecret") || strings.Contains(s, "tokensecret") {
			t.Errorf("secret printed: %s", s)
		}
		if !strings.Contains(s, "LTAIid") {
			t.Errorf("AccessKeyId not shown: %s", s)
		}
	}
}

func TestParseSignatureVersion(t *testing.T) {
	if v, err := ParseSignatureVersion("V3"); err != nil || v != SignatureV3 {
		t.Errorf("V3: %v %v", v, err)
	}
	if _, err := ParseSignatureVersion("v2"); err == nil {
		t.Error("v2 accepted")
	}
}

func TestIncomingPrintsNoSecret(t *testing.T) {
	creds := Credentials{AccessKeyID: "id", AccessKeySecret: "s", SecurityToken: "sts-token-value"}
	for _, sv := range []SignatureVersion{SignatureV1, SignatureV3} {
		call := testCall(sv, "GET")
		req, err := NewRequest(context.Background(), "http://127.0.0.1:1", creds, call)
		if err != nil {
			t.Fatal(err)
		}
		in, err := wire.ParseRequest(req, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The signature as sent: V1's Signature parameter, V3's in Authorization.
		sig := req.URL.Query().Get("Signature")
		if _, v3, ok := strings.Cut(req.Header.Get("Authorization"), "Signature="); ok {
			sig = v3
		}
		if sig == "" {
			t.Fatalf("%s: no signature in the request", sv)
		}
		for _, s := range []string{fmt.Sprint(in), fmt.Sprintf("%+v", in), fmt.Sprintf("%#v", in), fmt.Sprintf("%v", *in)} {
			if strings.Contains(s, sig) || strings.Contains(s, "sts-token-value") {
				t.Errorf("%s: printed the signature or token: %s", sv, s)
			}
		}
		if !strings.Contains(fmt.Sprint(in), "JobId=job%2F1%2B2") {
			t.Errorf("String lacks the parameters: %s", in)
		}
	}
}

// Known answers computed by the official SDK (darabonba-openapi v2.1.13 GetAuthorization and
// GetRPCSignature, see sdktest/) for testCall's inputs, pinned here so that the main module's tests
// catch a regression without downloading the SDKs.
func TestPinnedKnownAnswers(t *testing.T) {
	req, err := NewRequest(context.Background(), "http://127.0.0.1:8080", testCreds, testCall(SignatureV3, "GET"))
	if err != nil {
		t.Fatal(err)
	}
	want := "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=1658784752781ec3b8688c618773cff06dd26632a45410c876ca41cb61a9dde9"
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("V3 Authorization =\n%s\nwant\n%s", got, want)
	}
	call := testCall(SignatureV1, "GET")
	call.Params.Set("SignatureType", "")
	req, err = NewRequest(context.Background(), "http://127.0.0.1:8080", testCreds, call)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.Query().Get("Signature"), "9XwcMFUgWDNEsJROvqdNhTDsDp4="; got != want {
		t.Errorf("V1 Signature = %s, want %s", got, want)
	}
}

// wire.FormEncode differs from the signed encoding exactly on space, '*' and '~'.
func TestFormEncodeDiffersOnSpaceStarTilde(t *testing.T) {
	for _, tc := range []struct{ in, form string }{
		{"a b", "a+b"}, {"a*b", "a*b"}, {"a~b", "a%7Eb"}, {"a+b/c%=&", "a%2Bb%2Fc%25%3D%26"}, {"é", "%C3%A9"},
	} {
		if got := wire.FormEncode(tc.in); got != tc.form {
			t.Errorf("FormEncode(%q) = %q, want %q", tc.in, got, tc.form)
		}
		differs := strings.ContainsAny(tc.in, " *~")
		if (wire.PercentEncode(tc.in) != wire.FormEncode(tc.in)) != differs {
			t.Errorf("%q: wire.PercentEncode %q, wire.FormEncode %q: differ should be %v", tc.in, wire.PercentEncode(tc.in), wire.FormEncode(tc.in), differs)
		}
	}
}

// A call with thousands of parameters (a hostile one: past the fast path) is parsed and
// verified like any other, without a quadratic sort.
func TestManyParameters(t *testing.T) {
	params := url.Values{}
	for i := range 9000 { // url.ParseQuery refuses more than 10,000 (Go 1.26)
		params.Set("P"+strconv.Itoa(i), strconv.Itoa(i%7))
	}
	call := testCall(SignatureV1, "GET")
	call.Params = params
	req, err := NewRequest(context.Background(), "http://127.0.0.1:8080", testCreds, call)
	if err != nil {
		t.Fatal(err)
	}
	in, err := wire.ParseRequest(req, 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Release()
	if !in.Verify(testCreds.AccessKeySecret) || in.Get("P8999") != strconv.Itoa(8999%7) || len(in.Params()) < 9000 {
		t.Fatalf("not verified or not all parameters read: %d", len(in.Params()))
	}
}

package protocol

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/wire"
)

// Whatever arrives, wire.ParseRequest and Verify answer without panicking.
func FuzzParseRequest(f *testing.F) {
	f.Add("Action=A&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0", "", "", "")
	f.Add("JobId=1", "JobId=2", "application/x-www-form-urlencoded", "")
	f.Add("", "", "", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;x-acs-date,Signature=00")
	f.Add("a=%zz", "b=%", "application/x-www-form-urlencoded; charset=utf-8", "ACS3-X ,,==")
	f.Fuzz(func(t *testing.T, query, body, ctype, auth string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", auth)
		r.Header.Set("x-acs-content-sha256", wire.EmptySHA256)
		in, err := wire.ParseRequest(r, 1<<10)
		if err != nil {
			return
		}
		if in.Verify("secret") && in.Verify("other") {
			t.Fatal("verified with two secrets")
		}
	})
}

// Any parameter names and values survive signing, the wire and verification.
func FuzzSignVerify(f *testing.F) {
	f.Add("ClusterId", "c 1*~é", "JobId", "", true, false)
	f.Add("a+b", "=&%", "", "x", false, true)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, v3, post bool) {
		common := map[string]bool{"Action": true, "Version": true, "Format": true, "AccessKeyId": true,
			"SignatureMethod": true, "SignatureVersion": true, "SignatureNonce": true, "Timestamp": true,
			"Signature": true, "SecurityToken": true}
		if common[k1] || common[k2] || k1 == k2 {
			return
		}
		call := testCall(SignatureV1, "GET")
		call.Params = url.Values{k1: {v1}, k2: {v2}}
		if v3 {
			call.Signature = SignatureV3
		}
		if post {
			call.Method = http.MethodPost
		}
		req, err := NewRequest(context.Background(), "http://127.0.0.1:8080", testCreds, call)
		if k1 == "" || k2 == "" {
			if err == nil {
				t.Fatal("a parameter without a name was signed")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		// What the server sees: the request line as sent, re-parsed.
		srvReq := httptest.NewRequest(req.Method, req.URL.RequestURI(), req.Body)
		srvReq.Header = req.Header
		srvReq.Host = req.Host
		in, err := wire.ParseRequest(srvReq, 1<<16)
		if err != nil {
			t.Fatalf("ParseRequest: %v", err)
		}
		if !in.Verify(testCreds.AccessKeySecret) {
			t.Fatalf("signed call with params %q does not verify", call.Params)
		}
		if in.Params().Get(k1) != v1 || in.Params().Get(k2) != v2 {
			t.Fatalf("params %q arrived as %q", call.Params, in.Params())
		}
	})
}

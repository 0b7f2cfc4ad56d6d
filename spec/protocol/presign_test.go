package protocol

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A presigned call is NewRequest's, byte for byte, for every signature, method and format, with
// and without a security token, across seconds (the stamp cache) and with odd parameter values.
func TestPresignMatchesNewRequest(t *testing.T) {
	creds := []Credentials{
		{AccessKeyID: "LTAIpresign", AccessKeySecret: "presign-secret"},
		{AccessKeyID: "LTAIsts", AccessKeySecret: "sts-secret", SecurityToken: "sts token/with+odd=chars"},
	}
	now := time.Date(2026, 11, 26, 23, 59, 58, 0, time.UTC)
	for _, sig := range []SignatureVersion{SignatureV1, SignatureV3} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, format := range []Format{FormatJSON, FormatXML} {
				for _, c := range creds {
					call := Call{Transport: Transport{Method: method, Signature: sig, Format: format}, Action: "StartEdgeTranscodeJob", Version: "2016-11-01",
						Params: url.Values{"ClusterId": {"cluster 1*~"}, "JobId": {"job/ü"}}}
					p, err := Presign("http://127.0.0.1:8080/#caller/one", c, call)
					if err != nil {
						t.Fatal(err)
					}
					for n := range 4 {
						now = now.Add(700 * time.Millisecond)
						nonce := []byte(strings.Repeat(string(rune('a'+n)), 8) + "-0000-4000-8000-000000000000")
						gotURL, gotBody, gotHeader := p.Sign(nonce, now)
						call.Nonce, call.Time = string(nonce), now
						want, err := NewRequest(context.Background(), "http://127.0.0.1:8080/", c, call)
						if err != nil {
							t.Fatal(err)
						}
						what := string(sig) + " " + method + " " + string(format) + " " + c.AccessKeyID
						if wantURL := want.URL.String() + "#caller/one"; gotURL != wantURL {
							t.Errorf("%s #%d URL:\n got %s\nwant %s", what, n, gotURL, wantURL)
						}
						var wantBody []byte
						if want.Body != nil {
							wantBody, _ = io.ReadAll(want.Body)
						}
						if string(gotBody) != string(wantBody) {
							t.Errorf("%s #%d body:\n got %s\nwant %s", what, n, gotBody, wantBody)
						}
						for k := range want.Header {
							if got, want := gotHeader.Get(k), want.Header.Get(k); got != want {
								t.Errorf("%s #%d header %s = %q, want %q", what, n, k, got, want)
							}
						}
						if len(gotHeader) != len(want.Header) {
							t.Errorf("%s #%d: headers %v, want %v", what, n, gotHeader, want.Header)
						}
					}
				}
			}
		}
	}
}

func TestPresignRejects(t *testing.T) {
	good := Credentials{AccessKeyID: "LTAIpresign", AccessKeySecret: "presign-secret"}
	base := Call{Action: "StartEdgeTranscodeJob", Version: "2016-11-01", Params: url.Values{"JobId": {"j"}}}
	with := func(f func(*Call)) Call { c := base; f(&c); return c }
	for _, tc := range []struct {
		name  string
		url   string
		creds Credentials
		call  Call
		want  string
	}{
		{"bad url", "ftp://x/", good, base, "http"},
		{"bad method", "http://127.0.0.1/", good, with(func(c *Call) { c.Method = "PUT" }), "PUT"},
		{"bad signature", "http://127.0.0.1/", good, with(func(c *Call) { c.Signature = "v2" }), "v2"},
		{"no action", "http://127.0.0.1/", good, with(func(c *Call) { c.Action = "" }), "Action"},
		{"no secret", "http://127.0.0.1/", Credentials{AccessKeyID: "LTAI"}, base, "AccessKeySecret"},
		{"tamper", "http://127.0.0.1/", good, with(func(c *Call) { c.Tamper = func(*http.Request) {} }), "tampered"},
		{"v3 form body", "http://127.0.0.1/", good, with(func(c *Call) { c.Signature, c.Method, c.FormBody = SignatureV3, "POST", true }), "form body"},
		{"empty name", "http://127.0.0.1/", good, with(func(c *Call) { c.Params = url.Values{"": {"x"}} }), "empty name"},
		{"placeholder in a value", "http://127.0.0.1/", good, with(func(c *Call) { c.Params = url.Values{"JobId": {phNonce}} }), "cannot presign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Presign(tc.url, tc.creds, tc.call)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "presign-secret") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

package loadrun

import (
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestClassify(t *testing.T) {
	c := NewClassifier(nil)
	for _, tc := range []struct {
		name   string
		status uint16
		body   string
		class  Class
		code   string
	}{
		{"success", 200, `{"JobId":"j-1","RequestId":"A"}`, ClassOK, "OK"},
		{"throttled json", 400, `{"RequestId":"A","HostId":"h","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`, ClassThrottled, "Throttling.User"},
		{"throttled spaced json", 400, "{\n  \"Code\" : \"Throttling\"\n}", ClassThrottled, "Throttling"},
		{"throttled xml", 400, `<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>A</RequestId><Code>Throttling.Api</Code></Error>`, ClassThrottled, "Throttling.Api"},
		{"business answer", 403, `{"Code":"OperationDenied","Message":"x"}`, ClassRefused, "OperationDenied"},
		{"business answer xml", 404, `<Error><Code>JobNotFound</Code></Error>`, ClassRefused, "JobNotFound"},
		{"gateway rejection", 400, `{"Code":"SignatureDoesNotMatch"}`, ClassFailed, "SignatureDoesNotMatch"},
		{"missing parameter is the harness's fault", 400, `{"Code":"MissingParameter"}`, ClassFailed, "MissingParameter"},
		{"5xx", 500, `{"Code":"InternalError"}`, ClassFailed, "InternalError"},
		{"Code inside a value first", 400, `{"Message":"bad \"Code\" here","Code":"Throttling.User"}`, ClassThrottled, "Throttling.User"},
		{"escaped code", 400, `{"Code":"Throttling\u002eUser"}`, ClassThrottled, "Throttling.User"},
		{"unknown code", 418, `{"Code":"Teapot"}`, ClassFailed, "Teapot"},
		{"no body", 502, ``, ClassFailed, CodeNone},
		{"html", 503, `<html><body>bad gateway</body></html>`, ClassFailed, CodeNone},
		{"truncated", 400, `{"Code":"Thrott`, ClassFailed, CodeNone},
		{"code not a string", 400, `{"Code":42}`, ClassFailed, CodeNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &vegeta.Result{Code: tc.status, Body: []byte(tc.body), URL: "http://h/#acct-1"}
			o := c.Classify(r)
			if o.Class != tc.class || o.Code != tc.code {
				t.Errorf("Classify = %v %q, want %v %q", o.Class, o.Code, tc.class, tc.code)
			}
			if o.Status != tc.status || o.Account != "acct-1" {
				t.Errorf("Status, Account = %d, %q; want %d, acct-1", o.Status, o.Account, tc.status)
			}
			if got, want := c.IsThrottled(r), tc.class == ClassThrottled; got != want {
				t.Errorf("IsThrottled = %v, want %v", got, want)
			}
		})
	}
}

func TestClassifyTransportError(t *testing.T) {
	o := NewClassifier(nil).Classify(&vegeta.Result{Error: "dial tcp: connection refused"})
	if o.Class != ClassFailed || o.Code != CodeTransport {
		t.Fatalf("got %v %q, want failed %q", o.Class, o.Code, CodeTransport)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:1/?AccessKeyId=a&Signature=abc%3D#LTAI1": "http://h:1/#LTAI1",
		"http://h:1/?Signature=abc":                        "http://h:1/",
		"http://h:1/#LTAI1":                                "http://h:1/#LTAI1",
	} {
		r := vegeta.Result{URL: in}
		Redact(&r)
		if r.URL != want {
			t.Errorf("Redact(%q) = %q, want %q", in, r.URL, want)
		}
	}
	for in, want := range map[string]string{
		`Get "http://127.0.0.1:1/?AccessKeyId=a&Signature=abc%3D#LTAI1": dial tcp 127.0.0.1:1: connection refused`: `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connection refused`,
		`Post "http://h/?x=1": EOF; Get "http://h/?Signature=s"`:                                                   `Post "http://h/": EOF; Get "http://h/"`,
		"no query here":          "no query here",
		"trailing ?Signature=zz": "trailing ",
	} {
		if got := RedactError(in); got != want {
			t.Errorf("RedactError(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	c := NewClassifier(nil)
	r := &vegeta.Result{Code: 400, URL: "http://127.0.0.1:1/?x=y#LTAIload01",
		Body: []byte(`{"RequestId":"5C8A4F2E-1B7D-4E3A-9C6F-0A1B2C3D4E5F","HostId":"live.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control.","Recommend":"https://api.aliyun.com/troubleshoot"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if o := c.Classify(r); o.Class != ClassThrottled {
			b.Fatal(o)
		}
	}
}

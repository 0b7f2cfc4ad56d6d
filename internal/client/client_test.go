package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

var creds = protocol.Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret"}

func call() protocol.Call {
	return protocol.Call{Action: "StartEdgeTranscodeJob", Version: "2016-11-01",
		Params: url.Values{"ClusterId": {"c1"}, "JobId": {"j1"}}}
}

func answer(status int, ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func do(t *testing.T, h http.Handler, opts ...Option) *Answer {
	t.Helper()
	return doCall(t, h, call(), opts...)
}

func doCall(t *testing.T, h http.Handler, pc protocol.Call, opts ...Option) *Answer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Call(context.Background(), creds, pc)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSignedCallIsVerifiable(t *testing.T) {
	for _, sv := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
		verified := make(chan bool, 1)
		pc := call()
		pc.Signature = sv
		a := doCall(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, err := wire.ParseRequest(r, 1<<10)
			verified <- err == nil && in.SignatureVersion == sv && in.Verify("testsecret") && in.Params().Get("JobId") == "j1"
			answer(200, "application/json;charset=utf-8", `{"JobId":"j1","RequestId":"R"}`)(w, r)
		}), pc)
		if !<-verified {
			t.Errorf("%s: the target could not verify the call", sv)
		}
		if a.Status != 200 || a.JobID != "j1" || a.RequestID != "R" || !a.Parsed || a.Format != "JSON" {
			t.Errorf("%s: answer %+v", sv, a)
		}
	}
}

func TestParse(t *testing.T) {
	errJSON := `{"RequestId":"R","HostId":"live.aliyuncs.com","Code":"JobNotFound","Message":"m","Recommend":"r"}`
	errXML := `<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R</RequestId><HostId>live.aliyuncs.com</HostId><Code>JobNotFound</Code><Message>m</Message><Recommend><![CDATA[r]]></Recommend></Error>`
	for name, tc := range map[string]struct {
		status      int
		ctype, body string
		format      string // "" = must not parse
		code        string
	}{
		"json":             {404, "application/json;charset=utf-8", errJSON, "JSON", "JobNotFound"},
		"xml":              {404, "text/xml;charset=utf-8", errXML, "XML", "JobNotFound"},
		"application/xml":  {404, "application/xml", errXML, "XML", "JobNotFound"},
		"sniff json":       {404, "text/plain", "  " + errJSON, "JSON", "JobNotFound"},
		"sniff xml":        {404, "", errXML, "XML", "JobNotFound"},
		"html":             {502, "text/html", "<html><body>bad gateway</body>", "", ""},
		"plain":            {500, "text/plain", "oops", "", ""},
		"empty":            {200, "application/json", "", "", ""},
		"json array":       {200, "application/json", `[1]`, "", ""},
		"json null":        {200, "application/json", `null`, "", ""},
		"json trailing":    {200, "application/json", `{"Code":"a"} {}`, "", ""},
		"json code number": {400, "application/json", `{"Code":400,"RequestId":"R"}`, "", ""},
		"json broken":      {200, "application/json", `{"Code":`, "", ""},
		"xml two roots":    {200, "text/xml", `<a/><b/>`, "", ""},
		"xml broken":       {200, "text/xml", `<a><b></a>`, "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			a := do(t, answer(tc.status, tc.ctype, tc.body))
			if a.Status != tc.status || string(a.Body) != tc.body {
				t.Errorf("status %d body %q", a.Status, a.Body)
			}
			if tc.format == "" {
				if a.Parsed || a.ParseErr == nil {
					t.Errorf("Parsed = %v, ParseErr = %v: want a parse error", a.Parsed, a.ParseErr)
				}
				return
			}
			if !a.Parsed || a.ParseErr != nil || string(a.Format) != tc.format {
				t.Fatalf("Parsed = %v, ParseErr = %v, Format %q", a.Parsed, a.ParseErr, a.Format)
			}
			if a.Code != tc.code || a.RequestID != "R" || a.HostID != "live.aliyuncs.com" || a.Message != "m" || a.Recommend != "r" {
				t.Errorf("fields %+v", a)
			}
			if tc.format == "XML" && a.XMLRoot != "Error" {
				t.Errorf("XMLRoot = %q", a.XMLRoot)
			}
		})
	}
}

func TestMaxBody(t *testing.T) {
	body := `{"RequestId":"` + strings.Repeat("a", 100) + `"}`
	a := do(t, answer(200, "application/json", body), WithMaxBody(50))
	if !a.Truncated || len(a.Body) != 50 || a.Parsed || a.ParseErr == nil {
		t.Errorf("Truncated %v, len %d, Parsed %v, ParseErr %v", a.Truncated, len(a.Body), a.Parsed, a.ParseErr)
	}
	a = do(t, answer(200, "application/json", body), WithMaxBody(int64(len(body))))
	if a.Truncated || !a.Parsed {
		t.Errorf("exact size: Truncated %v, Parsed %v", a.Truncated, a.Parsed)
	}
}

func TestRedirectIsAnAnswer(t *testing.T) {
	followed := make(chan struct{}, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed <- struct{}{} })
	a := do(t, mux, WithHTTPClient(&http.Client{}))
	if a.Status != http.StatusFound || a.Header.Get("Location") != "/elsewhere" {
		t.Errorf("status %d location %q", a.Status, a.Header.Get("Location"))
	}
	select {
	case <-followed:
		t.Error("redirect followed")
	default:
	}
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(answer(200, "", ""))
	url := srv.URL
	srv.Close()
	c, err := New(url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(context.Background(), creds, call())
	if !errors.Is(err, ErrTransport) {
		t.Errorf("closed server: err = %v, want ErrTransport", err)
	}
	if err != nil && strings.Contains(err.Error(), "Signature") {
		t.Errorf("error shows the signed URL: %v", err)
	}

	// A target that never answers: the per-call timeout ends the call.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	c, _ = New(hang.URL, WithTimeout(50*time.Millisecond))
	if _, err := c.Call(context.Background(), creds, call()); !errors.Is(err, ErrTransport) {
		t.Errorf("hanging server: err = %v, want ErrTransport", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "://x"} {
		if _, err := New(u); err == nil || !strings.HasPrefix(err.Error(), "client: base URL") {
			t.Errorf("New(%q) err = %v", u, err)
		}
	}
	if _, err := New("http://x", WithTimeout(0)); err == nil {
		t.Error("zero timeout accepted")
	}
	if _, err := New("http://x", WithMaxBody(-1)); err == nil {
		t.Error("negative max body accepted")
	}
	c, err := New("https://live.aliyuncs.com")
	if err != nil || c.BaseURL() != "https://live.aliyuncs.com/" {
		t.Errorf("New: %v %v", c, err)
	}
	if _, err := c.Call(context.Background(), creds, protocol.Call{}); err == nil || errors.Is(err, ErrTransport) {
		t.Errorf("bad call: err = %v, want a signing error", err)
	}
}

func TestAnswerPrintsNoSignature(t *testing.T) {
	a := do(t, answer(404, "application/json", `{"Code":"JobNotFound","RequestId":"R"}`))
	sig := a.Request.URL.Query().Get("Signature")
	if sig == "" {
		t.Fatal("no signature in the request")
	}
	for _, s := range []string{fmt.Sprint(a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", *a), fmt.Sprintf("%v", *a)} {
		if strings.Contains(s, sig) || strings.Contains(s, url.QueryEscape(sig)) {
			t.Errorf("printed the signature: %s", s)
		}
		if !strings.Contains(s, "Code=JobNotFound") {
			t.Errorf("summary lacks the code: %s", s)
		}
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

const (
	signTestID     = "LTAIsignTest"
	signTestSecret = "sign-test-secret-never-printed"
)

var signTestEnv = map[string]string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID": signTestID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": signTestSecret,
}

func TestSignURLVerifies(t *testing.T) {
	err, out, errOut := runMain(t, signTestEnv, "sign", "--target", "http://127.0.0.1:9999",
		"--param", "ClusterId=c 1", "--param", "JobId=j*1", "--param", "RegionId=", "--format", "xml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out+errOut, signTestSecret) {
		t.Fatal("the secret was printed")
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || u.Host != "127.0.0.1:9999" {
		t.Fatalf("output %q is not a URL of the target: %v", out, err)
	}
	in, err := wire.ParseRequest(httptest.NewRequest("GET", u.String(), nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Verify(signTestSecret) {
		t.Error("the printed URL does not verify")
	}
	if in.AccessKeyID != signTestID || in.Action != "StartEdgeTranscodeJob" || in.Version != "2016-11-01" ||
		in.Format != "XML" || in.Params().Get("ClusterId") != "c 1" || in.Params().Get("JobId") != "j*1" || !in.Params().Has("RegionId") {
		t.Errorf("parsed %v", in.Redacted())
	}
}

// The curl command is checked by reading it back into a request, as a shell would pass it to curl.
func TestSignCurl(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		method string
		sv     protocol.SignatureVersion
	}{
		{[]string{"--curl"}, "GET", protocol.SignatureV1},
		{[]string{"--method", "POST"}, "POST", protocol.SignatureV1},
		{[]string{"--signature", "v3"}, "GET", protocol.SignatureV3},
		{[]string{"--signature", "v3", "--method", "post", "--curl"}, "POST", protocol.SignatureV3},
	} {
		args := append([]string{"--target", "http://127.0.0.1:8080", "--param", "ClusterId=it's", "--param", "JobId=j1"}, tc.args...)
		err, out, errOut := runMain(t, signTestEnv, append([]string{"sign"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out+errOut, signTestSecret) {
			t.Fatal("the secret was printed")
		}
		req, err := parseCurl(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.args, err, out)
		}
		if req.Method != tc.method {
			t.Errorf("%v: method %s", tc.args, req.Method)
		}
		in, err := wire.ParseRequest(req, 1<<16)
		if err != nil {
			t.Fatal(err)
		}
		if in.SignatureVersion != tc.sv || !in.Verify(signTestSecret) || in.Params().Get("ClusterId") != "it's" {
			t.Errorf("%v: version %s, verified %v, params %v", tc.args, in.SignatureVersion, in.Verify(signTestSecret), in.Redacted())
		}
	}
}

// parseCurl reads the command line sign prints: single-quoted words, -X, -H, --data-raw, the URL.
func parseCurl(cmd string) (*http.Request, error) {
	var words []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case inQuote && c == '\'':
			inQuote = false
		case inQuote:
			cur.WriteByte(c)
		case c == '\'':
			inQuote, inWord = true, true
		case c == '\\' && i+1 < len(cmd):
			i++
			cur.WriteByte(cmd[i])
			inWord = true
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inQuote {
		return nil, errors.New("unbalanced quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) < 2 || words[0] != "curl" {
		return nil, errors.New("not a curl command")
	}
	method, body, target := "GET", "", ""
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-sS", "-i":
		case "-X", "-H", "--data-raw":
			if i+1 >= len(words) {
				return nil, errors.New(w + " without a value")
			}
			i++
			switch w {
			case "-X":
				method = words[i]
			case "-H":
				k, v, _ := strings.Cut(words[i], ": ")
				header.Add(k, v)
			default:
				body = words[i]
			}
		default:
			target = w
		}
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header = header
	if u, _ := url.Parse(target); u != nil {
		req.Host = u.Host
	}
	return req, nil
}

func TestSignDefaultsToTheReferenceWorld(t *testing.T) {
	err, out, errOut := runMain(t, nil, "sign", "--param", "ClusterId=c", "--param", "JobId=j")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "http://127.0.0.1:8080/?") || !strings.Contains(errOut, "reference world") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	if strings.Contains(out+errOut, "RefSecret") {
		t.Error("the reference secret was printed")
	}
}

func TestSignFixedNonceAndTimestamp(t *testing.T) {
	args := []string{"--nonce", "n-1", "--timestamp", "2026-11-26T12:46:24Z", "--param", "JobId=j"}
	err, a, _ := runMain(t, signTestEnv, append([]string{"sign"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := runMain(t, signTestEnv, append([]string{"sign"}, args...)...)
	if a != b || !strings.Contains(a, "SignatureNonce=n-1") || !strings.Contains(a, "Timestamp=2026-11-26T12%3A46%3A24Z") {
		t.Errorf("not reproducible: %q vs %q", a, b)
	}
	_, c, _ := runMain(t, signTestEnv, "sign", "--param", "JobId=j")
	_, d, _ := runMain(t, signTestEnv, "sign", "--param", "JobId=j")
	if c == d {
		t.Error("two plain calls printed the same URL: no fresh nonce")
	}
}

func TestSignUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--signature", "v2"}, {"--method", "PUT"}, {"--format", "yaml"}, {"--param", "novalue"},
		{"--param", "=x"}, {"--param", "A=1", "--param", "A=2"}, {"--target", "ftp://x"}, {"--target", "127.0.0.1:8080"},
		{"--timestamp", "yesterday"}, {"--action", ""}, {"stray"},
	} {
		err, _, _ := runMain(t, signTestEnv, append([]string{"sign"}, args...)...)
		if cli.ExitCode(err) != cli.ExitUsage {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		} else if strings.Contains(err.Error(), signTestSecret) {
			t.Errorf("%v: the error shows the secret", args)
		}
	}
	if err, _, _ := runMain(t, nil, "sign", "--access-key-id", "onlyid"); cli.ExitCode(err) != cli.ExitUsage {
		t.Errorf("an id without a secret: err = %v, want a usage error", err)
	}
	// --access-key-id alone with the env's secret is fine: flags then env, field by field.
	if err, _, _ := runMain(t, map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}, "sign", "--access-key-id", "id"); err != nil {
		t.Errorf("id flag + secret env: %v", err)
	}
}

// The purpose of sign: what it prints gets the documented answers from an implementation (here
// the reference one, arranged through its provider-state endpoint).
func TestSignAgainstReferenceImplementation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := mock.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	arranger := states.NewEndpoint(r.AdminURL)
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, args := range [][]string{
		{"--format", "JSON"}, {"--format", "XML"}, {"--method", "POST"}, {"--signature", "v3"}, {"--signature", "v3", "--method", "POST"},
	} {
		v, err := arranger.Setup(ctx, spec.StateStoppedJob)
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": v["AccessKeyId"], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": v["AccessKeySecret"]}
		send := func() (int, string) {
			err, out, _ := runMain(t, env, append([]string{"sign", "--target", r.APIURL, "--curl",
				"--param", "ClusterId=" + v["ClusterId"], "--param", "JobId=" + v["JobId"]}, args...)...)
			if err != nil {
				t.Fatal(err)
			}
			req, err := parseCurl(strings.TrimSpace(out))
			if err != nil {
				t.Fatal(err)
			}
			req.RequestURI = ""
			u, _ := url.Parse(req.URL.String())
			req.URL = u
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			return resp.StatusCode, string(b)
		}
		if status, body := send(); status != 200 || !strings.Contains(body, v["JobId"]) {
			t.Errorf("%v: first start: %d %s", args, status, body)
		}
		if status, body := send(); status != 403 || !strings.Contains(body, "OperationDenied") {
			t.Errorf("%v: second start: %d %s", args, status, body)
		}
		arranger.Teardown(ctx, spec.StateStoppedJob, v)
	}
}

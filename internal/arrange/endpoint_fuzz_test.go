package arrange_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
)

// answerTransport answers every request with a fixed status and body, without a network.
type answerTransport struct {
	status int
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// Whatever a state endpoint answers: no panic; an answer like the API's (an error with RequestId
// and Code) says the URL is not a state endpoint; otherwise 400, 404 and 501 are "unsupported" and
// nothing else is; other failures fail; values come only from a 2xx; an error is one line and
// never repeats a secret the answer carried.
func FuzzEndpointAnswer(f *testing.F) {
	f.Add(200, []byte(`{"AccessKeyId":"a","AccessKeySecret":"s","ClusterId":"c","JobId":"j"}`))
	f.Add(200, []byte(`{"JobId":1e400,"x":true,"y":null}`))
	f.Add(500, []byte(`{"AccessKeySecret":"VerySecretValue123"}`))
	f.Add(501, []byte("not here\n\n"))
	f.Add(302, []byte(""))
	f.Add(200, []byte("[1,2]"))
	f.Add(204, []byte(" "))
	f.Add(400, []byte(`{"RequestId":"5B7E2A0C-0000-4000-8000-000000000000","Code":"MissingParameter","Message":"x"}`))
	f.Add(404, []byte(`<Error><RequestId>R</RequestId><Code>InvalidAction.NotFound</Code></Error>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		ep := arrange.NewEndpoint("http://127.0.0.1:1/state", arrange.WithHTTPClient(&http.Client{Transport: answerTransport{status, body}}), arrange.WithMaxBody(1<<10))
		v, err := ep.Setup(context.Background(), spec.StateStoppedJob)
		notEndpoint := errors.Is(err, arrange.ErrNotStateEndpoint)
		if notEndpoint && (!bytes.Contains(body, []byte("RequestId")) || !bytes.Contains(body, []byte("Code"))) {
			t.Fatalf("status %d: not a state endpoint, yet the answer has no RequestId and Code: %v", status, err)
		}
		unsupported := (status == 400 || status == 404 || status == 501) && !notEndpoint
		if errors.Is(err, arrange.ErrUnsupported) != unsupported {
			t.Fatalf("status %d: err %v", status, err)
		}
		if err == nil && (status < 200 || status > 299) {
			t.Fatalf("status %d gave values %v", status, v)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error of several lines: %q", err)
		}
		if err != nil && bytes.Contains(body, []byte("VerySecretValue123")) && strings.Contains(err.Error(), "VerySecretValue123") {
			t.Fatalf("the error repeats a secret: %v", err)
		}
	})
}

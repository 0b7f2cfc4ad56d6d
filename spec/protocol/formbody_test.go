package protocol

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/wire"
)

// A V3 POST with its parameters in a form body: the body is signed by its hash, the canonical
// query is the (empty) query string's. Changing the body after signing fails verification unless
// the server trusts the client's x-acs-content-sha256 (TrustPayloadHash, a defect's).
func TestV3FormBody(t *testing.T) {
	type seen struct {
		ok, trusted bool
		jobID       string
		err         error
	}
	ch := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := wire.ParseRequest(r, 1<<16)
		if err != nil {
			ch <- seen{err: err}
			return
		}
		s := seen{ok: in.Verify(testCreds.AccessKeySecret), jobID: in.Get("JobId")}
		in.TrustPayloadHash()
		s.trusted = in.Verify(testCreds.AccessKeySecret)
		ch <- s
	}))
	t.Cleanup(srv.Close)
	send := func(call Call) seen {
		t.Helper()
		req, err := NewRequest(context.Background(), srv.URL, testCreds, call)
		if err != nil {
			t.Fatal(err)
		}
		if req.URL.RawQuery != "" {
			t.Errorf("query %q: the parameters belong in the body", req.URL.RawQuery)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-ch
	}
	call := testCall(SignatureV3, http.MethodPost)
	call.FormBody = true
	if got := send(call); got.err != nil || !got.ok || got.jobID != "job/1+2" {
		t.Errorf("a correctly signed form body: %+v, want verified with JobId job/1+2", got)
	}
	call.Tamper = func(r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body := strings.Replace(string(b), "JobId=job", "JobId=other", 1)
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	}
	got := send(call)
	if got.err != nil || got.ok || got.jobID != "other/1+2" {
		t.Errorf("a body changed after signing: %+v, want refused (JobId other/1+2)", got)
	}
	if !got.trusted {
		t.Error("TrustPayloadHash: the changed body still fails, want it verified (the defect's behaviour)")
	}
}

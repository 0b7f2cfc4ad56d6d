package mock

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// countingReader is an endless body that counts what was read of it.
type countingReader struct{ n atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// A 10 MiB (here: endless) body is cut at the limit: 413, and no more than the limit (and a
// buffer) is read of it.
func TestOversizedBodyReadIsBounded(t *testing.T) {
	e := newEnv(t)
	for _, ctype := range []string{"application/x-www-form-urlencoded", "application/json", ""} {
		body := &countingReader{}
		req := httptest.NewRequest(http.MethodPost, "/?Action=StartEdgeTranscodeJob", io.LimitReader(body, 10<<20))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		e.srv.API().ServeHTTP(rec, req)
		r := parse(t, rec.Code, rec.Header(), rec.Body.Bytes())
		if ctype == "application/x-www-form-urlencoded" {
			r.expect(t, http.StatusRequestEntityTooLarge, codeTooLarge)
		}
		if got := body.n.Load(); got > 2*DefaultMaxBody {
			t.Errorf("Content-Type %q: read %d bytes of a 10 MiB body, limit %d", ctype, got, DefaultMaxBody)
		}
		checkRequestID(t, r)
	}
}

// Every parameter given twice, in the query, in the form or across both, is refused as
// unreadable: which of the two would the signature cover?
func TestDuplicatedParameters(t *testing.T) {
	e := newEnv(t)
	signed := func(method string) *http.Request {
		call := start(refCluster, stoppedJob)
		call.Method = method
		call.Action, call.Version, call.Time = spec.Default().Action(), spec.Default().Version(), e.clock.Now()
		req, err := protocol.NewRequest(context.Background(), e.ts.URL, refKey, call)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, name := range []string{"Signature", "JobId", "AccessKeyId", "Timestamp", "SignatureNonce", "Format"} {
		req := signed(http.MethodGet)
		q := req.URL.Query()
		req.URL.RawQuery += "&" + url.Values{name: {q.Get(name) + "x"}}.Encode()
		e.send(req).expect(t, http.StatusBadRequest, codeMalformed)
	}
	// In the form and again in the query.
	req := signed(http.MethodPost)
	req.URL.RawQuery = "JobId=" + stoppedJob
	e.send(req).expect(t, http.StatusBadRequest, codeMalformed)
	// The correct call still starts the job: nothing above counted.
	e.do(refKey, start(refCluster, stoppedJob)).expect(t, http.StatusOK, "")
}

// Invalid UTF-8 and very long values, signed (so they reach the business rules): a conforming
// answer whose message stays short and valid, whatever the value.
func TestInvalidUTF8AndLongValues(t *testing.T) {
	e := newEnv(t, WithMaxBody(4<<20))
	for name, jobID := range map[string]string{
		"invalid UTF-8":        "\xff\xfe\xfd",
		"cut mid-rune":         "a" + strings.Repeat("é", 40),
		"1 MiB":                strings.Repeat("j", 1<<20),
		"1 MiB of invalid":     strings.Repeat("\xc3", 1<<20),
		"control characters":   "j\x00\r\n<Code>OK</Code>",
		"markup and quotes":    `"}<Error>&amp;]]>`,
		"right-to-left marks":  "\u202ejob\u202c",
		"percent-looking text": "%zz%",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
				if method == http.MethodGet && len(jobID) > 1<<10 {
					continue // a 1 MiB query is the HTTP server's to refuse (TestLongQueryRefusedByServer)
				}
				call := start(refCluster, jobID)
				call.Method, call.Format = method, format
				r := e.do(refKey, call) // validated against the spec by send
				r.expect(t, http.StatusNotFound, "JobNotFound")
				if len(r.message) > 1000 {
					t.Errorf("%s %s %s: message of %d bytes: caller text not clipped", name, method, format, len(r.message))
				}
			}
		}
	}
}

// A query longer than the header limit never reaches the handler: the server refuses it with 431
// and goes on serving.
func TestLongQueryRefusedByServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	resp, err := c.Get(r.APIURL + "/?Action=StartEdgeTranscodeJob&JobId=" + strings.Repeat("j", 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MiB query: %d, want 431", resp.StatusCode)
	}
	req, err := protocol.NewRequest(ctx, r.APIURL, refKey, protocol.Call{Action: spec.Default().Action(), Version: spec.Default().Version(),
		Params: url.Values{"ClusterId": {refCluster}, "JobId": {stoppedJob}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the call after: %d, want 200", resp.StatusCode)
	}
}

package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Fuzzing the reference implementation: whatever arrives (method, query, headers, body), the
// API handler answers without panicking, with a well-formed answer that validates against the
// spec, or with one of the transport's two documented 4xx (413 RequestEntityTooLarge, 400
// InvalidParameter), or 404 InvalidAction.NotFound for a method the API does not have.
//
// The seeds in testdata/fuzz/FuzzAPIHandler are signed calls of every wire variant at the
// fuzz clock's time (so mutations reach the signature check, the throttle and the business
// rules), and bad input: duplicated parameters, invalid UTF-8, bad escapes, long values.
// Regenerate them with EDGECONFORM_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds ./mock.

// fuzzWorld is parsed once: a server per input starts from the same world.
var fuzzWorld = sync.OnceValue(func() *world.World {
	w, err := world.Default()
	if err != nil {
		panic(err)
	}
	return w
})

func FuzzAPIHandler(f *testing.F) {
	for _, s := range apiSeeds(f) {
		f.Add(s.method, s.query, s.header, s.body)
	}
	sp := spec.Default()
	statuses := map[int]bool{http.StatusOK: true, http.StatusBadRequest: true, http.StatusRequestEntityTooLarge: true}
	for _, e := range sp.Errors() {
		statuses[e.Status] = true
	}
	f.Fuzz(func(t *testing.T, method, query, header string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1/", bytes.NewReader(body))
		if err != nil {
			return // not a method a server would parse
		}
		req.URL.RawQuery = query
		req.Header = parseHeader(header)
		req.Host = req.Header.Get("Host")
		if req.Host == "" {
			req.Host = "127.0.0.1"
		}
		srv, err := New(fuzzWorld(), WithClock(fuzzClock), WithMaxBody(4<<10), WithRateLimit(spec.RateLimit{Calls: 3, Window: 6e10}))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		srv.API().ServeHTTP(rec, req)
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)
		if !statuses[res.StatusCode] {
			t.Fatalf("status %d is no documented status: %s", res.StatusCode, out)
		}
		a, err := decodeAnswer(res.Header.Get("Content-Type"), out)
		if err != nil {
			t.Fatalf("answer %d does not decode: %v\n%q", res.StatusCode, err, out)
		}
		if !requestIDPattern.MatchString(a.RequestID) {
			t.Fatalf("RequestId %q", a.RequestID)
		}
		switch {
		case a.Code == codeTooLarge || a.Code == codeMalformed:
			if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusRequestEntityTooLarge || a.Message == "" || a.HostID == "" {
				t.Fatalf("transport answer %d %+v", res.StatusCode, a)
			}
			return
		case req.Method != http.MethodGet && req.Method != http.MethodPost:
			// req.Method, not the fuzz input: http.NewRequest turns an empty method into GET.
			if res.StatusCode != http.StatusNotFound || a.Code != "InvalidAction.NotFound" {
				t.Fatalf("method %q: %d %q, want 404 InvalidAction.NotFound", req.Method, res.StatusCode, a.Code)
			}
			return
		}
		// A GET or POST: the answer conforms to the spec, message template included.
		vreq := &http.Request{Method: req.Method, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		if err := specfacts.ValidateResponse(context.Background(), sp, vreq, res.StatusCode, res.Header, out); err != nil {
			t.Fatalf("answer does not conform: %v\n%q", err, out)
		}
		if a.Code != "" {
			if ec, ok := sp.Error(a.Code); !ok || !specfacts.MatchesMessage(ec, a.Message) {
				t.Fatalf("%s message %q off its template", a.Code, a.Message)
			}
		}
		if res.StatusCode == http.StatusOK && a.JobID == "" {
			t.Fatalf("success without a JobId: %q", out)
		}
	})
}

// fuzzClock is the time the seeds are signed at.
func fuzzClock() time.Time { return newClock().Now() }

// fuzzAnswer is the decoded body of any answer.
type fuzzAnswer struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	HostID    string `json:"HostId" xml:"HostId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	JobID     string `json:"JobId" xml:"JobId"`
}

func decodeAnswer(ctype string, body []byte) (fuzzAnswer, error) {
	var a fuzzAnswer
	switch ctype {
	case ContentTypeJSON:
		return a, json.Unmarshal(body, &a)
	case ContentTypeXML:
		return a, xml.Unmarshal(body, &a)
	}
	return a, fmt.Errorf("Content-Type %q", ctype)
}

// parseHeader reads "Name: value" lines; lines without a colon are ignored.
func parseHeader(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return h
}

func formatHeader(h http.Header) string {
	var b strings.Builder
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}

type apiSeed struct {
	name                  string
	method, query, header string
	body                  []byte
}

// apiSeeds are signed calls of every wire variant at the fuzz clock's time, then bad input.
func apiSeeds(tb testing.TB) []apiSeed {
	tb.Helper()
	var seeds []apiSeed
	sp := spec.Default()
	add := func(name string, creds protocol.Credentials, call protocol.Call) {
		call.Action, call.Version, call.Time = sp.Action(), sp.Version(), fuzzClock()
		call.Nonce = "fuzz-nonce-" + name
		req, err := protocol.NewRequest(context.Background(), "http://127.0.0.1", creds, call)
		if err != nil {
			tb.Fatal(err)
		}
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		h := req.Header.Clone()
		h.Set("Host", req.Host)
		seeds = append(seeds, apiSeed{name, req.Method, req.URL.RawQuery, formatHeader(h), body})
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		for _, sv := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
				call := start(refCluster, stoppedJob)
				call.Method, call.Signature, call.Format = m, sv, format
				add(fmt.Sprintf("%s-%s-%s", m, sv, format), refKey, call)
			}
		}
	}
	add("running-job", refKey, start(refCluster, runningJob))
	add("faulty-job", refKey, start(refCluster, faultyJob))
	add("read-only", readOnlyKey, start(refCluster, stoppedJob))
	add("no-job", refKey, start(refCluster, ""))
	add("wrong-secret", protocol.Credentials{AccessKeyID: refKey.AccessKeyID, AccessKeySecret: "wrong"}, start(refCluster, stoppedJob))
	unicode := start(refCluster, stoppedJob)
	unicode.Params.Set("RegionId", "cn-上海 ~*'")
	add("unicode", refKey, unicode)

	form := "application/x-www-form-urlencoded"
	seeds = append(seeds,
		apiSeed{"duplicated-query", http.MethodGet, "Action=StartEdgeTranscodeJob&Action=StartEdgeTranscodeJob&JobId=1&JobId=2", "", nil},
		apiSeed{"duplicated-query-form", http.MethodPost, "JobId=1", "Content-Type: " + form, []byte("JobId=2")},
		apiSeed{"invalid-utf8", http.MethodGet, "Action=StartEdgeTranscodeJob&Version=2016-11-01&AccessKeyId=%ff%fe&JobId=\xff\xc3", "", nil},
		apiSeed{"invalid-utf8-xml", http.MethodPost, "Format=XML", "Content-Type: " + form, []byte("Action=%C3%28&ClusterId=\xe2\x28\xa1")},
		apiSeed{"bad-escapes", http.MethodGet, "Action=%zz&Version=%", "", nil},
		apiSeed{"empty-name", http.MethodGet, "=1&&=", "", nil},
		apiSeed{"long-value", http.MethodGet, "Action=StartEdgeTranscodeJob&Version=2016-11-01&AccessKeyId=" + strings.Repeat("k", 8<<10), "", nil},
		apiSeed{"oversized-body", http.MethodPost, "", "Content-Type: " + form, []byte("JobId=" + strings.Repeat("j", 5<<10))},
		apiSeed{"v3-garbage-auth", http.MethodGet, "", "Authorization: ACS3-HMAC-SHA256 Credential=,SignedHeaders=;;,Signature=zz\nx-acs-action: StartEdgeTranscodeJob\nx-acs-version: 2016-11-01", nil},
		apiSeed{"put", http.MethodPut, "Action=StartEdgeTranscodeJob", "", nil},
		apiSeed{"xml-injection", http.MethodGet, "Format=XML&Action=<x>]]>&Version=%26amp;", "", nil},
	)
	return seeds
}

// TestWriteFuzzSeeds writes the seed corpus of FuzzAPIHandler (and checks it is committed).
func TestWriteFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzAPIHandler")
	write := os.Getenv("EDGECONFORM_WRITE_SEEDS") == "1"
	for _, s := range apiSeeds(t) {
		data := fmt.Sprintf("go test fuzz v1\nstring(%q)\nstring(%q)\nstring(%q)\n[]byte(%q)\n", s.method, s.query, s.header, s.body)
		path := filepath.Join(dir, "seed-"+s.name)
		if write {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("seed %s is not in the corpus: %v (EDGECONFORM_WRITE_SEEDS=1 writes it)", s.name, err)
		}
	}
	// The signed seeds reach the end of the pipeline: each wire variant starts the job.
	for _, s := range apiSeeds(t)[:8] {
		req, _ := http.NewRequest(s.method, "http://127.0.0.1/?"+s.query, bytes.NewReader(s.body))
		req.Header = parseHeader(s.header)
		req.Host = req.Header.Get("Host")
		srv, err := New(fuzzWorld(), WithClock(fuzzClock))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		srv.API().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("seed %s: %d %s, want 200", s.name, rec.Code, rec.Body)
		}
	}
}

// The provider-state endpoint, whatever it is sent: no panic, a JSON object answer, a status of
// its protocol (200 set up or torn down, 400 bad change, 405 not POST, 413 too large, 501
// unsupported state); a 200 setup answers the values a case needs.
func FuzzAdminHandler(f *testing.F) {
	f.Add("POST", []byte(`{"state":"a stopped job exists","params":{},"action":"setup"}`))
	f.Add("POST", []byte(`{"state":"a fresh account","action":""}`))
	f.Add("POST", []byte(`{"state":"a stopped job exists","params":{"AccessKeyId":["x"],"AccessKeyId2":7},"action":"teardown"}`))
	f.Add("POST", []byte(`{"state":"\xff\xfe","action":"setup"}`))
	f.Add("GET", []byte(``))
	f.Add("POST", []byte(`{"state":"a stopped job exists","state":"no such job exists"}`))
	srv, err := New(fuzzWorld(), WithClock(fuzzClock), WithMaxAccounts(64))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1/", bytes.NewReader(body))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		srv.Admin().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusNotImplemented:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var v map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Header().Get("Content-Type") != ContentTypeJSON {
			t.Fatalf("answer %d is not a JSON object of strings (%v): %q", rec.Code, err, rec.Body)
		}
		var change stateRequest
		isSetup := json.Unmarshal(body, &change) == nil && (change.Action == "" || change.Action == "setup")
		if rec.Code == http.StatusOK && isSetup {
			for _, k := range []string{"AccessKeyId", "AccessKeySecret", "ClusterId", "JobId"} {
				if v[k] == "" {
					t.Fatalf("setup of %q answered without %s: %v", change.State, k, v)
				}
			}
		}
		if live := srv.store.live(); live > 64 {
			t.Fatalf("%d setup accounts alive, bound 64", live)
		}
	})
}

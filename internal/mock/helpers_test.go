package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Identifiers of fixtures/world.yaml used by the tests.
var (
	refKey      = protocol.Credentials{AccessKeyID: "LTAI5tRefAdmin000000001", AccessKeySecret: "RefSecretAdmin00000000000000001"}
	readOnlyKey = protocol.Credentials{AccessKeyID: "LTAI5tRefReadOnly000001", AccessKeySecret: "RefSecretReadOnly0000000000001"}
	busyKey     = protocol.Credentials{AccessKeyID: "LTAI5tRefBusy0000000001", AccessKeySecret: "RefSecretBusy00000000000000001"}
	noQuotaKey  = protocol.Credentials{AccessKeyID: "LTAI5tRefNoQuota0000001", AccessKeySecret: "RefSecretNoQuota0000000000001"}
	throttleKey = protocol.Credentials{AccessKeyID: "LTAI5tRefThrottle000001", AccessKeySecret: "RefSecretThrottle00000000000001"}
	throttleKy2 = protocol.Credentials{AccessKeyID: "LTAI5tRefThrottle000002", AccessKeySecret: "RefSecretThrottle00000000000002"}
)

const (
	refCluster   = "c0a8013b-4d18-395c-8106-ff21a6000001"
	refCluster2  = "c0a8013b-4d18-395c-8106-ff21a6000002"
	stoppedJob   = "5f0e20b48fb04483915d4f2cd8ac0001"
	runningJob   = "5f0e20b48fb04483915d4f2cd8ac0002"
	faultyJob    = "5f0e20b48fb04483915d4f2cd8ac0003"
	stoppedJob2  = "5f0e20b48fb04483915d4f2cd8ac0004"
	otherCluJob  = "5f0e20b48fb04483915d4f2cd8ac0005"
	busyCluster  = "c0a8013b-4d18-395c-8106-ff21a6000003"
	busyJob      = "5f0e20b48fb04483915d4f2cd8ac0008"
	quotaCluster = "c0a8013b-4d18-395c-8106-ff21a6000004"
	quotaJob     = "5f0e20b48fb04483915d4f2cd8ac0009"
	thrCluster   = "c0a8013b-4d18-395c-8106-ff21a6000100"
	thrJob       = "5f0e20b48fb04483915d4f2cd8ac0200"
)

var (
	requestIDPattern = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	rateHeaderRe     = regexp.MustCompile(`^Limit:(\d+),Remain:(\d+),TimeLeft:(\d+),Reset:(\d+)$`)
)

// fakeClock is the injected clock: tests move time, never sleep.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a server under test on a loopback httptest server with a fake clock.
type env struct {
	t         *testing.T
	srv       *Server
	ts        *httptest.Server
	clock     *fakeClock
	defective bool // answers are not expected to conform
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	clock := newClock()
	srv, err := New(nil, append([]Option{WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.API())
	// Any panic or protocol error of net/http while serving fails the test.
	var serverLog syncBuffer
	ts.Config.ErrorLog = log.New(&serverLog, "", 0)
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		if s := serverLog.String(); s != "" {
			t.Errorf("the HTTP server logged:\n%s", s)
		}
	})
	return &env{t: t, srv: srv, ts: ts, clock: clock}
}

// result is an answer, parsed.
type result struct {
	status                                      int
	header                                      http.Header
	body                                        []byte
	requestID, hostID, code, message, recommend string
	jobID                                       string
	hasRequestID                                bool
}

// start is a call of the API to start jobID in clusterID; empty ids are left out.
func start(clusterID, jobID string) protocol.Call {
	p := url.Values{}
	if clusterID != "" {
		p.Set("ClusterId", clusterID)
	}
	if jobID != "" {
		p.Set("JobId", jobID)
	}
	return protocol.Call{Params: p}
}

// do signs call with creds at the fake clock's time, sends it and checks the answer against the
// spec (unless the env is defective or the code is the transport's).
func (e *env) do(creds protocol.Credentials, call protocol.Call) *result {
	e.t.Helper()
	if call.Action == "" {
		call.Action = spec.Default().Action()
	}
	if call.Version == "" {
		call.Version = spec.Default().Version()
	}
	if call.Time.IsZero() {
		call.Time = e.clock.Now()
	}
	req, err := protocol.NewRequest(context.Background(), e.ts.URL, creds, call)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *result {
	e.t.Helper()
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		e.t.Fatal(err)
	}
	r := parse(e.t, resp.StatusCode, resp.Header, body)
	if !e.defective && r.code != codeTooLarge && r.code != codeMalformed {
		if err := specfacts.ValidateResponse(context.Background(), spec.Default(), req, r.status, r.header, r.body); err != nil {
			e.t.Errorf("answer does not conform: %v\n%s", err, body)
		}
		checkRequestID(e.t, r)
		checkContentType(e.t, r)
		if ec, ok := spec.Default().Error(r.code); ok && !specfacts.MatchesMessage(ec, r.message) {
			e.t.Errorf("%s message %q does not match template %q", r.code, r.message, ec.Template)
		}
	}
	return r
}

func parse(t *testing.T, status int, h http.Header, body []byte) *result {
	t.Helper()
	r := &result{status: status, header: h, body: body}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		return r // the ServerErrorOn* defects' bare page: nothing to parse, the status tells
	}
	var v struct {
		RequestID *string `json:"RequestId" xml:"RequestId"`
		HostID    string  `json:"HostId" xml:"HostId"`
		Code      string  `json:"Code" xml:"Code"`
		Message   string  `json:"Message" xml:"Message"`
		Recommend string  `json:"Recommend" xml:"Recommend"`
		JobID     string  `json:"JobId" xml:"JobId"`
	}
	var err error
	if bytes.HasPrefix(body, []byte("<?xml")) {
		err = xml.Unmarshal(body, &v)
	} else {
		err = json.Unmarshal(body, &v)
	}
	if err != nil {
		t.Fatalf("answer %d is neither JSON nor XML: %v\n%s", status, err, body)
	}
	if v.RequestID != nil {
		r.requestID, r.hasRequestID = *v.RequestID, true
	}
	r.hostID, r.code, r.message, r.recommend, r.jobID = v.HostID, v.Code, v.Message, v.Recommend, v.JobID
	return r
}

func checkRequestID(t *testing.T, r *result) {
	t.Helper()
	if !requestIDPattern.MatchString(r.requestID) {
		t.Errorf("RequestId %q is not an upper-case UUID", r.requestID)
	}
}

func checkContentType(t *testing.T, r *result) {
	t.Helper()
	want := ContentTypeJSON
	if bytes.HasPrefix(r.body, []byte("<?xml")) {
		want = ContentTypeXML
	}
	if got := r.header.Get("Content-Type"); got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
}

// expect checks status and code ("" for success).
func (r *result) expect(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status || r.code != code {
		t.Errorf("got %d %q, want %d %q: %s", r.status, r.code, status, code, r.body)
	}
}

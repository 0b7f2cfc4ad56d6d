package loadrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fakeService verifies each call's signature and answers 200, or Throttling.User for the
// account named throttled; a bad signature gets SignatureDoesNotMatch.
func fakeService(t *testing.T, accounts []attack.Account, throttled string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	secrets := map[string]string{}
	for _, a := range accounts {
		secrets[a.Credentials.AccessKeyID] = a.Credentials.AccessKeySecret
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		in, err := wire.ParseRequest(r, 1<<16)
		switch {
		case err != nil || !in.Verify(secrets[in.AccessKeyID]):
			w.WriteHeader(400)
			w.Write([]byte(`{"RequestId":"X","Code":"SignatureDoesNotMatch","Message":"no"}`))
		case in.AccessKeyID == throttled:
			w.WriteHeader(400)
			w.Write([]byte(`{"RequestId":"X","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`))
		default:
			w.Write([]byte(`{"JobId":"` + in.Params().Get("JobId") + `","RequestId":"X"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRunCountsEveryCallAndSavesRedactedResults(t *testing.T) {
	accounts := testAccounts(3)
	srv, served := fakeService(t, accounts, accounts[2].Credentials.AccessKeyID)
	var saved bytes.Buffer
	var progress []Progress
	s, err := Run(context.Background(), RunOptions{
		Target: srv.URL, Accounts: accounts, Rate: 400, Duration: 300 * time.Millisecond,
		Results: &saved, Name: "shard 0/1",
		Progress: func(p Progress) { progress = append(progress, p) }, ProgressEvery: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Counts()
	if c.Requests == 0 || int64(c.Requests) != served.Load() {
		t.Fatalf("summary counts %d requests, the server saw %d", c.Requests, served.Load())
	}
	if c.Failed != 0 {
		t.Errorf("%d failed calls (bad signatures?)", c.Failed)
	}
	r := s.Report()
	if len(r.Accounts) != 3 {
		t.Fatalf("accounts %+v, want 3", r.Accounts)
	}
	for _, a := range r.Accounts {
		wantThrottled := a.Name == accounts[2].Credentials.AccessKeyID
		if got := a.Throttled == a.Requests; got != wantThrottled || a.Requests == 0 {
			t.Errorf("account %s: %+v (throttled: %v)", a.Name, a.Counts, wantThrottled)
		}
	}
	if c.Throttled+c.OK != c.Requests || c.Throttled == 0 {
		t.Errorf("counts %+v", c)
	}
	if len(progress) == 0 || !progress[len(progress)-1].Done || progress[len(progress)-1].Requests != c.Requests {
		t.Errorf("progress calls: %+v", progress)
	}
	if bytes.Contains(saved.Bytes(), []byte("Signature")) || bytes.Contains(saved.Bytes(), []byte("secret-0")) {
		t.Error("saved results carry a Signature or a secret")
	}

	// The saved results merge back into the same counts.
	m := NewSummary(nil)
	n, err := Merge(m, &saved)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(n) != c.Requests || m.Counts() != c {
		t.Errorf("merged %d results, counts %+v; want %+v", n, m.Counts(), c)
	}
	if got := m.Report().Shards; len(got) != 1 || got[0] != "shard 0/1" {
		t.Errorf("shards %v", got)
	}
	var text strings.Builder
	if err := WriteText(&text, m.Report()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Requests", "Throttling.User:", "Latencies", "Verdict: pass"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	accounts := testAccounts(1)
	srv, _ := fakeService(t, accounts, "")
	ctx, cancel := context.WithCancel(context.Background())
	var s *Summary
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err = Run(ctx, RunOptions{Target: srv.URL, Accounts: accounts, Rate: 100, Duration: time.Hour,
			Progress: func(p Progress) {
				if p.Requests >= 3 {
					cancel()
				}
			}, ProgressEvery: 10 * time.Millisecond})
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop when its context was cancelled")
	}
	if err != nil || s.Counts().Requests < 3 {
		t.Fatalf("err %v, counts %+v", err, s.Counts())
	}
}

func TestRunUnreachableTargetIsDataNotAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, err := Run(context.Background(), RunOptions{Target: url, Accounts: testAccounts(1), Rate: 50, Duration: 100 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Counts(); c.Requests == 0 || c.Failed != c.Requests {
		t.Fatalf("counts %+v, want every call failed", c)
	}
	r := s.Report()
	if codes := r.Codes; codes[CodeTransport] == 0 {
		t.Errorf("codes %v, want %s", codes, CodeTransport)
	}
	if len(r.Errors) == 0 {
		t.Fatal("no transport error reported")
	}
	for _, e := range r.Errors {
		if strings.Contains(e.Error, "Signature") || strings.Contains(e.Error, "AccessKeyId=") {
			t.Errorf("reported error carries the query: %s", e.Error)
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]RunOptions{
		"no duration":   {Target: "http://127.0.0.1:1/", Accounts: testAccounts(1), Rate: 1},
		"negative rate": {Target: "http://127.0.0.1:1/", Accounts: testAccounts(1), Rate: -1, Duration: time.Second},
		"no accounts":   {Target: "http://127.0.0.1:1/", Rate: 1, Duration: time.Second},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkResultHandling is what Run does with each result: classify, add to the summary
// (HDR histogram, breakdowns), and, with "save", redact and encode it in vegeta's format.
func BenchmarkResultHandling(b *testing.B) {
	body := []byte(`{"RequestId":"5C8A4F2E-1B7D-4E3A-9C6F-0A1B2C3D4E5F","HostId":"live.aliyuncs.com","Code":"OperationDenied","Message":"The job is running, please check and try again later.","Recommend":"https://api.aliyun.com/troubleshoot"}`)
	url := "http://127.0.0.1:8080/?AccessKeyId=LTAIload01&Action=StartEdgeTranscodeJob&Signature=abc%3D&Timestamp=2026-11-26T23%3A54%3A14Z#LTAIload01"
	for _, save := range []bool{false, true} {
		name := "summary"
		if save {
			name = "summary+save"
		}
		b.Run(name, func(b *testing.B) {
			s := NewSummary(nil)
			enc := vegeta.NewEncoder(io.Discard)
			began := time.Now()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				r := vegeta.Result{Attack: "load", Seq: uint64(i), Code: 403, Body: body, URL: url, Method: "GET",
					Timestamp: began.Add(time.Duration(i) * time.Microsecond), Latency: time.Duration(i%5000) * time.Microsecond}
				s.Add(&r)
				if save {
					Redact(&r)
					if err := enc.Encode(&r); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// testAccounts are k accounts of made-up credentials, one job each.
func testAccounts(k int) []attack.Account {
	out := make([]attack.Account, k)
	for i := range out {
		out[i] = attack.Account{
			Credentials: protocol.Credentials{AccessKeyID: fmt.Sprintf("LTAIload%02d", i), AccessKeySecret: fmt.Sprintf("secret-%02d", i)},
			ClusterID:   fmt.Sprintf("cluster-%d", i),
			JobID:       fmt.Sprintf("job-%d", i),
		}
	}
	return out
}

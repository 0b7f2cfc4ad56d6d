package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func batchSetup(tb testing.TB, client *http.Client, url, state string, count any) (int, []map[string]string, string) {
	tb.Helper()
	b, _ := json.Marshal(map[string]any{"state": state, "params": map[string]any{"count": count}, "action": "setup"})
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v struct{ Batch []map[string]string }
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &v); err != nil {
			tb.Fatalf("batch answer is not {\"batch\": [...]}: %v: %s", err, body)
		}
	}
	return resp.StatusCode, v.Batch, string(body)
}

// A batch setup is N independent setups: N distinct accounts, each arranged as the state says.
func TestAdminBatchSetup(t *testing.T) {
	e := newEnv(t)
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	status, vs, body := batchSetup(t, admin.Client(), admin.URL, spec.StateStoppedJob, "5")
	if status != http.StatusOK || len(vs) != 5 {
		t.Fatalf("count 5: %d, %d values: %s", status, len(vs), body)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v["AccessKeyId"]] || seen[v["JobId"]] {
			t.Errorf("batch entries share identifiers: %v", v["AccessKeyId"])
		}
		seen[v["AccessKeyId"]], seen[v["JobId"]] = true, true
		call := start(v["ClusterId"], v["JobId"])
		creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
		e.do(creds, call).expect(t, http.StatusOK, "")
	}
	// A number works as well as a string; a running job per entry.
	status, vs, body = batchSetup(t, admin.Client(), admin.URL, spec.StateRunningJob, 2)
	if status != http.StatusOK || len(vs) != 2 {
		t.Fatalf("count 2: %d, %d values: %s", status, len(vs), body)
	}
	e.do(protocol.Credentials{AccessKeyID: vs[1]["AccessKeyId"], AccessKeySecret: vs[1]["AccessKeySecret"]},
		start(vs[1]["ClusterId"], vs[1]["JobId"])).expect(t, http.StatusForbidden, "OperationDenied")
	for _, bad := range []any{"0", "x", 1.5, strconv.Itoa(MaxBatch + 1), true} {
		if status, _, body := batchSetup(t, admin.Client(), admin.URL, spec.StateStoppedJob, bad); status != http.StatusBadRequest {
			t.Errorf("count %v: %d %s, want 400", bad, status, body)
		}
	}
	// Without count: Pact's single object, as before.
	if v := setup(t, admin, spec.StateStoppedJob); v["JobId"] == "" {
		t.Errorf("single setup: %v", v)
	}
}

// BenchmarkAdminStarts measures how many "a stopped job exists" setups per second the provider-state
// endpoint serves over loopback HTTP in batches of 100, from 4 concurrent clients: what a load run's
// start path needs (1,000/s or more).
func BenchmarkAdminStarts(b *testing.B) {
	srv, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	admin := httptest.NewServer(srv.Admin())
	defer admin.Close()
	const batch, clients = 100, 4
	rounds := max(1, b.N/batch)
	b.ResetTimer()
	began := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := c; r < rounds; r += clients {
				status, vs, body := batchSetup(b, admin.Client(), admin.URL, spec.StateStoppedJob, batch)
				if status != http.StatusOK {
					b.Errorf("%d %s", status, body)
					return
				}
				mu.Lock()
				got += len(vs)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(got)/time.Since(began).Seconds(), "starts/s")
	b.ReportMetric(0, "ns/op")
}

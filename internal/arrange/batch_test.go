package arrange_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/edgeconform/edgeconform/internal/arrange"
)

// stateServer answers setups with numbered values; batch says whether it knows params.count.
func stateServer(t *testing.T, batch bool) (*httptest.Server, *atomic.Int64) {
	var calls, serial atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var c struct {
			Params map[string]string `json:"params"`
		}
		json.NewDecoder(r.Body).Decode(&c)
		one := func() map[string]string {
			return map[string]string{"JobId": "j" + strconv.FormatInt(serial.Add(1), 10)}
		}
		if n, err := strconv.Atoi(c.Params["count"]); batch && err == nil {
			out := make([]map[string]string, n)
			for i := range out {
				out[i] = one()
			}
			json.NewEncoder(w).Encode(map[string]any{"batch": out})
			return
		}
		json.NewEncoder(w).Encode(one())
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestSetupManyBatchesWhereTheEndpointCan(t *testing.T) {
	srv, calls := stateServer(t, true)
	vs, err := arrange.SetupMany(context.Background(), arrange.NewEndpoint(srv.URL), "s", 300)
	if err != nil || len(vs) != 300 {
		t.Fatalf("%d values, %v", len(vs), err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls for a batch of 300, want 1", calls.Load())
	}
}

// An endpoint of Pact's protocol only (no batch form) still serves: one by one, and distinct.
func TestSetupManyFallsBackToSingleSetups(t *testing.T) {
	srv, calls := stateServer(t, false)
	e := arrange.NewEndpoint(srv.URL)
	for round := range 2 {
		vs, err := arrange.SetupMany(context.Background(), e, "s", 20)
		if err != nil || len(vs) != 20 {
			t.Fatalf("round %d: %d values, %v", round, len(vs), err)
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if seen[v["JobId"]] {
				t.Fatalf("round %d: %s twice", round, v["JobId"])
			}
			seen[v["JobId"]] = true
		}
	}
	// Round 1: the batch attempt (answered singly) + 19; round 2: 20 singles, no batch attempt.
	if got := calls.Load(); got != 40 {
		t.Errorf("%d calls, want 40", got)
	}
}

func TestProfileBatchRunsOut(t *testing.T) {
	p, err := arrange.ParseProfile("p", []byte(`states:
  "a stopped job exists":
    - {AccessKeyId: a, AccessKeySecret: s, ClusterId: c, JobId: j1}
    - {AccessKeyId: a, AccessKeySecret: s, ClusterId: c, JobId: j2}
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	vs, err := arrange.SetupMany(context.Background(), p, "a stopped job exists", 5)
	if err != nil || len(vs) != 2 {
		t.Fatalf("%d values, %v; want the 2 listed", len(vs), err)
	}
	if _, err := arrange.SetupMany(context.Background(), p, "a stopped job exists", 5); err == nil {
		t.Error("a used-up profile gave more")
	}
}

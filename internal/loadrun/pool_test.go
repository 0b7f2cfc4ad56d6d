package loadrun

import (
	"context"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// instantStates hands out the same identifiers at once for every state a mix uses: the pools'
// bookkeeping, not a state endpoint, is under test.
func instantStates() arrange.Map {
	v := states.Values{arrange.AccessKeyID: "AKID", arrange.AccessKeySecret: "secret", arrange.ClusterID: "c", arrange.JobID: "j"}
	m := arrange.Map{}
	for _, p := range []Path{PathStart, PathNotFound, PathDenied, PathMissingParam} {
		m[p.State()] = v
	}
	return m
}

// settle waits until no pool has a batch to fetch or in flight: the fillers have caught up, as
// they do between two calls when the state endpoint is fast.
func settle(t *testing.T, p *Pools) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		idle := true
		for _, pl := range p.pools {
			pl.mu.Lock()
			if pl.inflight > 0 || pl.missing() >= pl.refillAt() {
				idle = false
			}
			pl.mu.Unlock()
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the pools did not settle in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// The shard recipe of docs/load.md (start=80,denied=20, shard 1/3 of 900/s): the start path sets
// up one identifier per call, so the denied path's reusable identifiers age quickly (they retire
// after Retire/3 newer set-ups). They must be replaced before they retire, however fast the
// filler is: a pool whose every identifier retired at once ran dry for a call (issue 23). The
// fillers are allowed to catch up after every 10 calls, so what is checked is the bookkeeping,
// not the timing.
func TestReusablePoolRefreshedBeforeRetirement(t *testing.T) {
	m, err := ParseMix("start=80,denied=20")
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := ParseShard("1/3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rate := sh.Split(900)
	pools, err := NewPools(ctx, PoolOptions{Target: "http://127.0.0.1:1", Mix: m, States: instantStates(), Rate: rate,
		Shard: sh, RateLimit: spec.Default().RateLimit(), NoTeardown: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pools.Close()
	if err := pools.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	settle(t, pools)
	tr := pools.Targeter()
	var tgt vegeta.Target
	const calls = 300 * 15 // the recipe's 15 s
	for i := range calls {
		if err := tr(&tgt); err != nil {
			t.Fatal(err)
		}
		if tgt.Method == dryMethod {
			t.Fatalf("call %d of %d: %s ran dry (stats %+v)", i, calls, tgt.URL, pools.Stats())
		}
		if i%10 == 9 {
			settle(t, pools)
		}
	}
	st := pools.Stats()[PathDenied]
	if st.Retired == 0 {
		t.Errorf("no denied identifier retired over %d calls: the test does not reach the retirement (stats %+v)", calls, st)
	}
}

package loadrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/statestest"

	"github.com/edgeconform/edgeconform/internal/arrange"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// TestShardsMerge runs three shards at once against the reference implementation on loopback,
// each with its own accounts and a third of the rate, and checks that merging their saved
// results gives exactly the sum of their counts.
func TestShardsMerge(t *testing.T) {
	ctx := context.Background()
	ref, err := mock.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	arr := states.NewEndpoint(ref.AdminURL)

	const n, rate, k = 3, 240, 6
	var (
		wg       sync.WaitGroup
		files    [n]bytes.Buffer
		sums     [n]Counts
		errs     [n]error
		accounts [n][]attack.Account
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh := Shard{Index: i, Count: n}
			accs, teardown, _, err := SetupAccounts(ctx, arr, k, sh)
			if err != nil {
				errs[i] = err
				return
			}
			defer teardown(ctx)
			accounts[i] = accs
			s, err := Run(ctx, RunOptions{Target: ref.APIURL, Accounts: accs, Rate: sh.Split(rate),
				Duration: 250 * time.Millisecond, Results: &files[i], Name: "shard " + sh.String()})
			if err != nil {
				errs[i] = err
				return
			}
			sums[i] = s.Counts()
		}()
	}
	wg.Wait()
	var want Counts
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("shard %d: %v", i, errs[i])
		}
		if got := len(accounts[i]); got != 2 {
			t.Errorf("shard %d: %d accounts, want 2", i, got)
		}
		if sums[i].Requests == 0 || sums[i].Failed != 0 {
			t.Errorf("shard %d: counts %+v, want requests and no failures", i, sums[i])
		}
		want.Requests += sums[i].Requests
		want.OK += sums[i].OK
		want.Refused += sums[i].Refused
		want.Throttled += sums[i].Throttled
		want.Failed += sums[i].Failed
	}

	merged := NewSummary(nil)
	for i := range n {
		if _, err := Merge(merged, &files[i]); err != nil {
			t.Fatalf("merge shard %d: %v", i, err)
		}
	}
	if got := merged.Counts(); got != want {
		t.Errorf("merged counts %+v, want the sum %+v", got, want)
	}
	r := merged.Report()
	if got := len(r.Shards); got != n {
		t.Errorf("merged report names %d shards (%v), want %d", got, r.Shards, n)
	}
	if got := len(r.Accounts); got != n*2 {
		t.Errorf("merged report has %d accounts, want %d", got, n*2)
	}
	// Each fresh account's job starts once (200), then is running (OperationDenied).
	if r.OK != uint64(n*2) {
		t.Errorf("%d successful starts, want one per account (%d)", r.OK, n*2)
	}
	var total uint64
	for _, c := range r.Status {
		total += c
	}
	if total != want.Requests {
		t.Errorf("status breakdown sums to %d, want %d", total, want.Requests)
	}
	if r.Latency.P99 <= 0 || r.Latency.Max < r.Latency.P99 {
		t.Errorf("latency %+v", r.Latency)
	}
}

func TestShardSplit(t *testing.T) {
	for _, tc := range []struct{ total, n int }{{10, 3}, {2, 3}, {0, 2}, {7, 1}, {100, 7}} {
		sum := 0
		for i := range tc.n {
			sum += Shard{i, tc.n}.Split(tc.total)
		}
		if sum != tc.total {
			t.Errorf("Split(%d) over %d shards sums to %d", tc.total, tc.n, sum)
		}
	}
	for _, s := range []string{"0/3", "2/3", " 1 / 2 "} {
		if _, err := ParseShard(s); err != nil {
			t.Errorf("ParseShard(%q): %v", s, err)
		}
	}
	for _, s := range []string{"3/3", "-1/3", "1", "a/b", "0/0", ""} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q): no error", s)
		}
	}
}

func TestSetupAccountsEndpointSetsUpOwnShare(t *testing.T) {
	arr := &statestest.Counting{}
	accs, teardown, short, err := SetupAccounts(context.Background(), arr, 5, Shard{1, 2})
	if err != nil || short {
		t.Fatal(err, short)
	}
	if len(accs) != 2 || arr.Setups != 2 {
		t.Errorf("endpoint mode: %d accounts from %d setups, want 2 and 2", len(accs), arr.Setups)
	}
	if err := teardown(context.Background()); err != nil || arr.Teardowns != 2 {
		t.Errorf("teardown: %v, %d", err, arr.Teardowns)
	}
}

func TestSetupAccountsProfileSplitsSharedEntries(t *testing.T) {
	var y strings.Builder
	y.WriteString("states:\n  \"a fresh account\":\n")
	for j := range 5 {
		fmt.Fprintf(&y, "    - {AccessKeyId: K%d, AccessKeySecret: S%d, ClusterId: C, JobId: J}\n", j, j)
	}
	seen := map[string]int{}
	for i := range 2 {
		p, err := arrange.ParseProfile("test", []byte(y.String()), nil)
		if err != nil {
			t.Fatal(err)
		}
		accs, _, short, err := SetupAccounts(context.Background(), p, 5, Shard{i, 2})
		if err != nil || short {
			t.Fatal(err, short)
		}
		for _, a := range accs {
			seen[a.Credentials.AccessKeyID]++
		}
	}
	if len(seen) != 5 {
		t.Errorf("the two shards used %v, want each of the 5 entries once", seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s used by %d shards", k, n)
		}
	}
	// Asking for more than the profile lists: what there is, marked short.
	p, _ := arrange.ParseProfile("test", []byte(y.String()), nil)
	accs, _, short, err := SetupAccounts(context.Background(), p, 8, Shard{})
	if err != nil || !short || len(accs) != 5 {
		t.Errorf("k beyond the profile: %d accounts, short %v, err %v", len(accs), short, err)
	}
}

func TestSetupAccountsUnsupported(t *testing.T) {
	_, _, _, err := SetupAccounts(context.Background(), arrange.Map{}, 2, Shard{})
	if !errors.Is(err, states.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestAccountsFor(t *testing.T) {
	limit := spec.RateLimit{Calls: 6000, Window: time.Minute}
	for _, tc := range []struct {
		rate     int
		duration time.Duration
		want     int
	}{
		{100, 10 * time.Second, 1},   // 1000 calls, budget 3000 each
		{1000, 30 * time.Second, 10}, // 30000 calls
		{1000, 10 * time.Minute, 20}, // one window's worth: 60000
		{0, 10 * time.Second, 67},    // max rate assumed 20000/s: 200000 calls
	} {
		if got := AccountsFor(tc.rate, tc.duration, limit, 20000); got != tc.want {
			t.Errorf("AccountsFor(%d, %v) = %d, want %d", tc.rate, tc.duration, got, tc.want)
		}
	}
}

package loadrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Shard is one of Count processes sharing a load run: Index is 0-based, as Kubernetes'
// JOB_COMPLETION_INDEX. The zero value (and 0/1) is the whole run.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/3 (i is 0-based, as JOB_COMPLETION_INDEX)", s)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want 0 <= i < n", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) count() int {
	if s.Count < 1 {
		return 1
	}
	return s.Count
}

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.count()) }

// Split returns this shard's part of total (rate or accounts): total/n, the remainder going to
// the lowest indices, so the parts sum to total.
func (s Shard) Split(total int) int {
	n := s.count()
	part := total / n
	if s.Index < total%n {
		part++
	}
	return part
}

// Owns reports whether the j-th of a list shared by all shards is this shard's.
func (s Shard) Owns(j int) bool { return j%s.count() == s.Index }

// AccountsFor returns how many accounts keep a run at rate calls per second over duration under
// the limit: each account gets at most half its budget per window, so the throttle does not
// decide the results. Rate 0 (as fast as possible) assumes maxRate.
func AccountsFor(rate int, duration time.Duration, limit spec.RateLimit, maxRate int) int {
	if rate <= 0 {
		rate = maxRate
	}
	if limit.Calls <= 0 || limit.Window <= 0 {
		return 1
	}
	span := min(duration, limit.Window)
	calls := float64(rate) * span.Seconds()
	k := int(math.Ceil(calls / (float64(limit.Calls) / 2)))
	return max(k, 1)
}

// SetupAccounts arranges k accounts with the "a fresh account" state (spec.StateFreshAccount)
// for shard sh and returns them with a function that tears them down. A profile (fixture mode)
// hands the same entries to every process, so each shard sets up all k there and keeps those it
// owns; an endpoint creates new accounts on every call, so each shard sets up only its own.
//
// When the arranger runs out after at least one account (a profile with few entries), the
// accounts gathered are returned with a nil error and short is true.
func SetupAccounts(ctx context.Context, arr states.Arranger, k int, sh Shard) (accounts []attack.Account, teardown func(context.Context) error, short bool, err error) {
	var setUp []states.Values
	teardown = func(ctx context.Context) error {
		var errs []error
		for _, v := range setUp {
			if err := arr.Teardown(ctx, spec.StateFreshAccount, v); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	shared := arrange.IsProfile(arr)
	want := sh.Split(k)
	if shared {
		want = k
	}
	for j := 0; j < want; j++ {
		v, err := arr.Setup(ctx, spec.StateFreshAccount)
		if err != nil {
			if len(accounts) > 0 && (errors.Is(err, states.ErrUnsupported) || errors.Is(err, arrange.ErrUsedUp)) {
				return accounts, teardown, true, nil
			}
			teardown(ctx)
			return nil, nil, false, fmt.Errorf("load: set up %q (account %d of %d): %w", spec.StateFreshAccount, j+1, want, err)
		}
		setUp = append(setUp, v)
		if shared && !sh.Owns(j) {
			continue
		}
		if err := arrange.Require(v, arrange.AccessKeyID, arrange.AccessKeySecret, arrange.ClusterID, arrange.JobID); err != nil {
			teardown(ctx)
			return nil, nil, false, fmt.Errorf("load: %q: %w", spec.StateFreshAccount, err)
		}
		accounts = append(accounts, attack.Account{
			Credentials: protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]},
			ClusterID:   v[arrange.ClusterID],
			JobID:       v[arrange.JobID],
		})
	}
	if len(accounts) == 0 {
		teardown(ctx)
		return nil, nil, false, fmt.Errorf("load: shard %s has no account of %d to use", sh, k)
	}
	return accounts, teardown, false, nil
}

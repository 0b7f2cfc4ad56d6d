package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/internal/throttle"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// startRedis runs redis-server on a free loopback port, without persistence, and stops it by its
// PID when the test ends. It skips the test when redis-server is not installed.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on the PATH (apt-get install redis-server): go-redis/redis_rate not tested")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(pid, syscall.SIGKILL)
			<-done
		}
	})
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), PoolSize: 64})
	t.Cleanup(func() { rdb.Close() })
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return rdb
		}
		if i == 50 {
			t.Fatalf("redis-server (pid %d) did not answer on port %d: %v\n%s", pid, port, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// redisGCRA is go-redis/redis_rate behind ratelimit.Limiter: N per W with a burst of N, decided by
// Redis's Lua script on Redis's clock (now is not used). A Redis error is kept and throttles.
type redisGCRA struct {
	l      *redis_rate.Limiter
	limit  redis_rate.Limit
	prefix string
	err    atomic.Pointer[error]
}

func (r *redisGCRA) Allow(key string, _ time.Time) ratelimit.Decision {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, err := r.l.Allow(ctx, r.prefix+key, r.limit)
	if err != nil {
		r.err.CompareAndSwap(nil, &err)
		return ratelimit.Decision{Limit: r.limit.Rate, RetryAfter: time.Second}
	}
	d := ratelimit.Decision{Allowed: res.Allowed > 0, Limit: r.limit.Rate, Remaining: res.Remaining, ResetAfter: max(res.ResetAfter, 0)}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, time.Millisecond)
	}
	return d
}

// run drives the throttle scenario against the reference implementation deciding with
// redis_rate; factor scales the limit it is given (1.1: 10% too lenient).
func run(t *testing.T, rdb *redis.Client, rl spec.RateLimit, factor float64) *throttle.Report {
	t.Helper()
	var lim *redisGCRA
	newLimiter := func(calls int, w time.Duration) (ratelimit.Limiter, error) {
		lim = &redisGCRA{l: redis_rate.NewLimiter(rdb), limit: redis_rate.Limit{Rate: calls, Burst: calls, Period: w},
			prefix: fmt.Sprintf("edgeconform:%s:%d:", t.Name(), time.Now().UnixNano())}
		return lim, nil
	}
	opts := []mock.Option{mock.WithRateLimit(rl), mock.WithLimiter(newLimiter)}
	if factor != 1 {
		opts = append(opts, mock.WithDefects(mock.LimitScaled(factor)))
	}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*rl.Window+30*time.Second)
		m, err := mock.Start(ctx, opts...)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		rep, err := throttle.Run(ctx, throttle.Options{Target: m.APIURL, States: states.NewEndpoint(m.AdminURL), RateLimit: rl})
		m.Close()
		cancel()
		if p := lim.err.Load(); p != nil {
			t.Fatalf("redis_rate: %v", *p)
		}
		var b strings.Builder
		if rep != nil {
			_ = throttle.WriteText(&b, rep)
		}
		t.Logf("run %d:\n%s", attempt, b.String())
		// The scenario says when the machine was too busy to keep its plan: then again, twice.
		if errors.Is(err, throttle.ErrNoVerdict) && rep != nil && attempt < 3 {
			time.Sleep(rl.Window)
			continue
		}
		if err != nil && !errors.Is(err, throttle.ErrNoVerdict) {
			t.Fatal(err)
		}
		if rep == nil {
			t.Fatalf("no report: %v", err)
		}
		return rep
	}
}

func limit(t *testing.T) spec.RateLimit {
	if os.Getenv("THROTTLE_FULL") != "" {
		return spec.Default().RateLimit()
	}
	rl, err := spec.ParseRateLimit("100/4s")
	if err != nil {
		t.Fatal(err)
	}
	return rl
}

// TestRedisRatePasses: redis_rate at the limit passes, every check judged, the limit estimated
// within its uncertainty plus 2% (THROTTLE_FULL=1: at the spec's 6000/1m).
func TestRedisRatePasses(t *testing.T) {
	rdb := startRedis(t)
	rl := limit(t)
	rep := run(t, rdb, rl, 1)
	if rep.Verdict != verdict.Pass {
		t.Fatalf("verdict %s, want pass: %v", rep.Verdict, rep.Failed())
	}
	slack := rep.Uncertainty + max(2, 0.02*float64(rl.Calls))
	if d := rep.EstimatedLimit - float64(rl.Calls); d > slack || -d > slack {
		t.Errorf("estimated %.0f ± %.0f, want %d", rep.EstimatedLimit, rep.Uncertainty, rl.Calls)
	}
	for _, c := range rep.Checks {
		if c.Status == throttle.CheckSkipped {
			t.Errorf("check %s skipped: %s", c.Name, c.Message)
		}
	}
	t.Logf("%s: verdict %s in %.1f s, estimated %.0f ± %.0f, %s", rl, rep.Verdict, rep.DurationSec, rep.EstimatedLimit, rep.Uncertainty, rep.Algorithm)
}

// TestRedisRateTooLenient: redis_rate given 10% more than the limit fails over-admission.
func TestRedisRateTooLenient(t *testing.T) {
	rdb := startRedis(t)
	rl := limit(t)
	rep := run(t, rdb, rl, 1.1)
	if rep.Verdict != verdict.Fail {
		t.Errorf("verdict %s, want fail", rep.Verdict)
	}
	for _, c := range rep.Checks {
		if c.Name == throttle.CheckOverAdmission && c.Status != throttle.CheckFail {
			t.Errorf("over-admission %s (%s), want fail", c.Status, c.Message)
		}
	}
}

// Package attack is the vegeta attack scaffold that load runs (internal/loadrun) and the throttle
// scenario (suites/throttle) share: an attacker with the harness's bounds, an attack that stops
// with its context, a progress ticker, and the freshly signed targets (Signer, NewTargeter:
// presigned through protocol.Presign) whose URL fragment tags each result with its caller.
package attack

import (
	"context"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The attack scaffold that load runs and the throttle scenario share: an attacker with the
// harness's bounds, an attack that stops with its context, a progress ticker.

// AttackerOptions bound an attacker. Zero values take vegeta's defaults.
type AttackerOptions struct {
	Workers, MaxWorkers uint64
	Timeout             time.Duration // per request
	MaxBody             int64         // bytes of each answer kept
}

// NewAttacker returns a vegeta attacker that keeps connections alive and never follows a
// redirect: a redirect is the target's answer, and following it would send signed calls elsewhere.
func NewAttacker(o AttackerOptions) *vegeta.Attacker {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow)}
	if o.Workers > 0 {
		opts = append(opts, vegeta.Workers(o.Workers))
	}
	if o.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(o.MaxWorkers))
	}
	if o.Timeout > 0 {
		opts = append(opts, vegeta.Timeout(o.Timeout))
	}
	if o.MaxBody != 0 {
		opts = append(opts, vegeta.MaxBody(o.MaxBody))
	}
	return vegeta.NewAttacker(opts...)
}

// Attack sends tr's targets paced by p for du (0: until stopped), named name, and hands each
// result to each as it arrives; it stops early when ctx ends or each returns false, and returns
// when the attack is over (every result handed on).
func Attack(ctx context.Context, atk *vegeta.Attacker, tr vegeta.Targeter, p vegeta.Pacer, du time.Duration, name string, each func(*vegeta.Result) bool) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	for r := range atk.Attack(tr, p, du, name) {
		if !each(r) {
			atk.Stop()
		}
	}
}

// DefaultProgressEvery is how often a run reports its progress unless told otherwise.
const DefaultProgressEvery = 250 * time.Millisecond

// Ticker calls tick every every (0: DefaultProgressEvery) until the returned stop is called; stop
// returns once tick is no longer running, so a final report after it comes last. A nil tick
// does nothing.
func Ticker(every time.Duration, tick func()) (stop func()) {
	if tick == nil {
		return func() {}
	}
	if every <= 0 {
		every = DefaultProgressEvery
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tick()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

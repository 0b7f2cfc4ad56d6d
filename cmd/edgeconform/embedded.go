package main

import (
	"context"
	"fmt"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
)

// startEmbedded starts the reference implementation in-process on free loopback ports, for the
// commands that call a target when --target is absent (docs/protocol.md#the-binary). rl is the throttle it
// applies per account, as the command resolved --rate-limit (resolveRateLimit; the zero limit: the
// reference's own, the spec's). Use r.APIURL as the target and r.AdminURL as the provider-state
// URL; the mock stops when ctx is done or on r.Close().
func startEmbedded(ctx context.Context, rl spec.RateLimit, opts ...mock.Option) (*mock.Running, error) {
	if rl.Calls > 0 {
		opts = append([]mock.Option{mock.WithRateLimit(rl)}, opts...)
	}
	r, err := mock.Start(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: embedded reference implementation: %w", cli.ErrHarness, err)
	}
	return r, nil
}

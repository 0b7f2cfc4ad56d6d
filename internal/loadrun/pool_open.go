package loadrun

import (
	"context"
	"time"
)

// The pools' first fill and the freeing of their identifiers are each bounded by this.
const (
	poolWarmTimeout     = 30 * time.Second
	poolTeardownTimeout = 30 * time.Second
)

// OpenPools makes the pools of o and waits for their first fill (Warm). release stops them and,
// unless o.NoTeardown, frees every identifier they set up, even after ctx ended; a teardown error
// goes to onTeardownErr (nil: ignored, the run's figures stand without it). On an error the
// pools are already released.
func OpenPools(ctx context.Context, o PoolOptions, onTeardownErr func(error)) (p *Pools, release func(), err error) {
	pctx, stop := context.WithCancel(ctx)
	if p, err = NewPools(pctx, o); err != nil {
		stop()
		return nil, nil, err
	}
	release = func() {
		defer stop()
		p.Close()
		if o.NoTeardown {
			return
		}
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), poolTeardownTimeout)
		defer cancel()
		if err := p.Teardown(tctx); err != nil && onTeardownErr != nil {
			onTeardownErr(err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, poolWarmTimeout)
	err = p.Warm(wctx)
	cancel()
	if err != nil {
		release()
		return nil, nil, err
	}
	return p, release, nil
}

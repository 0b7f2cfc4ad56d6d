package arrange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// BatchArranger is an Arranger that can set a state up many times in one call (a Profile; SetupMany
// batches an Endpoint's setups too). A load run's pools use it to stay ahead of a high rate;
// SetupMany falls back to single setups for others.
type BatchArranger interface {
	Arranger
	// SetupBatch arranges state up to n times. It may return fewer than n (a profile running
	// out, a target that answers one at a time); an error with no values means none could be.
	SetupBatch(ctx context.Context, state string, n int) ([]Values, error)
}

// SetupMany arranges state n times with arr: in one batch where arr is a BatchArranger, else by
// up to 8 concurrent single setups. It returns what it got; the error is the first failure,
// returned only when nothing was arranged.
func SetupMany(ctx context.Context, arr Arranger, state string, n int) ([]Values, error) {
	switch b := arr.(type) {
	case *Endpoint:
		return b.setupBatch(ctx, state, n)
	case BatchArranger:
		return b.SetupBatch(ctx, state, n)
	}
	return setupConcurrently(ctx, arr, state, n)
}

func setupConcurrently(ctx context.Context, arr Arranger, state string, n int) ([]Values, error) {
	var (
		mu       sync.Mutex
		out      []Values
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for range min(n, 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				v, err := arr.Setup(ctx, state)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				out = append(out, v)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// setupBatch posts {"state", "params": {"count": "N"}, "action": "setup"}. An endpoint that knows
// the batch form answers {"batch": [values, ...]}; one that does not (Pact's protocol has no batch)
// ignores the count and answers one object: that one is kept, the rest are set up one by one
// (concurrently), and later batches go one by one from the start.
func (e *Endpoint) setupBatch(ctx context.Context, state string, n int) ([]Values, error) {
	if n <= 0 {
		return nil, nil
	}
	if e.noBatch.Load() {
		return setupConcurrently(ctx, e, state, n)
	}
	// Each entry is a few hundred bytes: the answer may be n times a single one's bound, up to 1 KiB each.
	limit := max(e.maxBody, int64(n)<<10)
	data, err := e.postRaw(ctx, change{State: state, Params: map[string]string{"count": strconv.Itoa(n)}, Action: "setup"}, limit)
	if err != nil {
		return nil, fmt.Errorf("state %q setup ×%d: %w", state, n, err)
	}
	var b struct {
		Batch *[]json.RawMessage `json:"batch"`
	}
	if json.Unmarshal(data, &b) != nil || b.Batch == nil {
		// A single answer: the endpoint does not batch.
		v, err := decodeValues(data)
		if err != nil {
			return nil, fmt.Errorf("state %q setup: %w", state, err)
		}
		e.noBatch.Store(true)
		rest, _ := setupConcurrently(ctx, e, state, n-1)
		return append([]Values{v}, rest...), nil
	}
	if len(*b.Batch) > n {
		return nil, fmt.Errorf("state %q setup ×%d: the endpoint answered %d values", state, n, len(*b.Batch))
	}
	out := make([]Values, 0, len(*b.Batch))
	for i, raw := range *b.Batch {
		v, err := decodeValues(raw)
		if err != nil {
			return nil, fmt.Errorf("state %q setup ×%d: batch[%d]: %w", state, n, i, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("state %q setup ×%d: %w", state, n, errors.New("the endpoint answered an empty batch"))
	}
	return out, nil
}

// SetupBatch hands out up to n entries; a one-shot state's list may run out, which ends the batch
// early (an error only when it gives none).
func (p *Profile) SetupBatch(ctx context.Context, state string, n int) ([]Values, error) {
	var out []Values
	for range n {
		v, err := p.Setup(ctx, state)
		if err != nil {
			if len(out) > 0 {
				return out, nil
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

package mock

import (
	"sync"
	"time"
)

// nonceStore remembers nonces for at least ttl, in two generations: a nonce is used if either
// holds it; every ttl the older generation is dropped whole. Memory is what two generations
// hold, and each is capped: a full current generation is rotated early, which shortens the
// replay window under extreme load rather than growing without bound.
type nonceStore struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int // entries per generation
	cur, old map[string]struct{}
	rotated  time.Time
}

func newNonceStore(ttl time.Duration, max int) *nonceStore {
	return &nonceStore{ttl: ttl, max: max, cur: map[string]struct{}{}, old: map[string]struct{}{}}
}

// use records nonce at now and reports whether it was fresh (not seen within ttl).
func (n *nonceStore) use(nonce string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rotated.IsZero() {
		n.rotated = now
	}
	if d := now.Sub(n.rotated); d >= 2*n.ttl {
		// Both generations are older than ttl.
		n.cur, n.old, n.rotated = map[string]struct{}{}, map[string]struct{}{}, now
	} else if d >= n.ttl || len(n.cur) >= n.max {
		n.old, n.cur, n.rotated = n.cur, make(map[string]struct{}, len(n.cur)), now
	}
	if _, ok := n.cur[nonce]; ok {
		return false
	}
	if _, ok := n.old[nonce]; ok {
		return false
	}
	n.cur[nonce] = struct{}{}
	return true
}

// size is how many nonces are held.
func (n *nonceStore) size() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.cur) + len(n.old)
}

package loadrun

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// PoolOptions configure the pools of a mixed run (NewPools).
type PoolOptions struct {
	Target    string
	Mix       *Mix // nil: DefaultMix
	States    states.Arranger
	Rate      int // calls per second the pools must keep up with (0: assumedMaxRate)
	Shard     Shard
	RateLimit spec.RateLimit // the target's throttle: a reusable identifier serves at most half its budget
	Method    string
	Signature protocol.SignatureVersion
	Format    protocol.Format
	Spec      *spec.Spec
	// Lead is how many seconds of calls each pool keeps ready (default 5s: a busy target answers
	// its state endpoint slowly too); MaxReady caps it per pool (default 3000 calls). The
	// reference implementation keeps its last 10,000 set-up accounts alive and frees older ones,
	// so an identifier must not wait behind too many newer ones: a reusable path's identifier is
	// also retired once Retire newer ones were set up (default 5000, divided among shards).
	Lead     time.Duration
	MaxReady int
	Retire   int
	// Batch is the largest setup batch (default 200).
	Batch int
	// Uses is how many calls one identifier of a reusable path serves (default 100, at most half
	// the throttle's budget).
	Uses int
	// NoTeardown: keep nothing for Teardown (the embedded reference implementation goes away with
	// its identifiers). Otherwise every identifier's values are kept until Teardown, about half a
	// kilobyte each: an hour at 1,000 starts a second holds some 2 GB.
	NoTeardown bool
}

// assumedPoolRate is what the pools prepare for when the rate is 0 (as fast as possible).
const assumedPoolRate = 5000

// Pools hold the identifiers of each path of a mix, set up ahead of the calls in batches by
// background fillers, and make the targeter that draws from them. A pool that has nothing when a
// call needs it has run dry: the call is not sent (the targeter gives vegeta a target that fails
// before the network, tagged (dry)), and the report counts it per path.
type Pools struct {
	mix    *Mix
	signer *attack.Signer
	pools  []*pool // per mix path
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	shared bool // a profile: every shard sees the same entries
	shard  Shard
	arr    states.Arranger
	calls  atomic.Uint64 // the call counter of every targeter: nonces never repeat across steps
	lead   time.Duration
	seq    atomic.Uint64 // identifiers set up so far, all paths
	keep   bool          // keep the set-up values for Teardown
	// silent gives up on a state endpoint that answers none of the first set-ups (timeouts).
	silent *giveup.Watch
}

// pool is one path's identifiers.
type pool struct {
	path     Path
	info     pathInfo
	uses     int
	batchMax int
	maxReady int

	mu       sync.Mutex
	ready    []*entry // FIFO from head
	head     int
	avail    int // calls the ready entries can serve
	inflight int // calls being set up
	want     int // calls to keep ready
	setUp    []states.Values
	seen     int // entries received (a profile's shard filter counts them)
	kick     chan struct{}

	seq    *atomic.Uint64 // the Pools' count of identifiers set up
	retire uint64         // a reusable identifier goes once this many newer ones were set up

	setups, batches, dry, retired atomic.Uint64
	exhausted                     atomic.Bool
	lastErr                       atomic.Pointer[string]
}

// entry is one identifier set, compiled for signing.
type entry struct {
	call *attack.Prepared
	left int    // calls it may still serve
	seq  uint64 // the Pools' setup count when it arrived
}

// NewPools prepares the pools and starts their fillers; Warm waits for the first fill, Close
// stops them. ctx bounds the fillers' life.
func NewPools(ctx context.Context, o PoolOptions) (*Pools, error) {
	if o.States == nil {
		return nil, errors.New("load: pools need a provider-state arranger")
	}
	m := o.Mix
	if m == nil {
		m = DefaultMix()
	}
	signer, err := attack.NewSigner(o.Target, signingOptions(o.Spec, o.Method, o.Signature, o.Format)...)
	if err != nil {
		return nil, err
	}
	uses := o.Uses
	if uses <= 0 {
		uses = 100
	}
	if o.RateLimit.Calls > 0 {
		uses = max(1, min(uses, o.RateLimit.Calls/2))
	}
	batch := o.Batch
	if batch <= 0 {
		batch = 200
	}
	batch = min(batch, 1000)
	maxReady := o.MaxReady
	if maxReady <= 0 {
		maxReady = 3000
	}
	retire := o.Retire
	if retire <= 0 {
		retire = 5000
	}
	retire = max(1, retire/o.Shard.count())
	cctx, cancel := context.WithCancel(ctx)
	shared := arrange.IsProfile(o.States)
	lead := o.Lead
	if lead <= 0 {
		lead = 5 * time.Second
	}
	p := &Pools{mix: m, signer: signer, ctx: cctx, cancel: cancel, shared: shared, shard: o.Shard, arr: o.States, lead: lead, keep: !o.NoTeardown}
	p.silent = giveup.New("state endpoint", arrange.Describe(o.States), 0)
	for _, w := range m.Paths {
		info := pathInfos[w.Path]
		pl := &pool{path: w.Path, info: info, uses: 1, batchMax: batch, maxReady: maxReady, kick: make(chan struct{}, 1),
			seq: &p.seq, retire: uint64(retire)}
		if info.reusable {
			pl.uses = uses
		}
		p.pools = append(p.pools, pl)
	}
	p.SetRate(o.Rate, 0)
	for _, pl := range p.pools {
		fillers := 1
		if !pl.info.reusable {
			fillers = 4 // one identifier per call: keep several batches in flight
		}
		for range fillers {
			p.wg.Add(1)
			go p.fill(pl)
		}
	}
	return p, nil
}

// SetRate sets the rate the pools keep up with (a capacity run's next step): lead seconds of each
// path's share (default 5s), at least 20 calls (a reusable path: four identifiers' worth, which
// cost little), at most MaxReady.
func (p *Pools) SetRate(rate int, lead time.Duration) {
	if rate <= 0 {
		rate = assumedPoolRate
	}
	if lead <= 0 {
		lead = p.lead
	}
	for i, pl := range p.pools {
		share := float64(p.mix.Paths[i].Weight) / float64(p.mix.total())
		want := int(math.Ceil(float64(rate) * share * lead.Seconds()))
		want = max(20, min(want, pl.maxReady))
		if pl.info.reusable {
			want = max(want, 4*pl.uses)
		}
		pl.mu.Lock()
		pl.want = want
		pl.mu.Unlock()
		pl.wake()
	}
}

func (m *Mix) total() int {
	t := 0
	for _, w := range m.Paths {
		t += w.Weight
	}
	return t
}

// missing is how many calls the pool lacks of its want. A reusable identifier past half its
// retirement age (stale) still serves calls but no longer counts: its replacement is fetched while
// it serves, not after it retired. Without this, a reusable path next to a one-shot one (start,
// which sets up one identifier per call and so ages the others fast) lost all its identifiers of
// one batch at once and ran dry until the next batch came (issue 23: the shard recipe of
// docs/load.md). The caller holds mu.
func (pl *pool) missing() int { return pl.want - (pl.avail - pl.staleCalls()) - pl.inflight }

// staleCalls is what pl's stale identifiers can still serve. Reusable pools hold a few dozen
// identifiers at most (MaxReady/Uses). The caller holds mu.
func (pl *pool) staleCalls() int {
	if !pl.info.reusable {
		return 0
	}
	now, n := pl.seq.Load(), 0
	for _, e := range pl.ready[pl.head:] {
		if pl.stale(e, now) {
			n += e.left
		}
	}
	return n
}

// stale: e is past half its retirement age (now is the Pools' setup count).
func (pl *pool) stale(e *entry, now uint64) bool { return now-e.seq > max(1, pl.retire/2) }

// refillAt is how many calls must be missing before a batch is fetched: a batch, or half the
// want when that is less. The caller holds mu.
func (pl *pool) refillAt() int { return max(1, min(pl.batchMax*pl.uses, pl.want/2)) }

func (pl *pool) wake() {
	select {
	case pl.kick <- struct{}{}:
	default:
	}
}

// fill keeps pl at its want: reserve a batch, set it up, compile it, add it.
func (p *Pools) fill(pl *pool) {
	defer p.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		pl.mu.Lock()
		// Refill in batches: once a batch's worth is missing, top it up.
		need := pl.missing()
		n := 0
		if need >= pl.refillAt() && !pl.exhausted.Load() {
			n = min(pl.batchMax, (need+pl.uses-1)/pl.uses)
			n = max(n, 1)
			pl.inflight += n * pl.uses
		}
		pl.mu.Unlock()
		if n == 0 {
			select {
			case <-p.ctx.Done():
				return
			case <-pl.kick:
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		vs, err := arrange.SetupMany(p.ctx, p.arr, pl.info.state, n)
		pl.batches.Add(1)
		if len(vs) > 0 {
			p.silent.Observe(nil)
		} else if gave := p.silent.Observe(err); gave != nil && p.ctx.Err() == nil {
			// Nothing ever answered: retrying until the warm-up's deadline would only wait longer.
			pl.mu.Lock()
			pl.inflight -= n * pl.uses
			pl.mu.Unlock()
			msg := gave.Error()
			pl.lastErr.Store(&msg)
			pl.exhausted.Store(true)
			return
		}
		entries, cerr := p.compile(pl, vs)
		if err == nil {
			err = cerr
		}
		pl.mu.Lock()
		pl.inflight -= n * pl.uses
		if p.keep {
			pl.setUp = append(pl.setUp, vs...)
		}
		seq := p.seq.Add(uint64(len(vs)))
		for _, e := range entries {
			e.seq = seq
			pl.ready = append(pl.ready, e)
			pl.avail += e.left
		}
		pl.mu.Unlock()
		pl.setups.Add(uint64(len(vs)))
		if err != nil {
			if p.ctx.Err() != nil {
				return
			}
			msg := err.Error()
			pl.lastErr.Store(&msg)
			if errors.Is(err, states.ErrUnsupported) && len(vs) == 0 {
				// A profile used up, or a target without the state: nothing more will come.
				pl.exhausted.Store(true)
				return
			}
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
	}
}

// compile turns set-up values into signing entries; with a profile shared by shards it keeps
// this shard's one-shot entries only.
func (p *Pools) compile(pl *pool, vs []states.Values) ([]*entry, error) {
	out := make([]*entry, 0, len(vs))
	for _, v := range vs {
		pl.mu.Lock()
		j := pl.seen
		pl.seen++
		pl.mu.Unlock()
		if p.shared && !pl.info.reusable && !p.shard.Owns(j) {
			continue
		}
		if err := arrange.Require(v, arrange.AccessKeyID, arrange.AccessKeySecret, arrange.ClusterID, arrange.JobID); err != nil {
			return out, fmt.Errorf("load: %q for path %s: %w", pl.info.state, pl.path, err)
		}
		a := attack.Account{
			Credentials: protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]},
			ClusterID:   v[arrange.ClusterID],
			JobID:       v[arrange.JobID],
		}
		if pl.info.dropJob {
			a.JobID = ""
		}
		call, err := p.signer.Prepare(a, "#"+string(pl.path)+"/"+url.PathEscape(a.Credentials.AccessKeyID))
		if err != nil {
			return out, err
		}
		out = append(out, &entry{call: call, left: pl.uses})
	}
	return out, nil
}

// take returns the next entry of pl to sign a call with, or nil when pl is dry.
func (pl *pool) take() *entry {
	pl.mu.Lock()
	if pl.info.reusable {
		now := pl.seq.Load()
		for pl.head < len(pl.ready) && now-pl.ready[pl.head].seq > pl.retire {
			pl.avail -= pl.ready[pl.head].left
			pl.ready[pl.head] = nil
			pl.head++
			pl.retired.Add(1)
		}
	}
	if pl.head == len(pl.ready) {
		pl.mu.Unlock()
		pl.dry.Add(1)
		pl.wake()
		return nil
	}
	e := pl.ready[pl.head]
	pl.ready[pl.head] = nil
	pl.head++
	e.left--
	if e.left > 0 {
		pl.ready = append(pl.ready, e) // round-robin over the reusable ones
	}
	if pl.head > 1024 && pl.head*2 > len(pl.ready) {
		pl.ready = append(pl.ready[:0], pl.ready[pl.head:]...)
		pl.head = 0
	}
	pl.avail--
	low := pl.want-pl.avail-pl.inflight >= pl.refillAt()
	if !low && pl.info.reusable && pl.stale(e, pl.seq.Load()) {
		low = pl.missing() >= pl.refillAt() // the scan only while stale identifiers serve
	}
	pl.mu.Unlock()
	if low {
		pl.wake()
	}
	return e
}

// Warm waits until every pool holds its want (within a batch), or a pool cannot fill (its error is returned when
// it holds nothing at all), or ctx ends.
func (p *Pools) Warm(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		full := true
		for _, pl := range p.pools {
			pl.mu.Lock()
			avail, ready := pl.avail, pl.want-pl.avail < pl.refillAt()
			pl.mu.Unlock()
			if ready {
				continue
			}
			if pl.exhausted.Load() {
				if avail == 0 {
					return fmt.Errorf("load: path %s: no identifiers: %s", pl.path, pl.lastError())
				}
				continue // a short pool: it will run dry, and the report will say so
			}
			full = false
		}
		if full {
			return nil
		}
		select {
		case <-ctx.Done():
			for _, pl := range p.pools {
				if pl.setups.Load() == 0 {
					return fmt.Errorf("load: path %s: no identifiers set up in time: %s", pl.path, pl.lastError())
				}
			}
			return nil
		case <-tick.C:
		}
	}
}

func (pl *pool) lastError() string {
	if e := pl.lastErr.Load(); e != nil {
		return *e
	}
	return "no error reported"
}

// Close stops the fillers.
func (p *Pools) Close() {
	p.cancel()
	p.wg.Wait()
}

// Teardown tears down every identifier set up (call Close first), with up to 16 at once; it
// stops at ctx's end and returns the first error.
func (p *Pools) Teardown(ctx context.Context) error {
	type job struct {
		state string
		v     states.Values
	}
	jobs := make(chan job)
	var first atomic.Pointer[error]
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := p.arr.Teardown(ctx, j.state, j.v); err != nil {
					first.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
feed:
	for _, pl := range p.pools {
		for _, v := range pl.setUp {
			select {
			case jobs <- job{pl.info.state, v}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if e := first.Load(); e != nil {
		return *e
	}
	return ctx.Err()
}

// PoolStats is what a path's pool did.
type PoolStats struct {
	Setups  uint64 `json:"setups"`            // identifier sets set up
	Batches uint64 `json:"batches"`           // setup requests
	Dry     uint64 `json:"dry"`               // calls not sent: nothing in the pool
	Retired uint64 `json:"retired,omitempty"` // reusable identifiers retired behind newer ones
	Error   string `json:"error,omitempty"`
}

// Stats returns each path's pool figures.
func (p *Pools) Stats() map[Path]PoolStats {
	out := map[Path]PoolStats{}
	for _, pl := range p.pools {
		s := PoolStats{Setups: pl.setups.Load(), Batches: pl.batches.Load(), Dry: pl.dry.Load(), Retired: pl.retired.Load()}
		if e := pl.lastErr.Load(); e != nil {
			s.Error = *e
		}
		out[pl.path] = s
	}
	return out
}

// Mix returns the pools' mix.
func (p *Pools) Mix() *Mix { return p.mix }

// dryAccount tags a call not sent because its pool was dry. PathEscape always escapes '(' so
// no account's tag can read the same.
const dryAccount = "(dry)"

// dryMethod makes a dry target fail inside vegeta before it reaches the network: net/http
// refuses a method with a space.
const dryMethod = "POOL DRY"

// Targeter returns a vegeta.Targeter that picks each call's path from the mix by the call counter
// and signs it with the next identifier of that path's pool. The counter (and so the nonces) goes
// on across the targeters of one Pools: a capacity run's steps reuse identifiers, never a nonce.
func (p *Pools) Targeter() vegeta.Targeter {
	t := p.signer
	dry := make([]string, len(p.pools))
	for i, pl := range p.pools {
		dry[i] = t.BaseURL() + "#" + string(pl.path) + "/" + dryAccount
	}
	return func(tgt *vegeta.Target) error {
		if tgt == nil {
			return vegeta.ErrNilTarget
		}
		c := p.calls.Add(1) - 1
		i := p.mix.Pick(c)
		e := p.pools[i].take()
		if e == nil {
			tgt.Method, tgt.URL, tgt.Body, tgt.Header = dryMethod, dry[i], nil, nil
			return nil
		}
		return t.Sign(tgt, e.call, c)
	}
}

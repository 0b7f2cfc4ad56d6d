package mock

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"runtime"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// nonceStore remembers, per AccessKey, every SignatureNonce it accepted for at least ttl, exactly:
// a replay within ttl is always refused and a fresh nonce is never refused for looking like
// another (no hash of the nonce decides on its own, no probabilistic filter).
//
// Memory. The store used to keep keyID+"\x00"+nonce strings in a map: about 126 bytes of heap per
// call (230 of RSS), so 5,000 calls/s held 70 MB a minute. Now a key is a number (the store's
// serial, never reused) and a nonce in the shapes that clients send — a UUID or 32 hex digits,
// one case — is packed into its 16 bytes plus its shape: a 24-byte record in a flat
// open-addressing table (nonceTable), about 35 bytes a call. Packing is a bijection (shape and bytes give the
// string back), so two different nonces never share a record. Any other nonce keeps its text
// (longer than 64 bytes: its SHA-256, whose collisions nobody can produce) beside the key's
// serial in a second map. BenchmarkMemoryPerCall measures the figure.
//
// Time. Two generations: a nonce is used if either holds it, and every ttl the older one is
// dropped whole, so each nonce is held between ttl and 2·ttl. A generation is capped (maxNonces):
// when the current one is full before the older may go, the store refuses new nonces (nonceFull: 500 InternalError)
// instead of forgetting early — forgetting would let a replay through.
type nonceStore struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int // nonces per generation
	cur, old generation
	rotated  time.Time
	arena    *slotArena // where the tables' slots live (slots.go)
}

// generation is one ttl's nonces.
type generation struct {
	packed nonceTable
	other  map[string]struct{} // 8-byte key serial + the nonce (or its SHA-256)
}

func newGeneration(hint int, arena *slotArena) generation {
	return generation{packed: newNonceTable(hint, arena), other: map[string]struct{}{}}
}

// release gives the generation's table back; the generation is not used afterwards.
func (g *generation) release() { g.packed.release() }

func (g *generation) len() int { return g.packed.n + len(g.other) }

// nonceTable is a set of packed nonces: open addressing with linear probing in one flat slice of
// 24-byte records, grown by half when 85% full, so that it is between 57% and 85% full — about
// 35 bytes a nonce, where Go's map of the same records took 50 to 85. The zero record marks an
// empty slot (a real one has a shape bit set). Hashing is seeded per table (maphash), so that
// nonces chosen to collide cannot be prepared in advance.
type nonceTable struct {
	slots []packedNonce
	n     int
	seed  maphash.Seed
	arena *slotArena
}

const minNonceSlots = 1024

func newNonceTable(hint int, arena *slotArena) nonceTable {
	return nonceTable{slots: arena.alloc(max(minNonceSlots, hint*4/3)), seed: maphash.MakeSeed(), arena: arena}
}

func (t *nonceTable) release() {
	t.arena.free(t.slots)
	t.slots, t.n = nil, 0
}

// slot returns where p is, or the empty slot where it would go.
func (t *nonceTable) slot(p packedNonce) int {
	hi, _ := bits.Mul64(maphash.Comparable(t.seed, p), uint64(len(t.slots)))
	for i := int(hi); ; {
		if s := t.slots[i]; s == p || s == (packedNonce{}) {
			return i
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
}

func (t *nonceTable) contains(p packedNonce) bool { return t.slots[t.slot(p)] == p }

// add inserts p, which the table does not hold, at i, the slot that slot(p) returned.
func (t *nonceTable) add(p packedNonce, i int) {
	if (t.n+1)*20 > len(t.slots)*17 {
		old := t.slots
		t.slots = t.arena.alloc(len(old) * 3 / 2)
		for _, q := range old {
			if q != (packedNonce{}) {
				t.slots[t.slot(q)] = q
			}
		}
		t.arena.free(old)
		i = t.slot(p)
	}
	t.slots[i] = p
	t.n++
}

// packedNonce is a nonce of a packable shape: key is the AccessKey's serial shifted left by 3
// bits, or'ed with the shape (1..4); hi and lo are the 128 bits of the hex digits.
type packedNonce struct{ key, hi, lo uint64 }

// Shapes of packable nonces.
const (
	shapeUUIDLower = 1 + iota // 8-4-4-4-12 hex digits, no upper-case letter
	shapeUUIDUpper            // 8-4-4-4-12, upper-case letters only
	shapeHexLower             // 32 hex digits, no upper-case letter
	shapeHexUpper             // 32 hex digits, upper-case letters only
)

// nonceResult is what use decided.
type nonceResult uint8

const (
	nonceFresh    nonceResult = iota // not seen within ttl: now remembered
	nonceReplayed                    // seen within ttl
	nonceFull                        // the store holds its cap of fresh nonces: refuse, do not forget
)

func newNonceStore(ttl time.Duration, max int) *nonceStore {
	arena := newSlotArena()
	n := &nonceStore{ttl: ttl, max: max, cur: newGeneration(0, arena), old: newGeneration(0, arena), arena: arena}
	// A server dropped without being closed (tests make many) gives its mapped tables back.
	runtime.AddCleanup(n, func(a *slotArena) { a.freeAll() }, arena)
	return n
}

// use records the nonce of the AccessKey with serial key at now.
func (n *nonceStore) use(key uint64, nonce string, now time.Time) nonceResult {
	p, packed := packNonce(key, nonce)
	var s string
	if !packed {
		s = otherKey(key, nonce)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rotated.IsZero() {
		n.rotated = now
	}
	if d := now.Sub(n.rotated); d >= 2*n.ttl {
		// Both generations are older than ttl.
		n.cur.release()
		n.old.release()
		n.cur, n.old, n.rotated = newGeneration(0, n.arena), newGeneration(0, n.arena), now
	} else if d >= n.ttl {
		n.old.release()
		n.old, n.cur, n.rotated = n.cur, newGeneration(n.cur.packed.n, n.arena), now
	}
	at := -1 // where p goes in the current table (its slot, looked up once)
	if packed {
		if at = n.cur.packed.slot(p); n.cur.packed.slots[at] == p || n.old.packed.n > 0 && n.old.packed.contains(p) {
			return nonceReplayed
		}
	} else {
		if _, ok := n.cur.other[s]; ok {
			return nonceReplayed
		}
		if _, ok := n.old.other[s]; ok {
			return nonceReplayed
		}
	}
	if n.cur.len() >= n.max {
		return nonceFull
	}
	if packed {
		n.cur.packed.add(p, at)
	} else {
		n.cur.other[s] = struct{}{}
	}
	return nonceFresh
}

// size is how many nonces are held.
func (n *nonceStore) size() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cur.len() + n.old.len()
}

// packNonce packs a UUID-shaped or 32-hex-digit nonce of one letter case; ok is false for any
// other nonce.
func packNonce(key uint64, nonce string) (p packedNonce, ok bool) {
	var shape uint64
	var dashes uint64 // bit i: nonce[i] is a dash, not a digit
	switch len(nonce) {
	case 36:
		if nonce[8] != '-' || nonce[13] != '-' || nonce[18] != '-' || nonce[23] != '-' {
			return p, false
		}
		shape, dashes = shapeUUIDLower, 1<<8|1<<13|1<<18|1<<23
	case 32:
		shape = shapeHexLower
	default:
		return p, false
	}
	var v [2]uint64
	var seen uint8 // the nibbleLower and nibbleUpper flags of the digits
	d := 0
	for i := 0; i < len(nonce); i++ {
		if dashes>>i&1 != 0 {
			continue
		}
		x := hexNibble[nonce[i]]
		if x == notHex {
			return p, false
		}
		seen |= x
		v[d>>4] = v[d>>4]<<4 | uint64(x&15)
		d++
	}
	switch seen & (nibbleLower | nibbleUpper) {
	case nibbleLower | nibbleUpper:
		return p, false
	case nibbleUpper:
		shape++ // the upper-case twin of the shape
	}
	return packedNonce{key: key<<3 | shape, hi: v[0], lo: v[1]}, true
}

// hexNibble is the value of a hex digit, flagged nibbleLower or nibbleUpper for a letter, and
// notHex for any other byte: every call's nonce is read through it.
var hexNibble = func() (t [256]uint8) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = uint8(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = uint8(c-'a'+10) | nibbleLower
		case 'A' <= c && c <= 'F':
			t[c] = uint8(c-'A'+10) | nibbleUpper
		default:
			t[c] = notHex
		}
	}
	return t
}()

const (
	nibbleLower = 0x10
	nibbleUpper = 0x20
	notHex      = 0xff
)

// otherKey is the record of a nonce that does not pack: the key's serial, a tag byte, then the
// nonce (tag 0) or, when it is longer than 64 bytes, its SHA-256 (tag 1), so that a record's size
// is bounded and a short nonce never meets a long one's digest.
func otherKey(key uint64, nonce string) string {
	var b [9]byte
	binary.BigEndian.PutUint64(b[:], key)
	if len(nonce) > 64 {
		sum := sha256.Sum256([]byte(nonce))
		b[8] = 1
		return string(b[:]) + string(sum[:])
	}
	return string(b[:]) + nonce
}

// unavailable fails a call whose nonce the store has no room to remember (nonceFull) with the
// documented 500 InternalError: the server cannot check the call, so it does not serve it (and
// the call does not count against the throttle).
func (s *Server) unavailable(a *answer) *answer {
	return s.fail(a, specfacts.CodeInternalError, "the server remembers as many signature nonces as it can hold; retry later")
}

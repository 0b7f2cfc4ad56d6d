package mock

import (
	"sync"
	"unsafe"
)

// The nonce tables live outside Go's heap when they are large. They hold no pointers, so the
// collector need not see them, and what it does not see it does not count: a heap of 5 MB of
// requests in flight beside a 300 MB table would otherwise be allowed to grow to 600 MB before the
// next collection (GOGC=100), and the resident size with it. Out of the heap, a table costs the
// pages it touches, and a table given up (grown, or its generation dropped) goes back to the
// system at once instead of waiting for the scavenger. BenchmarkMemoryPerCall counts the heap
// and the mapped bytes; `make bench` measures the resident size.

// mappedMin is the smallest table mapped outside the heap: smaller ones are ordinary slices.
const mappedMin = 1 << 20

// slotArena hands out nonce slots and frees those it mapped; what is still mapped when the store
// is collected is freed then (runtime.AddCleanup in newNonceStore).
type slotArena struct {
	mu     sync.Mutex
	live   map[*packedNonce][]byte // first slot → its mapping
	mapped int                     // bytes mapped now
}

func newSlotArena() *slotArena { return &slotArena{live: map[*packedNonce][]byte{}} }

// alloc returns n zeroed slots.
func (a *slotArena) alloc(n int) []packedNonce {
	size := n * int(unsafe.Sizeof(packedNonce{}))
	if size < mappedMin {
		return make([]packedNonce, n)
	}
	mem, err := mapAnon(size)
	if err != nil {
		return make([]packedNonce, n) // no mapping: the heap will do
	}
	s := unsafe.Slice((*packedNonce)(unsafe.Pointer(unsafe.SliceData(mem))), n)
	a.mu.Lock()
	a.live[&s[0]] = mem
	a.mapped += len(mem)
	a.mu.Unlock()
	return s
}

// free gives s back; nothing may use s afterwards. A slice alloc did not map is left to the
// collector.
func (a *slotArena) free(s []packedNonce) {
	if len(s) == 0 {
		return
	}
	a.mu.Lock()
	mem, ok := a.live[&s[0]]
	if ok {
		delete(a.live, &s[0])
		a.mapped -= len(mem)
	}
	a.mu.Unlock()
	if ok {
		unmap(mem)
	}
}

// freeAll frees every mapping left.
func (a *slotArena) freeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, mem := range a.live {
		unmap(mem)
		delete(a.live, k)
	}
	a.mapped = 0
}

// mappedBytes is how much the arena holds outside the heap.
func (a *slotArena) mappedBytes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mapped
}

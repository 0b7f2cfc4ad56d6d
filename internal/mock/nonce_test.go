package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Packing is exact: nonces that differ only in case, in dashes or in the key never share a
// record, and what does not pack keeps its text.
func TestPackNonceIsInjective(t *testing.T) {
	const u = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	nonces := []string{
		u,
		"0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", // the same digits upper-case: another string
		"0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",     // without dashes
		"0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e", // last digit
		"00000000-0000-0000-0000-000000000000", // digits only: one shape
		"00000000000000000000000000000000",
	}
	seen := map[packedNonce]string{}
	for _, key := range []uint64{1, 2} {
		for _, n := range nonces {
			p, ok := packNonce(key, n)
			if !ok {
				t.Fatalf("%q does not pack", n)
			}
			if prev, dup := seen[p]; dup {
				t.Errorf("%q (key %d) and %s share a record", n, key, prev)
			}
			seen[p] = strconv.Quote(n) + " key " + strconv.FormatUint(key, 10)
		}
	}
	for _, n := range []string{
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1A2B3C4D", // mixed case: kept as text
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g", // not hex
		"0a1b2c3d-4e5f-4a6b-8c7d+9e0f1a2b3c4d", // not a dash
		"0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4",      // 31 digits
		"n-1", "",
	} {
		if _, ok := packNonce(1, n); ok {
			t.Errorf("%q packs", n)
		}
	}
	// Control: the store refuses a replay of each shape and accepts its case twin.
	now := newClock().Now()
	st := newNonceStore(15*time.Minute, 100)
	for _, n := range []string{u, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1A2B3C4D", "n-1"} {
		if st.use(7, n, now) != nonceFresh {
			t.Errorf("%q refused the first time", n)
		}
		if st.use(7, n, now) != nonceReplayed {
			t.Errorf("%q accepted twice", n)
		}
		if st.use(8, n, now) != nonceFresh {
			t.Errorf("%q of another key refused", n)
		}
	}
}

// A full store refuses new nonces rather than forget old ones early: a replay is never let in.
func TestNonceStoreFullRefusesNeverForgets(t *testing.T) {
	now := newClock().Now()
	n := newNonceStore(15*time.Minute, 100)
	for i := range 100 {
		if n.use(1, strconv.Itoa(i), now) != nonceFresh {
			t.Fatalf("nonce %d refused the first time", i)
		}
	}
	if got := n.use(1, "new", now.Add(14*time.Minute)); got != nonceFull {
		t.Errorf("a 101st nonce in a full generation: %d, want nonceFull", got)
	}
	for i := range 100 {
		if n.use(1, strconv.Itoa(i), now.Add(14*time.Minute)) != nonceReplayed {
			t.Fatalf("nonce %d forgotten within the window by a full store", i)
		}
	}
	// After ttl the full generation becomes the old one: still remembered, room again.
	if got := n.use(1, "new", now.Add(15*time.Minute)); got != nonceFresh {
		t.Errorf("after the window: %d, want nonceFresh", got)
	}
	if n.use(1, "99", now.Add(29*time.Minute)) != nonceReplayed {
		t.Error("nonce 99 forgotten before two windows")
	}
	// Everything expires.
	n.use(1, "late", now.Add(46*time.Minute))
	if got := n.size(); got != 1 {
		t.Errorf("size %d after 46 minutes, want 1", got)
	}
}

// The server answers a full store with 500 InternalError, and still refuses a replay.
func TestNonceStoreFullAnswers503(t *testing.T) {
	e := newEnv(t)
	e.srv.nonces.max = 1
	call := start(refCluster, runningJob)
	call.Nonce = "a-1"
	e.do(refKey, call).expect(t, http.StatusForbidden, "OperationDenied")
	call.Nonce = "a-2"
	e.do(refKey, call).expect(t, http.StatusInternalServerError, "InternalError")
	call.Nonce = "a-1"
	e.do(refKey, call).expect(t, http.StatusBadRequest, "SignatureNonceUsed")
}

// The table-driven packNonce packs exactly as the plain one did, for any nonce.
func FuzzPackNonce(f *testing.F) {
	for _, n := range []string{"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
		"0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1A2B3C4D", "00000000000000000000000000000000",
		"0a1b2c3d-4e5f-4a6b-8c7d+9e0f1a2b3c4d", "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4g", "n-1", "",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4\xff"} {
		f.Add(uint64(7), n)
	}
	f.Fuzz(func(t *testing.T, key uint64, nonce string) {
		key &= 1<<61 - 1 // serials are small: the shape takes the low 3 bits
		got, gotOK := packNonce(key, nonce)
		want, wantOK := packNonceOracle(key, nonce)
		if got != want || gotOK != wantOK {
			t.Fatalf("packNonce(%d, %q) = %v, %v; the plain packing gives %v, %v", key, nonce, got, gotOK, want, wantOK)
		}
	})
}

// packNonceOracle is packNonce as first written, a digit at a time through a switch: the oracle
// of the table-driven one.
func packNonceOracle(key uint64, nonce string) (p packedNonce, ok bool) {
	var shape uint64
	switch len(nonce) {
	case 36:
		if nonce[8] != '-' || nonce[13] != '-' || nonce[18] != '-' || nonce[23] != '-' {
			return p, false
		}
		shape = shapeUUIDLower
	case 32:
		shape = shapeHexLower
	default:
		return p, false
	}
	var v [2]uint64
	var lower, upper bool
	d := 0
	for i := 0; i < len(nonce); i++ {
		c := nonce[i]
		if shape == shapeUUIDLower && (i == 8 || i == 13 || i == 18 || i == 23) {
			continue
		}
		var x byte
		switch {
		case '0' <= c && c <= '9':
			x = c - '0'
		case 'a' <= c && c <= 'f':
			x, lower = c-'a'+10, true
		case 'A' <= c && c <= 'F':
			x, upper = c-'A'+10, true
		default:
			return p, false
		}
		v[d/16] = v[d/16]<<4 | uint64(x)
		d++
	}
	if lower && upper {
		return p, false
	}
	if upper {
		shape++ // the upper-case twin of the shape
	}
	return packedNonce{key: key<<3 | shape, hi: v[0], lo: v[1]}, true
}

// A table large enough to be mapped outside the heap (slots.go) keeps the store exact: every
// nonce refused when replayed within the window, none refused the first time, and the mapped
// tables given back when grown or when their generation goes.
func TestNonceStoreMappedTables(t *testing.T) {
	const n = 60000 // 80,000 slots of 24 bytes: past mappedMin after the first growths
	now := newClock().Now()
	st := newNonceStore(15*time.Minute, 1<<20)
	nonce := func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i*7) }
	for i := range n {
		if got := st.use(3, nonce(i), now); got != nonceFresh {
			t.Fatalf("nonce %d: %v the first time", i, got)
		}
	}
	if st.arena.mappedBytes() == 0 {
		t.Fatalf("a table of %d nonces is not mapped: the test does not exercise the mapping", n)
	}
	if len(st.arena.live) != 1 {
		t.Errorf("%d mappings live, want the current table's only (the grown ones given back)", len(st.arena.live))
	}
	later := now.Add(16 * time.Minute) // the older generation now
	for i := range n {
		if got := st.use(3, nonce(i), later); got != nonceReplayed {
			t.Fatalf("nonce %d: %v when replayed within the window", i, got)
		}
	}
	st.use(3, "fresh", later.Add(31*time.Minute)) // both generations dropped
	if got := st.arena.mappedBytes(); got != 0 {
		t.Errorf("%d bytes still mapped after both generations went", got)
	}
	if got := st.use(3, nonce(1), later.Add(31*time.Minute)); got != nonceFresh {
		t.Errorf("a nonce 46 minutes old: %v, want fresh", got)
	}
}

package explore

// Shrink returns the smallest subset of muts (fewest mutations, earliest first among equals, in
// their order) for which fails is true, trying subsets by size, the empty one first; muts itself
// when no smaller subset fails. fails sends the call afresh (a fresh state, a fresh signature);
// it is called at most 2^len(muts)-1 times, and len(muts) is at most MaxMutations for a plan.
func Shrink(muts []Mutation, fails func([]Mutation) bool) (smallest []Mutation, tries int) {
	n := len(muts)
	if n > MaxMutations+2 {
		return muts, 0 // not a plan's: too many subsets to try
	}
	for size := 0; size < n; size++ {
		for mask := 0; mask < 1<<n; mask++ {
			if popcount(mask) != size {
				continue
			}
			sub := make([]Mutation, 0, size)
			for i := range n {
				if mask&(1<<i) != 0 {
					sub = append(sub, muts[i])
				}
			}
			tries++
			if fails(sub) {
				return sub, tries
			}
		}
	}
	return muts, tries
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

package main

import (
	"flag"
	"fmt"
	"math/rand/v2"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/contract"
)

// maxExplore bounds --explore: each generated call is a case of the report.
const maxExplore = 100000

// registerExploreFlags adds --explore and --seed (contract and run).
func registerExploreFlags(fs *flag.FlagSet, n *int, seed *uint64) {
	fs.IntVar(n, "explore", 0, "add `N` generated calls (valid calls mutated one way or a few), ids explore/<seed>/<i>")
	fs.Uint64Var(seed, "seed", 0, "seed `S` of --explore: the same seed generates the same calls (default: random, printed)")
}

// exploreConfig checks --explore and --seed and picks (and prints) a random seed when none is given.
func (f *contractFlags) exploreConfig(m *Main, cfg *contract.Config) error {
	switch {
	case f.explore < 0 || f.explore > maxExplore:
		return cli.Usagef("contract: --explore %d: want 0 to %d", f.explore, maxExplore)
	case f.set["seed"] && f.explore == 0:
		return cli.Usagef("contract: --seed applies to --explore N only")
	case f.explore == 0:
		return nil
	}
	if !f.set["seed"] {
		f.seed = rand.Uint64() >> 1
		fmt.Fprintf(m.Stdout, "edgeconform contract: --explore %d with seed %d (repeat the same calls with --seed %d)\n", f.explore, f.seed, f.seed)
	}
	cfg.Explore, cfg.Seed = f.explore, f.seed
	return nil
}

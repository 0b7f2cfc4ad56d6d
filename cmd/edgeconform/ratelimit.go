package main

import (
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/spec"
)

// rateLimitDefaults are what an absent --rate-limit means for a command, by where its calls go.
type rateLimitDefaults struct {
	embedded spec.RateLimit // the limit the embedded reference implementation is started with
	target   spec.RateLimit // the limit assumed of a --target (zero: none is known)
}

// specRateLimit is the default of the commands that verify, pace by or apply a limit (throttle,
// load, mock): the spec's (6000/1m), whatever the target.
func specRateLimit() rateLimitDefaults {
	rl := spec.Default().RateLimit()
	return rateLimitDefaults{embedded: rl, target: rl}
}

// contractRateLimit is contract's: its embedded reference runs at its own scaled limit, and a
// --target's limit, not given, is not known, so the throttle cases are skipped.
var contractRateLimit = rateLimitDefaults{embedded: contractEmbeddedLimit}

// resolveRateLimit is --rate-limit as every command reads it, resolved once: the limit value gives
// (given true), else the command's default for an embedded or an explicit target. A value that
// does not parse is a usage error of command.
func resolveRateLimit(command, value string, embedded bool, d rateLimitDefaults) (rl spec.RateLimit, given bool, err error) {
	if value == "" {
		if embedded {
			return d.embedded, false, nil
		}
		return d.target, false, nil
	}
	if rl, err = spec.ParseRateLimit(value); err != nil {
		return rl, true, cli.Usagef("%s: --rate-limit: %v", command, err)
	}
	return rl, true, nil
}

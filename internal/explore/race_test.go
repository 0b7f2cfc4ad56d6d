//go:build race

package explore

// raceEnabled: under the race detector the reference sweep runs fewer seeds.
const raceEnabled = true

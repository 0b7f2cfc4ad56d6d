//go:build race

package throttle

// raceEnabled: under the race detector a scenario costs several times the CPU, so the tests that
// drive the reference implementation run a smaller matrix.
const raceEnabled = true

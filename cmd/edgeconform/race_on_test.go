//go:build race

package main

// raceEnabled says the tests run under the race detector (go test -race), which slows the load
// generator of an in-process run several times.
const raceEnabled = true

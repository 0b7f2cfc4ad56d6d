//go:build race

package mock

// raceEnabled says the tests run under the race detector (go test -race).
const raceEnabled = true

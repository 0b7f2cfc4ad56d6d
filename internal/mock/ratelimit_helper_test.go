package mock

import (
	"testing"

	"github.com/edgeconform/edgeconform/internal/ratelimit"
)

func ratelimitAlgorithm(t *testing.T, name string) ratelimit.Algorithm {
	t.Helper()
	a, err := ratelimit.ParseAlgorithm(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

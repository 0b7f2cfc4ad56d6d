package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/spec"
)

// Every command's --rate-limit, absent or given, against the embedded reference or a --target.
func TestResolveRateLimit(t *testing.T) {
	specs := spec.Default().RateLimit()
	given := spec.RateLimit{Calls: 20, Window: 2e9}
	for _, tc := range []struct {
		name      string
		value     string
		embedded  bool
		defaults  rateLimitDefaults
		want      spec.RateLimit
		wantGiven bool
	}{
		{"throttle, embedded", "", true, specRateLimit(), specs, false},
		{"throttle, a target", "", false, specRateLimit(), specs, false},
		{"contract, embedded: its own scaled limit", "", true, contractRateLimit, contractEmbeddedLimit, false},
		{"contract, a target: none known", "", false, contractRateLimit, spec.RateLimit{}, false},
		{"contract, a target, given", "20/2s", false, contractRateLimit, given, true},
		{"load, embedded, given", "20/2s", true, specRateLimit(), given, true},
	} {
		rl, g, err := resolveRateLimit("cmd", tc.value, tc.embedded, tc.defaults)
		if err != nil || rl != tc.want || g != tc.wantGiven {
			t.Errorf("%s: %v (given %v), %v; want %v (given %v)", tc.name, rl, g, err, tc.want, tc.wantGiven)
		}
	}
	_, _, err := resolveRateLimit("mock", "6000", true, specRateLimit())
	if !errors.Is(err, cli.ErrUsage) || !strings.HasPrefix(strings.TrimPrefix(err.Error(), cli.ErrUsage.Error()+": "), "mock: --rate-limit: ") {
		t.Errorf("a limit that does not parse: %v, want a usage error of mock's --rate-limit", err)
	}
}

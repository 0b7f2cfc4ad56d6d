package main

import (
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
)

// The provider-state endpoint's token (docs/protocol.md#provider-states): a mock started with one
// refuses every state change without it, so a run without --state-token (or its variable) has no
// state to arrange (exit 3); with it, by flag or by variable, the cases run. An open endpoint
// (mock.AdminOpen) lets the run without the token through: the exit-3 run is what catches it.
func TestStateToken(t *testing.T) {
	t.Parallel()
	const token = "t0ken-of-the-state-endpoint"
	args := func(ref *mock.Running, extra ...string) []string {
		return append([]string{"contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "success && get && json"}, extra...)
	}
	guarded := startRefWith(t, mock.WithAdminToken(token))
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		exit int
	}{
		{"flag", nil, []string{"--state-token", token}, 0},
		{"environment", []string{stateTokenEnv + "=" + token}, nil, 0},
		{"none", nil, nil, 3},
		{"wrong", nil, []string{"--state-token", token + "x"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runBin(t, 0, tc.env, args(guarded, tc.args...)...)
			if r.exit != tc.exit {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.exit, tc.exit, r.stdout, r.stderr)
			}
			if tc.exit == 3 && !strings.Contains(r.stdout+r.stderr, "401") {
				t.Errorf("the refusal does not say 401: %s%s", r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, token) {
				t.Errorf("the token reached the output")
			}
		})
	}
	t.Run("open endpoint", func(t *testing.T) {
		t.Parallel()
		open := startRefWith(t, mock.WithAdminToken(token), mock.WithDefects(mock.AdminOpen), mock.WithRateLimit(throttleLimit))
		if r := runBin(t, 0, nil, args(open)...); r.exit != 0 {
			t.Fatalf("against an open endpoint a run without the token: exit %d, want 0 (what the none case refuses)\n%s", r.exit, r.stderr)
		}
		// No contract case is about the admin endpoint: the whole run passes the defect.
		r := runBin(t, 0, nil, "contract", "--target", open.APIURL, "--state-url", open.AdminURL, "--state-token", token, "--rate-limit", throttleLimit.String())
		if r.exit != 0 {
			t.Fatalf("the whole contract against %s: exit %d, want 0\n%s", mock.AdminOpen, r.exit, r.stdout)
		}
	})
}

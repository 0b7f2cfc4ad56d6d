package main

import (
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/hostile"
)

// contract, throttle and load stop with exit 3 when the target or the state endpoint answers none
// of the first calls, naming it, within 2 × --timeout + 5 s (the kill limit here: beyond it the
// run counts as hung) — not after their deadline or duration (5 minutes, a minute).
func TestGiveUpOnSilentEndpoints(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	limit := 2*timeout + 5*time.Second
	silent := hostile.New(hostile.Hang)
	t.Cleanup(silent.Close)
	ref := startRef(t)
	targetHangs := []string{"--target", silent.URL, "--profile", referenceProfile, "--timeout", timeout.String()}
	statesHang := []string{"--target", ref.APIURL, "--state-url", silent.URL, "--timeout", timeout.String()}
	commands := map[string][]string{
		"contract":            {"contract"},
		"contract one by one": {"contract", "--parallel", "1"},
		"throttle":            {"throttle", "--rate-limit", "10/1s", "--progress", "none"},
		"load":                {"load", "--rate", "20", "--duration", "1m", "--progress", "none"},
	}
	for name, cmd := range commands {
		for what, args := range map[string][]string{"target": targetHangs, "state endpoint": statesHang} {
			t.Run(name+"/"+what, func(t *testing.T) {
				t.Parallel()
				r := runBin(t, limit, nil, append(append([]string{}, cmd...), args...)...)
				r.checkSane(t)
				if r.exit != 3 {
					t.Errorf("exit %d, want 3; stderr:\n%s", r.exit, r.stderr)
				}
				if !strings.Contains(r.stderr, silent.URL) {
					t.Errorf("stderr does not name the silent %s %s:\n%s", what, silent.URL, r.stderr)
				}
				t.Logf("exit %d in %v: %s", r.exit, r.elapsed.Round(time.Millisecond), lastLine(r.stderr))
			})
		}
	}
}

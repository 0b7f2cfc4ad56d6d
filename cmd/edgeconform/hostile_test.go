package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/hostile"
)

var referenceProfile = filepath.Join("..", "..", "fixtures", "profiles", "reference.yaml")

// hostileLimit is how long a command may take against a hostile target before it counts as
// hung: far past the deadlines and timeouts given, far below a test timeout.
const hostileLimit = 90 * time.Second

// Every command that calls a target, against every misbehaving target: a failed verdict (exit 1)
// or a harness failure (exit 3), never a pass, a panic or a hang; contract's reports are written
// and say what failed.
func TestHostileTargetsCommands(t *testing.T) {
	t.Parallel()
	for _, mode := range hostile.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			srv := hostile.New(mode)
			t.Cleanup(srv.Close)
			t.Cleanup(func() {
				// Runs after the commands: none may have sent its signed calls to the 302's Location.
				if n := srv.Followed(); n > 0 {
					t.Errorf("%d calls followed the redirect", n)
				}
			})
			t.Run("contract", func(t *testing.T) {
				t.Parallel()
				js := filepath.Join(t.TempDir(), "contract.json")
				r := runBin(t, hostileLimit, nil, "contract", "--target", srv.URL, "--profile", referenceProfile,
					"--timeout", "300ms", "--deadline", "5s", "--label-filter", "get && v1 && json", "--json", js)
				r.checkSane(t)
				checkFailedOrHarness(t, mode, r)
				var rep contractReport
				data, err := os.ReadFile(js)
				if err != nil {
					t.Fatalf("no JSON report: %v; stderr:\n%s", err, r.stderr)
				}
				if err := json.Unmarshal(data, &rep); err != nil {
					t.Fatalf("JSON report: %v", err)
				}
				if rep.Passed != 0 {
					t.Errorf("%d cases passed against a target that %s", rep.Passed, mode)
				}
				for _, c := range rep.Cases {
					if c.Status == "failed" && (c.Message == "" || strings.ContainsAny(c.Message, "\r\n")) {
						t.Errorf("case %s: message %q, want one line saying what differed", c.ID, c.Message)
					}
				}
			})
			t.Run("throttle", func(t *testing.T) {
				t.Parallel()
				r := runBin(t, hostileLimit, nil, "throttle", "--target", srv.URL, "--profile", referenceProfile,
					"--rate-limit", "10/1s", "--timeout", "300ms", "--progress", "none")
				r.checkSane(t)
				checkFailedOrHarness(t, mode, r)
			})
			t.Run("load", func(t *testing.T) {
				t.Parallel()
				r := runBin(t, hostileLimit, nil, "load", "--target", srv.URL, "--profile", referenceProfile,
					"--rate", "20", "--duration", "300ms", "--timeout", "300ms", "--progress", "none", "--threshold", "errors<1%")
				r.checkSane(t)
				if mode == hostile.WrongContentType {
					// A well-formed success under a wrong type is a success for a load run
					// (its business is speed); contract and throttle judge the Content-Type.
					if r.exit != 0 {
						t.Errorf("exit %d, want 0; stderr:\n%s", r.exit, r.stderr)
					}
					return
				}
				checkFailedOrHarness(t, mode, r)
			})
		})
	}
}

// checkFailedOrHarness wants exit 1 or 3 with a reason on stderr; exit 3 when no answer could be read.
func checkFailedOrHarness(t *testing.T, mode hostile.Mode, r binRun) {
	t.Helper()
	if r.exit != 1 && r.exit != 3 {
		t.Fatalf("exit %d after %v, want 1 or 3; stdout:\n%s\nstderr:\n%s", r.exit, r.elapsed, r.stdout, r.stderr)
	}
	if mode.Transport() && r.exit != 3 {
		t.Errorf("no answer could be read, yet exit %d (want 3); stderr:\n%s", r.exit, r.stderr)
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Errorf("exit %d with nothing on stderr", r.exit)
	}
	t.Logf("exit %d in %v: %s", r.exit, r.elapsed.Round(time.Millisecond), lastLine(r.stderr))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// A provider-state endpoint that errors, answers garbage or hangs, beside a conforming target:
// every command exits 3 (the harness could not arrange anything), never a pass or a hang.
func TestHostileStateEndpointCommands(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	for _, mode := range hostile.StateModes() {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			srv := hostile.New(mode)
			t.Cleanup(srv.Close)
			for name, args := range map[string][]string{
				"contract": {"contract", "--target", ref.APIURL, "--state-url", srv.URL, "--timeout", "300ms", "--deadline", "10s",
					"--label-filter", "errors && get && v1 && json"},
				"throttle": {"throttle", "--target", ref.APIURL, "--state-url", srv.URL, "--rate-limit", throttleLimit.String(),
					"--timeout", "300ms", "--progress", "none"},
				"load": {"load", "--target", ref.APIURL, "--state-url", srv.URL, "--rate", "20", "--duration", "300ms",
					"--timeout", "300ms", "--progress", "none"},
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					r := runBin(t, hostileLimit, nil, args...)
					r.checkSane(t)
					if r.exit != 3 {
						t.Fatalf("exit %d after %v, want 3; stdout:\n%s\nstderr:\n%s", r.exit, r.elapsed, r.stdout, r.stderr)
					}
					t.Logf("exit 3 in %v: %s", r.elapsed.Round(time.Millisecond), lastLine(r.stderr))
				})
			}
		})
	}
}

// A target that is down, at the spec's limit (a 2.7-minute scenario): exit 3 at once, not after
// minutes of calls that cannot be answered.
func TestThrottleUnreachableTarget(t *testing.T) {
	t.Parallel()
	srv := hostile.New(hostile.Reset)
	url := srv.URL
	srv.Close()
	r := runBin(t, 60*time.Second, nil, "throttle", "--target", url, "--profile", referenceProfile, "--progress", "none")
	r.checkSane(t)
	if r.exit != 3 || !strings.Contains(r.stderr, "target "+url+" does not answer (connection refused)") {
		t.Fatalf("exit %d after %v, want 3 saying the target does not answer; stderr:\n%s", r.exit, r.elapsed, r.stderr)
	}
}

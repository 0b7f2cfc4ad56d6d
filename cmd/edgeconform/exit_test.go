package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/hostile"
	"github.com/edgeconform/edgeconform/internal/loadrun"
)

// goWording is what a person should never read in a verdict or an error: Go's own words for a
// cancelled context or a failed dial, and a prefix said twice.
var goWording = []string{"context canceled", "context deadline exceeded", "dial tcp", "load: load:", "throttle: throttle:", "no verdict: throttle: no verdict"}

// checkSaidOnce fails the test when the verdict (the last line of stdout) or the error holds Go's
// wording, or stderr's error is more than one line.
func (r binRun) checkSaidOnce(t *testing.T) {
	t.Helper()
	for _, w := range goWording {
		if strings.Contains(lastLine(r.stdout)+"\n"+r.stderr, w) {
			t.Errorf("the output says %q:\nstdout:\n%s\nstderr:\n%s", w, r.stdout, r.stderr)
		}
	}
	var errLines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "edgeconform: ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 {
		t.Errorf("want one error line on stderr, got %d:\n%s", len(errLines), r.stderr)
	}
}

// loadReportJSON is what an inconclusive `load --json` says.
type loadReportJSON struct {
	Verdict     string `json:"verdict"`
	Reason      string `json:"reason"`
	Interrupted bool   `json:"interrupted"`
	Requests    int    `json:"requests"`
}

func readLoadJSON(t *testing.T, path string) loadReportJSON {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no --json report: %v", err)
	}
	var r loadReportJSON
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// checkInconclusive asserts one story of a load run without a verdict: exit 3, the last line of
// stdout "Verdict: inconclusive: <reason>", the JSON's verdict and the same reason, which says
// says.
func (r binRun) checkInconclusive(t *testing.T, js loadReportJSON, says string) {
	t.Helper()
	last := lastLine(r.stdout)
	if r.exit != 3 || last != "Verdict: inconclusive: "+js.Reason || js.Verdict != "inconclusive" || !strings.Contains(js.Reason, says) {
		t.Errorf("exit %d, last line %q, JSON verdict %q reason %q; want 3, inconclusive and the same reason saying %q\nstderr:\n%s",
			r.exit, last, js.Verdict, js.Reason, says, r.stderr)
	}
	r.checkSaidOnce(t)
}

// load gives up at once on a target that is down or silent, and a run stopped by --deadline
// says so: exit 3, inconclusive, the last line and the JSON agree, in one sentence each.
func TestLoadNoVerdictOneStory(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	silent := hostile.New(hostile.Hang)
	t.Cleanup(silent.Close)
	for _, tc := range []struct {
		name        string
		args        []string
		says        string
		interrupted bool
	}{
		{"target down", []string{"--target", downURL, "--duration", "1m"}, "target " + downURL + " does not answer (connection refused)", false},
		{"target silent", []string{"--target", silent.URL, "--duration", "1m", "--timeout", "1s"}, "target " + silent.URL + " does not answer (timed out)", false},
		{"deadline", []string{"--duration", "1m", "--deadline", "5s"}, "--deadline 5s hit after", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			js := filepath.Join(t.TempDir(), "load.json")
			r := runBin(t, 20*time.Second, nil, append([]string{"load", "--rate", "50", "--progress", "none", "--json", js}, tc.args...)...)
			r.checkSane(t)
			rep := readLoadJSON(t, js)
			r.checkInconclusive(t, rep, tc.says)
			if rep.Interrupted != tc.interrupted || (tc.interrupted && rep.Requests == 0) {
				t.Errorf("interrupted %v with %d requests, want %v (and the calls made so far)", rep.Interrupted, rep.Requests, tc.interrupted)
			}
			if r.elapsed > 15*time.Second {
				t.Errorf("took %v: the run did not give up early", r.elapsed)
			}
		})
	}
}

// SIGINT during load: exit 3, the partial report marked interrupted (the JSON's verdict
// inconclusive, with the calls made so far), the last line saying so (it said "Verdict: pass",
// exit 0, issue 23).
func TestLoadInterrupted(t *testing.T) {
	t.Parallel()
	js := filepath.Join(t.TempDir(), "load.json")
	r := interruptBin(t, "load: http://", time.Second, "load", "--rate", "50", "--duration", "1m", "--progress", "none", "--json", js)
	r.checkSane(t)
	rep := readLoadJSON(t, js)
	r.checkInconclusive(t, rep, "interrupted after")
	if !rep.Interrupted || rep.Requests == 0 {
		t.Errorf("interrupted %v with %d requests: want the partial report marked interrupted", rep.Interrupted, rep.Requests)
	}
	if r.elapsed > 30*time.Second {
		t.Errorf("took %v after the signal", r.elapsed)
	}
}

// An interrupted `run` says it in one sentence, and run.json carries why (its throttle part was
// null, with no reason).
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	js := filepath.Join(t.TempDir(), "run.json")
	r := interruptBin(t, "== throttle", 500*time.Millisecond, "run", "--rate-limit", "60/6s", "--progress", "none", "--json", js)
	r.checkSane(t)
	r.checkSaidOnce(t)
	const want = "run: INCONCLUSIVE (contract pass, throttle inconclusive): interrupted during the throttle scenario"
	if last := lastLine(r.stdout); r.exit != 3 || last != want {
		t.Errorf("exit %d, last line %q; want 3, %q", r.exit, last, want)
	}
	var rep struct {
		Verdict, Reason string
		Throttle        *struct{ Verdict, Reason string }
	}
	data, _ := os.ReadFile(js)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("run.json: %v", err)
	}
	if rep.Verdict != "inconclusive" || rep.Reason != "interrupted during the throttle scenario" || rep.Throttle == nil ||
		rep.Throttle.Verdict != "inconclusive" || !strings.Contains(rep.Throttle.Reason, "interrupted") {
		t.Errorf("run.json %s: want the verdict, and the throttle part, inconclusive with the reason", data)
	}
}

// `run` against a target that is down says so once, for both parts.
func TestRunTargetDown(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	js := filepath.Join(t.TempDir(), "run.json")
	r := runBin(t, 20*time.Second, nil, "run", "--target", downURL, "--json", js)
	r.checkSane(t)
	r.checkSaidOnce(t)
	reason := "target " + downURL + " does not answer (connection refused)"
	if last := lastLine(r.stdout); r.exit != 3 || last != "run: INCONCLUSIVE (contract inconclusive, throttle inconclusive): "+reason {
		t.Errorf("exit %d, last line %q", r.exit, last)
	}
	var rep struct{ Verdict, Reason string }
	data, _ := os.ReadFile(js)
	if json.Unmarshal(data, &rep); rep.Verdict != "inconclusive" || rep.Reason != reason {
		t.Errorf("run.json %s", data)
	}
}

// A run whose every call failed without an answer (the target went away after the probe) has no
// verdict, whatever its thresholds say: inconclusive, saying why in words, in the text and the JSON.
func TestLoadNoAnswerIsInconclusive(t *testing.T) {
	s := loadrun.NewSummary(nil)
	for range 5 {
		s.Add(&vegeta.Result{Timestamp: time.Now(), URL: "http://127.0.0.1:1/", Error: `Get "http://127.0.0.1:1/": dial tcp 0.0.0.0:0->127.0.0.1:1: connect: connection refused`})
	}
	r := s.Report()
	ts, err := loadrun.ParseThresholds([]string{"errors<100%"})
	if err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(t.TempDir(), "load.json")
	var out lockedBuffer
	err = finishReport(&Main{Stdout: &out, Stderr: io.Discard}, "load", s, r, ts, js, "", "", nil)
	const reason = "no call got an answer (connection refused): is the target up?"
	if cli.ExitCode(err) != cli.ExitHarness || err.Error() != "harness failed: load: "+reason {
		t.Errorf("err %v, want exit 3 saying %q", err, reason)
	}
	if last := lastLine(out.String()); last != "Verdict: inconclusive: "+reason {
		t.Errorf("last line %q", last)
	}
	if rep := readLoadJSON(t, js); rep.Verdict != "inconclusive" || rep.Reason != reason {
		t.Errorf("JSON %+v", rep)
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkOneStory asserts that the exit status, the last line of stdout, the JSON verdict and the
// JUnit file agree; that when there is no verdict (exit 3) no case is counted failed anywhere
// and the last line says why.
func (r contractRun) checkOneStory(t *testing.T) {
	t.Helper()
	want := map[int]string{0: "pass", 1: "fail", 3: "inconclusive"}[r.exit]
	if want == "" {
		t.Fatalf("exit %d is no verdict's", r.exit)
	}
	last := lastLine(r.stdout)
	if !strings.HasPrefix(last, strings.ToUpper(want)+":") {
		t.Errorf("exit %d, but the last line of stdout is %q", r.exit, last)
	}
	if r.json.Verdict != want {
		t.Errorf("exit %d, but the JSON verdict is %q", r.exit, r.json.Verdict)
	}
	if len(r.junit.Suites) == 1 && r.junit.Suites[0].Failures != r.json.Failed {
		t.Errorf("JUnit counts %d failures, the JSON %d", r.junit.Suites[0].Failures, r.json.Failed)
	}
	if want == "inconclusive" {
		if r.json.Failed != 0 || r.junit.Failures != 0 {
			t.Errorf("no verdict, yet %d cases counted failed (JUnit %d): the target is blamed", r.json.Failed, r.junit.Failures)
		}
		if r.json.Reason == "" || !strings.Contains(last, "no verdict: ") {
			t.Errorf("no verdict, and no reason: JSON %q, last line %q", r.json.Reason, last)
		}
	}
}

// One story in every outcome: a conforming target, a broken one, nothing listening, and a
// --state-url that is the API itself (which answers like the API: that is said, exit 3, never a
// pass on skips).
func TestVerdictOneStory(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for _, tc := range []struct {
		name string
		args []string
		exit int
		says string
	}{
		{"conforming", []string{"--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "get && v1"}, 0, ""},
		{"nothing listening", []string{"--target", downURL, "--profile", referenceProfile}, 3, "unreachable"},
		{"state URL is the API", []string{"--target", ref.APIURL, "--state-url", ref.APIURL}, 3, "like the API"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runContractBinary(t, tc.args...)
			if r.exit != tc.exit {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.exit, tc.exit, r.stdout, r.stderr)
			}
			r.checkReports(t)
			if !strings.Contains(lastLine(r.stdout), tc.says) || !strings.Contains(r.stderr, tc.says) {
				t.Errorf("want %q on the last line and on stderr; last line %q, stderr %q", tc.says, lastLine(r.stdout), r.stderr)
			}
			if strings.Contains(r.stdout, "PASS") && tc.exit != 0 {
				t.Errorf("stdout says PASS:\n%s", r.stdout)
			}
		})
	}
	// The throttle scenario tells the same story: its last line and its JSON.
	t.Run("throttle, state URL is the API", func(t *testing.T) {
		t.Parallel()
		js := filepath.Join(t.TempDir(), "t.json")
		r := runBin(t, time.Minute, nil, "throttle", "--target", ref.APIURL, "--state-url", ref.APIURL, "--rate-limit", throttleLimit.String(), "--progress", "none", "--json", js)
		r.checkSane(t)
		var rep struct{ Verdict, Reason string }
		data, _ := os.ReadFile(js)
		json.Unmarshal(data, &rep)
		last := lastLine(r.stdout)
		if r.exit != 3 || !strings.HasPrefix(last, "throttle: INCONCLUSIVE") || !strings.Contains(last, "like the API") || rep.Verdict != "inconclusive" || rep.Reason == "" {
			t.Errorf("exit %d, last line %q, JSON %s; want 3, INCONCLUSIVE saying the state URL answers like the API, and the same in the JSON", r.exit, last, data)
		}
	})
}

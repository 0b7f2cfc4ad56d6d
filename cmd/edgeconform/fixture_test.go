package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var referenceWorld = filepath.Join("..", "..", "fixtures", "world.yaml")

// The shipped profile and world pass the reference implementation with --strict, twice in a row
// against the same mock process, at a scaled limit (every case its own pool account: no case is
// throttled by another's calls, no job stays started for the next run); and at the spec's limit,
// where only the cases that drive an account past the limit are skipped (it is not given), twice as well.
func TestFixtureProfileRepeatable(t *testing.T) {
	t.Parallel()
	// A short window: effects/after-Throttling.User waits for the limit to lift.
	scaled := startMockProc(t, "--world", referenceWorld, "--rate-limit", "20/2s")
	for run := 1; run <= 2; run++ {
		r := runContractBinary(t, "--target", scaled.api, "--profile", referenceProfile, "--strict", "--rate-limit", "20/2s")
		if r.exit != 0 || r.json.Failed != 0 || r.json.Skipped != 0 || r.json.Passed == 0 {
			t.Fatalf("scaled limit, run %d: exit %d, %d passed, %d failed, %d skipped; want all passed\n%s", run, r.exit, r.json.Passed, r.json.Failed, r.json.Skipped, r.stdout)
		}
		r.checkReports(t)
	}
	full := startMockProc(t, "--world", referenceWorld)
	for run := 1; run <= 2; run++ {
		r := runContractBinary(t, "--target", full.api, "--profile", referenceProfile)
		if r.exit != 0 || r.json.Failed != 0 {
			t.Fatalf("spec's limit, run %d: exit %d, %d failed\n%s", run, r.exit, r.json.Failed, r.stdout)
		}
		for _, c := range r.json.Cases {
			if c.Status == "skipped" && !strings.HasPrefix(c.ID, "throttle/") && !strings.HasPrefix(c.ID, "effects/after-Throttling.User/") {
				t.Errorf("run %d: %s skipped: %s", run, c.ID, c.Message)
			}
		}
	}
}

// A profile of concrete stopped jobs is used up: within a run (more cases than entries) or by an
// earlier run (its jobs run now). Either way exit 3 saying what to do, no case counted failed,
// never a verdict on the target; the control run before passes.
func TestFixtureProfileUsedUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	profile := filepath.Join(dir, "two-jobs.yaml")
	entry := func(job string) string {
		return "    - {AccessKeyId: LTAI5tRefAdmin000000001, AccessKeySecret: RefSecretAdmin00000000000000001, ClusterId: c0a8013b-4d18-395c-8106-ff21a6000001, JobId: " + job + "}\n"
	}
	if err := os.WriteFile(profile, []byte("states:\n  \"a stopped job exists\":\n"+entry("5f0e20b48fb04483915d4f2cd8ac0001")+entry("5f0e20b48fb04483915d4f2cd8ac0004")), 0o644); err != nil {
		t.Fatal(err)
	}
	m := startMockProc(t, "--world", referenceWorld)
	// Two cases, two entries: the first run passes.
	first := runContractBinary(t, "--target", m.api, "--profile", profile, "--label-filter", "success && get && v1 && json")
	if first.exit != 0 || first.json.Passed != 2 {
		t.Fatalf("first run: exit %d, %d passed; want 0 and 2\n%s%s", first.exit, first.json.Passed, first.stdout, first.stderr)
	}
	// The same again: the jobs run since the first run.
	again := runContractBinary(t, "--target", m.api, "--profile", profile, "--label-filter", "success && get && v1 && json")
	// Four cases, two entries.
	short := runContractBinary(t, "--target", startRef(t).APIURL, "--profile", profile, "--label-filter", "success && get && v1")
	for name, r := range map[string]contractRun{"second run": again, "more cases than entries": short} {
		if r.exit != 3 {
			t.Errorf("%s: exit %d, want 3\n%s%s", name, r.exit, r.stdout, r.stderr)
			continue
		}
		r.checkReports(t)
		if !strings.Contains(r.stderr, "restart the mock") || !strings.Contains(r.stderr, "list more entries") {
			t.Errorf("%s: stderr does not say what to do: %s", name, r.stderr)
		}
	}
}

// Credentials: the environment's AccessKey beside a state endpoint that gives every case its own
// is said to be unused, once; credentials the target refuses on every call are exit 3, "the target
// refused these credentials", never "not conformant".
func TestCredentialsSaidUnusedOrRefused(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIwrongwrongwrong", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong"}
	for _, args := range [][]string{
		{"contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "errors && get && v1 && json"},
		{"load", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate", "10", "--duration", "300ms", "--progress", "none"},
	} {
		r := runBin(t, time.Minute, env, args...)
		r.checkSane(t)
		if r.exit != 0 || strings.Count(r.stderr, "were not used") != 1 {
			t.Errorf("%s with a wrong AccessKey in the environment: exit %d, want 0 and one note that it was not used; stderr:\n%s", args[0], r.exit, r.stderr)
		}
	}
	// Control: without it, no note.
	if r := runBin(t, time.Minute, nil, "contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "errors && get && v1 && json"); strings.Contains(r.stderr, "were not used") {
		t.Errorf("a note without credentials in the environment: %s", r.stderr)
	}

	// A profile whose keys the target does not know.
	data, err := os.ReadFile(referenceProfile)
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong-keys.yaml")
	if err := os.WriteFile(wrong, []byte(strings.ReplaceAll(string(data), "LTAI5tPool", "LTAI5tNobody")), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runContractBinary(t, "--target", ref.APIURL, "--profile", wrong)
	if r.exit != 3 || !strings.Contains(r.stderr, "refused these credentials") {
		t.Fatalf("credentials refused everywhere: exit %d, want 3 saying so; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	// Control: the right keys pass.
	if r := runContractBinary(t, "--target", ref.APIURL, "--profile", referenceProfile); r.exit != 0 {
		t.Errorf("the shipped profile: exit %d\n%s", r.exit, r.stdout)
	}
}

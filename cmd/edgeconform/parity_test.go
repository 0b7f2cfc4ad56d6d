package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/parity"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// referenceRecording is the recording of the reference implementation that ships with the kit.
var referenceRecording = filepath.Join("..", "..", "fixtures", "recordings", "reference")

// parityReport is a contract --json report with the baseline's statuses.
type parityReport struct {
	Passed, Failed, Skipped, Known, Fixed int
	Problems                              []string
	Cases                                 []struct{ ID, Code, Status, Message string }
}

type parityRun struct {
	binRun
	report parityReport
	junit  []byte
}

// runParity runs the binary with args plus --json and --junit and reads both reports (when written).
func runParity(t *testing.T, args ...string) parityRun {
	t.Helper()
	dir := t.TempDir()
	j, x := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	r := parityRun{binRun: runBin(t, 2*time.Minute, nil, append(args, "--json", j, "--junit", x)...)}
	r.checkSane(t)
	if b, err := os.ReadFile(j); err == nil {
		if err := json.Unmarshal(b, &r.report); err != nil {
			t.Fatalf("JSON report: %v", err)
		}
		r.junit, _ = os.ReadFile(x)
	}
	return r
}

func (r parityRun) statuses() map[string]string {
	m := map[string]string{}
	for _, c := range r.report.Cases {
		m[c.ID] = c.Status
	}
	return m
}

func (r parityRun) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
}

// The shipped recording is what recording the reference implementation gives today, byte for
// byte (meta.json's time and version aside), from the spec in force: like the spec's drift test.
func TestRecordingIsCurrent(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "rec")
	r := runBin(t, 2*time.Minute, nil, "record", "--out", out)
	if r.exit != 0 {
		t.Fatalf("record: %d\n%s%s", r.exit, r.stdout, r.stderr)
	}
	fresh, _ := filepath.Glob(filepath.Join(out, "*.json"))
	shipped, _ := filepath.Glob(filepath.Join(referenceRecording, "*.json"))
	if len(fresh) < 100 || len(fresh) != len(shipped) {
		t.Fatalf("%d files recorded, %d shipped; re-record: make recordings", len(fresh), len(shipped))
	}
	for _, f := range fresh {
		name := filepath.Base(f)
		if name == parity.MetaFile {
			continue
		}
		want, err := os.ReadFile(filepath.Join(referenceRecording, name))
		if err != nil {
			t.Errorf("%s is not shipped; re-record: make recordings", name)
			continue
		}
		if got, _ := os.ReadFile(f); !bytes.Equal(got, want) {
			t.Errorf("fixtures/recordings/reference/%s is not what the reference answers today; re-record: make recordings", name)
		}
	}
	rec, err := parity.Read(referenceRecording)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Meta.SpecDigest != parity.SpecDigest(spec.Default()) {
		t.Errorf("the shipped recording was made from spec %s, the spec is %s; re-record: make recordings", rec.Meta.SpecDigest, parity.SpecDigest(spec.Default()))
	}
	if rec.Meta.Target != "reference (embedded)" || rec.Meta.Cases != len(shipped)-1 {
		t.Errorf("meta.json: %+v", rec.Meta)
	}
}

// The proof: fresh instances of the reference implementation, one per throttle algorithm, each
// compared (both signatures, both methods, both formats) to the shipped recording: 0 differences,
// no case missing from the recording.
func TestSnapshotOfFreshReferences(t *testing.T) {
	algs := ratelimit.Algorithms()
	if len(algs) < 5 {
		t.Fatalf("%d algorithms: want five starts at least", len(algs))
	}
	for _, alg := range algs {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			ref := startRefWith(t, mock.WithRateLimit(throttleLimit), mock.WithAlgorithm(alg))
			r := runParity(t, "contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String(), "--snapshot", referenceRecording)
			if r.exit != 0 || r.report.Failed != 0 || r.report.Skipped != 0 || r.report.Passed < 100 {
				t.Fatalf("%+v\n%s", r.report, r)
			}
			if strings.Contains(r.stderr, "warning") {
				t.Errorf("a warning: %s", r.stderr)
			}
		})
	}
}

// Each parity defect conforms (the plain contract run passes it) and differs from the recording
// (the snapshot comparison fails exactly the cases whose answers it changes, at the pointer).
func TestParityDefectsCaughtOnlyBySnapshot(t *testing.T) {
	// The edge cases: a start of a stopped job (edges/regionid/), the gateway's refusal of a clock
	// 16 minutes off (edges/clock-skew-*16m/), and JobNotFound for all the others.
	edgeSuccess := func(id string) bool { return strings.HasPrefix(id, "edges/regionid/") }
	edgeGateway := func(id string) bool {
		return strings.HasPrefix(id, "edges/clock-skew-") && strings.Contains(id, "16m/")
	}
	templated := func(id string) bool { // a Message with a detail: the page's codes
		return strings.HasPrefix(id, "errors/") || strings.HasPrefix(id, "success/second-start/") || strings.HasPrefix(id, "isolation/") ||
			strings.HasPrefix(id, "edges/") && !edgeSuccess(id) && !edgeGateway(id)
	}
	// The effects and concurrent cases are judged on (and record) a success.
	success := func(id string) bool {
		return strings.HasPrefix(id, "success/OK/") || strings.HasPrefix(id, "effects/") || strings.HasPrefix(id, "concurrent/") || edgeSuccess(id)
	}
	isError := func(id string) bool { return !success(id) }
	// tamper/: the gateway refuses a bad signature before the throttle.
	pastThrottle := func(id string) bool {
		return !strings.HasPrefix(id, "gateway/") && !strings.HasPrefix(id, "tamper/") && !edgeGateway(id)
	}
	tests := []struct {
		defect  mock.Defect
		about   func(id string) bool
		pointer string
	}{
		{mock.MessageReworded, templated, "Message: recorded"},
		{mock.OtherHostID, isError, "HostId: recorded \"live.aliyuncs.com\", got \"" + mock.OtherHost + "\""},
		{mock.NoRateLimitHeader, pastThrottle, "/rate_limit: recorded"},
	}
	if len(tests) != len(mock.ParityDefects()) {
		t.Fatalf("%d tests for %d parity defects", len(tests), len(mock.ParityDefects()))
	}
	for _, tt := range tests {
		t.Run(tt.defect.String(), func(t *testing.T) {
			t.Parallel()
			ref := startRef(t, tt.defect)
			args := []string{"contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String()}
			plain := runParity(t, args...)
			if plain.exit != 0 || plain.report.Failed != 0 {
				t.Fatalf("the plain contract run notices %s: %s", tt.defect, plain)
			}
			snap := runParity(t, append(args, "--snapshot", referenceRecording)...)
			if snap.exit != 1 {
				t.Fatalf("with --snapshot: %s", snap)
			}
			for _, c := range snap.report.Cases {
				switch {
				case c.Status == "failed" && !tt.about(c.ID):
					t.Errorf("%s failed, and %s does not change its answer: %s", c.ID, tt.defect, c.Message)
				case c.Status == "failed" && (!strings.Contains(c.Message, "snapshot ") || !strings.Contains(c.Message, tt.pointer)):
					t.Errorf("%s: message %q does not say %q", c.ID, c.Message, tt.pointer)
				case c.Status != "failed" && tt.about(c.ID):
					t.Errorf("%s: %s, want failed", c.ID, c.Status)
				}
			}
		})
	}
}

// --snapshot-ignore leaves pointers out; a case the recording lacks is skipped with the reason; a
// recording of another spec gives one warning line; bad snapshot flags are usage errors.
func TestSnapshotIgnoreMissingAndDigest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref := startRef(t, mock.OtherHostID)
	args := []string{"contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String()}
	ignore := filepath.Join(dir, "ignore.yaml")
	os.WriteFile(ignore, []byte("- {pointer: /body/HostId, reason: our mock names its own host}\n- {pointer: /body/Error/HostId, reason: the same in XML}\n"), 0o644)
	r := runParity(t, append(args, "--snapshot", referenceRecording, "--snapshot-ignore", ignore)...)
	if r.exit != 0 || r.report.Failed != 0 {
		t.Errorf("with HostId ignored: %s", r)
	}

	// A copy of the recording without one case and with another spec digest.
	rec := filepath.Join(dir, "rec")
	os.MkdirAll(rec, 0o755)
	files, _ := filepath.Glob(filepath.Join(referenceRecording, "*.json"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if filepath.Base(f) == parity.MetaFile {
			b = regexp.MustCompile(`"sha256:[0-9a-f]+"`).ReplaceAll(b, []byte(`"sha256:00000000000000000000"`))
		}
		os.WriteFile(filepath.Join(rec, filepath.Base(f)), b, 0o644)
	}
	missing := "errors/JobNotFound/GET-v1-JSON"
	os.Remove(filepath.Join(rec, parity.FileName(missing)))
	r = runParity(t, append(args, "--snapshot", rec, "--snapshot-ignore", ignore)...)
	if r.exit != 0 || r.report.Skipped != 1 || r.statuses()[missing] != "skipped" {
		t.Errorf("a case missing from the recording: %+v\n%s", r.report, r)
	}
	for _, c := range r.report.Cases {
		if c.ID == missing && !strings.Contains(c.Message, "has no answer for this case") {
			t.Errorf("skip reason %q", c.Message)
		}
	}
	if n := strings.Count(r.stderr, "warning"); n != 1 || !strings.Contains(r.stderr, "sha256:000000000000") {
		t.Errorf("want one warning line about the digest, got %d: %s", n, r.stderr)
	}

	noReason := filepath.Join(dir, "noreason.yaml")
	os.WriteFile(noReason, []byte("- {pointer: /body/HostId}\n"), 0o644)
	notRec := t.TempDir()
	for name, a := range map[string][]string{
		"ignore without a reason":   {"--snapshot", referenceRecording, "--snapshot-ignore", noReason},
		"ignore without snapshot":   {"--snapshot-ignore", ignore},
		"snapshot not a recording":  {"--snapshot", notRec},
		"snapshot missing":          {"--snapshot", filepath.Join(dir, "nope")},
		"ignore missing":            {"--snapshot", referenceRecording, "--snapshot-ignore", filepath.Join(dir, "nope.yaml")},
		"baseline missing":          {"--baseline", filepath.Join(dir, "nope.yaml")},
		"baseline entry no until":   {"--baseline", write(t, dir, "b1.yaml", "- {case: errors/**, reason: r}\n")},
		"baseline entry bad glob":   {"--baseline", write(t, dir, "b2.yaml", "- {case: \"a\\nb\", reason: r, until: 2099-01-01}\n")},
		"baseline unknown field":    {"--baseline", write(t, dir, "b3.yaml", "- {case: errors/**, reason: r, until: 2099-01-01, by: me}\n")},
		"baseline matches no case ": {"--baseline", write(t, dir, "b4.yaml", "- {case: errors/NoSuchCode/*, reason: r, until: 2099-01-01}\n")},
	} {
		// The files are checked before any call: an unreachable target does not matter...
		target := []string{"contract", "--target", "http://127.0.0.1:1", "--timeout", "300ms"}
		if strings.HasSuffix(name, " ") { // ...except for matching, which needs the suite's cases.
			target = args
		}
		r := runBin(t, time.Minute, nil, append(target, a...)...)
		if r.exit != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, want 2 with one line: %s", name, r.exit, r.stderr)
		}
	}
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// --baseline: covered failures are known (skipped in JUnit with the reason) and do not fail the
// run, covered passes are fixed, an expired entry fails the run; run passes the flag on.
func TestBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref := startRef(t, mock.WrongStatus("JobNotFound"))
	// Without the edge and isolation cases: they expect JobNotFound too, which the baseline below does not cover.
	args := []string{"contract", "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String(), "--label-filter", "!edges && !isolation"}
	bl := write(t, dir, "baseline.yaml", `
- case: errors/JobNotFound/*
  reason: ACME-12 our mock answers 400
  until: 2099-12-31
- {case: success/OK/GET-v1-JSON, reason: ACME-7 flaky once, until: 2099-12-31}
`)
	r := runParity(t, append(args, "--baseline", bl)...)
	if r.exit != 0 || r.report.Failed != 0 || r.report.Known != 8 || r.report.Fixed != 1 {
		t.Fatalf("%+v\n%s", r.report, r)
	}
	st := r.statuses()
	if st["errors/JobNotFound/POST-v3-XML"] != "known" || st["success/OK/GET-v1-JSON"] != "fixed" || st["success/OK/GET-v1-XML"] != "passed" {
		t.Errorf("statuses: %v", st)
	}
	if !strings.Contains(r.stdout, "KNOWN errors/JobNotFound/GET-v1-JSON: known (ACME-12 our mock answers 400, until 2099-12-31)") ||
		!strings.Contains(r.stdout, "FIXED success/OK/GET-v1-JSON") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	var ju struct {
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(r.junit, &ju); err != nil {
		t.Fatal(err)
	}
	for _, c := range ju.Cases {
		if strings.HasPrefix(c.Name, "errors/JobNotFound/") && (c.Failure != nil || c.Skipped == nil || !strings.Contains(c.Skipped.Message, "ACME-12")) {
			t.Errorf("JUnit %s: want skipped with the reason", c.Name)
		}
	}
	if ju.Failures != 0 {
		t.Errorf("JUnit failures %d", ju.Failures)
	}

	// Without the baseline, the same run fails (the control).
	if r := runParity(t, args...); r.exit != 1 || r.report.Failed != 8 {
		t.Errorf("without the baseline: %+v", r.report)
	}
	// An expired entry fails the run, and covers nothing.
	expired := write(t, dir, "expired.yaml", "- {case: errors/JobNotFound/*, reason: ACME-12, until: 2020-01-01}\n")
	r = runParity(t, append(args, "--baseline", expired)...)
	if r.exit != 1 || r.report.Known != 0 || len(r.report.Problems) != 1 || !strings.Contains(r.stdout, "expired on 2020-01-01") {
		t.Errorf("expired: %+v\n%s", r.report, r)
	}
	// An expired entry fails even a run in which every case passes.
	good := startRef(t)
	r = runParity(t, "contract", "--target", good.APIURL, "--state-url", good.AdminURL, "--baseline", expired, "--label-filter", "JobNotFound")
	if r.exit != 1 || !strings.Contains(r.stdout, "FAIL  baseline") {
		t.Errorf("expired entry, all passing: %s", r)
	}
	// run takes --baseline and hands it to contract.
	bad := write(t, dir, "bad.yaml", "- {case: x}\n")
	if r := runBin(t, time.Minute, nil, "run", "--target", "http://127.0.0.1:1", "--baseline", bad); r.exit != 2 || !strings.Contains(r.stderr, "--baseline") {
		t.Errorf("run --baseline bad: exit %d: %s", r.exit, r.stderr)
	}
}

// record: usage errors come before any call; a target that echoes what it was sent (secret,
// signature, nonce) leaves none of it in the recording.
func TestRecordUsageAndHostileEcho(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := write(t, dir, "file", "x")
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	write(t, other, "mine.txt", "keep me")
	for name, a := range map[string][]string{
		"no out":             {},
		"out is a file":      {"--out", file},
		"out not recording":  {"--out", other},
		"bad target":         {"--out", filepath.Join(dir, "r1"), "--target", "ftp://x"},
		"unknown flag":       {"--out", filepath.Join(dir, "r2"), "--nope"},
		"state and profile":  {"--out", filepath.Join(dir, "r3"), "--target", "http://127.0.0.1:1", "--state-url", "http://127.0.0.1:2", "--profile", "x"},
		"out in a file":      {"--out", filepath.Join(file, "sub")},
		"stray argument":     {"--out", filepath.Join(dir, "r4"), "extra"},
		"bad label filter":   {"--out", filepath.Join(dir, "r5"), "--label-filter", "((("},
		"bad volatile field": {"--out", filepath.Join(dir, "r6"), "--volatile", ""},
	} {
		r := runBin(t, time.Minute, nil, append([]string{"record"}, a...)...)
		if r.exit != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, r.exit, r.stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(other, "mine.txt")); string(b) != "keep me" {
		t.Error("record touched a directory that is not a recording")
	}

	// An echoing target: every answer's Message repeats the query, the form body and the
	// Authorization header it got. Cases run in parallel: sigs is guarded.
	var (
		mu   sync.Mutex
		sigs []string
	)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		if s := r.Form.Get("Signature"); s != "" {
			sigs = append(sigs, s)
		}
		if m := v3SigRe.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			sigs = append(sigs, m[1])
		}
		mu.Unlock()
		msg := r.URL.RawQuery + " " + r.Form.Encode() + " " + r.Header.Get("Authorization")
		b, _ := json.Marshal(map[string]string{"RequestId": "0A1B2C3D-0000-4000-8000-00000000ABCD", "Code": "Echo", "Message": msg})
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(400)
		w.Write(b)
	}))
	t.Cleanup(echo.Close)
	out := filepath.Join(dir, "echo")
	r := runBin(t, 2*time.Minute, nil, "record", "--target", echo.URL, "--out", out, "--label-filter", "errors && json")
	if r.exit != 0 {
		t.Fatalf("record of the echo: %d %s", r.exit, r.stderr)
	}
	mu.Lock() // the server may still be answering a straggler
	defer mu.Unlock()
	if len(sigs) < 10 {
		t.Fatalf("the echo saw %d signatures", len(sigs))
	}
	all := grepRecording(t, out)
	for _, s := range sigs {
		if strings.Contains(all, s) {
			t.Errorf("the recording holds a signature: %s", s)
		}
	}
	if !strings.Contains(all, parity.SecretPlaceholder) {
		t.Error("the echoed signatures were not replaced by the placeholder (did the echo work?)")
	}
}

// signatureValue is a signature that is not the placeholder.
var signatureValue = regexp.MustCompile(`Signature=[^{]`)

// grepRecording checks every file of a recording for the fixtures' secrets and for signatures,
// and returns all their text.
func grepRecording(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("%s: %d files", dir, len(files))
	}
	secrets := regexp.MustCompile(`secret:\s*"?([A-Za-z0-9]{12,})`).FindAllSubmatch(fixtures.World, -1)
	prof, _ := fixtures.Profile(fixtures.ReferenceProfile)
	secrets = append(secrets, regexp.MustCompile(`AccessKeySecret2?:\s*"?([A-Za-z0-9]{12,})`).FindAllSubmatch(prof, -1)...)
	if len(secrets) < 3 {
		t.Fatalf("found %d secrets in the fixtures to grep for", len(secrets))
	}
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, s := range secrets {
			if strings.Contains(text, string(s[1])) {
				t.Errorf("%s holds a secret of the fixtures", f)
			}
		}
		if m := signatureValue.FindString(text); m != "" || strings.Contains(text, "AccessKeySecret") {
			t.Errorf("%s holds a signature or a secret: %q", f, m)
		}
		all.WriteString(text)
	}
	return all.String()
}

// Every shipped recording holds no secret and no signature.
func TestShippedRecordingsHoldNoSecrets(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "recordings", "*"))
	if !slices.Contains(dirs, referenceRecording) {
		t.Fatalf("no reference recording among %v", dirs)
	}
	for _, d := range dirs {
		grepRecording(t, d)
	}
}

// report matrix: the table on stdout, Markdown and HTML files; bad input is a usage error.
func TestReportMatrix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, dir, "reference.json", `{"target":"a","passed":2,"failed":0,"skipped":0,"cases":[{"id":"x/A/c","code":"OK","status":"passed","message":""},{"id":"x/B/c","code":"OK","status":"passed","message":""}]}`)
	b := write(t, dir, "b.json", `{"target":"b","passed":1,"failed":1,"skipped":0,"cases":[{"id":"x/A/c","code":"OK","status":"passed","message":""},{"id":"x/B/c","code":"OK","status":"failed","message":"m"}]}`)
	md, html := filepath.Join(dir, "m.md"), filepath.Join(dir, "m.html")
	r := runBin(t, time.Minute, nil, "report", "matrix", a, "--markdown", md, "acme="+b, "--html", html)
	if r.exit != 0 {
		t.Fatalf("exit %d: %s", r.exit, r.stderr)
	}
	if !strings.Contains(r.stdout, "reference") || !strings.Contains(r.stdout, "acme") || !strings.Contains(r.stdout, "2/2 (100.0%)") || !strings.Contains(r.stdout, "1/2 (50.0%)") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	for _, f := range []string{md, html} {
		if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "1/2 (50.0%)") {
			t.Errorf("%s: %v", f, err)
		}
	}
	for name, args := range map[string][]string{
		"no files":       {},
		"missing file":   {filepath.Join(dir, "nope.json")},
		"not a report":   {write(t, dir, "x.json", "[1,2]")},
		"same name":      {a, "reference=" + b},
		"html in a file": {a, "--html", filepath.Join(a, "x.html")},
		"unknown flag":   {a, "--pdf", "x"},
	} {
		r := runBin(t, time.Minute, nil, append([]string{"report", "matrix"}, args...)...)
		if r.exit != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, r.exit, r.stderr)
		}
	}
}

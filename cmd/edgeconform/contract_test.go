package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// contractReport is the JSON report (docs/protocol.md#reports), read back.
type contractReport struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Target  string `json:"target"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	Cases   []struct {
		ID        string `json:"id"`
		Code      string `json:"code"`
		Status    string `json:"status"`
		Message   string `json:"message"`
		Reproduce string `json:"reproduce"`
		Followed  []struct {
			Field, Source, Of, Note string
		} `json:"followed"`
	} `json:"cases"`
}

// junitReport is a JUnit XML reader of our own, independent of the writer's types.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// contractRun is one run of `edgeconform contract` as a subprocess.
type contractRun struct {
	exit   int
	stdout string
	stderr string
	json   contractReport
	junit  junitReport
	hasRep bool

	jsonPath, junitPath string
}

func runContractBinary(t *testing.T, args ...string) contractRun {
	t.Helper()
	dir := t.TempDir()
	jsonPath, junitPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "report.xml")
	b := runBin(t, 0, nil, append([]string{"contract", "--json", jsonPath, "--junit", junitPath}, args...)...)
	if b.hung {
		t.Fatalf("edgeconform contract %v: killed after %v", args, b.elapsed)
	}
	r := contractRun{exit: b.exit, stdout: b.stdout, stderr: b.stderr, jsonPath: jsonPath, junitPath: junitPath}
	if data, err := os.ReadFile(jsonPath); err == nil {
		if err := json.Unmarshal(data, &r.json); err != nil {
			t.Fatalf("the JSON report does not parse: %v", err)
		}
		checkJSONKeys(t, data)
		data, err := os.ReadFile(junitPath)
		if err != nil {
			t.Fatalf("JSON report but no JUnit report: %v", err)
		}
		if err := xml.Unmarshal(data, &r.junit); err != nil {
			t.Fatalf("the JUnit report does not parse: %v", err)
		}
		r.hasRep = true
	}
	return r
}

// checkJSONKeys asserts the report has exactly the members of docs/protocol.md#reports (a
// reason only when the verdict is inconclusive).
func checkJSONKeys(t *testing.T, data []byte) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	want := "cases,failed,passed,skipped,target,verdict"
	if string(top["verdict"]) == `"inconclusive"` {
		want = "cases,failed,passed,reason,skipped,target,verdict"
	}
	if got := sortedKeys(top); got != want {
		t.Errorf("JSON report members %s, want %s", got, want)
	}
	var cases []map[string]json.RawMessage
	if err := json.Unmarshal(top["cases"], &cases); err != nil {
		t.Fatalf("cases: %v", err)
	}
	for _, c := range cases {
		// "followed": where the vendor's sources disagree, which one the answer followed (follow.go).
		delete(c, "followed")
		want := "code,id,message,status"
		if _, ok := c["reproduce"]; ok && string(c["status"]) == `"failed"` {
			want = "code,id,message,reproduce,status" // only a failed case may carry one (docs/protocol.md#reports)
		}
		if got := sortedKeys(c); got != want {
			t.Fatalf("JSON case members %s, want %s", got, want)
		}
	}
}

func sortedKeys(m map[string]json.RawMessage) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// checkReports asserts that the JSON and JUnit reports agree with each other and with the summary.
func (r contractRun) checkReports(t *testing.T) {
	t.Helper()
	if !r.hasRep {
		t.Fatalf("no reports written; stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	j := r.json
	r.checkOneStory(t)
	if got := j.Passed + j.Failed + j.Skipped; got != len(j.Cases) {
		t.Errorf("JSON counts %d+%d+%d != %d cases", j.Passed, j.Failed, j.Skipped, len(j.Cases))
	}
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, c := range j.Cases {
		counts[c.Status]++
		if seen[c.ID] {
			t.Errorf("case id %s appears twice", c.ID)
		}
		seen[c.ID] = true
		if c.Status == "failed" && c.Message == "" {
			t.Errorf("failed case %s has no message", c.ID)
		}
		if strings.ContainsAny(c.Message, "\n\r") {
			t.Errorf("case %s: message is not one line: %q", c.ID, c.Message)
		}
		if c.Code == "" {
			t.Errorf("case %s has no code", c.ID)
		}
	}
	if counts["passed"] != j.Passed || counts["failed"] != j.Failed || counts["skipped"] != j.Skipped {
		t.Errorf("JSON counts %+v disagree with the cases %v", j, counts)
	}
	if len(r.junit.Suites) != 1 {
		t.Fatalf("JUnit: %d test suites, want 1", len(r.junit.Suites))
	}
	s := r.junit.Suites[0]
	if s.Tests != len(j.Cases) || len(s.Cases) != len(j.Cases) || s.Failures != j.Failed || s.Skipped != j.Skipped || r.junit.Failures != j.Failed {
		t.Errorf("JUnit totals (tests %d/%d, failures %d/%d, skipped %d) disagree with JSON (%d cases, %d failed, %d skipped)",
			s.Tests, len(s.Cases), s.Failures, r.junit.Failures, s.Skipped, len(j.Cases), j.Failed, j.Skipped)
	}
	for i, c := range s.Cases {
		if i >= len(j.Cases) {
			break
		}
		jc := j.Cases[i]
		if c.Name != jc.ID {
			t.Errorf("JUnit case %d is %s, JSON case is %s", i, c.Name, jc.ID)
			continue
		}
		if (c.Failure != nil) != (jc.Status == "failed") || (c.Skipped != nil) != (jc.Status == "skipped") {
			t.Errorf("JUnit case %s: failure %v, skipped %v; JSON status %s", c.Name, c.Failure != nil, c.Skipped != nil, jc.Status)
		}
		if c.Failure != nil && c.Failure.Message != jc.Message {
			t.Errorf("JUnit case %s: message %q, JSON %q", c.Name, c.Failure.Message, jc.Message)
		}
	}
}

// The reference implementation's secrets must not reach any output.
func (r contractRun) checkNoSecrets(t *testing.T) {
	t.Helper()
	all := r.stdout + r.stderr
	for _, c := range r.json.Cases {
		all += c.Message
	}
	for _, secret := range []string{"RefSecret", "Signature=", "ACS3-HMAC-SHA256 Credential"} {
		if strings.Contains(all, secret) {
			t.Errorf("output or report contains %q", secret)
		}
	}
}

// The embedded default: every case passes, the reports agree, and the run is quick.
func TestContractEmbeddedDefault(t *testing.T) {
	start := time.Now()
	r := runContractBinary(t)
	elapsed := time.Since(start)
	if r.exit != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	r.checkNoSecrets(t)
	if r.json.Failed != 0 || r.json.Skipped != 0 || r.json.Passed == 0 {
		t.Errorf("passed %d, failed %d, skipped %d; want all passed", r.json.Passed, r.json.Failed, r.json.Skipped)
	}
	// Every area and every page error code has cases.
	for _, prefix := range []string{"success/OK/", "success/second-start/", "gateway/", "throttle/", "errors/MissingParameter."} {
		if !hasCase(r, prefix) {
			t.Errorf("no case %s*", prefix)
		}
	}
	for _, e := range spec.Default().Errors() {
		if !hasCase(r, "errors/"+e.Code) && !hasCase(r, "gateway/"+e.Code) && !hasCase(r, "throttle/"+e.Code) {
			t.Errorf("no case for %s", e.Code)
		}
	}
	if !strings.Contains(r.stdout, "PASS:") {
		t.Errorf("summary has no verdict:\n%s", r.stdout)
	}
	t.Logf("full contract run against the embedded default: %d cases in %v (process included)", len(r.json.Cases), elapsed)
}

// either is a or b.
func either(a, b func(string) bool) func(string) bool {
	return func(id string) bool { return a(id) || b(id) }
}

// edgesExpecting: the strict edge cases whose documented answer is code (edges.go).
func edgesExpecting(code string) func(string) bool {
	return func(id string) bool {
		if !strings.HasPrefix(id, "edges/") {
			return false
		}
		switch {
		case strings.Contains(id, "-long"), strings.HasPrefix(id, "edges/regionid-"):
			// Loose (any well-formed 4xx will do), but the reference answers them JobNotFound,
			// which the spec allows at 404 only.
			return code == "JobNotFound"
		case strings.HasPrefix(id, "edges/regionid/"):
			return code == "OK"
		case strings.HasPrefix(id, "edges/clock-skew-minus16m/"), strings.HasPrefix(id, "edges/clock-skew-plus16m/"):
			return code == "InvalidTimeStamp.Expired"
		}
		return code == "JobNotFound"
	}
}

func hasCase(r contractRun, prefix string) bool {
	for _, c := range r.json.Cases {
		if strings.HasPrefix(c.ID, prefix) {
			return true
		}
	}
	return false
}

// throttleLimit is the small limit the discriminating tests' mocks throttle at.
var throttleLimit = spec.RateLimit{Calls: 20, Window: 2 * time.Second}

// startRef starts a reference implementation with defects, throttling at throttleLimit, for one test.
func startRef(t *testing.T, defects ...mock.Defect) *mock.Running {
	t.Helper()
	return startRefWith(t, mock.WithRateLimit(throttleLimit), mock.WithDefects(defects...))
}

func startRefWith(t *testing.T, opts ...mock.Option) *mock.Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r, err := mock.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// It must discriminate: against a reference implementation with one defect, contract exits 1 and
// the failed cases are exactly the cases about that defect.
func TestContractCatchesEachDefect(t *testing.T) {
	area := func(prefixes ...string) func(string) bool {
		return func(id string) bool {
			for _, p := range prefixes {
				if strings.HasPrefix(id, p) {
					return true
				}
			}
			return false
		}
	}
	contains := func(part string) func(string) bool {
		return func(id string) bool { return strings.Contains(id, part) }
	}
	all := func(string) bool { return true }
	edgesWith := func(parts ...string) func(string) bool {
		return func(id string) bool {
			for _, p := range parts {
				if strings.HasPrefix(id, "edges/") && strings.Contains(id, p) {
					return true
				}
			}
			return false
		}
	}
	// looseEdge: the edge cases where any well-formed 4xx (or any well-formed answer) will do.
	looseEdge := edgesWith("-long/", "-long-nonascii/", "regionid-nonascii/")
	// pageCodeCase: the cases that expect a code of the page, where the vendor's sources disagree.
	pageCodeCase := either(area("errors/", "success/second-start/"), edgesExpecting("JobNotFound"))
	tests := []struct {
		defect mock.Defect
		// about says which cases are about the defect: each of them must fail, no other may.
		about func(id string) bool
		// allButFirst: every case about it fails except possibly the run's very first answer.
		allButFirst bool
		// mayPass: cases about the defect whose answer happens to be right all the same.
		mayPass func(id string) bool
		// message: every failure's message names this field ("" if it may vary).
		message string
	}{
		// The edge cases' own defects (edges.go); the loose edges (a 4xx will do) may pass.
		{defect: mock.FormEncodingSigner, about: edgesWith("-space/", "-star/", "-tilde/"), message: "/Code"},
		{defect: mock.TimestampWindow(10 * time.Minute), about: edgesWith("clock-skew-minus14m/", "clock-skew-plus14m/"), message: "/Code"},
		{defect: mock.ServerErrorOnLongValue, about: edgesWith("-long/", "-long-nonascii/"), message: "no-server-error"},
		{defect: mock.ServerErrorOnNonASCII, about: edgesWith("-nonascii/", "-emoji/"), message: ""},
		{defect: mock.RegionIDRefused, about: edgesWith("regionid/"), message: "status: want 200"},
		{defect: mock.XMLByDefault, about: edgesWith("format-default/"), message: "Content-Type"},

		{defect: mock.NoRequestID, about: all, message: "RequestId"},
		{defect: mock.LowercaseRequestID, about: all, message: "RequestId"},
		{defect: mock.ReusedRequestID, about: all, allButFirst: true, message: "RequestId"},
		// The page's codes: the vendor's metadata gives each the template "%s", which any message
		// fills, so only --follow page catches them there (TestContractFollowPageCatchesMessages).
		{defect: mock.MessageOffTemplate, about: area("errors/", "gateway/", "throttle/", "success/second-start/", "edges/", "tamper/", "concurrent/", "isolation/"),
			mayPass: either(either(looseEdge, area("edges/regionid/")), either(pageCodeCase, area("concurrent/", "isolation/"))), message: "/Message"},
		{defect: mock.JobIDNotEchoed, about: area("success/OK/", "edges/regionid/", "effects/", "concurrent/", "isolation/"), message: "/JobId"},
		{defect: mock.RunningJobRestartable, about: area("errors/OperationDenied/", "success/second-start/", "concurrent/"), message: "status: want 403"},
		// A start let in without the permission starts the job: the allowed caller's start after it is refused.
		{defect: mock.PermissionIgnored, about: area("errors/Forbidden/", "effects/after-Forbidden/"), message: "/Code"},
		{defect: mock.SignatureUnchecked, about: area("gateway/SignatureDoesNotMatch/", "tamper/", "effects/after-SignatureDoesNotMatch"), message: "/Code"},
		{defect: mock.XMLIgnored, about: contains("-XML"), message: "Content-Type"},
		// A form ignored loses Action too: the unknown-Action case gets the answer it expects.
		// ... and the loose edge cases, which a 4xx satisfies.
		// (tamper/v3-body/POST-v3-JSON loses its V3 form body too, and is refused all the same.)
		{defect: mock.FormIgnored, about: contains("/POST-v1-"), mayPass: either(area("gateway/InvalidAction.NotFound/POST-v1-JSON"), looseEdge)},
		{defect: mock.WrongContentType, about: all, message: "Content-Type"},
		{defect: mock.MissingParamUnnamed, about: area("errors/MissingParameter."), message: "/Message"},
		{defect: mock.TimestampUnchecked, about: area("gateway/InvalidTimeStamp.Expired/", "edges/clock-skew-minus16m/", "edges/clock-skew-plus16m/"), message: "/Code"},
		{defect: mock.NonceUnchecked, about: area("gateway/SignatureNonceUsed/"), message: "/Code"},
		{defect: mock.ActionUnchecked, about: area("gateway/InvalidAction.NotFound/"), message: "/Code"},
		{defect: mock.VersionUnchecked, about: area("gateway/InvalidVersion/"), message: "/Code"},
		{defect: mock.QuotaIgnored, about: area("errors/UserQuotaExceed/"), message: "/Code"},
		{defect: mock.TaskLimitIgnored, about: area("errors/UserTaskExceed/"), message: "/Code"},
		{defect: mock.FaultIgnored, about: area("errors/InternalError/"), message: "/Code"},
		{defect: mock.ThrottleWrongCode, about: area("throttle/"), message: "/Code"},
		{defect: mock.ThrottleWrongStatus, about: area("throttle/"), message: "status: want 400"},
		{defect: mock.NoLimit, about: area("throttle/", "effects/after-Throttling.User/"), message: "no call was throttled"},
		{defect: mock.RetryAfterTooLong, about: area("throttle/"), message: specfacts.HeaderRetryAfter},
		{defect: mock.StringToSignMisquoted, about: area("gateway/SignatureDoesNotMatch/GET-v1-", "gateway/SignatureDoesNotMatch/POST-v1-"),
			message: "string to sign"},

		// What a call does to the world, and who may do it (defect_effects.go): each caught by its own cases only.
		{defect: mock.V1SignatureCommonOnly, about: area("tamper/v1-"), message: "/Code"},
		{defect: mock.PayloadHashTrusted, about: area("tamper/v3-body/"), message: "/Code"},
		{defect: mock.WorkBeforeThrottle, about: area("effects/after-Throttling.User/"), message: "status: want 200"},
		{defect: mock.StartBeforeParamCheck, about: area("effects/after-MissingParameter/"), message: "status: want 200"},
		{defect: mock.CheckThenMarkRace, about: area("concurrent/"), message: "status: want 403"},
		{defect: mock.JobsShared, about: area("isolation/"), message: "want 404 JobNotFound or 403 Forbidden"},
	}
	// A wrong status for each code of the spec: the cases expecting that code fail, no other.
	for _, e := range spec.Default().Errors() {
		about := either(area("errors/"+e.Code+"/", "errors/"+e.Code+".", "gateway/"+e.Code+"/", "throttle/"+e.Code+"/"), edgesExpecting(e.Code))
		switch e.Code {
		case "OperationDenied":
			about = area("errors/OperationDenied/", "success/second-start/", "concurrent/")
		case "SignatureDoesNotMatch":
			about = either(about, area("tamper/"))
		case "JobNotFound": // the reference answers another account's start JobNotFound
			about = either(about, area("isolation/"))
		}
		tests = append(tests, struct {
			defect      mock.Defect
			about       func(id string) bool
			allButFirst bool
			mayPass     func(id string) bool
			message     string
		}{defect: mock.WrongStatus(e.Code), about: about, message: fmt.Sprintf("status: want %d", e.Status)})
	}
	for _, tt := range tests {
		t.Run(tt.defect.String(), func(t *testing.T) {
			t.Parallel()
			ref := startRef(t, tt.defect)
			r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String())
			if r.exit != 1 {
				t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
			}
			r.checkReports(t)
			r.checkNoSecrets(t)
			var passedAbout []string
			for i, c := range r.json.Cases {
				if c.Status == "failed" && !strings.HasPrefix(c.Reproduce, `eval "$(edgeconform sign `) {
					t.Errorf("failed case %s has no reproduce line: %q", c.ID, c.Reproduce)
				}
				about := tt.about(c.ID)
				switch {
				case c.Status == "failed" && !about:
					t.Errorf("case %s failed, and is not about %s: %s", c.ID, tt.defect, c.Message)
				case c.Status == "failed" && !strings.Contains(c.Message, tt.message):
					t.Errorf("case %s: message %q does not name %q", c.ID, c.Message, tt.message)
				case c.Status == "passed" && about && !(tt.allButFirst && i == 0) && !(tt.mayPass != nil && tt.mayPass(c.ID)):
					passedAbout = append(passedAbout, c.ID)
				case c.Status == "skipped":
					t.Errorf("case %s skipped: %s", c.ID, c.Message)
				}
			}
			if len(passedAbout) > 0 {
				t.Errorf("%d cases about %s passed: %v", len(passedAbout), tt.defect, passedAbout)
			}
			if r.json.Failed == 0 {
				t.Errorf("no case failed")
			}
		})
	}
}

// Against the correct implementation with its state endpoint: exit 0, nothing failed.
func TestContractConformingTarget(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--rate-limit", throttleLimit.String())
	if r.exit != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	if r.json.Failed != 0 || r.json.Skipped != 0 {
		t.Errorf("failed %d, skipped %d; want 0 and 0", r.json.Failed, r.json.Skipped)
	}
}

// Without --rate-limit the target's limit is unknown: the throttle cases are skipped with the
// reason, never passed; --strict turns those skips into failures.
func TestContractThrottleNeedsAKnownLimit(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "throttle")
	if r.exit != 3 {
		t.Errorf("every selected case skipped: exit %d, want 3 (nothing was verified)", r.exit)
	}
	r.checkReports(t)
	for _, c := range r.json.Cases {
		if c.Status != "skipped" || !strings.Contains(c.Message, "--rate-limit") {
			t.Errorf("case %s: %s %q, want skipped naming --rate-limit", c.ID, c.Status, c.Message)
		}
	}
	strict := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "throttle", "--strict")
	if strict.exit != 1 || strict.json.Failed != len(strict.json.Cases) || len(strict.json.Cases) == 0 {
		t.Errorf("--strict: exit %d, %d of %d failed; want exit 1, all failed", strict.exit, strict.json.Failed, len(strict.json.Cases))
	}
}

// The label filter selects cases; the report holds only those.
func TestContractLabelFilter(t *testing.T) {
	t.Parallel()
	r := runContractBinary(t, "--label-filter", "gateway && v3 && xml")
	if r.exit != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	if got, want := len(r.json.Cases), 6*2; got != want {
		t.Errorf("%d cases, want %d: 6 gateway codes in the 2 cells (GET and POST) of v3 and XML", got, want)
	}
	for _, c := range r.json.Cases {
		if !strings.HasPrefix(c.ID, "gateway/") || !strings.Contains(c.ID, "-v3-XML") {
			t.Errorf("case %s does not match the filter", c.ID)
		}
	}
}

// Fixture mode against a mock serving the reference world: the reference profile arranges every
// state (from the world's pools); only the throttle cases, without --rate-limit, are skipped with
// the reason, never failed.
func TestContractFixtureMode(t *testing.T) {
	t.Parallel()
	ref := startRefWith(t)
	r := runContractBinary(t, "--target", ref.APIURL, "--profile", filepath.Join("..", "..", "fixtures", "profiles", "reference.yaml"))
	if r.exit != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	if r.json.Passed == 0 || r.json.Failed != 0 {
		t.Errorf("passed %d, failed %d", r.json.Passed, r.json.Failed)
	}
	for _, c := range r.json.Cases {
		if c.Status == "skipped" && !strings.Contains(c.Message, "--rate-limit") {
			t.Errorf("case %s skipped for another reason than the unknown limit: %s", c.ID, c.Message)
		}
	}
}

// A state endpoint that does not support a state: its cases are skipped with the reason; one that
// fails: its cases fail; one that fails everywhere: exit 3.
func TestContractStateEndpointFailures(t *testing.T) {
	t.Parallel()
	ref := startRef(t)
	// Supports everything but the quota state (501) and fails the fault state (500); remembers the
	// secrets it hands out, which must not reach any output.
	var (
		mu      sync.Mutex
		secrets []string
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.Contains(string(body), spec.StateQuotaExhausted):
			http.Error(w, "not supported here", http.StatusNotImplemented)
			return
		case strings.Contains(string(body), spec.StateInternalFault):
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		resp, err := http.Post(ref.AdminURL, "application/json", strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		var v map[string]any
		if json.Unmarshal(answer, &v) == nil {
			for _, k := range []string{"AccessKeySecret", "AccessKeySecret2"} {
				if s, ok := v[k].(string); ok && s != "" {
					mu.Lock()
					secrets = append(secrets, s)
					mu.Unlock()
				}
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(answer)
	}))
	defer proxy.Close()
	r := runContractBinary(t, "--target", ref.APIURL, "--state-url", proxy.URL, "--label-filter", "errors && get && v1 && json")
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	mu.Lock()
	if len(secrets) == 0 {
		t.Error("the state endpoint handed out no secret: the check below proves nothing")
	}
	output := r.stdout + r.stderr + fmt.Sprint(r.json)
	for _, s := range secrets {
		if strings.Contains(output, s) {
			t.Errorf("a secret from the state endpoint reached the output")
		}
	}
	mu.Unlock()
	for _, c := range r.json.Cases {
		switch c.Code {
		case "UserQuotaExceed":
			if c.Status != "skipped" || !strings.Contains(c.Message, "501") {
				t.Errorf("unsupported state: %s %s %q, want skipped with the 501", c.ID, c.Status, c.Message)
			}
		case "InternalError":
			if c.Status != "failed" || !strings.Contains(c.Message, "500") {
				t.Errorf("failing state: %s %s %q, want failed with the 500", c.ID, c.Status, c.Message)
			}
		default:
			if c.Status != "passed" {
				t.Errorf("%s: %s %q", c.ID, c.Status, c.Message)
			}
		}
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>not JSON</html>")
	}))
	defer broken.Close()
	r = runContractBinary(t, "--target", ref.APIURL, "--state-url", broken.URL, "--label-filter", "errors && get && v1 && json")
	if r.exit != 3 {
		t.Fatalf("state endpoint failing everywhere: exit %d, want 3; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "provider-state setup failed everywhere") {
		t.Errorf("stderr does not say why: %s", r.stderr)
	}
}

// A target that is down, answers garbage or hangs: failed cases and a clear exit, never a hang.
func TestContractBrokenTargets(t *testing.T) {
	t.Parallel()
	profile := filepath.Join("..", "..", "fixtures", "profiles", "reference.yaml")
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		r := runContractBinary(t, "--target", url, "--profile", profile)
		if r.exit != 3 || !strings.Contains(r.stderr, "unreachable") {
			t.Fatalf("exit %d, want 3 saying unreachable; stderr:\n%s", r.exit, r.stderr)
		}
		r.checkReports(t)
	})
	t.Run("garbage", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			io.WriteString(w, "{garbage")
		}))
		defer srv.Close()
		r := runContractBinary(t, "--target", srv.URL, "--profile", profile)
		if r.exit != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", r.exit, r.stderr)
		}
		r.checkReports(t)
		if r.json.Passed != 0 || r.json.Failed == 0 {
			t.Errorf("passed %d, failed %d; want none passed", r.json.Passed, r.json.Failed)
		}
	})
	t.Run("hangs", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		r := runContractBinary(t, "--target", srv.URL, "--profile", profile, "--timeout", "100ms", "--deadline", "1s")
		if r.exit != 3 {
			t.Fatalf("exit %d, want 3; stderr:\n%s", r.exit, r.stderr)
		}
		r.checkReports(t)
		if r.json.Passed != 0 {
			t.Errorf("%d cases passed against a target that never answers", r.json.Passed)
		}
	})
}

func TestContractUsage(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"state-url and profile": {"--target", "http://127.0.0.1:1", "--state-url", "http://127.0.0.1:2", "--profile", "x.yaml"},
		"state-url alone":       {"--state-url", "http://127.0.0.1:2"},
		"bad label filter":      {"--label-filter", "errors &&"},
		"bad target":            {"--target", "ftp://x"},
		"bad state URL":         {"--target", "http://127.0.0.1:1", "--state-url", "nope"},
		"missing profile":       {"--target", "http://127.0.0.1:1", "--profile", "/nonexistent.yaml"},
		"bad signature":         {"--signature", "v2"},
		"bad rate limit":        {"--rate-limit", "lots"},
		"filter selects none":   {"--label-filter", "nosuchlabel"},
		"unknown flag":          {"--nope"},
		"half credentials":      {"--access-key-id", "x"},
		"no parallelism":        {"--parallel", "0"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runContractBinary(t, args...)
			if r.exit != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", r.exit, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines > 0 || r.stderr == "" {
				t.Errorf("want a one-line error, got:\n%s", r.stderr)
			}
		})
	}
}

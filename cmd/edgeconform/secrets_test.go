package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// secretMark is in every AccessKeySecret of the world and profile these tests use: the reference
// fixtures with their secrets renamed, so a leak of any of them is one grep.
const secretMark = "Zebra5ecretQx"

func markSecrets(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("RefSecret"), []byte(secretMark))
}

// recorder keeps every secret and signature that went over the wire, to grep the outputs for.
type recorder struct {
	mu         sync.Mutex
	signatures map[string]bool // V1 Signature values and V3 Authorization signatures
	secrets    map[string]bool // AccessKeySecret(2) values handed out by the state endpoint
}

var v3SigRe = regexp.MustCompile(`Signature=([0-9a-fA-F]+)`)

func (rc *recorder) add(m map[string]bool, v string) {
	if len(v) < 8 {
		return // too short to grep for without false hits
	}
	rc.mu.Lock()
	m[v] = true
	rc.mu.Unlock()
}

// api wraps the API handler: it records the signatures of the calls passing through.
func (rc *recorder) api(target string) http.Handler {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc.add(rc.signatures, r.URL.Query().Get("Signature"))
		if form, err := url.ParseQuery(string(body)); err == nil {
			rc.add(rc.signatures, form.Get("Signature"))
		}
		if m := v3SigRe.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			rc.add(rc.signatures, m[1])
		}
		proxy.ServeHTTP(w, r)
	})
}

// admin wraps the provider-state endpoint: it records the secrets it hands out.
func (rc *recorder) admin(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(http.MethodPost, target, r.Body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", r.Header.Get("Authorization")) // the state token, as sent
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var v map[string]string
		if json.Unmarshal(body, &v) == nil {
			rc.add(rc.secrets, v["AccessKeySecret"])
			rc.add(rc.secrets, v["AccessKeySecret2"])
			rc.add(rc.secrets, v["OtherAccessKeySecret"])
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	})
}

// leakRun is one command run whose output and files are checked.
type leakRun struct {
	name     string
	args     []string
	env      []string
	signs    bool // sign prints a signed URL: its purpose, so its stdout is exempt from the signature grep
	mockStop bool // mock: serve, make calls, then SIGINT
}

// Every command, with failing paths, run with the marked secrets: no AccessKeySecret (the
// world's, the environment's, the flag's, the state endpoint's) and no signature that went over
// the wire appears on stdout, stderr or in any file written (--json, --junit, --report-dir,
// --output), mock --verbose logs included.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	worldYAML := markSecrets(fixtures.World)
	w, err := world.Parse(worldYAML)
	if err != nil {
		t.Fatal(err)
	}
	worldFile := filepath.Join(dir, "world.yaml")
	os.WriteFile(worldFile, worldYAML, 0o644)
	ref, err := fixtures.Profile(fixtures.ReferenceProfile)
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "profile.yaml")
	os.WriteFile(profile, markSecrets(ref), 0o644)
	wrongProfile := filepath.Join(dir, "wrong.yaml")
	os.WriteFile(wrongProfile, bytes.ReplaceAll(markSecrets(ref), []byte(secretMark), []byte(secretMark+"Wrong")), 0o644)

	limit := spec.RateLimit{Calls: 20, Window: time.Second}
	rc := &recorder{signatures: map[string]bool{}, secrets: map[string]bool{}}
	// Two reference implementations serving the marked world behind recording proxies: one for
	// the fixture-mode runs (which change its world), one for the state-endpoint runs.
	// The state-endpoint runs' implementation guards its endpoint with a token (marked: a leak is
	// the same grep), which they send by flag or by variable.
	stateToken := secretMark + "StateToken01"
	target := func(opts ...mock.Option) (api, admin string) {
		r := startRefWith(t, append([]mock.Option{mock.WithWorld(w), mock.WithRateLimit(limit)}, opts...)...)
		a := httptest.NewServer(rc.api(r.APIURL))
		t.Cleanup(a.Close)
		s := httptest.NewServer(rc.admin(r.AdminURL))
		t.Cleanup(s.Close)
		return a.URL, s.URL
	}
	fixtureAPI, _ := target()
	stateAPI, stateURL := target(mock.WithAdminToken(stateToken))
	tokenFlag := []string{"--state-token", stateToken}
	tokenEnv := stateTokenEnv + "=" + stateToken
	down := "http://127.0.0.1:1"
	key := "LTAI5tRefAdmin000000001"
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + key, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + secretMark + "Admin00000000000000001"}
	out := func(run, name string) string { return filepath.Join(dir, run, name) }
	reports := func(run string, kinds ...string) []string {
		os.MkdirAll(filepath.Join(dir, run), 0o755)
		var a []string
		for _, k := range kinds {
			switch k {
			case "json":
				a = append(a, "--json", out(run, "report.json"))
			case "junit":
				a = append(a, "--junit", out(run, "report.xml"))
			case "dir":
				a = append(a, "--report-dir", out(run, "html"))
			case "output":
				a = append(a, "--output", out(run, "results.bin"))
			}
		}
		return a
	}
	rl := limit.String()
	runs := []leakRun{
		{name: "run", args: append([]string{"run", "--target", stateAPI, "--state-url", stateURL, "--rate-limit", rl, "--progress", "lines"}, reports("run", "json", "junit", "dir")...), env: []string{tokenEnv}},
		{name: "run-down", args: append([]string{"run", "--target", down, "--profile", profile, "--timeout", "300ms"}, reports("run-down", "json", "junit")...)},
		{name: "contract-fixture", args: append([]string{"contract", "--target", fixtureAPI, "--profile", profile, "--verbose"}, reports("contract-fixture", "json", "junit")...)},
		{name: "contract-env-creds", args: append([]string{"contract", "--target", stateAPI, "--state-url", stateURL, "--rate-limit", rl, "--verbose"}, reports("contract-env-creds", "json", "junit")...), env: append([]string{tokenEnv}, env...)},
		{name: "contract-no-state-token", args: append([]string{"contract", "--target", stateAPI, "--state-url", stateURL, "--label-filter", "success", "--verbose"}, reports("contract-no-state-token", "json", "junit")...)},
		{name: "contract-bad-signature", args: append([]string{"contract", "--target", stateAPI, "--profile", wrongProfile, "--verbose"}, reports("contract-bad-signature", "json", "junit")...)},
		{name: "record", args: append(append([]string{"record", "--target", stateAPI, "--state-url", stateURL, "--rate-limit", rl, "--out", out("record", "rec")}, tokenFlag...), reports("record", "json")...)},
		{name: "contract-snapshot", args: append([]string{"contract", "--target", fixtureAPI, "--profile", profile, "--snapshot", referenceRecording}, reports("contract-snapshot", "json", "junit")...)},
		{name: "contract-down", args: append([]string{"contract", "--target", down, "--profile", profile, "--timeout", "300ms"}, reports("contract-down", "json", "junit")...)},
		{name: "contract-flag-secret", args: []string{"contract", "--access-key-id", key, "--access-key-secret", secretMark + "Flag000000", "--target", "ftp://x"}},
		{name: "throttle", args: append(append([]string{"throttle", "--target", stateAPI, "--state-url", stateURL, "--rate-limit", rl, "--progress", "lines"}, tokenFlag...), reports("throttle", "json", "dir")...)},
		{name: "throttle-bad-signature", args: append([]string{"throttle", "--target", stateAPI, "--profile", wrongProfile, "--rate-limit", rl, "--progress", "lines"}, reports("throttle-bad-signature", "json", "dir")...)},
		{name: "load", args: append(append([]string{"load", "--target", stateAPI, "--state-url", stateURL, "--rate", "50", "--duration", "300ms", "--progress", "lines", "--threshold", "errors<1%"}, tokenFlag...), reports("load", "json", "dir", "output")...)},
		{name: "load-v3-post", args: append([]string{"load", "--target", stateAPI, "--state-url", stateURL, "--rate", "50", "--duration", "300ms", "--signature", "v3", "--method", "POST", "--progress", "lines"}, reports("load-v3-post", "json", "output")...), env: []string{tokenEnv}},
		{name: "load-bad-signature", args: append([]string{"load", "--target", stateAPI, "--profile", wrongProfile, "--rate", "50", "--duration", "300ms", "--progress", "lines"}, reports("load-bad-signature", "json", "dir", "output")...)},
		{name: "load-down", args: append([]string{"load", "--target", down, "--profile", profile, "--rate", "20", "--duration", "200ms", "--timeout", "300ms"}, reports("load-down", "json", "output")...)},
		{name: "load-emit", args: append(append([]string{"load", "--target", stateAPI, "--state-url", stateURL, "--emit-targets", "3"}, tokenFlag...), reports("load-emit", "output")...), signs: true},
		{name: "mock", args: []string{"mock", "--world", worldFile, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--verbose"}, mockStop: true,
			env: []string{adminTokenEnv + "=" + secretMark + "AdminToken01"}},
		{name: "spec", args: []string{"spec", "show"}, env: env},
		{name: "spec-validate", args: []string{"spec", "validate", worldFile}, env: env},
		{name: "sign", args: []string{"sign", "--target", stateAPI, "--param", "ClusterId=c", "--param", "JobId=j"}, env: env, signs: true},
		{name: "sign-v3-curl", args: []string{"sign", "--target", stateAPI, "--signature", "v3", "--curl", "--method", "POST", "--param", "JobId=j"}, env: env, signs: true},
		{name: "sign-bad-target", args: []string{"sign", "--target", "ftp://x", "--access-key-id", key, "--access-key-secret", secretMark + "Flag000000"}},
		{name: "sign-half-creds", args: []string{"sign", "--access-key-secret", secretMark + "Flag000000"}},
	}
	var wg sync.WaitGroup
	results := make([]binRun, len(runs))
	for i, lr := range runs {
		if lr.name == "report" || lr.name == "report-compare" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if lr.mockStop {
				results[i] = runMockBriefly(t, lr.env, lr.args, rc)
				return
			}
			results[i] = runBin(t, 3*time.Minute, lr.env, lr.args...)
		}()
	}
	wg.Wait()
	// report merge of what the load runs saved.
	merge := runBin(t, time.Minute, env, "report", "merge", "-o", out("load", "merged.json"), out("load", "results.bin"), out("load-bad-signature", "results.bin"))
	runs = append(runs, leakRun{name: "report"})
	results = append(results, merge)
	// report compare of a JSON report and raw results (too short to judge, exit 3: its text still).
	cmp := runBin(t, time.Minute, env, "report", "compare", "--json", out("load", "compare.json"), out("load", "report.json"), out("load-bad-signature", "results.bin"))
	runs = append(runs, leakRun{name: "report-compare"})
	results = append(results, cmp)

	// A positive control: sign's URL, sent through the recording proxy, must then be found by
	// the grep in sign's own stdout (were that not exempt).
	var signOut string
	for i, lr := range runs {
		if lr.name == "sign" {
			signOut = results[i].stdout
		}
	}
	if resp, err := http.Get(strings.TrimSpace(signOut)); err != nil {
		t.Errorf("sign's URL: %v", err)
	} else {
		resp.Body.Close()
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	found := false
	for s := range rc.signatures {
		found = found || strings.Contains(signOut, url.QueryEscape(s))
	}
	if !found {
		t.Errorf("the grep does not find the signature of sign's URL %q: it would miss a leak", signOut)
	}
	if len(rc.signatures) < 100 || len(rc.secrets) == 0 {
		t.Fatalf("recorded %d signatures and %d state secrets: the runs did not call the targets", len(rc.signatures), len(rc.secrets))
	}
	t.Logf("grepping for %d signatures, %d handed-out secrets and %q", len(rc.signatures), len(rc.secrets), secretMark)
	check := func(where, text string, signatures bool) {
		t.Helper()
		if strings.Contains(text, secretMark) {
			t.Errorf("%s contains a marked secret: %s", where, around(text, secretMark))
		}
		for s := range rc.secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains a secret the state endpoint handed out: %s", where, around(text, s))
			}
		}
		if !signatures {
			return
		}
		for s := range rc.signatures {
			if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
				t.Errorf("%s contains a signature: %s", where, around(text, s))
			}
		}
	}
	for i, lr := range runs {
		r := results[i]
		if r.hung {
			t.Errorf("%s: hung", lr.name)
		}
		if r.exit == 2 && !strings.Contains(lr.name, "flag-secret") && !strings.Contains(lr.name, "bad-target") && !strings.Contains(lr.name, "half-creds") {
			t.Errorf("%s: usage error, the command did not run: %s", lr.name, r.stderr)
		}
		t.Logf("%s: exit %d in %v: %s", lr.name, r.exit, r.elapsed.Round(time.Millisecond), lastLine(r.stderr))
		if want, ok := map[string]int{"contract-no-state-token": 3, "record": 0}[lr.name]; ok && r.exit != want {
			t.Errorf("%s: exit %d, want %d (the state token: the guarded endpoint refuses a run without it, serves one with it)", lr.name, r.exit, want)
		}
		// sign's output is a signed URL or curl command: the signature is its purpose (exempt
		// from the signature grep), the secret never is. load --emit-targets likewise writes
		// signed targets, by request, to --output.
		check(lr.name+" stdout", r.stdout, !lr.signs)
		check(lr.name+" stderr", r.stderr, true)
	}
	err = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || path == worldFile || path == profile || path == wrongProfile {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		check(rel, string(data), !strings.HasPrefix(rel, "load-emit"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The files the runs were asked for exist: the grep saw them.
	for _, f := range []string{"run/report.json", "run/report.xml", "contract-bad-signature/report.json", "throttle/report.json",
		"load/results.bin", "load/html/index.html", "record/rec/meta.json", "contract-snapshot/report.json", "load-bad-signature/results.bin", "load/merged.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was not written: %v", f, err)
		}
	}
}

// around shows where s occurs in text, with s itself masked.
func around(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		i = strings.Index(text, url.QueryEscape(s))
	}
	if i < 0 {
		return "(URL-escaped)"
	}
	lo, hi := max(0, i-60), min(len(text), i+len(s)+20)
	return strings.ReplaceAll(text[lo:hi], s, "<SECRET>")
}

// runMockBriefly starts `edgeconform mock`, makes calls to it that succeed and that fail (a bad
// signature, V3, the admin endpoint), then stops it with SIGINT, as a user would.
func runMockBriefly(t *testing.T, env, args []string, rc *recorder) binRun {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := binCommand(ctx, env, args...)
	adminToken := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, adminTokenEnv+"="); ok {
			adminToken = v
		}
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return binRun{}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return binRun{}
	}
	var stdout strings.Builder
	sc := bufio.NewScanner(stdoutPipe)
	var api, admin string
	for (api == "" || admin == "") && sc.Scan() {
		line := sc.Text()
		stdout.WriteString(line + "\n")
		if v, ok := strings.CutPrefix(line, "api: "); ok {
			api = v
		}
		if v, ok := strings.CutPrefix(line, "admin: "); ok {
			admin = v
		}
	}
	go io.Copy(&stdout, stdoutPipe) // the rest, until the process ends
	if api != "" && admin != "" {
		s := spec.Default()
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
		params := url.Values{"ClusterId": {"c0a8013b-4d18-395c-8106-ff21a6000001"}, "JobId": {"5f0e20b48fb04483915d4f2cd8ac0001"}}
		for _, c := range []struct {
			secret string
			sv     protocol.SignatureVersion
		}{{secretMark + "Admin00000000000000001", protocol.SignatureV1}, {secretMark + "Admin00000000000000001", protocol.SignatureV3}, {secretMark + "Wrong", protocol.SignatureV1}} {
			req, err := protocol.NewRequest(ctx, api, protocol.Credentials{AccessKeyID: "LTAI5tRefAdmin000000001", AccessKeySecret: c.secret},
				protocol.Call{Transport: protocol.Transport{Signature: c.sv}, Action: s.Action(), Version: s.Version(), Params: params})
			if err != nil {
				t.Error(err)
				continue
			}
			if sig := req.URL.Query().Get("Signature"); sig != "" {
				rc.add(rc.signatures, sig)
			}
			if m := v3SigRe.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
				rc.add(rc.signatures, m[1])
			}
			if resp, err := hc.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		for _, auth := range []string{"", "Bearer " + adminToken} { // refused (401), then served
			req, _ := http.NewRequest(http.MethodPost, admin, strings.NewReader(`{"state":"a fresh account","action":"setup"}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := hc.Do(req)
			if err != nil {
				continue
			}
			if (auth == "") != (resp.StatusCode == http.StatusUnauthorized) {
				t.Errorf("mock with an admin token: a state change with %q answered %d", strings.TrimSuffix(auth, adminToken), resp.StatusCode)
			}
			var v map[string]string
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			rc.add(rc.secrets, v["AccessKeySecret"])
		}
	} else {
		t.Errorf("mock did not print its addresses: %q", stdout.String())
	}
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	r := binRun{stdout: stdout.String(), stderr: stderr.String(), hung: ctx.Err() != nil}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	}
	if !strings.Contains(r.stderr, "LTAI5tRefAdmin000000001") {
		t.Errorf("mock --verbose logged no request: %q", r.stderr)
	}
	return r
}

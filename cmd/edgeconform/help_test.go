package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// helpFlags runs `edgeconform <command> --help` and returns the flags it lists.
func helpFlags(t *testing.T, command ...string) (map[string]bool, string) {
	t.Helper()
	r := runBin(t, 30*time.Second, nil, append(command, "--help")...)
	if r.exit != 0 {
		t.Fatalf("%v --help: exit %d; stderr %s", command, r.exit, r.stderr)
	}
	out := map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(r.stdout, -1) {
		out[m[1]] = true
	}
	return out, r.stdout
}

// Every command that calls a target has the same core flags; --help lists no flag the command
// refuses; run says what --signature means there; report merge prints its usage once.
func TestHelpListsTheFlagsHonoured(t *testing.T) {
	t.Parallel()
	core := []string{"target", "state-url", "profile", "signature", "rate-limit", "json", "report-dir", "timeout", "deadline"}
	want := map[string][]string{
		"contract": append([]string{"label-filter", "verbose", "strict", "junit", "access-key-id", "access-key-secret"}, core...),
		"run":      append([]string{"label-filter", "verbose", "strict", "junit", "access-key-id", "access-key-secret", "progress"}, core...),
		"throttle": append([]string{"progress"}, core...),
		"load":     append([]string{"rate", "duration", "threshold", "output"}, core...),
	}
	refused := map[string][]string{"throttle": {"junit", "access-key-id"}, "load": {"junit", "access-key-id"}}
	for command, flags := range want {
		listed, _ := helpFlags(t, command)
		for _, f := range flags {
			if !listed[f] {
				t.Errorf("%s --help does not list --%s", command, f)
			}
		}
		for _, f := range refused[command] {
			if listed[f] {
				t.Errorf("%s --help lists --%s, which it does not take", command, f)
			}
		}
	}
	_, runHelp := helpFlags(t, "run")
	if !strings.Contains(runHelp, "contract runs only that signature's cases") {
		t.Errorf("run --help does not say what --signature means there:\n%s", runHelp)
	}
	_, merge := helpFlags(t, "report", "merge")
	if n := strings.Count(merge, "usage: "); n != 1 {
		t.Errorf("report merge --help prints its usage %d times:\n%s", n, merge)
	}
}

// The flags --help lists are honoured: each, given with a sensible value, is never answered "does
// not apply" or "not supported" (against a target that is down: the commands end at once).
func TestListedFlagsAreHonoured(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	value := map[string]string{
		"profile": referenceProfile, "signature": "v3", "rate-limit": "20/1m", "json": filepath.Join(dir, "r.json"),
		"junit": filepath.Join(dir, "r.xml"), "report-dir": filepath.Join(dir, "rd"), "timeout": "300ms", "deadline": "20s",
		"label-filter": "gateway", "verbose": "true", "strict": "true", "progress": "none", "rate": "10", "duration": "300ms",
		"accounts": "1", "threshold": "p99<1s", "shard": "0/1", "output": filepath.Join(dir, "o.bin"), "method": "POST",
		"format": "XML", "workers": "1", "max-workers": "2", "access-key-id": "LTAIx", "access-key-secret": "y",
	}
	for _, command := range []string{"contract", "throttle", "load", "run"} {
		listed, _ := helpFlags(t, command)
		for f := range listed {
			v, ok := value[f]
			if !ok {
				continue // target and state-url are the base; emit-targets changes what load does
			}
			t.Run(command+" --"+f, func(t *testing.T) {
				t.Parallel()
				args := []string{command, "--target", "http://127.0.0.1:1", "--" + f + "=" + v}
				switch f {
				case "access-key-id":
					args = append(args, "--access-key-secret=y")
				case "access-key-secret":
					args = append(args, "--access-key-id=LTAIx")
				}
				if command != "contract" && command != "load" {
					args = append(args, "--progress=none")
				}
				r := runBin(t, time.Minute, nil, args...)
				r.checkSane(t)
				for _, refusal := range []string{"does not apply", "not supported", "not implemented"} {
					if strings.Contains(r.stderr, refusal) {
						t.Errorf("--%s is listed, yet: %s", f, r.stderr)
					}
				}
			})
		}
	}
}

// contract --report-dir writes the JSON and JUnit reports and the summary there.
func TestContractReportDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "reports")
	r := runBin(t, time.Minute, nil, "contract", "--label-filter", "gateway && get && v1", "--report-dir", dir)
	if r.exit != 0 {
		t.Fatalf("exit %d: %s", r.exit, r.stderr)
	}
	var rep contractReport
	data, _ := os.ReadFile(filepath.Join(dir, "contract.json"))
	if err := json.Unmarshal(data, &rep); err != nil || rep.Verdict != "pass" || rep.Passed == 0 {
		t.Errorf("contract.json: %v %+v", err, rep)
	}
	xml, _ := os.ReadFile(filepath.Join(dir, "contract.xml"))
	txt, _ := os.ReadFile(filepath.Join(dir, "contract.txt"))
	if !strings.Contains(string(xml), "<testsuites") || lastLine(string(txt)) != lastLine(r.stdout) {
		t.Errorf("contract.xml %d bytes; contract.txt ends %q, stdout %q", len(xml), lastLine(string(txt)), lastLine(r.stdout))
	}
}

// load --target alone falls back to the shipped profile, as contract does.
func TestLoadTargetAloneUsesTheShippedProfile(t *testing.T) {
	t.Parallel()
	m := startMockProc(t, "--world", referenceWorld)
	r := runBin(t, time.Minute, nil, "load", "--target", m.api, "--rate", "20", "--duration", "500ms", "--progress", "none")
	r.checkSane(t)
	if r.exit != 0 || !strings.Contains(r.stderr, "embedded reference profile") {
		t.Errorf("exit %d; stderr %s", r.exit, r.stderr)
	}
}

// edgeconform --version prints one line naming the binary and its version.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--version", "version"} {
		r := runBin(t, 30*time.Second, nil, arg)
		if r.exit != 0 || !regexp.MustCompile(`^edgeconform \S+( \(\S+\))?\n$`).MatchString(r.stdout) {
			t.Errorf("%s: exit %d, stdout %q", arg, r.exit, r.stdout)
		}
	}
}

// JSON reports are not HTML-escaped: a threshold reads p99<1s.
func TestJSONReportsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	js := filepath.Join(dir, "load.json")
	r := runBin(t, time.Minute, nil, "load", "--rate", "20", "--duration", "300ms", "--progress", "none", "--threshold", "p99<10s", "--json", js, "--report-dir", filepath.Join(dir, "rd"))
	if r.exit != 0 {
		t.Fatalf("exit %d: %s", r.exit, r.stderr)
	}
	for _, f := range []string{js, filepath.Join(dir, "rd", "report.json")} {
		data, _ := os.ReadFile(f)
		if !strings.Contains(string(data), "p99<10s") || strings.Contains(string(data), `\u003c`) {
			t.Errorf("%s: want p99<10s unescaped:\n%s", f, data)
		}
	}
}

// The mock stops promptly on SIGTERM, saying so, even with a request in flight that never
// completes (its drain is bounded well below the 5 s a graceful shutdown would wait).
func TestMockStopsPromptly(t *testing.T) {
	t.Parallel()
	m := startMockProc(t)
	conn, err := dialHalfRequest(m.api)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	took, stderr := m.stop()
	if !strings.Contains(stderr, "stopping") || !strings.Contains(stderr, "stopped") {
		t.Errorf("stderr does not say it is stopping: %q", stderr)
	}
	if took > 3*time.Second {
		t.Errorf("took %v to stop, want well under the 5s graceful bound", took)
	}
	t.Logf("stopped in %v", took)
}

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/mock/world"
)

// secretOf is the reference world's secret of keyID: a key of an account of the world file, or of
// one of its pools.
func secretOf(t *testing.T, keyID string) string {
	t.Helper()
	w, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range w.Accounts {
		for _, k := range a.Keys {
			if k.ID == keyID {
				return k.Secret
			}
		}
	}
	for _, p := range w.Pools {
		if _, ok := p.Account(keyID); ok {
			return p.Secret
		}
	}
	t.Fatalf("%s is no key of the reference world", keyID)
	return ""
}

var accessKeyIDArg = regexp.MustCompile(`--access-key-id (\S+)`)

// explored lists the explore cases of a run as "id code status".
func explored(r contractRun) []string {
	var out []string
	for _, c := range r.json.Cases {
		if strings.HasPrefix(c.ID, "explore/") {
			out = append(out, c.ID+" "+c.Code+" "+c.Status)
		}
	}
	return out
}

// --explore N --seed S: N generated cases explore/S/0..N-1, all passing against the reference,
// and the same seed generates the same calls (ids and the codes they expect) run after run.
func TestContractExploreSameSeedSameCalls(t *testing.T) {
	t.Parallel()
	var runs [2][]string
	for i := range runs {
		r := runContractBinary(t, "--explore", "150", "--seed", "77", "--label-filter", "explore")
		if r.exit != 0 {
			t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
		}
		r.checkReports(t)
		runs[i] = explored(r)
		if len(runs[i]) != 150 || len(r.json.Cases) != 150 {
			t.Fatalf("%d explore cases of %d, want 150", len(runs[i]), len(r.json.Cases))
		}
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Errorf("seed 77 generated other calls the second time:\n%v\n%v", runs[0][:5], runs[1][:5])
	}
	if !strings.HasPrefix(runs[0][0], "explore/77/0 ") {
		t.Errorf("first case %q, want explore/77/0", runs[0][0])
	}
}

// Without --seed a random seed is chosen and printed, and the ids carry it.
func TestContractExploreRandomSeedPrinted(t *testing.T) {
	t.Parallel()
	r := runContractBinary(t, "--explore", "5", "--label-filter", "explore")
	m := regexp.MustCompile(`with seed (\d+) \(repeat the same calls with --seed (\d+)\)`).FindStringSubmatch(r.stdout)
	if r.exit != 0 || m == nil || m[1] != m[2] {
		t.Fatalf("exit %d; stdout does not print the seed:\n%s", r.exit, r.stdout)
	}
	for _, c := range explored(r) {
		if !strings.HasPrefix(c, "explore/"+m[1]+"/") {
			t.Errorf("case %s does not carry the printed seed %s", c, m[1])
		}
	}
}

func TestContractExploreUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--explore", "-1"}, {"--explore", "100001"}, {"--seed", "3"}, {"--explore", "2", "--seed", "x"}} {
		r := runContractBinary(t, args...)
		if r.exit != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, want 2 with a one-line error; stderr:\n%s", args, r.exit, r.stderr)
		}
	}
}

// Against a defect the generated calls about it fail, shrunk, each with a reproduce line; run with
// the key's secret in the environment, the line sends the call again, signed afresh, and gets the
// same wrong answer; the same line against the conforming reference gets the right one.
func TestContractExploreReproduceReplays(t *testing.T) {
	t.Parallel()
	bad := startRefWith(t, mock.WithDefects(mock.MissingParamUnnamed, mock.ServerErrorOnNonASCII))
	good := startRefWith(t)
	r := runContractBinary(t, "--target", bad.APIURL, "--profile", referenceProfile, "--explore", "200", "--seed", "3",
		"--label-filter", "explore || edges")
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.exit, r.stdout, r.stderr)
	}
	r.checkReports(t)
	r.checkNoSecrets(t)
	var shrunk, missing, edge string
	for _, c := range r.json.Cases {
		if c.Status != "failed" {
			continue
		}
		if !strings.HasPrefix(c.Reproduce, `eval "$(edgeconform sign `) || strings.Contains(c.Reproduce, "RefSecret") {
			t.Fatalf("case %s: reproduce %q", c.ID, c.Reproduce)
		}
		switch {
		case strings.HasPrefix(c.ID, "explore/") && strings.Contains(c.Message, "shrunk from") && shrunk == "":
			shrunk = c.Message
		}
		if strings.HasPrefix(c.ID, "explore/") && strings.Contains(c.Message, "does not name") && missing == "" {
			missing = c.Reproduce
		}
		if c.ID == "edges/jobid-nonascii/POST-v1-JSON" {
			edge = c.Reproduce
		}
	}
	if shrunk == "" || missing == "" || edge == "" {
		t.Fatalf("want a shrunk explore failure (%q), a MissingParameter one (%q) and the edge case's (%q)", shrunk, missing, edge)
	}
	t.Logf("a shrunk failure: %s", shrunk)
	for _, tc := range []struct{ line, target, want string }{
		{edge, bad.APIURL, "HTTP/1.1 500"},
		{edge, good.APIURL, "HTTP/1.1 404"},
		{missing, bad.APIURL, "A mandatory input parameter is not supplied"},
		{missing, good.APIURL, "that is mandatory for processing this request is not supplied"},
	} {
		line := strings.ReplaceAll(tc.line, bad.APIURL, tc.target)
		if out := replay(t, line); !strings.Contains(out, tc.want) {
			t.Errorf("%s\nanswered:\n%s\nwant %q", line, out, tc.want)
		}
	}
}

// replay runs a reproduce line in bash with the binary first on PATH and the secret of its key
// in the reference world in the environment.
func replay(t *testing.T, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	m := accessKeyIDArg.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no --access-key-id in %s", line)
	}
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(edgeconformBin)+":"+os.Getenv("PATH"),
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+secretOf(t, m[1]), "ALIBABA_CLOUD_ACCESS_KEY_ID=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}

// BenchmarkContractExplore1000 is the figure README quotes: `contract --explore 1000` on the
// embedded default, the whole process (documented and edge cases included), aim under 10 s.
func BenchmarkContractExplore1000(b *testing.B) {
	for b.Loop() {
		cmd := exec.Command(edgeconformBin, "contract", "--explore", "1000", "--seed", "1")
		cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID=", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

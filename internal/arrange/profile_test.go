package arrange_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
)

func TestReferenceProfile(t *testing.T) {
	data, err := fixtures.Profile(fixtures.ReferenceProfile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := arrange.ParseProfile("reference", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Every state of the spec is in the reference profile, with what a case needs.
	for _, st := range spec.Default().States() {
		v, err := p.Setup(ctx, st.Name)
		if err != nil {
			t.Errorf("state %q: %v", st.Name, err)
			continue
		}
		if err := arrange.Require(v, arrange.AccessKeyID, arrange.AccessKeySecret, arrange.ClusterID, arrange.JobID); err != nil {
			t.Errorf("state %q: %v", st.Name, err)
		}
	}
}

func TestProfileOneShotStates(t *testing.T) {
	data := []byte(`
target: somewhere
states:
  "a stopped job exists":
    - {AccessKeyId: a, ClusterId: c, JobId: j1}
    - {AccessKeyId: a, ClusterId: c, JobId: j2}
  "a running job exists": {AccessKeyId: a, ClusterId: c, JobId: r}
  "a fresh account": {AccessKeyId: f}
`)
	p, err := arrange.ParseProfile("t", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, want := range []string{"j1", "j2"} {
		v, err := p.Setup(ctx, spec.StateStoppedJob)
		if err != nil {
			t.Fatal(err)
		}
		if v[arrange.JobID] != want {
			t.Errorf("JobId = %q, want %q", v[arrange.JobID], want)
		}
	}
	if _, err := p.Setup(ctx, spec.StateStoppedJob); !errors.Is(err, arrange.ErrUsedUp) || errors.Is(err, arrange.ErrUnsupported) || !strings.Contains(err.Error(), "used all 2") {
		t.Errorf("third stopped job: err = %v, want ErrUsedUp saying the entries are used up", err)
	}
	// A reusable state gives the same values every time.
	for range 3 {
		v, err := p.Setup(ctx, spec.StateRunningJob)
		if err != nil || v[arrange.JobID] != "r" {
			t.Fatalf("running job: %v, %v", v, err)
		}
	}
	if _, err := p.Setup(ctx, spec.StateFreshAccount); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Setup(ctx, spec.StateFreshAccount); !errors.Is(err, arrange.ErrUsedUp) {
		t.Errorf("second fresh account from a single entry: err = %v, want ErrUsedUp", err)
	}
	if _, err := p.Setup(ctx, spec.StateNoSuchJob); !errors.Is(err, arrange.ErrUnsupported) || !strings.Contains(err.Error(), "no entry") {
		t.Errorf("missing state: err = %v, want ErrUnsupported", err)
	}
	if got := strings.Join(p.States(), "|"); got != "a fresh account|a running job exists|a stopped job exists" {
		t.Errorf("States() = %s", got)
	}
}

func TestProfileEnvironment(t *testing.T) {
	data := []byte(`states: {"no such job exists": {AccessKeyId: "${AK}", AccessKeySecret: "${SK}", JobId: "lit${X}eral"}}`)
	env := map[string]string{"AK": "from-env", "SK": "secret-env"}
	p, err := arrange.ParseProfile("t", data, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := p.Setup(context.Background(), spec.StateNoSuchJob)
	if v[arrange.AccessKeyID] != "from-env" || v[arrange.AccessKeySecret] != "secret-env" || v[arrange.JobID] != "lit${X}eral" {
		t.Errorf("values = %#v", v)
	}
	delete(env, "SK")
	if _, err := arrange.ParseProfile("t", data, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "$SK") {
		t.Errorf("unset variable: err = %v, want it named", err)
	}
}

func TestLoadProfileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := map[string]string{
		"missing file": filepath.Join(dir, "nope.yaml"),
		"not YAML":     write("bad.yaml", "states: [unclosed"),
		"no states":    write("empty.yaml", "target: x\n"),
		"scalar state": write("scalar.yaml", `states: {"a running job exists": 3}`),
		"empty list":   write("list.yaml", `states: {"a running job exists": []}`),
	}
	for name, path := range tests {
		if _, err := arrange.LoadProfile(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ok := write("ok.yaml", `states: {"a running job exists": {JobId: j}}`)
	if _, err := arrange.LoadProfile(ok); err != nil {
		t.Errorf("valid profile: %v", err)
	}
}

// A template entry ({unique}) is never used up: each setup gets one fresh token, the same in all
// its values.
func TestProfileTemplates(t *testing.T) {
	p, err := arrange.ParseProfile("t", []byte(`states:
  "a stopped job exists": {AccessKeyId: "K{unique}", ClusterId: "c-{unique}", JobId: "j"}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 50 {
		v, err := p.Setup(context.Background(), spec.StateStoppedJob)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimPrefix(v["AccessKeyId"], "K")
		if len(tok) != 16 || v["ClusterId"] != "c-"+tok || v["JobId"] != "j" || seen[tok] {
			t.Fatalf("setup gave %v", v)
		}
		seen[tok] = true
	}
}

package world

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	w, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.Accounts); got < 4 {
		t.Fatalf("accounts = %d, want at least 4", got)
	}
	var stopped, running, faults int
	for _, a := range w.Accounts {
		for _, c := range a.Clusters {
			for _, j := range c.Jobs {
				switch j.State {
				case Stopped:
					stopped++
				case Running:
					running++
				}
				if j.Fault != "" {
					faults++
				}
			}
		}
	}
	if stopped == 0 || running == 0 || faults == 0 {
		t.Errorf("default world has %d stopped, %d running, %d faulty jobs; want each > 0", stopped, running, faults)
	}
}

const poolAccount = "accounts:\n  - id: a\n    keys: [{id: k1, secret: s}]\n"

func TestParseErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", "", "empty document"},
		{"no accounts", "accounts: []", "accounts: no account"},
		{"unknown field", "accounts:\n  - id: a\n    secrte: x\n", "field secrte not found"},
		{"no keys", "accounts:\n  - id: a\n", "accounts[0].keys: an account needs"},
		{"empty secret", "accounts:\n  - id: a\n    keys: [{id: k}]\n", "accounts[0].keys[0].secret: empty"},
		{"duplicate key", "accounts:\n  - id: a\n    keys: [{id: k, secret: s}]\n  - id: b\n    keys: [{id: k, secret: s}]\n",
			`accounts[1].keys[0].id: AccessKey "k" already defined at accounts[0].keys[0].id`},
		{"bad state", "accounts:\n  - id: a\n    keys: [{id: k, secret: s}]\n    clusters: [{id: c, jobs: [{id: j, state: paused}]}]\n",
			`accounts[0].clusters[0].jobs[0].state: "paused" is not stopped or running`},
		{"negative quota", "accounts:\n  - id: a\n    quota: -1\n    keys: [{id: k, secret: s}]\n", "accounts[0].quota: negative"},
		{"bad permission", "accounts:\n  - id: a\n    keys: [{id: k, secret: s, permissions: [Start]}]\n", "accounts[0].keys[0].permissions[0]"},
		{"wrong type", "accounts:\n  - id: a\n    task_limit: many\n    keys: [{id: k, secret: s}]\n", "cannot unmarshal"},
		{"pool without secret", poolAccount + "pools: [{key_prefix: P, cluster_prefix: c, job_prefix: j, job_state: stopped}]\n", "pools[0].secret: empty"},
		{"pool bad state", poolAccount + "pools: [{key_prefix: P, secret: s, cluster_prefix: c, job_prefix: j, job_state: paused}]\n", `pools[0].job_state: "paused"`},
		{"pools overlap", poolAccount + "pools: [{key_prefix: P, secret: s, cluster_prefix: c, job_prefix: j, job_state: stopped}, {key_prefix: PX, secret: s, cluster_prefix: c, job_prefix: j, job_state: stopped}]\n", "pools[1].key_prefix"},
		{"pool shadows a key", poolAccount + "pools: [{key_prefix: k, secret: s, cluster_prefix: c, job_prefix: j, job_state: stopped}]\n", "prefix of the AccessKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.yaml")
	if err := os.WriteFile(path, []byte("accounts:\n  - id: a\n    keys: [{id: k, secret: s, permissions: ['live:*']}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Accounts[0].Keys[0].Allows("live:StartEdgeTranscodeJob") {
		t.Error("live:* does not allow live:StartEdgeTranscodeJob")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestAllows(t *testing.T) {
	const action = "live:StartEdgeTranscodeJob"
	for _, tc := range []struct {
		perms []string
		want  bool
	}{
		{nil, false},
		{[]string{action}, true},
		{[]string{"live:*"}, true},
		{[]string{"*"}, true},
		{[]string{"live:DescribeLiveEdgeTranscodeJob"}, false},
		{[]string{"vod:*"}, false},
	} {
		if got := (Key{Permissions: tc.perms}).Allows(action); got != tc.want {
			t.Errorf("Allows with %v = %v, want %v", tc.perms, got, tc.want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	w, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	c := w.Clone()
	if w.Accounts[0].Clusters[0].Jobs[0].State != Stopped {
		t.Fatal("the first job of the default world is not stopped")
	}
	c.Accounts[0].Clusters[0].Jobs[0].State = Running
	c.Accounts[0].Keys[0].Permissions[0] = "changed"
	if w.Accounts[0].Clusters[0].Jobs[0].State != Stopped {
		t.Error("Clone shares jobs with the original")
	}
	if w.Accounts[0].Keys[0].Permissions[0] == "changed" {
		t.Error("Clone shares permissions with the original")
	}
}

// A pool names the account of a key: its two keys, cluster and job share the token.
func TestPoolAccount(t *testing.T) {
	p := Pool{KeyPrefix: "P", Secret: "s", ClusterPrefix: "c-", JobPrefix: "j-", JobState: Running}
	a, ok := p.Account("P0123abcd-2")
	if !ok || a.Keys[0].ID != "P0123abcd" || a.Keys[1].ID != "P0123abcd-2" || a.Clusters[0].ID != "c-0123abcd" ||
		a.Clusters[0].Jobs[0].ID != "j-0123abcd" || a.Clusters[0].Jobs[0].State != Running {
		t.Errorf("Account = %+v, %v", a, ok)
	}
	for _, bad := range []string{"Q0123abcd", "P0123abc", "P0123abcd-3", "P0123-abcd", "P" + strings.Repeat("a", 65)} {
		if _, ok := p.Account(bad); ok {
			t.Errorf("%q is not a key of the pool", bad)
		}
	}
	// The second key's own permissions, when given; else the first's.
	p.Permissions, p.SecondKeyPermissions = []string{"live:Describe*"}, []string{"live:StartEdgeTranscodeJob"}
	if a, _ := p.Account("P0123abcd"); a.Keys[0].Allows("live:StartEdgeTranscodeJob") || !a.Keys[1].Allows("live:StartEdgeTranscodeJob") {
		t.Errorf("second_key_permissions: keys %+v", a.Keys)
	}
}

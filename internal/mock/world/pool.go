package world

import (
	"fmt"
	"strings"
)

// Pool is a kind of account that comes into being the first time one of its keys calls: the key
// id is KeyPrefix followed by a token (TokenMin to TokenMax letters and digits), and the account's
// one cluster and one job are ClusterPrefix and JobPrefix followed by the same token. A second key
// of the same account is the key id followed by SecondKeySuffix.
//
// Pools are for fixture mode (fixtures/profiles/reference.yaml writes {unique} where the token
// goes): every case gets an account nobody has used, so runs repeat against the same mock, a job
// is stopped until its case starts it, and a scaled throttle never throttles one case by another's
// calls.
type Pool struct {
	KeyPrefix     string   `yaml:"key_prefix"`
	Secret        string   `yaml:"secret"`
	Permissions   []string `yaml:"permissions,omitempty"`
	TaskLimit     *int     `yaml:"task_limit,omitempty"`
	Quota         *int     `yaml:"quota,omitempty"`
	ClusterPrefix string   `yaml:"cluster_prefix"`
	JobPrefix     string   `yaml:"job_prefix"`
	JobState      JobState `yaml:"job_state"`
	Fault         string   `yaml:"fault,omitempty"`

	// SecondKeyPermissions are the second key's (nil: Permissions): a RAM user of the same account
	// that may do what the first may not.
	SecondKeyPermissions []string `yaml:"second_key_permissions,omitempty"`
}

// Token bounds and the second key's suffix of a pool account.
const (
	TokenMin        = 8
	TokenMax        = 64
	SecondKeySuffix = "-2"
)

// Account returns the account of the pool that keyID names, or false when keyID is not one of
// the pool's (wrong prefix, a token too short, too long or not of letters and digits).
func (p Pool) Account(keyID string) (Account, bool) {
	tok, ok := strings.CutPrefix(keyID, p.KeyPrefix)
	if !ok {
		return Account{}, false
	}
	tok, _ = strings.CutSuffix(tok, SecondKeySuffix)
	if len(tok) < TokenMin || len(tok) > TokenMax || strings.IndexFunc(tok, notAlnum) >= 0 {
		return Account{}, false
	}
	perms := append([]string(nil), p.Permissions...)
	perms2 := perms
	if p.SecondKeyPermissions != nil {
		perms2 = append([]string(nil), p.SecondKeyPermissions...)
	}
	a := Account{
		ID:        "pool-" + p.KeyPrefix + tok,
		TaskLimit: cloneInt(p.TaskLimit),
		Quota:     cloneInt(p.Quota),
		Keys: []Key{
			{ID: p.KeyPrefix + tok, Secret: p.Secret, Permissions: perms},
			{ID: p.KeyPrefix + tok + SecondKeySuffix, Secret: p.Secret, Permissions: perms2},
		},
		Clusters: []Cluster{{ID: p.ClusterPrefix + tok, Jobs: []Job{{ID: p.JobPrefix + tok, State: p.JobState, Fault: p.Fault}}}},
	}
	return a, true
}

func notAlnum(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

// validatePools checks the pools; bad reports a field's problem.
func (w *World) validatePools(bad func(field, format string, args ...any)) {
	for i, p := range w.Pools {
		pf := fmt.Sprintf("pools[%d]", i)
		for _, f := range []struct{ name, value string }{
			{"key_prefix", p.KeyPrefix}, {"secret", p.Secret}, {"cluster_prefix", p.ClusterPrefix}, {"job_prefix", p.JobPrefix},
		} {
			if strings.TrimSpace(f.value) == "" {
				bad(pf+"."+f.name, "empty")
			}
		}
		for j, q := range w.Pools[:i] {
			if p.KeyPrefix != "" && (strings.HasPrefix(p.KeyPrefix, q.KeyPrefix) || strings.HasPrefix(q.KeyPrefix, p.KeyPrefix)) {
				bad(pf+".key_prefix", "%q overlaps pools[%d].key_prefix %q: a key would belong to two pools", p.KeyPrefix, j, q.KeyPrefix)
			}
		}
		for _, a := range w.Accounts {
			for _, k := range a.Keys {
				if p.KeyPrefix != "" && strings.HasPrefix(k.ID, p.KeyPrefix) {
					bad(pf+".key_prefix", "%q is a prefix of the AccessKey %q of account %q", p.KeyPrefix, k.ID, a.ID)
				}
			}
		}
		if p.JobState != Stopped && p.JobState != Running {
			bad(pf+".job_state", "%q is not stopped or running", p.JobState)
		}
		if p.TaskLimit != nil && *p.TaskLimit < 0 {
			bad(pf+".task_limit", "negative (%d)", *p.TaskLimit)
		}
		if p.Quota != nil && *p.Quota < 0 {
			bad(pf+".quota", "negative (%d)", *p.Quota)
		}
		for n, perm := range p.Permissions {
			if perm != "*" && !strings.Contains(perm, ":") {
				bad(fmt.Sprintf("%s.permissions[%d]", pf, n), "%q is not a RAM action (service:Action, service:* or *)", perm)
			}
		}
	}
}

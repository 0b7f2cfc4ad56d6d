// Package world is the model of the reference implementation's world (docs/protocol.md#fixtures): accounts
// with their AccessKeys and RAM permissions, task limits and quotas, clusters, jobs and fault
// triggers. It parses and checks fixtures/world.yaml or another file of the same shape; the
// running state (jobs started, quota used) lives in package mock.
package world

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/fixtures"
)

// JobState is the state of an edge transcoding job.
type JobState string

const (
	Stopped JobState = "stopped"
	Running JobState = "running"
)

// World is a whole world file.
type World struct {
	Accounts []Account `yaml:"accounts"`
	// Pools are accounts made on first call (see Pool).
	Pools []Pool `yaml:"pools,omitempty"`
}

// Account is one Alibaba Cloud account: the unit the throttle, the task limit and the quota count.
type Account struct {
	ID string `yaml:"id"`
	// TaskLimit is how many of the account's jobs may run at once; nil means no limit.
	TaskLimit *int `yaml:"task_limit,omitempty"`
	// Quota is how many job starts the account may still make; nil means no limit, 0 exhausted.
	Quota    *int      `yaml:"quota,omitempty"`
	Keys     []Key     `yaml:"keys"`
	Clusters []Cluster `yaml:"clusters,omitempty"`
}

// Key is an AccessKey of an account, with the RAM actions its user is granted.
type Key struct {
	ID          string   `yaml:"id"`
	Secret      string   `yaml:"secret"`
	Permissions []string `yaml:"permissions,omitempty"`
}

// Allows reports whether the key's permissions grant action ("live:StartEdgeTranscodeJob"):
// the action itself, its service wildcard ("live:*") or "*".
func (k Key) Allows(action string) bool {
	service, _, _ := strings.Cut(action, ":")
	for _, p := range k.Permissions {
		if p == action || p == "*" || p == service+":*" {
			return true
		}
	}
	return false
}

// Cluster is an edge data centre (ClusterId) of an account.
type Cluster struct {
	ID string `yaml:"id"`
	// Fault, when set, makes every start in this cluster fail with InternalError; the text is the
	// message's detail.
	Fault string `yaml:"fault,omitempty"`
	Jobs  []Job  `yaml:"jobs,omitempty"`
}

// Job is an edge transcoding job (JobId).
type Job struct {
	ID    string   `yaml:"id"`
	State JobState `yaml:"state"`
	// Fault, when set, makes every start of this job fail with InternalError.
	Fault string `yaml:"fault,omitempty"`
}

// Default returns the embedded reference world, fixtures/world.yaml.
func Default() (*World, error) {
	w, err := Parse(fixtures.World)
	if err != nil {
		return nil, fmt.Errorf("embedded %w", err)
	}
	return w, nil
}

// Load reads and checks a world file.
func Load(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	w, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// Parse reads and checks world YAML. Unknown fields are errors, so that a typo is not silently a
// default; every error names the field (accounts[1].keys[0].secret).
func Parse(b []byte) (*World, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var w World
	if err := dec.Decode(&w); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("world: empty document")
		}
		return nil, fmt.Errorf("world: %w", err)
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w, nil
}

// Validate checks that identifiers are present and unique and values are in range.
func (w *World) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("world: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if len(w.Accounts) == 0 {
		bad("accounts", "no account")
	}
	seen := map[string]string{} // "kind id" -> field that defined it
	unique := func(field, kind, id string) {
		if strings.TrimSpace(id) == "" {
			bad(field, "empty")
			return
		}
		if prev, dup := seen[kind+" "+id]; dup {
			bad(field, "%s %q already defined at %s", kind, id, prev)
			return
		}
		seen[kind+" "+id] = field
	}
	for i, a := range w.Accounts {
		af := fmt.Sprintf("accounts[%d]", i)
		unique(af+".id", "account", a.ID)
		if a.TaskLimit != nil && *a.TaskLimit < 0 {
			bad(af+".task_limit", "negative (%d)", *a.TaskLimit)
		}
		if a.Quota != nil && *a.Quota < 0 {
			bad(af+".quota", "negative (%d)", *a.Quota)
		}
		if len(a.Keys) == 0 {
			bad(af+".keys", "an account needs at least one AccessKey")
		}
		for j, k := range a.Keys {
			kf := fmt.Sprintf("%s.keys[%d]", af, j)
			unique(kf+".id", "AccessKey", k.ID)
			if k.Secret == "" {
				bad(kf+".secret", "empty")
			}
			for n, p := range k.Permissions {
				if p != "*" && !strings.Contains(p, ":") {
					bad(fmt.Sprintf("%s.permissions[%d]", kf, n), "%q is not a RAM action (service:Action, service:* or *)", p)
				}
			}
		}
		for j, c := range a.Clusters {
			cf := fmt.Sprintf("%s.clusters[%d]", af, j)
			unique(cf+".id", "cluster", c.ID)
			for n, job := range c.Jobs {
				jf := fmt.Sprintf("%s.jobs[%d]", cf, n)
				unique(jf+".id", "job", job.ID)
				if job.State != Stopped && job.State != Running {
					bad(jf+".state", "%q is not stopped or running", job.State)
				}
			}
		}
	}
	w.validatePools(bad)
	return errors.Join(errs...)
}

// Clone returns a deep copy, so that a server's running state never changes the world it was given.
func (w *World) Clone() *World {
	c := &World{Accounts: make([]Account, len(w.Accounts))}
	for i, a := range w.Accounts {
		na := a
		na.TaskLimit = cloneInt(a.TaskLimit)
		na.Quota = cloneInt(a.Quota)
		na.Keys = make([]Key, len(a.Keys))
		for j, k := range a.Keys {
			k.Permissions = append([]string(nil), k.Permissions...)
			na.Keys[j] = k
		}
		na.Clusters = make([]Cluster, len(a.Clusters))
		for j, cl := range a.Clusters {
			cl.Jobs = append([]Job(nil), cl.Jobs...)
			na.Clusters[j] = cl
		}
		c.Accounts[i] = na
	}
	for _, p := range w.Pools {
		p.Permissions = append([]string(nil), p.Permissions...)
		if p.SecondKeyPermissions != nil {
			p.SecondKeyPermissions = append([]string(nil), p.SecondKeyPermissions...)
		}
		p.TaskLimit, p.Quota = cloneInt(p.TaskLimit), cloneInt(p.Quota)
		c.Pools = append(c.Pools, p)
	}
	return c
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

package arrange

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/spec"
)

// oneShot are the states a case uses up: a stopped job runs once started, a fresh account is fresh
// once. A profile hands out each of their entries once; the others may be reused by every case.
var oneShot = map[string]bool{spec.StateStoppedJob: true, spec.StateFreshAccount: true}

// Profile is a fixture-mode target profile (docs/protocol.md#fixtures): the identifiers that stand for each
// state on a target that cannot be seeded. The file looks like
//
//	states:
//	  "a stopped job exists": {AccessKeyId: ..., AccessKeySecret: ..., ClusterId: ..., JobId: ...}
//	  "a fresh account":
//	    - {AccessKeyId: ..., AccessKeySecret: ..., ClusterId: ..., JobId: ...}
//	    - {AccessKeyId: ..., ...}
//
// A state maps to one set of values or to a list of them. The states a case uses up (a stopped job,
// a fresh account) hand out each entry once, so list as many as the cases that need them; the
// others reuse their first entry. A value written exactly as ${NAME} is read from the
// environment, so secrets stay out of the file.
//
// An entry whose values hold {unique} is a template: each Setup replaces every {unique} of it by
// one fresh token (16 hex digits), so it is never used up. It suits targets that make an account
// on its first call, as the reference world's pools do (fixtures/world.yaml).
type Profile struct {
	Name string // the file it came from, for messages

	mu     sync.Mutex
	states map[string][]Values
	next   map[string]int
}

// profileFile is the YAML shape; other top-level keys are allowed and ignored.
type profileFile struct {
	States map[string]profileEntry `yaml:"states"`
}

// profileEntry is one mapping or a list of mappings.
type profileEntry []Values

func (p *profileEntry) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		var v Values
		if err := n.Decode(&v); err != nil {
			return err
		}
		*p = profileEntry{v}
	case yaml.SequenceNode:
		var vs []Values
		if err := n.Decode(&vs); err != nil {
			return err
		}
		*p = vs
	default:
		return fmt.Errorf("line %d: a state maps to a mapping of values or a list of them", n.Line)
	}
	return nil
}

// LoadProfile reads a target profile from path.
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	p, err := ParseProfile(path, data, os.Getenv)
	if err != nil {
		return nil, err
	}
	return p, nil
}

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// ParseProfile reads a target profile from data; name is used in messages; getenv resolves ${NAME}
// values (nil: none are resolved).
func ParseProfile(name string, data []byte, getenv func(string) string) (*Profile, error) {
	var f profileFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		// yaml.v3 lists type errors on lines of their own: one line for a usage error.
		return nil, fmt.Errorf("profile %s: %s", name, strings.Join(strings.Fields(err.Error()), " "))
	}
	if len(f.States) == 0 {
		return nil, fmt.Errorf("profile %s: no states", name)
	}
	p := &Profile{Name: name, states: make(map[string][]Values, len(f.States)), next: map[string]int{}}
	for state, entry := range f.States {
		if len(entry) == 0 {
			return nil, fmt.Errorf("profile %s: state %q has no values", name, state)
		}
		for _, v := range entry {
			for k, val := range v {
				m := envRef.FindStringSubmatch(val)
				if m == nil {
					continue
				}
				var got string
				if getenv != nil {
					got = getenv(m[1])
				}
				if got == "" {
					return nil, fmt.Errorf("profile %s: state %q: %s refers to $%s, which is not set", name, state, k, m[1])
				}
				v[k] = got
			}
		}
		p.states[state] = entry
	}
	return p, nil
}

// States lists the states the profile can arrange, sorted.
func (p *Profile) States() []string {
	out := make([]string, 0, len(p.states))
	for s := range p.states {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Setup returns the profile's values for state: ErrUnsupported when the profile has no entry,
// ErrUsedUp when it has handed out every entry of a one-shot state.
func (p *Profile) Setup(_ context.Context, state string) (Values, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list, ok := p.states[state]
	if !ok {
		return nil, fmt.Errorf("%w: profile %s has no entry for %q", ErrUnsupported, p.Name, state)
	}
	i := 0
	if oneShot[state] {
		i = p.next[state]
		if i >= len(list) {
			return nil, fmt.Errorf("%w: profile %s has used all %d entries for %q (a case uses one up)",
				ErrUsedUp, p.Name, len(list), state)
		}
		if !isTemplate(list[i]) {
			p.next[state] = i + 1
		}
	}
	out := make(Values, len(list[i]))
	token := ""
	for k, v := range list[i] {
		if strings.Contains(v, uniqueMark) {
			if token == "" {
				token = newToken()
			}
			v = strings.ReplaceAll(v, uniqueMark, token)
		}
		out[k] = v
	}
	return out, nil
}

// UsesUp says whether a Setup of state uses an entry of the profile up: a one-shot state listed
// with concrete entries (templates, {unique}, are never used up).
func (p *Profile) UsesUp(state string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !oneShot[state] {
		return false
	}
	for _, v := range p.states[state] {
		if !isTemplate(v) {
			return true
		}
	}
	return false
}

// SetupWith is Setup: an entry carries its extra values (OtherAccessKeyId ...) itself.
func (p *Profile) SetupWith(ctx context.Context, state string, _ map[string]string) (Values, error) {
	return p.Setup(ctx, state)
}

// uniqueMark is what a template entry writes where each Setup puts a fresh token.
const uniqueMark = "{unique}"

func isTemplate(v Values) bool {
	for _, val := range v {
		if strings.Contains(val, uniqueMark) {
			return true
		}
	}
	return false
}

// newToken is 16 random hex digits.
func newToken() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// Teardown does nothing: a profile's world is not ours to change.
func (*Profile) Teardown(context.Context, string, Values) error { return nil }

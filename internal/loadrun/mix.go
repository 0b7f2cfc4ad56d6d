package loadrun

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// Path is what a call of a mixed load run does (docs/protocol.md#load-runs), like a k6 scenario: each has
// its provider state, which arranges its identifiers, and the answer it expects.
type Path string

// The paths of `load --mix`.
const (
	PathStart        Path = "start"         // a stopped job is started: success
	PathNotFound     Path = "not-found"     // a job nobody has: JobNotFound
	PathDenied       Path = "denied"        // a running job: OperationDenied
	PathMissingParam Path = "missing-param" // JobId left out: MissingParameter
)

// Paths lists the paths in their documented order.
func Paths() []Path { return []Path{PathStart, PathNotFound, PathDenied, PathMissingParam} }

// pathInfo is how a path arranges its calls.
type pathInfo struct {
	state    string // the provider state that hands out its identifiers
	reusable bool   // an identifier serves many calls (the answer does not change the world)
	dropJob  bool   // the call leaves JobId out
}

var pathInfos = map[Path]pathInfo{
	PathStart:        {state: spec.StateStoppedJob},
	PathNotFound:     {state: spec.StateNoSuchJob, reusable: true},
	PathDenied:       {state: spec.StateRunningJob, reusable: true},
	PathMissingParam: {state: spec.StateRunningJob, reusable: true, dropJob: true},
}

// State is the provider state that arranges the path's identifiers.
func (p Path) State() string { return pathInfos[p].state }

// Expect returns the Code the path's calls should be answered with, from s (spec.Default() when
// nil): spec.CodeOK for start, the page code its state expects, or — for missing-param — the
// page code that no state arranges (a parameter left out).
func (p Path) Expect(s *spec.Spec) string {
	if s == nil {
		s = spec.Default()
	}
	if p == PathStart {
		return spec.CodeOK
	}
	info, ok := pathInfos[p]
	if !ok {
		return ""
	}
	for _, e := range specfacts.PageErrors(s) {
		if info.dropJob && e.State == "" || !info.dropJob && e.State == info.state {
			return e.Code
		}
	}
	return ""
}

// PathWeight is one path of a mix and its weight.
type PathWeight struct {
	Path   Path
	Weight int
}

// Mix is the paths of a run with their weights. The n-th call takes the path of slot n of one
// cycle (the weights' sum long, after dividing by their greatest common divisor), filled by
// smooth weighted round-robin: deterministic from the call counter, exact over every cycle, and
// interleaved rather than in runs.
type Mix struct {
	Paths []PathWeight
	slots []int // index into Paths, per slot of a cycle
}

// maxMixCycle bounds the cycle's length (the sum of reduced weights).
const maxMixCycle = 10000

// ErrMix is wrapped by every mix parsing error.
var ErrMix = errors.New("bad mix")

// DefaultMix is start=100.
func DefaultMix() *Mix {
	m, _ := NewMix([]PathWeight{{PathStart, 100}})
	return m
}

// ParseMix reads NAME=WEIGHT,... (e.g. start=70,not-found=10,denied=10,missing-param=10).
func ParseMix(s string) (*Mix, error) {
	var ws []PathWeight
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%w %q: want NAME=WEIGHT,... e.g. start=70,denied=30", ErrMix, s)
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w %q: weight of %s must be a whole number >= 0", ErrMix, s, name)
		}
		ws = append(ws, PathWeight{Path(strings.TrimSpace(name)), n})
	}
	m, err := NewMix(ws)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrMix, s, err)
	}
	return m, nil
}

// NewMix checks the weights and lays out the cycle; paths of weight 0 are dropped.
func NewMix(ws []PathWeight) (*Mix, error) {
	m := &Mix{}
	seen := map[Path]bool{}
	g := 0
	for _, w := range ws {
		if _, ok := pathInfos[w.Path]; !ok {
			names := make([]string, 0, len(pathInfos))
			for _, p := range Paths() {
				names = append(names, string(p))
			}
			return nil, fmt.Errorf("unknown path %q (want %s)", w.Path, strings.Join(names, ", "))
		}
		if seen[w.Path] {
			return nil, fmt.Errorf("path %s given twice", w.Path)
		}
		seen[w.Path] = true
		if w.Weight < 0 {
			return nil, fmt.Errorf("weight of %s is negative", w.Path)
		}
		if w.Weight == 0 {
			continue
		}
		m.Paths = append(m.Paths, w)
		g = gcd(g, w.Weight)
	}
	if len(m.Paths) == 0 {
		return nil, errors.New("no path has a weight")
	}
	total := 0
	reduced := make([]int, len(m.Paths))
	for i, w := range m.Paths {
		reduced[i] = w.Weight / g
		total += reduced[i]
	}
	if total > maxMixCycle {
		return nil, fmt.Errorf("weights too fine-grained (%d slots a cycle, at most %d): use smaller numbers", total, maxMixCycle)
	}
	// Smooth weighted round-robin (as nginx's upstreams): each slot goes to the path furthest
	// behind its share.
	cur := make([]int, len(m.Paths))
	m.slots = make([]int, total)
	for j := range m.slots {
		best := 0
		for i := range cur {
			cur[i] += reduced[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		m.slots[j] = best
	}
	return m, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Pick returns the index into m.Paths of the n-th call's path.
func (m *Mix) Pick(n uint64) int { return m.slots[n%uint64(len(m.slots))] }

// Has reports whether p is one of the mix's paths.
func (m *Mix) Has(p Path) bool {
	for _, w := range m.Paths {
		if w.Path == p {
			return true
		}
	}
	return false
}

// Share returns p's share of the calls, 0..1.
func (m *Mix) Share(p Path) float64 {
	total, mine := 0, 0
	for _, w := range m.Paths {
		total += w.Weight
		if w.Path == p {
			mine = w.Weight
		}
	}
	if total == 0 {
		return 0
	}
	return float64(mine) / float64(total)
}

// String is NAME=WEIGHT,... in the mix's order.
func (m *Mix) String() string {
	parts := make([]string, len(m.Paths))
	for i, w := range m.Paths {
		parts[i] = fmt.Sprintf("%s=%d", w.Path, w.Weight)
	}
	return strings.Join(parts, ",")
}

// sortPaths orders path names as Paths() lists them, unknown names last by name.
func sortPaths(names []string) {
	rank := func(n string) int {
		for i, p := range Paths() {
			if string(p) == n {
				return i
			}
		}
		return len(pathInfos)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank(names[i]), rank(names[j])
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
}

package parity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/internal/caseglob"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/spec"
)

// Difference is one way an answer differs from its recording: a JSON pointer into the recorded
// answer (/status, /content_type, /rate_limit/<header>, /body/...) and both values as JSON, or
// "(absent)".
type Difference struct {
	Pointer  string
	Recorded string
	Got      string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: recorded %s, got %s", d.Pointer, d.Recorded, d.Got)
}

// absent stands for a member one side lacks.
const absent = "(absent)"

// Diff lists the differences between a recorded answer and a fresh one (both as Capture made
// them), in pointer order; ignored(pointer) leaves a pointer and everything below it out.
func Diff(recorded, got Answer, ignored func(pointer string) bool) []Difference {
	var out []Difference
	var rec func(ptr string, a, b any)
	rec = func(ptr string, a, b any) {
		if ignored != nil && ignored(ptr) {
			return
		}
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := map[string]bool{}
			for k := range am {
				keys[k] = true
			}
			for k := range bm {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				av, ain := am[k]
				bv, bin := bm[k]
				p := ptr + "/" + escapePointer(k)
				switch {
				case !ain:
					if !(ignored != nil && ignored(p)) {
						out = append(out, Difference{p, absent, show(bv)})
					}
				case !bin:
					if !(ignored != nil && ignored(p)) {
						out = append(out, Difference{p, show(av), absent})
					}
				default:
					rec(p, av, bv)
				}
			}
			return
		}
		al, aok := a.([]any)
		bl, bok := b.([]any)
		if aok && bok && len(al) == len(bl) {
			for i := range al {
				rec(ptr+"/"+strconv.Itoa(i), al[i], bl[i])
			}
			return
		}
		if as, bs := show(a), show(b); as != bs {
			if x, ok := a.(string); ok {
				if y, ok := b.(string); ok {
					as, bs = fromDifference(x, y)
				}
			}
			out = append(out, Difference{ptr, as, bs})
		}
	}
	rec("", canonical(recorded), canonical(got))
	return out
}

// contextBefore is how much of a common beginning two long strings keep in a message.
const contextBefore = 24

// fromDifference shows two different strings from a little before where they first differ, so
// that a long Message differing at its end still shows the difference.
func fromDifference(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	i := 0
	for i < len(ra) && i < len(rb) && ra[i] == rb[i] {
		i++
	}
	if i <= contextBefore+8 {
		return show(a), show(b)
	}
	cut := i - contextBefore
	return "…" + show(string(ra[cut:])), "…" + show(string(rb[cut:]))
}

// escapePointer escapes a member name for a JSON pointer (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// maxShown bounds a value in a message.
const maxShown = 120

func show(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(b.String())
	if r := []rune(s); len(r) > maxShown {
		s = string(r[:maxShown]) + "…"
	}
	return s
}

// IgnoreEntry leaves a pointer (and everything below it) out of the comparison, for the cases
// matching Case (a glob; empty: every case). Reason is required: a reader must know why.
type IgnoreEntry struct {
	Pointer string `yaml:"pointer"`
	Reason  string `yaml:"reason"`
	Case    string `yaml:"case"`
}

// Ignore is a --snapshot-ignore file.
type Ignore struct {
	Entries []IgnoreEntry
	globs   []*caseglob.Glob
}

// LoadIgnore reads a --snapshot-ignore file: a YAML list of {pointer, reason, case}.
func LoadIgnore(path string) (*Ignore, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseIgnore(path, b)
}

// ParseIgnore parses the YAML of a --snapshot-ignore file called name.
func ParseIgnore(name string, data []byte) (*Ignore, error) {
	ig := &Ignore{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&ig.Entries); err != nil && !errors.Is(err, io.EOF) { // an empty file: no entries
		return nil, fmt.Errorf("%s: %v", name, oneLine(err.Error()))
	}
	for i, e := range ig.Entries {
		where := fmt.Sprintf("%s: entry %d", name, i+1)
		switch {
		case !strings.HasPrefix(e.Pointer, "/"):
			return nil, fmt.Errorf("%s: pointer %q: want a JSON pointer such as /body/HostId", where, e.Pointer)
		case strings.TrimSpace(e.Reason) == "":
			return nil, fmt.Errorf("%s (%q): no reason: say why the difference does not matter", where, e.Pointer)
		}
		g, err := caseglob.Compile(e.Case)
		if err != nil {
			return nil, fmt.Errorf("%s: case: %v", where, err)
		}
		ig.globs = append(ig.globs, g)
	}
	return ig, nil
}

// For returns the ignore function of case id.
func (ig *Ignore) For(id string) func(pointer string) bool {
	if ig == nil {
		return nil
	}
	var ptrs []string
	for i, e := range ig.Entries {
		if e.Case == "" || ig.globs[i].Match(id) {
			ptrs = append(ptrs, e.Pointer)
		}
	}
	if len(ptrs) == 0 {
		return nil
	}
	return func(p string) bool {
		for _, q := range ptrs {
			if p == q || strings.HasPrefix(p, q+"/") {
				return true
			}
		}
		return false
	}
}

// Comparer compares the answers of a run to a recording; safe for concurrent use.
type Comparer struct {
	rec    *Recording
	spec   *spec.Spec
	ignore *Ignore

	mu   sync.Mutex
	seen map[string]int // case → answers compared so far
}

// NewComparer compares to rec, leaving out what ignore lists (nil: nothing).
func NewComparer(rec *Recording, s *spec.Spec, ignore *Ignore) *Comparer {
	return &Comparer{rec: rec, spec: s, ignore: ignore, seen: map[string]int{}}
}

// Compare compares a judged answer of case id to its recording: the differences found, or the
// reason the case cannot be compared (the recording lacks it).
func (c *Comparer) Compare(id string, a *client.Answer, sent Sent) (diffs []string, skip string) {
	c.mu.Lock()
	n := c.seen[id]
	c.seen[id] = n + 1
	c.mu.Unlock()
	rc, ok := c.rec.Cases[id]
	switch {
	case !ok:
		return nil, "snapshot: the recording " + c.rec.Dir + " has no answer for this case"
	case n >= len(rc.Answers):
		return nil, fmt.Sprintf("snapshot: the recording has %d answer(s) for this case, this is answer %d", len(rc.Answers), n+1)
	}
	volatile := c.rec.Meta.Volatile
	if volatile == nil {
		volatile = DefaultVolatile
	}
	got := Capture(a, c.spec, volatile, sent)
	prefix := "snapshot "
	if len(rc.Answers) > 1 {
		prefix = fmt.Sprintf("snapshot (answer %d) ", n+1)
	}
	for _, d := range Diff(rc.Answers[n], got, c.ignore.For(id)) {
		diffs = append(diffs, prefix+d.String())
	}
	return diffs, ""
}

// DigestWarning is the one line saying that rec was made from another spec than s, or "".
func DigestWarning(rec *Recording, s *spec.Spec) string {
	if d := SpecDigest(s); rec.Meta.SpecDigest != d {
		return fmt.Sprintf("warning: the recording %s was made from spec %s, this run uses %s: some differences may come from the spec", rec.Dir, short(rec.Meta.SpecDigest), short(d))
	}
	return ""
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19]
	}
	if digest == "" {
		return "(none)"
	}
	return digest
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

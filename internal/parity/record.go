// Package parity records what an implementation answered to the contract cases and compares
// other implementations to such a recording (docs/protocol.md#parity): one JSON file per case, the answer
// reduced to what parity is about (status, Content-Type, the rate-limit headers' shape, the body
// as a tree), every volatile value replaced by a placeholder and nothing secret kept.
package parity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// MetaFile is the recording's description, beside the case files.
const MetaFile = "meta.json"

// Meta describes a recording.
type Meta struct {
	Recorded   time.Time `json:"recorded"`
	Target     string    `json:"target"` // the host recorded, never credentials
	SpecDigest string    `json:"spec_digest"`
	Version    string    `json:"edgeconform_version"`
	// Volatile are the fields whose values were replaced by placeholders; a comparison
	// normalizes the new answers the same way.
	Volatile []string `json:"volatile_fields"`
	Cases    int      `json:"cases"`
}

// Answer is one answer as recorded.
type Answer struct {
	Status      int                 `json:"status"`
	ContentType string              `json:"content_type"`
	RateLimit   map[string][]string `json:"rate_limit,omitempty"`
	// Format is the format the body parsed as (JSON or XML); "" when it parsed as neither, and
	// Body is then its text.
	Format string `json:"format"`
	Body   any    `json:"body"`
}

// Case is the file of one case: the answers it was judged on, in order (one for every case today).
type Case struct {
	Case    string   `json:"case"`
	Answers []Answer `json:"answers"`
}

// maxText bounds the text kept of a body that parsed as neither JSON nor XML.
const maxText = 4096

// Capture reduces a to its recorded form, normalized with the volatile fields and what was sent.
func Capture(a *client.Answer, s *spec.Spec, volatile []string, sent Sent) Answer {
	r := Answer{Status: a.Status, ContentType: a.ContentType, RateLimit: RateLimitShape(a.Header, specfacts.RateLimitHeaders(s))}
	var tree any
	var err error
	switch {
	case a.Truncated:
		err = errors.New("truncated")
	case a.Format == protocol.FormatXML:
		tree, err = ParseXML(a.Body)
	case a.Format == protocol.FormatJSON:
		tree, err = ParseJSON(a.Body)
	default:
		err = errors.New("neither JSON nor XML")
	}
	if err == nil {
		r.Format = string(a.Format)
	} else {
		text := a.Body
		if len(text) > maxText {
			text = text[:maxText]
		}
		tree = strings.ToValidUTF8(string(text), "\uFFFD")
	}
	r.Body = canonical(Normalize(tree, volatile, sent))
	return r
}

// canonical gives a tree the types it has when read back from its file (json.Number for numbers),
// so that a fresh answer compares to a recorded one by value.
func canonical(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	out, err := ParseJSON(b)
	if err != nil {
		return v
	}
	return out
}

// SpecDigest names the spec a recording was made from: sha256 of its document.
func SpecDigest(s *spec.Spec) string {
	sum := sha256.Sum256(s.YAML())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// FileName is the file of case id: the id with "/" written "~", every byte other than ASCII
// letters, digits, ".", "-" and "_" (and a leading ".") written %XX, then ".json"; an id longer
// than 180 bytes so written is cut and ends with 16 hex digits of its sha256. Case ids never
// contain "~", so the common names read back as ids: errors~JobNotFound~GET-v1-JSON.json.
func FileName(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c == '/':
			b.WriteByte('~')
		case c == '.' && i == 0:
			fmt.Fprintf(&b, "%%%02X", c)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	name := b.String()
	if len(name) > 180 {
		sum := sha256.Sum256([]byte(id))
		name = name[:180] + "-" + hex.EncodeToString(sum[:8])
	}
	return name + ".json"
}

// Recorder collects the answers of a run; safe for concurrent use.
type Recorder struct {
	Spec     *spec.Spec
	Volatile []string

	mu    sync.Mutex
	cases map[string]*Case
}

// NewRecorder returns a Recorder normalizing with volatile (nil: DefaultVolatile).
func NewRecorder(s *spec.Spec, volatile []string) *Recorder {
	if volatile == nil {
		volatile = DefaultVolatile
	}
	return &Recorder{Spec: s, Volatile: volatile, cases: map[string]*Case{}}
}

// Add records a judged answer of case id.
func (r *Recorder) Add(id string, a *client.Answer, sent Sent) {
	ans := Capture(a, r.Spec, r.Volatile, sent)
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cases[id]
	if c == nil {
		c = &Case{Case: id}
		r.cases[id] = c
	}
	c.Answers = append(c.Answers, ans)
}

// Len is the number of cases recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cases)
}

// CheckOut says whether dir may receive a recording: absent, empty, or a recording already
// (it has a meta.json); anything else is refused rather than mixed with case files.
func CheckOut(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, MetaFile)); err != nil {
		return fmt.Errorf("%s is neither empty nor a recording (no %s): not writing into it", dir, MetaFile)
	}
	return nil
}

// Write writes the recording to dir: the case files (a previous recording's are removed first)
// and meta.json, whose Cases and Volatile it fills.
func (r *Recorder) Write(dir string, meta Meta) error {
	if err := CheckOut(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	files := map[string]string{}
	for id, c := range r.cases {
		name := FileName(id)
		if other, dup := files[name]; dup {
			return fmt.Errorf("cases %q and %q would share the file %s", other, id, name)
		}
		files[name] = id
		if err := writeJSON(filepath.Join(dir, name), c); err != nil {
			return err
		}
	}
	meta.Cases, meta.Volatile = len(r.cases), r.Volatile
	return writeJSON(filepath.Join(dir, MetaFile), meta)
}

func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Recording is a recording read back.
type Recording struct {
	Dir   string
	Meta  Meta
	Cases map[string]Case
}

// maxFile bounds a case file read back.
const maxFile = 1 << 20

// Read reads the recording in dir.
func Read(dir string) (*Recording, error) {
	rec := &Recording{Dir: dir, Cases: map[string]Case{}}
	mb, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a recording: no %s", dir, MetaFile)
		}
		return nil, err
	}
	if err := json.Unmarshal(mb, &rec.Meta); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, MetaFile), err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if filepath.Base(f) == MetaFile {
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if fi.Size() > maxFile {
			return nil, fmt.Errorf("%s: larger than %d bytes", f, maxFile)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		if c.Case == "" || len(c.Answers) == 0 {
			return nil, fmt.Errorf("%s: no case id or no answer", f)
		}
		if _, dup := rec.Cases[c.Case]; dup {
			return nil, fmt.Errorf("%s: case %q recorded twice", f, c.Case)
		}
		rec.Cases[c.Case] = c
	}
	return rec, nil
}

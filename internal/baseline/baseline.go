// Package baseline applies a list of known deviations to a contract run (docs/protocol.md#parity): a
// failed case an entry covers is reported "known" and does not fail the run, a covered case that
// passed is reported "fixed" (the entry can go), an entry past its date fails the run, and an
// entry that matches no case is a mistake of the file.
package baseline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgeconform/edgeconform/internal/caseglob"
	"github.com/edgeconform/edgeconform/internal/contract"
)

// ErrFile: the baseline file is unusable (a usage error).
var ErrFile = errors.New("baseline")

// DateLayout is the layout of Until.
const DateLayout = "2006-01-02"

// Entry is one known deviation.
type Entry struct {
	Case   string `yaml:"case"`   // a case id or a glob (internal/caseglob)
	Reason string `yaml:"reason"` // why the case fails, shown in the reports
	Until  string `yaml:"until"`  // YYYY-MM-DD: the last day the entry holds

	glob  *caseglob.Glob
	until time.Time
}

// Baseline is a parsed baseline file.
type Baseline struct {
	Name    string
	Entries []Entry
}

// Load reads and checks a baseline file.
func Load(path string) (*Baseline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFile, err)
	}
	return Parse(path, b)
}

// Parse parses the YAML of a baseline file called name: a list of {case, reason, until}, each
// field required.
func Parse(name string, data []byte) (*Baseline, error) {
	bl := &Baseline{Name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&bl.Entries); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: %s", ErrFile, name, strings.Join(strings.Fields(err.Error()), " "))
	}
	for i := range bl.Entries {
		e := &bl.Entries[i]
		where := fmt.Sprintf("%s: entry %d", name, i+1)
		if e.Case == "" {
			return nil, fmt.Errorf("%w: %s: no case (an id or a glob such as errors/JobNotFound/*)", ErrFile, where)
		}
		where += fmt.Sprintf(" (%q)", e.Case)
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%w: %s: no reason", ErrFile, where)
		}
		if e.Until == "" {
			return nil, fmt.Errorf("%w: %s: no until date (YYYY-MM-DD): a known deviation is reviewed by a date", ErrFile, where)
		}
		t, err := time.Parse(DateLayout, e.Until)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: until %q: want YYYY-MM-DD", ErrFile, where, e.Until)
		}
		g, err := caseglob.Compile(e.Case)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrFile, where, err)
		}
		e.glob, e.until = g, t
	}
	return bl, nil
}

// Expired says whether e no longer holds on day now (UTC): it holds through its Until date.
func (e Entry) Expired(now time.Time) bool {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(e.until)
}

// Outcome is what applying a baseline found beside the statuses it changed.
type Outcome struct {
	Known, Fixed int
	// Expired entries fail the run; they cover nothing.
	Expired []Entry
	// Unmatched entries match no case of the run nor of the suite: a usage error.
	Unmatched []Entry
}

// Err is the error the outcome makes of the run: a usage error for unmatched entries (ErrFile),
// a failure for expired ones (contract's verdict is the caller's), nil otherwise.
func (o Outcome) Err(name string) error {
	if len(o.Unmatched) > 0 {
		var ids []string
		for _, e := range o.Unmatched {
			ids = append(ids, e.Case)
		}
		what := "an entry matches"
		if len(ids) > 1 {
			what = fmt.Sprintf("%d entries match", len(ids))
		}
		return fmt.Errorf("%w: %s: %s no case: %s", ErrFile, name, what, strings.Join(ids, ", "))
	}
	return nil
}

// ExpiredMessages are one line per expired entry.
func (o Outcome) ExpiredMessages(name string) []string {
	var out []string
	for _, e := range o.Expired {
		out = append(out, fmt.Sprintf("baseline %s: the entry for %s expired on %s (%s): fix the case or renew the entry", name, e.Case, e.Until, e.Reason))
	}
	return out
}

// Apply changes the statuses of res's cases that an entry in force covers (the first entry that
// matches a case is the one that covers it): failed → known, passed → fixed; skipped cases stay
// skipped. known are the ids of every case the suite has (also those the run left out), so that an
// entry for a case this run did not select is not taken for a mistake. now decides expiry.
func (b *Baseline) Apply(res *contract.Result, known []string, now time.Time) Outcome {
	var o Outcome
	matched := make([]bool, len(b.Entries))
	for i, e := range b.Entries {
		for _, id := range known {
			if e.glob.Match(id) {
				matched[i] = true
				break
			}
		}
	}
	for ci := range res.Cases {
		c := &res.Cases[ci]
		for i, e := range b.Entries {
			if !e.glob.Match(c.ID) {
				continue
			}
			matched[i] = true
			if e.Expired(now) {
				continue // an expired entry covers nothing: the case shows what it is
			}
			switch c.Status {
			case contract.StatusFailed:
				c.Status = contract.StatusKnown
				c.Message = "known (" + e.Reason + ", until " + e.Until + "): " + c.Message
				res.Failed--
				res.Known++
				o.Known++
			case contract.StatusPassed:
				c.Status = contract.StatusFixed
				c.Message = "fixed: the baseline entry " + e.Case + " (" + e.Reason + ") covers a case that passes: remove it"
				res.Passed--
				res.Fixed++
				o.Fixed++
			}
			break
		}
	}
	for i, e := range b.Entries {
		if e.Expired(now) {
			o.Expired = append(o.Expired, e)
		}
		if !matched[i] {
			o.Unmatched = append(o.Unmatched, e)
		}
	}
	return o
}

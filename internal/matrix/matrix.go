// Package matrix sets contract reports of several implementations side by side (docs/protocol.md#parity,
// `edgeconform report matrix`): one row per case, one column per implementation, and a score for
// each implementation, the share of its judged cases that passed.
package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Report is the part of a contract --json report the matrix reads.
type Report struct {
	Target string `json:"target"`
	Cases  []struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Message string `json:"message"`
		// Followed: where the vendor's sources disagree, the source the answer followed.
		Followed []struct {
			Source string `json:"source"`
			Note   string `json:"note"`
		} `json:"followed"`
	} `json:"cases"`
}

// Column is one implementation.
type Column struct {
	Name   string
	Target string
	status map[string]string // case id → status
	note   map[string]string // case id → message
	follow map[string]string // case id → the sources its answer followed, "page", "metadata", "metadata, page"
}

// Score is a column's score: passed of passed + failed. A "known" case (a failure a baseline
// covers) counts as failed, a "fixed" one as passed; skipped and absent cases do not count.
type Score struct{ Passed, Judged int }

func (s Score) String() string {
	if s.Judged == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d/%d (%.1f%%)", s.Passed, s.Judged, 100*float64(s.Passed)/float64(s.Judged))
}

// Matrix is the table.
type Matrix struct {
	Cases   []string // in first-seen order over the reports
	Columns []Column
}

// maxReport bounds a report read.
const maxReport = 64 << 20

// ReadFile reads one report; name is the column's name ("" = the file's base name without
// extension). A run --json report ({"contract": ...}) is read as its contract part.
func ReadFile(name, path string) (Column, Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Column{}, Report{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReport+1))
	if err != nil {
		return Column{}, Report{}, err
	}
	if len(b) > maxReport {
		return Column{}, Report{}, fmt.Errorf("%s: larger than %d bytes", path, maxReport)
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	r, err := Parse(b)
	if err != nil {
		return Column{}, Report{}, fmt.Errorf("%s: %v", path, err)
	}
	return NewColumn(name, r), r, nil
}

// Parse reads a contract --json report, or the contract part of a run --json report.
func Parse(b []byte) (Report, error) {
	var probe struct {
		Contract json.RawMessage `json:"contract"`
		Cases    json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return Report{}, fmt.Errorf("not a contract JSON report: %v", err)
	}
	if probe.Cases == nil && len(probe.Contract) > 0 && !bytes.Equal(probe.Contract, []byte("null")) {
		b = probe.Contract
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return Report{}, fmt.Errorf("not a contract JSON report: %v", err)
	}
	if r.Cases == nil {
		return Report{}, errors.New("not a contract JSON report: no \"cases\"")
	}
	for i, c := range r.Cases {
		if c.ID == "" {
			return Report{}, fmt.Errorf("case %d has no id", i+1)
		}
	}
	return r, nil
}

// NewColumn makes the column of report r.
func NewColumn(name string, r Report) Column {
	c := Column{Name: name, Target: r.Target, status: map[string]string{}, note: map[string]string{}, follow: map[string]string{}}
	for _, k := range r.Cases {
		c.status[k.ID], c.note[k.ID] = k.Status, k.Message
		var sources, notes []string
		for _, f := range k.Followed {
			if !slices.Contains(sources, f.Source) {
				sources = append(sources, f.Source)
			}
			notes = append(notes, f.Note)
		}
		if len(sources) > 0 {
			c.follow[k.ID] = strings.Join(sources, ", ")
			if k.Message == "" {
				c.note[k.ID] = strings.Join(notes, "; ")
			}
		}
	}
	return c
}

// New builds the matrix of the columns and their reports; names must differ.
func New(cols []Column, reports []Report) (*Matrix, error) {
	m := &Matrix{Columns: cols}
	seenName := map[string]bool{}
	seen := map[string]bool{}
	for i, c := range cols {
		if seenName[c.Name] {
			return nil, fmt.Errorf("two implementations are called %q (name them: NAME=FILE)", c.Name)
		}
		seenName[c.Name] = true
		for _, k := range reports[i].Cases {
			if !seen[k.ID] {
				seen[k.ID] = true
				m.Cases = append(m.Cases, k.ID)
			}
		}
	}
	return m, nil
}

// Status of case id in column c: "passed", "failed", "skipped", "known", "fixed", or "" when its
// report lacks the case.
func (c Column) Status(id string) string { return c.status[id] }

// Note is the case's message in column c.
func (c Column) Note(id string) string { return c.note[id] }

// Followed is which of the vendor's sources the case's answer followed where they disagree ("" none).
func (c Column) Followed(id string) string { return c.follow[id] }

// Cell is how the tables show case id in column c: its status's symbol, and the source followed
// where the sources disagree ("pass (metadata)").
func (c Column) Cell(id string) string {
	if f := c.follow[id]; f != "" {
		return Symbol(c.Status(id)) + " (" + f + ")"
	}
	return Symbol(c.Status(id))
}

// Score of column c.
func (c Column) Score() Score {
	var s Score
	for _, st := range c.status {
		switch st {
		case "passed", "fixed":
			s.Passed++
			s.Judged++
		case "failed", "known":
			s.Judged++
		}
	}
	return s
}

// Symbol is how the text and Markdown tables show a status.
func Symbol(status string) string {
	switch status {
	case "passed":
		return "pass"
	case "failed":
		return "FAIL"
	case "skipped":
		return "skip"
	case "known":
		return "known"
	case "fixed":
		return "fixed"
	case "":
		return "-"
	}
	return status
}

// WriteText writes the plain table: one row per case, then the score row.
func (m *Matrix) WriteText(w io.Writer) error {
	width := len("score (passed of passed+failed)")
	for _, id := range m.Cases {
		width = max(width, len(id))
	}
	widths := make([]int, len(m.Columns))
	for i, c := range m.Columns {
		widths[i] = max(len(c.Name), len(c.Score().String()), len("known"))
		for _, id := range m.Cases {
			widths[i] = max(widths[i], len(c.Cell(id)))
		}
	}
	var b bytes.Buffer
	row := func(first string, cells []string) {
		var line strings.Builder
		fmt.Fprintf(&line, "%-*s", width, first)
		for i, cell := range cells {
			fmt.Fprintf(&line, "  %-*s", widths[i], cell)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	names := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		names[i] = c.Name
	}
	row("case", names)
	for _, id := range m.Cases {
		cells := make([]string, len(m.Columns))
		for i, c := range m.Columns {
			cells[i] = c.Cell(id)
		}
		row(id, cells)
	}
	scores := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		scores[i] = c.Score().String()
	}
	row("score (passed of passed+failed)", scores)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteMarkdown writes the table as GitHub-flavoured Markdown.
func (m *Matrix) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	esc := func(s string) string { return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s) }
	b.WriteString("| case |")
	for _, c := range m.Columns {
		b.WriteString(" " + esc(c.Name) + " |")
	}
	b.WriteString("\n| --- |")
	for range m.Columns {
		b.WriteString(" --- |")
	}
	b.WriteString("\n| **score** (passed of passed+failed) |")
	for _, c := range m.Columns {
		b.WriteString(" **" + c.Score().String() + "** |")
	}
	b.WriteString("\n")
	for _, id := range m.Cases {
		b.WriteString("| " + esc(id) + " |")
		for _, c := range m.Columns {
			b.WriteString(" " + esc(c.Cell(id)) + " |")
		}
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

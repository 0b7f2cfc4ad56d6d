// Package docpage parses the text of an Alibaba Cloud API reference page (as copied from the web
// site into internal/source) into its facts: the request parameters, the response elements and example,
// the error codes, the QPS limit and the RAM authorization row.
//
// The page is a text dump of HTML: a section starts with a known heading line; a table row starts
// with a line beginning with "|" and runs until the next such line; cells end with "|".
package docpage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Section headings, as the page writes them.
const (
	SectionDescription = "Operation description"
	SectionQPS         = "QPS limits"
	SectionTryIt       = "Try it now"
	SectionRAM         = "RAM authorization"
	SectionParameters  = "Request parameters"
	SectionResponse    = "Response elements"
	SectionExamples    = "Examples"
	SectionErrors      = "Error codes"
	SectionRelease     = "Release notes"
)

var headings = []string{SectionDescription, SectionQPS, SectionTryIt, SectionRAM, SectionParameters,
	SectionResponse, SectionExamples, SectionErrors, SectionRelease}

// Page holds what the page says.
type Page struct {
	Summary     string   // the first line
	Description []string // paragraphs of "Operation description"
	QPS         QPS
	RAM         RAM
	Params      []Param
	Elements    []Element
	Example     Example
	Errors      []Error
}

// QPS is the sentence of "QPS limits".
type QPS struct {
	Calls  int
	Window time.Duration
	Per    string // "user" as the page says
	Text   string // the whole paragraph
	Line   int
}

// RAM is the authorization row.
type RAM struct {
	Action          string
	AccessLevel     string // "" when the page leaves the cell out
	ResourceType    string
	ConditionKey    string
	DependentAction string
	Line            int
}

// Param is a row of "Request parameters".
type Param struct {
	Name        string
	Type        string // as the page says: string, integer, long, boolean
	Required    bool
	Description string
	Example     string
	Line        int
}

// Element is a row of "Response elements" (the root "object" row is not one).
type Element struct {
	Name        string
	Type        string
	Description string
	Example     string
	Line        int
}

// Example is the success response example.
type Example struct {
	Format string         // "JSON"
	Value  map[string]any // decoded
	Raw    string
	Line   int
}

// Error is a row of "Error codes".
type Error struct {
	Status      int
	Code        string
	Message     string
	Description string
	Line        int
}

// ParseError is what a malformed page yields: which table (section) and which line.
type ParseError struct {
	Section string
	Line    int // 1-based; 0 when the section is missing altogether
	Msg     string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("docpage: %s: %s", quoteSection(e.Section), e.Msg)
	}
	return fmt.Sprintf("docpage: %s, line %d: %s", quoteSection(e.Section), e.Line, e.Msg)
}

func quoteSection(s string) string {
	if s == "" {
		return "page"
	}
	return "table " + strconv.Quote(s)
}

type line struct {
	n    int
	text string
}

type section struct {
	name  string
	line  int // the heading's line
	lines []line
}

func errorf(sec string, ln int, format string, args ...any) error {
	return &ParseError{Section: sec, Line: ln, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads a page.
func Parse(data []byte) (*Page, error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	raw := strings.Split(string(data), "\n")
	p := &Page{}
	sections := map[string]*section{}
	var cur *section
	for i, text := range raw {
		n := i + 1
		t := strings.TrimSpace(text)
		if i == 0 {
			p.Summary = t
			if t == "" {
				return nil, errorf("", 1, "the first line (the summary) is empty")
			}
			continue
		}
		if isHeading(t) {
			if prev, dup := sections[t]; dup {
				return nil, errorf(t, n, "section appears twice (first at line %d)", prev.line)
			}
			cur = &section{name: t, line: n}
			sections[t] = cur
			continue
		}
		if cur == nil {
			continue
		}
		cur.lines = append(cur.lines, line{n, text})
	}
	for _, name := range []string{SectionQPS, SectionRAM, SectionParameters, SectionResponse, SectionExamples, SectionErrors} {
		if sections[name] == nil {
			return nil, errorf(name, 0, "section not found (a line reading exactly %q)", name)
		}
	}
	if s := sections[SectionDescription]; s != nil {
		p.Description = paragraphs(s.lines)
	}
	var err error
	if p.QPS, err = parseQPS(sections[SectionQPS]); err != nil {
		return nil, err
	}
	if p.RAM, err = parseRAM(sections[SectionRAM]); err != nil {
		return nil, err
	}
	if p.Params, err = parseParams(sections[SectionParameters]); err != nil {
		return nil, err
	}
	if p.Elements, err = parseElements(sections[SectionResponse]); err != nil {
		return nil, err
	}
	if p.Example, err = parseExample(sections[SectionExamples], p.Elements); err != nil {
		return nil, err
	}
	if p.Errors, err = parseErrors(sections[SectionErrors]); err != nil {
		return nil, err
	}
	return p, nil
}

func isHeading(t string) bool {
	for _, h := range headings {
		if t == h {
			return true
		}
	}
	return false
}

// paragraphs drops the "-" separators and blank lines the dump leaves between paragraphs.
func paragraphs(lines []line) []string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || t == "-" {
			continue
		}
		out = append(out, t)
	}
	return out
}

var qpsRe = regexp.MustCompile(`([0-9][0-9,]*) calls per (second|minute|hour) for each (user|account)`)

func parseQPS(s *section) (QPS, error) {
	for _, l := range s.lines {
		m := qpsRe.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		calls, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if err != nil || calls <= 0 {
			return QPS{}, errorf(s.name, l.n, "call count %q is not a positive number", m[1])
		}
		window := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour}[m[2]]
		return QPS{Calls: calls, Window: window, Per: m[3], Text: strings.TrimSpace(l.text), Line: l.n}, nil
	}
	return QPS{}, errorf(s.name, s.line, `no sentence "N calls per second|minute|hour for each user"`)
}

// row is one table row: its cells and the line it starts on.
type row struct {
	line  int
	cells []string
	tail  bool // the last cell is text after the row's final "|": a wrapped cell, or prose after the table
}

// rows splits a section's lines into table rows. Text before the first row is ignored.
func rows(s *section) []row {
	var out []row
	var cur *row
	var buf strings.Builder
	flush := func() {
		if cur == nil {
			return
		}
		text := strings.TrimPrefix(strings.TrimSpace(buf.String()), "|")
		parts := strings.Split(text, "|")
		if len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
			parts = parts[:len(parts)-1]
		} else {
			cur.tail = true
		}
		for i := range parts {
			parts[i] = strings.Join(strings.Fields(parts[i]), " ")
		}
		cur.cells = parts
		out = append(out, *cur)
		cur = nil
		buf.Reset()
	}
	for _, l := range s.lines {
		t := strings.TrimSpace(l.text)
		if strings.HasPrefix(t, "|") {
			flush()
			cur = &row{line: l.n}
		}
		if cur == nil {
			continue
		}
		buf.WriteString(t)
		buf.WriteString("\n")
	}
	flush()
	// Drop separator rows (|---|---|) and rows of empty cells the dump leaves behind.
	kept := out[:0]
	for _, r := range out {
		if !allMatch(r.cells, func(c string) bool { return c == "" || strings.Trim(c, "-: ") == "" }) {
			kept = append(kept, r)
		}
	}
	return kept
}

func allMatch(cells []string, f func(string) bool) bool {
	for _, c := range cells {
		if !f(c) {
			return false
		}
	}
	return true
}

// table returns the header row's column index of each wanted column (case-insensitive) and the
// body rows. Columns may come in any order; a missing one is an error.
func table(s *section, want ...string) (map[string]int, []row, error) {
	rs := rows(s)
	if len(rs) == 0 {
		return nil, nil, errorf(s.name, s.line, "no table rows (lines starting with |)")
	}
	head := rs[0]
	idx := map[string]int{}
	for i, c := range head.cells {
		idx[strings.ToLower(c)] = i
	}
	cols := map[string]int{}
	for _, w := range want {
		i, ok := idx[strings.ToLower(w)]
		if !ok {
			return nil, nil, errorf(s.name, head.line, "header has no column %q (has %q)", w, head.cells)
		}
		cols[w] = i
	}
	cols["_n"] = len(head.cells)
	body := rs[1:]
	// A full row followed by unpiped text: the text is prose after the table ("See Error Codes ...").
	for i, r := range body {
		if r.tail && len(r.cells) == len(head.cells)+1 {
			body[i].cells = r.cells[:len(head.cells)]
		}
	}
	return cols, body, nil
}

func cell(r row, cols map[string]int, name string) string {
	i := cols[name]
	if i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

var (
	nameRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)
	ramRe    = regexp.MustCompile(`^[a-z][a-z0-9-]*:[A-Za-z0-9*]+$`)
	typeList = map[string]bool{"string": true, "integer": true, "long": true, "boolean": true,
		"float": true, "double": true, "object": true, "array": true}
)

func parseRAM(s *section) (RAM, error) {
	cols, body, err := table(s, "Action", "Access level", "Resource type", "Condition key", "Dependent action")
	if err != nil {
		return RAM{}, err
	}
	if len(body) == 0 {
		return RAM{}, errorf(s.name, s.line, "no authorization row")
	}
	// The dump wraps the one row over several "|" lines and drops an empty Access level cell:
	// read the cells in order; Action first, Condition key and Dependent action last.
	var cells []string
	for _, r := range body {
		for _, c := range r.cells {
			if c != "" {
				cells = append(cells, c)
			}
		}
	}
	r := RAM{Line: body[0].line}
	switch len(cells) {
	case cols["_n"]:
		r.Action, r.AccessLevel, r.ResourceType = cells[cols["Action"]], cells[cols["Access level"]], cells[cols["Resource type"]]
		r.ConditionKey, r.DependentAction = cells[cols["Condition key"]], cells[cols["Dependent action"]]
	case cols["_n"] - 1:
		r.Action, r.ResourceType, r.ConditionKey, r.DependentAction = cells[0], cells[1], cells[2], cells[3]
	default:
		return RAM{}, errorf(s.name, body[0].line, "want %d cells (or %d without Access level), got %d: %q",
			cols["_n"], cols["_n"]-1, len(cells), cells)
	}
	if !ramRe.MatchString(r.Action) {
		return RAM{}, errorf(s.name, body[0].line, "action %q is not service:Action", r.Action)
	}
	if r.ResourceType == "" {
		return RAM{}, errorf(s.name, body[0].line, "resource type is empty")
	}
	return r, nil
}

func parseParams(s *section) ([]Param, error) {
	cols, body, err := table(s, "Parameter", "Type", "Required", "Description", "Example")
	if err != nil {
		return nil, err
	}
	var out []Param
	seen := map[string]int{}
	for _, r := range body {
		if len(r.cells) != cols["_n"] {
			return nil, errorf(s.name, r.line, "row has %d cells, the header %d: %q", len(r.cells), cols["_n"], r.cells)
		}
		p := Param{Name: cell(r, cols, "Parameter"), Type: cell(r, cols, "Type"),
			Description: cell(r, cols, "Description"), Example: cell(r, cols, "Example"), Line: r.line}
		if !nameRe.MatchString(p.Name) {
			return nil, errorf(s.name, r.line, "parameter name %q is not a name", p.Name)
		}
		if first, dup := seen[p.Name]; dup {
			return nil, errorf(s.name, r.line, "parameter %s listed twice (first at line %d)", p.Name, first)
		}
		seen[p.Name] = r.line
		if !typeList[p.Type] {
			return nil, errorf(s.name, r.line, "parameter %s: unknown type %q", p.Name, p.Type)
		}
		switch req := cell(r, cols, "Required"); strings.ToLower(req) {
		case "yes":
			p.Required = true
		case "no":
		default:
			return nil, errorf(s.name, r.line, "parameter %s: Required is %q, want Yes or No", p.Name, req)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errorf(s.name, s.line, "no parameters")
	}
	return out, nil
}

func parseElements(s *section) ([]Element, error) {
	cols, body, err := table(s, "Element", "Type", "Description", "Example")
	if err != nil {
		return nil, err
	}
	var out []Element
	seen := map[string]int{}
	for _, r := range body {
		// The root object row: only its type survives the dump.
		if len(r.cells) < cols["_n"] && allMatch(r.cells, func(c string) bool { return c == "" || c == "object" }) {
			continue
		}
		if len(r.cells) != cols["_n"] {
			return nil, errorf(s.name, r.line, "row has %d cells, the header %d: %q", len(r.cells), cols["_n"], r.cells)
		}
		e := Element{Name: cell(r, cols, "Element"), Type: cell(r, cols, "Type"),
			Description: cell(r, cols, "Description"), Example: cell(r, cols, "Example"), Line: r.line}
		if !nameRe.MatchString(e.Name) {
			return nil, errorf(s.name, r.line, "element name %q is not a name", e.Name)
		}
		if first, dup := seen[e.Name]; dup {
			return nil, errorf(s.name, r.line, "element %s listed twice (first at line %d)", e.Name, first)
		}
		seen[e.Name] = r.line
		if !typeList[e.Type] {
			return nil, errorf(s.name, r.line, "element %s: unknown type %q", e.Name, e.Type)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errorf(s.name, s.line, "no response elements")
	}
	return out, nil
}

func parseExample(s *section, elements []Element) (Example, error) {
	start := -1
	format := ""
	for i, l := range s.lines {
		t := strings.TrimSpace(l.text)
		if strings.HasSuffix(t, " format") && format == "" {
			format = strings.TrimSuffix(t, " format")
		}
		if strings.HasPrefix(t, "{") {
			start = i
			break
		}
	}
	if start < 0 {
		return Example{}, errorf(s.name, s.line, "no JSON example (a line starting with {)")
	}
	if format != "" && format != "JSON" {
		return Example{}, errorf(s.name, s.lines[start].n, "example format %q, want JSON", format)
	}
	var buf strings.Builder
	for _, l := range s.lines[start:] {
		buf.WriteString(l.text + "\n")
	}
	dec := json.NewDecoder(strings.NewReader(buf.String()))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		ln := s.lines[start].n
		var se *json.SyntaxError
		if errors.As(err, &se) {
			ln += strings.Count(buf.String()[:min(int(se.Offset), buf.Len())], "\n")
		}
		return Example{}, errorf(s.name, ln, "example is not JSON: %v", err)
	}
	known := map[string]bool{}
	for _, e := range elements {
		known[e.Name] = true
	}
	for k := range v {
		if !known[k] {
			return Example{}, errorf(s.name, s.lines[start].n, "example field %s is not a response element", k)
		}
	}
	raw := strings.TrimSpace(buf.String()[:dec.InputOffset()])
	return Example{Format: "JSON", Value: v, Raw: raw, Line: s.lines[start].n}, nil
}

var (
	codeRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$`)
	templateRe = regexp.MustCompile(`%[^s]`)
)

func parseErrors(s *section) ([]Error, error) {
	cols, body, err := table(s, "HTTP status code", "Error code", "Error message", "Description")
	if err != nil {
		return nil, err
	}
	var out []Error
	seen := map[string]int{}
	for _, r := range body {
		if len(r.cells) != cols["_n"] {
			return nil, errorf(s.name, r.line, "row has %d cells, the header %d: %q", len(r.cells), cols["_n"], r.cells)
		}
		e := Error{Code: cell(r, cols, "Error code"), Message: cell(r, cols, "Error message"),
			Description: cell(r, cols, "Description"), Line: r.line}
		st := cell(r, cols, "HTTP status code")
		status, err := strconv.Atoi(st)
		if err != nil || status < 400 || status > 599 {
			return nil, errorf(s.name, r.line, "HTTP status %q is not a 4xx or 5xx status", st)
		}
		e.Status = status
		if !codeRe.MatchString(e.Code) {
			return nil, errorf(s.name, r.line, "error code %q is not a code", e.Code)
		}
		if first, dup := seen[e.Code]; dup {
			return nil, errorf(s.name, r.line, "error code %s listed twice (first at line %d)", e.Code, first)
		}
		seen[e.Code] = r.line
		if e.Message == "" {
			return nil, errorf(s.name, r.line, "error code %s has no message", e.Code)
		}
		if templateRe.MatchString(strings.ReplaceAll(e.Message, "%%", "")) {
			return nil, errorf(s.name, r.line, "error code %s: message %q has a verb other than %%s", e.Code, e.Message)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errorf(s.name, s.line, "no error codes")
	}
	return out, nil
}

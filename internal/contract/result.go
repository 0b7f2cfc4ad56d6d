package contract

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
)

// maxMessage bounds a case's message: one line a reader can take in.
const maxMessage = 600

// result is the outcome of every selected case, in the report's order (docs/protocol.md#reports). A case
// that did not run (the run was cut before it, or before its end) is skipped as "not run".
func (s *session) result() *Result {
	res := &Result{Target: s.cfg.Target, Cases: []Case{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	order := s.order
	for _, d := range order {
		c := Case{ID: d.ID, Code: d.Code, Labels: d.labels}
		t := s.ran[d]
		switch {
		case t == nil || t.out.notRun:
			c.Status, c.Message = StatusSkipped, notRunMessage(s.cause)
			res.NotRun++
		default:
			c.Status, c.Message, c.Kind, c.Duration = t.out.status, t.out.message, t.out.kind, t.out.duration
			c.Followed = t.followed
			if c.Status == StatusFailed {
				c.Reproduce, c.Answer = t.repro, t.lastCode
				if t.code != "" {
					c.Code = t.code
				}
			}
		}
		switch c.Status {
		case StatusPassed:
			res.Passed++
		case StatusFailed:
			res.Failed++
		case StatusSkipped:
			res.Skipped++
		}
		res.Cases = append(res.Cases, c)
	}
	return res
}

func clip(s string) string {
	if r := []rune(s); len(r) > maxMessage {
		return string(r[:maxMessage]) + "…"
	}
	return s
}

// WriteJSON writes the JSON report of docs/protocol.md#reports.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a message quotes answers as they came: <html>, not \u003chtml\u003e
	return enc.Encode(r)
}

// WriteJUnit writes a JUnit XML report: one test case per case, named by its id, classed by its
// area (success, errors, gateway, throttle).
func (r *Result) WriteJUnit(w io.Writer) error {
	suite := reporters.JUnitTestSuite{
		Name:      "edgeconform contract",
		Package:   r.Target,
		Tests:     len(r.Cases),
		Failures:  r.Failed,
		Skipped:   r.Skipped + r.Known,
		Time:      r.Duration.Seconds(),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: reporters.JUnitProperties{Properties: []reporters.JUnitProperty{
			{Name: "target", Value: r.Target},
			{Name: "verdict", Value: string(r.Verdict)},
			{Name: "reason", Value: r.Reason},
		}},
	}
	for _, c := range r.Cases {
		tc := reporters.JUnitTestCase{
			Name:      c.ID,
			Classname: area(c.ID),
			Status:    c.Status,
			Time:      c.Duration.Seconds(),
		}
		if len(c.Followed) > 0 {
			tc.SystemOut = "followed: " + followNote(c.Followed)
		}
		switch c.Status {
		case StatusFailed:
			desc := "expected Code " + c.Code + ": " + c.Message
			if c.Reproduce != "" {
				desc += "\nreproduce: " + c.Reproduce
			}
			tc.Failure = &reporters.JUnitFailure{Message: c.Message, Type: "failed", Description: desc}
		case StatusSkipped, StatusKnown: // a known failure does not fail CI: skipped, with its reason
			tc.Skipped = &reporters.JUnitSkipped{Message: c.Message}
		}
		suite.TestCases = append(suite.TestCases, tc)
	}
	all := reporters.JUnitTestSuites{
		Tests: suite.Tests, Failures: suite.Failures, Disabled: suite.Skipped, Time: suite.Time,
		TestSuites: []reporters.JUnitTestSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// area is the first segment of a case id.
func area(id string) string {
	if i := strings.IndexByte(id, '/'); i > 0 {
		return id[:i]
	}
	return id
}

package contract

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// maxMessage bounds a case's message: one line a reader can take in.
const maxMessage = 600

// result turns Ginkgo's report into the cases of docs/protocol.md#reports.
func (s *session) result(r types.Report) *Result {
	res := &Result{Target: s.cfg.Target, Cases: []Case{}}
	selected := s.labelFilter()
	cut := len(r.SpecialSuiteFailureReasons) > 0
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sr := range r.SpecReports {
		if !sr.LeafNodeType.Is(types.NodeTypeIt) {
			continue // suite-level nodes: their failures show in SpecialSuiteFailureReasons
		}
		meta, ok := registry[registryKey(sr.ContainerHierarchyTexts, sr.LeafNodeText)]
		if !ok {
			meta = caseMeta{ID: sr.FullText()}
		}
		full := sr.FullText()
		c := Case{ID: meta.ID, Code: meta.Code, Labels: sr.Labels(), Duration: sr.RunTime}
		switch {
		case sr.State.Is(types.SpecStatePassed):
			c.Status = StatusPassed
		case sr.State.Is(types.SpecStateFailureStates):
			c.Status = StatusFailed
			c.Message = failureMessage(sr)
			c.Kind = s.kinds[full]
			c.Reproduce = s.repro[full]
			c.Answer = s.answers[full]
		case sr.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			if sr.Failure.Message == "" && !s.started[full] {
				if !cut || !selected(sr.Labels()) {
					continue // left out by the label filter: not part of this run
				}
				c.Message = "not run: " + strings.Join(r.SpecialSuiteFailureReasons, ", ")
				res.NotRun++
			} else {
				c.Message = clip(oneLine(sr.Failure.Message))
			}
			c.Status = StatusSkipped
		default:
			continue
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

// failureMessage is the one line of a failed case: ours as we wrote it, Ginkgo's own (timeouts,
// interrupts, panics) flattened.
func failureMessage(sr types.SpecReport) string {
	msg := sr.Failure.Message
	switch {
	case sr.State.Is(types.SpecStatePanicked):
		msg = "panic: " + sr.Failure.ForwardedPanic
	case sr.State.Is(types.SpecStateTimedout):
		msg = "timed out: " + firstLine(msg)
	case sr.State.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		msg = "interrupted: " + firstLine(msg)
	}
	return clip(oneLine(msg))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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
			{Name: "verdict", Value: r.Verdict},
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

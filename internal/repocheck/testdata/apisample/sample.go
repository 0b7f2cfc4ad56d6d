// Package apisample is the repository test's control: a public package with a known count of
// exported names (8) and three undocumented ones (Run, Report.Undocumented, the field Report.Total).
package apisample

import "github.com/edgeconform/edgeconform/internal/repocheck/testdata/apisample/inner"

// Report is an alias: its methods count too.
type Report = inner.Report

// The verdicts.
const (
	Pass   = "pass"
	Fail   = "fail"
	hidden = "x"
)

func Run() {}

// Options is documented.
type Options struct {
	Rate int // documented at the end of its line
}

// Validate is documented.
func (o Options) Validate() error { return nil }

type private struct{}

// Exported on an unexported type: not reachable, not counted.
func (private) Exported() {}

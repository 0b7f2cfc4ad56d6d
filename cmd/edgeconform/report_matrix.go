package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/matrix"
)

const matrixSynopsis = "report matrix [--markdown FILE] [--html FILE] [NAME=]REPORT.json..."

// runReportMatrix is `edgeconform report matrix`: contract --json reports of several
// implementations side by side, the table on stdout, optionally as Markdown and HTML files.
func runReportMatrix(_ context.Context, m *Main, args []string) error {
	var markdown, html string
	fset := m.newFlagSet("report matrix", matrixSynopsis)
	fset.StringVar(&markdown, "markdown", "", "also write the table as Markdown to `FILE`")
	fset.StringVar(&html, "html", "", "also write the table as one self-contained HTML page to `FILE`")
	files, err := parseWithFiles(fset, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return cli.Usagef("report matrix: no reports given (contract --json files, one per implementation)")
	}
	if err := checkOutputs("report matrix", outFile("markdown", markdown), outFile("html", html)); err != nil {
		return err
	}
	var cols []matrix.Column
	var reports []matrix.Report
	for _, arg := range files {
		name, path := "", arg
		if i := strings.IndexByte(arg, '='); i > 0 {
			if _, err := os.Stat(arg); err != nil { // a file may have '=' in its name
				name, path = arg[:i], arg[i+1:]
			}
		}
		c, r, err := matrix.ReadFile(name, path)
		if err != nil {
			return cli.Usagef("report matrix: %v", err)
		}
		cols, reports = append(cols, c), append(reports, r)
	}
	mx, err := matrix.New(cols, reports)
	if err != nil {
		return cli.Usagef("report matrix: %v", err)
	}
	if err := mx.WriteText(m.Stdout); err != nil {
		return fmt.Errorf("%w: report matrix: %v", cli.ErrHarness, err)
	}
	write := func(path string, fn func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		var b bytes.Buffer
		if err := fn(&b); err != nil {
			return err
		}
		return os.WriteFile(path, b.Bytes(), 0o644)
	}
	if err := write(markdown, mx.WriteMarkdown); err != nil {
		return fmt.Errorf("%w: report matrix: %v", cli.ErrHarness, err)
	}
	if err := write(html, mx.WriteHTML); err != nil {
		return fmt.Errorf("%w: report matrix: %v", cli.ErrHarness, err)
	}
	return nil
}

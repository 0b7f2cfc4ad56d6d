package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

const compareSynopsis = "report compare [--threshold EXPR ...] [--json FILE] [--html FILE] [--resamples N] [--seed S] [--level L] BASE NEW"

// runReportCompare is `edgeconform report compare BASE NEW`: two runs of one plan (JSON reports
// or raw results), every figure's change with a bootstrap interval, thresholds on the changes
// deciding the exit status (0 within, 1 crossed, 2 usage, 3 runs too short to judge).
func runReportCompare(_ context.Context, m *Main, args []string) error {
	var (
		jsonPath, htmlPath string
		thresholds         stringList
		resamples          int
		seed               uint64
		level              float64
	)
	fset := m.newFlagSet("report compare", compareSynopsis)
	fset.Var(&thresholds, "threshold", "limit `EXPR` on a change, repeatable: p99<+10%, p99{path=start}<+10%, p50<+2ms, throughput>-5%, errors<+0.1% (percentage points); crossed only when the whole interval is past it")
	fset.StringVar(&jsonPath, "json", "", "write the comparison as JSON to `FILE`")
	fset.StringVar(&htmlPath, "html", "", "write the comparison as one self-contained HTML page to `FILE`")
	fset.IntVar(&resamples, "resamples", loadrun.DefaultResamples, "bootstrap resamples `N`")
	fset.Uint64Var(&seed, "seed", loadrun.DefaultSeed, "seed `S` of the resampling (the same inputs and seed give the same intervals)")
	fset.Float64Var(&level, "level", loadrun.DefaultLevel, "confidence level `L` of the intervals, between 0.5 and 0.999")
	files, err := parseWithFiles(fset, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		return cli.Usagef("report compare: want two runs, BASE and NEW (JSON reports or raw results), got %d", len(files))
	}
	if resamples < 100 || resamples > 100000 {
		return cli.Usagef("report compare: --resamples %d: want 100 to 100000", resamples)
	}
	if level < 0.5 || level > 0.999 {
		return cli.Usagef("report compare: --level %g: want 0.5 to 0.999", level)
	}
	ts, err := loadrun.ParseChangeThresholds(thresholds)
	if err != nil {
		return cli.Usagef("report compare: %v", err)
	}
	if err := checkOutputs("report compare", outFile("json", jsonPath), outFile("html", htmlPath)); err != nil {
		return err
	}
	var runs [2]*loadrun.Report
	for i, f := range files {
		if runs[i], err = loadrun.ReadRun(f); err != nil {
			return cli.Usagef("report compare: %v", err)
		}
	}
	for _, t := range ts {
		if p := t.Path(); p != "" && !hasPath(runs[0], p) {
			return cli.Usagef("report compare: --threshold %s: BASE has no path %s", t.Expr, p)
		}
	}
	c, err := loadrun.Compare(runs[0], runs[1], loadrun.CompareOptions{Resamples: resamples, Seed: seed, Level: level, Thresholds: ts})
	switch {
	case errors.Is(err, loadrun.ErrTooShort):
		return fmt.Errorf("%w: report compare: %w", cli.ErrHarness, err)
	case err != nil:
		return cli.Usagef("report compare: %v", err)
	}
	c.Base, c.New = files[0], files[1]
	if err := loadrun.WriteCompareText(m.Stdout, c); err != nil {
		return fmt.Errorf("%w: report compare: %w", cli.ErrHarness, err)
	}
	if err := writeOutput("report compare", "json", jsonPath, func(w io.Writer) error { return loadrun.WriteCompareJSON(w, c) }); err != nil {
		return err
	}
	if err := writeOutput("report compare", "html", htmlPath, func(w io.Writer) error { return loadrun.WriteCompareHTML(w, c) }); err != nil {
		return err
	}
	if c.Verdict != verdict.Pass {
		passes := make([]bool, len(c.Thresholds))
		for i, t := range c.Thresholds {
			passes[i] = t.Pass
		}
		return crossedError("report compare: ", passes)
	}
	return nil
}

func hasPath(r *loadrun.Report, path string) bool {
	for _, p := range r.Paths {
		if p.Path == path {
			return true
		}
	}
	return false
}

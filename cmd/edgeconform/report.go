package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
)

func runReport(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("report: want a subcommand: merge, compare or matrix")
	}
	switch args[0] {
	case "merge":
		return runReportMerge(ctx, m, args[1:])
	case "compare":
		return runReportCompare(ctx, m, args[1:])
	case "matrix":
		return runReportMatrix(ctx, m, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(m.Stdout, "usage: edgeconform report merge [-o FILE] [--threshold EXPR ...] [--report-dir DIR] RESULTS...")
		fmt.Fprintln(m.Stdout, "       edgeconform "+compareSynopsis)
		fmt.Fprintln(m.Stdout, "       edgeconform "+matrixSynopsis)
		return nil
	}
	return cli.Usagef("report: unknown subcommand %q (want merge, compare or matrix)", args[0])
}

// runReportMerge combines the raw results of sharded load runs (--output of each shard) into one
// report: the text on stdout, the JSON with -o, and thresholds evaluated on the whole.
func runReportMerge(_ context.Context, m *Main, args []string) error {
	var (
		out        string
		reportDir  string
		thresholds stringList
	)
	fset := m.newFlagSet("report merge", "report merge [-o FILE] [--threshold EXPR ...] [--report-dir DIR] RESULTS...")
	fset.StringVar(&out, "o", "", "write the merged JSON report to `FILE`")
	fset.StringVar(&out, "json", "", "same as -o")
	fset.StringVar(&reportDir, "report-dir", "", "write report.json, report.txt and the HTML chart to `DIR`")
	fset.Var(&thresholds, "threshold", "pass condition `EXPR` on the merged figures, repeatable (as in 'edgeconform load')")
	files, err := parseWithFiles(fset, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return cli.Usagef("report merge: no results files given")
	}
	if err := checkOutputs("report merge", outFile("json", out), outDir("report-dir", reportDir)); err != nil {
		return err
	}
	ts, err := loadrun.ParseThresholds(thresholds)
	if err != nil {
		return cli.Usagef("report merge: %v", err)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return cli.Usagef("report merge: %s: no such file", f)
			}
			return cli.Usagef("report merge: %v", err)
		}
	}
	s := loadrun.NewSummary(nil)
	if err := loadrun.MergeFiles(s, files...); err != nil {
		return cli.Usagef("report: %v", err)
	}
	r := s.Report()
	return finishReport(m, "report merge", s, r, ts, out, reportDir, fmt.Sprintf("edgeconform load (%d files merged)", len(files)), nil)
}

// parseWithFiles parses args in which flags and file names may interleave (report merge a.bin
// -o x b.bin): parse, take the files up to the next flag, parse again. A bad flag is a usage error.
func parseWithFiles(fset *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for rest := args; ; {
		if err := parseQuiet(fset, rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, cli.Usagef("%s: %v", fset.Name(), err)
		}
		rest = fset.Args()
		if len(rest) == 0 {
			return files, nil
		}
		files = append(files, rest[0])
		rest = rest[1:]
	}
}

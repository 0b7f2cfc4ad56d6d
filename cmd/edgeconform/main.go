// Command edgeconform is the conformance kit for Alibaba Cloud ApsaraVideo Live's
// StartEdgeTranscodeJob: contract suites, the throttle scenario, load runs, the reference
// implementation and the OpenAPI spec, behind one binary. This package only wires flags to packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/edgeconform/edgeconform/internal/cli"
)

// Main carries what a command may touch of the process, so that tests run commands in-process
// and read their output.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand: its flags live in its own file, its work in a package.
type command struct {
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

// commands lists every subcommand; each is defined in a file of its own name.
var commands = map[string]command{
	"run":      {"contract suites, then the throttle scenario, against --target (default: the embedded reference implementation)", runRun},
	"contract": {"the Ginkgo contract suites against --target", runContract},
	"throttle": {"the Vegeta throttle scenario against --target", runThrottle},
	"load":     {"a constant-rate load run with thresholds, for release performance checks", runLoad},
	"mock":     {"serve the reference implementation until SIGINT/SIGTERM", runMock},
	"spec":     {"generate | validate | show: the OpenAPI spec derived from the documentation", runSpec},
	"sign":     {"print a signed URL (or curl command) for a call, to try an implementation by hand", runSign},
	"report":   {"merge: combine the results of sharded load runs into one report; compare: is NEW slower than BASE, beyond the noise; matrix: contract reports side by side", runReport},
	"record":   {"record what --target answers to the contract cases, for contract --snapshot", runRecord},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := m.Run(ctx, os.Args[1:])
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(m.Stderr, "edgeconform: %v\n", err)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(cli.ExitOK)
	}
	os.Exit(cli.ExitCode(err))
}

// Run dispatches to a subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stderr)
		return cli.Usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		m.usage(m.Stdout)
		return nil
	case "version", "-version", "--version":
		printVersion(m.Stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		return cli.Usagef("unknown command %q (try 'edgeconform help')", name)
	}
	return cmd.run(ctx, m, args[1:])
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: edgeconform <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'edgeconform <command> -h' for a command's flags, 'edgeconform --version' for the version.")
	fmt.Fprintln(w, "Exit status: 0 conforms/succeeded, 1 does not conform, 2 bad usage, 3 harness failure.")
}

// newFlagSet returns a FlagSet that reports errors instead of exiting, with usage on -h.
func (m *Main) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(m.Stdout, "usage: edgeconform %s\n\nflags:\n", synopsis)
		fs.SetOutput(m.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args and turns every flag problem into a one-line usage error.
func (m *Main) parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseQuiet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err // parseQuiet has printed the usage already
		}
		return cli.Usagef("%s: %s", fs.Name(), strings.TrimSpace(err.Error()))
	}
	if fs.NArg() > 0 {
		return cli.Usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseQuiet parses args, printing the usage for -h only: a bad flag gets its one-line error,
// not the flag list on stdout, which carries results (spec generate > openapi.yaml).
func parseQuiet(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		usage()
	}
	return err
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/source"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

const specUsage = `usage: edgeconform spec <generate|validate|show|sources> [flags]

  generate [-o FILE] [-page FILE] [-overlay FILE]
      derive the OpenAPI document from the documentation page and the overlay
      (default: the copies embedded in the binary; default output: stdout)
  validate [FILE]
      check an OpenAPI document (default: the embedded spec); prints each problem
      with its JSON pointer and exits 1 if there is any
  show [-spec FILE]
      print the error-code table: code, HTTP status, message template, source
  sources [-json] [-metadata FILE] [-sdk FILE] [-page FILE]
      print every disagreement between the page, the vendor's OpenAPI metadata
      (api-docs.<date>.*.json as published) and the official SDKs' facts: operation,
      field, what each source says (default: the copies embedded in the binary, which
      spec/openapi.yaml records in x-edgeconform-disagreements)
`

func runSpec(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, specUsage)
		return cli.Usagef("spec: no subcommand given (generate, validate, show or sources)")
	}
	switch args[0] {
	case "generate":
		return m.specGenerate(args[1:])
	case "validate":
		return m.specValidate(args[1:])
	case "show":
		return m.specShow(args[1:])
	case "sources":
		return m.specSources(args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, specUsage)
		return flag.ErrHelp
	default:
		return cli.Usagef("spec: unknown subcommand %q (generate, validate, show or sources)", args[0])
	}
}

func (m *Main) specGenerate(args []string) error {
	fs := m.newFlagSet("spec generate", "spec generate [-o FILE] [-page FILE] [-overlay FILE]")
	out := fs.String("o", "", "write the document to `FILE` (default: stdout)")
	pagePath := fs.String("page", "", "documentation page `FILE` (default: the embedded internal/source/"+source.PageFile+")")
	overlayPath := fs.String("overlay", "", "overlay `FILE` (default: the embedded internal/source/"+source.OverlayFile+")")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	page, overlay := source.Page, source.Overlay
	var err error
	if *pagePath != "" {
		if page, err = os.ReadFile(*pagePath); err != nil {
			return cli.Usagef("spec generate: %v", err)
		}
	}
	if *overlayPath != "" {
		if overlay, err = os.ReadFile(*overlayPath); err != nil {
			return cli.Usagef("spec generate: %v", err)
		}
	}
	data, err := gen.Generate(page, overlay)
	if err != nil {
		return fmt.Errorf("%w: spec generate: %w", cli.ErrUsage, err)
	}
	// Never write a document the spec package would refuse.
	if _, err := spec.Load(data); err != nil {
		return fmt.Errorf("%w: spec generate: the generated document is invalid: %w", cli.ErrUsage, err)
	}
	if *out == "" {
		_, err = m.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return cli.Usagef("spec generate: %v", err)
	}
	return nil
}

func (m *Main) specValidate(args []string) error {
	fs := m.newFlagSet("spec validate", "spec validate [FILE]")
	if err := parseQuiet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usagef("spec validate: %v", err)
	}
	if fs.NArg() > 1 {
		return cli.Usagef("spec validate: one FILE at most, got %d", fs.NArg())
	}
	name, data := "the embedded spec", spec.Default().YAML()
	if fs.NArg() == 1 {
		name = fs.Arg(0)
		var err error
		if data, err = os.ReadFile(name); err != nil {
			return cli.Usagef("spec validate: %v", err)
		}
	}
	problems := specfacts.Check(data)
	for _, p := range problems {
		fmt.Fprintln(m.Stdout, p.String())
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: spec validate: %s: %d problem(s)", cli.ErrNonConformant, name, len(problems))
	}
	fmt.Fprintf(m.Stdout, "%s: valid\n", name)
	return nil
}

func (m *Main) specShow(args []string) error {
	fs := m.newFlagSet("spec show", "spec show [-spec FILE]")
	file := fs.String("spec", "", "OpenAPI document `FILE` (default: the embedded spec)")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	s := spec.Default()
	if *file != "" {
		data, err := os.ReadFile(*file)
		if err != nil {
			return cli.Usagef("spec show: %v", err)
		}
		if s, err = spec.Load(data); err != nil {
			return fmt.Errorf("%w: spec show: %s: %w", cli.ErrUsage, *file, err)
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tSTATUS\tTEMPLATE\tSOURCE")
	for _, e := range s.Errors() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Code, strconv.Itoa(e.Status), e.Template, e.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	rl := s.RateLimit()
	fmt.Fprintf(m.Stdout, "\nrate limit: %s; throttled: HTTP %d %s\n", rl, throttleStatus(s), throttleCode(s))
	return nil
}

// throttleCode is the throttling code the API answers with (the common one that is also an error
// code of the spec).
func throttleCode(s *spec.Spec) string {
	for _, c := range specfacts.ThrottlingCodes(s) {
		if _, ok := s.Error(c); ok {
			return c
		}
	}
	return "?"
}

func throttleStatus(s *spec.Spec) int {
	e, _ := s.Error(throttleCode(s))
	return e.Status
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// specSources prints the disagreements between the page, the metadata and the SDKs' facts.
func (m *Main) specSources(args []string) error {
	fs := m.newFlagSet("spec sources", "spec sources [-json] [-metadata FILE] [-sdk FILE] [-page FILE]")
	asJSON := fs.Bool("json", false, "print the disagreements as JSON (the shape of x-edgeconform-disagreements)")
	metaPath := fs.String("metadata", "", "a metadata snapshot `FILE`, api-docs.<YYYY-MM-DD>.*.json as published (default: the embedded newest)")
	sdkPath := fs.String("sdk", "", "SDK facts `FILE` (default: the embedded internal/source/vendor/sdk.yaml)")
	pagePath := fs.String("page", "", "documentation page `FILE` (default: the embedded one)")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	in := gen.Embedded()
	read := func(path string, into *[]byte) error {
		if path == "" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return cli.Usagef("spec sources: %v", err)
		}
		*into = data
		return nil
	}
	for _, f := range []struct {
		path string
		into *[]byte
	}{{*metaPath, &in.Metadata}, {*sdkPath, &in.SDK}, {*pagePath, &in.Page}} {
		if err := read(f.path, f.into); err != nil {
			return err
		}
	}
	if *metaPath != "" {
		in.MetadataFile = filepath.Base(*metaPath)
	}
	ds, err := gen.Disagreements(in)
	if err != nil {
		return fmt.Errorf("%w: spec sources: %w", cli.ErrUsage, err)
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(ds)
	}
	for _, d := range ds {
		fmt.Fprintf(m.Stdout, "%s %s\n", d.Operation, d.Field)
		for _, c := range d.Claims {
			says := c.Says
			if says == "" {
				says = "(not listed)"
			}
			fmt.Fprintf(m.Stdout, "  %-50s %s\n", c.Name()+":", says)
		}
		fmt.Fprintf(m.Stdout, "  %-50s %s\n", "the kit:", d.Affects)
	}
	fmt.Fprintf(m.Stdout, "\n%d disagreements between %s\n", len(ds), sourcesLine(ds))
	if !reflect.DeepEqual(ds, specfacts.Disagreements(spec.Default())) {
		// A newer snapshot or other facts: the spec records the embedded sources' list.
		fmt.Fprintf(m.Stdout, "these sources differ from the %d the spec records: regenerate spec/openapi.yaml (go generate ./spec) after updating internal/source/vendor/\n",
			len(specfacts.Disagreements(spec.Default())))
	}
	return nil
}

// sourcesLine names the sources the disagreements compare, once each, in their order.
func sourcesLine(ds []specfacts.Disagreement) string {
	var names []string
	seen := map[string]bool{}
	for _, d := range ds {
		for _, c := range d.Claims {
			if n := c.Name(); !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

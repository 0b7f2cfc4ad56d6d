// Command specgen writes spec/openapi.yaml from the embedded documentation page and overlay; it is
// what `go generate ./spec` runs (edgeconform spec generate does the same).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/source"
)

func main() {
	out := flag.String("o", "", "output file (default: stdout)")
	flag.Parse()
	data, err := gen.Generate(source.Page, source.Overlay)
	if err == nil {
		if *out == "" {
			_, err = os.Stdout.Write(data)
		} else {
			err = os.WriteFile(*out, data, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}

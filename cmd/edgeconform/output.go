package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/edgeconform/edgeconform/internal/cli"
)

// writeOutput writes a report file a flag asked for. A path that cannot be written is the user's
// to fix, in every command alike: exit 2, as when the path is checked before the run.
func writeOutput(command, flagName, path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("%w: %s: --%s: %w", cli.ErrHarness, command, flagName, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return outputError(command, flagName, err)
	}
	return nil
}

// outputError is the error of an output path (file or folder) that cannot be written: exit 2.
func outputError(command, flagName string, err error) error {
	return fmt.Errorf("%w: %s: --%s: %w", cli.ErrUsage, command, flagName, err)
}

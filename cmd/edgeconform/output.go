package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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

// output is a file or directory a command will write, named by its flag.
type output struct {
	flag, path string
	dir        bool
}

func outFile(flag, path string) output { return output{flag: flag, path: path} }
func outDir(flag, path string) output  { return output{flag: flag, path: path, dir: true} }

// checkOutputs makes sure every output can be written before the command sends its first call: a
// run of minutes must not end in "cannot write the report". A directory output is created. The
// error, the same in every command, is a usage error (exit 2): "<command>: --<flag> <path>: why".
func checkOutputs(command string, outs ...output) error {
	for _, o := range outs {
		if o.path == "" {
			continue
		}
		if err := writable(o); err != nil {
			return cli.Usagef("%s: --%s %s: %v", command, o.flag, o.path, err)
		}
	}
	return nil
}

func writable(o output) error {
	dir := o.path
	if o.dir {
		if err := os.MkdirAll(o.path, 0o755); err != nil {
			return cause(err)
		}
	} else {
		dir = filepath.Dir(o.path)
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return errors.New("no such directory " + dir)
		case err != nil:
			return cause(err)
		case !st.IsDir():
			return errors.New(dir + " is not a directory")
		}
		if st, err := os.Stat(o.path); err == nil {
			if st.IsDir() {
				return errors.New("is a directory")
			}
			f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
			if err != nil {
				return cause(err)
			}
			return f.Close()
		}
	}
	f, err := os.CreateTemp(dir, ".edgeconform-check-*")
	if err != nil {
		return cause(err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// cause drops the path an *fs.PathError repeats: the message names it already.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeJSON writes v as every JSON report is written: indented, without HTML escaping (a
// message reads p99<50ms, not p99\u003c50ms).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

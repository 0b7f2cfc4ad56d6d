package loadrun

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Merge decodes the results in r (vegeta's binary, JSON or CSV format, detected) into s. Shards'
// results merge exactly: every result is counted again, and the latency histograms (of the
// whole run and of each time bucket) are rebuilt from all of them.
func Merge(s *Summary, r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return 0, nil // an empty file: a shard that made no request
	}
	dec := vegeta.DecoderFor(br)
	if dec == nil {
		return 0, errors.New("not a vegeta results file (binary, JSON or CSV)")
	}
	n := 0
	for {
		var res vegeta.Result
		err := dec.Decode(&res)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("result %d: %w", n+1, err)
		}
		s.Add(&res)
		n++
	}
}

// MergeFiles merges the results files at paths; errors name the file.
func MergeFiles(s *Summary, paths ...string) error {
	if len(paths) == 0 {
		return errors.New("load: merge: no results files given")
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("load: merge: %w", err)
		}
		_, err = Merge(s, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("load: merge %s: %w", path, err)
		}
	}
	return nil
}

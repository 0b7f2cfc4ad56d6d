package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Every output path of every command is checked before the first call: exit 2, one line of the
// same shape everywhere ("edgeconform: usage: <command>: --<flag> <path>: why"), and the target
// never called.
func TestOutputPathsCheckedFirst(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer target.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-dir", "out")
	underFile := filepath.Join(file, "sub")
	results := filepath.Join(dir, "results.bin")
	os.WriteFile(results, nil, 0o644)
	base := map[string][]string{
		"contract":     {"contract", "--target", target.URL, "--profile", referenceProfile},
		"throttle":     {"throttle", "--target", target.URL, "--profile", referenceProfile, "--rate-limit", "20/1m", "--progress", "none"},
		"load":         {"load", "--target", target.URL, "--profile", referenceProfile, "--duration", "300ms", "--progress", "none"},
		"run":          {"run", "--target", target.URL, "--profile", referenceProfile, "--rate-limit", "20/1m", "--progress", "none"},
		"report merge": {"report", "merge"},
	}
	flags := map[string][]string{
		"contract":     {"json", "junit", "report-dir"},
		"throttle":     {"json", "report-dir"},
		"load":         {"json", "report-dir", "output"},
		"run":          {"json", "junit", "report-dir"},
		"report merge": {"json", "report-dir"},
	}
	for command, fl := range flags {
		for _, flag := range fl {
			path := missing
			if flag == "report-dir" {
				path = underFile
			}
			t.Run(command+" --"+flag, func(t *testing.T) {
				t.Parallel()
				args := append(append([]string{}, base[command]...), "--"+flag, path)
				if command == "report merge" {
					args = append(args, results)
				}
				r := runBin(t, time.Minute, nil, args...)
				r.checkSane(t)
				stderr := strings.TrimRight(r.stderr, "\n")
				want := "edgeconform: usage: " + command + ": --" + flag + " " + path + ": "
				if r.exit != 2 || strings.Contains(stderr, "\n") || !strings.HasPrefix(stderr, want) {
					t.Errorf("exit %d, stderr %q; want 2 and one line starting %q", r.exit, stderr, want)
				}
			})
		}
	}
	t.Cleanup(func() {
		if n := calls.Load(); n != 0 {
			t.Errorf("the target got %d calls before the output paths were checked", n)
		}
	})
}
